// The connectivity list, in netpol-analyzer's form (its docs/connlist_output.md): one entry per
// allowed connection between two different peers — workloads `namespace/name[Kind]` and external
// IPv4 ranges `a.b.c.d-e.f.g.h[External]` — as `SRC => DST : CONN`, sorted by source then
// destination (plain string order). No entry when nothing is allowed, none from a workload to
// itself, none between two external ranges, and no list at all without workloads.
import type { Addr } from "../ip/addr.ts";
import { PolicyAnalysis, externalName, workloadName, type Endpoint } from "./analysis.ts";
import type { ConnSet } from "./conns.ts";
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

const byCodeUnits = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** Why the list is empty (no workloads) or allows everything (nothing enforces the policies). */
export function listNotes(a: PolicyAnalysis): string[] {
  if (!a.workloads.length) return ["the manifests have no workloads (Pods, Deployments, ...): the list is empty"];
  if (a.enforced || !a.policies.length) return [];
  const why = a.ctx.engine === "none" ? "the cluster's networkPolicy is none" : "Azure NPM is not supported on kubenet";
  return [`${a.policies.length} NetworkPolicies are not enforced (${why}): every connection is allowed`];
}

/**
 * Calls emit for every allowed connection, already in the list's order: sources sorted, and for
 * each source its destinations sorted, which is the order of sorting the lines by (src, dst) —
 * so nothing is collected or sorted, and a writer can stream the lines out. CONN strings are
 * made once per distinct connection set.
 */
export function eachConnection(a: PolicyAnalysis, emit: (src: string, dst: string, conn: string) => void): void {
  const W = a.workloads.length;
  if (W === 0) return;
  interface P { name: string; ep: Endpoint }
  const wl: P[] = a.workloads.map((w, i) => ({ name: workloadName(w), ep: { kind: "workload", index: i } }));
  const ext = (r: { first: Addr; last: Addr }): P => ({ name: externalName(r.first, r.last), ep: { kind: "external", first: r.first, last: r.last } });
  const srcs = [...wl, ...a.externalRanges("ingress").map(ext)].sort((x, y) => byCodeUnits(x.name, y.name));
  const dstAll = [...wl, ...a.externalRanges("egress").map(ext)].sort((x, y) => byCodeUnits(x.name, y.name));
  const dstW = dstAll.filter((d) => d.ep.kind === "workload");
  const text = new Map<ConnSet, string>();
  for (const s of srcs) {
    for (const d of s.ep.kind === "workload" ? dstAll : dstW) {
      if (d === s || (s.ep.kind === "workload" && d.ep.kind === "workload" && s.ep.index === d.ep.index)) continue;
      const c = a.allowed(s.ep, d.ep);
      if (c.isEmpty) continue;
      let t = text.get(c);
      if (t === undefined) text.set(c, (t = c.toString()));
      emit(s.name, d.name, t);
    }
  }
}

/** The list streamed to emit in order (for writers that don't keep it); returns the notes. */
export function streamConnectivityList(input: PolicyInput, ctx: PolicyContext | undefined, emit: (src: string, dst: string, conn: string) => void): { notes: string[] } {
  const a = new PolicyAnalysis(input, ctx);
  eachConnection(a, emit);
  return { notes: listNotes(a) };
}

export function connectivityList(input: PolicyInput, ctx?: PolicyContext): ConnList {
  const a = new PolicyAnalysis(input, ctx);
  const connections: Connection[] = [];
  const externals = new Set<string>();
  eachConnection(a, (src, dst, conn) => {
    connections.push({ src, dst, conn });
    if (src.endsWith("[External]")) externals.add(src);
    if (dst.endsWith("[External]")) externals.add(dst);
  });
  return {
    connections,
    notes: listNotes(a),
    workloads: a.workloads.map((w) => ({ namespace: w.namespace, name: `${w.name}[${w.kind}]` })),
    externals: [...externals].sort(byCodeUnits),
  };
}
