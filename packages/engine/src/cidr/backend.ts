// The verbs of the core. Two implementations: the WebAssembly core (backend-wasm.ts, the one the
// engine uses) and a slow, readable TypeScript reference (backend-ref.ts). Every test suite runs
// against both; a failure in only one of them points straight at the ABI or the core.
import type { PrefixBatch, RangeBatch } from "./records.ts";

export interface LpmHandle {
  readonly backend: string;
}

export interface Backend {
  readonly name: "wasm" | "reference";
  /** One record per line of UTF-8 text (a final newline adds no line). */
  parse(text: Uint8Array | string, mode: number, firstLine?: number): PrefixBatch;
  /** parse, plus the records that hold a value and the count of blank, comment or failed lines. */
  parseWithValues(text: Uint8Array | string, mode: number, firstLine?: number): { records: PrefixBatch; values: PrefixBatch; nonOk: number };
  masked(b: PrefixBatch): PrefixBatch;
  /** First or last address of each prefix, as full-length records. */
  bound(b: PrefixBatch, which: "first" | "last"): PrefixBatch;
  /** out[i] = a[i] (or a[0] when a has one record) contains b[i]; written to `out` when given. */
  contains(a: PrefixBatch, b: PrefixBatch, out?: Uint8Array): Uint8Array;
  /** out[i] = a[i] (or a[0]) and b[i] share an address; written to `out` when given. */
  overlaps(a: PrefixBatch, b: PrefixBatch, out?: Uint8Array): Uint8Array;
  /** The batch in the backend's own memory (wasm: copied into linear memory once; reference: itself). */
  adopt(b: PrefixBatch): PrefixBatch;
  /** Sorted, non-overlapping, non-adjacent ranges covering the prefixes (IPv4 first). */
  ranges(b: PrefixBatch): RangeBatch;
  /** The minimal prefix list covering each range, in order. */
  rangesToPrefixes(r: RangeBatch): PrefixBatch;
  exclude(a: RangeBatch, b: RangeBatch): RangeBatch;
  /** The minimal sorted prefix list covering the prefixes (wasm: without leaving the core). */
  mergePrefixes(b: PrefixBatch): PrefixBatch;
  /** Prefixes in, the minimal prefix list out: a − b, or a ∩ b (wasm: without leaving the core). */
  prefixSetOp(op: "exclude" | "intersect", a: PrefixBatch, b: PrefixBatch): PrefixBatch;
  intersect(a: RangeBatch, b: RangeBatch): RangeBatch;
  /** Index pairs (i, j), i < j, of overlapping records, flattened and sorted by (i, j). */
  overlappingPairs(b: PrefixBatch): Uint32Array;
  /**
   * At most max of those pairs (which ones: the backend's first max; wasm: in address order),
   * sorted by (i, j), and how many there are in all: memory follows max, not the pair count.
   */
  overlappingPairsUpTo(b: PrefixBatch, max: number): { pairs: Uint32Array; total: number };
  /** Longest-prefix-match table; each record's value is its payload, a later duplicate wins. */
  lpmBuild(b: PrefixBatch): LpmHandle;
  /** Payload of the longest match per address, 0xffffffff when none. */
  lpmLookup(t: LpmHandle, addrs: PrefixBatch): Uint32Array;
  /** Best-fit allocation of up to count prefixes of length bits inside space, avoiding used. */
  allocate(space: PrefixBatch, used: PrefixBatch, family: 4 | 6, bits: number, count: number): PrefixBatch;
}

/** Sorts flattened (i, j) pairs in place by i then j (the reference twin of the core's sortPairs). */
export function sortPairs(pairs: Uint32Array): Uint32Array {
  const n = pairs.length / 2;
  // 64-bit keys: a float key i * 2^32 + j would lose j's low bits once i passes 2^21.
  const keys = new BigUint64Array(n);
  for (let k = 0; k < n; k++) keys[k] = (BigInt(pairs[2 * k]) << 32n) | BigInt(pairs[2 * k + 1]);
  keys.sort();
  for (let k = 0; k < n; k++) {
    pairs[2 * k] = Number(keys[k] >> 32n);
    pairs[2 * k + 1] = Number(keys[k] & 0xffffffffn);
  }
  return pairs;
}
