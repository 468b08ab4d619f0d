// iptables-save / ip6tables-save parser. Reads the text as a stream of tokens (so a dump whose
// newlines were flattened to spaces still parses: statements also start at an unquoted "-A",
// "COMMIT", "*table", ":CHAIN POLICY [p:b]" or "#"), stops at the first structural error with its
// line and column, and keeps every match and target it does not model as an issue by line.
import { ParseError, InputError } from "../errors.ts";
import { parseNetPrefix } from "./net.ts";
import { addRule, chainRules, expose, fastLine, newLazyStore, ruleCount, type FastState, type LazyStore } from "./parse-fast.ts";
import {
  BUILTIN_CHAINS,
  type Chain, type Match, type NatTo, type ParseIssue, type PortRange, type Rule, type Ruleset, type Table, type Target,
} from "./model.ts";

interface Tok {
  text: string;
  quoted: boolean;
  line: number;
  col: number;
  /** First token on its physical line. */
  nl: boolean;
  /** Offset of its first character in the text. */
  start: number;
}

const KNOWN_TABLES = new Set(["filter", "nat", "mangle", "raw", "security"]);
const POLICIES = new Set(["ACCEPT", "DROP", "-", "RETURN", "QUEUE"]);
/** Extension targets we keep but do not model; any other unknown name is taken as a chain. */
export const EXT_TARGETS = new Set([
  "CONNMARK", "TCPMSS", "CT", "NOTRACK", "REDIRECT", "NFQUEUE", "NFLOG", "TPROXY", "CHECKSUM", "AUDIT", "TRACE",
  "CLASSIFY", "DSCP", "TOS", "TTL", "HL", "SECMARK", "CONNSECMARK", "SET", "NETMAP", "MIRROR", "ULOG", "IDLETIMER",
  "LED", "RATEEST", "SYNPROXY", "TEE", "HMARK", "CLUSTERIP", "ECN", "TCPOPTSTRIP", "QUEUE",
]);
export const PROTO_NUM: Record<string, number> = {
  all: 0, icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, "ipv6-icmp": 58, icmpv6: 58, sctp: 132, udplite: 136,
};

export class Scanner {
  pos = 0;
  line = 1;
  lineStart = 0;
  sawNl = true;
  buf: Tok[] = [];
  constructor(readonly text: string, readonly source: string) {}

  lineText(lineStart: number): string {
    let end = this.text.indexOf("\n", lineStart);
    if (end < 0) end = this.text.length;
    if (end > lineStart && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(lineStart, end);
  }

  fail(code: string, reason: string, line: number, col: number, lineStart?: number): never {
    const ls = lineStart ?? this.lineStartOf(line);
    throw new ParseError({ code, what: "parseRuleset", input: this.lineText(ls), reason, column: col, line, source: this.source });
  }

  /** Start offset of each line that holds a token, by line number (holes for the others). */
  private lineStarts: number[] = [];
  lineStartOf(line: number): number {
    return this.lineStarts[line] ?? this.lineStart;
  }

  /** Skips the rest of a "#" comment; in a flattened dump the comment ends where a statement starts. */
  skipComment(): void {
    let end = this.text.indexOf("\n", this.pos);
    if (end < 0) end = this.text.length;
    const rest = this.text.slice(this.pos, end);
    const m = /\s(?=\*[a-z]+\s|:\S+\s+(?:ACCEPT|DROP|-|RETURN)\s+\[|-A\s|COMMIT(?:\s|$)|#\s)/.exec(rest);
    this.pos = m ? this.pos + m.index + 1 : end;
    this.buf.length = 0;
  }

  /** Skips blanks and line breaks from i (counting lines); returns the first other position. */
  private skipBlanks(i: number): number {
    const s = this.text, n = s.length;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 10) {
        this.line++;
        this.lineStart = i + 1;
        this.sawNl = true;
        i++;
      } else if (c === 32 || c === 9 || c === 13) i++;
      else break;
    }
    return i;
  }

  private scan(): Tok | null {
    const s = this.text;
    const n = s.length;
    let i = this.skipBlanks(this.pos);
    if (i >= n) {
      this.pos = i;
      return null;
    }
    const startCol = i - this.lineStart + 1;
    // Only lines that hold tokens are remembered (a file of blank lines costs nothing).
    if (this.sawNl) this.lineStarts[this.line] = this.lineStart;
    let text = "";
    let quoted = false;
    let segStart = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) break;
      if (c < 32 || c === 0x7f || c === 0xfffd) {
        this.pos = i;
        this.fail("BinaryData", `not an iptables-save dump: control or invalid character U+${c.toString(16).padStart(4, "0")}`, this.line, i - this.lineStart + 1, this.lineStart);
      }
      if (c === 34) {
        text += s.slice(segStart, i);
        const q = i;
        quoted = true;
        i++;
        // Runs between escapes are sliced whole (not appended a character at a time).
        let run = i;
        for (;;) {
          if (i >= n || s.charCodeAt(i) === 10) {
            this.pos = i;
            this.fail("UnterminatedQuote", "unterminated quoted string (no closing \")", this.line, q - this.lineStart + 1, this.lineStart);
          }
          const d = s.charCodeAt(i);
          if (d === 92 && i + 1 < n && s.charCodeAt(i + 1) !== 10) {
            text += s.slice(run, i) + s[i + 1];
            i += 2;
            run = i;
          } else if (d === 34) {
            text += s.slice(run, i);
            i++;
            break;
          } else i++;
        }
        segStart = i;
        continue;
      }
      i++;
    }
    text += s.slice(segStart, i);
    this.pos = i;
    const tok: Tok = { text, quoted, line: this.line, col: startCol, nl: this.sawNl, start: this.lineStart + startCol - 1 };
    this.sawNl = false;
    return tok;
  }

  /**
   * For the fast path (fast.ts): with nothing buffered (or only the first token of a line, which
   * is given back), skips blank space and returns true when pos is at the first token of a
   * physical line. The general scanner, run from here, reads the same tokens.
   */
  atLineStart(): boolean {
    if (this.buf.length === 1) {
      const t = this.buf[0];
      if (!t.nl || t.quoted) return false;
      this.buf.length = 0;
      this.pos = t.start;
      this.line = t.line;
      this.lineStart = t.start - t.col + 1;
      this.sawNl = true;
    } else if (this.buf.length) return false;
    const s = this.text, n = s.length;
    let i = this.skipBlanks(this.pos);
    this.pos = i;
    return this.sawNl && i < n;
  }

  /** The fast path took the statement on this line, up to end (exclusive). */
  tookLine(end: number): void {
    this.lineStarts[this.line] = this.lineStart;
    this.pos = end;
    this.sawNl = false;
  }

  peek(k = 0): Tok | null {
    while (this.buf.length <= k) {
      const t = this.scan();
      if (!t) return null;
      this.buf.push(t);
    }
    return this.buf[k];
  }

  next(): Tok | null {
    const t = this.peek();
    if (t) this.buf.shift();
    return t;
  }

  /** True when the token at k begins a new statement (used inside flattened one-line dumps too). */
  startsStatement(k: number): boolean {
    const t = this.peek(k);
    if (!t) return true;
    if (t.nl) return true;
    if (t.quoted) return false;
    const c0 = t.text.charCodeAt(0);
    // Most tokens start with none of "-", "C", "#", "*", ":": no string compare, no regex.
    if (c0 !== 45 && c0 !== 67 && c0 !== 35 && c0 !== 42 && c0 !== 58) return false;
    if (t.text === "-A" || t.text === "COMMIT" || t.text === "#" || (c0 === 35 && t.text.length > 1 && /^# ?Generated|^# ?Completed/.test(t.text))) return true;
    if (c0 === 42 && /^\*[a-z]+$/.test(t.text)) return true;
    if (t.text.length > 1 && c0 === 58) {
      const p = this.peek(k + 1);
      return !!p && !p.nl && POLICIES.has(p.text);
    }
    return false;
  }
}

function parsePort(s: string): number {
  if (!/^\d{1,5}$/.test(s) || Number(s) > 65535) return -1;
  return Number(s);
}

/** "80", "80:90", ":90", "1024:" */
export function parsePortRange(s: string): PortRange | undefined {
  const i = s.indexOf(":");
  if (i < 0) {
    const p = parsePort(s);
    return p < 0 ? undefined : [p, p];
  }
  const lo = i === 0 ? 0 : parsePort(s.slice(0, i));
  const hi = i === s.length - 1 ? 65535 : parsePort(s.slice(i + 1));
  return lo < 0 || hi < 0 || lo > hi ? undefined : [lo, hi];
}

function parseU32(s: string): number | undefined {
  if (/^0x[0-9a-f]{1,8}$/i.test(s)) return parseInt(s.slice(2), 16) >>> 0;
  if (/^\d{1,10}$/.test(s) && Number(s) <= 0xffffffff) return Number(s);
  return undefined;
}

export interface ParseOptions {
  /** File name for messages. */
  source?: string;
  /** false: every statement through the general path (parse-fast.ts is skipped; tests compare the two). */
  fast?: boolean;
  /**
   * true: rules of the common shapes are kept as numbers and a chain's Rule objects made when its
   * `rules` are first read; the kernel compiler encodes the numbers (parse-fast.ts, lazy rules).
   * The Ruleset read is the same.
   */
  lazy?: boolean;
}

/** Parses a whole iptables-save dump; throws ParseError (with line and column) at the first structural error. */
export function parseRuleset(text: string, opts: ParseOptions = {}): Ruleset {
  const source = opts.source ?? "input";
  const sc: Scanner = new Scanner(text, source);
  const rs: Ruleset = { source, family: 4, tables: new Map(), issues: [], ruleCount: 0 };
  let familySeen = false;
  let table: Table | undefined;
  let tableTok: Tok | undefined;
  const issue = (i: ParseIssue) => rs.issues.push(i);

  const restOfStatement = (): Tok[] => {
    const out: Tok[] = [];
    while (!sc.startsStatement(0)) out.push(sc.next()!);
    return out;
  };

  const fast: FastState = { rs, table: undefined, familySeen: false, lazy: opts.lazy && opts.fast !== false ? newLazyStore(rs, text) : undefined };
  const useFast = opts.fast !== false;
  const graphs = new Map<Table, JumpGraph>();
  for (;;) {
    if (useFast && table && sc.atLineStart()) {
      fast.table = table;
      fast.familySeen = familySeen;
      if (fastLine(sc, fast)) {
        familySeen = fast.familySeen;
        continue;
      }
    }
    const t = sc.next();
    if (!t) break;
    if (!t.quoted && (t.text === "#" || t.text.startsWith("#"))) {
      sc.skipComment();
      continue;
    }
    if (!t.quoted && t.text.startsWith("*") && t.text.length > 1) {
      if (table) {
        sc.fail("MissingCommit", `table "${table.name}" (line ${tableTok!.line}) has no COMMIT before the next table starts`, t.line, t.col);
      }
      const name = t.text.slice(1);
      if (!/^[a-z][a-z0-9_-]*$/.test(name)) sc.fail("BadTableName", `bad table name ${JSON.stringify(name)}`, t.line, t.col + 1);
      if (rs.tables.has(name)) sc.fail("DuplicateTable", `table "${name}" appears twice`, t.line, t.col);
      if (!KNOWN_TABLES.has(name)) issue({ code: "UnknownTable", severity: "warning", message: `unknown table "${name}": its rules are kept but never traced`, line: t.line, col: t.col, table: name });
      table = { name, line: t.line, chains: new Map() };
      tableTok = t;
      rs.tables.set(name, table);
      const extra = restOfStatement();
      if (extra.length) sc.fail("UnexpectedToken", `unexpected ${JSON.stringify(extra[0].text)} after the table name`, extra[0].line, extra[0].col);
      continue;
    }
    if (!t.quoted && t.text === "COMMIT") {
      if (!table) sc.fail("CommitOutsideTable", "COMMIT without a table (no \"*table\" line before it)", t.line, t.col);
      const extra = restOfStatement();
      if (extra.length) sc.fail("UnexpectedToken", `unexpected ${JSON.stringify(extra[0].text)} after COMMIT`, extra[0].line, extra[0].col);
      graphs.set(table, resolveTable(table, rs, fast.lazy));
      table = undefined;
      continue;
    }
    if (!t.quoted && t.text.startsWith(":") && t.text.length > 1) {
      if (!table) sc.fail("ChainOutsideTable", "chain declared outside a table (no \"*table\" line before it)", t.line, t.col);
      const name = t.text.slice(1);
      const rest = restOfStatement();
      const pol = rest[0];
      if (!pol || !POLICIES.has(pol.text)) sc.fail("BadChainPolicy", `chain ${name}: expected a policy (ACCEPT, DROP or -)`, pol?.line ?? t.line, pol?.col ?? t.col + t.text.length);
      let packets = 0, bytes = 0;
      if (rest[1]) {
        const m = /^\[(\d+):(\d+)\]$/.exec(rest[1].text);
        if (!m) sc.fail("BadCounters", `chain ${name}: counters must look like [packets:bytes]`, rest[1].line, rest[1].col);
        packets = Number(m[1]);
        bytes = Number(m[2]);
      }
      if (rest[2]) sc.fail("UnexpectedToken", `unexpected ${JSON.stringify(rest[2].text)} after the chain counters`, rest[2].line, rest[2].col);
      if (table.chains.has(name)) sc.fail("DuplicateChain", `chain ${name} declared twice in table ${table.name}`, t.line, t.col);
      const builtin = (BUILTIN_CHAINS[table.name] ?? []).includes(name);
      const policy = pol.text === "ACCEPT" || pol.text === "DROP" ? pol.text : undefined;
      // A built-in chain written with "-" (iptables-restore input, kube-proxy's test dumps) keeps the
      // kernel's default policy, ACCEPT.
      if (builtin && !policy && pol.text !== "-") sc.fail("BadChainPolicy", `built-in chain ${name} needs a policy ACCEPT or DROP, not ${pol.text}`, pol.line, pol.col);
      if (!builtin && policy) sc.fail("BadChainPolicy", `user chain ${name} cannot have a policy (${pol.text}); iptables-save writes "-"`, pol.line, pol.col);
      table.chains.set(name, { name, builtin, policy, packets, bytes, line: t.line, rules: [] });
      continue;
    }
    let start = t;
    if (!t.quoted && /^\[\d+:\d+\]$/.test(t.text)) {
      // iptables-save -c puts the rule counters first: "[12:3400] -A CHAIN ...".
      const a = sc.peek();
      if (a && !a.nl && a.text === "-A") start = sc.next()!;
    }
    if (!start.quoted && (start.text === "-A" || start.text === "--append")) {
      if (!table) sc.fail("RuleOutsideTable", "rule outside a table (no \"*table\" line before it)", start.line, start.col);
      const args = restOfStatement();
      const chainTok = args.shift();
      if (!chainTok) sc.fail("MissingChainName", "-A needs a chain name", start.line, start.col);
      const chain = table.chains.get(chainTok.text);
      if (!chain) {
        sc.fail("RuleBeforeChain", `rule for chain ${chainTok.text}, which is not declared (no ":${chainTok.text}" line before it in table ${table.name})`, chainTok.line, chainTok.col);
      }
      const lineStart = sc.lineStartOf(start.line);
      const lineText = sc.lineText(lineStart);
      const last: Tok = args.length ? args[args.length - 1] : chainTok;
      const endCol = last.line === start.line ? last.col + rawLength(lineText, last.col) - 1 : lineText.length;
      const rule: Rule = {
        table: table.name, chain: chain.name, num: ruleCount(chain, fast.lazy) + 1, line: start.line, col: start.col,
        text: lineText.slice(start.col - 1, endCol), matches: [],
      };
      parseRuleArgs(rule, args, sc, issue, (fam) => {
        if (!familySeen) {
          rs.family = fam;
          familySeen = true;
        }
      });
      addRule(chain, rule, fast.lazy);
      rs.ruleCount++;
      continue;
    }
    if (!t.quoted && /^-[NXFIDRZP]$/.test(t.text)) {
      sc.fail("NotSaveFormat", `"${t.text}" is iptables-restore input, not iptables-save output; only "-A" rules are read`, t.line, t.col);
    }
    sc.fail("UnexpectedToken", `expected "*table", ":CHAIN POLICY [p:b]", "-A CHAIN ...", "COMMIT" or "#", not ${JSON.stringify(t.text.length > 30 ? t.text.slice(0, 27) + "..." : t.text)}`, t.line, t.col);
  }
  if (table) {
    const endLine = sc.line;
    const lt = sc.lineText(sc.lineStart);
    throw new ParseError({
      code: "MissingCommit", what: "parseRuleset", input: lt,
      reason: `input ends inside table "${table.name}" (opened at line ${tableTok!.line}): COMMIT is missing`,
      column: lt.length + 1, line: endLine, source,
    });
  }
  if (rs.tables.size === 0) {
    throw new InputError(`${source}: no "*table" found: this is not an iptables-save dump`, "run `iptables-save > node.rules` on the node (or `iptables-save -t nat`)", "EmptyRuleset");
  }
  findLoops(rs, graphs, fast.lazy);
  if (fast.lazy) expose(rs, fast.lazy);
  return rs;
}

/** Length of the token text as it appears on the line starting at col (quotes included). */
function rawLength(line: string, col: number): number {
  let i = col - 1;
  let inQ = false;
  while (i < line.length) {
    const c = line[i];
    if (c === "\\" && inQ) { i += 2; continue; }
    if (c === '"') inQ = !inQ;
    else if (!inQ && (c === " " || c === "\t" || c === "\r")) break;
    i++;
  }
  return i - (col - 1);
}

function parseRuleArgs(rule: Rule, args: Tok[], sc: Scanner, issue: (i: ParseIssue) => void, sawFamily: (f: 4 | 6) => void): void {
  let i = 0;
  let neg = false;
  let module = "";
  let stat: Extract<Match, { kind: "statistic" }> | undefined;
  let recent: Extract<Match, { kind: "recent" }> | undefined;
  const at = (k: number) => args[k];
  const fail: (code: string, reason: string, tok: Tok) => never = (code, reason, tok) => sc.fail(code, reason, tok.line, tok.col);
  const value = (opt: Tok): Tok => {
    const v = args[i + 1];
    if (!v || (v.text.startsWith("-") && !v.quoted && !/^-\d/.test(v.text)) || v.text === "!") fail("MissingValue", `${opt.text} needs a value`, v ?? opt);
    i += 2;
    return v;
  };
  const prefix = (v: Tok) => {
    try {
      const p = parseNetPrefix(v.text);
      sawFamily(p.family);
      return p;
    } catch (e) {
      if (e instanceof ParseError) fail(e.code, `bad address ${JSON.stringify(v.text)}: ${e.reason}`, v);
      throw e;
    }
  };
  const ports = (v: Tok): PortRange => {
    const r = parsePortRange(v.text);
    if (!r) fail("BadPort", `bad port or port range ${JSON.stringify(v.text)} (expected N or N:M, 0-65535)`, v);
    return r;
  };
  const u32pair = (v: Tok, defMask: number): [number, number] => {
    const [a, b] = v.text.split("/");
    const value = parseU32(a);
    const mask = b === undefined ? defMask : parseU32(b);
    if (value === undefined || mask === undefined) fail("BadMark", `bad mark ${JSON.stringify(v.text)} (expected value[/mask], hex or decimal)`, v);
    return [value, mask];
  };
  const unknownOpt = (opt: Tok, mod: string) => {
    const vals: string[] = [];
    i++;
    while (i < args.length && !(args[i].text.startsWith("-") && !args[i].quoted && !/^-\d/.test(args[i].text)) && args[i].text !== "!") vals.push(args[i++].text);
    rule.matches.push({ kind: "unknown", module: mod, option: opt.text, args: vals, neg, col: opt.col });
    issue({
      code: "UnknownMatch", severity: "warning",
      message: `${mod ? `-m ${mod} ` : ""}${neg ? "! " : ""}${opt.text}${vals.length ? " " + vals.join(" ") : ""} is not modelled: a trace assumes it matches`,
      line: opt.line, col: opt.col, table: rule.table, chain: rule.chain, rule: rule.num,
    });
  };

  while (i < args.length) {
    const t = at(i);
    const o = t.text;
    if (o === "!" && !t.quoted) {
      neg = true;
      i++;
      continue;
    }
    const col = t.col;
    switch (o) {
      case "-m": case "--match": {
        module = value(t).text;
        if (module === "statistic") stat = undefined;
        if (module === "recent") recent = undefined;
        break;
      }
      case "-s": case "--source": case "--src":
        rule.matches.push({ kind: "src", neg, prefix: prefix(value(t)), col });
        break;
      case "-d": case "--destination": case "--dst":
        rule.matches.push({ kind: "dst", neg, prefix: prefix(value(t)), col });
        break;
      case "-p": case "--protocol": {
        const v = value(t);
        const p = v.text.toLowerCase();
        const num = PROTO_NUM[p] ?? (/^\d{1,3}$/.test(p) && Number(p) < 256 ? Number(p) : -1);
        if (num < 0) fail("BadProtocol", `unknown protocol ${JSON.stringify(v.text)}`, v);
        rule.matches.push({ kind: "proto", neg, proto: p, num, col });
        break;
      }
      case "-i": case "--in-interface":
        rule.matches.push({ kind: "inIface", neg, name: value(t).text, col });
        break;
      case "-o": case "--out-interface":
        rule.matches.push({ kind: "outIface", neg, name: value(t).text, col });
        break;
      case "-f": case "--fragment":
        rule.matches.push({ kind: "fragment", neg, col });
        i++;
        break;
      case "-c": case "--set-counters":
        i += 3;
        break;
      case "-j": case "--jump": case "-g": case "--goto": {
        const name = value(t);
        parseTarget(rule, name, o === "-g" || o === "--goto", args.slice(i), sc, issue, sawFamily);
        i = args.length;
        break;
      }
      default: {
        if (!o.startsWith("--") || t.quoted) {
          fail("UnexpectedToken", `unexpected ${JSON.stringify(o)} in a rule (expected an option such as -s, -p, -m or -j)`, t);
        }
        const mod = module;
        if ((mod === "tcp" || mod === "udp" || mod === "sctp" || mod === "udplite" || mod === "dccp" || mod === "") &&
            (o === "--sport" || o === "--source-port" || o === "--dport" || o === "--destination-port")) {
          const v = value(t);
          rule.matches.push({ kind: o === "--sport" || o === "--source-port" ? "sport" : "dport", neg, range: ports(v), raw: v.text, col });
        } else if (mod === "multiport" && /^--(s|d)?ports$|^--(source|destination)-ports$/.test(o)) {
          const v = value(t);
          const which = o.startsWith("--s") ? "sports" : o === "--ports" ? "ports" : "dports";
          const ranges = v.text.split(",").map((p) => ports({ ...v, text: p }));
          rule.matches.push({ kind: "multiport", which, neg, ranges, col });
        } else if (mod === "addrtype" && (o === "--src-type" || o === "--dst-type")) {
          const v = value(t);
          rule.matches.push({ kind: "addrtype", which: o === "--src-type" ? "src" : "dst", neg, types: v.text.toUpperCase().split(","), raw: v.text, col });
        } else if (mod === "addrtype" && (o === "--limit-iface-in" || o === "--limit-iface-out")) {
          // Restricts the type lookup to the packet's interface; the tracer has one notion of
          // "local addresses", so the option changes nothing it models.
          i++;
        } else if (mod === "comment" && o === "--comment") {
          // iptables-save quotes comments with spaces; hand-written dumps (kube-proxy's test data)
          // do not, so the following plain words belong to the comment.
          const words = [value(t).text];
          while (i < args.length && !args[i].quoted && !args[i].text.startsWith("-") && args[i].text !== "!") words.push(args[i++].text);
          rule.matches.push({ kind: "comment", text: words.join(" "), col });
        } else if (mod === "statistic" && (o === "--mode" || o === "--probability" || o === "--every" || o === "--packet")) {
          const v = value(t);
          if (!stat) {
            stat = { kind: "statistic", mode: "random", probability: 1, every: 1, packet: 0, col };
            rule.matches.push(stat);
          }
          if (o === "--mode") {
            if (v.text !== "random" && v.text !== "nth") fail("BadStatistic", `--mode must be random or nth, not ${JSON.stringify(v.text)}`, v);
            stat.mode = v.text as "random" | "nth";
          } else {
            const n = Number(v.text);
            if (!Number.isFinite(n) || n < 0 || (o === "--probability" && n > 1)) fail("BadStatistic", `bad ${o} ${JSON.stringify(v.text)}`, v);
            // iptables refuses --every 0 (it would match every packet, silently) and counts in whole packets.
            if (o === "--every" && (!Number.isInteger(n) || n < 1)) fail("BadStatistic", `--every must be a whole number of packets, 1 or more, not ${JSON.stringify(v.text)}`, v);
            if (o === "--packet" && !Number.isInteger(n)) fail("BadStatistic", `--packet must be a whole number, not ${JSON.stringify(v.text)}`, v);
            if (o === "--probability") stat.probability = n;
            else if (o === "--every") stat.every = n;
            else stat.packet = n;
          }
        } else if (mod === "mark" && o === "--mark") {
          const [value_, mask] = u32pair(value(t), 0xffffffff);
          rule.matches.push({ kind: "mark", neg, value: value_, mask, col });
        } else if ((mod === "conntrack" && o === "--ctstate") || (mod === "state" && o === "--state")) {
          const v = value(t);
          rule.matches.push({ kind: "ctstate", neg, states: v.text.toUpperCase().split(","), module: mod, col });
        } else if (mod === "recent") {
          if (!recent) {
            recent = { kind: "recent", neg: false, op: "set", name: "DEFAULT", reap: false, col };
            rule.matches.push(recent);
          }
          if (o === "--set" || o === "--rcheck" || o === "--update" || o === "--remove") {
            recent.op = o.slice(2) as "set";
            recent.neg = neg;
            recent.col = col;
            i++;
          } else if (o === "--name") recent.name = value(t).text;
          else if (o === "--seconds") recent.seconds = Number(value(t).text);
          else if (o === "--reap") { recent.reap = true; i++; }
          else if (o === "--rsource" || o === "--rdest") i++;
          else if (o === "--mask" && (args[i + 1]?.text === "255.255.255.255" || args[i + 1]?.text === "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) i += 2; // a no-op mask
          else unknownOpt(t, mod);
        } else if (mod === "set" && o === "--match-set") {
          const name = value(t);
          const flags = args[i];
          if (!flags || flags.text.startsWith("-")) fail("MissingValue", "--match-set needs a set name and src/dst flags", flags ?? name);
          i++;
          const dirs = flags.text.split(",");
          if (!dirs.every((d) => d === "src" || d === "dst")) fail("BadSetFlags", `set flags must be src or dst, comma separated, not ${JSON.stringify(flags.text)}`, flags);
          rule.matches.push({ kind: "set", neg, name: name.text, dirs: dirs as ("src" | "dst")[], col });
        } else if (mod === "physdev" && /^--physdev-(in|out|is-in|is-out|is-bridged)$/.test(o)) {
          const opt = ({ "--physdev-in": "in", "--physdev-out": "out", "--physdev-is-in": "isIn", "--physdev-is-out": "isOut", "--physdev-is-bridged": "isBridged" } as const)[o as "--physdev-in"];
          const name = opt === "in" || opt === "out" ? value(t).text : (i++, "");
          rule.matches.push({ kind: "physdev", neg, option: opt, name, col });
        } else {
          unknownOpt(t, mod);
        }
      }
    }
    neg = false;
  }
  if (!rule.target) {
    issue({ code: "RuleWithoutTarget", severity: "info", message: "rule has no target: it only counts packets, and the packet goes on to the next rule", line: rule.line, col: rule.col, table: rule.table, chain: rule.chain, rule: rule.num });
  }
}

function parseNatTo(v: Tok, sc: Scanner, sawFamily: (f: 4 | 6) => void): NatTo {
  const raw = v.text;
  let addr = raw, port: string | undefined;
  const b = /^\[([^\]]*)\](?::(.*))?$/.exec(raw);
  if (b) {
    addr = b[1];
    port = b[2];
  } else if ((raw.match(/:/g) ?? []).length === 1) {
    [addr, port] = raw.split(":");
  }
  const to: NatTo = { raw };
  if (addr) {
    const [a1, a2] = addr.split("-");
    try {
      to.first = parseNetPrefix(a1);
      to.last = a2 ? parseNetPrefix(a2) : to.first;
      sawFamily(to.first.family);
    } catch (e) {
      if (e instanceof ParseError) sc.fail(e.code, `bad NAT address ${JSON.stringify(addr)}: ${e.reason}`, v.line, v.col);
      throw e;
    }
  }
  if (port !== undefined) {
    const r = parsePortRange(port.replace("-", ":"));
    if (!r) sc.fail("BadPort", `bad NAT port ${JSON.stringify(port)}`, v.line, v.col);
    to.ports = r;
  }
  return to;
}

function parseTarget(rule: Rule, nameTok: Tok, goto: boolean, rest: Tok[], sc: Scanner, issue: (i: ParseIssue) => void, sawFamily: (f: 4 | 6) => void): void {
  const name = nameTok.text;
  const col = nameTok.col;
  const opts = rest; // the tokens after the target name
  const optVal = (o: string) => {
    const k = opts.findIndex((t) => t.text === o);
    return k >= 0 ? opts[k + 1] : undefined;
  };
  const has = (o: string) => opts.some((t) => t.text === o);
  const known = (allowed: string[]) => {
    for (let k = 0; k < opts.length; k++) {
      const t = opts[k];
      if (!t.text.startsWith("--")) continue;
      if (!allowed.includes(t.text)) {
        issue({ code: "NotModelled", severity: "info", message: `target option ${t.text} of ${name} is not modelled`, line: t.line, col: t.col, table: rule.table, chain: rule.chain, rule: rule.num });
      }
    }
  };
  if (goto) {
    rule.target = { kind: "jump", chain: name, goto: true, col };
    return;
  }
  switch (name) {
    case "ACCEPT": case "DROP": case "RETURN":
      rule.target = { kind: "verdict", name, col };
      known([]);
      return;
    case "REJECT":
      rule.target = { kind: "verdict", name, rejectWith: optVal("--reject-with")?.text, col };
      known(["--reject-with"]);
      return;
    case "DNAT": case "SNAT": {
      const o = name === "DNAT" ? "--to-destination" : "--to-source";
      const v = optVal(o);
      if (!v) sc.fail("MissingValue", `${name} needs ${o}`, nameTok.line, nameTok.col);
      rule.target = { kind: name === "DNAT" ? "dnat" : "snat", to: parseNatTo(v, sc, sawFamily), random: has("--random"), randomFully: has("--random-fully"), col };
      known([o, "--random", "--random-fully", "--persistent"]);
      return;
    }
    case "MASQUERADE": {
      const v = optVal("--to-ports");
      let ports: PortRange | undefined;
      if (v) {
        ports = parsePortRange(v.text.replace("-", ":"));
        if (!ports) sc.fail("BadPort", `bad --to-ports ${JSON.stringify(v.text)}`, v.line, v.col);
      }
      rule.target = { kind: "masquerade", ports, random: has("--random"), randomFully: has("--random-fully"), col };
      known(["--to-ports", "--random", "--random-fully"]);
      return;
    }
    case "MARK": {
      for (const op of ["set-xmark", "set-mark", "or-mark", "and-mark", "xor-mark"] as const) {
        const v = optVal("--" + op);
        if (!v) continue;
        const [a, b] = v.text.split("/");
        const value = parseU32(a);
        let mask = b === undefined ? 0xffffffff : parseU32(b);
        if (value === undefined || mask === undefined) sc.fail("BadMark", `bad mark ${JSON.stringify(v.text)}`, v.line, v.col);
        if (op === "or-mark" || op === "and-mark" || op === "xor-mark") mask = 0xffffffff;
        rule.target = { kind: "mark", op, value, mask, col };
        return;
      }
      return sc.fail("MissingValue", "MARK needs --set-xmark, --set-mark, --or-mark, --and-mark or --xor-mark", nameTok.line, nameTok.col);
    }
    case "LOG":
      rule.target = { kind: "log", prefix: optVal("--log-prefix")?.text ?? "", col };
      return;
    default: {
      if (EXT_TARGETS.has(name) || (opts.some((t) => t.text.startsWith("--")) && /^[A-Z]+$/.test(name))) {
        rule.target = { kind: "unknown", name, args: opts.map((t) => t.text), col };
        issue({ code: "UnknownTarget", severity: "warning", message: `target ${name} is not modelled: a trace passes over it to the next rule`, line: nameTok.line, col, table: rule.table, chain: rule.chain, rule: rule.num });
        return;
      }
      if (opts.length) sc.fail("UnexpectedToken", `unexpected ${JSON.stringify(opts[0].text)} after -j ${name}`, opts[0].line, opts[0].col);
      rule.target = { kind: "jump", chain: name, goto: false, col };
    }
  }
}

/** A committed table's jumps to user chains, for findLoops: chain i's edges are to[start[i]..start[i+1]) (chain indexes, table order), from its rule pos[e] (0-based). */
interface JumpGraph {
  chains: Chain[];
  start: Int32Array;
  to: Int32Array;
  pos: Int32Array;
}

/**
 * At COMMIT: every jump must name a user chain of the same table (the kernel refuses the table
 * otherwise). Returns the table's jump graph, so the loop search does not walk every rule again.
 */
function resolveTable(table: Table, rs: Ruleset, store: LazyStore | undefined): JumpGraph {
  const chains = [...table.chains.values()];
  const index = new Map<Chain, number>();
  for (let i = 0; i < chains.length; i++) index.set(chains[i], i);
  const start = new Int32Array(chains.length + 1);
  const to: number[] = [];
  const pos: number[] = [];
  const edge = (chain: Chain, r: Rule, k: number) => {
    const t = r.target;
    if (t?.kind !== "jump") return;
    const dest = table.chains.get(t.chain);
    if (!dest) {
      rs.issues.push({ code: "JumpToMissingChain", severity: "error", message: `${t.goto ? "-g" : "-j"} ${t.chain}: no such chain in table ${table.name} (the kernel would refuse this table)`, line: r.line, col: t.col, table: table.name, chain: chain.name, rule: r.num });
    } else if (dest.builtin) {
      rs.issues.push({ code: "JumpToBuiltinChain", severity: "error", message: `${t.goto ? "-g" : "-j"} ${t.chain}: jumping to a built-in chain is not allowed`, line: r.line, col: t.col, table: table.name, chain: chain.name, rule: r.num });
    } else {
      to.push(index.get(dest)!);
      pos.push(k);
    }
  };
  for (let ci = 0; ci < chains.length; ci++) {
    const chain = chains[ci];
    start[ci] = to.length;
    const lc = store?.chains.get(chain);
    if (lc) {
      // A lazy rule's jump is to a declared user chain (else it is a Rule): an edge, no issue.
      const ents = lc.entries, targets = lc.store.targets;
      for (let k = 0; k < ents.length; k++) {
        const e = ents[k];
        if (typeof e !== "number") edge(chain, e, k);
        else if (targets[e]) { to.push(index.get(targets[e])!); pos.push(k); }
      }
      continue;
    }
    const rules = chain.rules;
    for (let k = 0; k < rules.length; k++) edge(chain, rules[k], k);
  }
  start[chains.length] = to.length;
  return { chains, start, to: Int32Array.from(to), pos: Int32Array.from(pos) };
}

/** Jump loops: a cycle in the chain graph of one table (the kernel refuses the table); depth first, chains and jumps in order. */
function findLoops(rs: Ruleset, graphs: Map<Table, JumpGraph>, store: LazyStore | undefined): void {
  for (const table of rs.tables.values()) {
    const g = graphs.get(table)!;
    const state = new Uint8Array(g.chains.length); // 0 unseen, 1 on the path, 2 done
    const path: number[] = [];
    // Depth first with an explicit stack (chain, next edge): 5,000 nested chains need no call stack.
    const edge: number[] = [];
    const visit = (root: number): void => {
      state[root] = 1;
      path.push(root);
      edge.push(g.start[root]);
      while (path.length) {
        const ci = path[path.length - 1];
        const e = edge[edge.length - 1];
        if (e >= g.start[ci + 1]) {
          path.pop();
          edge.pop();
          state[ci] = 2;
          continue;
        }
        edge[edge.length - 1] = e + 1;
        const ti = g.to[e];
        const st = state[ti];
        if (st === 1) {
          const r = chainRules(g.chains[ci], store)[g.pos[e]];
          const loop = [...path.slice(path.indexOf(ti)), ti].map((i) => g.chains[i].name).join(" -> ");
          rs.issues.push({ code: "JumpLoop", severity: "error", message: `jump loop: ${loop} (the kernel would refuse this table)`, line: r.line, col: r.target!.col, table: table.name, chain: g.chains[ci].name, rule: r.num });
        } else if (st === 0) {
          state[ti] = 1;
          path.push(ti);
          edge.push(g.start[ti]);
        }
      }
    };
    for (let ci = 0; ci < g.chains.length; ci++) if (state[ci] === 0) visit(ci);
  }
}
