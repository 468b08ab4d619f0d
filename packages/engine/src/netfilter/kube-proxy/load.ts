// The flows loader: an iptables-save dump's bytes straight into KpRules (compile.ts), for bulk
// kube-proxy-test runs, without the Ruleset object graph (a 10,000-service dump is ~1.3 million
// objects there, and a third of the load time was garbage collection).
//
// It takes what the parser's fast path (parse-fast.ts) takes — ":CHAIN POLICY [p:b]" and
// "-A CHAIN [! -s|-d IPv4[/N]] [-p P] [-m comment --comment "..."] [-m tcp --dport N]
// [-m statistic --mode random --probability P] -j TARGET [--to-destination IP:PORT]" — plus
// "*table", "COMMIT", comments and blank lines, and reads each such rule as kpFlat would read the
// Rule the parser builds. Any other rule line (conntrack, mark, addrtype, counters in front, ...)
// goes, with all the others like it, through parseRuleset in one small dump of its own, and its
// Rule through the same kpRecord as the general path: a rule means the same wherever it is read.
//
// It returns undefined — "read it with the general parser" — on anything else and on anything
// the general parser would report: a structural error, a statement that does not end at the end
// of its line, a non-ASCII byte outside a quoted comment, a rule for an undeclared chain, a jump
// to a missing or built-in chain, a jump loop, IPv6. So errors keep their wording, line and column,
// and a dump the engine refuses is refused the same way. A differential test requires the same
// program words as KpProgram(kpRulesOf(parseRuleset(text))) on every fixture dump, on generated
// kube-proxy dumps and on random mutations of them.
import { KR, KrStrings, KP_TARGET_NAMES, kpRecord, type KpRules } from "./compile.ts";
import { newKpFlat } from "./trace.ts";
import { NF_ABI as A } from "./compile.ts";
import { natTo } from "../parse-fast.ts";
import { parseRuleset, parsePortRange, PROTO_NUM, EXT_TARGETS } from "../parse.ts";
import { BUILTIN_CHAINS } from "../model.ts";

const SP = 32, QUOTE = 34, BANG = 33, DASH = 45, HASH = 35, STAR = 42, COLON = 58, LF = 10, CR = 13, TAB = 9;
const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Token k of the current line: [ts[2k], ts[2k+1]) with QUOTED set in the start of a quoted one (quotes excluded). */
const QUOTED = 0x40000000;
/** At most MAX_TOKENS tokens per line are split here (a longer line is an odd one, for the parser). */
const MAX_TOKENS = 1024;
const ts = new Int32Array(2 * MAX_TOKENS);
let nt = 0;

/**
 * Splits [a, e) at spaces as parse-fast's lineTokens does. Returns false where that gives up (an
 * escape in a quote, text glued to a closing quote, a control or non-ASCII byte outside quotes).
 */
function tokens(s: Uint8Array, a: number, e: number): boolean {
  nt = 0;
  let i = a;
  while (i < e) {
    let c = s[i];
    if (c === SP) { i++; continue; }
    if (nt === MAX_TOKENS) return false;
    if (c === QUOTE) {
      let q = i + 1;
      for (; q < e; q++) {
        const d = s[q];
        if (d === QUOTE) break;
        if (d === 92) return false;
      }
      if (q >= e) return false;
      if (q + 1 < e && s[q + 1] !== SP) return false;
      if (q + 1 > QUOTED - 1) return false;
      ts[nt * 2] = (i + 1) | QUOTED;
      ts[nt * 2 + 1] = q;
      nt++;
      i = q + 1;
      continue;
    }
    const st = i;
    for (;;) {
      if (c < 33 || c > 126 || c === QUOTE) {
        if (c === SP) break;
        return false;
      }
      if (++i >= e) break;
      c = s[i];
    }
    ts[nt * 2] = st;
    ts[nt * 2 + 1] = i;
    nt++;
  }
  return true;
}

// The text of the whole dump, decoded once (latin1: one character per byte): names and values are
// substrings of it, so no decoder call is made per token.
let text = "";
const tStart = (k: number) => ts[k * 2] & ~QUOTED;
const tEnd = (k: number) => ts[k * 2 + 1];
const tQuoted = (k: number) => (ts[k * 2] & QUOTED) !== 0;
const tLen = (k: number) => tEnd(k) - tStart(k);
const tText = (k: number) => text.substring(tStart(k), tEnd(k));

/** Token k equals w (its bytes; quoting ignored, as parse-fast's word() ignores it). */
function tIs(s: Uint8Array, k: number, w: Uint8Array): boolean {
  const a = tStart(k);
  if (tEnd(k) - a !== w.length) return false;
  for (let i = 0; i < w.length; i++) if (s[a + i] !== w[i]) return false;
  return true;
}

const W = (t: string) => Uint8Array.from(t, (c) => c.charCodeAt(0));
const W_A = W("-A"), W_BANG = W("!"), W_TO_DEST = W("--to-destination"), W_COMMIT = W("COMMIT"), W_APPEND = W("--append");
const W_ACCEPT = W("ACCEPT"), W_DROP = W("DROP"), W_DASH = W("-");
const NOT_CHAIN_TARGETS = new Set([...EXT_TARGETS, "REJECT", "SNAT", "MASQUERADE", "MARK", "LOG"]);

// Words of the fast grammar, by code: what word() finds for a token (0: none of them).
const WORD_LIST = [
  "", "!", "-m", "-s", "-d", "-p", "-j", "--comment", "--dport", "--sport", "--mode", "--probability",
  "comment", "tcp", "udp", "sctp", "udplite", "dccp", "statistic", "random", "nth", "ACCEPT", "DROP", "RETURN", "DNAT",
];
const [, O_BANG, O_M, O_S, O_D, O_P, O_J, O_COMMENT, O_DPORT, O_SPORT, O_MODE, O_PROB,
  V_COMMENT, V_TCP, V_UDP, V_SCTP, V_UDPLITE, V_DCCP, V_STATISTIC, V_RANDOM, V_NTH, V_ACCEPT, V_DROP, V_RETURN, V_DNAT] = WORD_LIST.map((_, i) => i);
const WORDS = WORD_LIST.map(W);
/** Candidate codes by token length. */
const BY_LEN: number[][] = [];
WORDS.forEach((w, i) => { if (i) (BY_LEN[w.length] ??= []).push(i); });

/** The code of token k's word (0 when it is none of WORD_LIST). */
function word(s: Uint8Array, k: number): number {
  const a = tStart(k);
  const cands = BY_LEN[tEnd(k) - a];
  if (cands === undefined) return 0;
  const c0 = s[a], c1 = s[a + 1];
  for (let j = 0; j < cands.length; j++) {
    const w = WORDS[cands[j]];
    if (w[0] !== c0 || (w.length > 1 && w[1] !== c1)) continue;
    let i = 2;
    while (i < w.length && s[a + i] === w[i]) i++;
    if (i >= w.length) return cands[j];
  }
  return 0;
}

/** A plain (unquoted) token the general scanner would not take as the start of a statement (parse-fast's plainValue). */
function plainValue(s: Uint8Array, k: number): boolean {
  if (k >= nt || tQuoted(k)) return false;
  const c = s[tStart(k)];
  if (c === DASH || c === BANG || c === HASH || c === STAR || c === COLON) return false;
  return !tIs(s, k, W_COMMIT);
}

/** plainV4Prefix over bytes: network and mask into pfx, or false. */
const pfx = new Uint32Array(2);
function v4Prefix(s: Uint8Array, a: number, b: number): boolean {
  let slash = -1;
  for (let i = a; i < b; i++) if (s[i] === 47) { slash = i; break; }
  const addrEnd = slash < 0 ? b : slash;
  let n = 0, part = 0, digits = 0, dots = 0;
  for (let i = a; i < addrEnd; i++) {
    const c = s[i];
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return false;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return false;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return false;
    } else return false;
  }
  if (dots !== 3 || digits === 0) return false;
  const addr = (n * 256 + part) >>> 0;
  let bits = 32;
  if (slash >= 0) {
    const len = b - slash - 1;
    if (len < 1 || len > 2) return false;
    const d0 = s[slash + 1] - 48;
    if (d0 < 0 || d0 > 9 || (d0 === 0 && len > 1)) return false;
    bits = d0;
    if (len === 2) {
      const d1 = s[slash + 2] - 48;
      if (d1 < 0 || d1 > 9) return false;
      bits = d0 * 10 + d1;
    }
    if (bits > 32) return false;
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  pfx[0] = (addr & mask) >>> 0;
  pfx[1] = mask;
  return true;
}

/** parsePortRange(token) is defined. */
function portRangeOk(s: Uint8Array, k: number): boolean {
  const a = tStart(k), b = tEnd(k);
  if (b - a >= 1 && b - a <= 5) {
    let v = 0, digits = true;
    for (let i = a; i < b; i++) {
      const d = s[i] - 48;
      if (d < 0 || d > 9) { digits = false; break; }
      v = v * 10 + d;
    }
    if (digits) return v <= 65535;
  }
  return parsePortRange(tText(k)) !== undefined;
}

/** portValue(token) over bytes: "0" or 1-5 digits without a leading zero, <= 65535; else -1. */
function portValueAt(s: Uint8Array, k: number): number {
  const a = tStart(k), n = tLen(k);
  if (n < 1 || n > 5) return -1;
  if (n > 1 && s[a] === 48) return -1;
  let x = 0;
  for (let i = a; i < a + n; i++) {
    const d = s[i] - 48;
    if (d < 0 || d > 9) return -1;
    x = x * 10 + d;
  }
  return x <= 65535 ? x : -1;
}


/** A plain decimal probability ("0", "1", "0.5", "1.000", ".25"): Number() of it is finite and in [0, 1] exactly when this says so; else undefined (ask Number). */
function plainProbability(s: Uint8Array, k: number): boolean | undefined {
  const a = tStart(k), b = tEnd(k);
  let i = a, intDigits = 0, intVal = 0, fracNonZero = false;
  while (i < b && s[i] >= 48 && s[i] <= 57) { intVal = intVal * 10 + s[i] - 48; intDigits++; i++; if (intDigits > 9) return undefined; }
  let fracDigits = 0;
  if (i < b && s[i] === 46) {
    i++;
    while (i < b && s[i] >= 48 && s[i] <= 57) { if (s[i] !== 48) fracNonZero = true; fracDigits++; i++; }
  }
  if (i !== b || intDigits + fracDigits === 0) return undefined;
  return intVal === 0 || (intVal === 1 && !fracNonZero);
}

interface LTable {
  name: string;
  /** Its chains' global indexes, in declaration order. */
  global: number[];
  /** By name, built when a name (not bytes) is looked up. */
  byName?: Map<string, number>;
}

interface Loader {
  s: Uint8Array;
  strings: KrStrings;
  /** Per global chain: table index, name, builtin, the bytes of its name. */
  chainTable: number[];
  chainName: string[];
  chainBuiltin: boolean[];
  nameA: number[];
  nameB: number[];
  /** Chains by (table, name bytes): open addressing, global index + 1 (0 = empty). */
  slots: Int32Array;
  tables: LTable[];
  /** Rules in file order: their KR records, and each one's global chain. */
  rec: Uint32Array;
  ruleChain: Int32Array;
  n: number;
  /** Jumps to user chains, checked and resolved at the end (the parser's resolveTable and findLoops): rule (-1: none), from chain, target. */
  jumpRule: number[];
  jumpFrom: number[];
  /** The target's name as byte offsets [a, b) in s, or (-1, index into jumpNames) for a name read by the parser. */
  jumpA: number[];
  jumpB: number[];
  jumpNames: string[];
  /** Rule lines the fast reading does not take: rule slot, global chain, text. */
  odd: { slot: number; chain: number; text: string }[];
  /** The last chain a rule named (rules of one chain come in a run): its global index and bytes. */
  lastChain: number;
  lastTable: number;
  lastA: number;
  lastB: number;
}

function hashBytes(s: Uint8Array, a: number, b: number, t: number): number {
  let h = 2166136261 ^ t;
  for (let i = a; i < b; i++) h = Math.imul(h ^ s[i], 16777619);
  return h >>> 0;
}

function sameName(s: Uint8Array, a: number, b: number, c: number, d: number): boolean {
  if (b - a !== d - c) return false;
  for (let i = 0; i < b - a; i++) if (s[a + i] !== s[c + i]) return false;
  return true;
}

/** The global index of table t's chain named by the bytes [a, b), or -1. */
function findChain(L: Loader, t: number, a: number, b: number): number {
  const mask = L.slots.length - 1;
  for (let h = hashBytes(L.s, a, b, t) & mask; ; h = (h + 1) & mask) {
    const v = L.slots[h];
    if (v === 0) return -1;
    const g = v - 1;
    if (L.chainTable[g] === t && sameName(L.s, a, b, L.nameA[g], L.nameB[g])) return g;
  }
}

/** The global index of table t's chain of that name (a string: an odd rule's target), or -1. */
function findChainNamed(L: Loader, t: number, name: string): number {
  const tab = L.tables[t];
  if (!tab.byName || tab.byName.size !== tab.global.length) tab.byName = new Map(tab.global.map((g) => [L.chainName[g], g]));
  return tab.byName.get(name) ?? -1;
}

function addChain(L: Loader, t: number, a: number, b: number, builtin: boolean): void {
  if ((L.chainName.length + 1) * 2 > L.slots.length) {
    const old = L.slots;
    L.slots = new Int32Array(old.length * 2);
    const mask = L.slots.length - 1;
    for (let g = 0; g < L.chainName.length; g++) {
      let h = hashBytes(L.s, L.nameA[g], L.nameB[g], L.chainTable[g]) & mask;
      while (L.slots[h] !== 0) h = (h + 1) & mask;
      L.slots[h] = g + 1;
    }
  }
  const g = L.chainName.length;
  const mask = L.slots.length - 1;
  let h = hashBytes(L.s, a, b, t) & mask;
  while (L.slots[h] !== 0) h = (h + 1) & mask;
  L.slots[h] = g + 1;
  L.tables[t].global.push(g);
  L.chainTable.push(t);
  L.chainName.push(text.substring(a, b));
  L.chainBuiltin.push(builtin);
  L.nameA.push(a);
  L.nameB.push(b);
}

function newRule(L: Loader, chain: number): number {
  if (L.n === L.ruleChain.length) {
    const r = new Uint32Array(L.rec.length * 2); r.set(L.rec); L.rec = r;
    const c = new Int32Array(L.ruleChain.length * 2); c.set(L.ruleChain); L.ruleChain = c;
  }
  L.ruleChain[L.n] = chain;
  return L.n++;
}

const UNSURE = -2;
// Ids of the two protocols nearly every rule names (the string table is seeded with them).
const ID_TCP = 1, ID_UDP = 2;

/**
 * The fast reading of an "-A CHAIN ..." line (tokens already split) of table t: 1 when taken, 0
 * when it is a rule line for the general parser (an odd line), UNSURE when the whole dump should go to it.
 */
function fastRule(L: Loader, t: number): number {
  const s = L.s;
  if (nt < 3 || !tIs(s, 0, W_A)) return 0;
  if (!plainValue(s, 1)) return 0;
  let chain: number;
  const a = tStart(1), b = tEnd(1);
  if (L.lastChain >= 0 && L.lastTable === t && sameName(s, a, b, L.lastA, L.lastB)) chain = L.lastChain;
  else {
    chain = findChain(L, t, a, b);
    // A rule for a chain not declared before it: the parser's RuleBeforeChain.
    if (chain < 0) return UNSURE;
    L.lastChain = chain; L.lastTable = t; L.lastA = a; L.lastB = b;
  }
  let flags = 0;
  let srcNet = 0, srcMask = 0, dstNet = 0, dstMask = 0, proto = 0, dport = -1 >>> 0;
  let jump = 0, dnat = 0, jumpTok = -1;
  // The module of the last -m: a V_* code, -1 for any other, 0 for none yet.
  let module = 0;
  let neg = false;
  // Statistic matches: the current one's mode (0 none, 1 random, 2 nth); any random one sets PROB.
  let stat = 0;
  let prob = false;
  let target = false;
  let k = 2;
  while (k < nt) {
    if (tQuoted(k)) return 0;
    const o = word(s, k);
    if (o === O_BANG) {
      if (neg) return 0;
      neg = true;
      k += 1;
      continue;
    }
    if (s[tStart(k)] !== DASH) return 0;
    const v = k + 1;
    if (o === O_COMMENT && module === V_COMMENT) {
      if (v >= nt || !tQuoted(v) || neg) return 0;
      if (tIs(s, v, W_BANG)) return 0;
      if (v + 1 < nt && (tQuoted(v + 1) || (s[tStart(v + 1)] !== DASH && !tIs(s, v + 1, W_BANG)))) return 0;
      k = v + 1;
      neg = false;
      continue;
    }
    if (!plainValue(s, v)) return 0;
    switch (o) {
      case O_M: {
        if (neg) return 0;
        const m = word(s, v);
        if (m === V_STATISTIC) {
          if (stat === 1) prob = true;
          stat = 0;
        }
        module = m >= V_COMMENT && m <= V_STATISTIC ? m : -1;
        break;
      }
      case O_S: case O_D:
        if (!v4Prefix(s, tStart(v), tEnd(v))) return 0;
        if (o === O_S) { flags = (flags & ~(A.NF_F_SRC | A.NF_F_SRC_NEG)) | A.NF_F_SRC | (neg ? A.NF_F_SRC_NEG : 0); srcNet = pfx[0]; srcMask = pfx[1]; }
        else { flags = (flags & ~(A.NF_F_DST | A.NF_F_DST_NEG)) | A.NF_F_DST | (neg ? A.NF_F_DST_NEG : 0); dstNet = pfx[0]; dstMask = pfx[1]; }
        break;
      case O_P: {
        const pw = word(s, v);
        if (pw === V_TCP) proto = ID_TCP;
        else if (pw === V_UDP) proto = ID_UDP;
        else {
          const p = tText(v).toLowerCase();
          if (!Object.hasOwn(PROTO_NUM, p)) return 0;
          proto = L.strings.id(p);
        }
        flags = (flags & ~(A.NF_F_PROTO | A.NF_F_PROTO_NEG)) | A.NF_F_PROTO | (neg ? A.NF_F_PROTO_NEG : 0);
        break;
      }
      case O_DPORT: case O_SPORT:
        if (module === -1 || module === V_COMMENT || module === V_STATISTIC) return 0;
        if (!portRangeOk(s, v)) return 0;
        if (o === O_DPORT) {
          flags = (flags & ~(A.NF_F_DPORT | A.NF_F_DPORT_NEG)) | A.NF_F_DPORT | (neg ? A.NF_F_DPORT_NEG : 0);
          dport = portValueAt(s, v) >>> 0;
        }
        break;
      case O_MODE: case O_PROB:
        if (module !== V_STATISTIC) return 0;
        if (stat === 0) stat = 1;
        if (o === O_MODE) {
          const m = word(s, v);
          if (m === V_RANDOM) stat = 1;
          else if (m === V_NTH) stat = 2;
          else return 0;
        } else {
          let ok = plainProbability(s, v);
          if (ok === undefined) {
            const n = Number(tText(v));
            ok = Number.isFinite(n) && n >= 0 && n <= 1;
          }
          if (!ok) return 0;
        }
        break;
      case O_J: {
        const rest = nt - (v + 1);
        const jw = word(s, v);
        if (jw === V_ACCEPT || jw === V_DROP || jw === V_RETURN) {
          if (rest) return 0;
          jump = L.strings.id(WORD_LIST[jw]);
        } else if (jw === V_DNAT) {
          if (rest !== 2 || !tIs(s, v + 1, W_TO_DEST) || !plainValue(s, v + 2)) return 0;
          const raw = tText(v + 2);
          if (!natTo(raw)) return 0;
          jump = L.strings.id("DNAT");
          dnat = L.strings.id(raw);
        } else {
          if (rest) return 0;
          // Extension targets have upper-case names: only those are looked up as text.
          const c0 = s[tStart(v)];
          if (c0 >= 65 && c0 <= 90 && tLen(v) <= 16 && NOT_CHAIN_TARGETS.has(tText(v))) return 0;
          jumpTok = v;
        }
        target = true;
        k = nt;
        continue;
      }
      default:
        return 0;
    }
    neg = false;
    k = v + 1;
  }
  if (!target || neg) return 0;
  if (stat === 1) prob = true;
  if (prob) flags |= A.NF_F_PROB;
  const r = newRule(L, chain);
  const w = r * KR.WORDS;
  const R = L.rec;
  R[w + KR.FLAGS] = flags; R[w + KR.SRC_NET] = srcNet; R[w + KR.SRC_MASK] = srcMask; R[w + KR.DST_NET] = dstNet; R[w + KR.DST_MASK] = dstMask;
  R[w + KR.PROTO] = proto; R[w + KR.DPORT] = dport; R[w + KR.STYPE] = A.NF_TYPE_OTHER; R[w + KR.DTYPE] = A.NF_TYPE_OTHER;
  R[w + KR.JUMP] = jump; R[w + KR.DNAT] = dnat; R[w + KR.CHAIN] = 0;
  if (jumpTok >= 0) {
    // A jump to a chain: resolved at the end (by then every chain of the table is declared).
    L.jumpRule.push(r); L.jumpFrom.push(chain); L.jumpA.push(tStart(jumpTok)); L.jumpB.push(tEnd(jumpTok));
  }
  return 1;
}

/** The chain an odd rule line names ("-A C", "--append C", "[p:b] -A C"), or undefined. */
function oddChainToken(s: Uint8Array): number | undefined {
  let k = 0;
  if (nt > 0 && s[tStart(0)] === 91 && !tQuoted(0)) k = 1;
  if (k + 1 >= nt || tQuoted(k) || !(tIs(s, k, W_A) || tIs(s, k, W_APPEND))) return undefined;
  return plainValue(s, k + 1) ? k + 1 : undefined;
}

const COMMENT_SPLIT = /\s(?=\*[a-z]+\s|:\S+\s+(?:ACCEPT|DROP|-|RETURN)\s+\[|-A\s|COMMIT(?:\s|$)|#\s)/;
const TABLE_NAME = /^[a-z][a-z0-9_-]*$/;
const COUNTERS = /^\[\d+:\d+\]$/;

/** KpRules for a dump's bytes, or undefined: read it with the general parser (see the top of this file). */
export function kpRulesFromBytes(s: Uint8Array, source = "input"): KpRules | undefined {
  const len = s.length;
  // A byte-order mark: the general parser's.
  if (len >= 3 && s[0] === 0xef && s[1] === 0xbb && s[2] === 0xbf) return undefined;
  text = latin1.decode(s);
  try {
    return load(s, source);
  } finally {
    text = "";
  }
}

function load(s: Uint8Array, source: string): KpRules | undefined {
  const len = s.length;
  const strings = new KrStrings();
  strings.id("tcp"); strings.id("udp");
  const L: Loader = {
    s, strings, chainTable: [], chainName: [], chainBuiltin: [], nameA: [], nameB: [], slots: new Int32Array(1024), tables: [],
    rec: new Uint32Array(1024 * KR.WORDS), ruleChain: new Int32Array(1024), n: 0,
    jumpRule: [], jumpFrom: [], jumpA: [], jumpB: [], jumpNames: [], odd: [],
    lastChain: -1, lastTable: -1, lastA: 0, lastB: 0,
  };
  let table = -1;
  let pos = 0;
  const oddLine = (from: number, e: number, chain: number, decode: boolean) => {
    const slot = newRule(L, chain);
    L.rec.fill(0, slot * KR.WORDS, (slot + 1) * KR.WORDS);
    L.odd.push({ slot, chain, text: decode ? utf8.decode(s.subarray(from, e)) : text.substring(from, e) });
  };
  while (pos < len) {
    let nl = s.indexOf(LF, pos);
    if (nl < 0) nl = len;
    let e = nl;
    if (e > pos && s[e - 1] === CR) e--;
    const from = pos;
    pos = nl + 1;
    const c0 = s[from];
    if (from === e) continue;
    if (c0 === DASH && table >= 0) {
      if (!tokens(s, from, e)) {
        // Control or non-ASCII bytes, odd quoting: a rule line for the parser, if it is one.
        const line = utf8.decode(s.subarray(from, e));
        if (!/^-A [^\s"!#*:-][^\s"]* /.test(line)) return undefined;
        const chain = findChainNamed(L, table, line.slice(3, line.indexOf(" ", 3)));
        if (chain < 0) return undefined;
        oddLine(from, e, chain, true);
        continue;
      }
      const got = fastRule(L, table);
      if (got === 1) continue;
      if (got === UNSURE) return undefined;
      const k = oddChainToken(s);
      if (k === undefined) return undefined;
      const chain = findChain(L, table, tStart(k), tEnd(k));
      if (chain < 0) return undefined;
      oddLine(from, e, chain, true);
      continue;
    }
    if (c0 === 91 && table >= 0) {
      // "[packets:bytes] -A CHAIN ...": counters in front (iptables-save -c).
      if (!tokens(s, from, e)) return undefined;
      const k = oddChainToken(s);
      if (k === undefined) return undefined;
      const chain = findChain(L, table, tStart(k), tEnd(k));
      if (chain < 0) return undefined;
      oddLine(from, e, chain, false);
      continue;
    }
    if (c0 === COLON && table >= 0) {
      if (!tokens(s, from, e) || (nt !== 2 && nt !== 3) || tQuoted(1) || (nt === 3 && tQuoted(2)) || tLen(0) < 2) return undefined;
      const pol = tIs(s, 1, W_DASH) ? "-" : tIs(s, 1, W_ACCEPT) ? "ACCEPT" : tIs(s, 1, W_DROP) ? "DROP" : undefined;
      if (pol === undefined) return undefined;
      // "[0:0]" as it nearly always is, else the parser's pattern.
      if (nt === 3 && !(tLen(2) === 5 && s[tStart(2)] === 91 && s[tStart(2) + 1] === 48 && s[tStart(2) + 2] === COLON && s[tStart(2) + 3] === 48 && s[tStart(2) + 4] === 93) && !COUNTERS.test(tText(2))) return undefined;
      const a = tStart(0) + 1, b = tEnd(0);
      if (findChain(L, table, a, b) >= 0) return undefined;
      const tname = L.tables[table].name;
      const builtin = (BUILTIN_CHAINS[tname] ?? []).includes(text.substring(a, b));
      const policy = pol === "-" ? undefined : pol;
      if (builtin !== (policy !== undefined) && !(builtin && pol === "-")) return undefined;
      addChain(L, table, a, b, builtin);
      continue;
    }
    if (c0 === HASH) {
      // Only plain printable text: a quote or an odd byte is the general scanner's to judge.
      for (let i = from; i < e; i++) if (s[i] < 32 || s[i] > 126 || s[i] === QUOTE || s[i] === 92) return undefined;
      if (COMMENT_SPLIT.test(text.substring(from, e))) return undefined;
      continue;
    }
    if (c0 === STAR) {
      if (table >= 0) return undefined;
      const name = text.substring(from + 1, e);
      if (!TABLE_NAME.test(name) || L.tables.some((t) => t.name === name)) return undefined;
      table = L.tables.length;
      L.tables.push({ name, global: [] });
      L.lastChain = -1;
      continue;
    }
    if (c0 === 67 && table >= 0 && e - from === 6 && text.startsWith("COMMIT", from)) {
      table = -1;
      continue;
    }
    // Blanks only (space, tab, carriage return): the parser skips them.
    let blank = true;
    for (let i = from; i < e && blank; i++) blank = s[i] === SP || s[i] === TAB || s[i] === CR;
    if (blank) continue;
    return undefined;
  }
  if (table >= 0 || L.tables.length === 0) return undefined;
  if (L.odd.length && !readOddLines(L, source)) return undefined;
  if (!jumpsResolve(L)) return undefined;
  return assemble(L);
}

/**
 * The odd rule lines, through parseRuleset in one dump of their own (their tables, their chains
 * declared as in the dump, the lines in file order), each Rule into its slot through kpRecord.
 * False when that dump does not read back as one rule per line, or reads as IPv6.
 */
function readOddLines(L: Loader, source: string): boolean {
  const byTable = new Map<number, { chains: Set<number>; lines: typeof L.odd }>();
  for (const o of L.odd) {
    const t = L.chainTable[o.chain];
    let e = byTable.get(t);
    if (!e) byTable.set(t, (e = { chains: new Set(), lines: [] }));
    e.chains.add(o.chain);
    e.lines.push(o);
  }
  let mini = "";
  for (const [t, e] of byTable) {
    mini += `*${L.tables[t].name}\n`;
    for (const c of e.chains) mini += `:${L.chainName[c]} ${L.chainBuiltin[c] ? "ACCEPT" : "-"} [0:0]\n`;
    for (const o of e.lines) mini += o.text + "\n";
    mini += "COMMIT\n";
  }
  let rs;
  try {
    rs = parseRuleset(mini, { source });
  } catch {
    return false;
  }
  // A line that holds another statement too (a chain, a table) reads back as more than its rule.
  if (rs.family !== 4 || rs.tables.size !== byTable.size) return false;
  const k = newKpFlat();
  for (const [t, e] of byTable) {
    const tab = rs.tables.get(L.tables[t].name);
    if (!tab || tab.chains.size !== e.chains.size) return false;
    const next = new Map<number, number>();
    let total = 0;
    for (const c of e.chains) total += tab.chains.get(L.chainName[c])?.rules.length ?? 0;
    if (total !== e.lines.length) return false;
    for (const o of e.lines) {
      const rules = tab.chains.get(L.chainName[o.chain])!.rules;
      const i = next.get(o.chain) ?? 0;
      next.set(o.chain, i + 1);
      const r = rules[i];
      if (!r) return false;
      kpRecord(r, k, L.rec, o.slot * KR.WORDS, L.strings);
      if (r.target?.kind === "jump") {
        // Checked with the others, and resolved when it is a plain -j (kpRecord gave JUMP its name already).
        L.jumpRule.push(r.target.goto ? -1 : o.slot); L.jumpFrom.push(o.chain);
        L.jumpA.push(-1); L.jumpB.push(L.jumpNames.length); L.jumpNames.push(r.target.chain);
      }
    }
  }
  return true;
}

/**
 * Every jump names a user chain of its table, and no chain reaches itself (the parser's
 * resolveTable and findLoops); the fast rules' jumps get their chain (KR.CHAIN, as a global
 * index + 1 until assemble renumbers it).
 */
function jumpsResolve(L: Loader): boolean {
  const nc = L.chainName.length;
  const nj = L.jumpFrom.length;
  const count = new Int32Array(nc + 1);
  const to = new Int32Array(nj);
  // Per chain: 0 not looked at, 1 a name the helper treats as a target (KUBE-MARK-MASQ), 2 a chain.
  const targetKind = new Uint8Array(nc);
  for (let j = 0; j < nj; j++) {
    const from = L.jumpFrom[j];
    const t = L.chainTable[from];
    const g = L.jumpA[j] >= 0 ? findChain(L, t, L.jumpA[j], L.jumpB[j]) : findChainNamed(L, t, L.jumpNames[L.jumpB[j]]);
    if (g < 0 || L.chainBuiltin[g]) return false;
    to[j] = g;
    count[from + 1]++;
    // A plain -j (not -g) to a chain the helper's view reads as one: resolved here (KR.CHAIN).
    const r = L.jumpRule[j];
    if (r >= 0) {
      let kind = targetKind[g];
      if (kind === 0) targetKind[g] = kind = KP_TARGET_NAMES.has(L.chainName[g]) ? 1 : 2;
      if (kind === 2) L.rec[r * KR.WORDS + KR.CHAIN] = g + 1;
      else if (L.jumpA[j] >= 0) L.rec[r * KR.WORDS + KR.JUMP] = L.strings.id(L.chainName[g]);
    }
  }
  for (let c = 0; c < nc; c++) count[c + 1] += count[c];
  const edges = new Int32Array(nj);
  const fill = count.slice(0, nc);
  for (let j = 0; j < nj; j++) edges[fill[L.jumpFrom[j]]++] = to[j];
  // Depth first without recursion: 0 unseen, 1 on the path, 2 done.
  const state = new Uint8Array(nc);
  const stack = new Int32Array(nc);
  const at = new Int32Array(nc);
  for (let root = 0; root < nc; root++) {
    if (state[root]) continue;
    let sp = 0;
    stack[0] = root; at[0] = count[root]; state[root] = 1;
    while (sp >= 0) {
      const c = stack[sp];
      if (at[sp] < count[c + 1]) {
        const d = edges[at[sp]++];
        if (state[d] === 1) return false;
        if (state[d] === 0) { state[d] = 1; sp++; stack[sp] = d; at[sp] = count[d]; }
      } else {
        state[c] = 2;
        sp--;
      }
    }
  }
  return true;
}

/** KpRules: nat's chains then filter's, in declaration order, each chain's rules in file order (KR.CHAIN renumbered to that order). */
function assemble(L: Loader): KpRules {
  const chains: KpRules["chains"] = [];
  const nc = L.chainName.length;
  const slotOf = new Int32Array(nc).fill(-1);
  const program = new Int32Array(nc).fill(-1);
  let total = 0;
  const per = new Int32Array(nc);
  for (let r = 0; r < L.n; r++) per[L.ruleChain[r]]++;
  for (const tn of ["nat", "filter"] as const) {
    const t = L.tables.find((x) => x.name === tn);
    if (!t) continue;
    for (const g of t.global) {
      program[g] = chains.length;
      chains.push({ table: tn, name: L.chainName[g], first: total, count: per[g] });
      slotOf[g] = total;
      total += per[g];
    }
  }
  const W = KR.WORDS;
  const rec = new Uint32Array(total * W);
  for (let r = 0; r < L.n; r++) {
    const g = L.ruleChain[r];
    const at = slotOf[g];
    if (at < 0) continue; // a table the kube-proxy helper does not read
    rec.set(L.rec.subarray(r * W, (r + 1) * W), at * W);
    const cw = rec[at * W + KR.CHAIN];
    if (cw) rec[at * W + KR.CHAIN] = program[cw - 1] + 1;
    slotOf[g] = at + 1;
  }
  return { chains, rec, strings: L.strings.list };
}
