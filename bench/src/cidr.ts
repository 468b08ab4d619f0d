// The CIDR benchmark of issue 2: the engine (wasm core) against ip-address, ipaddr.js,
// cidr-tools and plain-JS typed-array baselines, on the same data in one run.
//   npm run bench            (full sizes; writes bench/results/cidr.json)
//   node bench/run.mjs --quick
import { writeFileSync, mkdirSync } from "node:fs";
import { cpus } from "node:os";
import { Address4, Address6 } from "ip-address";
import ipaddr from "ipaddr.js";
import { parseCidr, containsCidr, mergeCidr, overlapCidr } from "cidr-tools";
import { cidr, PrefixBatch } from "@aksnet/engine/cidr";
import { formatAddr, formatV4 } from "@aksnet/engine";
import { measure, consume, rng, type Measure } from "./harness.ts";
import { parseV4Cidrs, containsV4, HashLpm, mergeV4, overlappingPairsV4 } from "./baseline.ts";

const quick = process.argv.includes("--quick");
const scale = quick ? 0.05 : 1;
const N = (n: number) => Math.max(1000, Math.round(n * scale));
const engine = cidr();
const rand = rng(2026);
const maskOf = (b: number) => (b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0);

interface Workload {
  name: string;
  description: string;
  engine: Measure;
  peers: Measure[];
  baseline?: Measure;
}
const workloads: Workload[] = [];

function v4Cidrs(n: number, minBits: number, maxBits: number, region = 0, regionBits = 0): { text: string; lines: string[]; addrs: Uint32Array; bits: Uint8Array } {
  const addrs = new Uint32Array(n), bits = new Uint8Array(n), lines = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const b = minBits + Math.floor(rand() * (maxBits - minBits + 1));
    let a = Math.floor(rand() * 4294967296) >>> 0;
    if (regionBits) a = ((region & maskOf(regionBits)) | (a & ~maskOf(regionBits))) >>> 0;
    a = (a & maskOf(b)) >>> 0;
    addrs[i] = a; bits[i] = b; lines[i] = `${formatV4(a)}/${b}`;
  }
  return { text: lines.join("\n"), lines, addrs, bits };
}

function v6Cidrs(n: number): { text: string; lines: string[] } {
  const lines = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const b = 16 + Math.floor(rand() * 113);
    let v = 0n;
    for (let g = 0; g < 8; g++) v = (v << 16n) | BigInt(rand() < 0.3 ? 0 : Math.floor(rand() * 65536));
    v = (v >> BigInt(128 - b)) << BigInt(128 - b);
    lines[i] = `${formatAddr(6, v)}/${b}`;
  }
  return { text: lines.join("\n"), lines };
}

function subset<T>(xs: T[], n: number): T[] {
  return xs.slice(0, Math.min(n, xs.length));
}

/** A peer measured on `n` of `total` items and scaled linearly (never to the peer's disadvantage). */
function peer(name: string, total: number, n: number, fn: () => unknown, runs = 3): Measure {
  const m = measure(name, n, fn, { runs, warmup: 1 });
  if (n < total) m.extrapolated = `measured on ${n.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}, rate scaled linearly`;
  return m;
}

// 1. Parse 1,000,000 IPv4 and 200,000 IPv6 CIDRs from text.
{
  const n4 = N(1_000_000), n6 = N(200_000);
  const v4 = v4Cidrs(n4, 8, 32);
  const v6 = v6Cidrs(n6);
  // Results are disposed as a bulk user would (dispose() returns the block to the core for reuse).
  const parseCount = (text: string) => { const r = engine.parseList(text); const k = r.values.length; r.dispose(); return k; };
  const e4 = measure("aksnet (wasm)", n4, () => parseCount(v4.text));
  const e6 = measure("aksnet (wasm)", n6, () => parseCount(v6.text));
  const sub4 = subset(v4.lines, N(200_000)), sub6 = subset(v6.lines, N(50_000));
  // Peers keep every parsed value, as the engine does (and so the parse cannot be optimised away).
  const keepAll = <T>(xs: string[], f: (s: string) => T) => { const out = new Array<T>(xs.length); for (let i = 0; i < xs.length; i++) out[i] = f(xs[i]); return out; };
  const peers4 = [
    peer("ip-address", n4, sub4.length, () => keepAll(sub4, (s) => new Address4(s))),
    peer("ipaddr.js", n4, sub4.length, () => keepAll(sub4, (s) => ipaddr.parseCIDR(s))),
    peer("cidr-tools", n4, sub4.length, () => keepAll(sub4, (s) => parseCidr(s))),
  ];
  const peers6 = [
    peer("ip-address", n6, sub6.length, () => keepAll(sub6, (s) => new Address6(s))),
    peer("ipaddr.js", n6, sub6.length, () => keepAll(sub6, (s) => ipaddr.parseCIDR(s))),
    peer("cidr-tools", n6, sub6.length, () => keepAll(sub6, (s) => parseCidr(s))),
  ];
  const addrs = new Uint32Array(n4), bits = new Uint8Array(n4);
  const base4 = measure("plain JS (typed arrays)", n4, () => parseV4Cidrs(v4.text, addrs, bits));
  if (parseV4Cidrs(v4.text, addrs, bits) !== n4) throw new Error("baseline parse failed");
  workloads.push({ name: `parse ${n4.toLocaleString("en-US")} IPv4 CIDRs`, description: "text (one CIDR per line) to records; peers get the lines pre-split", engine: e4, peers: peers4, baseline: base4 });
  workloads.push({ name: `parse ${n6.toLocaleString("en-US")} IPv6 CIDRs`, description: "text to records; peers get the lines pre-split", engine: e6, peers: peers6 });
}

// 2. 10,000,000 contains checks: prefix[i] contains address[i], IPv4.
{
  const total = N(10_000_000), chunk = Math.min(total, 1_000_000), rounds = total / chunk;
  const nets = v4Cidrs(1000, 8, 28);
  const netIdx = Uint32Array.from({ length: chunk }, () => Math.floor(rand() * 1000));
  const addrNums = Uint32Array.from({ length: chunk }, (_, i) => (rand() < 0.5 ? (nets.addrs[netIdx[i]] | Math.floor(rand() * 4096)) >>> 0 : Math.floor(rand() * 4294967296)));
  const netNums = Uint32Array.from(netIdx, (k) => nets.addrs[k]);
  const netBits = Uint8Array.from(netIdx, (k) => nets.bits[k]);
  const prefixBatch = PrefixBatch.fromV4Numbers(netNums, netBits);
  const addrBatch = PrefixBatch.fromV4Numbers(addrNums);
  // Inputs moved into the core's memory once (as parse results already are); results into a reused buffer.
  const residentPrefixes = engine.resident(prefixBatch), residentAddrs = engine.resident(addrBatch);
  const out = new Uint8Array(chunk);
  const e = measure("aksnet (wasm)", total, () => { let k = 0; for (let r = 0; r < rounds; r++) k += engine.contains(residentPrefixes, residentAddrs, out)[r]; return k; });
  const base = measure("plain JS (typed arrays)", total, () => { for (let r = 0; r < rounds; r++) containsV4(netNums, netBits, addrNums, out); return out[0]; });
  const m = N(200_000);
  const libNets4 = Array.from({ length: m }, (_, i) => new Address4(nets.lines[netIdx[i]]));
  const libAddrs4 = Array.from({ length: m }, (_, i) => new Address4(formatV4(addrNums[i])));
  const ipNets = Array.from({ length: m }, (_, i) => ipaddr.parseCIDR(nets.lines[netIdx[i]]));
  const ipAddrs = Array.from({ length: m }, (_, i) => ipaddr.parse(formatV4(addrNums[i])));
  const strNets = Array.from({ length: m }, (_, i) => nets.lines[netIdx[i]]);
  const strAddrs = Array.from({ length: m }, (_, i) => formatV4(addrNums[i]));
  const peers = [
    peer("ip-address", total, m, () => { let k = 0; for (let i = 0; i < m; i++) k += libAddrs4[i].isInSubnet(libNets4[i]) ? 1 : 0; return k; }),
    peer("ipaddr.js", total, m, () => { let k = 0; for (let i = 0; i < m; i++) k += ipAddrs[i].match(ipNets[i] as [ipaddr.IPv4, number]) ? 1 : 0; return k; }),
    peer("cidr-tools", total, N(20_000), () => { let k = 0; for (let i = 0; i < N(20_000); i++) k += containsCidr(strNets[i], strAddrs[i]) ? 1 : 0; return k; }),
  ];
  // The engine and the baseline agree.
  const ours = engine.contains(prefixBatch, addrBatch);
  containsV4(netNums, netBits, addrNums, out);
  if (!engine.contains(residentPrefixes, residentAddrs).every((v, i) => v === ours[i])) throw new Error("contains: resident and copied inputs disagree");
  if (!ours.every((v, i) => v === out[i])) throw new Error("contains: engine and baseline disagree");
  workloads.push({ name: `${total.toLocaleString("en-US")} contains checks`, description: "IPv4 prefix[i] contains address[i], pre-parsed, in batches of 1,000,000", engine: e, peers, baseline: base });
}

// 3. 1,000,000 longest-prefix-match lookups against 10,000 prefixes.
{
  const n = N(1_000_000), np = N(10_000);
  const table = v4Cidrs(np, 8, 30);
  const values = Uint32Array.from({ length: np }, (_, i) => i);
  const addrNums = Uint32Array.from({ length: n }, (_, i) => (i % 2 ? Math.floor(rand() * 4294967296) : (table.addrs[i % np] | Math.floor(rand() * 256)) >>> 0));
  const tb = PrefixBatch.fromV4Numbers(table.addrs, table.bits, values);
  const lpm = engine.lpm(tb);
  const addrBatch = engine.resident(PrefixBatch.fromV4Numbers(addrNums));
  const e = measure("aksnet (wasm)", n, () => lpm.lookupBatch(addrBatch)[0]);
  const hash = new HashLpm(table.addrs, table.bits, values);
  const out = new Uint32Array(n);
  const base = measure("plain JS (hash per length)", n, () => { hash.lookup(addrNums, out); return out[0]; });
  const ours = lpm.lookupBatch(addrBatch);
  if (!ours.every((v, i) => v === out[i] || (table.addrs[v] === table.addrs[out[i]] && table.bits[v] === table.bits[out[i]]))) throw new Error("lpm: engine and baseline disagree");
  // Peers have no LPM structure: scan prefixes longest first, as their docs suggest (subnetMatch-style).
  const order = Array.from({ length: np }, (_, i) => i).sort((a, b) => table.bits[b] - table.bits[a]);
  const m = N(2_000);
  const libNets = order.map((i) => new Address4(table.lines[i]));
  const ipNets = order.map((i) => ipaddr.parseCIDR(table.lines[i]) as [ipaddr.IPv4, number]);
  const strNets = order.map((i) => table.lines[i]);
  const probeLib = Array.from({ length: m }, (_, i) => new Address4(formatV4(addrNums[i])));
  const probeIp = Array.from({ length: m }, (_, i) => ipaddr.parse(formatV4(addrNums[i])) as ipaddr.IPv4);
  const probeStr = Array.from({ length: m }, (_, i) => formatV4(addrNums[i]));
  const peers = [
    peer("ip-address", n, m, () => { let k = 0; for (const a of probeLib) k += libNets.findIndex((p) => a.isInSubnet(p)); return k; }, 1),
    peer("ipaddr.js", n, m, () => { let k = 0; for (const a of probeIp) k += ipNets.findIndex((p) => a.match(p)); return k; }, 1),
    peer("cidr-tools", n, N(200) / 5 | 0 || 40, () => { let k = 0; for (const a of probeStr.slice(0, N(200) / 5 | 0 || 40)) k += strNets.findIndex((p) => containsCidr(p, a)); return k; }, 1),
  ];
  workloads.push({ name: `${n.toLocaleString("en-US")} LPM lookups in ${np.toLocaleString("en-US")} prefixes`, description: "IPv4 longest-prefix match; table built once (not timed)", engine: e, peers, baseline: base });
}

// 4. Merge 100,000 CIDRs.
{
  const n = N(100_000);
  const data = v4Cidrs(n, 24, 32, 0x0a000000, 8);
  const batch = engine.parseList(data.text).values;
  const e = measure("aksnet (wasm)", n, () => { const m = engine.merge(batch); const k = m.length; m.dispose(); return k; });
  const base = measure("plain JS (typed arrays)", n, () => mergeV4(data.addrs, data.bits).addrs.length);
  const m = N(20_000);
  const peers = [peer("cidr-tools", n, m, () => mergeCidr(data.lines.slice(0, m)).length, 1)];
  const ours = engine.merge(batch);
  const theirs = mergeV4(data.addrs, data.bits);
  if (ours.length !== theirs.addrs.length || !theirs.addrs.every((a, i) => a === ours.v4(i) && theirs.bits[i] === ours.bits(i))) throw new Error("merge: engine and baseline disagree");
  workloads.push({ name: `merge ${n.toLocaleString("en-US")} CIDRs`, description: `IPv4 inside 10.0.0.0/8, /24-/32, to ${ours.length.toLocaleString("en-US")} prefixes (ip-address and ipaddr.js have no merge)`, engine: e, peers, baseline: base });
}

// 5. All overlapping pairs among 100,000 CIDRs.
{
  const n = N(100_000);
  const data = v4Cidrs(n, 12, 32);
  const batch = engine.parseList(data.text).values;
  let pairs = 0;
  const e = measure("aksnet (wasm)", n, () => (pairs = engine.backend.overlappingPairs(batch).length / 2));
  const base = measure("plain JS (typed arrays)", n, () => overlappingPairsV4(data.addrs, data.bits).length);
  if (overlappingPairsV4(data.addrs, data.bits).length / 2 !== pairs) throw new Error("overlaps: engine and baseline disagree");
  // Peers offer only pairwise overlap tests: n^2/2 of them. Measured on m inputs, scaled by (n/m)^2.
  const m = 1000;
  const lib = data.lines.slice(0, m).map((s) => new Address4(s));
  const ip = data.lines.slice(0, m).map((s) => ipaddr.parseCIDR(s) as [ipaddr.IPv4, number]);
  const strs = data.lines.slice(0, m);
  const quad = (name: string, fn: () => unknown): Measure => {
    const s = measure(name, m, fn, { runs: 1 });
    const fullMs = s.medianMs * (n / m) ** 2;
    return { ...s, ops: n, medianMs: fullMs, opsPerSec: (n / fullMs) * 1000, extrapolated: `measured on ${m} inputs (all ${(m * (m - 1)) / 2} pairs), time scaled by (n/m)^2` };
  };
  const peers = [
    quad("ip-address", () => { let k = 0; for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) if (lib[i].isInSubnet(lib[j]) || lib[j].isInSubnet(lib[i])) k++; return k; }),
    quad("ipaddr.js", () => { let k = 0; for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) { const [a, x] = ip[i], [b, y] = ip[j]; if (a.match(b, Math.min(x, y))) k++; } return k; }),
    quad("cidr-tools", () => { let k = 0; for (let i = 0; i < 200; i++) for (let j = i + 1; j < 200; j++) if (overlapCidr(strs[i], strs[j])) k++; return k * 25; }),
  ];
  // cidr-tools measured on 200 inputs: rescale its figure from m=200 rather than m=1000.
  peers[2].medianMs = peers[2].medianMs / (m / 200) ** 2 * 1;
  peers[2].medianMs = measure("cidr-tools", 200, () => { let k = 0; for (let i = 0; i < 200; i++) for (let j = i + 1; j < 200; j++) if (overlapCidr(strs[i], strs[j])) k++; return k; }, { runs: 1 }).medianMs * (n / 200) ** 2;
  peers[2].opsPerSec = (n / peers[2].medianMs) * 1000;
  peers[2].extrapolated = `measured on 200 inputs (all 19,900 pairs), time scaled by (n/200)^2`;
  workloads.push({ name: `all overlapping pairs among ${n.toLocaleString("en-US")} CIDRs`, description: `IPv4 /12-/32 over the whole space: ${pairs.toLocaleString("en-US")} pairs found; peers test pairs one by one`, engine: e, peers, baseline: base });
}

// Report.
const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(1));
const rows: string[] = [];
const summary = workloads.map((w) => {
  const fastestPeer = w.peers.reduce((a, b) => (b.opsPerSec > a.opsPerSec ? b : a));
  const vsPeer = w.engine.opsPerSec / fastestPeer.opsPerSec;
  const vsBaseline = w.baseline ? w.engine.opsPerSec / w.baseline.opsPerSec : undefined;
  rows.push(`\n${w.name}  (${w.description})`);
  for (const m of [w.engine, ...(w.baseline ? [w.baseline] : []), ...w.peers]) {
    rows.push(`  ${m.name.padEnd(28)} ${fmt(m.opsPerSec).padStart(8)} ops/s  ${m.medianMs.toFixed(1).padStart(10)} ms${m.extrapolated ? `  (${m.extrapolated})` : ""}`);
  }
  rows.push(`  => ${vsPeer.toFixed(1)}x the fastest peer (${fastestPeer.name})${vsBaseline !== undefined ? `, ${vsBaseline.toFixed(2)}x the plain-JS baseline` : ""}`);
  return { workload: w.name, description: w.description, engine: w.engine, baseline: w.baseline, peers: w.peers, fastestPeer: fastestPeer.name, ratioVsFastestPeer: vsPeer, ratioVsBaseline: vsBaseline };
});
console.log(`aksnet CIDR benchmark — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"})${quick ? ", QUICK sizes" : ""}`);
console.log(rows.join("\n"));
const result = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, quick, command: quick ? "node bench/run.mjs --quick" : "npm run bench", workloads: summary };
mkdirSync(new URL("../results/", import.meta.url), { recursive: true });
const file = new URL(`../results/cidr${quick ? ".quick.tmp" : ""}.json`, import.meta.url);
writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
console.log(`\nwritten ${file.pathname}`);
consume(0);
