// The reference backend: the same verbs as the wasm core, written for clarity with BigInt
// intervals and plain arrays. Slow on purpose; it exists to be obviously right.
import { ABI } from "../core/abi.ts";
import { Addr, type Family } from "../ip/addr.ts";
import { Prefix } from "../ip/prefix.ts";
import { PrefixBatch, RangeBatch } from "./records.ts";
import { parseValueBytes } from "../ip/parser.ts";
import { sortPairs, type Backend, type LpmHandle } from "./backend.ts";

interface Range {
  family: Family;
  first: bigint;
  last: bigint;
}

const width = (f: Family) => (f === 4 ? 32 : 128);
const encoder = new TextEncoder();

function prefixRange(b: PrefixBatch, i: number): Range {
  const f = b.family(i) as Family;
  const host = (1n << BigInt(width(f) - b.bits(i))) - 1n;
  const first = b.addrValue(i) & ~host;
  return { family: f, first, last: first | host };
}

const byRange = (a: Range, b: Range) =>
  a.family - b.family || (a.first < b.first ? -1 : a.first > b.first ? 1 : 0);

/** Sorted, merged (overlapping or adjacent joined) ranges. */
function normalize(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort(byRange);
  const out: Range[] = [];
  for (const r of sorted) {
    const top = out[out.length - 1];
    if (top && top.family === r.family && r.first <= top.last + 1n) {
      if (r.last > top.last) top.last = r.last;
    } else {
      out.push({ ...r });
    }
  }
  return out;
}

function toRangeBatch(ranges: Range[]): RangeBatch {
  return RangeBatch.from(ranges.map((r) => ({ first: Addr.fromBigInt(r.family, r.first), last: Addr.fromBigInt(r.family, r.last) })));
}

function fromRangeBatch(rb: RangeBatch): Range[] {
  return Array.from({ length: rb.length }, (_, i) => ({ family: rb.family(i), first: rb.firstValue(i), last: rb.lastValue(i) }));
}

/** Largest aligned blocks, left to right, exactly covering [first, last]. */
function rangeToPrefixes(r: Range): Prefix[] {
  const out: Prefix[] = [];
  const w = width(r.family);
  let first = r.first;
  while (first <= r.last) {
    let size = 0; // log2 of the block
    while (size < w) {
      const next = size + 1;
      const aligned = (first & ((1n << BigInt(next)) - 1n)) === 0n;
      const fits = first + (1n << BigInt(next)) - 1n <= r.last;
      if (!aligned || !fits) break;
      size = next;
    }
    out.push(Prefix.of(Addr.fromBigInt(r.family, first), w - size));
    first += 1n << BigInt(size);
  }
  return out;
}

interface RefLpm extends LpmHandle {
  entries: { range: Range; bits: number; value: number; order: number }[];
}

export class ReferenceBackend implements Backend {
  readonly name = "reference" as const;

  parse(text: Uint8Array | string, mode: number, firstLine = 1): PrefixBatch {
    const bytes = typeof text === "string" ? encoder.encode(text) : text;
    const recs: Uint8Array[] = [];
    let s = 0;
    let line = firstLine;
    while (s < bytes.length) {
      let e = bytes.indexOf(0x0a, s);
      if (e < 0) e = bytes.length;
      const r = parseValueBytes(bytes, s, e, mode);
      const rec = r.family
        ? PrefixBatch.from([Prefix.of(Addr.fromBigInt(r.family, r.value), r.bits)]).bytes
        : new Uint8Array(ABI.REC_SIZE);
      const dv = new DataView(rec.buffer);
      rec[ABI.OFF_FLAGS] = r.flags;
      rec[ABI.OFF_STATUS] = r.status;
      dv.setUint32(ABI.OFF_COL, r.col, true);
      dv.setUint32(ABI.OFF_LINE, line, true);
      recs.push(rec);
      line++;
      s = e + 1;
    }
    const out = new Uint8Array(recs.length * ABI.REC_SIZE);
    recs.forEach((r, i) => out.set(r, i * ABI.REC_SIZE));
    return new PrefixBatch(out, recs.length);
  }

  parseWithValues(text: Uint8Array | string, mode: number, firstLine = 1) {
    const records = this.parse(text, mode, firstLine);
    const values = records.valid();
    return { records, values, nonOk: records.length - values.length };
  }

  private map(b: PrefixBatch, fn: (p: Prefix) => Prefix): PrefixBatch {
    const out = b.bytes.slice();
    for (let i = 0; i < b.length; i++) {
      const p = b.get(i);
      if (!p) continue;
      const rec = PrefixBatch.from([fn(p)]).bytes;
      // Keep the caller's value, status, col and line; replace address, bits and flags.
      out.set(rec.subarray(0, 16), i * ABI.REC_SIZE);
      out[i * ABI.REC_SIZE + ABI.OFF_BITS] = rec[ABI.OFF_BITS];
      out[i * ABI.REC_SIZE + ABI.OFF_FLAGS] = b.flags(i) & ~ABI.FLAG_HOST_BITS;
    }
    return new PrefixBatch(out, b.length);
  }

  masked(b: PrefixBatch): PrefixBatch {
    return this.map(b, (p) => p.masked());
  }

  bound(b: PrefixBatch, which: "first" | "last"): PrefixBatch {
    const out = this.map(b, (p) => Prefix.of(which === "first" ? p.first : p.last, p.bitLength));
    for (let i = 0; i < b.length; i++) if (b.family(i)) out.bytes[i * ABI.REC_SIZE + ABI.OFF_FLAGS] = 0;
    return out;
  }

  contains(a: PrefixBatch, b: PrefixBatch, out?: Uint8Array): Uint8Array {
    return this.pairwise(a, b, (x, y) => x.contains(y), out);
  }

  overlaps(a: PrefixBatch, b: PrefixBatch, out?: Uint8Array): Uint8Array {
    return this.pairwise(a, b, (x, y) => x.overlaps(y), out);
  }

  adopt(b: PrefixBatch): PrefixBatch {
    return b;
  }

  private pairwise(a: PrefixBatch, b: PrefixBatch, fn: (x: Prefix, y: Prefix) => boolean, into?: Uint8Array): Uint8Array {
    if (a.length !== 1 && a.length !== b.length) throw new RangeError(`batch lengths differ: ${a.length} vs ${b.length}`);
    if (into && into.length < b.length) throw new RangeError(`output holds ${into.length} results, ${b.length} needed`);
    const out = into ?? new Uint8Array(b.length);
    for (let i = 0; i < b.length; i++) {
      const x = a.get(a.length === 1 ? 0 : i);
      const y = b.get(i);
      out[i] = x && y && fn(x, y) ? 1 : 0;
    }
    return out;
  }

  ranges(b: PrefixBatch): RangeBatch {
    const rs: Range[] = [];
    for (let i = 0; i < b.length; i++) if (b.family(i)) rs.push(prefixRange(b, i));
    return toRangeBatch(normalize(rs));
  }

  rangesToPrefixes(r: RangeBatch): PrefixBatch {
    return PrefixBatch.from(fromRangeBatch(r).flatMap(rangeToPrefixes));
  }

  exclude(a: RangeBatch, b: RangeBatch): RangeBatch {
    let pieces = fromRangeBatch(a);
    for (const cut of fromRangeBatch(b)) {
      pieces = pieces.flatMap((r) => {
        if (r.family !== cut.family || cut.last < r.first || cut.first > r.last) return [r];
        const keep: Range[] = [];
        if (cut.first > r.first) keep.push({ ...r, last: cut.first - 1n });
        if (cut.last < r.last) keep.push({ ...r, first: cut.last + 1n });
        return keep;
      });
    }
    return toRangeBatch(pieces);
  }

  mergePrefixes(b: PrefixBatch): PrefixBatch {
    return this.rangesToPrefixes(this.ranges(b));
  }

  prefixSetOp(op: "exclude" | "intersect", a: PrefixBatch, b: PrefixBatch): PrefixBatch {
    const ra = this.ranges(a), rb = this.ranges(b);
    return this.rangesToPrefixes(op === "exclude" ? this.exclude(ra, rb) : this.intersect(ra, rb));
  }

  intersect(a: RangeBatch, b: RangeBatch): RangeBatch {
    const out: Range[] = [];
    for (const x of fromRangeBatch(a)) {
      for (const y of fromRangeBatch(b)) {
        if (x.family !== y.family) continue;
        const first = x.first > y.first ? x.first : y.first;
        const last = x.last < y.last ? x.last : y.last;
        if (first <= last) out.push({ family: x.family, first, last });
      }
    }
    return toRangeBatch(out.sort(byRange));
  }

  overlappingPairs(b: PrefixBatch): Uint32Array {
    const pairs: number[] = [];
    for (let i = 0; i < b.length; i++) {
      const x = b.get(i);
      if (!x) continue;
      for (let j = i + 1; j < b.length; j++) {
        const y = b.get(j);
        if (y && x.overlaps(y)) pairs.push(i, j);
      }
    }
    return sortPairs(Uint32Array.from(pairs));
  }

  overlappingPairsUpTo(b: PrefixBatch, max: number): { pairs: Uint32Array; total: number } {
    // The reference keeps the first max in (i, j) order (it lists them all: it is for checking).
    const all = this.overlappingPairs(b);
    return { pairs: all.slice(0, 2 * max), total: all.length / 2 };
  }

  lpmBuild(b: PrefixBatch): LpmHandle {
    const entries = [];
    for (let i = 0; i < b.length; i++) {
      if (b.family(i)) entries.push({ range: prefixRange(b, i), bits: b.bits(i), value: b.value(i), order: i });
    }
    const handle: RefLpm = { backend: "reference", entries };
    return handle;
  }

  lpmLookup(t: LpmHandle, addrs: PrefixBatch): Uint32Array {
    const { entries } = t as RefLpm;
    const out = new Uint32Array(addrs.length).fill(0xffffffff);
    for (let i = 0; i < addrs.length; i++) {
      const f = addrs.family(i);
      if (!f) continue;
      const x = addrs.addrValue(i);
      let best: RefLpm["entries"][number] | undefined;
      for (const e of entries) {
        if (e.range.family !== f || x < e.range.first || x > e.range.last) continue;
        if (!best || e.bits > best.bits || (e.bits === best.bits && e.order > best.order)) best = e;
      }
      if (best) out[i] = best.value;
    }
    return out;
  }

  allocate(space: PrefixBatch, used: PrefixBatch, family: 4 | 6, bits: number, count: number): PrefixBatch {
    const only = (b: PrefixBatch) => {
      const rs: Range[] = [];
      for (let i = 0; i < b.length; i++) if (b.family(i) === family) rs.push(prefixRange(b, i));
      return toRangeBatch(normalize(rs));
    };
    let free = fromRangeBatch(this.exclude(only(space), only(used)));
    const out: Prefix[] = [];
    while (out.length < count) {
      // Best fit: the smallest free aligned block that can hold a /bits; lowest address on ties.
      let best: Prefix | undefined;
      for (const r of free) {
        for (const block of rangeToPrefixes(r)) {
          if (block.bits > bits) continue;
          if (!best || block.bits > best.bits) best = block;
        }
      }
      if (!best) break;
      const taken = Prefix.of(best.first, bits);
      out.push(taken);
      const cut = { family, first: taken.first.value, last: taken.last.value };
      free = fromRangeBatch(this.exclude(toRangeBatch(free), toRangeBatch([cut])));
    }
    return PrefixBatch.from(out);
  }
}
