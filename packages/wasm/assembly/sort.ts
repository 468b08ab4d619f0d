// Stable LSD radix sort of 32-byte records by (family, hi, lo, bits): 8-bit digits, one
// histogram pass for all digits, and digits that are the same in every record skipped
// (IPv4 records differ only in the low 4 bytes of lo, so they take 4-5 passes, not 18).
import { REC_SIZE, OFF_BITS, OFF_FAMILY } from "./abi/cidr";

const NDIG = 18;
// Byte offsets of the digits inside a record, least significant first.
const DIGIT_OFF = memory.data<u8>([<u8>OFF_BITS, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, <u8>OFF_FAMILY]);

export const SORT_HIST_BYTES: i32 = NDIG * 256 * 4;

@inline function copyRec(dst: usize, src: usize): void {
  store<u64>(dst, load<u64>(src));
  store<u64>(dst, load<u64>(src, 8), 8);
  store<u64>(dst, load<u64>(src, 16), 16);
  store<u64>(dst, load<u64>(src, 24), 24);
}

/** Sorts n records at src using tmp (n records) and hist (SORT_HIST_BYTES); returns where the result is. */
export function sortRecords(src: usize, tmp: usize, n: i32, hist: usize): usize {
  if (n < 2) return src;
  memory.fill(hist, 0, SORT_HIST_BYTES);
  for (let i = 0; i < n; i++) {
    const rec = src + <usize>i * REC_SIZE;
    for (let d = 0; d < NDIG; d++) {
      const b = <usize>load<u8>(rec + <usize>load<u8>(DIGIT_OFF + d));
      const h = hist + ((<usize>d << 8) + b) * 4;
      store<u32>(h, load<u32>(h) + 1);
    }
  }
  let a = src, b = tmp;
  for (let d = 0; d < NDIG; d++) {
    const base = hist + (<usize>d << 10);
    // Skip a digit that every record shares.
    let skip = false;
    for (let k = 0; k < 256; k++) {
      const c = load<u32>(base + (<usize>k << 2));
      if (c != 0) { skip = c == <u32>n; break; }
    }
    if (skip) continue;
    let sum: u32 = 0;
    for (let k = 0; k < 256; k++) {
      const p = base + (<usize>k << 2);
      const c = load<u32>(p);
      store<u32>(p, sum);
      sum += c;
    }
    const off = <usize>load<u8>(DIGIT_OFF + d);
    for (let i = 0; i < n; i++) {
      const rec = a + <usize>i * REC_SIZE;
      const p = base + (<usize>load<u8>(rec + off) << 2);
      const pos = load<u32>(p);
      store<u32>(p, pos + 1);
      copyRec(b + <usize>pos * REC_SIZE, rec);
    }
    const t = a; a = b; b = t;
  }
  return a;
}
