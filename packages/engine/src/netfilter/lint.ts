// Findings on a parsed ruleset: what the kernel would refuse (jumps to missing chains, jump loops),
// what can never run (unreachable and shadowed rules), and what the tracer does not model, by line.
import type { Match, Rule, Ruleset } from "./model.ts";
import type { IpsetDb } from "./ipset.ts";

export interface Finding {
  code: string;
  severity: "error" | "warning" | "info";
  message: string;
  /** table/chain#rule, e.g. "nat/KUBE-SERVICES#3". */
  path: string;
  line: number;
  col: number;
}

const TERMINAL = (r: Rule): boolean => {
  const t = r.target;
  if (!t) return false;
  if (t.kind === "verdict") return true;
  if (t.kind === "jump") return t.goto;
  return t.kind === "dnat" || t.kind === "snat" || t.kind === "masquerade";
};

const unconditional = (r: Rule) => r.matches.every((m) => m.kind === "comment");

function prefixInside(inner: { v4net: number; v4mask: number; v6net: bigint; v6mask: bigint; family: number; bits: number },
  outer: typeof inner): boolean {
  if (inner.family !== outer.family || inner.bits < outer.bits) return false;
  return inner.family === 4 ? ((inner.v4net & outer.v4mask) >>> 0) === outer.v4net : (inner.v6net & outer.v6mask) === outer.v6net;
}

/** Whether every packet matching b's matches also matches a's match m. */
function covers(m: Match, b: Rule): boolean {
  const same = b.matches.filter((x) => x.kind === m.kind);
  switch (m.kind) {
    case "comment": return true;
    case "src": case "dst":
      return same.some((x) => x.kind === m.kind && (m.neg ? x.neg && x.prefix.text === m.prefix.text : !x.neg && prefixInside(x.prefix, m.prefix)));
    case "proto":
      return !m.neg && m.num === 0 ? true : same.some((x) => x.kind === "proto" && x.neg === m.neg && x.num === m.num);
    case "sport": case "dport":
      return same.some((x) => x.kind === m.kind && (m.neg ? x.neg && x.raw === m.raw : !x.neg && x.range[0] >= m.range[0] && x.range[1] <= m.range[1]));
    case "statistic": case "unknown":
      return false;
    default: {
      const key = (x: Match) => JSON.stringify({ ...x, col: 0 });
      return same.some((x) => key(x) === key(m));
    }
  }
}

export interface LintOptions {
  ipsets?: IpsetDb;
}

export function lintRuleset(rs: Ruleset, opts: LintOptions = {}): Finding[] {
  const out: Finding[] = [];
  const path = (t?: string, c?: string, n?: number) => `${t ?? ""}${c ? "/" + c : ""}${n ? "#" + n : ""}`;
  for (const i of rs.issues) {
    out.push({ code: i.code, severity: i.severity, message: i.message, path: path(i.table, i.chain, i.rule), line: i.line, col: i.col });
  }
  let budget = 5_000_000;
  const referenced = new Set<string>();
  const setsSeen = new Map<string, Rule>();
  for (const table of rs.tables.values()) {
    for (const chain of table.chains.values()) {
      for (const r of chain.rules) {
        if (r.target?.kind === "jump") referenced.add(table.name + "/" + r.target.chain);
        for (const m of r.matches) if (m.kind === "set" && !setsSeen.has(m.name)) setsSeen.set(m.name, r);
      }
    }
  }
  for (const table of rs.tables.values()) {
    for (const chain of table.chains.values()) {
      if (!chain.builtin && !referenced.has(table.name + "/" + chain.name)) {
        out.push({ code: "UnusedChain", severity: "info", message: `chain ${chain.name} is never jumped to: its ${chain.rules.length} rule(s) never run`, path: path(table.name, chain.name), line: chain.line, col: 1 });
      }
      const rules = chain.rules;
      const end = rules.findIndex((r) => TERMINAL(r) && unconditional(r));
      if (end >= 0 && end < rules.length - 1) {
        const r = rules[end];
        const first = rules[end + 1];
        out.push({
          code: "UnreachableRule", severity: "warning",
          message: `rules #${end + 2}-#${rules.length} of ${chain.name} can never run: rule #${end + 1} (line ${r.line}) ends the chain for every packet`,
          path: path(table.name, chain.name, end + 2), line: first.line, col: first.col,
        });
      }
      const limit = end >= 0 ? end : rules.length;
      for (let a = 0; a < limit; a++) {
        const A = rules[a];
        if (!TERMINAL(A) || unconditional(A) || A.matches.some((m) => m.kind === "statistic" || m.kind === "unknown")) continue;
        for (let b = a + 1; b < limit && budget > 0; b++, budget--) {
          const B = rules[b];
          // A mark test only shadows while nothing in between can change the mark.
          if (A.matches.some((m) => m.kind === "mark") && rules.slice(a + 1, b).some((x) => x.target && (x.target.kind === "mark" || x.target.kind === "jump" || x.target.kind === "unknown"))) continue;
          if (A.matches.every((m) => covers(m, B))) {
            out.push({
              code: "ShadowedRule", severity: "warning",
              message: `rule #${B.num} of ${chain.name} never runs: every packet it matches is already taken by rule #${A.num} (line ${A.line})`,
              path: path(table.name, chain.name, B.num), line: B.line, col: B.col,
            });
          }
        }
      }
    }
  }
  for (const [name, r] of setsSeen) {
    if (!opts.ipsets?.has(name)) {
      out.push({
        code: "UnknownIpset", severity: opts.ipsets ? "warning" : "info",
        message: `ipset ${name} is used but its members are not given${opts.ipsets ? "" : " (pass --ipsets)"}: a trace takes it as empty`,
        path: path(r.table, r.chain, r.num), line: r.line, col: r.col,
      });
    }
  }
  const rank = { error: 0, warning: 1, info: 2 };
  return out.sort((x, y) => x.line - y.line || x.col - y.col || rank[x.severity] - rank[y.severity]);
}
