// Flow CSV lines scanned from bytes into columns: the common shape only (ASCII, dotted-quad IPv4,
// ports of 1-5 digits). It stops at any other line and JS gives that line to the readable reader
// (packages/engine/src/netfilter/flows.ts), then resumes here, so flows and errors are the same as
// parseFlows'. Protocol and interface cells are interned here, in a dictionary of their bytes
// (one per kind: protocols; interface names), and the columns hold their 16-bit ids.
// The readable twin of the whole scanner is parseFlows; a property test compares them.
//
// Each line is first read in one pass as the plain shape (cells without blanks or quotes, a
// "\n" or "\r\n" end); a line that is anything else is read again by the general line reader
// below (blanks trimmed, comments, ...), which leaves to JS what it does not take.
//
// Parameter block (NF_SCAN_* offsets, u32 each): bytes, end; pos and line (in/out: the next line
// to read and its number); codes (u8 per column: NF_COL_*) and their count; rows (in/out) and the
// capacity; the columns src, dst (u32), sport, dport (i32, -1 = none), proto, in and out interface
// (u16 ids, NF_SCAN_NONE = none); the cell dictionary (see abi/netfilter.ts).
import {
  NF_SCAN_BYTES, NF_SCAN_END, NF_SCAN_POS, NF_SCAN_LINE, NF_SCAN_CODES, NF_SCAN_NCODES, NF_SCAN_ROWS, NF_SCAN_CAP,
  NF_SCAN_SRC, NF_SCAN_DST, NF_SCAN_SPORT, NF_SCAN_DPORT, NF_SCAN_PROTO, NF_SCAN_IN, NF_SCAN_OUT, NF_SCAN_NONE,
  NF_SCAN_DICT, NF_SCAN_NDICT, NF_SCAN_HASH, NF_SCAN_HASH_MASK, NF_SCAN_NPROTO, NF_SCAN_NIFACE, NF_SCAN_ENTRY_SIZE,
  NF_SCAN_MAX_IDS, NF_SCAN_KIND_PROTO, NF_SCAN_KIND_IFACE,
  NF_SCAN_DONE, NF_SCAN_SLOW, NF_SCAN_FULL, NF_SCAN_TOO_MANY,
  NF_COL_SRC, NF_COL_DST, NF_COL_PROTO, NF_COL_SPORT, NF_COL_DPORT, NF_COL_IN, NF_COL_OUT,
} from "./abi/netfilter";

@inline function isWs(c: u32): bool {
  return c == 32 || (c >= 9 && c <= 13);
}

/** Dotted-quad IPv4 in [a, b), no leading zeros; -1 when it is not one (also the kube-proxy program builder's reader). */
export function v4At(a: usize, b: usize): i64 {
  let n: u32 = 0, part: u32 = 0, digits: u32 = 0, dots: u32 = 0;
  for (let i = a; i < b; i++) {
    const c = <u32>load<u8>(i);
    if (c == 46) {
      if (digits == 0 || ++dots > 3) return -1;
      n = (n << 8) | part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part == 0) return -1;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots != 3 || digits == 0) return -1;
  return <i64>((n << 8) | part);
}

/** 1-5 digits, at most 65535; -1 otherwise. */
function portAt(a: usize, b: usize): i32 {
  if (b - a < 1 || b - a > 5) return -1;
  let v: i32 = 0;
  for (let i = a; i < b; i++) {
    const c = <i32>load<u8>(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v > 65535 ? -1 : v;
}

// --- the cell dictionary -------------------------------------------------------------------------

let gBase: usize = 0;
let gDict: usize = 0;
let gHash: usize = 0;
let gMask: u32 = 0;
let gN: u32 = 0;
let gNProto: u32 = 0;
let gNIface: u32 = 0;
/** The last entry found per kind (a column holds few distinct values: tcp, udp; a few interfaces). */
let gLastProto: u32 = 0xffffffff;
let gLastIface: u32 = 0xffffffff;

@inline function sameBytes(a: usize, b: usize, n: usize): bool {
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  for (; i < n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

@inline function entryMatches(e: u32, kind: u32, a: usize, n: usize): bool {
  const p = gDict + <usize>e * NF_SCAN_ENTRY_SIZE;
  return load<u32>(p, 8) == kind && <usize>load<u32>(p, 4) == n && sameBytes(gBase + <usize>load<u32>(p), a, n);
}

/** The id of the cell [a, a + n) of a kind, added when new; NF_SCAN_MAX_IDS when the kind is full. */
@inline function intern(kind: u32, a: usize, n: usize): u32 {
  const last = kind == NF_SCAN_KIND_PROTO ? gLastProto : gLastIface;
  if (last != 0xffffffff && entryMatches(last, kind, a, n)) return load<u32>(gDict + <usize>last * NF_SCAN_ENTRY_SIZE, 12);
  return internSlow(kind, a, n);
}

/** intern past the last-entry check: the hash table. */
function internSlow(kind: u32, a: usize, n: usize): u32 {
  // FNV-1a of the kind and the bytes.
  let h: u32 = 2166136261 ^ kind;
  for (let i: usize = 0; i < n; i++) h = (h ^ <u32>load<u8>(a + i)) * 16777619;
  let slot = h & gMask;
  for (;;) {
    const v = load<u32>(gHash + (<usize>slot << 2));
    if (v == 0) break;
    if (entryMatches(v - 1, kind, a, n)) {
      if (kind == NF_SCAN_KIND_PROTO) gLastProto = v - 1; else gLastIface = v - 1;
      return load<u32>(gDict + <usize>(v - 1) * NF_SCAN_ENTRY_SIZE, 12);
    }
    slot = (slot + 1) & gMask;
  }
  const id = kind == NF_SCAN_KIND_PROTO ? gNProto : gNIface;
  if (id >= NF_SCAN_MAX_IDS) return NF_SCAN_MAX_IDS;
  if (kind == NF_SCAN_KIND_PROTO) gNProto++; else gNIface++;
  const e = gN++;
  const p = gDict + <usize>e * NF_SCAN_ENTRY_SIZE;
  store<u32>(p, <u32>(a - gBase));
  store<u32>(p, <u32>n, 4);
  store<u32>(p, kind, 8);
  store<u32>(p, id, 12);
  store<u32>(gHash + (<usize>slot << 2), e + 1);
  if (kind == NF_SCAN_KIND_PROTO) gLastProto = e; else gLastIface = e;
  return id;
}

// --- lines ---------------------------------------------------------------------------------------

let gSrc: usize = 0, gDst: usize = 0, gSport: usize = 0, gDport: usize = 0, gProto: usize = 0, gIn: usize = 0, gOut: usize = 0;
let gCodes: usize = 0;
let gNCodes: u32 = 0;

/** Row r as "no fields yet". */
@inline function clearRow(r: u32): void {
  const q = <usize>r << 2, h = <usize>r << 1;
  store<u32>(gSrc + q, 0);
  store<u32>(gDst + q, 0);
  store<i32>(gSport + q, -1);
  store<i32>(gDport + q, -1);
  store<u16>(gProto + h, <u16>NF_SCAN_NONE);
  store<u16>(gIn + h, <u16>NF_SCAN_NONE);
  store<u16>(gOut + h, <u16>NF_SCAN_NONE);
}

// Results of a line reader: the line was taken (a row or nothing), is for JS, or one kind is full.
const LINE_ROW: i32 = 0, LINE_SKIP: i32 = 1, LINE_JS: i32 = 2, LINE_FULL: i32 = 3;
// The plain reader's result when the general one should read the line instead.
const LINE_GENERAL: i32 = 4;
let gNext: usize = 0;

/** A cell's value into row r (the cell is trimmed and not empty). */
@inline function setCell(code: i32, r: u32, a: usize, z: usize): i32 {
  if (code == NF_COL_SRC || code == NF_COL_DST) {
    const v = v4At(a, z);
    if (v < 0) return LINE_JS;
    store<u32>((code == NF_COL_SRC ? gSrc : gDst) + (<usize>r << 2), <u32>v);
  } else if (code == NF_COL_SPORT || code == NF_COL_DPORT) {
    const v = portAt(a, z);
    if (v < 0) return LINE_JS;
    store<i32>((code == NF_COL_SPORT ? gSport : gDport) + (<usize>r << 2), v);
  } else if (code == NF_COL_PROTO || code == NF_COL_IN || code == NF_COL_OUT) {
    const id = intern(code == NF_COL_PROTO ? NF_SCAN_KIND_PROTO : NF_SCAN_KIND_IFACE, a, z - a);
    if (id >= NF_SCAN_MAX_IDS) return LINE_FULL;
    store<u16>((code == NF_COL_PROTO ? gProto : code == NF_COL_IN ? gIn : gOut) + (<usize>r << 1), <u16>id);
  }
  return LINE_ROW;
}

// --- cells 16 bytes at a time ---------------------------------------------------------------------
// When 16 bytes from a cell's start lie before the end, a cell is read from one 16-byte load:
// masks of its digits, dots and ends give the cell's length and the octets' bounds, so the bytes
// are not visited one by one. Same answers as the byte loops below them (a dotted quad or a port
// is never 16 bytes long, so a cell that fills the load is not plain, as the loops find too).

/** One bit per byte of v that is an ASCII digit. */
@inline function digitBits(v: v128): u32 {
  return <u32>i8x16.bitmask(i8x16.lt_u(i8x16.sub(v, i8x16.splat(48)), i8x16.splat(10)));
}

/**
 * The octet of len (1-3) digits at p (4 bytes readable); -1 for a leading zero or a value over
 * 255. Without branches: octet lengths vary from address to address, and mispredicted branches
 * were most of the scan's time.
 */
@inline function octetAt(p: usize, len: u32): i32 {
  const w = load<u32>(p);
  const d0 = <i32>(w & 255) - 48, d1 = <i32>((w >>> 8) & 255) - 48, d2 = <i32>((w >>> 16) & 255) - 48;
  const v2 = d0 * 10 + d1;
  const v = select<i32>(d0, select<i32>(v2, v2 * 10 + d2, len == 2), len == 1);
  const bad = (<i32>(len > 1) & <i32>(d0 == 0)) | <i32>(v > 255);
  return select<i32>(-1, v, bad != 0);
}

/** The number of len (1-8) ASCII digits at p (8 bytes readable), eight digits at a time (SWAR). */
@inline function digitsValue(p: usize, len: u32): u32 {
  // The digits' values in the top len bytes, zeros below: the first digit is the lowest byte read.
  let x = (load<u64>(p) - 0x3030303030303030) << (<u64>(8 - len) << 3);
  x = ((x & 0x0f0f0f0f0f0f0f0f) * 2561) >> 8;
  x = ((x & 0x00ff00ff00ff00ff) * 6553601) >> 16;
  return <u32>(((x & 0x0000ffff0000ffff) * 42949672960001) >> 32);
}

/** Set by v4Cell16: the address read. */
let gV4: u32 = 0;

/**
 * The address cell at c (16 bytes readable): its length (its run of digits and dots; 0 for an
 * empty cell) with the address in gV4, or -1 where it is not a dotted quad without leading zeros.
 */
@inline function v4Cell16(c: usize): i32 {
  const v = v128.load(c);
  const digits = digitBits(v), dots = <u32>i8x16.bitmask(i8x16.eq(v, i8x16.splat(46)));
  const len = ctz(~(digits | dots));
  if (len == 0) return 0;
  const d = dots & ((1 << len) - 1);
  if (len > 15 || popcnt(d) != 3) return -1;
  const d1 = ctz(d), r = d & (d - 1), d2 = ctz(r), d3 = ctz(r & (r - 1));
  const l0 = d1, l1 = d2 - d1 - 1, l2 = d3 - d2 - 1, l3 = len - d3 - 1;
  if (l0 - 1 > 2 || l1 - 1 > 2 || l2 - 1 > 2 || l3 - 1 > 2) return -1;
  const o0 = octetAt(c, l0), o1 = octetAt(c + d1 + 1, l1), o2 = octetAt(c + d2 + 1, l2), o3 = octetAt(c + d3 + 1, l3);
  if ((o0 | o1 | o2 | o3) < 0) return -1;
  gV4 = (<u32>o0 << 24) | (<u32>o1 << 16) | (<u32>o2 << 8) | <u32>o3;
  return <i32>len;
}

/** The length of the run of digits at c (16 bytes readable; 16 when the load is all digits). */
@inline function digitRun16(c: usize): u32 {
  return ctz(~digitBits(v128.load(c)));
}

/** The length of a plain other cell at c (16 bytes readable): up to ",", "\n" or "\r"; -1 for a byte the plain shape refuses; 16 when the load holds no end. */
@inline function otherCell16(c: usize): i32 {
  const v = v128.load(c);
  const ends = <u32>i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, i8x16.splat(44)), i8x16.eq(v, i8x16.splat(10))), i8x16.eq(v, i8x16.splat(13))));
  // Blanks, quotes, controls, DEL, non-ASCII.
  const bad = <u32>i8x16.bitmask(v128.or(v128.or(i8x16.le_u(v, i8x16.splat(32)), i8x16.eq(v, i8x16.splat(34))), i8x16.ge_u(v, i8x16.splat(127))));
  const len = ctz(ends | 0x10000);
  return bad & ((1 << len) - 1) ? -1 : <i32>len;
}

/** A byte that ends a plain cell: ",", "\n" or "\r" (the caller tells which). */
@inline function endsCell(b: u32): bool {
  return b == 44 || b == 10 || b == 13;
}

/**
 * The plain shape in one pass: cells of printable ASCII without blanks or quotes, separated by
 * ",", the line ended by "\n", "\r\n" or the end; addresses and ports are read as they are
 * scanned. Anything else: LINE_GENERAL (nothing written but row r's fields, which the general
 * reader clears again).
 */
function plainLine(pos: usize, end: usize, r: u32): i32 {
  let c = pos;
  const c0 = <u32>load<u8>(c);
  if (c0 == 10 || c0 == 13 || c0 == 35 || isWs(c0)) return LINE_GENERAL;
  clearRow(r);
  let k: u32 = 0;
  let seen: u32 = 0;
  let more = true;
  while (more) {
    const code = k < gNCodes ? <i32>load<u8>(gCodes + k) : 0;
    let ce = c;
    let b: u32 = 10;
    if ((code == NF_COL_SRC || code == NF_COL_DST) && c + 16 <= end) {
      const len = v4Cell16(c);
      if (len < 0) return LINE_GENERAL;
      ce = c + <usize>len;
      b = <u32>load<u8>(ce);
      if (!endsCell(b)) return LINE_GENERAL;
      if (len > 0) {
        store<u32>((code == NF_COL_SRC ? gSrc : gDst) + (<usize>r << 2), gV4);
        seen |= code == NF_COL_SRC ? 1 : 2;
      }
    } else if ((code == NF_COL_SPORT || code == NF_COL_DPORT) && c + 16 <= end) {
      const len = digitRun16(c);
      if (len > 5) return LINE_GENERAL;
      ce = c + <usize>len;
      b = <u32>load<u8>(ce);
      if (!endsCell(b)) return LINE_GENERAL;
      if (len > 0) {
        const v = digitsValue(c, len);
        if (v > 65535) return LINE_GENERAL;
        store<i32>((code == NF_COL_SPORT ? gSport : gDport) + (<usize>r << 2), <i32>v);
      }
    } else if (code == NF_COL_SRC || code == NF_COL_DST) {
      // Dotted-quad IPv4 as v4At reads it, up to the cell's end.
      let n: u32 = 0, part: u32 = 0, digits: u32 = 0, dots: u32 = 0;
      while (ce < end) {
        b = <u32>load<u8>(ce);
        const d = b - 48;
        if (d < 10) {
          if (digits > 0 && part == 0) return LINE_GENERAL;
          part = part * 10 + d;
          if (++digits > 3 || part > 255) return LINE_GENERAL;
        } else if (b == 46) {
          if (digits == 0 || ++dots > 3) return LINE_GENERAL;
          n = (n << 8) | part;
          part = 0;
          digits = 0;
        } else break;
        ce++;
      }
      if (ce >= end) b = 10;
      else if (!endsCell(b)) return LINE_GENERAL;
      if (ce > c) {
        if (dots != 3 || digits == 0) return LINE_GENERAL;
        store<u32>((code == NF_COL_SRC ? gSrc : gDst) + (<usize>r << 2), (n << 8) | part);
        seen |= code == NF_COL_SRC ? 1 : 2;
      }
    } else if (code == NF_COL_SPORT || code == NF_COL_DPORT) {
      let v: u32 = 0;
      while (ce < end) {
        b = <u32>load<u8>(ce);
        const d = b - 48;
        if (d >= 10) break;
        v = v * 10 + d;
        if (++ce - c > 5) return LINE_GENERAL;
      }
      if (ce >= end) b = 10;
      else if (!endsCell(b)) return LINE_GENERAL;
      if (ce > c) {
        if (v > 65535) return LINE_GENERAL;
        store<i32>((code == NF_COL_SPORT ? gSport : gDport) + (<usize>r << 2), <i32>v);
      }
    } else {
      if (c + 16 <= end) {
        const len = otherCell16(c);
        if (len < 0) return LINE_GENERAL;
        // A cell of 16 bytes or more: the byte loop goes on from where the load ended.
        ce = c + <usize>len;
      }
      while (ce < end) {
        b = <u32>load<u8>(ce);
        if (endsCell(b)) break;
        // Blanks, quotes, controls, DEL, non-ASCII: the general reader's.
        if (b <= 32 || b == 34 || b >= 127) return LINE_GENERAL;
        ce++;
      }
      if (ce >= end) b = 10;
      if (code != 0 && ce > c) {
        const id = intern(code == NF_COL_PROTO ? NF_SCAN_KIND_PROTO : NF_SCAN_KIND_IFACE, c, ce - c);
        if (id >= NF_SCAN_MAX_IDS) return LINE_FULL;
        store<u16>((code == NF_COL_PROTO ? gProto : code == NF_COL_IN ? gIn : gOut) + (<usize>r << 1), <u16>id);
      }
    }
    if (b == 44) {
      c = ce + 1;
      k++;
    } else {
      if (b == 13) {
        if (ce + 1 < end && load<u8>(ce + 1) == 10) gNext = ce + 2;
        else if (ce + 1 >= end) gNext = end;
        else return LINE_GENERAL;
      } else gNext = ce < end ? ce + 1 : end;
      more = false;
    }
  }
  return seen == 3 ? LINE_ROW : LINE_GENERAL;
}

/** Any line: blanks trimmed per cell, "#" comments and blank lines skipped; JS takes what this does not. */
function generalLine(pos: usize, end: usize, r: u32): i32 {
  // The line [pos, e) without "\n" and one "\r"; next is the start of the following line.
  let nl = pos;
  let ascii = true;
  while (nl < end) {
    const c = load<u8>(nl);
    if (c == 10) break;
    if (c >= 0x80) ascii = false;
    nl++;
  }
  let e = nl;
  if (e > pos && load<u8>(e - 1) == 13) e--;
  gNext = nl < end ? nl + 1 : end;
  if (!ascii) return LINE_JS;
  let i = pos;
  while (i < e && isWs(load<u8>(i))) i++;
  if (i == e || load<u8>(i) == 35) return LINE_SKIP;
  clearRow(r);
  let seen: u32 = 0;
  let k: u32 = 0;
  let c = pos;
  for (;;) {
    let ce = c;
    while (ce < e && load<u8>(ce) != 44) ce++;
    const code = k < gNCodes ? <i32>load<u8>(gCodes + k) : 0;
    if (code != 0) {
      let a = c, z = ce;
      while (a < z && isWs(load<u8>(a))) a++;
      while (z > a && isWs(load<u8>(z - 1))) z--;
      if (a < z) {
        const st = setCell(code, r, a, z);
        if (st != LINE_ROW) return st;
        if (code == NF_COL_SRC) seen |= 1;
        else if (code == NF_COL_DST) seen |= 2;
      }
    }
    if (ce >= e) break;
    c = ce + 1;
    k++;
  }
  return seen == 3 ? LINE_ROW : LINE_JS;
}

/** Scans data lines until the end, a line for JS (NF_SCAN_SLOW), full columns (NF_SCAN_FULL) or a full dictionary (NF_SCAN_TOO_MANY). */
export function nfScanCsv(params: usize): i32 {
  const base = <usize>load<u32>(params + NF_SCAN_BYTES);
  const end = base + <usize>load<u32>(params + NF_SCAN_END);
  let pos = base + <usize>load<u32>(params + NF_SCAN_POS);
  let line = load<u32>(params + NF_SCAN_LINE);
  gCodes = <usize>load<u32>(params + NF_SCAN_CODES);
  gNCodes = load<u32>(params + NF_SCAN_NCODES);
  let rows = load<u32>(params + NF_SCAN_ROWS);
  const cap = load<u32>(params + NF_SCAN_CAP);
  gSrc = <usize>load<u32>(params + NF_SCAN_SRC); gDst = <usize>load<u32>(params + NF_SCAN_DST);
  gSport = <usize>load<u32>(params + NF_SCAN_SPORT); gDport = <usize>load<u32>(params + NF_SCAN_DPORT);
  gProto = <usize>load<u32>(params + NF_SCAN_PROTO); gIn = <usize>load<u32>(params + NF_SCAN_IN); gOut = <usize>load<u32>(params + NF_SCAN_OUT);
  gBase = base;
  gDict = <usize>load<u32>(params + NF_SCAN_DICT);
  gN = load<u32>(params + NF_SCAN_NDICT);
  gHash = <usize>load<u32>(params + NF_SCAN_HASH);
  gMask = load<u32>(params + NF_SCAN_HASH_MASK);
  gNProto = load<u32>(params + NF_SCAN_NPROTO);
  gNIface = load<u32>(params + NF_SCAN_NIFACE);
  gLastProto = 0xffffffff;
  gLastIface = 0xffffffff;
  let status = NF_SCAN_DONE;
  while (pos < end) {
    if (rows >= cap) { status = NF_SCAN_FULL; break; }
    let st = plainLine(pos, end, rows);
    if (st == LINE_GENERAL) st = generalLine(pos, end, rows);
    if (st == LINE_JS) { status = NF_SCAN_SLOW; break; }
    line++;
    if (st == LINE_FULL) { status = NF_SCAN_TOO_MANY; break; }
    if (st == LINE_ROW) rows++;
    pos = gNext;
  }
  store<u32>(params + NF_SCAN_POS, <u32>(pos - base));
  store<u32>(params + NF_SCAN_LINE, line);
  store<u32>(params + NF_SCAN_ROWS, rows);
  store<u32>(params + NF_SCAN_NDICT, gN);
  store<u32>(params + NF_SCAN_NPROTO, gNProto);
  store<u32>(params + NF_SCAN_NIFACE, gNIface);
  return status;
}

/** The first line feed in [p, end), or end: 16 bytes a step while 16 remain, then one by one (the line readers' shared step). */
export function lineEnd(p: usize, end: usize): usize {
  const lf = i8x16.splat(10);
  while (p + 16 <= end) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(p), lf));
    if (m) return p + <usize>ctz(m);
    p += 16;
  }
  while (p < end && load<u8>(p) != 10) p++;
  return p;
}

/**
 * The number of "\n" bytes in [ptr, ptr + len), 16 at a time: per-lane byte counters (each
 * compare gives -1 where a byte matches, subtracted), summed every 255 blocks before they wrap.
 */
export function nfCountLf(ptr: usize, len: usize): u32 {
  const nl = i8x16.splat(10);
  let n: u32 = 0;
  let i: usize = 0;
  while (i + 16 <= len) {
    let acc = i8x16.splat(0);
    let blocks = 0;
    for (; blocks < 255 && i + 16 <= len; blocks++, i += 16) acc = i8x16.sub(acc, i8x16.eq(v128.load(ptr + i), nl));
    // 16 byte counters -> 8 sums -> 4 sums -> total.
    const s4 = i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(acc));
    n += <u32>(i32x4.extract_lane(s4, 0) + i32x4.extract_lane(s4, 1) + i32x4.extract_lane(s4, 2) + i32x4.extract_lane(s4, 3));
  }
  for (; i < len; i++) if (load<u8>(ptr + i) == 10) n++;
  return n;
}

/**
 * One pass over a dump's bytes for the loader: at out, u32 each, the line feeds, the lines that
 * start with ":" (chain declarations: they bound the chain count), and 1 when a byte has its top
 * bit set (else 0); 16 bytes at a time.
 */
export function nfDumpCounts(ptr: usize, len: usize, out: usize): void {
  const nl = i8x16.splat(10), colon = i8x16.splat(58);
  let lines: u32 = 0, decls: u32 = len > 0 && load<u8>(ptr) == 58 ? 1 : 0;
  let high = i8x16.splat(0);
  let i: usize = 0;
  while (i + 17 <= len) {
    let accL = i8x16.splat(0), accD = i8x16.splat(0);
    // Block k: the bytes at i (line feeds, top bits) and the pairs (i + j, i + j + 1) ("\n:").
    for (let blocks = 0; blocks < 255 && i + 17 <= len; blocks++, i += 16) {
      const v = v128.load(ptr + i), w = v128.load(ptr + i + 1);
      const lf = i8x16.eq(v, nl);
      accL = i8x16.sub(accL, lf);
      accD = i8x16.sub(accD, v128.and(lf, i8x16.eq(w, colon)));
      high = v128.or(high, v);
    }
    const sL = i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(accL));
    const sD = i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(accD));
    lines += <u32>(i32x4.extract_lane(sL, 0) + i32x4.extract_lane(sL, 1) + i32x4.extract_lane(sL, 2) + i32x4.extract_lane(sL, 3));
    decls += <u32>(i32x4.extract_lane(sD, 0) + i32x4.extract_lane(sD, 1) + i32x4.extract_lane(sD, 2) + i32x4.extract_lane(sD, 3));
  }
  let hi: u32 = v128.any_true(v128.and(high, i8x16.splat(-128))) ? 1 : 0;
  for (; i < len; i++) {
    const c = <u32>load<u8>(ptr + i);
    if (c == 10) { lines++; if (i + 1 < len && load<u8>(ptr + i + 1) == 58) decls++; }
    if (c >= 0x80) hi = 1;
  }
  store<u32>(out, lines);
  store<u32>(out, decls, 4);
  store<u32>(out, hi, 8);
}

