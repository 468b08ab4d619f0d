// The JSON lines of a kube-proxy-test batch, formatted into an output buffer: bytes only. JS
// lays out the columns, the result words of nfKpRun and a table of byte strings (the JSON
// literals, each protocol already JSON-quoted, each output already JSON-escaped), and flushes the
// buffer between calls. The readable twin is flowJsonLine in packages/engine/src/netfilter/jsonl.ts
// (a property test compares the bytes).
//
// Parameter block (NF_FMT_* offsets, u32 each): column pointers src, dst (u32 per flow), proto
// (u16 per flow, NF_FMT_NO_PROTO = the default), sport, dport (i32, -1 = none); results (3 u32 per
// flow: first output, count, masq) and the output-id arena; the string table; proto and output
// tables (u32 pairs: offset in the string table, length); the literals (pairs, NF_FMT_LIT_*);
// the output buffer and its capacity; written back: bytes written.
import {
  NF_FMT_SRC, NF_FMT_DST, NF_FMT_PROTO, NF_FMT_SPORT, NF_FMT_DPORT, NF_FMT_RESULTS, NF_FMT_OUT_IDS, NF_FMT_STRINGS,
  NF_FMT_PROTOS, NF_FMT_NPROTOS, NF_FMT_OUTPUTS, NF_FMT_LITS, NF_FMT_BUF, NF_FMT_CAP, NF_FMT_WRITTEN, NF_FMT_NO_PROTO,
  NF_FMT_LIT_SRC, NF_FMT_LIT_DST, NF_FMT_LIT_PROTO, NF_FMT_LIT_SPORT, NF_FMT_LIT_DPORT, NF_FMT_LIT_OUTPUT,
  NF_FMT_LIT_MASQ_T, NF_FMT_LIT_MASQ_F, NF_FMT_LIT_SEP,
} from "./abi/netfilter";

let gStrings: usize = 0;
let gLits: usize = 0;

// Copies may write and read up to 7 bytes past a string: the output buffer keeps FORMAT_SLACK
// bytes free at its end, and the string table is followed by other tables of the same block.
export const FORMAT_SLACK: usize = 16;

/** The string of a table entry (u32 offset into strings, u32 length) at p; returns the end. */
@inline export function putString(p: usize, strings: usize, entry: usize): usize {
  const len = <usize>load<u32>(entry, 4);
  let from = strings + <usize>load<u32>(entry);
  // Short strings by 8-byte words: memory.copy is a call out of the module, costly for a few bytes.
  if (len <= 64) {
    const stop = p + len;
    for (let q = p; q < stop; q += 8, from += 8) store<u64>(q, load<u64>(from));
  } else memory.copy(p, from, len);
  return p + len;
}

@inline function put(p: usize, table: usize, id: u32): usize {
  return putString(p, gStrings, table + (<usize>id << 3));
}

// Each octet 0-255 in decimal: up to three ASCII digits in the low bytes, the digit count in the top byte.
const OCTETS = memory.data(256 * 4);
let octetsReady = false;

export function initOctets(): void {
  for (let v: u32 = 0; v < 256; v++) {
    const w: u32 = v < 10 ? 48 + v | (1 << 24)
      : v < 100 ? (48 + v / 10) | ((48 + v % 10) << 8) | (2 << 24)
      : (48 + v / 100) | ((48 + (v / 10) % 10) << 8) | ((48 + v % 10) << 16) | (3 << 24);
    store<u32>(OCTETS + (<usize>v << 2), w);
  }
  octetsReady = true;
}

/** One octet (stores 4 bytes; the ones past the digits are overwritten by what follows). */
@inline function putOctet(p: usize, v: u32): usize {
  const w = load<u32>(OCTETS + (<usize>v << 2));
  store<u32>(p, w);
  return p + <usize>(w >>> 24);
}

@inline function putLit(p: usize, lit: i32): usize {
  return put(p, gLits, <u32>lit);
}

@inline function lenOf(table: usize, id: u32): u32 {
  return load<u32>(table + (<usize>id << 3), 4);
}

/** v in decimal at p; returns the end. */
@inline export function putDecimal(p: usize, v: u32): usize {
  return putDec(p, v);
}

@inline function putDec(p: usize, v: u32): usize {
  let d: usize = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : 10;
  if (d == 10) { d = 1; let x = v / 10; while (x) { d++; x /= 10; } }
  const end = p + d;
  let q = end;
  do { q--; store<u8>(q, 48 + v % 10); v /= 10; } while (q > p);
  return end;
}

/** An IPv4 address in dotted decimal at p (the octet table ready: ensureOctets()); returns the end. */
@inline export function putOctetsV4(p: usize, a: u32): usize {
  return putV4(p, a);
}

/** The octet table putOctetsV4 reads, built once. */
export function ensureOctets(): void {
  if (!octetsReady) initOctets();
}

@inline function putV4(p: usize, a: u32): usize {
  p = putOctet(p, a >>> 24); store<u8>(p++, 46);
  p = putOctet(p, (a >>> 16) & 255); store<u8>(p++, 46);
  p = putOctet(p, (a >>> 8) & 255); store<u8>(p++, 46);
  return putOctet(p, a & 255);
}

/**
 * Formats flows [from, n) while whole lines fit in the buffer; returns the next flow to format
 * (n when done). The bytes written are stored at NF_FMT_WRITTEN.
 */
export function nfKpFormat(params: usize, from: i32, n: i32): i32 {
  const src = <usize>load<u32>(params + NF_FMT_SRC), dst = <usize>load<u32>(params + NF_FMT_DST);
  const proto = <usize>load<u32>(params + NF_FMT_PROTO);
  const sport = <usize>load<u32>(params + NF_FMT_SPORT), dport = <usize>load<u32>(params + NF_FMT_DPORT);
  const results = <usize>load<u32>(params + NF_FMT_RESULTS), outIds = <usize>load<u32>(params + NF_FMT_OUT_IDS);
  const protos = <usize>load<u32>(params + NF_FMT_PROTOS), nProtos = load<u32>(params + NF_FMT_NPROTOS);
  const outputs = <usize>load<u32>(params + NF_FMT_OUTPUTS);
  gStrings = <usize>load<u32>(params + NF_FMT_STRINGS);
  gLits = <usize>load<u32>(params + NF_FMT_LITS);
  const buf = <usize>load<u32>(params + NF_FMT_BUF);
  const end = buf + <usize>load<u32>(params + NF_FMT_CAP) - FORMAT_SLACK;
  if (!octetsReady) initOctets();
  // Fixed bytes of a line, at most: the literals, two addresses, two ports, the masq tail.
  let fixed: usize = 30 + 10;
  for (let l = NF_FMT_LIT_SRC; l <= NF_FMT_LIT_SEP; l++) fixed += <usize>lenOf(gLits, <u32>l);
  let p = buf;
  let i = from;
  for (; i < n; i++) {
    const r = results + <usize>i * 12;
    const first = load<u32>(r), count = load<u32>(r, 4);
    let pid = <u32>load<u16>(proto + (<usize>i << 1));
    if (pid == <u32>NF_FMT_NO_PROTO || pid >= nProtos) pid = nProtos; // the default, last in the table
    let need = fixed + <usize>lenOf(protos, pid);
    for (let k: u32 = 0; k < count; k++) need += <usize>lenOf(outputs, load<u32>(outIds + (<usize>(first + k) << 2))) + 2;
    if (p + need > end) break;
    p = putLit(p, NF_FMT_LIT_SRC);
    p = putV4(p, load<u32>(src + (<usize>i << 2)));
    p = putLit(p, NF_FMT_LIT_DST);
    p = putV4(p, load<u32>(dst + (<usize>i << 2)));
    p = putLit(p, NF_FMT_LIT_PROTO);
    p = put(p, protos, pid);
    const sp = load<i32>(sport + (<usize>i << 2));
    if (sp >= 0) { p = putLit(p, NF_FMT_LIT_SPORT); p = putDec(p, <u32>sp); }
    const dp = load<i32>(dport + (<usize>i << 2));
    if (dp >= 0) { p = putLit(p, NF_FMT_LIT_DPORT); p = putDec(p, <u32>dp); }
    p = putLit(p, NF_FMT_LIT_OUTPUT);
    for (let k: u32 = 0; k < count; k++) {
      if (k) p = putLit(p, NF_FMT_LIT_SEP);
      p = put(p, outputs, load<u32>(outIds + (<usize>(first + k) << 2)));
    }
    p = putLit(p, load<u32>(r, 8) == 1 ? NF_FMT_LIT_MASQ_T : NF_FMT_LIT_MASQ_F);
  }
  store<u32>(params + NF_FMT_WRITTEN, <u32>(p - buf));
  return i;
}
