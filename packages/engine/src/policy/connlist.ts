// The connectivity list, in netpol-analyzer's form (its docs/connlist_output.md): one entry per
// allowed connection between two different peers — workloads `namespace/name[Kind]` and external
// IPv4 ranges `a.b.c.d-e.f.g.h[External]` — as `SRC => DST : CONN`, sorted by source then
// destination (plain string order). No entry when nothing is allowed, none from a workload to
// itself, none between two external ranges, and no list at all without workloads.
import { PolicyAnalysis, externalName, workloadName, type Endpoint } from "./analysis.ts";
import type { PolicyContext } from "./context.ts";
import type { PolicyInput } from "./model.ts";

export interface Connection {
  src: string;
  dst: string;
  conn: string;
}

export interface ConnList {
  connections: Connection[];
  /** What the reader should know: unenforced policies, NAT assumptions (printed on stderr). */
  notes: string[];
  /** Workloads by namespace, for the dot form's clusters. */
  workloads: { namespace: string; name: string }[];
  externals: string[];
}

export function connectivityList(input: PolicyInput, ctx?: PolicyContext): ConnList {
  const a = new PolicyAnalysis(input, ctx);
  const out: Connection[] = [];
  const notes: string[] = [];
  if (!a.enforced && input.policies.length) {
    const why = a.ctx.engine === "none" ? "the cluster's networkPolicy is none" : "Azure NPM is not supported on kubenet";
    notes.push(`${input.policies.length} NetworkPolicies are not enforced (${why}): every connection is allowed`);
  }
  const W = a.workloads.length;
  const names = a.workloads.map(workloadName);
  const externals = new Set<string>();
  if (W > 0) {
    const srcRanges = a.externalRanges("ingress");
    const dstRanges = a.externalRanges("egress");
    const dst: Endpoint = { kind: "workload", index: 0 };
    const src: Endpoint = { kind: "workload", index: 0 };
    for (let s = 0; s < W; s++) {
      src.index = s;
      for (let d = 0; d < W; d++) {
        if (s === d) continue;
        dst.index = d;
        const c = a.allowed(src, dst);
        if (!c.isEmpty) out.push({ src: names[s], dst: names[d], conn: c.toString() });
      }
      for (const r of dstRanges) {
        const c = a.allowed(src, { kind: "external", first: r.first, last: r.last });
        if (c.isEmpty) continue;
        const n = externalName(r.first, r.last);
        externals.add(n);
        out.push({ src: names[s], dst: n, conn: c.toString() });
      }
    }
    for (const r of srcRanges) {
      const e: Endpoint = { kind: "external", first: r.first, last: r.last };
      const n = externalName(r.first, r.last);
      for (let d = 0; d < W; d++) {
        dst.index = d;
        const c = a.allowed(e, dst);
        if (c.isEmpty) continue;
        externals.add(n);
        out.push({ src: n, dst: names[d], conn: c.toString() });
      }
    }
  }
  out.sort((x, y) => (x.src < y.src ? -1 : x.src > y.src ? 1 : x.dst < y.dst ? -1 : x.dst > y.dst ? 1 : 0));
  return {
    connections: out,
    notes,
    workloads: a.workloads.map((w) => ({ namespace: w.namespace, name: `${w.name}[${w.kind}]` })),
    externals: [...externals].sort(),
  };
}
