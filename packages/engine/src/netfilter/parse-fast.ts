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
import { BUILTIN_CHAINS, type Chain, type Match, type NatTo, type Rule, type Ruleset, type Table, type Target } from "./model.ts";

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
 * QUOTED set in its start), or undefined when the line has something the fast path leaves to the
 * general one.
 */
const QUOTED = 0x40000000;
const toks: number[] = [];
const scratch: Match[] = [];

function lineTokens(s: string, from: number, end: number): boolean {
  toks.length = 0;
  let i = from;
  while (i < end) {
    let c = s.charCodeAt(i);
    if (c === SP) { i++; continue; }
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
      toks.push((i + 1) | QUOTED, q);
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
    toks.push(st, i);
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
  if (k >= toks.length || toks[k] & QUOTED) return false;
  const c = s.charCodeAt(toks[k]);
  // "-x" (an option), "!", "#", "*table", ":CHAIN" and COMMIT: the general path decides.
  if (c === DASH || c === BANG || c === 35 || c === 42 || c === 58) return false;
  return !(toks[k + 1] - toks[k] === 6 && s.startsWith("COMMIT", toks[k]));
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
  const nt = toks.length;

  if (c0 === 58) {
    // ":CHAIN POLICY [p:b]"
    if (nt !== 4 && nt !== 6) return false;
    if (toks[1] - toks[0] < 2) return false;
    const name = s.slice(toks[0] + 1, toks[1]);
    const pol = word(s, 2);
    if (pol !== "-" && pol !== "ACCEPT" && pol !== "DROP") return false;
    let packets = 0, bytes = 0;
    if (nt === 6) {
      if (toks[4] & QUOTED) return false;
      const m = /^\[(\d+):(\d+)\]$/.exec(word(s, 4));
      if (!m) return false;
      packets = Number(m[1]);
      bytes = Number(m[2]);
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
    chain = table.chains.get(word(s, 2));
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
    if (toks[k] & QUOTED) return false;
    const o = word(s, k);
    const oc = (toks[k] & ~QUOTED) - ls + 1;
    if (o === "!") {
      if (neg) return false;
      neg = true;
      k += 2;
      continue;
    }
    // Every option here takes one value.
    if (o.charCodeAt(0) !== DASH) return false;
    const v = k + 2;
    if (o === "--comment" && module === "comment") {
      // Quoted, and followed by an option or nothing: the general path would take following plain words too.
      if (v >= nt || !(toks[v] & QUOTED) || neg) return false;
      const c = word(s, v);
      if (c === "!") return false;
      if (v + 2 < nt && (toks[v + 2] & QUOTED || (s.charCodeAt(toks[v + 2]) !== DASH && word(s, v + 2) !== "!"))) return false;
      matches.push({ kind: "comment", text: c, col: oc });
      k = v + 2;
      neg = false;
      continue;
    }
    if (!plainValue(s, v)) return false;
    const val = word(s, v);
    switch (o) {
      case "-m":
        if (neg) return false;
        module = val;
        if (module === "statistic") stat = undefined;
        break;
      case "-s": case "-d": {
        const prefix = plainV4Prefix(val);
        if (!prefix) return false;
        sawV4 = true;
        matches.push({ kind: o === "-s" ? "src" : "dst", neg, prefix, col: oc });
        break;
      }
      case "-p": {
        const p = val.toLowerCase();
        const num = Object.hasOwn(PROTO_NUM, p) ? PROTO_NUM[p] : undefined;
        if (num === undefined) return false;
        matches.push({ kind: "proto", neg, proto: p, num, col: oc });
        break;
      }
      case "--dport": case "--sport": {
        if (module !== "tcp" && module !== "udp" && module !== "sctp" && module !== "udplite" && module !== "dccp" && module !== "") return false;
        const range = parsePortRange(val);
        if (!range) return false;
        matches.push({ kind: o === "--sport" ? "sport" : "dport", neg, range, raw: val, col: oc });
        break;
      }
      case "--mode": case "--probability": {
        if (module !== "statistic") return false;
        if (!stat) {
          stat = { kind: "statistic", mode: "random", probability: 1, every: 1, packet: 0, col: oc };
          matches.push(stat);
        }
        if (o === "--mode") {
          if (val !== "random" && val !== "nth") return false;
          stat.mode = val;
        } else {
          const n = Number(val);
          if (!Number.isFinite(n) || n < 0 || n > 1) return false;
          stat.probability = n;
        }
        break;
      }
      case "-j": {
        const tc = toks[v] - ls + 1;
        const rest = nt - (v + 2);
        if (val === "ACCEPT" || val === "DROP" || val === "RETURN") {
          if (rest) return false;
          target = { kind: "verdict", name: val, col: tc };
        } else if (val === "DNAT") {
          if (rest !== 4 || word(s, v + 2) !== "--to-destination" || !plainValue(s, v + 4)) return false;
          const to = natTo(word(s, v + 4));
          if (!to) return false;
          sawV4 = true;
          target = { kind: "dnat", to, random: false, randomFully: false, col: tc };
        } else {
          if (rest || EXT_TARGETS.has(val) || val === "REJECT" || val === "SNAT" || val === "MASQUERADE" || val === "MARK" || val === "LOG") return false;
          target = { kind: "jump", chain: val, goto: false, col: tc };
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
