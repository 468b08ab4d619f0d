// The results the planner produces (Plan and its parts, Finding), in a file of their own below
// plan.ts and findings.ts, so that neither algorithm imports the other for its types.
import type { LimitKind } from "./capacity.ts";
import type { ModelId } from "./constants.ts";
import type { Provenance } from "./model.ts";

export type Severity = "error" | "warning" | "info";

export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  /** Where in the input the problem is, e.g. agentPoolProfiles[1].maxPods. */
  path: string;
  /** A concrete change that fixes it, when there is one. */
  fix?: string;
  /** "file:line:col" of `path` in the user's document, when the reader knows it. */
  location?: string;
  /** The fix as field changes applyFix() can make (fields: see applyFix), when the fix is one concrete value. */
  patch?: { field: string; value: string }[];
}

export interface SubnetPlan {
  /** As named in the VNet. */
  name: string;
  cidr: string;
  /** "nodes", "pods", both, or "unused" by this cluster. */
  role: "nodes" | "pods" | "nodes+pods" | "unused";
  pools: string[];
  usable: number;
  requiredAtCount: number;
  requiredAtMax: number;
  /** The most the subnet must hold: every pool at its autoscale max (or count) plus its upgrade surge. */
  required: number;
  free: number;
  fits: boolean;
  /** True when the subnet's range is not in the input: its figures are 0 and not checked. */
  unknown?: boolean;
  /** Addresses already used in the subnet by other resources (from the VNet's ipConfigurations), counted in required. */
  inUseByOthers?: number;
}

export interface PodRangePlan {
  name: string;
  cidr: string;
  kind: "pod-cidr" | "pod-subnet";
  /** What one node takes: "/24 per node", "2 × /28 blocks per node", "batches of 16". */
  unit: string;
  addressesPerNode: number;
  capacity: number;
  nodeSlots: number;
  slotsRequired: number;
  required: number;
  fits: boolean;
}

export interface Limit {
  kind: LimitKind;
  resource?: string;
  message: string;
}

export interface PoolPlan {
  name: string;
  mode: string;
  os: string;
  count: number;
  autoscale: boolean;
  minCount?: number;
  maxCount?: number;
  /** Planned nodes: maxCount when autoscaling, else count. */
  nodes: number;
  maxSurge: string;
  /** maxUnavailable as written (upgrades that take nodes down instead of, or besides, adding surge nodes). */
  maxUnavailable?: string;
  surgeNodes: number;
  maxPods: number;
  nodeSubnet: string;
  podSubnet?: string;
  podIpAllocation?: string;
  nodeSubnetIpsPerNode: number;
  podRangeIpsPerNode: number;
  /** The most nodes this pool can have with the others at their planned size. */
  maxNodes: number;
  limitedBy: Limit;
}

export interface SnatPlan {
  outboundType: string;
  allocation: "default-table" | "manual" | "nat-gateway" | "none";
  outboundIps: number;
  totalPorts: number;
  /** Nodes counted against the ports: all pools at max plus surge. */
  nodesCounted: number;
  portsPerNode: number | null;
  maxNodes: number | null;
  fits: boolean;
}

export interface Plan {
  cluster: {
    name: string;
    model: ModelId;
    dataplane: string;
    policy: string;
    kubernetesVersion: string | null;
    input: { kind: string; files: string[] };
    plannedNodes: number;
    plannedPods: number;
    maxNodes: number;
    maxPods: number;
    limitedBy: Limit;
  };
  network: { podCidrs: string[]; serviceCidrs: string[]; dnsServiceIP: string; vnet: string; addressSpace: string[]; managedVnet: boolean };
  defaults: Provenance[];
  subnets: SubnetPlan[];
  podRanges: PodRangePlan[];
  pools: PoolPlan[];
  snat: SnatPlan;
  findings: Finding[];
  summary: { errors: number; warnings: number; infos: number; fits: boolean };
}

