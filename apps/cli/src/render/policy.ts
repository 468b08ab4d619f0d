// Text forms of the policy command's results: the connectivity list in netpol-analyzer's txt, csv,
// md and dot forms (its docs/connlist_output.md), a decision with its reasons, lint findings.
import type { ConnList, Decision, LintResult, PolicyFinding } from "@aksnet/engine/policy";
import { color } from "../io.ts";

export type ListFormat = "text" | "json" | "csv" | "md" | "dot";

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A line writer for the list formats that stream (text, csv, md, json): call line() per
 * connection in order, then end(). Output leaves in chunks of about 1 MiB through write.
 */
export function listWriter(format: Exclude<ListFormat, "dot">, write: (chunk: string) => void): { line(src: string, dst: string, conn: string): void; end(): void } {
  let buf = "";
  let n = 0;
  const put = (s: string) => {
    buf += s;
    if (buf.length >= 1 << 20) { write(buf); buf = ""; }
  };
  if (format === "csv") put("src,dst,conn\n");
  if (format === "md") put("| src | dst | conn |\n|-----|-----|------|\n");
  if (format === "json") put("[");
  const q = JSON.stringify;
  return {
    line(src, dst, conn) {
      if (format === "text") put(`${src} => ${dst} : ${conn}\n`);
      else if (format === "csv") put(`${csvField(src)},${csvField(dst)},${csvField(conn)}\n`);
      else if (format === "md") put(`| ${src} | ${dst} | ${conn} |\n`);
      else put(`${n ? "," : ""}\n  {\n    "src": ${q(src)},\n    "dst": ${q(dst)},\n    "conn": ${q(conn)}\n  }`);
      n++;
    },
    end() {
      if (format === "json") put(n ? "\n]\n" : "]\n");
      if (buf) write(buf);
      buf = "";
    },
  };
}

export function renderList(l: ConnList, format: ListFormat): string {
  const c = l.connections;
  switch (format) {
    case "json":
      return JSON.stringify(c, null, 2) + "\n";
    case "csv":
      return ["src,dst,conn", ...c.map((x) => `${csvField(x.src)},${csvField(x.dst)},${csvField(x.conn)}`)].join("\n") + "\n";
    case "md":
      return ["| src | dst | conn |", "|-----|-----|------|", ...c.map((x) => `| ${x.src} | ${x.dst} | ${x.conn} |`)].join("\n") + "\n";
    case "dot":
      return renderDot(l);
    default:
      return c.map((x) => `${x.src} => ${x.dst} : ${x.conn}\n`).join("");
  }
}

function renderDot(l: ConnList): string {
  const q = (s: string) => JSON.stringify(s);
  const byNs = new Map<string, string[]>();
  for (const w of l.workloads) {
    const list = byNs.get(w.namespace) ?? [];
    list.push(w.name);
    byNs.set(w.namespace, list);
  }
  const lines = ["digraph {"];
  for (const ns of [...byNs.keys()].sort()) {
    lines.push(`\tsubgraph ${q(`cluster_${ns}`)} {`);
    for (const name of byNs.get(ns)!.sort()) lines.push(`\t\t${q(`${ns}/${name}`)} [label=${q(name)} color="blue" fontcolor="blue"]`);
    lines.push(`\t\tlabel=${q(ns)}`, "\t}");
  }
  for (const e of l.externals) lines.push(`\t${q(e)} [label=${q(e)} color="red2" fontcolor="red2"]`);
  for (const x of l.connections) lines.push(`\t${q(x.src)} -> ${q(x.dst)} [label=${q(x.conn)} color="gold2" fontcolor="darkgreen"]`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

export function renderDecision(d: Decision, explain: boolean): string {
  const c = color();
  const verdict = d.allowed ? c.green("allowed") : c.red("denied");
  const lines = [`${d.from} => ${d.to} over ${d.protocol}/${d.port}: ${verdict}`];
  if (!explain) return lines.join("\n") + "\n";
  for (const s of d.sides) {
    const head = `  ${s.direction} of ${s.workload}`;
    if (!s.policies.length) {
      lines.push(`${head}: ${s.reason}: ${s.allowed ? "allowed" : "denied"}`);
      continue;
    }
    lines.push(`${head}: selected by ${s.policies.map((p) => `${p.name} (${p.at})`).join(", ")}`);
    if (s.allowing.length) for (const r of s.allowing) lines.push(`    allowed by ${r.policy} ${r.rule} (${r.at})`);
    else lines.push(`    ${s.reason}`);
  }
  lines.push(`  allowed between them: ${d.conn}`);
  for (const n of d.notes) lines.push(`  note: ${n}`);
  return lines.join("\n") + "\n";
}

function finding(f: PolicyFinding): string {
  const c = color();
  const sev = f.severity === "error" ? c.red("error") : f.severity === "warning" ? c.yellow("warning") : c.cyan("info");
  const lines = [`${f.at ? `${f.at}: ` : ""}${sev} ${f.code}: ${f.path}: ${f.message}`];
  if (f.fix) lines.push(`  fix: ${f.fix}`);
  return lines.join("\n");
}

export function renderLint(r: LintResult): string {
  const s = r.summary;
  const body = r.findings.map(finding);
  body.push(`${s.policies} policies, ${s.workloads} workloads: ${s.errors} errors, ${s.warnings} warnings, ${s.infos} infos`);
  return body.join("\n") + "\n";
}
