// The capacity rules, as small pure functions over plain numbers: one configuration in, numbers
// out. No prefixes, strings or Azure objects here, so the same rules can be ported one-to-one to a
// WebAssembly sweep kernel and compared on random configurations. plan(), compare() and fit() all
// go through these functions, which is why their numbers agree.
import {
  AZURE_RESERVED_IPS_PER_SUBNET, DYNAMIC_BATCH_SIZE, DYNAMIC_MIN_IPS_PER_NODE, LB_DEFAULT_PORTS_CAP, LB_DEFAULT_PORT_TABLE,
  LB_PORTS_PER_IP, NODE_POD_BLOCK_LEN, KUBENET_ROUTE_LIMIT, CLUSTER_NODE_LIMIT, VNET_PRIVATE_IP_LIMIT, POOL_NODE_LIMIT, SMALLEST_SUBNET_LEN, STATIC_BLOCKS_LOST_TO_RESERVED,
  STATIC_BLOCK_RESERVED_PER_NODE, STATIC_BLOCK_SIZE, type ModelId,
} from "./constants.ts";

/** Upgrade surge of a pool: a node count, or a percentage of the pool rounded up. */
export interface Surge {
  value: number;
  percent: boolean;
}

/** Addresses of an IPv4 prefix of length `len`. */
export function prefixSize(len: number): number {
  return 2 ** (32 - len);
}

/** Usable addresses in an Azure IPv4 subnet: its size minus the 5 Azure keeps. */
export function usableIps(len: number): number {
  return Math.max(0, prefixSize(len) - AZURE_RESERVED_IPS_PER_SUBNET);
}

/**
 * Extra nodes during an upgrade: a count as given, or ceil(nodes × percent / 100); never more than
 * the pool has, since an upgrade only replaces existing nodes.
 */
export function surgeNodes(nodes: number, surge: Surge): number {
  const extra = surge.percent ? Math.ceil((nodes * surge.value) / 100 - 1e-9) : surge.value;
  return Math.min(nodes, extra);
}

/** Node-subnet addresses one node takes: its own, plus maxPods pre-allocated in Azure CNI node subnet. */
export function nodeSubnetIpsPerNode(model: ModelId, maxPods: number): number {
  return model === "azure-cni" ? 1 + maxPods : 1;
}

/** Whether a model takes pod addresses from a pod range (podCidr or pod subnet). */
export function podRangeKind(model: ModelId): "pod-cidr" | "pod-subnet" | "none" {
  if (model === "kubenet" || model === "azure-cni-overlay") return "pod-cidr";
  if (model === "azure-cni-pod-subnet" || model === "azure-cni-static-block") return "pod-subnet";
  return "none";
}

/** /28 static blocks one node takes: ceil((maxPods + 1) / 16). */
export function staticBlocksPerNode(maxPods: number): number {
  return Math.ceil((maxPods + STATIC_BLOCK_RESERVED_PER_NODE) / STATIC_BLOCK_SIZE);
}

/**
 * Pod-range addresses one node takes:
 * - kubenet, Overlay: a whole /24 (256) of the pod CIDR, whatever maxPods is;
 * - static block: ceil((maxPods+1)/16) blocks of 16;
 * - dynamic pod subnet: batches of 16, a full node holding ceil(maxPods/16) batches (the planning
 *   figure; a node starts with one batch);
 * - node-subnet CNI and BYO: none.
 */
export function podRangeIpsPerNode(model: ModelId, maxPods: number): number {
  switch (model) {
    case "kubenet":
    case "azure-cni-overlay":
      return prefixSize(NODE_POD_BLOCK_LEN);
    case "azure-cni-static-block":
      return STATIC_BLOCK_SIZE * staticBlocksPerNode(maxPods);
    case "azure-cni-pod-subnet":
      return dynamicWorstCasePerNode(maxPods);
    default:
      return 0;
  }
}

/** The planning figure for one full node of a dynamic pod subnet (see DYNAMIC_REQUEST_THRESHOLD). */
export function dynamicWorstCasePerNode(maxPods: number): number {
  return Math.max(DYNAMIC_MIN_IPS_PER_NODE, DYNAMIC_BATCH_SIZE * Math.ceil(maxPods / DYNAMIC_BATCH_SIZE));
}

/**
 * Addresses a pod range of length `len` offers to nodes: a pod CIDR counts no Azure reserve (the RP
 * offers all 1,024 of a /22) and only whole /24s; a dynamic pod subnet offers its usable addresses;
 * a static-block pod subnet offers whole /28 blocks free of Azure's reserved addresses.
 */
export function podRangeCapacity(model: ModelId, len: number): number {
  switch (model) {
    case "kubenet":
    case "azure-cni-overlay":
      return len <= NODE_POD_BLOCK_LEN ? prefixSize(len) : 0;
    case "azure-cni-static-block": {
      const blocks = len <= 28 ? prefixSize(len) / STATIC_BLOCK_SIZE - STATIC_BLOCKS_LOST_TO_RESERVED : 0;
      return Math.max(0, blocks) * STATIC_BLOCK_SIZE;
    }
    case "azure-cni-pod-subnet":
      return usableIps(len);
    default:
      return 0;
  }
}

/** Addresses `nodes` nodes (+ their surge) take at `perNode` each. */
export function requiredAddresses(nodes: number, surge: Surge, perNode: number): number {
  return (nodes + surgeNodes(nodes, surge)) * perNode;
}

/** The shortest node subnet (smallest prefix length) holding `addresses` usable IPs, or -1. */
export function smallestSubnetLen(addresses: number): number {
  for (let len = SMALLEST_SUBNET_LEN; len >= 1; len--) if (usableIps(len) >= addresses) return len;
  return -1;
}

/** The longest pod range (prefix length) whose capacity for `model` holds `addresses`, or -1. */
export function smallestPodRangeLen(model: ModelId, addresses: number): number {
  for (let len = 32; len >= 1; len--) if (podRangeCapacity(model, len) >= addresses) return len;
  return -1;
}

/** Default SNAT ports per node for `nodes` backend VMs and `ips` frontend IPs (0 beyond the table). */
export function lbDefaultPortsPerNode(nodes: number, ips: number): number {
  const row = LB_DEFAULT_PORT_TABLE.find((r) => nodes <= r.maxVms);
  if (!row) return 0;
  return Math.min(row.ports * Math.max(1, ips), Math.max(row.ports, LB_DEFAULT_PORTS_CAP));
}

/** Nodes that manual SNAT allocation supports: floor(64,000 × IPs / ports). */
export function lbManualMaxNodes(allocatedPorts: number, ips: number): number {
  return allocatedPorts > 0 ? Math.floor((LB_PORTS_PER_IP * ips) / allocatedPorts) : Infinity;
}

// ---- Several pools sharing limited resources -------------------------------------------------

/** What can limit node count. Numeric codes keep the kernel portable; names are for people. */
export const LIMIT_KINDS = [
  "none",
  "nodeSubnet",
  "podRange",
  "routeTable",
  "modelNodeLimit",
  "clusterNodeLimit",
  "poolNodeLimit",
  "snatPorts",
  "vnetIpLimit",
  "networkPolicy",
] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];

export interface PoolDemand {
  /** Planned nodes: count, or maxCount when autoscaling. */
  nodes: number;
  surge: Surge;
}

/** A limited resource: `capacity` units, pool p taking `perNode[p]` per node (its surge nodes too when withSurge). */
export interface Resource {
  kind: LimitKind;
  /** Index into the caller's own list of named resources (subnet, pod range), or -1. */
  ref: number;
  capacity: number;
  perNode: number[];
  withSurge: boolean;
}

export function resourceDemand(r: Resource, p: number, nodes: number, surge: Surge): number {
  const per = r.perNode[p] ?? 0;
  return per === 0 ? 0 : per * (r.withSurge ? nodes + surgeNodes(nodes, surge) : nodes);
}

/** Units of `r` every pool takes at its planned size. */
export function resourceRequired(r: Resource, pools: readonly PoolDemand[]): number {
  let sum = 0;
  for (let p = 0; p < pools.length; p++) sum += resourceDemand(r, p, pools[p].nodes, pools[p].surge);
  return sum;
}

export interface PoolLimit {
  maxNodes: number;
  /** Index of the resource that stops one more node, or -1 when the per-pool limit does. */
  limitedBy: number;
}

/**
 * The most nodes pool p can have, the other pools staying at their planned size: the largest N
 * (up to `poolLimit`) for which every resource holds N + surge(N) more of pool p. Every demand grows
 * with N, so a binary search finds it.
 */
export function poolMaxNodes(resources: readonly Resource[], pools: readonly PoolDemand[], p: number, poolLimit = POOL_NODE_LIMIT): PoolLimit {
  const others = resources.map((r) => resourceRequired(r, pools) - resourceDemand(r, p, pools[p].nodes, pools[p].surge));
  const firstFailing = (n: number): number => {
    for (let i = 0; i < resources.length; i++) {
      if (others[i] + resourceDemand(resources[i], p, n, pools[p].surge) > resources[i].capacity) return i;
    }
    return -1;
  };
  if (firstFailing(poolLimit) < 0) return { maxNodes: poolLimit, limitedBy: -1 };
  let lo = 0, hi = poolLimit; // firstFailing(hi) >= 0; find the largest lo with none failing
  if (firstFailing(0) >= 0) return { maxNodes: 0, limitedBy: firstFailing(0) };
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (firstFailing(mid) < 0) lo = mid;
    else hi = mid;
  }
  return { maxNodes: lo, limitedBy: firstFailing(lo + 1) };
}

export interface ScaleLimit {
  /** Nodes per pool at the largest scale that fits. */
  nodes: number[];
  /** Index of the resource that stops the next step, or -1 when the per-pool limit does. */
  limitedBy: number;
}

/**
 * How far the whole cluster scales keeping its pool mix: the largest s (the size of the biggest
 * pool, up to `poolLimit`) for which every pool at floor(s × planned / biggest planned) nodes, plus
 * surge, fits every resource. Monotone in every capacity, so a bigger subnet never lowers it.
 */
export function scaleMaxNodes(resources: readonly Resource[], pools: readonly PoolDemand[], poolLimit = POOL_NODE_LIMIT): ScaleLimit {
  const biggest = Math.max(0, ...pools.map((p) => p.nodes));
  const weight = pools.map((p) => (biggest === 0 ? 1 : p.nodes));
  const top = biggest === 0 ? 1 : biggest;
  const at = (s: number) => weight.map((w) => Math.floor((s * w) / top));
  const firstFailing = (s: number): number => {
    const n = at(s);
    for (let i = 0; i < resources.length; i++) {
      let sum = 0;
      for (let p = 0; p < pools.length; p++) sum += resourceDemand(resources[i], p, n[p], pools[p].surge);
      if (sum > resources[i].capacity) return i;
    }
    return -1;
  };
  if (firstFailing(poolLimit) < 0) return { nodes: at(poolLimit), limitedBy: -1 };
  let lo = 0, hi = poolLimit; // nothing fails at 0 nodes; something fails at hi
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (firstFailing(mid) < 0) lo = mid;
    else hi = mid;
  }
  return { nodes: at(lo), limitedBy: firstFailing(lo + 1) };
}

// ---- One pool, one node subnet, one pod range: the quick calculator and the sweep kernel ------

export interface SingleConfig {
  model: ModelId;
  maxPods: number;
  nodes: number;
  surge: Surge;
  /** Node subnet prefix length; 0 = not constrained. */
  nodeSubnetLen: number;
  /** Pod CIDR or pod subnet prefix length; 0 = not constrained. */
  podRangeLen: number;
  /** Node limit of the model: MODEL_NODE_LIMIT[model] (400 routes for kubenet). */
  nodeLimit: number;
  /** Manual SNAT ports per node (0 = default allocation) and outbound IPs. */
  allocatedOutboundPorts: number;
  outboundIps: number;
}

export interface SingleResult {
  surgeNodes: number;
  nodeSubnetPerNode: number;
  nodeSubnetRequired: number;
  nodeSubnetUsable: number;
  smallestNodeSubnetLen: number;
  podRangePerNode: number;
  podRangeRequired: number;
  podRangeCapacity: number;
  smallestPodRangeLen: number;
  fits: boolean;
  maxNodes: number;
  limitedBy: LimitKind;
}

/**
 * The resources of a configuration with one node subnet and one pod range shared by pools of
 * given maxPods. The same resources, in the same order, as plan() builds for such a cluster.
 */
export function sharedResources(c: Omit<SingleConfig, "maxPods" | "nodes" | "surge">, maxPods: readonly number[]): Resource[] {
  const rs: Resource[] = [];
  if (c.nodeSubnetLen > 0) rs.push({ kind: "nodeSubnet", ref: 0, capacity: usableIps(c.nodeSubnetLen), perNode: maxPods.map((m) => nodeSubnetIpsPerNode(c.model, m)), withSurge: true });
  if (c.podRangeLen > 0 && podRangeKind(c.model) !== "none") {
    rs.push({ kind: "podRange", ref: 0, capacity: podRangeCapacity(c.model, c.podRangeLen), perNode: maxPods.map((m) => podRangeIpsPerNode(c.model, m)), withSurge: true });
  }
  if (c.model === "kubenet") rs.push({ kind: "routeTable", ref: -1, capacity: Math.min(c.nodeLimit, KUBENET_ROUTE_LIMIT), perNode: maxPods.map(() => 1), withSurge: true });
  else if (c.nodeLimit < CLUSTER_NODE_LIMIT) rs.push({ kind: "modelNodeLimit", ref: -1, capacity: c.nodeLimit, perNode: maxPods.map(() => 1), withSurge: false });
  rs.push({ kind: "clusterNodeLimit", ref: -1, capacity: CLUSTER_NODE_LIMIT, perNode: maxPods.map(() => 1), withSurge: false });
  if (c.allocatedOutboundPorts > 0) rs.push({ kind: "snatPorts", ref: -1, capacity: LB_PORTS_PER_IP * c.outboundIps, perNode: maxPods.map(() => c.allocatedOutboundPorts), withSurge: true });
  if (c.model === "azure-cni" || c.model === "azure-cni-pod-subnet" || c.model === "azure-cni-static-block") {
    rs.push({ kind: "vnetIpLimit", ref: -1, capacity: VNET_PRIVATE_IP_LIMIT, perNode: maxPods.map((m) => vnetIpsPerNode(c.model, m)), withSurge: true });
  }
  return rs;
}

/** VNet private IPs one node takes: its own, pre-allocated pod IPs, or one per static block. */
export function vnetIpsPerNode(model: ModelId, maxPods: number): number {
  if (model === "azure-cni") return 1 + maxPods;
  if (model === "azure-cni-static-block") return 1 + staticBlocksPerNode(maxPods);
  if (model === "azure-cni-pod-subnet") return 1 + podRangeIpsPerNode(model, maxPods);
  return 1;
}

export function singleResources(c: SingleConfig): Resource[] {
  return sharedResources(c, [c.maxPods]);
}

export function evaluateSingle(c: SingleConfig): SingleResult {
  const surge = surgeNodes(c.nodes, c.surge);
  const nodePer = nodeSubnetIpsPerNode(c.model, c.maxPods);
  const podPer = podRangeIpsPerNode(c.model, c.maxPods);
  const rs = singleResources(c);
  const pools = [{ nodes: c.nodes, surge: c.surge }];
  const fits = rs.every((r) => resourceRequired(r, pools) <= r.capacity) && c.nodes <= POOL_NODE_LIMIT;
  const lim = poolMaxNodes(rs, pools, 0);
  return {
    surgeNodes: surge,
    nodeSubnetPerNode: nodePer,
    nodeSubnetRequired: (c.nodes + surge) * nodePer,
    nodeSubnetUsable: c.nodeSubnetLen > 0 ? usableIps(c.nodeSubnetLen) : 0,
    smallestNodeSubnetLen: smallestSubnetLen((c.nodes + surge) * nodePer),
    podRangePerNode: podPer,
    podRangeRequired: (c.nodes + surge) * podPer,
    podRangeCapacity: c.podRangeLen > 0 ? podRangeCapacity(c.model, c.podRangeLen) : 0,
    smallestPodRangeLen: podPer > 0 ? smallestPodRangeLen(c.model, (c.nodes + surge) * podPer) : 0,
    fits,
    maxNodes: lim.maxNodes,
    limitedBy: lim.limitedBy < 0 ? "poolNodeLimit" : rs[lim.limitedBy].kind,
  };
}
