// The production parser of single values (Addr.parse, Prefix.parse, and the reference backend's
// bulk parse): plain, readable TypeScript with the same grammar, statuses and stop columns as
// packages/wasm/assembly/parse.ts, which parses bulk lists; the property tests check that both
// agree line by line.
import { ABI } from "../core/abi.ts";

export interface ParsedValue {
  status: number;
  /** 0-based byte offset in the line where parsing stopped (errors) or the value starts (ok). */
  col: number;
  family: 0 | 4 | 6;
  /** 32-bit value for IPv4, 128-bit for IPv6. */
  value: bigint;
  bits: number;
  flags: number;
}

class Stop {
  constructor(readonly status: number, readonly at: number) {}
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d;
function hexVal(c: number): number {
  if (isDigit(c)) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** Dotted quad filling b[p, e) exactly. */
function parseV4(b: Uint8Array, p: number, e: number): number {
  let addr = 0;
  for (let field = 0; field < 4; field++) {
    if (p >= e) throw new Stop(field === 0 ? ABI.ST_BAD_CHAR : ABI.ST_V4_FIELD_COUNT, p);
    const start = p;
    if (!isDigit(b[p])) throw new Stop(b[p] === 0x2e ? ABI.ST_V4_EMPTY_FIELD : ABI.ST_BAD_CHAR, p);
    let v = 0;
    while (p < e && isDigit(b[p])) {
      if (p - start === 3) throw new Stop(ABI.ST_V4_FIELD_RANGE, start);
      v = v * 10 + (b[p] - 0x30);
      p++;
    }
    if (p - start > 1 && b[start] === 0x30) throw new Stop(ABI.ST_V4_LEADING_ZERO, start);
    if (v > 255) throw new Stop(ABI.ST_V4_FIELD_RANGE, start);
    addr = addr * 256 + v;
    if (field < 3) {
      if (p >= e) throw new Stop(ABI.ST_V4_FIELD_COUNT, p);
      if (b[p] !== 0x2e) throw new Stop(ABI.ST_BAD_CHAR, p);
      p++;
    }
  }
  if (p < e) throw new Stop(b[p] === 0x2e ? ABI.ST_V4_FIELD_COUNT : ABI.ST_BAD_CHAR, p);
  return addr;
}

/** RFC 4291 text forms filling b[p, e) exactly. */
function parseV6(b: Uint8Array, p: number, e: number): bigint {
  const groups: number[] = [];
  let ellipsis = -1;
  if (p + 1 < e && b[p] === 0x3a && b[p + 1] === 0x3a) {
    ellipsis = 0;
    p += 2;
  } else if (p < e && b[p] === 0x3a) {
    throw new Stop(ABI.ST_V6_EMPTY_GROUP, p);
  }
  while (p < e) {
    if (groups.length === 8) throw new Stop(ABI.ST_V6_GROUP_COUNT, p);
    const start = p;
    let v = 0;
    while (p < e && hexVal(b[p]) >= 0) {
      if (p - start === 4) throw new Stop(ABI.ST_V6_GROUP_TOO_LONG, start);
      v = v * 16 + hexVal(b[p]);
      p++;
    }
    if (p < e && b[p] === 0x2e) {
      const n = groups.length;
      if (n > 6 || (ellipsis < 0 && n !== 6)) throw new Stop(ABI.ST_V6_BAD_V4, start);
      const v4 = parseV4(b, start, e);
      groups.push(Math.floor(v4 / 65536), v4 % 65536);
      p = e;
      break;
    }
    if (p === start) throw new Stop(p < e && b[p] === 0x3a ? ABI.ST_V6_EMPTY_GROUP : ABI.ST_BAD_CHAR, p);
    groups.push(v);
    if (p === e) break;
    if (b[p] !== 0x3a) throw new Stop(ABI.ST_BAD_CHAR, p);
    p++;
    if (p < e && b[p] === 0x3a) {
      if (ellipsis >= 0) throw new Stop(ABI.ST_V6_DOUBLE_COLON, p - 1);
      ellipsis = groups.length;
      p++;
    } else if (p === e) {
      throw new Stop(ABI.ST_V6_EMPTY_GROUP, p - 1);
    }
  }
  if (ellipsis < 0 ? groups.length !== 8 : groups.length > 7) throw new Stop(ABI.ST_V6_GROUP_COUNT, e);
  const full = ellipsis < 0
    ? groups
    : [...groups.slice(0, ellipsis), ...new Array(8 - groups.length).fill(0), ...groups.slice(ellipsis)];
  return full.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses one line b[s, e). Leading/trailing blanks and a "#" comment are ignored. */
export function parseValueBytes(b: Uint8Array, s: number, e: number, mode: number): ParsedValue {
  const lineStart = s;
  while (s < e && isSpace(b[s])) s++;
  let end = s;
  for (let q = s; q < e; q++) {
    if (b[q] === 0x23 && (q === s || isSpace(b[q - 1]))) break;
    if (!isSpace(b[q])) end = q + 1;
  }
  const none: ParsedValue = { status: ABI.ST_EMPTY, col: s - lineStart, family: 0, value: 0n, bits: 0, flags: 0 };
  if (s === end) return none;
  const fail = (status: number, at: number): ParsedValue => ({ ...none, status, col: at - lineStart });
  let slash = end;
  let colon = false;
  for (let p = s; p < end; p++) {
    if (b[p] === 0x2f) { slash = p; break; }
    if (b[p] === 0x3a) colon = true;
    else if (b[p] === 0x25) return fail(ABI.ST_ZONE, p);
  }
  let family: 4 | 6;
  let value: bigint;
  try {
    if (colon) { family = 6; value = parseV6(b, s, slash); }
    else { family = 4; value = BigInt(parseV4(b, s, slash)); }
  } catch (err) {
    if (err instanceof Stop) return fail(err.status, err.at);
    throw err;
  }
  const maxBits = family === 4 ? 32 : 128;
  let bits = maxBits;
  let flags = 0;
  if (slash < end) {
    if (mode === ABI.MODE_ADDR) return fail(ABI.ST_PREFIX_UNEXPECTED, slash);
    const ds = slash + 1;
    let p = ds;
    let v = 0;
    while (p < end && isDigit(b[p])) {
      if (p - ds === 3) return fail(ABI.ST_PREFIX_RANGE, ds);
      v = v * 10 + (b[p] - 0x30);
      p++;
    }
    if (p === ds || (p - ds > 1 && b[ds] === 0x30)) return fail(ABI.ST_PREFIX_BAD, ds);
    if (p < end) return fail(ABI.ST_TRAILING, p);
    if (v > maxBits) return fail(ABI.ST_PREFIX_RANGE, ds);
    bits = v;
    flags |= ABI.FLAG_HAS_SLASH;
  } else if (mode === ABI.MODE_PREFIX) {
    return fail(ABI.ST_PREFIX_MISSING, end);
  }
  const hostMask = (1n << BigInt(maxBits - bits)) - 1n;
  if ((value & hostMask) !== 0n) flags |= ABI.FLAG_HOST_BITS;
  return { status: ABI.ST_OK, col: s - lineStart, family, value, bits, flags };
}
