// Text rendering of `aksnet trace`: the hops and their steps, the verdict; the --compare table.
import type { Trace, Step, CompareTraceRow } from "@aksnet/engine/dataplane";
import { color } from "../io.ts";
import { table } from "./aks.ts";

const INTERESTING = new Set(["dnat", "snat", "masquerade", "drop", "reject", "accept"]);

function step(s: Step): string[] {
  const c = color();
  switch (s.kind) {
    case "route": return [`route      ${s.table}: ${s.route} ${s.prefix} → ${s.nextHopType}${s.nextHop ? ` ${s.nextHop}` : ""}`];
    case "nsg": return [`nsg        ${s.nsg} (${s.attachedTo}) ${s.direction}: ${s.rule} (priority ${s.priority}) ${s.access === "Allow" ? c.green("Allow") : c.red("Deny")}`];
    case "rewrite": return [`rewrite    ${s.field} ${s.from} → ${s.to} (${s.by})`];
    case "netfilter": {
      const key = s.rules.filter((r) => INTERESTING.has(r.action));
      const out = [`netfilter  ${s.node}: ${s.verdict} (${s.path}, ${s.rules.length} rules matched)`];
      for (const r of key) out.push(`             ${r.table} ${r.chain} #${r.rule} (line ${r.line}) ${r.action}: ${r.text}`);
      if (s.alternatives) out.push(`             alternatives: ${s.alternatives.map((a) => `${a.to} (${+a.probability.toFixed(4)})`).join(", ")}`);
      return out;
    }
    case "ebpf": return [`ebpf       ${s.what}${s.alternatives ? `: ${s.alternatives.map((a) => `${a.to} (${+a.probability.toFixed(4)})`).join(", ")}` : ""}`];
    case "load-balancer": return [`lb         ${s.frontend} → ${s.backend}: ${s.note}`];
    case "policy": return [`policy     ${s.note}`];
    case "note": return [`note       ${s.text}`];
  }
}

function end(e: Trace["from"]): string {
  return `${e.endpoint} (${e.address}${e.nodeAddress ? ` on ${e.nodeAddress}` : ""}${e.class ? `, ${e.class}` : ""})`;
}

export function renderTrace(t: Trace): string {
  const c = color();
  const L = [c.bold(`${end(t.from)} → ${end(t.to)}  ${t.flow.proto}/${t.flow.port}  [${t.model}${t.dataplane === "cilium" ? " + cilium" : ""}]`)];
  t.hops.forEach((h, i) => {
    L.push(`${String(i + 1).padStart(2)}. ${h.at}`);
    for (const s of h.steps) for (const line of step(s)) L.push(`      ${line}`);
  });
  const v = t.verdict === "delivered" ? c.green(t.verdict) : c.red(t.verdict);
  L.push(`verdict: ${v}${t.to.resolved ? `   to ${t.to.resolved}` : ""}${t.seenSource ? `   the destination sees the source as ${t.seenSource}` : ""}`);
  if (t.reason) L.push(`reason: ${t.reason}`);
  return L.join("\n");
}

export function renderCompare(rows: CompareTraceRow[]): string {
  const c = color();
  const first = rows.find((r) => r.trace)?.trace;
  const head = first ? c.bold(`${first.from.endpoint} → ${first.to.endpoint}  ${first.flow.proto}/${first.flow.port}, under every model`) : "";
  const body = table(["model", "verdict", "source seen", "from", "to", "hops", "reason"], rows.map((r) => r.trace
    ? [r.label, r.trace.verdict, r.trace.seenSource ?? "-", r.trace.from.address, r.trace.to.resolved ?? r.trace.to.address, String(r.trace.hops.length), r.trace.reason ?? ""]
    : [r.label, "n/a", "-", "-", "-", "-", r.error ?? ""]));
  return [head, ...body].join("\n");
}
