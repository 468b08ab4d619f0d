// Bulk text output: prefixes, addresses, merged ranges and overlap pairs written as UTF-8 bytes
// into an output buffer that JS flushes with one write per buffer. Addresses follow RFC 5952
// exactly as the engine's formatAddr (ip/addr.ts, the reference twin): lower-case hex, no leading
// zeros, the longest run of two or more zero groups (the first on a tie) as "::", and IPv4-mapped
// addresses (::ffff:0:0/96) with a dotted tail.
//
// Every verb is resumable: it formats items from `from` while the buffer has room for one more
// (a worst case per item), returns where it stopped, and writes the bytes written to res + RES_A
// and the items written to res + RES_B. JS flushes and calls again.
//
// A list's punctuation comes from a "decor" block, so text lines and JSON arrays share one
// kernel: u32 firstLen, u32 sepLen, u32 trailLen, then the bytes of first, sep and trail. Item k
// is written as (k == 0 && !started ? first : sep) + value + trail.
import {
  REC_SIZE, OFF_HI, OFF_LO, OFF_BITS, OFF_FAMILY, OFF_LINE,
  RANGE_SIZE, ROFF_FIRST_HI, ROFF_FIRST_LO, ROFF_LAST_HI, ROFF_LAST_LO, ROFF_FAMILY,
  DECOR_HEADER, SRC_SIZE, SRC_START, SRC_NAME, SRC_NAME_LEN, SRC_JSON, SRC_JSON_LEN, SRC_LINES,
} from "./abi/cidr";
import { RES_A, RES_B } from "./abi/core";
import { largestBlock, stepBlock, stepHi, stepLo } from "./set";


const HEX = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
const V4MAP = memory.data<u8>([58, 58, 102, 102, 102, 102, 58]); // "::ffff:"
const S_SAME = memory.data<u8>([105, 115, 32, 116, 104, 101, 32, 115, 97, 109, 101, 32, 114, 97, 110, 103, 101, 32, 97, 115]);
const S_CONTAINS = memory.data<u8>([99, 111, 110, 116, 97, 105, 110, 115]);
const S_INSIDE = memory.data<u8>([105, 115, 32, 105, 110, 115, 105, 100, 101]);
const J_SAME = memory.data<u8>([115, 97, 109, 101]);
const J_OPEN = memory.data<u8>([10, 32, 32, 32, 32, 123, 10, 32, 32, 32, 32, 32, 32, 34, 97, 34, 58, 32, 34]);
const J_AORIG = memory.data<u8>([34, 44, 10, 32, 32, 32, 32, 32, 32, 34, 97, 79, 114, 105, 103, 105, 110, 34, 58, 32, 34]);
const J_B = memory.data<u8>([34, 44, 10, 32, 32, 32, 32, 32, 32, 34, 98, 34, 58, 32, 34]);
const J_BORIG = memory.data<u8>([34, 44, 10, 32, 32, 32, 32, 32, 32, 34, 98, 79, 114, 105, 103, 105, 110, 34, 58, 32, 34]);
const J_REL = memory.data<u8>([34, 44, 10, 32, 32, 32, 32, 32, 32, 34, 114, 101, 108, 97, 116, 105, 111, 110, 34, 58, 32, 34]);
const J_CLOSE = memory.data<u8>([34, 10, 32, 32, 32, 32, 125]);

/** Longest value: a full IPv6 address with "/128" (39 + 4 bytes), rounded up. */
const MAX_VALUE: i32 = 48;

@inline function putBytes(o: usize, src: usize, n: i32): usize {
  memory.copy(o, src, <usize>n);
  return o + <usize>n;
}

// "00" .. "99": two digits per table read.
const DIGITS2 = memory.data<u8>([48,48,48,49,48,50,48,51,48,52,48,53,48,54,48,55,48,56,48,57,49,48,49,49,49,50,49,51,49,52,49,53,49,54,49,55,49,56,49,57,50,48,50,49,50,50,50,51,50,52,50,53,50,54,50,55,50,56,50,57,51,48,51,49,51,50,51,51,51,52,51,53,51,54,51,55,51,56,51,57,52,48,52,49,52,50,52,51,52,52,52,53,52,54,52,55,52,56,52,57,53,48,53,49,53,50,53,51,53,52,53,53,53,54,53,55,53,56,53,57,54,48,54,49,54,50,54,51,54,52,54,53,54,54,54,55,54,56,54,57,55,48,55,49,55,50,55,51,55,52,55,53,55,54,55,55,55,56,55,57,56,48,56,49,56,50,56,51,56,52,56,53,56,54,56,55,56,56,56,57,57,48,57,49,57,50,57,51,57,52,57,53,57,54,57,55,57,56,57,57]);

/** Decimal digits of v. */
function putDec(o: usize, v: u32): usize {
  if (v < 10) { store<u8>(o, <u8>(0x30 + v)); return o + 1; }
  if (v < 100) { store<u16>(o, load<u16>(DIGITS2 + (<usize>v << 1))); return o + 2; }
  const n: usize = v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
  let p = o + n;
  while (v >= 100) {
    const q = v / 100;
    p -= 2;
    store<u16>(p, load<u16>(DIGITS2 + (<usize>(v - q * 100) << 1)));
    v = q;
  }
  if (v >= 10) { p -= 2; store<u16>(p, load<u16>(DIGITS2 + (<usize>v << 1))); }
  else { p--; store<u8>(p, <u8>(0x30 + v)); }
  return o + n;
}

/** Dotted quad. */
export function putV4(o: usize, a: u32): usize {
  o = putDec(o, a >>> 24); store<u8>(o, 0x2e); o++;
  o = putDec(o, (a >>> 16) & 255); store<u8>(o, 0x2e); o++;
  o = putDec(o, (a >>> 8) & 255); store<u8>(o, 0x2e); o++;
  return putDec(o, a & 255);
}

@inline function group(hi: u64, lo: u64, i: i32): u32 {
  return i < 4 ? <u32>(hi >>> <u64>(48 - 16 * i)) & 0xffff : <u32>(lo >>> <u64>(48 - 16 * (i - 4))) & 0xffff;
}

@inline function putHex(o: usize, g: u32): usize {
  if (g >= 0x1000) { store<u8>(o, load<u8>(HEX + (g >>> 12))); o++; }
  if (g >= 0x100) { store<u8>(o, load<u8>(HEX + ((g >>> 8) & 15))); o++; }
  if (g >= 0x10) { store<u8>(o, load<u8>(HEX + ((g >>> 4) & 15))); o++; }
  store<u8>(o, load<u8>(HEX + (g & 15)));
  return o + 1;
}

/** RFC 5952 text of a 128-bit IPv6 address. */
export function putV6(o: usize, hi: u64, lo: u64): usize {
  if (hi == 0 && (lo >>> 32) == 0xffff) {
    o = putBytes(o, V4MAP, 7);
    return putV4(o, <u32>lo);
  }
  // Longest run of zero groups, at least two long; the first one wins a tie.
  let best = -1, bestLen = 1;
  let i = 0;
  while (i < 8) {
    if (group(hi, lo, i) != 0) { i++; continue; }
    let j = i;
    while (j < 8 && group(hi, lo, j) == 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) {
    for (let g = 0; g < 8; g++) {
      if (g > 0) { store<u8>(o, 0x3a); o++; }
      o = putHex(o, group(hi, lo, g));
    }
    return o;
  }
  for (let g = 0; g < best; g++) {
    if (g > 0) { store<u8>(o, 0x3a); o++; }
    o = putHex(o, group(hi, lo, g));
  }
  store<u8>(o, 0x3a); store<u8>(o + 1, 0x3a); o += 2;
  for (let g = best + bestLen; g < 8; g++) {
    if (g > best + bestLen) { store<u8>(o, 0x3a); o++; }
    o = putHex(o, group(hi, lo, g));
  }
  return o;
}

/** The address of family fam (IPv4 as ::ffff:a.b.c.d in hi/lo) as text. */
@inline function putAddr(o: usize, hi: u64, lo: u64, fam: i32): usize {
  return fam == 4 ? putV4(o, <u32>lo) : putV6(o, hi, lo);
}

/** "addr/bits", or the bare address when bare and bits is the full length. */
@inline function putPrefix(o: usize, hi: u64, lo: u64, bits: i32, fam: i32, bare: bool): usize {
  o = putAddr(o, hi, lo, fam);
  if (bare && bits == (fam == 4 ? 32 : 128)) return o;
  store<u8>(o, 0x2f);
  return putDec(o + 1, <u32>bits);
}

@inline function decorFirst(d: usize): usize { return d + DECOR_HEADER; }
@inline function decorSep(d: usize): usize { return d + DECOR_HEADER + <usize>load<u32>(d); }
@inline function decorTrail(d: usize): usize { return d + DECOR_HEADER + <usize>load<u32>(d) + <usize>load<u32>(d, 4); }
@inline function decorBytes(d: usize): i32 { return <i32>(load<u32>(d) + load<u32>(d, 4) + load<u32>(d, 8)); }

@inline function putLead(o: usize, decor: usize, started: bool): usize {
  return started ? putBytes(o, decorSep(decor), <i32>load<u32>(decor, 4)) : putBytes(o, decorFirst(decor), <i32>load<u32>(decor));
}

/**
 * Records [from, n) at recs as prefixes ("addr/bits"; bare = 1 leaves full-length prefixes as a
 * bare address); records with family 0 are skipped. Returns the index where it stopped.
 */
export function formatPrefixes(recs: usize, from: i32, n: i32, out: usize, cap: i32, bare: i32, decor: usize, started: i32, res: usize): i32 {
  const need = <usize>(MAX_VALUE + decorBytes(decor));
  const end = out + <usize>cap;
  let o = out;
  let k = 0;
  let i = from;
  let st = started != 0;
  for (; i < n; i++) {
    if (o + need > end) break;
    const r = recs + <usize>i * REC_SIZE;
    const fam = <i32>load<u8>(r + OFF_FAMILY);
    if (fam == 0) continue;
    o = putLead(o, decor, st);
    st = true;
    o = putPrefix(o, load<u64>(r + OFF_HI), load<u64>(r + OFF_LO), <i32>load<u8>(r + OFF_BITS), fam, bare != 0);
    o = putBytes(o, decorTrail(decor), <i32>load<u32>(decor, 8));
    k++;
  }
  store<i32>(res + RES_A, <i32>(o - out));
  store<i32>(res + RES_B, k);
  return i;
}

/**
 * Ranges [from, m) (40-byte range records) as their minimal prefix lists, block by block, the
 * same walk as rangesToPrefixes. Stops only between ranges (when the worst case of one range,
 * 256 prefixes, might not fit). Returns the range index reached.
 */
export function formatRanges(ranges: usize, from: i32, m: i32, out: usize, cap: i32, decor: usize, started: i32, res: usize): i32 {
  const item = <usize>(MAX_VALUE + decorBytes(decor));
  const end = out + <usize>cap;
  let o = out;
  let k = 0;
  let i = from;
  let st = started != 0;
  for (; i < m; i++) {
    // A range splits into at most 2 * 128 blocks.
    if (o + item * 256 > end) break;
    const r = ranges + <usize>i * RANGE_SIZE;
    let fh = load<u64>(r + ROFF_FIRST_HI), fl = load<u64>(r + ROFF_FIRST_LO);
    const lh = load<u64>(r + ROFF_LAST_HI), ll = load<u64>(r + ROFF_LAST_LO);
    const fam = <i32>load<u32>(r + ROFF_FAMILY);
    const base = fam == 4 ? 96 : 0;
    while (true) {
      const size = largestBlock(fh, fl, lh, ll, fam);
      o = putLead(o, decor, st);
      st = true;
      o = putPrefix(o, fh, fl, 128 - size - base, fam, false);
      o = putBytes(o, decorTrail(decor), <i32>load<u32>(decor, 8));
      k++;
      if (!stepBlock(fh, fl, lh, ll, size)) break;
      fh = stepHi; fl = stepLo;
    }
  }
  store<i32>(res + RES_A, <i32>(o - out));
  store<i32>(res + RES_B, k);
  return i;
}

/**
 * Merged IPv4 ranges as u64 keys (first << 32 | last, see merge.ts) [from, m) as their minimal
 * prefix lists. Stops only between ranges. Returns the range index reached.
 */
export function formatV4Keys(keys: usize, from: i32, m: i32, out: usize, cap: i32, decor: usize, started: i32, res: usize): i32 {
  const item = <usize>(24 + decorBytes(decor));
  const end = out + <usize>cap;
  let o = out;
  let k = 0;
  let i = from;
  let st = started != 0;
  const trail = decorTrail(decor);
  const trailLen = <i32>load<u32>(decor, 8);
  for (; i < m; i++) {
    // A 32-bit range splits into at most 62 blocks.
    if (o + item * 64 > end) break;
    const key = load<u64>(keys + (<usize>i << 3));
    let first = key >>> 32;
    const last = key & 0xffffffff;
    while (true) {
      // Largest aligned block at first that does not pass last.
      const span = last - first + 1; // 1 .. 2^32
      let size = 63 - <i32>clz(span);
      const tz = first == 0 ? 32 : <i32>ctz(first);
      if (tz < size) size = tz;
      o = putLead(o, decor, st);
      st = true;
      o = putV4(o, <u32>first);
      store<u8>(o, 0x2f);
      o = putDec(o + 1, <u32>(32 - size));
      o = putBytes(o, trail, trailLen);
      k++;
      first += (<u64>1) << <u64>size;
      if (first > last) break;
    }
  }
  store<i32>(res + RES_A, <i32>(o - out));
  store<i32>(res + RES_B, k);
  return i;
}

// Overlap pairs. Sources: nsrc entries of SRC_SIZE bytes (layout in abi/cidr.ts), sorted by start.
@inline function sourceOf(srcs: usize, nsrc: i32, idx: u32): usize {
  let lo = 0, hi = nsrc - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (load<u32>(srcs + <usize>mid * SRC_SIZE + SRC_START) <= idx) lo = mid; else hi = mid - 1;
  }
  return srcs + <usize>lo * SRC_SIZE;
}

function putOrigin(o: usize, rec: usize, src: usize, json: bool): usize {
  o = json ? putBytes(o, <usize>load<u32>(src + SRC_JSON), <i32>load<u32>(src + SRC_JSON_LEN)) : putBytes(o, <usize>load<u32>(src + SRC_NAME), <i32>load<u32>(src + SRC_NAME_LEN));
  if (load<u32>(src + SRC_LINES) != 0) {
    store<u8>(o, 0x3a);
    o = putDec(o + 1, load<u32>(rec + OFF_LINE));
  }
  return o;
}

@inline function putRec(o: usize, r: usize): usize {
  return putPrefix(o, load<u64>(r + OFF_HI), load<u64>(r + OFF_LO), <i32>load<u8>(r + OFF_BITS), <i32>load<u8>(r + OFF_FAMILY), false);
}

/**
 * Overlap pairs [from, k) (u32 index pairs into recs) as text lines
 * "a (origin) is the same range as|contains|is inside b (origin)" or as JSON array items
 * {a, aOrigin, b, bOrigin, relation}. The relation follows from the lengths of two overlapping
 * prefixes: equal is "same", shorter "contains", longer "inside". Returns the pair index reached.
 */
export function formatPairs(pairs: usize, from: i32, k: i32, recs: usize, srcs: usize, nsrc: i32, out: usize, cap: i32, json: i32, started: i32, res: usize): i32 {
  let maxName: u32 = 0;
  for (let s = 0; s < nsrc; s++) {
    const t = load<u32>(srcs + <usize>s * SRC_SIZE + SRC_NAME_LEN), j = load<u32>(srcs + <usize>s * SRC_SIZE + SRC_JSON_LEN);
    if (t > maxName) maxName = t;
    if (j > maxName) maxName = j;
  }
  const need = <usize>(256 + 2 * maxName);
  const end = out + <usize>cap;
  let o = out;
  let n = 0;
  let p = from;
  let st = started != 0;
  const js = json != 0;
  for (; p < k; p++) {
    if (o + need > end) break;
    const ia = load<u32>(pairs + <usize>p * 8), ib = load<u32>(pairs + <usize>p * 8 + 4);
    const ra = recs + <usize>ia * REC_SIZE, rb = recs + <usize>ib * REC_SIZE;
    const sa = sourceOf(srcs, nsrc, ia), sb = sourceOf(srcs, nsrc, ib);
    const ba = load<u8>(ra + OFF_BITS), bb = load<u8>(rb + OFF_BITS);
    if (js) {
      if (st) { store<u8>(o, 0x2c); o++; }
      o = putBytes(o, J_OPEN, 19);
      o = putRec(o, ra);
      o = putBytes(o, J_AORIG, 21);
      o = putOrigin(o, ra, sa, true);
      o = putBytes(o, J_B, 15);
      o = putRec(o, rb);
      o = putBytes(o, J_BORIG, 21);
      o = putOrigin(o, rb, sb, true);
      o = putBytes(o, J_REL, 22);
      if (ba == bb) o = putBytes(o, J_SAME, 4);
      else if (ba < bb) o = putBytes(o, S_CONTAINS, 8);
      else o = putBytes(o, S_INSIDE + 3, 6);
      o = putBytes(o, J_CLOSE, 7);
    } else {
      o = putRec(o, ra);
      store<u8>(o, 0x20); store<u8>(o + 1, 0x28); o += 2;
      o = putOrigin(o, ra, sa, false);
      store<u8>(o, 0x29); store<u8>(o + 1, 0x20); o += 2;
      if (ba == bb) o = putBytes(o, S_SAME, 20);
      else if (ba < bb) o = putBytes(o, S_CONTAINS, 8);
      else o = putBytes(o, S_INSIDE, 9);
      store<u8>(o, 0x20); o++;
      o = putRec(o, rb);
      store<u8>(o, 0x20); store<u8>(o + 1, 0x28); o += 2;
      o = putOrigin(o, rb, sb, false);
      store<u8>(o, 0x29); store<u8>(o + 1, 0x0a); o += 2;
    }
    st = true;
    n++;
  }
  store<i32>(res + RES_A, <i32>(o - out));
  store<i32>(res + RES_B, n);
  return p;
}
