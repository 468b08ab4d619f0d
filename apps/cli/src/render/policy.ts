// Text forms of the policy command's results: the connectivity list in netpol-analyzer's txt, csv,
// md and dot forms (its docs/connlist_output.md), a decision with its reasons, lint findings.
import type { ConnList, Decision, LintResult, PolicyFinding } from "@aksnet/engine/policy";
import { color } from "../io.ts";

export type ListFormat = "text" | "json" | "csv" | "md" | "dot";

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const CHUNK = 1 << 20;

/**
 * A line writer for the list formats that stream (text, csv, md, json): call line() per
 * connection in order, then end(). Lines are assembled as bytes in one reused 1 MiB buffer (each
 * distinct name and CONN string encoded once) and leave through write, one call per chunk.
 */
export function listWriter(format: Exclude<ListFormat, "dot">, write: (chunk: Uint8Array) => void): { line(src: string, dst: string, conn: string): void; end(): void } {
  const enc = new TextEncoder();
  const buf = new Uint8Array(CHUNK);
  let at = 0;
  let n = 0;
  const flush = () => { if (at) write(buf.subarray(0, at)); at = 0; };
  const put = (b: Uint8Array) => {
    if (at + b.length > CHUNK) flush();
    if (b.length > CHUNK) { write(b); return; }
    buf.set(b, at);
    at += b.length;
  };
  const field = format === "csv" ? csvField : format === "json" ? (x: string) => JSON.stringify(x) : (x: string) => x;
  const cache = new Map<string, Uint8Array>();
  const b = (x: string) => {
    let v = cache.get(x);
    if (!v) { v = enc.encode(field(x)); if (cache.size < 1 << 16) cache.set(x, v); }
    return v;
  };
  const lit = (x: string) => enc.encode(x);
  const parts = {
    text: [lit(""), lit(" => "), lit(" : "), lit("\n")],
    csv: [lit(""), lit(","), lit(","), lit("\n")],
    md: [lit("| "), lit(" | "), lit(" | "), lit(" |\n")],
    json: [lit('\n  {\n    "src": '), lit(',\n    "dst": '), lit(',\n    "conn": '), lit("\n  }")],
  }[format];
  const comma = lit(",");
  if (format === "csv") put(lit("src,dst,conn\n"));
  if (format === "md") put(lit("| src | dst | conn |\n|-----|-----|------|\n"));
  if (format === "json") put(lit("["));
  return {
    line(src, dst, conn) {
      if (format === "json" && n) put(comma);
      put(parts[0]); put(b(src)); put(parts[1]); put(b(dst)); put(parts[2]); put(b(conn)); put(parts[3]);
      n++;
    },
    end() {
      if (format === "json") put(lit(n ? "\n]\n" : "]\n"));
      flush();
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
    // netpol-analyzer writes `subgraph cluster_NS`; a namespace with "-" needs the quoted form.
    const id = /^[A-Za-z0-9_]+$/.test(ns) ? `cluster_${ns}` : q(`cluster_${ns}`);
    lines.push(`\tsubgraph ${id} {`);
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
    else {
      lines.push(`    ${s.reason}`);
      for (const r of s.notMatching) lines.push(`    ${r.policy} ${r.rule} (${r.at}): ${r.why}`);
    }
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
