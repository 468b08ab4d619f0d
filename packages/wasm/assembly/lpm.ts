// Longest-prefix-match table: N prefixes with a u32 value each are flattened once into disjoint
// segments (each address range labelled with its most specific prefix's value), then M addresses
// are looked up per call. IPv4 has a 65,536-entry index on the top 16 bits in front of a binary
// search; IPv6 is a binary search over 128-bit segments.
//
// Table layout (bytes from the table pointer):
//   0  u32 n4, 4 u32 n6, 8..15 reserved
//   16                 u32 index4[65537]   index4[k] = segments whose start < k << 16
//   16 + 65537*4       u32 start4[cap4], u32 end4[cap4], u32 value4[cap4]
//   then               n6 range records (RANGE_SIZE) with the value in the 4 spare bytes at 36
import {
  REC_SIZE, OFF_HI, OFF_LO, OFF_VALUE, OFF_BITS, OFF_FAMILY, RANGE_SIZE,
  ROFF_FIRST_HI, ROFF_FIRST_LO, ROFF_LAST_HI, ROFF_LAST_LO, ROFF_FAMILY,
} from "./abi/cidr";
import { maskHi, maskLo, len128, lt128, le128 } from "./u128";
import { maskInto } from "./set";
import { sortRecords, SORT_HIST_BYTES } from "./sort";

const INDEX_ENTRIES: i32 = 65537;
const HEADER: i32 = 16;

/** Bytes a table for n prefixes needs (segments are at most 2n + 1 per family). */
export function lpmTableBytes(n: i32): i32 {
  const cap = 2 * n + 2;
  return HEADER + INDEX_ENTRIES * 4 + cap * 12 + cap * RANGE_SIZE;
}

/** Scratch bytes lpmBuild needs for n prefixes. */
export function lpmScratchBytes(n: i32): i32 {
  return (n + 1) * (2 * REC_SIZE + 24) + SORT_HIST_BYTES + (2 * n + 2) * RANGE_SIZE + 64;
}

let segOut: usize = 0;
let segCount: i32 = 0;

@inline function emit(fh: u64, fl: u64, lh: u64, ll: u64, fam: i32, value: u32): void {
  const r = segOut + <usize>segCount * RANGE_SIZE;
  store<u64>(r + ROFF_FIRST_HI, fh);
  store<u64>(r + ROFF_FIRST_LO, fl);
  store<u64>(r + ROFF_LAST_HI, lh);
  store<u64>(r + ROFF_LAST_LO, ll);
  store<u32>(r + ROFF_FAMILY, <u32>fam);
  store<u32>(r + 36, value);
  segCount++;
}

/** Builds the table for n prefix records (value = the record's value; a later duplicate wins). */
export function lpmBuild(inp: usize, n: i32, scratch: usize, table: usize): void {
  const work = scratch;
  const tmp = work + <usize>n * REC_SIZE;
  const stack = tmp + <usize>n * REC_SIZE; // n entries of 24 bytes: last hi, last lo, value
  const hist = stack + <usize>(n + 1) * 24;
  segOut = hist + SORT_HIST_BYTES;
  segCount = 0;
  maskInto(inp, n, work, false);
  const sorted = sortRecords(work, tmp, n, hist);

  let sp = 0;
  let curFam = 0;
  let ch: u64 = 0, cl: u64 = 0; // cursor: the first address not yet labelled
  let done = false; // cursor passed the end of the address space
  for (let i = 0; i <= n; i++) {
    let fam = 0;
    let fh: u64 = 0, fl: u64 = 0, lh: u64 = 0, ll: u64 = 0;
    let value: u32 = 0;
    if (i < n) {
      const r = sorted + <usize>i * REC_SIZE;
      fam = <i32>load<u8>(r + OFF_FAMILY);
      if (fam == 0) continue;
      const l = len128(<i32>load<u8>(r + OFF_BITS), fam);
      fh = load<u64>(r + OFF_HI); fl = load<u64>(r + OFF_LO);
      lh = fh | ~maskHi(l); ll = fl | ~maskLo(l);
      value = load<u32>(r + OFF_VALUE);
    }
    // Close every open prefix that ends before this one starts (all of them on a family change).
    while (sp > 0) {
      const t = stack + <usize>(sp - 1) * 24;
      const tlh = load<u64>(t), tll = load<u64>(t, 8);
      if (i < n && fam == curFam && !lt128(tlh, tll, fh, fl)) break;
      if (!done && le128(ch, cl, tlh, tll)) emit(ch, cl, tlh, tll, curFam, load<u32>(t, 16));
      if (tlh == <u64>-1 && tll == <u64>-1) done = true;
      else { cl = tll + 1; ch = tlh + (cl == 0 ? 1 : 0); }
      sp--;
    }
    if (i == n) break;
    if (sp > 0 && !done && lt128(ch, cl, fh, fl)) {
      const t = stack + <usize>(sp - 1) * 24;
      const pl = fl - 1, ph = fh - (fl == 0 ? 1 : 0);
      emit(ch, cl, ph, pl, curFam, load<u32>(t, 16));
    }
    const t = stack + <usize>sp * 24;
    store<u64>(t, lh); store<u64>(t, ll, 8); store<u32>(t, value, 16);
    sp++;
    curFam = fam; ch = fh; cl = fl; done = false;
  }

  // Split segments by family into the table.
  let n4 = 0;
  for (let i = 0; i < segCount; i++) if (load<u32>(segOut + <usize>i * RANGE_SIZE + ROFF_FAMILY) == 4) n4++;
  const cap4 = n4;
  const start4 = table + HEADER + INDEX_ENTRIES * 4;
  const end4 = start4 + <usize>cap4 * 4;
  const val4 = end4 + <usize>cap4 * 4;
  const v6 = val4 + <usize>cap4 * 4;
  let k4 = 0, k6 = 0;
  for (let i = 0; i < segCount; i++) {
    const s = segOut + <usize>i * RANGE_SIZE;
    if (load<u32>(s + ROFF_FAMILY) == 4) {
      store<u32>(start4 + <usize>k4 * 4, <u32>load<u64>(s + ROFF_FIRST_LO));
      store<u32>(end4 + <usize>k4 * 4, <u32>load<u64>(s + ROFF_LAST_LO));
      store<u32>(val4 + <usize>k4 * 4, load<u32>(s + 36));
      k4++;
    } else {
      memory.copy(v6 + <usize>k6 * RANGE_SIZE, s, RANGE_SIZE);
      k6++;
    }
  }
  store<u32>(table, <u32>k4);
  store<u32>(table + 4, <u32>k6);
  store<u64>(table + 8, 0);
  const index = table + HEADER;
  let j = 0;
  for (let k: u64 = 0; k < <u64>INDEX_ENTRIES; k++) {
    const bound = k << 16;
    while (j < k4 && <u64>load<u32>(start4 + <usize>j * 4) < bound) j++;
    store<u32>(index + <usize>k * 4, <u32>j);
  }
}

/** Looks up n address records; writes the value of the longest match, or 0xffffffff, per address. */
export function lpmLookup(table: usize, addrs: usize, n: i32, out: usize): void {
  const n4 = <i32>load<u32>(table);
  const n6 = <i32>load<u32>(table + 4);
  const index = table + HEADER;
  const start4 = index + INDEX_ENTRIES * 4;
  const end4 = start4 + <usize>n4 * 4;
  const val4 = end4 + <usize>n4 * 4;
  const v6 = val4 + <usize>n4 * 4;
  for (let i = 0; i < n; i++) {
    const a = addrs + <usize>i * REC_SIZE;
    const fam = <i32>load<u8>(a + OFF_FAMILY);
    let result: u32 = 0xffffffff;
    if (fam == 4) {
      const x = <u32>load<u64>(a + OFF_LO);
      const k = <usize>(x >>> 16);
      let lo = <i32>load<u32>(index + k * 4);
      let hi = <i32>load<u32>(index + k * 4 + 4);
      // Last segment in [lo, hi) with start <= x; else the one just before the block.
      let c = lo - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (load<u32>(start4 + <usize>mid * 4) <= x) { c = mid; lo = mid + 1; } else hi = mid;
      }
      if (c >= 0 && x <= load<u32>(end4 + <usize>c * 4)) result = load<u32>(val4 + <usize>c * 4);
    } else if (fam == 6) {
      const xh = load<u64>(a + OFF_HI), xl = load<u64>(a + OFF_LO);
      let lo = 0, hi = n6, c = -1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const s = v6 + <usize>mid * RANGE_SIZE;
        if (le128(load<u64>(s + ROFF_FIRST_HI), load<u64>(s + ROFF_FIRST_LO), xh, xl)) { c = mid; lo = mid + 1; } else hi = mid;
      }
      if (c >= 0) {
        const s = v6 + <usize>c * RANGE_SIZE;
        if (le128(xh, xl, load<u64>(s + ROFF_LAST_HI), load<u64>(s + ROFF_LAST_LO))) result = load<u32>(s + 36);
      }
    }
    store<u32>(out + <usize>i * 4, result);
  }
}
