// Rendering of `aksnet iptables`: the rule path of one trace (text), lint findings, and the JSON
// lines of `flows`, written a chunk at a time (the engine formats them into bytes).
import { groupDigits } from "@aksnet/engine";
import type { KernelTrace, KubeProxyTrace, TraceStep, Ruleset, Finding } from "@aksnet/engine/netfilter";
import { out, color, warn, writeStdout } from "../io.ts";

const endpoint = (a: string, p?: number) => (p === undefined ? a : a.includes(":") ? `[${a}]:${p}` : `${a}:${p}`);

function stepLine(s: TraceStep, c: ReturnType<typeof color>): string {
  if (s.action === "policy") return `  ${c.dim(`${s.table} ${s.chain}`)} policy ${c.bold(s.text.split(" ")[1])}  ${c.dim(`(line ${s.line})`)}`;
  const prob = s.probability !== undefined ? ` ${s.branch === "taken" ? "p=" : "not taken, p="}${+s.probability.toFixed(6)}` : "";
  const rw = s.rewrites?.length ? "  " + s.rewrites.map((r) => `${r.field} ${r.from} → ${r.to}`).join(", ") : "";
  return `  ${c.dim(`${s.table} ${s.chain} #${s.rule}`)} ${c.dim(`line ${s.line}`)}  ${c.cyan(s.action)}${prob}${c.yellow(rw)}\n      ${c.dim(s.text)}${s.note ? `\n      ${c.yellow("note")}: ${s.note}` : ""}`;
}

export function renderKernel(t: KernelTrace): void {
  const c = color();
  const f = t.flow;
  out(`${c.bold("kernel")} trace: ${f.proto} ${endpoint(f.src, f.sport)} → ${endpoint(f.dst, f.dport)}  ${c.dim(t.path === "local-out" ? "(locally generated)" : `(from the network${f.inIface ? `, in ${f.inIface}` : ""})`)}`);
  const vc = t.verdict === "ACCEPT" ? c.green : t.verdict === "MIXED" ? c.yellow : c.red;
  out(`verdict ${vc(c.bold(t.verdict))}${t.alternatives.length > 1 ? `  (${t.alternatives.length} alternatives${t.truncated ? ", more not shown" : ""})` : ""}`);
  t.alternatives.forEach((a, k) => {
    out("");
    const head = t.alternatives.length > 1 ? `alternative ${k + 1} of ${t.alternatives.length}, probability ${(a.probability * 100).toFixed(2)}%: ` : "";
    out(`${head}${(a.verdict === "ACCEPT" ? c.green : c.red)(a.verdict)}${a.delivery ? ` (${a.delivery})` : ""}  final ${endpoint(a.src, a.sport)} → ${endpoint(a.dst, a.dport)}  mark ${a.mark}`);
    for (const r of a.rewrites) out(`  ${c.yellow("rewrite")} ${r.field}: ${r.from} → ${r.to}`);
    for (const s of a.steps) out(stepLine(s, c));
    for (const x of a.assumptions) out(`  ${c.yellow("assumed")}: ${x}`);
  });
}

export function renderKubeProxy(t: KubeProxyTrace): void {
  const c = color();
  const f = t.flow;
  out(`${c.bold("kube-proxy-test")} trace: ${f.proto} ${f.src} → ${endpoint(f.dst, f.dport)}`);
  out(`output: ${t.output ? c.bold(t.output) : c.dim("(none)")}`);
  out(`masq:   ${t.masq}`);
  if (t.filterDst !== f.dst) out(`filter chains saw destination ${t.filterDst}`);
  out(t.steps.length ? "matched rules, in order:" : "no rule matched");
  for (const s of t.steps) out(stepLine(s, c));
}

/** The findings of lint, one per line, and the summary on stderr. */
export function renderLint(rs: Ruleset, tables: { name: string; rules: number }[], findings: Finding[]): void {
  const c = color();
  for (const f of findings) {
    const sev = f.severity === "error" ? c.red("error") : f.severity === "warning" ? c.yellow("warning") : c.dim("info");
    out(`${rs.source}:${f.line}:${f.col}: ${sev} ${c.bold(f.code)} ${f.path}: ${f.message}`);
  }
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  warn(`${rs.ruleCount} rules in ${tables.map((t) => `${t.name} (${t.rules})`).join(", ")}: ${count("error")} errors, ${count("warning")} warnings, ${count("info")} notes`);
}

/**
 * Where the JSON lines of flows go: stdout, one synchronous write per chunk (a chunk may be a view
 * of the core's memory, valid during the call only).
 */
export const flowSink = writeStdout;

/** The throughput line on stderr. */
export function renderFlowRate(n: number, ms: number, engine: string, fallback?: string, threads = 1): void {
  const rate = ms > 0 ? Math.round((n / ms) * 1000) : 0;
  warn(`${n} flow${n === 1 ? "" : "s"} in ${ms.toFixed(1)} ms (${groupDigits(rate)} flows/s, engine ${engine}${fallback ? `: ${fallback}` : ""}${threads > 1 ? `, ${threads} threads` : ""})`);
}
