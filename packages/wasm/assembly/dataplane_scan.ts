// The data lines of an `aksnet trace --flows` CSV file into columns, endpoints interned by their
// bytes: the bulk trace's reader. It takes exactly the lines parseTraceFlowTable's JS reader takes
// (packages/engine/src/dataplane/bulk.ts, the readable twin; a property test compares the columns,
// the ids and where each gives up): cells split at commas, trimmed of spaces and tabs; a blank
// line or one starting with "#" skipped; from and to interned in order of first sight; port 1-5
// digits up to 65535; proto tcp or udp in any case. Anything else — "{" (JSON Lines), a byte
// outside printable ASCII but tab, more than DS_MAX_CELLS cells, a line without the from or to
// cell, a bad port or protocol — stops with DS_ST_BAIL: the JS reader then reads the whole file
// and reports the error where it is.
import {
  DS_BYTES, DS_LEN, DS_POS, DS_LINE, DS_FROM_COL, DS_TO_COL, DS_PORT_COL, DS_PROTO_COL, DS_OUT_FROM, DS_OUT_TO, DS_OUT_PORT,
  DS_OUT_PROTO, DS_OUT_LINE, DS_COUNT, DS_CAP, DS_DICT, DS_DICT_CAP, DS_NIDS, DS_HASH, DS_HASH_MASK, DS_ARENA, DS_ARENA_CAP, DS_ARENA_USED, DS_NONE,
  DS_ST_DONE, DS_ST_BAIL, DS_ST_FULL, DS_MAX_CELLS,
} from "./abi/dataplane";
import { lineEnd } from "./netfilter_scan";

const CUTS = memory.data(4 * (DS_MAX_CELLS + 2));

let gBase: usize = 0, gDict: usize = 0, gHash: usize = 0, gMask: u32 = 0, gIds: u32 = 0, gArena: usize = 0, gUsed: usize = 0;

@inline function isSpace(c: u32): bool { return c == 32 || c == 9; }

/** The bytes [a, a + n) of an 8-byte word, n < 8, the rest zero (reads past them: the buffers have 16 bytes of room at their end). */
@inline function tail(a: usize, n: usize): u64 {
  return n ? load<u64>(a) & (<u64>-1 >> ((8 - <u64>n) << 3)) : 0;
}

/**
 * A hash of the bytes, 8 at a time (ids do not depend on it: they go by first sight, so it need
 * not be the JS Interner's).
 */
function hashOf(a: usize, e: usize): u32 {
  const n = e - a;
  let h: u64 = <u64>n * 0x9e3779b97f4a7c15;
  let k = a;
  for (; k + 8 <= e; k += 8) h = (h ^ load<u64>(k)) * 0xff51afd7ed558ccd;
  h = (h ^ tail(k, e - k)) * 0xc4ceb9fe1a85ec53;
  return <u32>(h >> 32) ^ <u32>h;
}

/** Whether the n bytes at x and at a are the same, 8 at a time. */
@inline function sameBytes(x: usize, a: usize, n: usize): bool {
  let q: usize = 0;
  for (; q + 8 <= n; q += 8) if (load<u64>(x + q) != load<u64>(a + q)) return false;
  return tail(x + q, n - q) == tail(a + q, n - q);
}

/** A slot: id + 1 (0: empty), the hash, and the id's bytes in the arena (start, end): one read of a slot, not of the dictionary too. */
function place(h: u32, id: u32, start: u32, end: u32): void {
  let k = h & gMask;
  while (load<u32>(gHash + (<usize>k << 4)) != 0) k = (k + 1) & gMask;
  const s = gHash + (<usize>k << 4);
  store<u32>(s, id + 1);
  store<u32>(s, h, 4);
  store<u32>(s, start, 8);
  store<u32>(s, end, 12);
}

/** The id of the bytes [a, e): the one they had, or the next one. */
function idOf(a: usize, e: usize): u32 {
  const h = hashOf(a, e);
  const n = e - a;
  for (let k = h & gMask; ; k = (k + 1) & gMask) {
    const s = gHash + (<usize>k << 4);
    const v = load<u32>(s);
    if (v == 0) break;
    if (load<u32>(s, 4) != h) continue;
    const x = gArena + <usize>load<u32>(s, 8);
    const y = gArena + <usize>load<u32>(s, 12);
    if (y - x != n) continue;
    if (sameBytes(x, a, n)) return v - 1;
  }
  const id = gIds++;
  memory.copy(gArena + gUsed, a, n);
  store<u32>(gDict + (<usize>id << 3), <u32>gUsed);
  store<u32>(gDict + (<usize>id << 3), <u32>(gUsed + n), 4);
  place(h, id, <u32>gUsed, <u32>(gUsed + n));
  gUsed += n;
  return id;
}

/** Cell c's bounds once trimmed: start in cellA, end in cellB. */
let cellA: usize = 0, cellB: usize = 0;
function cell(c: i32): void {
  let x = <usize>load<u32>(CUTS + (<usize>c << 2)) + 1;
  const y0 = <usize>load<u32>(CUTS + (<usize>(c + 1) << 2));
  while (x < y0 && isSpace(<u32>load<u8>(x))) x++;
  let y = y0;
  while (y > x && isSpace(<u32>load<u8>(y - 1))) y--;
  cellA = x; cellB = y;
}

/** Reads data lines from DS_POS until the end or a stop (DS_ST_*); the position, line, rows and ids are written back. */
export function dpScanFlows(params: usize): i32 {
  gBase = <usize>load<u32>(params + DS_BYTES);
  gDict = <usize>load<u32>(params + DS_DICT);
  gHash = <usize>load<u32>(params + DS_HASH);
  gMask = load<u32>(params + DS_HASH_MASK);
  gIds = load<u32>(params + DS_NIDS);
  gArena = <usize>load<u32>(params + DS_ARENA);
  gUsed = <usize>load<u32>(params + DS_ARENA_USED);
  const arenaCap = <usize>load<u32>(params + DS_ARENA_CAP);
  const dictCap = load<u32>(params + DS_DICT_CAP);
  const end = gBase + <usize>load<u32>(params + DS_LEN);
  let pos = gBase + <usize>load<u32>(params + DS_POS);
  let lineNo = load<u32>(params + DS_LINE);
  let count = load<u32>(params + DS_COUNT);
  const cap = load<u32>(params + DS_CAP);
  const fromCol = <i32>load<u32>(params + DS_FROM_COL), toCol = <i32>load<u32>(params + DS_TO_COL);
  const portCol = load<u32>(params + DS_PORT_COL), protoCol = load<u32>(params + DS_PROTO_COL);
  const oFrom = <usize>load<u32>(params + DS_OUT_FROM), oTo = <usize>load<u32>(params + DS_OUT_TO);
  const oPort = <usize>load<u32>(params + DS_OUT_PORT), oProto = <usize>load<u32>(params + DS_OUT_PROTO), oLine = <usize>load<u32>(params + DS_OUT_LINE);
  const need = max(fromCol, toCol);
  let st = DS_ST_DONE;
  while (pos < end) {
    // Room for two new ids (and the hash table at most half full) before the line is read.
    if (gIds + 2 > dictCap || (gIds + 2) * 2 > gMask + 1) { st = DS_ST_FULL; break; }
    if (count >= cap) { st = DS_ST_BAIL; break; }
    let e = lineEnd(pos, end);
    const next = e < end ? e + 1 : end;
    const i = pos;
    // Room in the arena for the line's two cells, at most the line.
    if (gUsed + (e - i) > arenaCap) { st = DS_ST_FULL; break; }
    lineNo++;
    if (e > i && load<u8>(e - 1) == 13) e--;
    let a = i;
    while (a < e && isSpace(<u32>load<u8>(a))) a++;
    if (a == e || load<u8>(i) == 35) { pos = next; continue; }
    if (load<u8>(a) == 123) { st = DS_ST_BAIL; break; }
    store<u32>(CUTS, <u32>(i - 1));
    let nc = 1;
    let bad = false;
    for (let k = i; k < e; k++) {
      const c = <u32>load<u8>(k);
      if (c == 44) {
        if (nc == DS_MAX_CELLS) { bad = true; break; }
        store<u32>(CUTS + (<usize>nc << 2), <u32>k);
        nc++;
      } else if ((c < 32 && c != 9) || c > 126) { bad = true; break; }
    }
    if (bad || nc <= need) { st = DS_ST_BAIL; break; }
    store<u32>(CUTS + (<usize>nc << 2), <u32>e);
    cell(fromCol);
    store<i32>(oFrom + (<usize>count << 2), <i32>idOf(cellA, cellB));
    cell(toCol);
    store<i32>(oTo + (<usize>count << 2), <i32>idOf(cellA, cellB));
    let port: i32 = -1;
    if (portCol != DS_NONE && <i32>portCol < nc) {
      cell(<i32>portCol);
      if (cellB > cellA) {
        if (cellB - cellA > 5) { st = DS_ST_BAIL; break; }
        let v: i32 = 0;
        for (let k = cellA; k < cellB; k++) {
          const d = <i32>load<u8>(k) - 48;
          if (d < 0 || d > 9) { bad = true; break; }
          v = v * 10 + d;
        }
        if (bad || v > 65535) { st = DS_ST_BAIL; break; }
        port = v;
      }
    }
    let proto: u8 = 0;
    if (protoCol != DS_NONE && <i32>protoCol < nc) {
      cell(<i32>protoCol);
      if (cellB > cellA) {
        if (cellB - cellA != 3) { st = DS_ST_BAIL; break; }
        const c0 = <u32>load<u8>(cellA) | 32, c1 = <u32>load<u8>(cellA + 1) | 32, c2 = <u32>load<u8>(cellA + 2) | 32;
        if (c0 == 116 && c1 == 99 && c2 == 112) proto = 1;
        else if (c0 == 117 && c1 == 100 && c2 == 112) proto = 2;
        else { st = DS_ST_BAIL; break; }
      }
    }
    store<i32>(oPort + (<usize>count << 2), port);
    store<u8>(oProto + <usize>count, proto);
    store<i32>(oLine + (<usize>count << 2), <i32>lineNo);
    count++;
    pos = next;
  }
  // DS_ST_FULL stops before the line is read: the next call reads it (and counts it) again.
  store<u32>(params + DS_POS, <u32>(pos - gBase));
  store<u32>(params + DS_LINE, lineNo);
  store<u32>(params + DS_COUNT, count);
  store<u32>(params + DS_NIDS, gIds);
  store<u32>(params + DS_ARENA_USED, <u32>gUsed);
  return st;
}

/** The hash table rebuilt from the dictionary's DS_NIDS entries (after JS gave it more room). */
export function dpRehash(params: usize): void {
  gDict = <usize>load<u32>(params + DS_DICT);
  gHash = <usize>load<u32>(params + DS_HASH);
  gMask = load<u32>(params + DS_HASH_MASK);
  gArena = <usize>load<u32>(params + DS_ARENA);
  const n = load<u32>(params + DS_NIDS);
  memory.fill(gHash, 0, (<usize>gMask + 1) << 4);
  for (let id: u32 = 0; id < n; id++) {
    const start = load<u32>(gDict + (<usize>id << 3)), end = load<u32>(gDict + (<usize>id << 3), 4);
    place(hashOf(gArena + <usize>start, gArena + <usize>end), id, start, end);
  }
}
