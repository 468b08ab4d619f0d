// 128-bit helpers on (hi, lo) u64 pairs. Shifts by 64 are spelled out because wasm masks the
// shift count (x << 64 == x), the classic /0 and /64 trap.

@inline export function maskHi(len: i32): u64 {
  if (len <= 0) return 0;
  if (len >= 64) return <u64>-1;
  return (<u64>-1) << <u64>(64 - len);
}

@inline export function maskLo(len: i32): u64 {
  if (len <= 64) return 0;
  if (len >= 128) return <u64>-1;
  return (<u64>-1) << <u64>(128 - len);
}

/** Prefix length in the 128-bit space: IPv4 lives in ::ffff:0:0/96. */
@inline export function len128(bits: i32, family: i32): i32 {
  return family == 4 ? bits + 96 : bits;
}

/** Number of trailing zero bits of (hi, lo), 128 for zero. */
@inline export function ctz128(hi: u64, lo: u64): i32 {
  if (lo != 0) return <i32>ctz(lo);
  if (hi != 0) return 64 + <i32>ctz(hi);
  return 128;
}

/** Unsigned compare: -1, 0, 1. */
@inline export function cmp128(ah: u64, al: u64, bh: u64, bl: u64): i32 {
  if (ah != bh) return ah < bh ? -1 : 1;
  if (al != bl) return al < bl ? -1 : 1;
  return 0;
}

@inline export function le128(ah: u64, al: u64, bh: u64, bl: u64): bool {
  return ah < bh || (ah == bh && al <= bl);
}

@inline export function lt128(ah: u64, al: u64, bh: u64, bl: u64): bool {
  return ah < bh || (ah == bh && al < bl);
}

/** floor(log2(x + 1)) for x = last - first (so the largest power-of-two block that fits). */
@inline export function floorLog2Plus1(hi: u64, lo: u64): i32 {
  // x + 1 with carry; x = 2^128 - 1 gives 128.
  let l = lo + 1;
  let h = hi + (l == 0 ? 1 : 0);
  if (h == 0 && l == 0) return 128;
  if (h != 0) return 127 - <i32>clz(h);
  return 63 - <i32>clz(l);
}
