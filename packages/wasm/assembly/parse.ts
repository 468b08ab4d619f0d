// Bulk text parsing: newline-separated addresses or prefixes, one 32-byte record per line.
// A bad line gets a status and the byte column where parsing stopped; it never aborts the batch.
import {
  REC_SIZE, OFF_HI, OFF_LO, OFF_BITS, OFF_FAMILY, OFF_FLAGS, OFF_STATUS, OFF_COL, OFF_LINE, OFF_VALUE,
  FLAG_HAS_SLASH, FLAG_HOST_BITS, MODE_PREFIX, MODE_ADDR,
  ST_OK, ST_EMPTY, ST_BAD_CHAR, ST_V4_FIELD_RANGE, ST_V4_LEADING_ZERO, ST_V4_FIELD_COUNT, ST_V4_EMPTY_FIELD,
  ST_V6_GROUP_TOO_LONG, ST_V6_DOUBLE_COLON, ST_V6_GROUP_COUNT, ST_V6_EMPTY_GROUP, ST_V6_BAD_V4, ST_ZONE,
  ST_PREFIX_MISSING, ST_PREFIX_UNEXPECTED, ST_PREFIX_BAD, ST_PREFIX_RANGE, ST_TRAILING,
} from "./abi/cidr";
import { maskHi, maskLo } from "./u128";
import { RES_A } from "./abi/core";

const V4_MAPPED: u64 = 0x0000ffff00000000;

// Results of the inner parsers travel in globals (no allocation): value, status, stop position.
let gV4: u32 = 0;
let gHi: u64 = 0;
let gLo: u64 = 0;
let gErr: i32 = 0;
let gAt: usize = 0;

// 8 IPv6 groups of scratch.
const groups = memory.data(16);

@inline function isDigit(c: u32): bool { return c - 0x30 < 10; }

@inline function hexVal(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l - 0x61 < 6) return <i32>(l - 0x61 + 10);
  return -1;
}

@inline function fail(code: i32, at: usize): bool { gErr = code; gAt = at; return false; }

/** Dotted quad exactly filling [p, e). */
function parseV4(p: usize, e: usize): bool {
  let addr: u32 = 0;
  for (let field = 0; field < 4; field++) {
    if (p >= e) return fail(field == 0 ? ST_BAD_CHAR : ST_V4_FIELD_COUNT, p);
    const start = p;
    let c = <u32>load<u8>(p);
    if (!isDigit(c)) return fail(c == 0x2e ? ST_V4_EMPTY_FIELD : ST_BAD_CHAR, p);
    let v: u32 = 0;
    do {
      if (p - start == 3) return fail(ST_V4_FIELD_RANGE, start);
      v = v * 10 + (c - 0x30);
      p++;
      if (p >= e) break;
      c = <u32>load<u8>(p);
    } while (isDigit(c));
    if (p - start > 1 && load<u8>(start) == 0x30) return fail(ST_V4_LEADING_ZERO, start);
    if (v > 255) return fail(ST_V4_FIELD_RANGE, start);
    addr = (addr << 8) | v;
    if (field < 3) {
      if (p >= e) return fail(ST_V4_FIELD_COUNT, p);
      if (load<u8>(p) != 0x2e) return fail(ST_BAD_CHAR, p);
      p++;
    }
  }
  if (p < e) return fail(load<u8>(p) == 0x2e ? ST_V4_FIELD_COUNT : ST_BAD_CHAR, p);
  gV4 = addr;
  return true;
}

/** RFC 4291 text forms exactly filling [p, e), with "::" and an embedded IPv4 tail. */
function parseV6(p: usize, e: usize): bool {
  let n = 0; // groups written
  let ellipsis = -1;
  if (p + 1 < e && load<u8>(p) == 0x3a && load<u8>(p + 1) == 0x3a) {
    ellipsis = 0;
    p += 2;
  } else if (p < e && load<u8>(p) == 0x3a) {
    return fail(ST_V6_EMPTY_GROUP, p);
  }
  while (p < e) {
    if (n == 8) return fail(ST_V6_GROUP_COUNT, p);
    const start = p;
    let v: i32 = 0;
    while (p < e) {
      const h = hexVal(<u32>load<u8>(p));
      if (h < 0) break;
      if (p - start == 4) return fail(ST_V6_GROUP_TOO_LONG, start);
      v = (v << 4) | h;
      p++;
    }
    if (p < e && load<u8>(p) == 0x2e) {
      // Embedded IPv4: must be the last 32 bits.
      if (n > 6 || (ellipsis < 0 && n != 6)) return fail(ST_V6_BAD_V4, start);
      if (!parseV4(start, e)) return false;
      store<u16>(groups + (n << 1), <u16>(gV4 >>> 16));
      store<u16>(groups + ((n + 1) << 1), <u16>(gV4 & 0xffff));
      n += 2;
      p = e;
      break;
    }
    if (p == start) return fail(p < e && load<u8>(p) == 0x3a ? ST_V6_EMPTY_GROUP : ST_BAD_CHAR, p);
    store<u16>(groups + (n << 1), <u16>v);
    n++;
    if (p == e) break;
    if (load<u8>(p) != 0x3a) return fail(ST_BAD_CHAR, p);
    p++;
    if (p < e && load<u8>(p) == 0x3a) {
      if (ellipsis >= 0) return fail(ST_V6_DOUBLE_COLON, p - 1);
      ellipsis = n;
      p++;
    } else if (p == e) {
      return fail(ST_V6_EMPTY_GROUP, p - 1);
    }
  }
  if (ellipsis < 0) {
    if (n != 8) return fail(ST_V6_GROUP_COUNT, e);
  } else {
    if (n > 7) return fail(ST_V6_GROUP_COUNT, e);
    // Move the groups after "::" to the end and zero the gap.
    const tail = n - ellipsis;
    for (let i = 0; i < tail; i++) {
      store<u16>(groups + ((7 - i) << 1), load<u16>(groups + ((n - 1 - i) << 1)));
    }
    for (let i = ellipsis; i < 8 - tail; i++) store<u16>(groups + (i << 1), 0);
  }
  let hi: u64 = 0, lo: u64 = 0;
  for (let i = 0; i < 4; i++) hi = (hi << 16) | <u64>load<u16>(groups + (i << 1));
  for (let i = 4; i < 8; i++) lo = (lo << 16) | <u64>load<u16>(groups + (i << 1));
  gHi = hi;
  gLo = lo;
  return true;
}

@inline function isSpace(c: u32): bool { return c == 0x20 || c == 0x09 || c == 0x0d; }

/** Parses one line [s, e) into the record at rec. lineStart is the column origin. */
function parseLine(s: usize, e: usize, rec: usize, mode: i32): void {
  const lineStart = s;
  // Trim blanks; "#" starts a comment at line start or after a blank.
  while (s < e && isSpace(<u32>load<u8>(s))) s++;
  let end = s;
  let q = s;
  while (q < e) {
    const c = <u32>load<u8>(q);
    if (c == 0x23 && (q == s || isSpace(<u32>load<u8>(q - 1)))) break;
    if (!isSpace(c)) end = q + 1;
    q++;
  }
  store<u32>(rec + OFF_VALUE, 0);
  store<u64>(rec + OFF_HI, 0);
  store<u64>(rec + OFF_LO, 0);
  store<u8>(rec + OFF_BITS, 0);
  store<u8>(rec + OFF_FAMILY, 0);
  store<u8>(rec + OFF_FLAGS, 0);
  store<u32>(rec + OFF_COL, <u32>(s - lineStart));
  if (s == end) { store<u8>(rec + OFF_STATUS, <u8>ST_EMPTY); return; }

  // Split at "/" (and refuse "%zone"); decide the family by the first ":".
  let slash: usize = end;
  let colon = false;
  for (let p = s; p < end; p++) {
    const c = <u32>load<u8>(p);
    if (c == 0x2f) { slash = p; break; }
    if (c == 0x3a) colon = true;
    else if (c == 0x25) { setErr(rec, lineStart, ST_ZONE, p); return; }
  }
  let family = 0;
  let hi: u64 = 0, lo: u64 = 0;
  let maxBits = 0;
  if (colon) {
    if (!parseV6(s, slash)) { setErr(rec, lineStart, gErr, gAt); return; }
    family = 6; hi = gHi; lo = gLo; maxBits = 128;
  } else {
    if (!parseV4(s, slash)) { setErr(rec, lineStart, gErr, gAt); return; }
    family = 4; lo = V4_MAPPED | <u64>gV4; maxBits = 32;
  }
  let bits = maxBits;
  let flags = 0;
  if (slash < end) {
    if (mode == MODE_ADDR) { setErr(rec, lineStart, ST_PREFIX_UNEXPECTED, slash); return; }
    let p = slash + 1;
    const ds = p;
    let v = 0;
    while (p < end && isDigit(<u32>load<u8>(p))) {
      if (p - ds == 3) { setErr(rec, lineStart, ST_PREFIX_RANGE, ds); return; }
      v = v * 10 + <i32>(load<u8>(p) - 0x30);
      p++;
    }
    if (p == ds) { setErr(rec, lineStart, ST_PREFIX_BAD, ds); return; }
    if (p - ds > 1 && load<u8>(ds) == 0x30) { setErr(rec, lineStart, ST_PREFIX_BAD, ds); return; }
    if (p < end) { setErr(rec, lineStart, ST_TRAILING, p); return; }
    if (v > maxBits) { setErr(rec, lineStart, ST_PREFIX_RANGE, ds); return; }
    bits = v;
    flags |= FLAG_HAS_SLASH;
  } else if (mode == MODE_PREFIX) {
    setErr(rec, lineStart, ST_PREFIX_MISSING, end); return;
  }
  const l = family == 4 ? bits + 96 : bits;
  if ((hi & ~maskHi(l)) != 0 || (lo & ~maskLo(l)) != 0) flags |= FLAG_HOST_BITS;
  store<u64>(rec + OFF_HI, hi);
  store<u64>(rec + OFF_LO, lo);
  store<u8>(rec + OFF_BITS, <u8>bits);
  store<u8>(rec + OFF_FAMILY, <u8>family);
  store<u8>(rec + OFF_FLAGS, <u8>flags);
  store<u8>(rec + OFF_STATUS, <u8>ST_OK);
}

@inline function setErr(rec: usize, lineStart: usize, code: i32, at: usize): void {
  store<u8>(rec + OFF_STATUS, <u8>code);
  store<u32>(rec + OFF_COL, <u32>(at - lineStart));
}

let gBits: u32 = 0;
let gFlags: i32 = 0;

/** Value of the 1-3 decimal digits ending before `end`, without branches. */
@inline function field(p: usize, end: u32, len: u32): u32 {
  const b0 = <u32>load<u8>(p + <usize>end - 1) - 0x30;
  const b1 = select<u32>(<u32>load<u8>(p + <usize>end - 2) - 0x30, 0, len >= 2);
  const b2 = select<u32>(<u32>load<u8>(p + <usize>end - 3) - 0x30, 0, len >= 3);
  return b0 + b1 * 10 + b2 * 100;
}

/**
 * "a.b.c.d" or "a.b.c.d/n" followed by "\n", at most 31 bytes: returns the bytes used (with the
 * newline) and sets gV4, gBits, gFlags; returns 0 when the line needs the full parser (anything
 * unusual, including every error). Needs 32 readable bytes at p (the caller pads the text).
 */
function fastV4(p: usize, mode: i32): i32 {
  const v0 = v128.load(p);
  const v1 = v128.load(p, 16);
  const zero = i8x16.splat(0x30);
  const ten = i8x16.splat(10);
  const nl = (<u32>i8x16.bitmask(i8x16.eq(v0, i8x16.splat(0x0a)))) | ((<u32>i8x16.bitmask(i8x16.eq(v1, i8x16.splat(0x0a)))) << 16);
  if (nl == 0) return 0;
  const e = ctz(nl); // line length
  const line = e == 32 ? <u32>-1 : (<u32>1 << e) - 1;
  const dots = ((<u32>i8x16.bitmask(i8x16.eq(v0, i8x16.splat(0x2e)))) | ((<u32>i8x16.bitmask(i8x16.eq(v1, i8x16.splat(0x2e)))) << 16)) & line;
  const slash = ((<u32>i8x16.bitmask(i8x16.eq(v0, i8x16.splat(0x2f)))) | ((<u32>i8x16.bitmask(i8x16.eq(v1, i8x16.splat(0x2f)))) << 16)) & line;
  const digits = ((<u32>i8x16.bitmask(i8x16.lt_u(i8x16.sub(v0, zero), ten))) | ((<u32>i8x16.bitmask(i8x16.lt_u(i8x16.sub(v1, zero), ten))) << 16)) & line;
  let ok = (digits | dots | slash) == line && popcnt(dots) == 3 && popcnt(slash) <= 1;
  const d1 = ctz(dots);
  const r1 = dots & (dots - 1);
  const d2 = ctz(r1);
  const d3 = ctz(r1 & (r1 - 1));
  const sl = slash != 0 ? ctz(slash) : e;
  const l1 = d1, l2 = d2 - d1 - 1, l3 = d3 - d2 - 1, l4 = sl - d3 - 1;
  ok = ok && sl > d3 && l1 - 1 < 3 && l2 - 1 < 3 && l3 - 1 < 3 && l4 - 1 < 3;
  if (!ok) return 0;
  // Leading zeros go to the full parser (it names the error).
  const lead = (l1 > 1 && load<u8>(p) == 0x30) || (l2 > 1 && load<u8>(p + d1 + 1) == 0x30) ||
               (l3 > 1 && load<u8>(p + d2 + 1) == 0x30) || (l4 > 1 && load<u8>(p + d3 + 1) == 0x30);
  const a = field(p, d1, l1), b = field(p, d2, l2), c = field(p, d3, l3), d = field(p, sl, l4);
  if (lead || (a | b | c | d) > 255) return 0;
  let bits: u32 = 32;
  let flags = 0;
  if (slash != 0) {
    const lb = e - sl - 1;
    if (lb - 1 >= 2 || mode == MODE_ADDR) return 0;
    if (lb == 2 && load<u8>(p + sl + 1) == 0x30) return 0;
    bits = field(p, e, lb);
    if (bits > 32) return 0;
    flags = FLAG_HAS_SLASH;
  } else if (mode == MODE_PREFIX) {
    return 0;
  }
  gV4 = (a << 24) | (b << 16) | (c << 8) | d;
  gBits = bits;
  gFlags = flags;
  return <i32>e + 1;
}

/** Number of lines in [ptr, ptr+len): a final line without "\n" counts, a final "\n" adds none. */
export function countLines(ptr: usize, len: usize): i32 {
  let n = 0;
  const end = ptr + len;
  let p = ptr;
  // 16 bytes at a time: compare with "\n", count the mask bits.
  const nl = i8x16.splat(0x0a);
  while (p + 16 <= end) {
    n += popcnt<i32>(i8x16.bitmask(i8x16.eq(v128.load(p), nl)));
    p += 16;
  }
  for (; p < end; p++) if (load<u8>(p) == 0x0a) n++;
  if (len > 0 && load<u8>(end - 1) != 0x0a) n++;
  return n;
}

/**
 * Parses every line; writes one record per line at out (capacity cap records). Returns lines
 * written; the count of blank, comment and failed lines goes to res + RES_A. The byte at ptr + len must hold "\n" (a sentinel that ends every scan), and the 32
 * bytes after it must be readable (the SIMD fast path loads past the end of short lines).
 * Plain IPv4 lines ("a.b.c.d" or "a.b.c.d/n" and a newline) take a one-pass fast path; anything
 * else (IPv6, blanks, comments, CRLF, errors) goes through the full parser.
 */
export function parseLines(ptr: usize, len: usize, out: usize, cap: i32, mode: i32, firstLine: i32, res: usize): i32 {
  const end = ptr + len;
  let s = ptr;
  let n = 0;
  let bad = 0;
  while (s < end && n < cap) {
    const rec = out + <usize>n * REC_SIZE;
    // Fast path: a plain IPv4 line, parsed branch-free from two 16-byte SIMD loads.
    const used = fastV4(s, mode);
    if (used > 0) {
      const bits = gBits;
      const addr = gV4;
      let flags = gFlags;
      const m: u32 = bits == 0 ? 0 : (<u32>-1) << (32 - bits);
      if ((addr & ~m) != 0) flags |= FLAG_HOST_BITS;
      store<u64>(rec + OFF_HI, 0);
      store<u64>(rec + OFF_LO, V4_MAPPED | <u64>addr);
      store<u32>(rec + OFF_VALUE, 0);
      store<u8>(rec + OFF_BITS, <u8>bits);
      store<u8>(rec + OFF_FAMILY, 4);
      store<u8>(rec + OFF_FLAGS, <u8>flags);
      store<u8>(rec + OFF_STATUS, <u8>ST_OK);
      store<u32>(rec + OFF_COL, 0);
      store<u32>(rec + OFF_LINE, <u32>(firstLine + n));
      n++;
      s += used;
      continue;
    }
    // Full parser for this line.
    let e = s;
    while (e < end && load<u8>(e) != 0x0a) e++;
    parseLine(s, e, rec, mode);
    if (load<u8>(rec + OFF_STATUS) != <u8>ST_OK) bad++;
    store<u32>(rec + OFF_LINE, <u32>(firstLine + n));
    n++;
    s = e + 1;
  }
  store<i32>(res + RES_A, bad);
  return n;
}

/** Copies the records with a value (family != 0) from inp to out; returns how many. */
export function compactValid(inp: usize, n: i32, out: usize): i32 {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const r = inp + <usize>i * REC_SIZE;
    if (load<u8>(r + OFF_FAMILY) == 0) continue;
    memory.copy(out + <usize>m * REC_SIZE, r, REC_SIZE);
    m++;
  }
  return m;
}

/** Index of the first record at or after from whose status is an error (not OK, not empty), or -1. */
export function nextError(recs: usize, from: i32, n: i32): i32 {
  for (let i = from; i < n; i++) {
    if (load<u8>(recs + <usize>i * REC_SIZE + OFF_STATUS) > <u8>ST_EMPTY) return i;
  }
  return -1;
}
