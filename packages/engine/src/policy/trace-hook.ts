// NetworkPolicies as the policy step of a dataplane trace (dataplane/trace.ts's PolicyHook): the
// traced pods are named as workloads of the manifests (the dataplane places pods by pool, node and
// index; it does not know their labels), and each side is decided as `policy explain` decides it,
// with the address the packet carries at that point. So a trace shows what NAT does to a policy:
// under kubenet or Overlay a pod's packet to a pod on another node keeps its address, but a
// packet from outside that arrives through a Service is seen with a node IP, and an ipBlock meant
// for the real client never matches.
import type { PolicyHook } from "../dataplane/trace.ts";
import { PolicyAnalysis, type Endpoint } from "./analysis.ts";
import { decideSide } from "./explain.ts";
import type { PolicyContext } from "./context.ts";
import type { PolicyInput } from "./model.ts";
import type { Protocol } from "./conns.ts";
import { UsageError } from "../errors.ts";

export interface TracePolicyBinding {
  /** The workload ("ns/name[Kind]", "ns/name" or "name") the trace's source pod belongs to. */
  from?: string;
  /** The same for the destination pod. */
  to?: string;
}

export function tracePolicyHook(input: PolicyInput, ctx: PolicyContext | undefined, bind: TracePolicyBinding): PolicyHook {
  // The trace did the NAT: the policy judges the address the packet carries, not an assumed one.
  const a = new PolicyAnalysis(input, ctx ? { ...ctx, observed: true } : ctx);
  const workload = (text: string | undefined, flag: string): number | undefined => {
    if (text === undefined) return undefined;
    const e = a.endpoint(text, flag);
    if (e.kind !== "workload") throw new UsageError(`${flag} ${JSON.stringify(text)} must name a workload of the manifests, not an address`);
    return e.index;
  };
  const src = workload(bind.from, "--from-workload");
  const dst = workload(bind.to, "--to-workload");
  // The source pod's own address (at its egress): a packet that still carries it at the destination was not SNATed.
  let srcAddress: string | undefined;
  return (direction, pod, pkt) => {
    if (direction === "egress") srcAddress = pod.address;
    const wi = direction === "egress" ? src : dst;
    const flag = direction === "egress" ? "--from-workload" : "--to-workload";
    if (wi === undefined) {
      return { allowed: true, step: { kind: "policy", evaluated: false, note: `network policy ${direction} is not evaluated: name the pod's workload with ${flag}` } };
    }
    let other: Endpoint;
    if (direction === "egress") other = dst !== undefined ? { kind: "workload", index: dst } : a.endpoint(pkt.dst, "the destination address");
    else other = src !== undefined && pkt.src === srcAddress ? { kind: "workload", index: src } : a.endpoint(pkt.src, "the source address");
    const protocol = pkt.proto.toUpperCase() as Protocol;
    const d = decideSide(a, direction, wi, other, protocol, pkt.dport);
    const seen = a.endpointName(other) + (direction === "ingress" && other.kind === "external" ? " (as the packet arrives)" : "");
    const rule = d.allowing[0];
    const note = `${d.workload} ${direction} ${direction === "egress" ? "to" : "from"} ${seen} ${protocol}/${pkt.dport}: ${d.allowed ? "allowed" : "denied"}, ${d.reason}` +
      (rule ? ` (${rule.policy} ${rule.rule}${rule.at ? ` at ${rule.at}` : ""})` : "");
    return {
      allowed: d.allowed,
      step: { kind: "policy", evaluated: true, direction, workload: d.workload, peer: seen, allowed: d.allowed, reason: d.reason, rule, policies: d.policies.map((p) => p.name), note },
    };
  };
}
