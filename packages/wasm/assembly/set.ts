// Set algebra over prefixes and ranges: merge to ranges, ranges to the minimal prefix list,
// subtract, intersect, all overlapping pairs, best-fit free-prefix allocation.
import {
  REC_SIZE, OFF_HI, OFF_LO, OFF_VALUE, OFF_BITS, OFF_FAMILY, OFF_FLAGS, OFF_STATUS, OFF_COL, OFF_LINE,
  RANGE_SIZE, ROFF_FIRST_HI, ROFF_FIRST_LO, ROFF_LAST_HI, ROFF_LAST_LO, ROFF_FAMILY, RET_OVERFLOW, FLAG_HAS_SLASH, ST_OK,
} from "./abi/cidr";
import { RES_A, RES_TOTAL } from "./abi/core";
import { maskHi, maskLo, len128, ctz128, floorLog2Plus1, le128, lt128 } from "./u128";
import { sortRecords, SORT_HIST_BYTES } from "./sort";


/** Scratch bytes the verbs below need for n input records. */
export function scratchBytes(n: i32): i32 {
  return (n + 1) * (2 * REC_SIZE + RANGE_SIZE + 8) + SORT_HIST_BYTES + 64;
}

/** Copies n records to dst with the address masked to the prefix and value = original index. */
export function maskInto(src: usize, n: i32, dst: usize, indexValues: bool): void {
  for (let i = 0; i < n; i++) {
    const s = src + <usize>i * REC_SIZE;
    const d = dst + <usize>i * REC_SIZE;
    const fam = <i32>load<u8>(s + OFF_FAMILY);
    const l = len128(<i32>load<u8>(s + OFF_BITS), fam);
    store<u64>(d + OFF_HI, load<u64>(s + OFF_HI) & maskHi(l));
    store<u64>(d + OFF_LO, load<u64>(s + OFF_LO) & maskLo(l));
    store<u32>(d + OFF_VALUE, indexValues ? <u32>i : load<u32>(s + OFF_VALUE));
    store<u8>(d + OFF_BITS, load<u8>(s + OFF_BITS));
    store<u8>(d + OFF_FAMILY, <u8>fam);
    store<u8>(d + OFF_FLAGS, load<u8>(s + OFF_FLAGS) & ~2);
    store<u8>(d + OFF_STATUS, load<u8>(s + OFF_STATUS));
    store<u32>(d + OFF_COL, load<u32>(s + OFF_COL));
    store<u32>(d + OFF_LINE, load<u32>(s + OFF_LINE));
  }
}

@inline function writeRange(r: usize, fh: u64, fl: u64, lh: u64, ll: u64, fam: i32): void {
  store<u64>(r + ROFF_FIRST_HI, fh);
  store<u64>(r + ROFF_FIRST_LO, fl);
  store<u64>(r + ROFF_LAST_HI, lh);
  store<u64>(r + ROFF_LAST_LO, ll);
  store<u32>(r + ROFF_FAMILY, <u32>fam);
  store<u32>(r + ROFF_FAMILY + 4, 0);
}

/**
 * Sorted, non-overlapping, non-adjacent ranges covering n prefix records (families kept apart,
 * IPv4 first). Records with family 0 are skipped. Writes at most n ranges to out; returns the count.
 */
export function setRanges(inp: usize, n: i32, scratch: usize, out: usize): i32 {
  const work = scratch;
  const tmp = work + <usize>n * REC_SIZE;
  const hist = tmp + <usize>n * REC_SIZE;
  maskInto(inp, n, work, false);
  const sorted = sortRecords(work, tmp, n, hist);
  let m = 0;
  let have = false;
  let cf: i32 = 0;
  let cfh: u64 = 0, cfl: u64 = 0, clh: u64 = 0, cll: u64 = 0;
  for (let i = 0; i < n; i++) {
    const r = sorted + <usize>i * REC_SIZE;
    const fam = <i32>load<u8>(r + OFF_FAMILY);
    if (fam == 0) continue;
    const l = len128(<i32>load<u8>(r + OFF_BITS), fam);
    const fh = load<u64>(r + OFF_HI), fl = load<u64>(r + OFF_LO);
    const lh = fh | ~maskHi(l), ll = fl | ~maskLo(l);
    if (have && fam == cf) {
      // Merge when fh:fl <= cl + 1 (overlapping or adjacent).
      const nl = cll + 1;
      const nh = clh + (nl == 0 ? 1 : 0);
      const maxed = clh == <u64>-1 && cll == <u64>-1;
      if (maxed || le128(fh, fl, nh, nl)) {
        if (lt128(clh, cll, lh, ll)) { clh = lh; cll = ll; }
        continue;
      }
    }
    if (have) { writeRange(out + <usize>m * RANGE_SIZE, cfh, cfl, clh, cll, cf); m++; }
    have = true; cf = fam; cfh = fh; cfl = fl; clh = lh; cll = ll;
  }
  if (have) { writeRange(out + <usize>m * RANGE_SIZE, cfh, cfl, clh, cll, cf); m++; }
  return m;
}

/** A computed prefix record (written with "/", no host bits, no payload). */
@inline function writePrefix(o: usize, hi: u64, lo: u64, bits: i32, fam: i32): void {
  store<u64>(o + OFF_HI, hi);
  store<u64>(o + OFF_LO, lo);
  store<u32>(o + OFF_VALUE, 0);
  store<u8>(o + OFF_BITS, <u8>bits);
  store<u8>(o + OFF_FAMILY, <u8>fam);
  store<u8>(o + OFF_FLAGS, <u8>FLAG_HAS_SLASH);
  store<u8>(o + OFF_STATUS, <u8>ST_OK);
  store<u32>(o + OFF_COL, 0);
  store<u32>(o + OFF_LINE, 0);
}

// Walking a range as its minimal prefix list, block by block: largestBlock gives log2 of the
// largest aligned block at `first` that does not pass `last`; stepBlock moves first past it and
// returns false when the range is done (or the address space wrapped).
export let stepHi: u64 = 0;
export let stepLo: u64 = 0;

@inline export function largestBlock(fh: u64, fl: u64, lh: u64, ll: u64, fam: i32): i32 {
  const dl = ll - fl;
  const dh = lh - fh - (ll < fl ? 1 : 0);
  let size = floorLog2Plus1(dh, dl);
  const tz = ctz128(fh, fl);
  if (tz < size) size = tz;
  if (fam == 4 && size > 32) size = 32;
  return size;
}

@inline export function stepBlock(fh: u64, fl: u64, lh: u64, ll: u64, size: i32): bool {
  if (size == 128) return false;
  let nh = fh, nl = fl;
  if (size >= 64) nh = fh + ((<u64>1) << <u64>(size - 64));
  else { nl = fl + ((<u64>1) << <u64>size); if (nl < fl) nh = fh + 1; }
  if ((nh == 0 && nl == 0) || lt128(lh, ll, nh, nl)) return false;
  stepHi = nh;
  stepLo = nl;
  return true;
}

/**
 * The minimal prefix list covering each range, in order. Writes at most cap records; returns the
 * count, or RET_OVERFLOW with the count needed at res + RES_A.
 */
export function rangesToPrefixes(ranges: usize, m: i32, out: usize, cap: i32, res: usize): i32 {
  let k = 0;
  for (let i = 0; i < m; i++) {
    const r = ranges + <usize>i * RANGE_SIZE;
    let fh = load<u64>(r + ROFF_FIRST_HI), fl = load<u64>(r + ROFF_FIRST_LO);
    const lh = load<u64>(r + ROFF_LAST_HI), ll = load<u64>(r + ROFF_LAST_LO);
    const fam = <i32>load<u32>(r + ROFF_FAMILY);
    const base = fam == 4 ? 96 : 0;
    while (true) {
      const size = largestBlock(fh, fl, lh, ll, fam);
      if (k < cap) {
        writePrefix(out + <usize>k * REC_SIZE, fh, fl, 128 - size - base, fam);
      }
      k++;
      if (!stepBlock(fh, fl, lh, ll, size)) break;
      fh = stepHi; fl = stepLo;
    }
  }
  if (k > cap) { store<i32>(res + RES_A, k); return RET_OVERFLOW; }
  return k;
}

// Composite (family, hi, lo) order for ranges.
@inline function keyLt(fa: i32, ah: u64, al: u64, fb: i32, bh: u64, bl: u64): bool {
  if (fa != fb) return fa < fb;
  return lt128(ah, al, bh, bl);
}

/** a − b for sorted, merged range lists; writes at most na + nb ranges; returns the count. */
export function excludeRanges(a: usize, na: i32, b: usize, nb: i32, out: usize): i32 {
  let m = 0;
  let j = 0;
  for (let i = 0; i < na; i++) {
    const ra = a + <usize>i * RANGE_SIZE;
    const fam = <i32>load<u32>(ra + ROFF_FAMILY);
    let sh = load<u64>(ra + ROFF_FIRST_HI), sl = load<u64>(ra + ROFF_FIRST_LO);
    const eh = load<u64>(ra + ROFF_LAST_HI), el = load<u64>(ra + ROFF_LAST_LO);
    while (j < nb) {
      const rb = b + <usize>j * RANGE_SIZE;
      if (!keyLt(<i32>load<u32>(rb + ROFF_FAMILY), load<u64>(rb + ROFF_LAST_HI), load<u64>(rb + ROFF_LAST_LO), fam, sh, sl)) break;
      j++;
    }
    let alive = true;
    for (let k = j; k < nb; k++) {
      const rb = b + <usize>k * RANGE_SIZE;
      const bf = <i32>load<u32>(rb + ROFF_FAMILY);
      const bfh = load<u64>(rb + ROFF_FIRST_HI), bfl = load<u64>(rb + ROFF_FIRST_LO);
      if (keyLt(fam, eh, el, bf, bfh, bfl)) break; // b starts after a ends
      const blh = load<u64>(rb + ROFF_LAST_HI), bll = load<u64>(rb + ROFF_LAST_LO);
      if (keyLt(fam, sh, sl, bf, bfh, bfl)) {
        // keep [s, b.first - 1]
        const pl = bfl - 1;
        const ph = bfh - (bfl == 0 ? 1 : 0);
        writeRange(out + <usize>m * RANGE_SIZE, sh, sl, ph, pl, fam); m++;
      }
      if (!keyLt(bf, blh, bll, fam, eh, el)) { alive = false; break; } // b covers the rest
      sl = bll + 1;
      sh = blh + (sl == 0 ? 1 : 0);
    }
    if (alive) { writeRange(out + <usize>m * RANGE_SIZE, sh, sl, eh, el, fam); m++; }
  }
  return m;
}

/** a ∩ b for sorted, merged range lists; returns the count (at most na + nb). */
export function intersectRanges(a: usize, na: i32, b: usize, nb: i32, out: usize): i32 {
  let m = 0, i = 0, j = 0;
  while (i < na && j < nb) {
    const ra = a + <usize>i * RANGE_SIZE;
    const rb = b + <usize>j * RANGE_SIZE;
    const fa = <i32>load<u32>(ra + ROFF_FAMILY), fb = <i32>load<u32>(rb + ROFF_FAMILY);
    if (fa != fb) { if (fa < fb) i++; else j++; continue; }
    const afh = load<u64>(ra + ROFF_FIRST_HI), afl = load<u64>(ra + ROFF_FIRST_LO);
    const alh = load<u64>(ra + ROFF_LAST_HI), all = load<u64>(ra + ROFF_LAST_LO);
    const bfh = load<u64>(rb + ROFF_FIRST_HI), bfl = load<u64>(rb + ROFF_FIRST_LO);
    const blh = load<u64>(rb + ROFF_LAST_HI), bll = load<u64>(rb + ROFF_LAST_LO);
    let sh = afh, sl = afl;
    if (lt128(afh, afl, bfh, bfl)) { sh = bfh; sl = bfl; }
    let eh = alh, el = all;
    if (lt128(blh, bll, alh, all)) { eh = blh; el = bll; }
    if (le128(sh, sl, eh, el)) { writeRange(out + <usize>m * RANGE_SIZE, sh, sl, eh, el, fa); m++; }
    if (lt128(alh, all, blh, bll)) i++; else j++;
  }
  return m;
}

/**
 * Every pair (i, j), i < j, of input records whose prefixes overlap, by sort + stack sweep
 * (prefixes are nested or disjoint, so the open prefixes form a chain). Writes at most cap pairs
 * as u32 (i, j) to out (the first cap in sweep order); returns the count, or RET_OVERFLOW with
 * the count needed at res + RES_A (clamped to i32) and as f64 at res + RES_TOTAL. Past cap, pairs
 * are only counted, one addition per record, so counting 10^9 pairs costs no more than the sort.
 */
export function overlappingPairs(inp: usize, n: i32, scratch: usize, out: usize, cap: i32, res: usize): i32 {
  const work = scratch;
  const tmp = work + <usize>n * REC_SIZE;
  const hist = tmp + <usize>n * REC_SIZE;
  const stack = hist + SORT_HIST_BYTES; // n pointers
  maskInto(inp, n, work, true);
  const sorted = sortRecords(work, tmp, n, hist);
  let sp = 0;
  let k: i64 = 0;
  for (let i = 0; i < n; i++) {
    const r = sorted + <usize>i * REC_SIZE;
    const fam = <i32>load<u8>(r + OFF_FAMILY);
    if (fam == 0) continue;
    const rh = load<u64>(r + OFF_HI), rl = load<u64>(r + OFF_LO);
    while (sp > 0) {
      const t = <usize>load<u32>(stack + <usize>(sp - 1) * 4);
      const tl = len128(<i32>load<u8>(t + OFF_BITS), <i32>load<u8>(t + OFF_FAMILY));
      if (<i32>load<u8>(t + OFF_FAMILY) == fam &&
          (rh & maskHi(tl)) == load<u64>(t + OFF_HI) && (rl & maskLo(tl)) == load<u64>(t + OFF_LO)) break;
      sp--;
    }
    const vi = load<u32>(r + OFF_VALUE);
    if (k >= <i64>cap) k += <i64>sp;
    else {
      for (let s = 0; s < sp; s++) {
        const t = <usize>load<u32>(stack + <usize>s * 4);
        const vt = load<u32>(t + OFF_VALUE);
        if (k < <i64>cap) {
          const o = out + <usize>k * 8;
          store<u32>(o, vt < vi ? vt : vi);
          store<u32>(o + 4, vt < vi ? vi : vt);
        }
        k++;
      }
    }
    store<u32>(stack + <usize>sp * 4, <u32>r);
    sp++;
  }
  if (k > <i64>cap) {
    store<i32>(res + RES_A, k > <i64>i32.MAX_VALUE ? i32.MAX_VALUE : <i32>k);
    store<f64>(res + RES_TOTAL, <f64>k);
    return RET_OVERFLOW;
  }
  return <i32>k;
}

/**
 * Best-fit allocation of `count` prefixes of length `bits` (family `fam`) inside the space
 * prefixes, avoiding the used prefixes: each time the smallest free aligned block that can hold
 * one, lowest address first. Returns how many were allocated (fewer when the space runs out).
 * scratch must hold scratchBytes(ns + nu) plus (ns + nu + count + 2) * RANGE_SIZE * 3 bytes.
 */
export function allocate(space: usize, ns: i32, used: usize, nu: i32, fam: i32, bits: i32, count: i32, scratch: usize, out: usize): i32 {
  const sr = scratch;
  const ur = sr + <usize>(ns + 1) * RANGE_SIZE;
  const fr = ur + <usize>(nu + 1) * RANGE_SIZE;
  const tmp = fr + <usize>(ns + nu + count + 2) * RANGE_SIZE;
  const nS = setRanges(space, ns, tmp, sr);
  const nU = setRanges(used, nu, tmp, ur);
  let nf = excludeRanges(sr, nS, ur, nU, fr);
  const need = 128 - len128(bits, fam); // log2 of the block size wanted
  let got = 0;
  while (got < count) {
    let bestI = -1, bestSize = 129;
    let bh: u64 = 0, bl: u64 = 0;
    for (let i = 0; i < nf; i++) {
      const r = fr + <usize>i * RANGE_SIZE;
      if (<i32>load<u32>(r + ROFF_FAMILY) != fam) continue;
      let fh = load<u64>(r + ROFF_FIRST_HI), fl = load<u64>(r + ROFF_FIRST_LO);
      const lh = load<u64>(r + ROFF_LAST_HI), ll = load<u64>(r + ROFF_LAST_LO);
      while (true) {
        const size = largestBlock(fh, fl, lh, ll, fam);
        if (size >= need && size < bestSize) { bestSize = size; bestI = i; bh = fh; bl = fl; }
        if (!stepBlock(fh, fl, lh, ll, size)) break;
        fh = stepHi; fl = stepLo;
      }
      if (bestSize == need) break; // cannot do better than an exact fit; keep the lowest
    }
    if (bestI < 0) break;
    // Allocated block [bh:bl, bh:bl + 2^need - 1].
    let eh = bh, el = bl;
    if (need >= 64) eh = bh | ~maskHi(128 - need); else el = bl | ~maskLo(128 - need);
    if (need >= 64) el = <u64>-1;
    writePrefix(out + <usize>got * REC_SIZE, bh, bl, bits, fam);
    got++;
    // Split the free range around the block.
    const r = fr + <usize>bestI * RANGE_SIZE;
    const rfh = load<u64>(r + ROFF_FIRST_HI), rfl = load<u64>(r + ROFF_FIRST_LO);
    const rlh = load<u64>(r + ROFF_LAST_HI), rll = load<u64>(r + ROFF_LAST_LO);
    const hasLeft = lt128(rfh, rfl, bh, bl);
    const hasRight = lt128(eh, el, rlh, rll);
    const pieces = (hasLeft ? 1 : 0) + (hasRight ? 1 : 0);
    const tail = <usize>(nf - bestI - 1) * RANGE_SIZE;
    memory.copy(r + <usize>pieces * RANGE_SIZE, r + RANGE_SIZE, tail);
    let w = r;
    if (hasLeft) {
      const pl = bl - 1, ph = bh - (bl == 0 ? 1 : 0);
      writeRange(w, rfh, rfl, ph, pl, fam); w += RANGE_SIZE;
    }
    if (hasRight) {
      const nl = el + 1, nh = eh + (nl == 0 ? 1 : 0);
      writeRange(w, nh, nl, rlh, rll, fam);
    }
    nf += pieces - 1;
  }
  return got;
}
