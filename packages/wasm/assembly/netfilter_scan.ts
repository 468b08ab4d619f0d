// Flow CSV lines scanned from bytes into columns: the common shape only (ASCII, dotted-quad IPv4,
// ports of 1-5 digits). It stops at any other line and JS gives that line to the readable reader
// (packages/engine/src/netfilter/flows.ts), then resumes here, so flows and errors are the same as
// parseFlows'. Protocol and interface cells are returned as (offset, length) for JS to intern.
// The readable twin of the whole scanner is parseFlows; a property test compares them.
//
// Parameter block (NF_SCAN_* offsets, u32 each): bytes, end; pos and line (in/out: the next line
// to read and its number); codes (u8 per column: NF_COL_*) and their count; rows (in/out) and the
// capacity; the columns src, dst (u32), sport, dport (i32, -1 = none), and the cell references of
// proto, in and out interface (u32 pairs: offset, length; NF_SCAN_NONE = none).
import {
  NF_SCAN_BYTES, NF_SCAN_END, NF_SCAN_POS, NF_SCAN_LINE, NF_SCAN_CODES, NF_SCAN_NCODES, NF_SCAN_ROWS, NF_SCAN_CAP,
  NF_SCAN_SRC, NF_SCAN_DST, NF_SCAN_SPORT, NF_SCAN_DPORT, NF_SCAN_PROTO, NF_SCAN_IN, NF_SCAN_OUT, NF_SCAN_NONE,
  NF_SCAN_DONE, NF_SCAN_SLOW, NF_SCAN_FULL,
  NF_COL_SRC, NF_COL_DST, NF_COL_PROTO, NF_COL_SPORT, NF_COL_DPORT, NF_COL_IN, NF_COL_OUT,
} from "./abi/netfilter";

@inline function isWs(c: u32): bool {
  return c == 32 || (c >= 9 && c <= 13);
}

/** Dotted-quad IPv4 in [a, b), no leading zeros; -1 when it is not one. */
function v4At(a: usize, b: usize): i64 {
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

@inline function ref(table: usize, row: u32, a: usize, b: usize, base: usize): void {
  const e = table + (<usize>row << 3);
  store<u32>(e, <u32>(a - base));
  store<u32>(e, <u32>(b - a), 4);
}

/** Scans data lines until the end, a line for JS (NF_SCAN_SLOW) or full columns (NF_SCAN_FULL). */
export function nfScanCsv(params: usize): i32 {
  const base = <usize>load<u32>(params + NF_SCAN_BYTES);
  const end = base + <usize>load<u32>(params + NF_SCAN_END);
  let pos = base + <usize>load<u32>(params + NF_SCAN_POS);
  let line = load<u32>(params + NF_SCAN_LINE);
  const codes = <usize>load<u32>(params + NF_SCAN_CODES);
  const ncodes = <u32>load<u32>(params + NF_SCAN_NCODES);
  let rows = load<u32>(params + NF_SCAN_ROWS);
  const cap = load<u32>(params + NF_SCAN_CAP);
  const src = <usize>load<u32>(params + NF_SCAN_SRC), dst = <usize>load<u32>(params + NF_SCAN_DST);
  const sport = <usize>load<u32>(params + NF_SCAN_SPORT), dport = <usize>load<u32>(params + NF_SCAN_DPORT);
  const proto = <usize>load<u32>(params + NF_SCAN_PROTO), inI = <usize>load<u32>(params + NF_SCAN_IN), outI = <usize>load<u32>(params + NF_SCAN_OUT);
  let status = NF_SCAN_DONE;
  while (pos < end) {
    if (rows >= cap) { status = NF_SCAN_FULL; break; }
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
    const next = nl < end ? nl + 1 : end;
    line++;
    if (!ascii) { line--; status = NF_SCAN_SLOW; break; }
    let i = pos;
    while (i < e && isWs(load<u8>(i))) i++;
    if (i == e || load<u8>(i) == 35) { pos = next; continue; }
    const r = rows;
    store<u32>(src + (<usize>r << 2), 0);
    store<u32>(dst + (<usize>r << 2), 0);
    store<i32>(sport + (<usize>r << 2), -1);
    store<i32>(dport + (<usize>r << 2), -1);
    store<u32>(proto + (<usize>r << 3), NF_SCAN_NONE);
    store<u32>(inI + (<usize>r << 3), NF_SCAN_NONE);
    store<u32>(outI + (<usize>r << 3), NF_SCAN_NONE);
    let ok = true;
    let seen: u32 = 0;
    let k: u32 = 0;
    let c = pos;
    for (;;) {
      let ce = c;
      while (ce < e && load<u8>(ce) != 44) ce++;
      const code = k < ncodes ? <i32>load<u8>(codes + k) : 0;
      if (code != 0) {
        let a = c, z = ce;
        while (a < z && isWs(load<u8>(a))) a++;
        while (z > a && isWs(load<u8>(z - 1))) z--;
        if (a < z) {
          if (code == NF_COL_SRC || code == NF_COL_DST) {
            const v = v4At(a, z);
            if (v < 0) { ok = false; break; }
            store<u32>((code == NF_COL_SRC ? src : dst) + (<usize>r << 2), <u32>v);
            seen |= code == NF_COL_SRC ? 1 : 2;
          } else if (code == NF_COL_SPORT || code == NF_COL_DPORT) {
            const v = portAt(a, z);
            if (v < 0) { ok = false; break; }
            store<i32>((code == NF_COL_SPORT ? sport : dport) + (<usize>r << 2), v);
          } else if (code == NF_COL_PROTO) ref(proto, r, a, z, base);
          else if (code == NF_COL_IN) ref(inI, r, a, z, base);
          else if (code == NF_COL_OUT) ref(outI, r, a, z, base);
        }
      }
      if (ce >= e) break;
      c = ce + 1;
      k++;
    }
    if (!ok || seen != 3) { line--; status = NF_SCAN_SLOW; break; }
    rows++;
    pos = next;
  }
  store<u32>(params + NF_SCAN_POS, <u32>(pos - base));
  store<u32>(params + NF_SCAN_LINE, line);
  store<u32>(params + NF_SCAN_ROWS, rows);
  return status;
}
