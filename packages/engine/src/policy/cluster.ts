// The one adapter between the planner and the policy engine: a planner Cluster (any input
// loadCluster reads) becomes the PolicyContext the analysis uses. Only the planner's public API
// (loadCluster, plan) is used, read-only.
import { loadCluster, plan, type Cluster, type InputText } from "../aks/index.ts";
import { Prefix } from "../ip/prefix.ts";
import type { PolicyContext } from "./context.ts";

/** The planner findings that are about the policy engine (its networkPolicy field). */
function policyFindings(c: Cluster, findings: ReturnType<typeof plan>["findings"]) {
  const path = c.paths.networkPolicy;
  return findings.filter((f) => f.path === path).map((f) => ({ ...f, path: `cluster ${c.name} ${f.path}` }));
}

export function contextFromCluster(c: Cluster): PolicyContext {
  const p = plan(c);
  const nodeSubnets = new Set(c.pools.map((x) => x.nodeSubnet));
  const flat = c.model === "azure-cni" || c.model === "azure-cni-pod-subnet" || c.model === "azure-cni-static-block";
  // Where pod IPs are: the pod CIDR on kubenet and Overlay, the pod subnets on the pod-subnet
  // models, the node subnet itself (shared with the nodes) on node-subnet Azure CNI.
  const podSubnets = new Set(c.pools.map((x) => x.podSubnet).filter((x): x is string => !!x));
  const podRanges = flat ? c.vnet.subnets.filter((s) => podSubnets.has(s.name)).flatMap((s) => s.prefixes) : c.podCidrs.map((x) => x.prefix);
  return {
    engine: c.policy,
    model: c.model,
    cluster: c.name,
    enginePath: c.paths.networkPolicy,
    windowsPools: c.pools.filter((x) => x.osType === "Windows").map((x) => x.name),
    dualStack: c.podCidrs.some((x) => x.prefix.family === 6) || c.serviceCidrs.some((x) => x.prefix.family === 6),
    podCidrs: podRanges,
    nodeSubnets: c.vnet.subnets.filter((s) => nodeSubnets.has(s.name)).flatMap((s) => s.prefixes),
    // BYO CNI: aksnet doesn't know the plugin's NAT, so sources are taken as they are written.
    directSources: c.model === "byo" ? [Prefix.parse("0.0.0.0/0"), Prefix.parse("::/0")] : flat ? [...c.vnet.addressSpace.map((x) => x.prefix), ...c.external.flatMap((e) => e.prefixes.map((x) => x.prefix))] : [],
    nodes: p.pools.reduce((s, x) => s + x.nodes, 0),
    plannerFindings: policyFindings(c, p.findings),
  };
}

/** Loads a cluster (spec, az JSON, ARM) and returns its policy context. */
export function loadPolicyContext(inputs: InputText[], opts: { vnet?: InputText } = {}): PolicyContext {
  return contextFromCluster(loadCluster(inputs, opts));
}
