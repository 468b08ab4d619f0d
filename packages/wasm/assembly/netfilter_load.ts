// The dump loader's byte scanner: an iptables-save dump read line by line into kube-proxy-test
// rule records (the engine's KpRules words), for bulk runs that need no Ruleset. It reads exactly
// the statement shapes of the engine's parser fast path (packages/engine/src/netfilter/parse-fast.ts)
// — ":CHAIN POLICY [p:b]", "-A CHAIN" with -s/-d IPv4, -p, -m comment --comment "...", --dport /
// --sport, -m statistic --mode/--probability, -j to a chain or verdict, -j DNAT --to-destination —
// plus "COMMIT" and blank lines, and stops for JS at a table line, a comment, a rule line of any
// other shape (LD_ST_ODD: the engine reads it with its parser) and at anything the parser would
// report (LD_ST_BAIL: the engine parses the whole dump). The engine's twin is its loader in
// packages/engine/src/netfilter/kube-proxy/load.ts; a differential test requires the same records
// as the general path on fixture, generated and random dumps.
import {
  LD_BYTES, LD_LEN, LD_POS, LD_TABLE, LD_BUILTINS, LD_REC, LD_RCHAIN, LD_RSTR, LD_NRULES, LD_CH_A, LD_CH_B, LD_CH_TABLE,
  LD_CH_BUILTIN, LD_NCHAINS, LD_HASH, LD_HASH_MASK, LD_HASH_SLOT, LD_A, LD_B, LD_C, LD_CH_TARGET, LD_NONE,
  LD_ST_DONE, LD_ST_BAIL, LD_ST_ODD, LD_ST_TABLE, LD_ST_COMMENT,
  LD_BI_PREROUTING, LD_BI_INPUT, LD_BI_FORWARD, LD_BI_OUTPUT, LD_BI_POSTROUTING,
  LD_REC_WORDS, KR_FLAGS, KR_SRC_NET, KR_SRC_MASK, KR_DST_NET, KR_DST_MASK, KR_PROTO, KR_DPORT, KR_STYPE, KR_DTYPE, KR_JUMP, KR_DNAT, KR_CHAIN,
  LD_STR_WORDS, LD_PROTO_TCP, LD_PROTO_UDP, LD_FROM_STR, LD_JUMP_STR, LD_JUMP_DNAT, LD_JUMP_TARGET,
  NF_F_SRC, NF_F_SRC_NEG, NF_F_DST, NF_F_DST_NEG, NF_F_PROTO, NF_F_PROTO_NEG, NF_F_DPORT, NF_F_DPORT_NEG, NF_F_PROB, NF_TYPE_OTHER,
} from "./abi/netfilter";
import { lineEnd } from "./netfilter_scan";

const SP: u32 = 32, QUOTE: u32 = 34, DASH: u32 = 45, CR: u32 = 13;

// --- tokens of one line --------------------------------------------------------------------------

const MAX_TOKENS: i32 = 256;
/** Token k: [start, end) at TOK + 8k; a quoted token has QUOTED in its start (quotes excluded). */
const TOK = memory.data(MAX_TOKENS * 8);
const QUOTED: u32 = 0x80000000;
let nt: i32 = 0;

@inline function tA(k: i32): usize { return <usize>(load<u32>(TOK + (<usize>k << 3)) & ~QUOTED); }
@inline function tB(k: i32): usize { return <usize>load<u32>(TOK + (<usize>k << 3), 4); }
@inline function tQ(k: i32): bool { return (load<u32>(TOK + (<usize>k << 3)) & QUOTED) != 0; }
@inline function tLen(k: i32): usize { return tB(k) - tA(k); }

/** Splits [a, e) at spaces as parse-fast's lineTokens; false where that gives up. */
function tokens(a: usize, e: usize): bool {
  nt = 0;
  let i = a;
  while (i < e) {
    let c = <u32>load<u8>(i);
    if (c == SP) { i++; continue; }
    if (nt == MAX_TOKENS) return false;
    if (c == QUOTE) {
      let q = i + 1;
      for (; q < e; q++) {
        const d = <u32>load<u8>(q);
        if (d == QUOTE) break;
        if (d == 92) return false;
      }
      if (q >= e) return false;
      if (q + 1 < e && <u32>load<u8>(q + 1) != SP) return false;
      store<u32>(TOK + (<usize>nt << 3), <u32>(i + 1) | QUOTED);
      store<u32>(TOK + (<usize>nt << 3), <u32>q, 4);
      nt++;
      i = q + 1;
      continue;
    }
    const st = i;
    while (true) {
      if (c < 33 || c > 126 || c == QUOTE) {
        if (c == SP) break;
        return false;
      }
      if (++i >= e) break;
      c = <u32>load<u8>(i);
    }
    store<u32>(TOK + (<usize>nt << 3), <u32>st);
    store<u32>(TOK + (<usize>nt << 3), <u32>i, 4);
    nt++;
  }
  return true;
}

/** Token k is the ASCII word w (quoting ignored, as parse-fast's word()). */
function tIs(k: i32, w: string): bool {
  const a = tA(k);
  const n = <usize>w.length;
  if (tB(k) - a != n) return false;
  for (let i: usize = 0; i < n; i++) if (<u32>load<u8>(a + i) != <u32>w.charCodeAt(<i32>i)) return false;
  return true;
}

/** Token k, ASCII-lower-cased, is w (w lower case). */
function tIsLower(k: i32, w: string): bool {
  const a = tA(k);
  const n = <usize>w.length;
  if (tB(k) - a != n) return false;
  for (let i: usize = 0; i < n; i++) {
    let c = <u32>load<u8>(a + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c != <u32>w.charCodeAt(<i32>i)) return false;
  }
  return true;
}

// Words of the hot path compared as numbers: a token is the word when its length and its first
// and last 8 bytes are the word's (the bytes past a short token masked off). Words of up to 16
// bytes: first and last 8 then cover every byte. The table is filled once, at instantiation.
const WORD_BYTES: usize = 24;
const WORDS = memory.data(64 * <i32>WORD_BYTES);
let nWords: i32 = 0;

/** The first n (< 8) or 8 bytes at a, the rest zero (reads 8 bytes: the dump's block keeps 16 past its end). */
@inline function head8(a: usize, n: usize): u64 {
  const v = load<u64>(a);
  return n >= 8 ? v : v & ~(<u64>-1 << (<u64>n << 3));
}

/** A word's id in the table: its length, its head8 and (longer than 8) its last 8 bytes. */
function word(w: string): i32 {
  const n = w.length;
  if (n < 1 || n > 16 || nWords == 64) unreachable();
  const at = WORDS + <usize>nWords * WORD_BYTES;
  let head: u64 = 0, tail: u64 = 0;
  for (let i = 0; i < min(n, 8); i++) head |= <u64>w.charCodeAt(i) << (<u64>i << 3);
  if (n > 8) for (let i = 0; i < 8; i++) tail |= <u64>w.charCodeAt(n - 8 + i) << (<u64>i << 3);
  store<u32>(at, <u32>n);
  store<u64>(at, head, 8);
  store<u64>(at, tail, 16);
  return nWords++;
}

/** Token k is the word `id` (quoting ignored, as tIs). */
@inline function tIsW(k: i32, id: i32): bool {
  const a = tA(k), n = tB(k) - a;
  const w = WORDS + <usize>id * WORD_BYTES;
  if (n != <usize>load<u32>(w) || head8(a, n) != load<u64>(w, 8)) return false;
  return n <= 8 || load<u64>(a + n - 8) == load<u64>(w, 16);
}

const W_A = word("-A");
const W_NOT = word("!");
const W_COMMENT_OPT = word("--comment");
const W_M = word("-m");
const W_STATISTIC = word("statistic");
const W_COMMENT = word("comment");
const W_TCP = word("tcp");
const W_UDP = word("udp");
const W_SCTP = word("sctp");
const W_UDPLITE = word("udplite");
const W_DCCP = word("dccp");
const W_S = word("-s");
const W_D = word("-d");
const W_P = word("-p");
const W_DPORT = word("--dport");
const W_SPORT = word("--sport");
const W_MODE = word("--mode");
const W_PROBABILITY = word("--probability");
const W_RANDOM = word("random");
const W_NTH = word("nth");
const W_J = word("-j");
const W_ACCEPT = word("ACCEPT");
const W_DROP = word("DROP");
const W_RETURN = word("RETURN");
const W_DNAT = word("DNAT");
const W_TO_DESTINATION = word("--to-destination");
const W_COMMIT = word("COMMIT");
const W_DASH = word("-");
const W_APPEND = word("--append");

/** A plain (unquoted) token the general scanner would not take as the start of a statement. */
function plainValue(k: i32): bool {
  if (k >= nt || tQ(k)) return false;
  const c = <u32>load<u8>(tA(k));
  if (c == DASH || c == 33 || c == 35 || c == 42 || c == 58) return false;
  return !tIsW(k, W_COMMIT);
}

// --- values --------------------------------------------------------------------------------------

let pNet: u32 = 0, pMask: u32 = 0;

/** IPv4[/N] as plainV4Prefix reads it, into pNet, pMask. */
function v4Prefix(a: usize, b: usize): bool {
  let slash = b;
  for (let i = a; i < b; i++) if (load<u8>(i) == 47) { slash = i; break; }
  let n: u32 = 0, part: u32 = 0, digits: u32 = 0, dots: u32 = 0;
  for (let i = a; i < slash; i++) {
    const c = <u32>load<u8>(i);
    if (c == 46) {
      if (digits == 0 || ++dots > 3) return false;
      n = (n << 8) | part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part == 0) return false;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return false;
    } else return false;
  }
  if (dots != 3 || digits == 0) return false;
  const addr = (n << 8) | part;
  let bits: u32 = 32;
  if (slash < b) {
    const len = b - slash - 1;
    if (len < 1 || len > 2) return false;
    const d0 = <u32>load<u8>(slash + 1) - 48;
    if (d0 > 9 || (d0 == 0 && len > 1)) return false;
    bits = d0;
    if (len == 2) {
      const d1 = <u32>load<u8>(slash + 2) - 48;
      if (d1 > 9) return false;
      bits = d0 * 10 + d1;
    }
    if (bits > 32) return false;
  }
  const mask: u32 = bits == 0 ? 0 : 0xffffffff << (32 - bits);
  pNet = addr & mask;
  pMask = mask;
  return true;
}

/** parsePort: 1-5 digits (leading zeros allowed), <= 65535; -1 otherwise. */
function port(a: usize, b: usize): i32 {
  if (b - a < 1 || b - a > 5) return -1;
  let v: i32 = 0;
  for (let i = a; i < b; i++) {
    const d = <i32>load<u8>(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v > 65535 ? -1 : v;
}

/** parsePortRange: "80", "80:90", ":90", "1024:". */
function portRangeOk(a: usize, b: usize): bool {
  let colon = b;
  for (let i = a; i < b; i++) if (load<u8>(i) == 58) { colon = i; break; }
  if (colon == b) return port(a, b) >= 0;
  const lo = colon == a ? 0 : port(a, colon);
  const hi = colon == b - 1 ? 65535 : port(colon + 1, b);
  return lo >= 0 && hi >= 0 && lo <= hi;
}

/** portValue: "0" or 1-5 digits without a leading zero, <= 65535; else -1. */
function portValue(a: usize, b: usize): i32 {
  const n = b - a;
  if (n < 1 || n > 5 || (n > 1 && load<u8>(a) == 48)) return -1;
  return port(a, b);
}

/** natTo(raw) is defined: IPv4[/N] with at most one ":" and then a plain port. */
function natToOk(a: usize, b: usize): bool {
  let colon = b;
  for (let i = a; i < b; i++) if (load<u8>(i) == 58) { colon = i; break; }
  if (colon < b) for (let i = colon + 1; i < b; i++) if (load<u8>(i) == 58) return false;
  if (colon == a) return false;
  if (!v4Prefix(a, colon)) return false;
  return colon == b || port(colon + 1, b) >= 0;
}

/** Number(text) is finite and in [0, 1] for a plain decimal; 1 yes, 0 no, -1 not plain (the engine's reader decides). */
function plainProbability(a: usize, b: usize): i32 {
  let i = a, intDigits: u32 = 0, intVal: u64 = 0, fracDigits: u32 = 0;
  let fracNonZero = false;
  while (i < b && load<u8>(i) >= 48 && load<u8>(i) <= 57) { intVal = intVal * 10 + <u64>(load<u8>(i) - 48); intDigits++; i++; if (intDigits > 9) return -1; }
  if (i < b && load<u8>(i) == 46) {
    i++;
    while (i < b && load<u8>(i) >= 48 && load<u8>(i) <= 57) { if (load<u8>(i) != 48) fracNonZero = true; fracDigits++; i++; }
  }
  if (i != b || intDigits + fracDigits == 0) return -1;
  return intVal == 0 || (intVal == 1 && !fracNonZero) ? 1 : 0;
}

/** A protocol name parse.ts's PROTO_NUM knows (case-insensitive). */
function protoKnown(k: i32): bool {
  return tIsLower(k, "all") || tIsLower(k, "icmp") || tIsLower(k, "igmp") || tIsLower(k, "tcp") || tIsLower(k, "udp") || tIsLower(k, "gre")
    || tIsLower(k, "esp") || tIsLower(k, "ah") || tIsLower(k, "ipv6-icmp") || tIsLower(k, "icmpv6") || tIsLower(k, "sctp") || tIsLower(k, "udplite");
}

/** A target parse-fast leaves to the general path (EXT_TARGETS and the modelled non-chain targets). */
function notChainTarget(k: i32): bool {
  const c = <u32>load<u8>(tA(k));
  if (c < 65 || c > 90 || tLen(k) > 11) return false;
  return tIs(k, "CONNMARK") || tIs(k, "TCPMSS") || tIs(k, "CT") || tIs(k, "NOTRACK") || tIs(k, "REDIRECT") || tIs(k, "NFQUEUE") || tIs(k, "NFLOG")
    || tIs(k, "TPROXY") || tIs(k, "CHECKSUM") || tIs(k, "AUDIT") || tIs(k, "TRACE") || tIs(k, "CLASSIFY") || tIs(k, "DSCP") || tIs(k, "TOS")
    || tIs(k, "TTL") || tIs(k, "HL") || tIs(k, "SECMARK") || tIs(k, "CONNSECMARK") || tIs(k, "SET") || tIs(k, "NETMAP") || tIs(k, "MIRROR")
    || tIs(k, "ULOG") || tIs(k, "IDLETIMER") || tIs(k, "LED") || tIs(k, "RATEEST") || tIs(k, "SYNPROXY") || tIs(k, "TEE") || tIs(k, "HMARK")
    || tIs(k, "CLUSTERIP") || tIs(k, "ECN") || tIs(k, "TCPOPTSTRIP") || tIs(k, "QUEUE")
    || tIs(k, "REJECT") || tIs(k, "SNAT") || tIs(k, "MASQUERADE") || tIs(k, "MARK") || tIs(k, "LOG");
}

// --- chains --------------------------------------------------------------------------------------

let gBase: usize = 0;
let gChA: usize = 0, gChB: usize = 0, gChTable: usize = 0, gChBuiltin: usize = 0;
let gNChains: u32 = 0;
let gHash: usize = 0;
let gMask: u32 = 0;

/** A chain name's hash (its table mixed in): four bytes a step, then the rest one by one. */
function hashName(a: usize, b: usize, t: u32): u32 {
  let h: u32 = 2166136261 ^ t;
  let i = a;
  for (; i + 4 <= b; i += 4) h = (h ^ load<u32>(i)) * 16777619;
  for (; i < b; i++) h = (h ^ <u32>load<u8>(i)) * 16777619;
  // murmur3's finaliser: the low bits (the slot) depend on every byte.
  h ^= h >>> 16; h *= 0x85ebca6b; h ^= h >>> 13; h *= 0xc2b2ae35; h ^= h >>> 16;
  return h;
}

/** The n bytes at x and at y are equal (8 at a time, then one by one). */
@inline function sameBytes(x: usize, y: usize, n: usize): bool {
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) if (load<u64>(x + i) != load<u64>(y + i)) return false;
  for (; i < n; i++) if (load<u8>(x + i) != load<u8>(y + i)) return false;
  return true;
}

/** Table t's chain named by [a, b), or LD_NONE. */
export function findChain(t: u32, a: usize, b: usize): u32 {
  const n = b - a;
  let h = hashName(a, b, t) & gMask;
  while (true) {
    const s = gHash + <usize>h * <usize>LD_HASH_SLOT;
    const v = load<u32>(s);
    if (v == 0) return LD_NONE;
    if (load<u32>(s, 12) == t) {
      const ca = gBase + <usize>load<u32>(s, 4);
      if (<usize>load<u32>(s, 8) - <usize>load<u32>(s, 4) == n && sameBytes(ca, a, n)) return v - 1;
    }
    h = (h + 1) & gMask;
  }
  return LD_NONE;
}

function addChain(t: u32, a: usize, b: usize, builtin: bool): void {
  const g = gNChains++;
  store<u32>(gChA + (<usize>g << 2), <u32>(a - gBase));
  store<u32>(gChB + (<usize>g << 2), <u32>(b - gBase));
  store<u32>(gChTable + (<usize>g << 2), t);
  store<u32>(gChBuiltin + (<usize>g << 2), builtin ? 1 : 0);
  let h = hashName(a, b, t) & gMask;
  while (load<u32>(gHash + <usize>h * <usize>LD_HASH_SLOT) != 0) h = (h + 1) & gMask;
  const s = gHash + <usize>h * <usize>LD_HASH_SLOT;
  store<u32>(s, g + 1);
  store<u32>(s, <u32>(a - gBase), 4);
  store<u32>(s, <u32>(b - gBase), 8);
  store<u32>(s, t, 12);
}

/** The LD_BI_* bit of a built-in chain name, 0 for any other. */
function builtinBit(k: i32, skip: usize): u32 {
  const a = tA(k) + skip, n = tB(k) - a;
  if (n == 10 && tIsAt(a, "PREROUTING")) return LD_BI_PREROUTING;
  if (n == 5 && tIsAt(a, "INPUT")) return LD_BI_INPUT;
  if (n == 7 && tIsAt(a, "FORWARD")) return LD_BI_FORWARD;
  if (n == 6 && tIsAt(a, "OUTPUT")) return LD_BI_OUTPUT;
  if (n == 11 && tIsAt(a, "POSTROUTING")) return LD_BI_POSTROUTING;
  return 0;
}

function tIsAt(a: usize, w: string): bool {
  for (let i = 0; i < w.length; i++) if (<u32>load<u8>(a + <usize>i) != <u32>w.charCodeAt(i)) return false;
  return true;
}

// --- rules ---------------------------------------------------------------------------------------

let gRec: usize = 0, gRChain: usize = 0, gRStr: usize = 0;
let gNRules: u32 = 0;
let lastChain: u32 = LD_NONE, lastTable: u32 = LD_NONE;
let lastA: usize = 0, lastB: usize = 0;

@inline function rec(r: u32, w: i32): usize { return gRec + ((<usize>r * <usize>LD_REC_WORDS + <usize>w) << 2); }
@inline function rstr(r: u32, w: i32): usize { return gRStr + ((<usize>r * <usize>LD_STR_WORDS + <usize>w) << 2); }

/** A new rule slot of a chain, its record zeroed and its strings none. */
function newRule(chain: u32): u32 {
  const r = gNRules++;
  store<u32>(gRChain + (<usize>r << 2), chain);
  for (let w = 0; w < LD_REC_WORDS; w++) store<u32>(rec(r, w), 0);
  for (let w = 0; w < LD_STR_WORDS; w++) store<u32>(rstr(r, w), LD_NONE);
  return r;
}

const RULE_TAKEN: i32 = 1, RULE_ODD: i32 = 0, RULE_BAIL: i32 = -1;
// Module codes of the last -m.
const M_NONE: i32 = 0, M_COMMENT: i32 = 1, M_PORTS: i32 = 2, M_STATISTIC: i32 = 3, M_OTHER: i32 = 4;

/** The fast reading of an "-A CHAIN ..." line of table t (tokens split). */
function fastRule(t: u32): i32 {
  if (nt < 3 || !tIsW(0, W_A)) return RULE_ODD;
  if (!plainValue(1)) return RULE_ODD;
  const a = tA(1), b = tB(1);
  let chain: u32;
  let same = lastChain != LD_NONE && lastTable == t && b - a == lastB - lastA;
  for (let i: usize = 0; same && i < b - a; i++) same = load<u8>(a + i) == load<u8>(lastA + i);
  if (same) chain = lastChain;
  else {
    chain = findChain(t, a, b);
    if (chain == LD_NONE) return RULE_BAIL; // the parser's RuleBeforeChain
    lastChain = chain; lastTable = t; lastA = a; lastB = b;
  }
  let flags: u32 = 0;
  let srcNet: u32 = 0, srcMask: u32 = 0, dstNet: u32 = 0, dstMask: u32 = 0, proto: u32 = 0, dport: u32 = 0xffffffff;
  let protoTok: i32 = -1, jumpTok: i32 = -1, dnatTok: i32 = -1;
  let jump: u32 = 0;
  let module = M_NONE;
  let neg = false;
  let stat: i32 = 0;
  let prob = false;
  let target = false;
  let k: i32 = 2;
  while (k < nt) {
    if (tQ(k)) return RULE_ODD;
    if (tIsW(k, W_NOT)) {
      if (neg) return RULE_ODD;
      neg = true;
      k++;
      continue;
    }
    if (<u32>load<u8>(tA(k)) != DASH) return RULE_ODD;
    const v = k + 1;
    if (module == M_COMMENT && tIsW(k, W_COMMENT_OPT)) {
      if (v >= nt || !tQ(v) || neg) return RULE_ODD;
      if (tIsW(v, W_NOT)) return RULE_ODD;
      if (v + 1 < nt && (tQ(v + 1) || (<u32>load<u8>(tA(v + 1)) != DASH && !tIsW(v + 1, W_NOT)))) return RULE_ODD;
      k = v + 1;
      neg = false;
      continue;
    }
    if (!plainValue(v)) return RULE_ODD;
    const o2 = tLen(k) == 2;
    if (o2 && tIsW(k, W_M)) {
      if (neg) return RULE_ODD;
      if (tIsW(v, W_STATISTIC)) {
        if (stat == 1) prob = true;
        stat = 0;
        module = M_STATISTIC;
      } else if (tIsW(v, W_COMMENT)) module = M_COMMENT;
      else if (tIsW(v, W_TCP) || tIsW(v, W_UDP) || tIsW(v, W_SCTP) || tIsW(v, W_UDPLITE) || tIsW(v, W_DCCP)) module = M_PORTS;
      else module = M_OTHER;
    } else if (o2 && (tIsW(k, W_S) || tIsW(k, W_D))) {
      if (!v4Prefix(tA(v), tB(v))) return RULE_ODD;
      if (load<u8>(tA(k) + 1) == 115) { flags = (flags & ~(NF_F_SRC | NF_F_SRC_NEG)) | NF_F_SRC | (neg ? NF_F_SRC_NEG : 0); srcNet = pNet; srcMask = pMask; }
      else { flags = (flags & ~(NF_F_DST | NF_F_DST_NEG)) | NF_F_DST | (neg ? NF_F_DST_NEG : 0); dstNet = pNet; dstMask = pMask; }
    } else if (o2 && tIsW(k, W_P)) {
      if (tIsW(v, W_TCP)) { proto = LD_PROTO_TCP; protoTok = -1; }
      else if (tIsW(v, W_UDP)) { proto = LD_PROTO_UDP; protoTok = -1; }
      else {
        if (!protoKnown(v)) return RULE_ODD;
        proto = LD_FROM_STR;
        protoTok = v;
      }
      flags = (flags & ~(NF_F_PROTO | NF_F_PROTO_NEG)) | NF_F_PROTO | (neg ? NF_F_PROTO_NEG : 0);
    } else if (tIsW(k, W_DPORT) || tIsW(k, W_SPORT)) {
      if (module != M_NONE && module != M_PORTS) return RULE_ODD;
      if (!portRangeOk(tA(v), tB(v))) return RULE_ODD;
      if (load<u8>(tA(k) + 2) == 100) {
        flags = (flags & ~(NF_F_DPORT | NF_F_DPORT_NEG)) | NF_F_DPORT | (neg ? NF_F_DPORT_NEG : 0);
        dport = <u32>portValue(tA(v), tB(v));
      }
    } else if (tIsW(k, W_MODE) || tIsW(k, W_PROBABILITY)) {
      if (module != M_STATISTIC) return RULE_ODD;
      if (stat == 0) stat = 1;
      if (tLen(k) == 6) {
        if (tIsW(v, W_RANDOM)) stat = 1;
        else if (tIsW(v, W_NTH)) stat = 2;
        else return RULE_ODD;
      } else if (plainProbability(tA(v), tB(v)) != 1) return RULE_ODD; // not plain, or out of range: the parser reads it
    } else if (o2 && tIsW(k, W_J)) {
      const rest = nt - (v + 1);
      if (tIsW(v, W_ACCEPT) || tIsW(v, W_DROP) || tIsW(v, W_RETURN)) {
        if (rest != 0) return RULE_ODD;
        jump = LD_JUMP_STR;
        jumpTok = v;
      } else if (tIsW(v, W_DNAT)) {
        if (rest != 2 || !tIsW(v + 1, W_TO_DESTINATION) || !plainValue(v + 2)) return RULE_ODD;
        if (!natToOk(tA(v + 2), tB(v + 2))) return RULE_ODD;
        jump = LD_JUMP_DNAT;
        dnatTok = v + 2;
      } else {
        if (rest != 0 || notChainTarget(v)) return RULE_ODD;
        jumpTok = v; // a chain: resolved by nfKpResolve
      }
      target = true;
      k = nt;
      continue;
    } else return RULE_ODD;
    neg = false;
    k = v + 1;
  }
  if (!target || neg) return RULE_ODD;
  if (stat == 1) prob = true;
  if (prob) flags |= NF_F_PROB;
  const r = newRule(chain);
  store<u32>(rec(r, KR_FLAGS), flags);
  store<u32>(rec(r, KR_SRC_NET), srcNet); store<u32>(rec(r, KR_SRC_MASK), srcMask);
  store<u32>(rec(r, KR_DST_NET), dstNet); store<u32>(rec(r, KR_DST_MASK), dstMask);
  store<u32>(rec(r, KR_PROTO), proto); store<u32>(rec(r, KR_DPORT), dport);
  store<u32>(rec(r, KR_STYPE), NF_TYPE_OTHER); store<u32>(rec(r, KR_DTYPE), NF_TYPE_OTHER);
  store<u32>(rec(r, KR_JUMP), jump);
  if (protoTok >= 0) { store<u32>(rstr(r, 0), <u32>(tA(protoTok) - gBase)); store<u32>(rstr(r, 1), <u32>(tB(protoTok) - gBase)); }
  if (dnatTok >= 0) { store<u32>(rstr(r, 2), <u32>(tA(dnatTok) - gBase)); store<u32>(rstr(r, 3), <u32>(tB(dnatTok) - gBase)); }
  if (jumpTok >= 0) { store<u32>(rstr(r, 4), <u32>(tA(jumpTok) - gBase)); store<u32>(rstr(r, 5), <u32>(tB(jumpTok) - gBase)); }
  return RULE_TAKEN;
}

/** An odd rule line's chain token ("-A C", "--append C", "[p:b] -A C"), or -1. */
function oddChainToken(): i32 {
  let k: i32 = 0;
  if (nt > 0 && load<u8>(tA(0)) == 91 && !tQ(0)) k = 1;
  if (k + 1 >= nt || tQ(k) || !(tIsW(k, W_A) || tIsW(k, W_APPEND))) return -1;
  return plainValue(k + 1) ? k + 1 : -1;
}

/** A split rule line of table t for the engine's parser: its slot and chain (LD_ST_ODD), or LD_ST_BAIL when it names no declared chain. */
function oddLine(params: usize, t: u32, from: usize, e: usize): i32 {
  const k = oddChainToken();
  if (k < 0) return LD_ST_BAIL;
  const chain = findChain(t, tA(k), tB(k));
  if (chain == LD_NONE) return LD_ST_BAIL;
  store<u32>(params + LD_C, chain);
  newRule(chain);
  store<u32>(params + LD_A, <u32>(from - gBase));
  store<u32>(params + LD_B, <u32>(e - gBase));
  return LD_ST_ODD;
}

export function loadGlobals(params: usize): void {
  gBase = <usize>load<u32>(params + LD_BYTES);
  gRec = <usize>load<u32>(params + LD_REC); gRChain = <usize>load<u32>(params + LD_RCHAIN); gRStr = <usize>load<u32>(params + LD_RSTR);
  gNRules = load<u32>(params + LD_NRULES);
  gChA = <usize>load<u32>(params + LD_CH_A); gChB = <usize>load<u32>(params + LD_CH_B);
  gChTable = <usize>load<u32>(params + LD_CH_TABLE); gChBuiltin = <usize>load<u32>(params + LD_CH_BUILTIN);
  gNChains = load<u32>(params + LD_NCHAINS);
  gHash = <usize>load<u32>(params + LD_HASH); gMask = load<u32>(params + LD_HASH_MASK);
}

/** Reads lines from LD_POS until the end or a stop (LD_ST_*); the counts and LD_POS are written back. */
export function nfKpLoad(params: usize): i32 {
  loadGlobals(params);
  // The last chain seen is remembered within a call only (another dump may be at the same address).
  lastChain = LD_NONE;
  lastTable = LD_NONE;
  const end = gBase + <usize>load<u32>(params + LD_LEN);
  let pos = gBase + <usize>load<u32>(params + LD_POS);
  let table = load<u32>(params + LD_TABLE);
  const builtins = load<u32>(params + LD_BUILTINS);
  let st = LD_ST_DONE;
  while (pos < end) {
    const nl = lineEnd(pos, end);
    let e = nl;
    if (e > pos && <u32>load<u8>(e - 1) == CR) e--;
    const from = pos;
    pos = nl < end ? nl + 1 : end;
    if (from == e) continue;
    const c0 = <u32>load<u8>(from);
    if (c0 == DASH && table != LD_NONE) {
      if (!tokens(from, e)) {
        // Control or non-ASCII bytes, odd quoting: a rule line for the engine's parser (it finds the chain).
        store<u32>(params + LD_C, LD_NONE);
        newRule(LD_NONE);
        store<u32>(params + LD_A, <u32>(from - gBase)); store<u32>(params + LD_B, <u32>(e - gBase));
        st = LD_ST_ODD;
        break;
      }
      const got = fastRule(table);
      if (got == RULE_TAKEN) continue;
      if (got == RULE_BAIL) { st = LD_ST_BAIL; break; }
      st = oddLine(params, table, from, e);
      break;
    }
    if (c0 == 91 && table != LD_NONE) {
      // "[packets:bytes] -A CHAIN ...": counters in front (iptables-save -c): the parser's.
      st = tokens(from, e) ? oddLine(params, table, from, e) : LD_ST_BAIL;
      break;
    }
    if (c0 == 58 && table != LD_NONE) {
      // ":CHAIN POLICY [p:b]"
      if (!tokens(from, e) || (nt != 2 && nt != 3) || tQ(1) || (nt == 3 && tQ(2)) || tLen(0) < 2) { st = LD_ST_BAIL; break; }
      const isDash = tIsW(1, W_DASH), isPolicy = tIsW(1, W_ACCEPT) || tIsW(1, W_DROP);
      if (!isDash && !isPolicy) { st = LD_ST_BAIL; break; }
      if (nt == 3) {
        // "[digits:digits]"
        const a = tA(2), b = tB(2);
        let ok = b - a >= 5 && load<u8>(a) == 91 && load<u8>(b - 1) == 93;
        let colon: usize = 0;
        for (let i = a + 1; ok && i < b - 1; i++) {
          const c = <u32>load<u8>(i);
          if (c == 58) { if (colon != 0) ok = false; else colon = i; }
          else if (c < 48 || c > 57) ok = false;
        }
        if (!ok || colon == 0 || colon == a + 1 || colon == b - 2) { st = LD_ST_BAIL; break; }
      }
      const a = tA(0) + 1, b = tB(0);
      if (findChain(table, a, b) != LD_NONE) { st = LD_ST_BAIL; break; }
      const builtin = (builtinBit(0, 1) & builtins) != 0;
      // A built-in chain takes ACCEPT, DROP or "-"; a user chain only "-".
      if (!builtin && isPolicy) { st = LD_ST_BAIL; break; }
      addChain(table, a, b, builtin);
      continue;
    }
    if (c0 == 35) {
      // A comment of plain printable text: JS checks that no statement starts inside it.
      let plain = true;
      for (let i = from; i < e && plain; i++) {
        const c = <u32>load<u8>(i);
        plain = c >= 32 && c <= 126 && c != QUOTE && c != 92;
      }
      if (!plain) { st = LD_ST_BAIL; break; }
      store<u32>(params + LD_A, <u32>(from - gBase)); store<u32>(params + LD_B, <u32>(e - gBase));
      st = LD_ST_COMMENT;
      break;
    }
    if (c0 == 42) {
      if (table != LD_NONE) { st = LD_ST_BAIL; break; }
      store<u32>(params + LD_A, <u32>(from + 1 - gBase)); store<u32>(params + LD_B, <u32>(e - gBase));
      st = LD_ST_TABLE;
      break;
    }
    if (c0 == 67 && table != LD_NONE && e - from == 6 && tIsAt(from, "COMMIT")) {
      table = LD_NONE;
      lastChain = LD_NONE;
      continue;
    }
    // Blanks only (space, tab, carriage return): the parser skips them.
    let blank = true;
    for (let i = from; i < e && blank; i++) {
      const c = <u32>load<u8>(i);
      blank = c == SP || c == 9 || c == CR;
    }
    if (blank) continue;
    st = LD_ST_BAIL;
    break;
  }
  store<u32>(params + LD_POS, <u32>(pos - gBase));
  store<u32>(params + LD_TABLE, table);
  store<u32>(params + LD_NRULES, gNRules);
  store<u32>(params + LD_NCHAINS, gNChains);
  return st;
}

/**
 * Resolves the fast rules' jumps to chains: KR_CHAIN = chain + 1, and for a chain the helper reads
 * as a target (LD_CH_TARGET) KR_JUMP = LD_JUMP_TARGET as well. Returns 0, or 1 when a jump names
 * no chain of its table or a built-in one (the parser reports it: the engine parses the dump).
 */
export function nfKpResolve(params: usize): i32 {
  loadGlobals(params);
  const targets = <usize>load<u32>(params + LD_CH_TARGET);
  // The last name resolved, compared first: jumps to one chain come in runs (KUBE-MARK-MASQ).
  let lastT: u32 = LD_NONE, lastA: usize = 0, lastN: usize = 0, lastG: u32 = LD_NONE;
  for (let r: u32 = 0; r < gNRules; r++) {
    const ja = load<u32>(rstr(r, 4));
    if (ja == LD_NONE || load<u32>(rec(r, KR_JUMP)) != 0) continue;
    const chain = load<u32>(gRChain + (<usize>r << 2));
    const t = load<u32>(gChTable + (<usize>chain << 2));
    const a = gBase + <usize>ja, n = <usize>load<u32>(rstr(r, 5)) - <usize>ja;
    let g: u32;
    if (t == lastT && n == lastN && sameBytes(a, lastA, n)) g = lastG;
    else {
      g = findChain(t, a, a + n);
      lastT = t; lastA = a; lastN = n; lastG = g;
    }
    if (g == LD_NONE || load<u32>(gChBuiltin + (<usize>g << 2)) != 0) return 1;
    store<u32>(rec(r, KR_CHAIN), g + 1);
    if (load<u8>(targets + <usize>g) != 0) store<u32>(rec(r, KR_JUMP), LD_JUMP_TARGET);
  }
  return 0;
}

/**
 * The byte ranges [base + a, base + b) one after another at `out`, for n ranges whose a and b are
 * u32 words at `starts` and `ends`, `step` words apart (base + a wraps, as the loader's ranges do
 * for texts placed below the dump). Returns the bytes written. So JS decodes the chain names and
 * the outputs as one short text instead of the whole dump. Copies by 8-byte words: it reads up to
 * 7 bytes past a range and writes up to 7 past the total (the caller's blocks keep 16 free). The
 * readable twin is gatherRanges in packages/engine/src/netfilter/kube-proxy/load.ts.
 */
export function nfGather(base: usize, starts: usize, ends: usize, step: u32, n: u32, out: usize): u32 {
  let o = out;
  const stride = <usize>step << 2;
  for (let i: u32 = 0; i < n; i++) {
    const at = <usize>i * stride;
    const a = load<u32>(starts + at), b = load<u32>(ends + at);
    const len = <usize>(b - a);
    let from = base + <usize>a;
    const stop = o + len;
    for (let q = o; q < stop; q += 8, from += 8) store<u64>(q, load<u64>(from));
    o = stop;
  }
  return <u32>(o - out);
}
