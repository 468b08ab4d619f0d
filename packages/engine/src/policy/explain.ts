// One connection, decided and explained: for each side (the source's egress, the destination's
// ingress) the policies that select it, the rules that allow this protocol and port, or "no rule
// allows" with the policies whose default deny decides. What the cluster's engine changes
// (nothing enforced, hostNetwork, NAT) is said in notes.
import { ConnSet, type Protocol } from "./conns.ts";
import { PolicyAnalysis, type CompiledRule, type Endpoint } from "./analysis.ts";
import { EXTERNAL_TRAFFIC_POLICY_ASSUMED, type PolicyContext } from "./context.ts";
import type { PolicyInput } from "./model.ts";
import { UsageError } from "../errors.ts";

export interface RuleRef {
  policy: string;
  /** spec.ingress[0] */
  rule: string;
  at: string;
}

export interface SideDecision {
  direction: "egress" | "ingress";
  /** The workload whose policies decide this side. */
  workload: string;
  /** Policies of this direction that select the workload (none: not isolated, all allowed). */
  policies: { name: string; at: string }[];
  /** Rules that allow the connection. */
  allowing: RuleRef[];
  /** When nothing allows it: each rule of the selecting policies and what it doesn't match. */
  notMatching: (RuleRef & { why: string })[];
  allowed: boolean;
  /** Why without rules: "not isolated", "hostNetwork pod: not subject to policies", ... */
  reason: string;
}

export interface Decision {
  from: string;
  to: string;
  protocol: Protocol;
  port: number;
  allowed: boolean;
  /** Everything allowed between the two endpoints, in the list's form. */
  conn: string;
  sides: SideDecision[];
  notes: string[];
  engine: string;
}

function ref(a: PolicyAnalysis, c: CompiledRule): RuleRef {
  const p = a.policies[c.policy];
  return { policy: `${p.namespace}/${p.name}`, rule: `spec.${c.rule.direction}[${c.rule.index}]`, at: c.rule.where.at };
}

/** One side of a connection: the egress of the source workload or the ingress of the destination. */
export function decideSide(a: PolicyAnalysis, direction: "egress" | "ingress", wi: number, other: Endpoint, protocol: Protocol, port: number): SideDecision {
  const w = a.workloads[wi];
  const st = a.state[wi];
  const workload = a.endpointName({ kind: "workload", index: wi });
  const isolated = direction === "egress" ? st.egressIsolated : st.ingressIsolated;
  const pols = (direction === "egress" ? st.egressPolicies : st.ingressPolicies).map((pi) => {
    const p = a.policies[pi];
    return { name: `${p.namespace}/${p.name}`, at: p.where.at };
  });
  const none = { allowing: [], notMatching: [], allowed: true };
  if (!a.enforced) return { direction, workload, policies: pols, ...none, reason: "policies are not enforced on this cluster" };
  if (!st.subject) return { direction, workload, policies: [], ...none, reason: "hostNetwork pod: Cilium applies no policy to it" };
  if (!isolated) return { direction, workload, policies: [], ...none, reason: `no policy of type ${direction === "egress" ? "Egress" : "Ingress"} selects it` };
  const allowing: RuleRef[] = [];
  const notMatching: (RuleRef & { why: string })[] = [];
  const dst: Endpoint = direction === "egress" ? other : { kind: "workload", index: wi };
  const peerWord = direction === "egress" ? "the destination is not in its to" : "the source is not in its from";
  for (const r0 of direction === "egress" ? st.egressRules : st.ingressRules) {
    const r = r0.win && w.os === "windows" ? r0.win : r0;
    const matches = direction === "egress" ? a.ruleMatchesDst(r, other) : a.ruleMatchesSrc(r, other);
    const ports = a.rulePorts(r, dst);
    if (matches && ports.has(protocol, port)) allowing.push(ref(a, r));
    else notMatching.push({ ...ref(a, r), why: !matches ? peerWord : `${protocol}/${port} is not in its ports (${ports.toString()})` });
  }
  // The policies with no rule of this direction are the default deny proper; name them first.
  const withRules = new Set((direction === "egress" ? st.egressRules : st.ingressRules).map((r) => r.policy));
  const denyOnly = (direction === "egress" ? st.egressPolicies : st.ingressPolicies).filter((pi) => !withRules.has(pi)).map((pi) => `${a.policies[pi].namespace}/${a.policies[pi].name}`);
  const deciding = denyOnly.length ? denyOnly : pols.map((p) => p.name);
  return {
    direction, workload, policies: pols, allowing, notMatching: allowing.length ? [] : notMatching, allowed: allowing.length > 0,
    reason: allowing.length ? "allowed by a rule" : `no rule allows it: default deny of ${deciding.join(", ")}`,
  };
}

/** Decides one connection and says why. */
export function explainConnection(input: PolicyInput, ctx: PolicyContext | undefined, from: string, to: string, port: number, protocol: Protocol = "TCP"): Decision {
  const a = new PolicyAnalysis(input, ctx);
  const src = a.endpoint(from, "--from");
  const dst = a.endpoint(to, "--to");
  if (src.kind === "external" && dst.kind === "external") throw new UsageError("--from and --to are both addresses: one of them must be a workload", "policies decide only connections from or to a pod");
  const sides: SideDecision[] = [];
  if (src.kind === "workload") sides.push(decideSide(a, "egress", src.index, dst, protocol, port));
  if (dst.kind === "workload") sides.push(decideSide(a, "ingress", dst.index, src, protocol, port));
  const notes: string[] = [];
  if (!a.enforced) notes.push(a.ctx.engine === "none" ? "networkPolicy is none on this cluster: no NetworkPolicy is enforced" : "Azure NPM is not supported on kubenet: no NetworkPolicy is enforced");
  if (src.kind === "external" && dst.kind === "workload" && a.sourceSeenAs(src.first) === "node") {
    notes.push(`${src.first} reaches pods through a Service and arrives SNATed to a node IP (externalTrafficPolicy ${EXTERNAL_TRAFFIC_POLICY_ASSUMED} assumed): ingress ipBlocks are matched against the node IPs${a.ctx.engine === "cilium" ? ", which Cilium's ipBlocks never match" : ""}`);
  }
  if (src.kind === "workload" && a.ctx.engine === "cilium" && a.workloads[src.index].hostNetwork) {
    notes.push("the source is a hostNetwork pod: its traffic carries the node's identity, so pod and namespace selectors don't match it");
  }
  const conn = a.allowed(src, dst);
  const allowed = a.enforced ? sides.every((s) => s.allowed) : true;
  // The per-side rules and the whole set must agree: a disagreement would be a bug.
  if (allowed !== conn.has(protocol, port)) throw new Error(`explain and evaluation disagree for ${from} -> ${to} ${protocol}/${port}`);
  return {
    from: a.endpointName(src), to: a.endpointName(dst), protocol, port, allowed,
    conn: conn === ConnSet.NONE ? "No Connections" : conn.toString(), sides, notes, engine: a.ctx.engine,
  };
}
