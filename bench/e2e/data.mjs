// Deterministic, real-shaped inputs for the whole-process benchmarks (bench/e2e/run.mjs).
// Every generator takes a seed (mulberry32, ../rng.mjs), so every run measures the same files.
import { openSync, writeSync, closeSync } from "node:fs";
import { rng } from "../rng.mjs";

const int = (r, n) => Math.floor(r() * n);

/** Weighted choice: pairs [value, weight]; weights need not sum to 1. */
function picker(pairs) {
  const total = pairs.reduce((s, [, w]) => s + w, 0);
  return (r) => {
    let x = r() * total;
    for (const [v, w] of pairs) if ((x -= w) < 0) return v;
    return pairs[pairs.length - 1][0];
  };
}

export const v4 = (a) => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
const maskV4 = (a, len) => (len === 0 ? 0 : (a & (0xffffffff << (32 - len))) >>> 0);

/** Eight 16-bit groups to text: RFC 5952 (compressed, lowercase) or, with full, uncompressed. */
export function v6(g, full = false) {
  const h = g.map((x) => x.toString(16));
  if (full) return h.join(":");
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return h.join(":");
  return `${h.slice(0, best).join(":")}::${h.slice(best + bestLen).join(":")}`;
}

function maskV6(g, len) {
  const out = g.slice();
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, len - 16 * i));
    out[i] = keep === 0 ? 0 : out[i] & ((0xffff << (16 - keep)) & 0xffff);
  }
  return out;
}

const v4Len = picker([[32, 45], [24, 20], [28, 8], [29, 7], [30, 5], [27, 5], [26, 4], [25, 3], [31, 3]]);
const v6Len = picker([[32, 2], [40, 3], [44, 5], [48, 30], [56, 20], [64, 25], [128, 15]]);

/**
 * IPv4 /24-/32 as a blocklist or an inventory export looks: clustered in a few thousand /16
 * allocations (skewed: a few are dense), bare addresses for a third of the /32s, host bits set on
 * 3% of the prefixes, 5% repeats of a recent line.
 */
function v4Lines(r, blocks = 4000) {
  const base = Array.from({ length: blocks }, () => (((1 + int(r, 222)) << 24) | (int(r, 256) << 16)) >>> 0);
  return () => {
    const b = base[Math.floor(blocks * r() * r())];
    const len = v4Len(r);
    let a = (b | int(r, 65536)) >>> 0;
    if (r() >= 0.03) a = maskV4(a, len);
    return len === 32 && r() < 0.33 ? v4(a) : `${v4(a)}/${len}`;
  };
}

/** IPv6 global unicast (2000::/3) in 2,000 /32 allocations, sites clustered, /32-/128. */
function v6Lines(r, blocks = 2000) {
  const base = Array.from({ length: blocks }, () => [0x2000 + int(r, 0x2000), int(r, 0x10000)]);
  return () => {
    const [g0, g1] = base[Math.floor(blocks * r() * r())];
    const len = v6Len(r);
    let g = [g0, g1, int(r, 64), int(r, 0x10000), int(r, 0x10000), int(r, 0x10000), int(r, 0x10000), int(r, 0x10000)];
    if (len < 128 && r() >= 0.03) g = maskV6(g, len);
    const s = v6(g, r() < 0.1);
    return `${r() < 0.02 ? s.toUpperCase() : s}/${len}`;
  };
}

/** Adds 5% repeats of one of the last 10,000 lines. */
function withRepeats(r, next) {
  const ring = [];
  return () => {
    if (ring.length > 100 && r() < 0.05) return ring[int(r, ring.length)];
    const s = next();
    if (ring.length < 10000) ring.push(s);
    else ring[int(r, 10000)] = s;
    return s;
  };
}

/** Lines written in 4 MiB chunks (never one string for the whole file). */
class LineWriter {
  constructor(path) {
    this.fd = openSync(path, "w");
    this.buf = Buffer.allocUnsafe(4 << 20);
    this.len = 0;
    this.bytes = 0;
  }
  line(s) {
    if (this.len + s.length * 3 + 1 > this.buf.length) this.flush();
    this.len += this.buf.write(s, this.len, "latin1");
    this.buf[this.len++] = 0x0a;
  }
  flush() {
    for (let off = 0; off < this.len; ) off += writeSync(this.fd, this.buf, off, this.len - off);
    this.bytes += this.len;
    this.len = 0;
  }
  close() {
    this.flush();
    closeSync(this.fd);
    return this.bytes;
  }
}

/** n4 IPv4 and n6 IPv6 lines, interleaved at random, a comment header and a few blank lines. */
export function writeMergeInput(path, { n4, n6, seed }) {
  const r = rng(seed);
  const a = withRepeats(r, v4Lines(r)), b = withRepeats(r, v6Lines(r));
  const w = new LineWriter(path);
  w.line(`# bench/e2e merge input: ${n4} IPv4, ${n6} IPv6, seed ${seed}`);
  let left4 = n4, left6 = n6;
  while (left4 + left6 > 0) {
    if (r() < 0.0001) w.line(r() < 0.5 ? "" : "# a comment");
    if (r() * (left4 + left6) < left6) { w.line(b()); left6--; }
    else { w.line(a()); left4--; }
  }
  return w.close();
}

/**
 * About n prefixes as an address plan export looks: a few aggregates, VNets, subnets carved in
 * each VNet, then endpoints (/32, /128) inside the subnets, some repeats and some host bits;
 * 90% IPv4, 10% IPv6; shuffled. Each endpoint overlaps its subnet, its VNet and its aggregate,
 * so there are a few pairs per line: many pairs, but not quadratic.
 */
export function writeOverlapsInput(path, { n, seed }) {
  const r = rng(seed);
  const lines = [];
  const push = (s) => lines.push(s);

  // IPv4: aggregates, /18 VNets in 10/8 and /20 VNets in 172.16/12, subnets /22-/27.
  const n4 = Math.round(n * 0.9);
  push("10.0.0.0/8");
  push("172.16.0.0/12");
  const vnets4 = [];
  const slots = (count, total) => {
    const s = new Set();
    while (s.size < Math.min(count, total)) s.add(int(r, total));
    return [...s];
  };
  const nv = Math.max(1, Math.round(n4 / 180));
  for (const k of slots(Math.round(nv * 0.93), 1024)) vnets4.push([(0x0a000000 + k * (1 << 14)) >>> 0, 18]);
  for (const k of slots(Math.max(1, Math.round(nv * 0.07)), 256)) vnets4.push([(0xac100000 + k * (1 << 12)) >>> 0, 20]);
  const subnets4 = [];
  for (const [base, len] of vnets4) {
    push(`${v4(base)}/${len}`);
    const end = base + 2 ** (32 - len);
    let cur = base;
    const want = 5 + int(r, 30);
    for (let i = 0; i < want; i++) {
      const sl = 22 + int(r, 6);
      const size = 2 ** (32 - sl);
      cur = Math.ceil(cur / size) * size;
      if (cur + size > end) break;
      subnets4.push([cur, sl]);
      const hostBits = r() < 0.03 ? 1 + int(r, size - 1) : 0;
      push(`${v4(cur + hostBits)}/${sl}`);
      if (r() < 0.01) push(`${v4(cur)}/${sl}`); // a subnet listed twice
      cur += size;
    }
  }
  while (lines.length < n4) {
    const x = r();
    if (x < 0.03 && lines.length > 10) push(lines[int(r, lines.length)]);
    else if (x < 0.08) {
      const [base, len] = vnets4[int(r, vnets4.length)];
      push(v4(base + int(r, 2 ** (32 - len))));
    } else {
      const [base, len] = subnets4[Math.floor(subnets4.length * r() * r())];
      const a = v4(base + int(r, 2 ** (32 - len)));
      push(r() < 0.5 ? a : `${a}/32`);
    }
  }

  // IPv6: fd00::/8, /48 VNets, /64 subnets, /128 endpoints.
  const start6 = lines.length;
  push("fd00::/8");
  const vnets6 = [];
  for (let i = 0; i < Math.max(1, Math.round((n - n4) / 180)); i++) vnets6.push([0xfd00 | int(r, 256), int(r, 0x10000), int(r, 0x10000)]);
  const subnets6 = [];
  for (const v of vnets6) {
    push(`${v6([...v, 0, 0, 0, 0, 0])}/48`);
    const want = 5 + int(r, 30);
    for (let i = 0; i < want; i++) {
      const g = [...v, i * 16 + int(r, 16), 0, 0, 0, 0];
      subnets6.push(g);
      push(`${v6(g)}/64`);
    }
  }
  while (lines.length - start6 < n - n4) {
    if (r() < 0.03) push(lines[start6 + int(r, lines.length - start6)]);
    else {
      const g = subnets6[Math.floor(subnets6.length * r() * r())].slice();
      for (let k = 4; k < 8; k++) g[k] = int(r, 0x10000);
      push(r() < 0.5 ? v6(g) : `${v6(g, r() < 0.2)}/128`);
    }
  }

  for (let i = lines.length - 1; i > 0; i--) {
    const j = int(r, i + 1);
    [lines[i], lines[j]] = [lines[j], lines[i]];
  }
  const w = new LineWriter(path);
  w.line(`# bench/e2e overlaps input: ${lines.length} prefixes, seed ${seed}`);
  for (const s of lines) w.line(s);
  return w.close();
}

/**
 * About `bytes` of input streamed to disk whose merge is small: IPv4 /24-/32 inside 10.0.0.0/14
 * and IPv6 /64-/128 inside 2001:db8::/48, so almost every line is covered by earlier ones and
 * the merged output is a handful of prefixes; input size, not output, is what grows.
 */
export function writeBigInput(path, { bytes, seed }) {
  const r = rng(seed);
  const w = new LineWriter(path);
  w.line(`# bench/e2e big merge input, seed ${seed}`); // no size here: a smaller file is a prefix of a larger one
  let lines = 0;
  while (w.bytes + w.len < bytes) {
    for (let k = 0; k < 4096; k++) {
      if (r() < 0.9) {
        const len = 24 + int(r, 9);
        const a = maskV4((0x0a000000 | int(r, 1 << 18)) >>> 0, len);
        w.line(len === 32 ? v4(a) : `${v4(a)}/${len}`);
      } else {
        const len = r() < 0.5 ? 64 : 128;
        const g = [0x2001, 0xdb8, 0, int(r, 256), 0, 0, 0, 0];
        if (len === 128) for (let i = 4; i < 8; i++) g[i] = int(r, 0x10000);
        w.line(`${v6(g)}/${len}`);
      }
    }
    lines += 4096;
  }
  return { bytes: w.close(), lines };
}
