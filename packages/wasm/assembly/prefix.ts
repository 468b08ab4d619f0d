// Element-wise verbs over prefix records: masked, first/last address, contains, overlaps.
import { REC_SIZE, OFF_HI, OFF_LO, OFF_BITS, OFF_FAMILY, OFF_FLAGS } from "./abi/cidr";
import { maskHi, maskLo, len128 } from "./u128";
import { maskInto } from "./set";

/** out[i] = inp[i] with host bits cleared (what the prefix really covers). */
export function maskedBatch(inp: usize, n: i32, out: usize): void {
  maskInto(inp, n, out, false);
}

/** out[i] = first (which = 0) or last (which = 1) address of inp[i], as a full-length record. */
export function boundBatch(inp: usize, n: i32, out: usize, which: i32): void {
  maskInto(inp, n, out, false);
  for (let i = 0; i < n; i++) {
    const r = out + <usize>i * REC_SIZE;
    const fam = <i32>load<u8>(r + OFF_FAMILY);
    if (fam == 0) continue;
    if (which == 1) {
      const l = len128(<i32>load<u8>(r + OFF_BITS), fam);
      store<u64>(r + OFF_HI, load<u64>(r + OFF_HI) | ~maskHi(l));
      store<u64>(r + OFF_LO, load<u64>(r + OFF_LO) | ~maskLo(l));
    }
    store<u8>(r + OFF_BITS, <u8>(fam == 4 ? 32 : 128));
    store<u8>(r + OFF_FLAGS, 0);
  }
}

/**
 * out[i] = 1 when a[i] contains b[i] (same family, a no longer than b, b inside a), else 0.
 * With aStride 0 one prefix a[0] is tested against every b[i]. IPv4 takes a 32-bit path.
 */
export function containsBatch(a: usize, aStride: i32, b: usize, n: i32, out: usize): void {
  for (let i = 0; i < n; i++) {
    const pa = a + <usize>i * <usize>aStride;
    const pb = b + <usize>i * REC_SIZE;
    const fa = load<u8>(pa + OFF_FAMILY);
    const ba = <i32>load<u8>(pa + OFF_BITS);
    let r: u8 = 0;
    if (fa == load<u8>(pb + OFF_FAMILY) && ba <= <i32>load<u8>(pb + OFF_BITS)) {
      if (fa == 4) {
        const m: u32 = ba == 0 ? 0 : (<u32>-1) << <u32>(32 - ba);
        r = <u8>(((<u32>load<u64>(pa + OFF_LO) ^ <u32>load<u64>(pb + OFF_LO)) & m) == 0);
      } else if (fa == 6) {
        r = <u8>(((load<u64>(pa + OFF_HI) ^ load<u64>(pb + OFF_HI)) & maskHi(ba)) == 0 &&
                 ((load<u64>(pa + OFF_LO) ^ load<u64>(pb + OFF_LO)) & maskLo(ba)) == 0);
      }
    }
    store<u8>(out + i, r);
  }
}

/** out[i] = 1 when a[i] and b[i] share any address (one contains the other). aStride as above. */
export function overlapsBatch(a: usize, aStride: i32, b: usize, n: i32, out: usize): void {
  for (let i = 0; i < n; i++) {
    const pa = a + <usize>i * <usize>aStride;
    const pb = b + <usize>i * REC_SIZE;
    const fa = load<u8>(pa + OFF_FAMILY);
    let r: u8 = 0;
    if (fa != 0 && fa == load<u8>(pb + OFF_FAMILY)) {
      let l = <i32>load<u8>(pa + OFF_BITS);
      const lb = <i32>load<u8>(pb + OFF_BITS);
      if (lb < l) l = lb;
      const l128 = len128(l, fa);
      r = <u8>(((load<u64>(pa + OFF_HI) ^ load<u64>(pb + OFF_HI)) & maskHi(l128)) == 0 &&
               ((load<u64>(pa + OFF_LO) ^ load<u64>(pb + OFF_LO)) & maskLo(l128)) == 0);
    }
    store<u8>(out + i, r);
  }
}
