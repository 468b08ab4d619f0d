// Merging by family with small keys. IPv4 prefixes become one u64 each, first << 32 | last, and
// are radix-sorted on the 32 bits of `first` only (three 11-bit digits, a digit every key shares
// skipped), so a million IPv4 prefixes move 8 bytes three times instead of 32-byte records
// through the 18 digits of the mixed-family record sort. IPv6 records keep the record sort, on
// their own (sort.ts skips the digits they share). Merged IPv4 ranges stay u64 keys: sorted,
// non-overlapping, non-adjacent, in the same encoding.
import {
  REC_SIZE, OFF_LO, OFF_BITS, OFF_FAMILY,
  RANGE_SIZE, ROFF_FIRST_HI, ROFF_FIRST_LO, ROFF_LAST_HI, ROFF_LAST_LO, ROFF_FAMILY,
} from "./abi/cidr";
import { RES_A } from "./abi/core";
import { lt128, le128 } from "./u128";

const V4_MAPPED: u64 = 0x0000ffff00000000;
const DIGIT_BITS: u32 = 11;
const BUCKETS: i32 = 1 << DIGIT_BITS;
const NDIG: i32 = 3;

/**
 * Turns one digit's histogram (BUCKETS u32 counts at base) into start offsets, in place. Returns
 * false, leaving it as is, when every one of the n keys has the same digit (the pass can be skipped).
 */
@inline function countsToOffsets(base: usize, n: i32): bool {
  for (let q = 0; q < BUCKETS; q++) {
    const c = load<u32>(base + (<usize>q << 2));
    if (c != 0) { if (c == <u32>n) return false; break; }
  }
  let sum: u32 = 0;
  for (let q = 0; q < BUCKETS; q++) {
    const p = base + (<usize>q << 2);
    const c = load<u32>(p);
    store<u32>(p, sum);
    sum += c;
  }
  return true;
}


/** Bytes of scratch sortV4Keys needs for n keys (n more keys and the histograms). */
export function v4SortScratchBytes(n: i32): i32 {
  return n * 8 + NDIG * BUCKETS * 4 + 16;
}

/**
 * Splits n prefix records by family: IPv4 as keys (first << 32 | last, host bits dropped) at
 * keys, IPv6 records copied to v6 (their count to res + RES_A); family 0 is skipped.
 * Returns the number of IPv4 keys.
 */
export function splitFamilies(recs: usize, n: i32, keys: usize, v6: usize, res: usize): i32 {
  let k = 0, m = 0;
  for (let i = 0; i < n; i++) {
    const r = recs + <usize>i * REC_SIZE;
    const fam = load<u8>(r + OFF_FAMILY);
    if (fam == 4) {
      const bits = <u32>load<u8>(r + OFF_BITS);
      const a = <u32>load<u64>(r + OFF_LO);
      const mask: u32 = bits == 0 ? 0 : (<u32>-1) << (32 - bits);
      const first = a & mask;
      store<u64>(keys + (<usize>k << 3), (<u64>first << 32) | <u64>(first | ~mask));
      k++;
    } else if (fam == 6) {
      memory.copy(v6 + <usize>m * REC_SIZE, r, REC_SIZE);
      m++;
    }
  }
  store<i32>(res + RES_A, m);
  return k;
}

/** Stable LSD radix sort of n keys by their high 32 bits; returns keys or tmp, wherever the result is. */
export function sortV4Keys(keys: usize, n: i32, scratch: usize): usize {
  if (n < 2) return keys;
  const tmp = scratch;
  const hist = scratch + <usize>n * 8;
  memory.fill(hist, 0, <usize>(NDIG * BUCKETS * 4));
  const mask: u64 = <u64>(BUCKETS - 1);
  for (let i = 0; i < n; i++) {
    const f = load<u64>(keys + (<usize>i << 3)) >>> 32;
    for (let d = 0; d < NDIG; d++) {
      const h = hist + ((<usize>d * <usize>BUCKETS + <usize>((f >>> (<u64>d * DIGIT_BITS)) & mask)) << 2);
      store<u32>(h, load<u32>(h) + 1);
    }
  }
  let a = keys, b = tmp;
  for (let d = 0; d < NDIG; d++) {
    const base = hist + (<usize>d * <usize>BUCKETS << 2);
    if (!countsToOffsets(base, n)) continue;
    const shift = <u64>(32 + d * <i32>DIGIT_BITS);
    for (let i = 0; i < n; i++) {
      const key = load<u64>(a + (<usize>i << 3));
      const p = base + (<usize>((key >>> shift) & mask) << 2);
      const pos = load<u32>(p);
      store<u32>(p, pos + 1);
      store<u64>(b + (<usize>pos << 3), key);
    }
    const t = a; a = b; b = t;
  }
  return a;
}

/** Sorted keys to merged ranges (overlapping or adjacent joined), written at out (may be keys). Returns the count. */
export function mergeV4Keys(keys: usize, n: i32, out: usize): i32 {
  if (n == 0) return 0;
  let m = 0;
  let k0 = load<u64>(keys);
  let cf = k0 >>> 32, cl = k0 & 0xffffffff;
  for (let i = 1; i < n; i++) {
    const k = load<u64>(keys + (<usize>i << 3));
    const f = k >>> 32, l = k & 0xffffffff;
    if (f <= cl + 1) { if (l > cl) cl = l; continue; }
    store<u64>(out + (<usize>m << 3), (cf << 32) | cl);
    m++;
    cf = f; cl = l;
  }
  store<u64>(out + (<usize>m << 3), (cf << 32) | cl);
  return m + 1;
}

/** Union of two merged key lists (sorted, disjoint, non-adjacent) into out (not aliasing either). Returns the count. */
export function unionV4Keys(a: usize, na: i32, b: usize, nb: i32, out: usize): i32 {
  let i = 0, j = 0, m = 0;
  let have = false;
  let cf: u64 = 0, cl: u64 = 0;
  while (i < na || j < nb) {
    let k: u64;
    if (j >= nb || (i < na && load<u64>(a + (<usize>i << 3)) < load<u64>(b + (<usize>j << 3)))) { k = load<u64>(a + (<usize>i << 3)); i++; }
    else { k = load<u64>(b + (<usize>j << 3)); j++; }
    const f = k >>> 32, l = k & 0xffffffff;
    if (have && f <= cl + 1) { if (l > cl) cl = l; continue; }
    if (have) { store<u64>(out + (<usize>m << 3), (cf << 32) | cl); m++; }
    have = true; cf = f; cl = l;
  }
  if (have) { store<u64>(out + (<usize>m << 3), (cf << 32) | cl); m++; }
  return m;
}

/** Merged IPv4 keys as 40-byte range records (for the verbs that take ranges). */
export function v4KeysToRanges(keys: usize, m: i32, out: usize): void {
  for (let i = 0; i < m; i++) {
    const k = load<u64>(keys + (<usize>i << 3));
    const r = out + <usize>i * RANGE_SIZE;
    store<u64>(r + ROFF_FIRST_HI, 0);
    store<u64>(r + ROFF_FIRST_LO, V4_MAPPED | (k >>> 32));
    store<u64>(r + ROFF_LAST_HI, 0);
    store<u64>(r + ROFF_LAST_LO, V4_MAPPED | (k & 0xffffffff));
    store<u32>(r + ROFF_FAMILY, 4);
    store<u32>(r + ROFF_FAMILY + 4, 0);
  }
}

@inline function rangeLt(a: usize, b: usize): bool {
  const fa = load<u32>(a + ROFF_FAMILY), fb = load<u32>(b + ROFF_FAMILY);
  if (fa != fb) return fa < fb;
  return lt128(load<u64>(a + ROFF_FIRST_HI), load<u64>(a + ROFF_FIRST_LO), load<u64>(b + ROFF_FIRST_HI), load<u64>(b + ROFF_FIRST_LO));
}

/** Union of two merged 40-byte range lists into out (not aliasing either). Returns the count. */
export function unionRanges(a: usize, na: i32, b: usize, nb: i32, out: usize): i32 {
  let i = 0, j = 0, m = 0;
  let cur: usize = 0; // the open output range
  while (i < na || j < nb) {
    let r: usize;
    if (j >= nb || (i < na && rangeLt(a + <usize>i * RANGE_SIZE, b + <usize>j * RANGE_SIZE))) { r = a + <usize>i * RANGE_SIZE; i++; }
    else { r = b + <usize>j * RANGE_SIZE; j++; }
    if (m > 0) {
      cur = out + <usize>(m - 1) * RANGE_SIZE;
      if (load<u32>(cur + ROFF_FAMILY) == load<u32>(r + ROFF_FAMILY)) {
        const clh = load<u64>(cur + ROFF_LAST_HI), cll = load<u64>(cur + ROFF_LAST_LO);
        const nl = cll + 1;
        const nh = clh + (nl == 0 ? 1 : 0);
        const maxed = clh == <u64>-1 && cll == <u64>-1;
        if (maxed || le128(load<u64>(r + ROFF_FIRST_HI), load<u64>(r + ROFF_FIRST_LO), nh, nl)) {
          const lh = load<u64>(r + ROFF_LAST_HI), ll = load<u64>(r + ROFF_LAST_LO);
          if (lt128(clh, cll, lh, ll)) { store<u64>(cur + ROFF_LAST_HI, lh); store<u64>(cur + ROFF_LAST_LO, ll); }
          continue;
        }
      }
    }
    memory.copy(out + <usize>m * RANGE_SIZE, r, RANGE_SIZE);
    m++;
  }
  return m;
}

/** Bytes of scratch sortPairs needs for n pairs. */
export function pairSortScratchBytes(n: i32): i32 {
  return n * 8 + 6 * BUCKETS * 4 + 16;
}

/**
 * Sorts n index pairs (u32 i, u32 j) by i, then j: an LSD radix sort on the 64-bit key i << 32 | j,
 * 11 bits a digit, digits every pair shares skipped. Returns pairs or scratch, wherever the result is.
 */
export function sortPairs(pairs: usize, n: i32, scratch: usize): usize {
  if (n < 2) return pairs;
  const hist = scratch + <usize>n * 8;
  memory.fill(hist, 0, <usize>(6 * BUCKETS * 4));
  const mask: u64 = <u64>(BUCKETS - 1);
  for (let x = 0; x < n; x++) {
    const key = rotr<u64>(load<u64>(pairs + (<usize>x << 3)), 32);
    for (let d = 0; d < 6; d++) {
      const h = hist + ((<usize>d * <usize>BUCKETS + <usize>((key >>> (<u64>d * DIGIT_BITS)) & mask)) << 2);
      store<u32>(h, load<u32>(h) + 1);
    }
  }
  let a = pairs, b = scratch;
  for (let d = 0; d < 6; d++) {
    const base = hist + (<usize>d * <usize>BUCKETS << 2);
    if (!countsToOffsets(base, n)) continue;
    const shift = <u64>(d * <i32>DIGIT_BITS);
    for (let x = 0; x < n; x++) {
      const v = load<u64>(a + (<usize>x << 3));
      const p = base + (<usize>((rotr<u64>(v, 32) >>> shift) & mask) << 2);
      const pos = load<u32>(p);
      store<u32>(p, pos + 1);
      store<u64>(b + (<usize>pos << 3), v);
    }
    const t = a; a = b; b = t;
  }
  return a;
}
