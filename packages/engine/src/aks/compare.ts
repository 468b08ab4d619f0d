// compare(): the same workload (pools, node counts, maxPods, VNet) planned under every network
// model, side by side. Each row is a real plan() of a changed copy of the cluster, so its numbers
// are the ones `aksnet plan` would print for that model.
import { cidr } from "../cidr/engine.ts";
import { Prefix } from "../ip/prefix.ts";
import { DEFAULT_POD_CIDR, type ModelId } from "./constants.ts";
import { podRangeIpsPerNode, smallestPodRangeLen, surgeNodes } from "./capacity.ts";
import type { Cluster, Dataplane, PolicyEngine, Pool } from "./model.ts";
import { plan, plannedNodes, type Limit, type Plan } from "./plan.ts";

export interface CompareRow {
  model: ModelId;
  dataplane: Dataplane;
  label: string;
  /** Node-subnet addresses needed at full scale with surge (all node subnets). */
  nodeSubnetRequired: number;
  /** Pod addresses needed and where they come from. */
  podRange: { source: string; cidr: string | null; required: number; capacity: number | null } | null;
  /** Addresses taken from the VNet at full scale (node and pod subnets). */
  vnetAddresses: number;
  /** False when the row's plan has an error, a range that doesn't fit, or lacks an input it needs. */
  fits: boolean;
  /** null when the row lacks an input it needs (see missing). */
  maxNodes: number | null;
  maxPods: number | null;
  /** What the row needs and the input doesn't give (e.g. a pod subnet), when anything. */
  missing?: string;
  limitedBy: Limit;
  policyOptions: string[];
  /** What a host on-premises sees as the source address of a pod's packet. */
  podSourceIpOnPrem: "pod IP" | "node IP";
  windows: boolean;
  dualStack: boolean;
  errors: number;
  errorCodes: string[];
  notes: string[];
}

export interface Comparison {
  /** The cluster's name and model (the same shape as in check and diff output). */
  cluster: { name: string; model: ModelId; dataplane: Dataplane };
  current: { model: ModelId; dataplane: Dataplane };
  workload: { pools: { name: string; nodes: number; surgeNodes: number; maxPods: number }[] };
  rows: CompareRow[];
}

/** Every network model (and Overlay with Cilium), with the label compare and trace --compare print. */
export const MODEL_VARIANTS: readonly { model: ModelId; dataplane: Dataplane; label: string }[] = [
  { model: "kubenet", dataplane: "azure", label: "kubenet" },
  { model: "azure-cni", dataplane: "azure", label: "Azure CNI (node subnet)" },
  { model: "azure-cni-pod-subnet", dataplane: "azure", label: "Azure CNI pod subnet (dynamic)" },
  { model: "azure-cni-static-block", dataplane: "azure", label: "Azure CNI pod subnet (static block)" },
  { model: "azure-cni-overlay", dataplane: "azure", label: "Azure CNI Overlay" },
  { model: "azure-cni-overlay", dataplane: "cilium", label: "Azure CNI Overlay + Cilium" },
];

const FACTS: Record<ModelId, { policies: string[]; onPrem: "pod IP" | "node IP"; windows: boolean; dual: boolean }> = {
  kubenet: { policies: ["calico"], onPrem: "node IP", windows: false, dual: false },
  "azure-cni": { policies: ["azure (retiring)", "calico", "cilium (Cilium dataplane)"], onPrem: "node IP", windows: true, dual: false },
  "azure-cni-pod-subnet": { policies: ["azure (retiring)", "calico", "cilium (Cilium dataplane)"], onPrem: "pod IP", windows: true, dual: false },
  "azure-cni-static-block": { policies: ["azure (retiring)", "calico", "cilium (Cilium dataplane)"], onPrem: "pod IP", windows: true, dual: false },
  "azure-cni-overlay": { policies: ["azure (retiring)", "calico", "cilium (Cilium dataplane)"], onPrem: "node IP", windows: true, dual: true },
  byo: { policies: ["your CNI's"], onPrem: "node IP", windows: false, dual: false },
};

function compatiblePolicy(model: ModelId, dataplane: Dataplane, p: PolicyEngine): PolicyEngine {
  if (dataplane === "cilium") return "cilium";
  if (p === "cilium") return "none";
  if (model === "kubenet" && p === "azure") return "none";
  return p;
}

/** A copy of the cluster under another model: same pools and VNet; a pod subnet found if needed. */
export function asModel(c: Cluster, model: ModelId, dataplane: Dataplane): { cluster: Cluster; notes: string[] } {
  const notes: string[] = [];
  const policy = compatiblePolicy(model, dataplane, c.policy);
  if (policy !== c.policy) notes.push(`network policy ${c.policy} → ${policy}`);
  const usesPodCidr = model === "kubenet" || model === "azure-cni-overlay";
  let podCidrs = c.podCidrs.filter((p) => usesPodCidr);
  if (usesPodCidr && !podCidrs.length) {
    podCidrs = [{ prefix: Prefix.parse(DEFAULT_POD_CIDR), path: c.paths.podCidr }];
    notes.push(`pod CIDR ${DEFAULT_POD_CIDR} (default)`);
  }
  if (model === "kubenet") podCidrs = podCidrs.filter((p) => p.prefix.family === 4);
  let vnet = c.vnet;
  let pools: Pool[] = c.pools.map((p) => ({ ...p, podSubnet: undefined }));
  if (model === "azure-cni-pod-subnet" || model === "azure-cni-static-block") {
    const alloc = model === "azure-cni-static-block" ? "StaticBlock" : "DynamicIndividual";
    const existing = c.pools.map((p) => p.podSubnet).find((s) => s);
    if (existing) {
      pools = c.pools.map((p) => ({ ...p, podSubnet: p.podSubnet ?? existing, podIpAllocation: alloc }));
    } else {
      // No pod subnet in the input: carve the smallest one that fits out of the VNet's free space.
      const need = c.pools.reduce((s, p) => { const n = plannedNodes(p); return s + (n + surgeNodes(n, p.maxSurge)) * podRangeIpsPerNode(model, p.maxPods); }, 0);
      const len = smallestPodRangeLen(model, need);
      const space = c.vnet.addressSpace.map((x) => x.prefix.masked()).filter((p) => p.family === 4);
      const used = c.vnet.subnets.flatMap((s) => s.prefixes.map((p) => p.masked())).filter((p) => p.family === 4);
      const got = len > 0 && space.length ? cidr().allocate(space, used, len, 1, 4)[0] : undefined;
      if (got) {
        vnet = { ...c.vnet, subnets: [...c.vnet.subnets, { name: "pods (suggested)", prefixes: [got], path: c.vnet.path, assumed: true }] };
        pools = c.pools.map((p) => ({ ...p, podSubnet: "pods (suggested)", podIpAllocation: alloc }));
        notes.push(`pod subnet ${got} (smallest free /${len} in the VNet)`);
      } else {
        notes.push(len > 0 ? `no free /${len} in the VNet for a pod subnet` : "the pods need more than any subnet can hold");
        pools = c.pools.map((p) => ({ ...p, podIpAllocation: alloc }));
      }
    }
  }
  const cluster: Cluster = {
    ...c,
    model,
    plugin: model === "kubenet" ? "kubenet" : "azure",
    pluginMode: model === "azure-cni-overlay" ? "overlay" : undefined,
    dataplane,
    policy,
    podCidrs,
    vnet,
    pools,
    provenance: c.provenance.filter((p) => p.field !== "podCidr"),
  };
  return { cluster, notes };
}

function row(v: (typeof MODEL_VARIANTS)[number], p: Plan, notes: string[], missing?: string): CompareRow {
  const nodeSubnetRequired = p.subnets.filter((s) => s.role === "nodes" || s.role === "nodes+pods").reduce((s, x) => s + x.required, 0);
  const vnetAddresses = p.subnets.reduce((s, x) => s + x.required, 0);
  const pr = p.podRanges.find((r) => r.cidr.includes(".") || r.kind === "pod-subnet");
  const f = FACTS[v.model];
  const errs = p.findings.filter((x) => x.severity === "error");
  return {
    model: v.model,
    dataplane: v.dataplane,
    label: v.label,
    nodeSubnetRequired,
    podRange: pr ? { source: pr.kind === "pod-cidr" ? "pod CIDR (outside the VNet)" : `pod subnet ${pr.name}`, cidr: pr.cidr, required: pr.required, capacity: pr.capacity } : null,
    vnetAddresses,
    fits: p.summary.fits && errs.length === 0 && !missing,
    maxNodes: missing ? null : p.cluster.maxNodes,
    maxPods: missing ? null : p.cluster.maxPods,
    ...(missing ? { missing } : {}),
    limitedBy: p.cluster.limitedBy,
    policyOptions: v.dataplane === "cilium" ? ["cilium"] : f.policies,
    podSourceIpOnPrem: f.onPrem,
    windows: v.dataplane === "cilium" ? false : f.windows,
    dualStack: f.dual,
    errors: errs.length,
    errorCodes: [...new Set(errs.map((x) => x.code))],
    notes,
  };
}

export function compare(c: Cluster): Comparison {
  const rows = MODEL_VARIANTS.map((v) => {
    const { cluster, notes } = asModel(c, v.model, v.dataplane);
    const needsPodSubnet = v.model === "azure-cni-pod-subnet" || v.model === "azure-cni-static-block";
    const noPodSubnet = needsPodSubnet && cluster.pools.some((p) => !p.podSubnet || !cluster.vnet.subnets.some((s) => s.name === p.podSubnet && s.prefixes.length));
    const unknownSubnets = cluster.vnet.subnets.filter((s) => s.unknown && cluster.pools.some((p) => p.nodeSubnet === s.name || p.podSubnet === s.name)).map((s) => s.name);
    const unknownPod = cluster.pools.map((p) => p.podSubnet).find((n) => n && cluster.vnet.subnets.some((s) => s.name === n && s.unknown));
    const missing = !noPodSubnet ? undefined
      : unknownPod ? `the range of pod subnet ${unknownPod} (--vnet, or --subnet ${unknownPod}=CIDR)`
      : `a pod subnet: ${notes.find((n) => n.startsWith("no free")) ?? "none in the input"} (add one to the VNet)`;
    if (unknownSubnets.length) notes.push(`subnet ${unknownSubnets.join(", ")}: range unknown, not counted (--vnet or --subnet NAME=CIDR)`);
    return row(v, plan(cluster), notes, missing);
  });
  return {
    cluster: { name: c.name, model: c.model, dataplane: c.dataplane },
    current: { model: c.model, dataplane: c.dataplane },
    workload: { pools: c.pools.map((p) => { const n = plannedNodes(p); return { name: p.name, nodes: n, surgeNodes: surgeNodes(n, p.maxSurge), maxPods: p.maxPods }; }) },
    rows,
  };
}
