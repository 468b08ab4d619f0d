// The parsed form of an iptables-save dump. Every rule keeps its source line and column, its raw
// text and its 1-based number in its chain, so a trace or a lint finding can point back at it.

/** An address or prefix as matched: IPv4 in 32-bit numbers (the hot path), IPv6 in bigints. */
export interface NetPrefix {
  family: 4 | 6;
  /** The text as written ("10.0.0.1/32"). */
  text: string;
  /** IPv4 network and mask as unsigned 32-bit numbers. */
  v4net: number;
  v4mask: number;
  bits: number;
  /** IPv6 network and mask. */
  v6net: bigint;
  v6mask: bigint;
}

export type PortRange = [lo: number, hi: number];

export type Match =
  | { kind: "src" | "dst"; neg: boolean; prefix: NetPrefix; col: number }
  | { kind: "proto"; neg: boolean; proto: string; num: number; col: number }
  | { kind: "inIface" | "outIface"; neg: boolean; name: string; col: number }
  | { kind: "sport" | "dport"; neg: boolean; range: PortRange; raw: string; col: number }
  | { kind: "multiport"; which: "sports" | "dports" | "ports"; neg: boolean; ranges: PortRange[]; col: number }
  | { kind: "addrtype"; which: "src" | "dst"; neg: boolean; types: string[]; raw: string; col: number }
  | { kind: "comment"; text: string; col: number }
  | { kind: "statistic"; mode: "random" | "nth"; probability: number; every: number; packet: number; col: number }
  | { kind: "mark"; neg: boolean; value: number; mask: number; col: number }
  | { kind: "ctstate"; neg: boolean; states: string[]; module: "conntrack" | "state"; col: number }
  | { kind: "recent"; neg: boolean; op: "set" | "rcheck" | "update" | "remove"; name: string; seconds?: number; reap: boolean; col: number }
  | { kind: "set"; neg: boolean; name: string; dirs: ("src" | "dst")[]; col: number }
  | { kind: "physdev"; neg: boolean; option: "in" | "out" | "isIn" | "isOut" | "isBridged"; name: string; col: number }
  | { kind: "fragment"; neg: boolean; col: number }
  /** A match the tracer does not evaluate: kept, reported by lint, assumed to match when tracing. */
  | { kind: "unknown"; module: string; option: string; args: string[]; neg: boolean; col: number };

export interface NatTo {
  /** First and last address of the range ("10.0.0.1-10.0.0.3"); equal for a single address. */
  first?: NetPrefix;
  last?: NetPrefix;
  /** Port range, or undefined when the port is kept. */
  ports?: PortRange;
  raw: string;
}

export type Target =
  | { kind: "verdict"; name: "ACCEPT" | "DROP" | "REJECT" | "RETURN"; rejectWith?: string; col: number }
  | { kind: "jump"; chain: string; goto: boolean; col: number }
  | { kind: "dnat" | "snat"; to: NatTo; random: boolean; randomFully: boolean; col: number }
  | { kind: "masquerade"; ports?: PortRange; random: boolean; randomFully: boolean; col: number }
  | { kind: "mark"; op: "set-xmark" | "set-mark" | "or-mark" | "and-mark" | "xor-mark"; value: number; mask: number; col: number }
  | { kind: "log"; prefix: string; col: number }
  /** A target the tracer does not model (CONNMARK, TCPMSS, CT, ...): kept, reported, passed over. */
  | { kind: "unknown"; name: string; args: string[]; col: number };

export interface Rule {
  table: string;
  chain: string;
  /** 1-based position in its chain, as `iptables -L --line-numbers` prints it. */
  num: number;
  line: number;
  col: number;
  /** The rule as written, from "-A" on. */
  text: string;
  matches: Match[];
  target?: Target;
}

export interface Chain {
  name: string;
  builtin: boolean;
  /** ACCEPT or DROP for built-in chains; undefined ("-") for user chains. */
  policy?: "ACCEPT" | "DROP";
  packets: number;
  bytes: number;
  line: number;
  rules: Rule[];
}

export interface Table {
  name: string;
  line: number;
  chains: Map<string, Chain>;
}

export type IssueCode =
  | "UnknownMatch"
  | "UnknownTarget"
  | "JumpToMissingChain"
  | "JumpToBuiltinChain"
  | "JumpLoop"
  | "UnknownTable"
  | "RuleWithoutTarget"
  | "NotModelled";

/** Something the parser kept but the kernel would refuse, or the tracer does not model. */
export interface ParseIssue {
  code: IssueCode;
  severity: "error" | "warning" | "info";
  message: string;
  line: number;
  col: number;
  table?: string;
  chain?: string;
  rule?: number;
}

export interface Ruleset {
  source: string;
  /** 4 for iptables-save, 6 for ip6tables-save (from the first address seen; 4 when none). */
  family: 4 | 6;
  tables: Map<string, Table>;
  issues: ParseIssue[];
  ruleCount: number;
}

export const BUILTIN_CHAINS: Record<string, readonly string[]> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  raw: ["PREROUTING", "OUTPUT"],
  security: ["INPUT", "FORWARD", "OUTPUT"],
};

export function getChain(rs: Ruleset, table: string, chain: string): Chain | undefined {
  return rs.tables.get(table)?.chains.get(chain);
}

/** Where a rule is, for messages: "nat KUBE-SERVICES #3 (line 120)". */
export function ruleRef(r: Rule): string {
  return `${r.table} ${r.chain} #${r.num} (line ${r.line})`;
}
