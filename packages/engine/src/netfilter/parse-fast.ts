// The fast path of the iptables-save parser (parse.ts): one pass of character codes over a
// physical line for the statements that make up nearly all of a kube-proxy dump:
//   :CHAIN POLICY [p:b]
//   -A CHAIN [! -s|-d IPv4[/N]] [-p tcp|udp|sctp|...] [-m comment --comment "..."] [-m tcp --dport N]
//            [-m statistic --mode random --probability P] -j TARGET [DNAT --to-destination IP:PORT]
// It builds the same Chain and Rule objects the general path builds (a differential test requires
// deep equality on every fixture dump and on generated ones) and gives up, having changed nothing,
// on anything else: any other option or target, an error of any kind, an escape in a quote, a tab
// or carriage return inside the line, a statement that does not end at the end of its line. The
// general path then reads the line, so every error and issue keeps its wording, line and column.
// With parseRuleset's lazy option the same shapes are kept as numbers instead (lazy rules, below).
import type { Scanner } from "./parse.ts";
import { PROTO_NUM, EXT_TARGETS, parsePortRange } from "./parse.ts";
import { plainV4, plainV4At, plainV4Prefix } from "./net.ts";
import { BUILTIN_CHAINS, type Chain, type Match, type NatTo, type PortRange, type Rule, type Ruleset, type Table, type Target } from "./model.ts";

export interface FastState {
  rs: Ruleset;
  table: Table | undefined;
  familySeen: boolean;
  lastTable?: Table;
  lastChain?: Chain;
  /** parseRuleset's lazy option: rules of the common shapes kept as numbers (LazyStore), not objects. */
  lazy?: LazyStore;
  lastLazy?: LazyChain;
  /** The chains the fast path declared in orderTable, in order, and the position of lastChain there (-1: none). */
  order?: Chain[];
  orderTable?: Table;
  orderAt?: number;
  orderIndex?: Map<Chain, number>;
}

const SP = 32, QUOTE = 34, BANG = 33, DASH = 45;

/**
 * The tokens of one line, as [start, end) pairs (a quoted token: the quotes excluded, with
 * QUOTED set in its start), or false when the line has something the fast path leaves to the
 * general one.
 */
const QUOTED = 0x40000000;
let toks = new Int32Array(256);
let nt = 0;
const scratch: Match[] = [];

function lineTokens(s: string, from: number, end: number): boolean {
  nt = 0;
  let i = from;
  while (i < end) {
    let c = s.charCodeAt(i);
    if (c === SP) { i++; continue; }
    if (nt + 2 > toks.length) { const t = new Int32Array(toks.length * 2); t.set(toks); toks = t; }
    if (c === QUOTE) {
      // Up to the closing quote, within the line; an escape, or text glued to the quote, is the general scanner's.
      let q = i + 1;
      for (; q < end; q++) {
        const d = s.charCodeAt(q);
        if (d === QUOTE) break;
        if (d === 92) return false;
      }
      if (q >= end) return false;
      if (q + 1 < end && s.charCodeAt(q + 1) !== SP) return false;
      if (q + 1 > QUOTED - 1) return false;
      toks[nt++] = (i + 1) | QUOTED;
      toks[nt++] = q;
      i = q + 1;
      continue;
    }
    const st = i;
    for (;;) {
      if (c < 33 || c === 0x7f || c === 0xfffd || c === QUOTE || c > 126) {
        if (c === SP) break;
        return false;
      }
      if (++i >= end) break;
      c = s.charCodeAt(i);
    }
    toks[nt++] = st;
    toks[nt++] = i;
  }
  return true;
}

/** The words of the common shapes, by length: a token equal to one is that constant (no string made). */
const WORDS: string[][] = [];
for (const w of ["!", "-", "-m", "-s", "-d", "-p", "-j", "tcp", "udp", "nth", "sctp", "DROP", "DNAT", "ACCEPT", "RETURN", "random", "--mode", "comment", "--dport", "--sport",
  "statistic", "--comment", "--probability", "KUBE-MARK-MASQ", "--to-destination"]) (WORDS[w.length] ??= []).push(w);

function word(s: string, k: number): string {
  const a = toks[k] & ~QUOTED, b = toks[k + 1];
  const ws = WORDS[b - a];
  if (ws) for (let i = 0; i < ws.length; i++) if (s.startsWith(ws[i], a)) return ws[i];
  return s.slice(a, b);
}

/** A plain (unquoted) token the general scanner would not take as the start of a statement. */
function plainValue(s: string, k: number): boolean {
  if (k >= nt || toks[k] & QUOTED) return false;
  const c = s.charCodeAt(toks[k]);
  // "-x" (an option), "!", "#", "*table", ":CHAIN" and COMMIT: the general path decides.
  if (c === DASH || c === BANG || c === 35 || c === 42 || c === 58) return false;
  return !(toks[k + 1] - toks[k] === 6 && s.startsWith("COMMIT", toks[k]));
}

/** A decimal number of 1 to `max` digits in s[a, b) (no sign), else -1. */
function decimal(s: string, a: number, b: number, max: number): number {
  if (b <= a || b - a > max) return -1;
  let n = 0;
  for (let i = a; i < b; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** parsePortRange on s[a, b) without making the string: a plain port (1-5 digits, <= 65535), else the general helper. */
function portRange(s: string, a: number, b: number, val: string): PortRange | undefined {
  const p = decimal(s, a, b, 5);
  if (p >= 0) return p <= 65535 ? [p, p] : undefined;
  return parsePortRange(val);
}

/** The options the fast path takes, by their text: one small number each (0: any other). */
const O_BANG = 1, O_M = 2, O_S = 3, O_D = 4, O_P = 5, O_J = 6, O_COMMENT = 7, O_DPORT = 8, O_SPORT = 9, O_MODE = 10, O_PROB = 11;
function option(s: string, a: number, b: number): number {
  const n = b - a;
  const c0 = s.charCodeAt(a);
  if (n === 1) return c0 === BANG ? O_BANG : 0;
  if (c0 !== DASH) return 0;
  const c1 = s.charCodeAt(a + 1);
  if (n === 2) return c1 === 109 ? O_M : c1 === 115 ? O_S : c1 === 100 ? O_D : c1 === 112 ? O_P : c1 === 106 ? O_J : 0;
  if (c1 !== DASH) return 0;
  switch (n) {
    case 9: return s.startsWith("--comment", a) ? O_COMMENT : 0;
    case 7: return s.startsWith("--dport", a) ? O_DPORT : s.startsWith("--sport", a) ? O_SPORT : 0;
    case 6: return s.startsWith("--mode", a) ? O_MODE : 0;
    case 13: return s.startsWith("--probability", a) ? O_PROB : 0;
  }
  return 0;
}

/** Token 2 (the chain of "-A CHAIN") is `name`. */
function isName(s: string, name: string): boolean {
  return toks[3] - toks[2] === name.length && s.startsWith(name, toks[2]);
}

/** Takes the statement on the scanner's line when it has one of the common shapes; else false. */
export function fastLine(sc: Scanner, st: FastState): boolean {
  const s = sc.text;
  const from = sc.pos;
  const c0 = s.charCodeAt(from);
  if (c0 !== DASH && c0 !== 58) return false;
  let eol = s.indexOf("\n", from);
  if (eol < 0) eol = s.length;
  let end = eol;
  if (end > from && s.charCodeAt(end - 1) === 13) end--;
  if (!lineTokens(s, from, end)) return false;
  const table = st.table!;
  const line = sc.line;
  const ls = sc.lineStart;

  if (c0 === 58) {
    // ":CHAIN POLICY [p:b]"
    if (nt !== 4 && nt !== 6) return false;
    if (toks[1] - toks[0] < 2) return false;
    const name = s.slice(toks[0] + 1, toks[1]);
    const pol = word(s, 2);
    if (pol !== "-" && pol !== "ACCEPT" && pol !== "DROP") return false;
    let packets = 0, bytes = 0;
    if (nt === 6) {
      // "[digits:digits]", as /^\[(\d+):(\d+)\]$/ takes it (long counters through the general path).
      const a = toks[4], b = toks[5];
      if (a & QUOTED || s.charCodeAt(a) !== 91 || s.charCodeAt(b - 1) !== 93) return false;
      const colon = s.indexOf(":", a);
      if (colon < 0 || colon >= b) return false;
      packets = decimal(s, a + 1, colon, 15);
      bytes = decimal(s, colon + 1, b - 1, 15);
      if (packets < 0 || bytes < 0) return false;
    }
    if (table.chains.has(name)) return false;
    const builtin = (BUILTIN_CHAINS[table.name] ?? []).includes(name);
    const policy = pol === "ACCEPT" || pol === "DROP" ? pol : undefined;
    if (builtin !== (policy !== undefined) && !(builtin && pol === "-")) return false;
    const chain: Chain = st.lazy ? lazyDecl(name, builtin, policy, packets, bytes, line, table, st.lazy) : { name, builtin, policy, packets, bytes, line, rules: [] };
    table.chains.set(name, chain);
    if (st.orderTable !== table) { st.order = []; st.orderTable = table; st.orderAt = -1; st.orderIndex = undefined; }
    st.order!.push(chain);
    sc.tookLine(end);
    return true;
  }

  // "-A CHAIN ..."
  if (nt < 6 || toks[1] - toks[0] !== 2 || s.charCodeAt(from + 1) !== 65) return false;
  if (!plainValue(s, 2)) return false;
  // Rules of one chain come in a run: the last chain is compared before the table is looked up.
  let chain = st.lastChain;
  if (!chain || st.lastTable !== table || !isName(s, chain.name)) {
    // iptables-save prints the chains' rules in the order it declares them: the chain declared
    // after the last one is tried before the table is looked up.
    const order = st.order;
    const at0 = st.orderAt ?? -1;
    const next = order && st.orderTable === table && at0 >= 0 ? order[at0 + 1] : undefined;
    if (next && isName(s, next.name)) {
      chain = next;
      st.orderAt = at0 + 1;
    } else {
      chain = table.chains.get(s.slice(toks[2], toks[3]));
      if (!chain) return false;
      st.orderAt = -1;
      if (order && st.orderTable === table) {
        // Positions of the declared chains, extended as more are declared (never rebuilt).
        const at = (st.orderIndex ??= new Map());
        for (let i = at.size; i < order.length; i++) at.set(order[i], i);
        st.orderAt = at.get(chain) ?? -1;
      }
    }
    st.lastChain = chain;
    st.lastTable = table;
  }
  if (st.lazy && lazyRule(s, from, line, ls, table, chain, st)) {
    sc.tookLine(end);
    return true;
  }
  // (A lazy chain's rules are counted, not read: reading them would decode other lines over toks.)
  const rule = decodeRule(s, from, line, ls, table, chain, ruleCount(chain, st.lazy) + 1);
  if (!rule) return false;
  if (sawV4 && !st.familySeen) {
    st.rs.family = 4;
    st.familySeen = true;
  }
  addRule(chain, rule, st.lazy);
  st.rs.ruleCount++;
  sc.tookLine(end);
  return true;
}

/** Set by decodeRule: the rule names an IPv4 address (the ruleset's family). */
let sawV4 = false;

/** The Rule of the tokenized line (toks), or undefined where the general path must read it. */
function decodeRule(s: string, from: number, line: number, ls: number, table: Table, chain: Chain, num: number): Rule | undefined {
  const col = from - ls + 1;
  sawV4 = false;
  // Gathered in one reused array, copied out at its exact length (a pushed-to array keeps spare room).
  const matches = scratch;
  matches.length = 0;
  let target: Target | undefined;
  let module = "";
  let neg = false;
  let stat: Extract<Match, { kind: "statistic" }> | undefined;
  let k = 4;
  while (k < nt) {
    const ta = toks[k];
    if (ta & QUOTED) return undefined;
    const o = option(s, ta, toks[k + 1]);
    if (o === 0) return undefined;
    const oc = ta - ls + 1;
    if (o === O_BANG) {
      if (neg) return undefined;
      neg = true;
      k += 2;
      continue;
    }
    // Every option here takes one value.
    const v = k + 2;
    if (o === O_COMMENT && module === "comment") {
      // Quoted, and followed by an option or nothing: the general path would take following plain words too.
      if (v >= nt || !(toks[v] & QUOTED) || neg) return undefined;
      const ca = toks[v] & ~QUOTED, cb = toks[v + 1];
      if (cb - ca === 1 && s.charCodeAt(ca) === BANG) return undefined;
      if (v + 2 < nt) {
        const na = toks[v + 2];
        if (na & QUOTED) return undefined;
        const nc = s.charCodeAt(na);
        if (nc !== DASH && !(nc === BANG && toks[v + 3] - na === 1)) return undefined;
      }
      matches.push({ kind: "comment", text: s.slice(ca, cb), col: oc });
      k = v + 2;
      neg = false;
      continue;
    }
    if (!plainValue(s, v)) return undefined;
    const va = toks[v], vb = toks[v + 1];
    switch (o) {
      case O_M: {
        if (neg) return undefined;
        module = word(s, v);
        if (module === "statistic") stat = undefined;
        break;
      }
      case O_S: case O_D: {
        const prefix = plainV4Prefix(s.slice(va, vb));
        if (!prefix) return undefined;
        sawV4 = true;
        matches.push({ kind: o === O_S ? "src" : "dst", neg, prefix, col: oc });
        break;
      }
      case O_P: {
        const p = word(s, v).toLowerCase();
        const num = Object.hasOwn(PROTO_NUM, p) ? PROTO_NUM[p] : undefined;
        if (num === undefined) return undefined;
        matches.push({ kind: "proto", neg, proto: p, num, col: oc });
        break;
      }
      case O_DPORT: case O_SPORT: {
        if (module !== "tcp" && module !== "udp" && module !== "sctp" && module !== "udplite" && module !== "dccp" && module !== "") return undefined;
        const val = s.slice(va, vb);
        const range = portRange(s, va, vb, val);
        if (!range) return undefined;
        matches.push({ kind: o === O_SPORT ? "sport" : "dport", neg, range, raw: val, col: oc });
        break;
      }
      case O_MODE: case O_PROB: {
        if (module !== "statistic") return undefined;
        if (!stat) {
          stat = { kind: "statistic", mode: "random", probability: 1, every: 1, packet: 0, col: oc };
          matches.push(stat);
        }
        if (o === O_MODE) {
          const val = word(s, v);
          if (val !== "random" && val !== "nth") return undefined;
          stat.mode = val;
        } else {
          const n = Number(s.slice(va, vb));
          if (!Number.isFinite(n) || n < 0 || n > 1) return undefined;
          stat.probability = n;
        }
        break;
      }
      case O_J: {
        const val = word(s, v);
        const tc = va - ls + 1;
        const rest = nt - (v + 2);
        if (val === "ACCEPT" || val === "DROP" || val === "RETURN") {
          if (rest) return undefined;
          target = { kind: "verdict", name: val, col: tc };
        } else if (val === "DNAT") {
          if (rest !== 4 || word(s, v + 2) !== "--to-destination" || !plainValue(s, v + 4)) return undefined;
          const to = natTo(s.slice(toks[v + 4], toks[v + 5]));
          if (!to) return undefined;
          sawV4 = true;
          target = { kind: "dnat", to, random: false, randomFully: false, col: tc };
        } else {
          if (rest || EXT_TARGETS.has(val) || val === "REJECT" || val === "SNAT" || val === "MASQUERADE" || val === "MARK" || val === "LOG") return undefined;
          // A declared chain's own name: one string for every jump to it, its hash computed once.
          const dest = table.chains.get(val);
          target = { kind: "jump", chain: dest ? dest.name : val, goto: false, col: tc };
        }
        k = nt;
        continue;
      }
      default:
        return undefined;
    }
    neg = false;
    k = v + 2;
  }
  if (!target || neg) return undefined;
  const rule: Rule = {
    table: table.name, chain: chain.name, num, line, col,
    text: s.slice(from, toks[nt - 1]), matches: matches.slice(),
  };
  rule.target = target;
  return rule;
}

// ---- lazy rules -------------------------------------------------------------------------------
// With parseRuleset's lazy option, a rule of the common shapes is kept as a few numbers (its
// matches and target, and where its line is) instead of a Rule: a chain's Rule objects are made
// from its lines when its `rules` are first read (decodeRule, the same code as the eager path),
// and the kernel compiler (kernel/compile.ts) encodes the numbers without making them at all. A
// generated node ruleset (95,000 rules) is then traced by wasm without 95,000 Rule objects; the
// TypeScript tracer reads only the chains it walks.

/** A growing list of u32 words. */
export class U32s {
  a = new Uint32Array(1024);
  n = 0;
  grow(k: number): void {
    const b = new Uint32Array(Math.max(this.a.length * 2, this.n + k));
    b.set(this.a.subarray(0, this.n));
    this.a = b;
  }
}

/** Kinds of a lazy rule's matches (LazyStore.ms: 3 words each, kind | neg << 8, a, b). */
export const LZ_SRC = 1, LZ_DST = 2, LZ_PROTO = 3, LZ_SPORT = 4, LZ_DPORT = 5, LZ_STAT = 6;
/** Kinds of a lazy rule's target. */
export const LZ_ACCEPT = 1, LZ_DROP = 2, LZ_RETURN = 3, LZ_JUMP = 4, LZ_DNAT = 5;
/** Words of a lazy rule's record (LazyStore.recs). */
export const LZ_REC = 9;

/**
 * The lazy rules of one parse. Record i (LZ_REC words at recs[9i]): first match (index into ms,
 * in matches), match count, target kind, DNAT address, DNAT has a port, DNAT port, then the line's
 * offset, number and start offset in the text. Matches: src/dst (net, mask), proto (number, 0),
 * sport/dport (lo, hi), statistic (index into probs, 0 random | 1 nth). A jump's chain is
 * targets[i] (always a declared user chain of the table: any other jump is made a Rule).
 */
export interface LazyStore {
  text: string;
  recs: U32s;
  ms: U32s;
  probs: number[];
  targets: (Chain | undefined)[];
  count: number;
  /** The chains with lazy rules (a chain leaves when its rules are read). */
  chains: Map<Chain, LazyChain>;
  /** The Ruleset's tables (set at the end of the parse): read without exposing them. */
  tables?: Map<string, Table>;
}

/** A chain holding lazy rules: its rules in order, each a lazy record number or a Rule the general path made. */
export interface LazyChain {
  chain: Chain;
  table: Table;
  store: LazyStore;
  entries: (number | Rule)[];
}

/** The lazy store of a Ruleset parsed with the lazy option (for the kernel compiler). */
const stores = new WeakMap<Ruleset, LazyStore>();

export function newLazyStore(rs: Ruleset, text: string): LazyStore {
  const store: LazyStore = { text, recs: new U32s(), ms: new U32s(), probs: [], targets: [], count: 0, chains: new Map() };
  stores.set(rs, store);
  return store;
}

export function lazyStoreOf(rs: Ruleset): LazyStore | undefined {
  return stores.get(rs);
}

/** How many rules the chain has (a lazy chain's are not made). */
export function ruleCount(chain: Chain, store: LazyStore | undefined): number {
  const lc = store?.chains.get(chain);
  return lc ? lc.entries.length : chain.rules.length;
}

/** Appends a rule (a lazy chain keeps its other rules lazy). */
export function addRule(chain: Chain, rule: Rule, store: LazyStore | undefined): void {
  const lc = store?.chains.get(chain);
  if (lc) lc.entries.push(rule);
  else chain.rules.push(rule);
}

/**
 * A chain declared in a lazy parse: a plain object whose `rules` (an empty placeholder) become an
 * accessor only when the Ruleset's tables are first read (expose): an object with an accessor costs
 * ten plain ones, and the bulk path, which compiles from the store, never reads them.
 */
function lazyDecl(name: string, builtin: boolean, policy: Chain["policy"], packets: number, bytes: number, line: number, table: Table, store: LazyStore): Chain {
  const chain: Chain = { name, builtin, policy, packets, bytes, line, rules: [] };
  store.chains.set(chain, { chain, table, store, entries: [] });
  return chain;
}

function setRules(lc: LazyChain, v: Rule[]): void {
  lc.store.chains.delete(lc.chain);
  Object.defineProperty(lc.chain, "rules", { value: v, writable: true, enumerable: true, configurable: true });
}

/** A chain the general path declared, made lazy at its first lazy rule. */
function makeLazy(chain: Chain, table: Table, store: LazyStore): LazyChain {
  const lc: LazyChain = { chain, table, store, entries: chain.rules.slice() };
  store.chains.set(chain, lc);
  return lc;
}

/** The chain's rules, made if they are lazy (for the parser itself, before the tables are exposed). */
export function chainRules(chain: Chain, store: LazyStore | undefined): Rule[] {
  const lc = store?.chains.get(chain);
  return lc ? materialize(lc) : chain.rules;
}

/**
 * At the end of a lazy parse: `rs.tables` an accessor that, when first read, gives each chain
 * still lazy a `rules` accessor (its Rules made when read) and becomes a plain property again.
 * The kernel compiler reads the tables from the store (store.tables) and so leaves them lazy.
 */
export function expose(rs: Ruleset, store: LazyStore): void {
  const tables = rs.tables;
  store.tables = tables;
  if (!store.chains.size) return;
  const plain = (v: Map<string, Table>) => Object.defineProperty(rs, "tables", { value: v, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(rs, "tables", {
    get: () => {
      for (const lc of store.chains.values()) {
        Object.defineProperty(lc.chain, "rules", {
          get: () => materialize(lc),
          set: (v: Rule[]) => setRules(lc, v),
          enumerable: true, configurable: true,
        });
      }
      plain(tables);
      return tables;
    },
    set: (v: Map<string, Table>) => { plain(v); },
    enumerable: true, configurable: true,
  });
}

/** Makes the chain's Rule objects from its lines (as the eager parse makes them) and keeps them. */
function materialize(lc: LazyChain): Rule[] {
  const { chain, table, store } = lc;
  const s = store.text, recs = store.recs.a;
  const rules: Rule[] = [];
  for (const e of lc.entries) {
    if (typeof e !== "number") { rules.push(e); continue; }
    const o = e * LZ_REC;
    const from = recs[o + 6], line = recs[o + 7], ls = recs[o + 8];
    let end = s.indexOf("\n", from);
    if (end < 0) end = s.length;
    if (end > from && s.charCodeAt(end - 1) === 13) end--;
    const rule = lineTokens(s, from, end) ? decodeRule(s, from, line, ls, table, chain, rules.length + 1) : undefined;
    if (!rule) throw new Error(`internal: lazy rule at line ${line} does not decode`);
    rules.push(rule);
  }
  setRules(lc, rules);
  return rules;
}

function put(ms: U32s, neg: boolean, kind: number, a: number, b: number): void {
  if (ms.n + 3 > ms.a.length) ms.grow(3);
  const w = ms.a, n = ms.n;
  w[n] = kind | ((neg ? 1 : 0) << 8); w[n + 1] = a; w[n + 2] = b;
  ms.n = n + 3;
}

function rollback(ms: U32s, m0: number): false {
  ms.n = m0;
  return false;
}

/**
 * The tokenized line (toks) as a lazy rule when decodeRule would take it and its jump, if any, is
 * to a declared user chain; else false, with nothing changed.
 */
function lazyRule(s: string, from: number, line: number, ls: number, table: Table, chain: Chain, st: FastState): boolean {
  const store = st.lazy!;
  const ms = store.ms;
  const m0 = ms.n;
  let module = "";
  let neg = false;
  let statAt = -1;
  let v4 = false;
  let tkind = 0, t1 = 0, t2 = 0, t3 = 0;
  let target: Chain | undefined;
  let k = 4;
  while (k < nt) {
    const ta = toks[k];
    if (ta & QUOTED) return rollback(ms, m0);
    const o = option(s, ta, toks[k + 1]);
    if (o === 0) return rollback(ms, m0);
    if (o === O_BANG) {
      if (neg) return rollback(ms, m0);
      neg = true;
      k += 2;
      continue;
    }
    const v = k + 2;
    if (o === O_COMMENT && module === "comment") {
      if (v >= nt || !(toks[v] & QUOTED) || neg) return rollback(ms, m0);
      const ca = toks[v] & ~QUOTED, cb = toks[v + 1];
      if (cb - ca === 1 && s.charCodeAt(ca) === BANG) return rollback(ms, m0);
      if (v + 2 < nt) {
        const na = toks[v + 2];
        if (na & QUOTED) return rollback(ms, m0);
        const nc = s.charCodeAt(na);
        if (nc !== DASH && !(nc === BANG && toks[v + 3] - na === 1)) return rollback(ms, m0);
      }
      k = v + 2;
      neg = false;
      continue;
    }
    if (!plainValue(s, v)) return rollback(ms, m0);
    const va = toks[v], vb = toks[v + 1];
    switch (o) {
      case O_M: {
        if (neg) return rollback(ms, m0);
        module = word(s, v);
        if (module === "statistic") statAt = -1;
        break;
      }
      case O_S: case O_D: {
        if (!plainV4At(s, va, vb)) return rollback(ms, m0);
        v4 = true;
        put(ms, neg, o === O_S ? LZ_SRC : LZ_DST, plainV4.net, plainV4.mask);
        break;
      }
      case O_P: {
        const p = word(s, v).toLowerCase();
        const num = Object.hasOwn(PROTO_NUM, p) ? PROTO_NUM[p] : undefined;
        // The proto text is kept in the Rule: only the spellings decodeRule keeps as they are.
        if (num === undefined || (p !== "tcp" && p !== "udp" && p !== "sctp")) return rollback(ms, m0);
        put(ms, neg, LZ_PROTO, num, 0);
        break;
      }
      case O_DPORT: case O_SPORT: {
        if (module !== "tcp" && module !== "udp" && module !== "sctp" && module !== "udplite" && module !== "dccp" && module !== "") return rollback(ms, m0);
        const p = decimal(s, va, vb, 5);
        if (p < 0 || p > 65535) return rollback(ms, m0);
        put(ms, neg, o === O_SPORT ? LZ_SPORT : LZ_DPORT, p, p);
        break;
      }
      case O_MODE: case O_PROB: {
        if (module !== "statistic") return rollback(ms, m0);
        if (statAt < 0) {
          statAt = ms.n;
          put(ms, neg, LZ_STAT, store.probs.length, 0);
          store.probs.push(1);
          ms.a[statAt] = LZ_STAT; // no negation on statistic
        }
        if (o === O_MODE) {
          const val = word(s, v);
          if (val !== "random" && val !== "nth") return rollback(ms, m0);
          ms.a[statAt + 2] = val === "nth" ? 1 : 0;
        } else {
          const n = Number(s.slice(va, vb));
          if (!Number.isFinite(n) || n < 0 || n > 1) return rollback(ms, m0);
          store.probs[ms.a[statAt + 1]] = n;
        }
        break;
      }
      case O_J: {
        const val = word(s, v);
        const rest = nt - (v + 2);
        if (val === "ACCEPT" || val === "DROP" || val === "RETURN") {
          if (rest) return rollback(ms, m0);
          tkind = val === "ACCEPT" ? LZ_ACCEPT : val === "DROP" ? LZ_DROP : LZ_RETURN;
        } else if (val === "DNAT") {
          if (rest !== 4 || word(s, v + 2) !== "--to-destination" || !plainValue(s, v + 4)) return rollback(ms, m0);
          // "IP[/N]" or "IP[/N]:PORT", as natTo takes them (anything else: the Rule path).
          const ra = toks[v + 4], rb = toks[v + 5];
          let c = s.indexOf(":", ra);
          if (c >= rb) c = -1;
          if (!plainV4At(s, ra, c < 0 ? rb : c)) return rollback(ms, m0);
          let port = -1;
          if (c >= 0) {
            port = decimal(s, c + 1, rb, 5);
            if (port < 0 || port > 65535) return rollback(ms, m0);
          }
          v4 = true;
          tkind = LZ_DNAT; t1 = plainV4.net; t2 = port >= 0 ? 1 : 0; t3 = port >= 0 ? port : 0;
        } else {
          if (rest || EXT_TARGETS.has(val) || val === "REJECT" || val === "SNAT" || val === "MASQUERADE" || val === "MARK" || val === "LOG") return rollback(ms, m0);
          target = table.chains.get(val);
          if (!target || target.builtin) return rollback(ms, m0);
          tkind = LZ_JUMP;
        }
        k = nt;
        continue;
      }
      default:
        return rollback(ms, m0);
    }
    neg = false;
    k = v + 2;
  }
  if (!tkind || neg) return rollback(ms, m0);
  // A statistic left without a probability in probs keeps 1 (decodeRule's default).
  const recs = store.recs;
  if (recs.n + LZ_REC > recs.a.length) recs.grow(LZ_REC);
  const r = recs.a, o = recs.n;
  r[o] = m0 / 3; r[o + 1] = (ms.n - m0) / 3; r[o + 2] = tkind; r[o + 3] = t1; r[o + 4] = t2; r[o + 5] = t3;
  r[o + 6] = from; r[o + 7] = line; r[o + 8] = ls;
  recs.n = o + LZ_REC;
  const id = store.count++;
  store.targets.push(target);
  // Rules of one chain come in a run: its lazy record is looked up once a run.
  let lc = st.lastLazy;
  if (!lc || lc.chain !== chain) st.lastLazy = lc = store.chains.get(chain) ?? makeLazy(chain, table, store);
  lc.entries.push(id);
  if (v4 && !st.familySeen) {
    st.rs.family = 4;
    st.familySeen = true;
  }
  st.rs.ruleCount++;
  return true;
}

/** "IP:PORT" or "IP" as parseNatTo reads them (IPv4, one port), else undefined. */
export function natTo(raw: string): NatTo | undefined {
  const c = raw.indexOf(":");
  if (raw.indexOf(":", c + 1) >= 0 && c >= 0) return undefined;
  const addr = c < 0 ? raw : raw.slice(0, c);
  if (addr === "" || addr.includes("-")) return undefined;
  const first = plainV4Prefix(addr);
  if (!first) return undefined;
  const to: NatTo = { raw };
  to.first = first;
  to.last = first;
  if (c >= 0) {
    const port = raw.slice(c + 1);
    if (port.includes("-")) return undefined;
    const r = parsePortRange(port);
    if (!r) return undefined;
    to.ports = r;
  }
  return to;
}
