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
import type { Scanner } from "./parse.ts";
import { PROTO_NUM, EXT_TARGETS, parsePortRange } from "./parse.ts";
import { plainV4Prefix } from "./net.ts";
import { BUILTIN_CHAINS, type Chain, type Match, type NatTo, type PortRange, type Rule, type Ruleset, type Table, type Target } from "./model.ts";

export interface FastState {
  rs: Ruleset;
  table: Table | undefined;
  familySeen: boolean;
  lastTable?: Table;
  lastChain?: Chain;
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
  const col = from - sc.lineStart + 1;
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
    table.chains.set(name, { name, builtin, policy, packets, bytes, line, rules: [] });
    sc.tookLine(end);
    return true;
  }

  // "-A CHAIN ..."
  if (nt < 6 || toks[1] - toks[0] !== 2 || s.charCodeAt(from + 1) !== 65) return false;
  if (!plainValue(s, 2)) return false;
  // Rules of one chain come in a run: the last chain is compared before the table is looked up.
  let chain = st.lastChain;
  if (!chain || st.lastTable !== table || toks[3] - toks[2] !== chain.name.length || !s.startsWith(chain.name, toks[2])) {
    chain = table.chains.get(s.slice(toks[2], toks[3]));
    if (!chain) return false;
    st.lastChain = chain;
    st.lastTable = table;
  }
  // Gathered in one reused array, copied out at its exact length (a pushed-to array keeps spare room).
  const matches = scratch;
  matches.length = 0;
  let target: Target | undefined;
  let module = "";
  let neg = false;
  let stat: Extract<Match, { kind: "statistic" }> | undefined;
  let sawV4 = false;
  let k = 4;
  while (k < nt) {
    const ta = toks[k];
    if (ta & QUOTED) return false;
    const o = option(s, ta, toks[k + 1]);
    if (o === 0) return false;
    const oc = ta - ls + 1;
    if (o === O_BANG) {
      if (neg) return false;
      neg = true;
      k += 2;
      continue;
    }
    // Every option here takes one value.
    const v = k + 2;
    if (o === O_COMMENT && module === "comment") {
      // Quoted, and followed by an option or nothing: the general path would take following plain words too.
      if (v >= nt || !(toks[v] & QUOTED) || neg) return false;
      const ca = toks[v] & ~QUOTED, cb = toks[v + 1];
      if (cb - ca === 1 && s.charCodeAt(ca) === BANG) return false;
      if (v + 2 < nt) {
        const na = toks[v + 2];
        if (na & QUOTED) return false;
        const nc = s.charCodeAt(na);
        if (nc !== DASH && !(nc === BANG && toks[v + 3] - na === 1)) return false;
      }
      matches.push({ kind: "comment", text: s.slice(ca, cb), col: oc });
      k = v + 2;
      neg = false;
      continue;
    }
    if (!plainValue(s, v)) return false;
    const va = toks[v], vb = toks[v + 1];
    switch (o) {
      case O_M: {
        if (neg) return false;
        module = word(s, v);
        if (module === "statistic") stat = undefined;
        break;
      }
      case O_S: case O_D: {
        const prefix = plainV4Prefix(s.slice(va, vb));
        if (!prefix) return false;
        sawV4 = true;
        matches.push({ kind: o === O_S ? "src" : "dst", neg, prefix, col: oc });
        break;
      }
      case O_P: {
        const p = word(s, v).toLowerCase();
        const num = Object.hasOwn(PROTO_NUM, p) ? PROTO_NUM[p] : undefined;
        if (num === undefined) return false;
        matches.push({ kind: "proto", neg, proto: p, num, col: oc });
        break;
      }
      case O_DPORT: case O_SPORT: {
        if (module !== "tcp" && module !== "udp" && module !== "sctp" && module !== "udplite" && module !== "dccp" && module !== "") return false;
        const val = s.slice(va, vb);
        const range = portRange(s, va, vb, val);
        if (!range) return false;
        matches.push({ kind: o === O_SPORT ? "sport" : "dport", neg, range, raw: val, col: oc });
        break;
      }
      case O_MODE: case O_PROB: {
        if (module !== "statistic") return false;
        if (!stat) {
          stat = { kind: "statistic", mode: "random", probability: 1, every: 1, packet: 0, col: oc };
          matches.push(stat);
        }
        if (o === O_MODE) {
          const val = word(s, v);
          if (val !== "random" && val !== "nth") return false;
          stat.mode = val;
        } else {
          const n = Number(s.slice(va, vb));
          if (!Number.isFinite(n) || n < 0 || n > 1) return false;
          stat.probability = n;
        }
        break;
      }
      case O_J: {
        const val = word(s, v);
        const tc = va - ls + 1;
        const rest = nt - (v + 2);
        if (val === "ACCEPT" || val === "DROP" || val === "RETURN") {
          if (rest) return false;
          target = { kind: "verdict", name: val, col: tc };
        } else if (val === "DNAT") {
          if (rest !== 4 || word(s, v + 2) !== "--to-destination" || !plainValue(s, v + 4)) return false;
          const to = natTo(s.slice(toks[v + 4], toks[v + 5]));
          if (!to) return false;
          sawV4 = true;
          target = { kind: "dnat", to, random: false, randomFully: false, col: tc };
        } else {
          if (rest || EXT_TARGETS.has(val) || val === "REJECT" || val === "SNAT" || val === "MASQUERADE" || val === "MARK" || val === "LOG") return false;
          // A declared chain's own name: one string for every jump to it, its hash computed once.
          const dest = table.chains.get(val);
          target = { kind: "jump", chain: dest ? dest.name : val, goto: false, col: tc };
        }
        k = nt;
        continue;
      }
      default:
        return false;
    }
    neg = false;
    k = v + 2;
  }
  if (!target || neg) return false;
  if (sawV4 && !st.familySeen) {
    st.rs.family = 4;
    st.familySeen = true;
  }
  const rule: Rule = {
    table: table.name, chain: chain.name, num: chain.rules.length + 1, line, col,
    text: s.slice(from, toks[nt - 1]), matches: matches.slice(),
  };
  rule.target = target;
  chain.rules.push(rule);
  st.rs.ruleCount++;
  sc.tookLine(end);
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
