// Streaming merge: prefixes from byte inputs merged chunk by chunk into a running set of ranges
// that stays in the core's memory. IPv4 goes through small u64 keys (first << 32 | last, radix
// sorted on `first`), IPv6 through the record sort on its own; pending keys are folded into the
// running set whenever they pass a bound, so memory follows the size of the result, not of the
// input. The result is formatted in place (format.ts) or turned into a prefix batch.
import { ABI, PARSE_MODE } from "../core/abi.ts";
import { core, type Core } from "../core/module.ts";
import type { ParseError } from "../errors.ts";
import { PrefixBatch, RangeBatch } from "./records.ts";
import { DEFAULT_CHUNK_BYTES, ScanErrors, scanLines, parseRegion, residentBatch, shrink, type ByteInput, type ScanOptions } from "./stream.ts";

const R = ABI.REC_SIZE;
const RS = ABI.RANGE_SIZE;
/** Pending IPv4 keys (8 bytes each) folded into the running set beyond this many. */
const FOLD_V4 = 1 << 20;
const FOLD_V6 = 1 << 16;
/** Records split by family per call. */
const SLICE = 1 << 16;

export interface MergeOptions extends ScanOptions {
  /** Pending prefixes folded into the running set beyond this many (tests use tiny values). */
  foldAt?: number;
}

/** A block on the core's heap that grows by doubling (contents kept). */
class Grow {
  ptr = 0;
  bytes = 0;
  constructor(private readonly c: Core) {}
  /** Room for need bytes, keeping the first `used` bytes. */
  reserve(need: number, used = this.bytes): void {
    if (need <= this.bytes) return;
    const bytes = Math.max(need, this.bytes * 2, 4096);
    const p = this.c.heap.alloc(bytes);
    if (this.bytes) {
      if (used) this.c.u8().copyWithin(p, this.ptr, this.ptr + used);
      this.c.heap.release(this.ptr, this.bytes);
    }
    this.ptr = p;
    this.bytes = bytes;
  }
  free(): void {
    if (this.bytes) this.c.heap.release(this.ptr, this.bytes);
    this.ptr = 0;
    this.bytes = 0;
  }
  /** Hands the block over (the caller releases it); this starts empty again. */
  take(): { ptr: number; bytes: number } {
    const b = { ptr: this.ptr, bytes: this.bytes };
    this.ptr = 0;
    this.bytes = 0;
    return b;
  }
}

/**
 * Merged ranges resident in the core: IPv4 as u64 keys (first << 32 | last), IPv6 as 40-byte
 * range records; both sorted, non-overlapping, non-adjacent. IPv4 comes first in every output.
 */
export class MergedSet {
  private disposed = false;
  constructor(
    readonly core: Core,
    readonly v4Ptr: number,
    readonly v4Count: number,
    readonly v6Ptr: number,
    readonly v6Count: number,
  ) {}

  /** Number of ranges. */
  get length(): number {
    return this.v4Count + this.v6Count;
  }

  /** The ranges as 40-byte records in one block of the heap: [ptr, bytes], released by the caller. */
  rangeBlock(): [number, number] {
    const c = this.core;
    const n = this.length;
    const bytes = Math.max(n * RS, 16);
    const p = c.heap.alloc(bytes);
    c.exports.v4KeysToRanges(this.v4Ptr, this.v4Count, p);
    if (this.v6Count) c.u8().copyWithin(p + this.v4Count * RS, this.v6Ptr, this.v6Ptr + this.v6Count * RS);
    return [p, bytes];
  }

  /** A JS-owned copy of the ranges. */
  ranges(): RangeBatch {
    const [p, bytes] = this.rangeBlock();
    try {
      return new RangeBatch(this.core.u8().slice(p, p + this.length * RS), this.length);
    } finally {
      this.core.heap.release(p, bytes);
    }
  }

  /** The minimal sorted prefix list, as a resident batch. */
  prefixes(): PrefixBatch {
    const [p, bytes] = this.rangeBlock();
    try {
      return prefixesOfRanges(this.core, p, this.length);
    } finally {
      this.core.heap.release(p, bytes);
    }
  }

  /** Returns the ranges' memory to the core. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.v4Count) this.core.heap.release(this.v4Ptr, this.v4Count * 8);
    if (this.v6Count) this.core.heap.release(this.v6Ptr, this.v6Count * RS);
  }
}

export interface MergeResult {
  merged: MergedSet;
  /** Values read (blank, comment and failed lines not counted). */
  count: number;
  errors: ParseError[];
  errorCount: number;
}

/** Folds prefix records into running IPv4 keys and IPv6 ranges. */
export class MergeAccumulator {
  private keys: Grow;
  private pk = 0;
  private v6: Grow;
  private p6 = 0;
  private run4 = 0;
  private m4 = 0;
  private run6 = 0;
  private m6 = 0;
  count = 0;

  private readonly fold4: number;
  private readonly fold6: number;

  constructor(private readonly c: Core = core(), foldAt?: number) {
    this.fold4 = foldAt ?? FOLD_V4;
    this.fold6 = foldAt ?? FOLD_V6;
    this.keys = new Grow(c);
    this.v6 = new Grow(c);
  }

  /** Room for about n more IPv4 keys before the next fold (a size estimate saves the doublings). */
  expect(n: number): void {
    this.keys.reserve(Math.min(n, this.fold4 + SLICE) * 8, this.pk * 8);
  }

  /** Adds n prefix records at recs (family-0 records are skipped). */
  add(recs: number, n: number): void {
    // In slices, so the buffers never hold room for a whole big batch of the other family.
    for (let at = 0; at < n; at += SLICE) this.addSlice(recs + at * R, Math.min(SLICE, n - at));
  }

  private addSlice(recs: number, n: number): void {
    const x = this.c.exports;
    this.keys.reserve((this.pk + n) * 8, this.pk * 8);
    this.v6.reserve((this.p6 + n) * R, this.p6 * R);
    const k = x.splitFamilies(recs, n, this.keys.ptr + this.pk * 8, this.v6.ptr + this.p6 * R, this.c.res);
    const k6 = this.c.result(ABI.RES_A);
    this.pk += k;
    this.p6 += k6;
    this.count += k + k6;
    if (this.pk > this.fold4) this.foldV4();
    if (this.p6 > this.fold6) this.foldV6();
  }

  private foldV4(): void {
    const c = this.c, x = c.exports, n = this.pk;
    if (n === 0) return;
    const sb = x.v4SortScratchBytes(n);
    const scratch = c.heap.alloc(sb);
    const sorted = x.sortV4Keys(this.keys.ptr, n, scratch) >>> 0;
    const m = x.mergeV4Keys(sorted, n, sorted);
    this.pk = 0;
    if (this.m4 === 0) {
      // The first fold: the merged keys stay where the sort left them, no copy.
      if (sorted === this.keys.ptr) {
        const block = this.keys.take();
        shrink(c, block.ptr, block.bytes, m * 8);
        c.heap.release(scratch, sb);
        this.run4 = block.ptr;
      } else {
        shrink(c, scratch, sb, m * 8);
        this.run4 = scratch;
      }
      this.m4 = m;
      return;
    }
    const out = c.heap.alloc((this.m4 + m) * 8);
    const total = x.unionV4Keys(this.run4, this.m4, sorted, m, out);
    c.heap.release(scratch, sb);
    c.heap.release(this.run4, this.m4 * 8);
    shrink(c, out, (this.m4 + m) * 8, total * 8);
    this.run4 = out;
    this.m4 = total;
  }

  private foldV6(): void {
    const c = this.c, x = c.exports, n = this.p6;
    if (n === 0) return;
    const sb = x.scratchBytes(n);
    const scratch = c.heap.alloc(sb);
    const ranges = c.heap.alloc(n * RS);
    const m = x.setRanges(this.v6.ptr, n, scratch, ranges);
    const out = c.heap.alloc((this.m6 + m) * RS);
    const total = this.m6 ? x.unionRanges(this.run6, this.m6, ranges, m, out) : (c.u8().copyWithin(out, ranges, ranges + m * RS), m);
    c.heap.release(scratch, sb);
    c.heap.release(ranges, n * RS);
    if (this.m6) c.heap.release(this.run6, this.m6 * RS);
    shrink(c, out, (this.m6 + m) * RS, total * RS);
    this.run6 = out;
    this.m6 = total;
    this.p6 = 0;
  }

  /** The merged set; the accumulator must not be used afterwards. */
  finish(): MergedSet {
    this.foldV4();
    this.foldV6();
    this.keys.free();
    this.v6.free();
    return new MergedSet(this.c, this.run4, this.m4, this.run6, this.m6);
  }
}

/**
 * Reads and merges every input as bytes, chunk by chunk. Errors are counted and the first
 * maxErrors kept in input order (the caller decides whether they are fatal).
 */
export function mergeInputs(inputs: readonly ByteInput[], opts: MergeOptions = {}, c: Core = core()): MergeResult {
  const mode = opts.mode ?? "either";
  const code = PARSE_MODE[mode];
  const errs = new ScanErrors(opts.maxErrors ?? 1000);
  const acc = new MergeAccumulator(c, opts.foldAt);
  const recs = new Grow(c);
  try {
    for (const input of inputs) {
      let first = true;
      scanLines(c, input, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES, (ptr, len, firstLine) => {
        const n = c.exports.countLines(ptr, len);
        if (first && input.size && input.size > len) acc.expect(Math.ceil((n * input.size * 1.05) / len));
        first = false;
        recs.reserve(n * R, 0);
        const [got] = parseRegion(c, ptr, len, firstLine, recs.ptr, n, code, mode, input.name, errs);
        acc.add(recs.ptr, got);
      });
    }
  } finally {
    recs.free();
  }
  const count = acc.count;
  return { merged: acc.finish(), count, errors: errs.errors, errorCount: errs.count };
}

/** Merges a batch (any backend's) through the same small-key path. */
export function mergeBatch(b: PrefixBatch, c: Core = core()): MergedSet {
  const acc = new MergeAccumulator(c);
  if (b.home?.memory === c.memory) {
    acc.add(b.home.ptr, b.length);
  } else if (b.length) {
    const p = c.heap.alloc(b.length * R);
    c.u8().set(b.bytes.subarray(0, b.length * R), p);
    acc.add(p, b.length);
    c.heap.release(p, b.length * R);
  }
  return acc.finish();
}

/** The minimal prefix list of n ranges (40-byte records) at p, as a resident batch. */
export function prefixesOfRanges(c: Core, p: number, n: number): PrefixBatch {
  // Most ranges are one or two prefixes; when more, the core says how many and it runs again.
  let cap = n + (n >> 1) + 64;
  for (;;) {
    const out = c.heap.alloc(cap * R);
    const k = c.exports.rangesToPrefixes(p, n, out, cap, c.res);
    if (k !== ABI.RET_OVERFLOW) {
      if (k === 0) { c.heap.release(out, cap * R); return PrefixBatch.empty(); }
      shrink(c, out, cap * R, k * R);
      return residentBatch(c, out, k);
    }
    c.heap.release(out, cap * R);
    cap = c.result(ABI.RES_A);
  }
}

/**
 * a − b or a ∩ b as the minimal prefix list, from prefixes to prefixes without leaving the core:
 * both sides merged by the small-key path, the range sweep, the split into prefixes.
 */
export function prefixSetOp(op: "exclude" | "intersect", a: PrefixBatch, b: PrefixBatch, c: Core = core()): PrefixBatch {
  const ma = mergeBatch(a, c), mb = mergeBatch(b, c);
  const [pa, ba] = ma.rangeBlock();
  const [pb, bb] = mb.rangeBlock();
  const outBytes = (ma.length + mb.length + 1) * RS;
  const out = c.heap.alloc(outBytes);
  try {
    const m = op === "exclude" ? c.exports.excludeRanges(pa, ma.length, pb, mb.length, out) : c.exports.intersectRanges(pa, ma.length, pb, mb.length, out);
    return prefixesOfRanges(c, out, m);
  } finally {
    c.heap.release(out, outBytes);
    c.heap.release(pa, ba);
    c.heap.release(pb, bb);
    ma.dispose();
    mb.dispose();
  }
}
