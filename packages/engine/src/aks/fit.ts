// fit(): the quick calculator. For N nodes: the addresses needed and the smallest subnet and pod
// range; for a /L subnet: the most nodes it holds and why not more. Built on the same capacity
// functions as plan(), with the same resources (sharedResources), so the numbers agree.
import { MODEL_NODE_LIMIT, type ModelId } from "./constants.ts";
import {
  nodeSubnetIpsPerNode, podRangeCapacity, podRangeIpsPerNode, podRangeKind, poolMaxNodes, sharedResources,
  smallestPodRangeLen, smallestSubnetLen, surgeNodes, usableIps, type LimitKind, type Surge,
} from "./capacity.ts";

export interface FitPool {
  name: string;
  nodes: number;
  maxPods: number;
  surge: Surge;
}

export interface FitInput {
  model: ModelId;
  maxPods: number;
  surge: Surge;
  /** Size for this many nodes... */
  nodes?: number;
  /** ...or the most nodes in a node subnet of this length. */
  prefix?: number;
  /** Pod range length for pod-range models (with --prefix); unconstrained when absent. */
  podPrefix?: number;
  /** Other pools sharing the subnet and pod range, at a fixed size. */
  pools?: FitPool[];
  allocatedOutboundPorts?: number;
  outboundIps?: number;
}

export interface FitResult {
  model: ModelId;
  maxPods: number;
  pools: { name: string; nodes: number; surgeNodes: number; maxPods: number }[];
  nodeSubnet: { addressesPerNode: number; requiredAddresses: number; smallestPrefix: number; usable: number; prefix?: number };
  podRange: { kind: "pod-cidr" | "pod-subnet"; addressesPerNode: number; requiredAddresses: number; smallestPrefix: number; prefix?: number; capacity?: number } | null;
  /** With --prefix: the most nodes of the sized pool, and what stops one more. */
  maxNodes?: number;
  maxPodsTotal?: number;
  limitedBy?: LimitKind;
  /** --nodes: within the model's node limit and some subnet is large enough; --prefix: at least one node fits. */
  fits?: boolean;
}

export function fit(input: FitInput): FitResult {
  const others = input.pools ?? [];
  const main: FitPool = { name: "pool", nodes: input.nodes ?? 0, maxPods: input.maxPods, surge: input.surge };
  const base = {
    model: input.model,
    nodeSubnetLen: input.prefix ?? 0,
    podRangeLen: input.podPrefix ?? 0,
    nodeLimit: MODEL_NODE_LIMIT[input.model],
    allocatedOutboundPorts: input.allocatedOutboundPorts ?? 0,
    outboundIps: input.outboundIps ?? 1,
  };
  const kind = podRangeKind(input.model);

  if (input.prefix !== undefined) {
    const all = [...others, main];
    const rs = sharedResources(base, all.map((p) => p.maxPods));
    const lim = poolMaxNodes(rs, all.map((p) => ({ nodes: p.nodes, surge: p.surge })), all.length - 1);
    main.nodes = lim.maxNodes;
    const limitedBy: LimitKind = lim.limitedBy < 0 ? "poolNodeLimit" : rs[lim.limitedBy].kind;
    const r = summary(input, [...others, main], kind);
    r.nodeSubnet.prefix = input.prefix;
    r.nodeSubnet.usable = usableIps(input.prefix);
    if (r.podRange && input.podPrefix) { r.podRange.prefix = input.podPrefix; r.podRange.capacity = podRangeCapacity(input.model, input.podPrefix); }
    return { ...r, maxNodes: lim.maxNodes, maxPodsTotal: [...others, main].reduce((s, p) => s + p.nodes * p.maxPods, 0), limitedBy, fits: lim.maxNodes > 0 };
  }
  const r = summary(input, [...others, main], kind);
  const limit = MODEL_NODE_LIMIT[input.model];
  const total = [...others, main].reduce((s, p) => s + p.nodes + (input.model === "kubenet" ? surgeNodes(p.nodes, p.surge) : 0), 0);
  return { ...r, fits: total <= limit && r.nodeSubnet.smallestPrefix > 0 && (!r.podRange || r.podRange.smallestPrefix > 0) };
}

function summary(input: FitInput, pools: FitPool[], kind: ReturnType<typeof podRangeKind>): FitResult {
  const m = input.model;
  const nodeReq = pools.reduce((s, p) => s + (p.nodes + surgeNodes(p.nodes, p.surge)) * nodeSubnetIpsPerNode(m, p.maxPods), 0);
  const podReq = pools.reduce((s, p) => s + (p.nodes + surgeNodes(p.nodes, p.surge)) * podRangeIpsPerNode(m, p.maxPods), 0);
  return {
    model: m,
    maxPods: input.maxPods,
    pools: pools.map((p) => ({ name: p.name, nodes: p.nodes, surgeNodes: surgeNodes(p.nodes, p.surge), maxPods: p.maxPods })),
    nodeSubnet: { addressesPerNode: nodeSubnetIpsPerNode(m, input.maxPods), requiredAddresses: nodeReq, smallestPrefix: smallestSubnetLen(nodeReq), usable: usableIps(Math.max(1, smallestSubnetLen(nodeReq))) },
    podRange: kind === "none" ? null : { kind, addressesPerNode: podRangeIpsPerNode(m, input.maxPods), requiredAddresses: podReq, smallestPrefix: smallestPodRangeLen(m, podReq) },
  };
}

