// fit(): the quick calculator. For N nodes: the addresses needed and the smallest subnet and pod
// range; for a /L subnet: the most nodes it holds and why not more. Built on the same capacity
// functions as plan(), with the same resources (sharedResources), so the numbers agree.
import { UsageError } from "../errors.ts";
import { groupDigits } from "../text.ts";
import { LB_PORTS_PER_IP, LB_PORT_MULTIPLE, MAX_SURGE_PERCENT_MAX, MODEL_NODE_LIMIT, type ModelId } from "./constants.ts";
import {
  nodeSubnetIpsPerNode, podRangeCapacity, podRangeIpsPerNode, podRangeKind, poolMaxNodes, resourceRequired, sharedResources,
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
  /** --nodes: every limit holds (node limits, SNAT ports, VNet IPs) and some subnet is large enough; --prefix: at least one node fits. */
  fits?: boolean;
  /** Why it doesn't fit, in words (empty when it fits). */
  reasons: string[];
  /** Manual SNAT allocation: ports needed by every node (surge included) against the ports of the outbound IPs. */
  snat?: { portsPerNode: number; outboundIps: number; nodesCounted: number; required: number; available: number; maxNodes: number; fits: boolean };
}

const LIMIT_WORDS: Record<LimitKind, string> = {
  none: "nothing", nodeSubnet: "the node subnet", podRange: "the pod range", routeTable: "the kubenet route table (400 routes, one per node)",
  modelNodeLimit: "the model's node limit", clusterNodeLimit: "the AKS cluster node limit (5,000)", poolNodeLimit: "the AKS per-pool node limit (1,000)",
  snatPorts: "SNAT ports", vnetIpLimit: "the VNet private IP limit (65,536)", networkPolicy: "the network policy engine's node limit",
};

function validate(input: FitInput): void {
  const ports = input.allocatedOutboundPorts ?? 0;
  if (!Number.isInteger(ports) || ports < 0 || ports > LB_PORTS_PER_IP || ports % LB_PORT_MULTIPLE !== 0) {
    throw new UsageError(`--outbound-ports must be a multiple of ${LB_PORT_MULTIPLE} from 0 to ${groupDigits(LB_PORTS_PER_IP)}, not ${ports}`, `e.g. ${Math.min(LB_PORTS_PER_IP, Math.floor(Math.max(0, ports) / LB_PORT_MULTIPLE) * LB_PORT_MULTIPLE)}`);
  }
  for (const s of [input.surge, ...(input.pools ?? []).map((p) => p.surge)]) {
    if (s.percent && s.value > MAX_SURGE_PERCENT_MAX) throw new UsageError(`--surge ${s.value}% is above ${MAX_SURGE_PERCENT_MAX}%`, "use a percentage up to 100% or a node count");
  }
}

export function fit(input: FitInput): FitResult {
  validate(input);
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
    const fits = lim.maxNodes > 0;
    return { ...r, maxNodes: lim.maxNodes, maxPodsTotal: [...others, main].reduce((s, p) => s + p.nodes * p.maxPods, 0), limitedBy, fits, snat: snatOf(input, [...others, main]), reasons: fits ? [] : [`not even one node fits: ${LIMIT_WORDS[limitedBy]} is used up`] };
  }
  const r = summary(input, [...others, main], kind);
  // Every limit plan() checks, with the subnets and pod range unconstrained (fit sizes those).
  const all = [...others, main];
  const rs = sharedResources(base, all.map((p) => p.maxPods));
  const demands = all.map((p) => ({ nodes: p.nodes, surge: p.surge }));
  const reasons: string[] = [];
  for (const res of rs) {
    const need = resourceRequired(res, demands);
    if (need > res.capacity) reasons.push(`${LIMIT_WORDS[res.kind]}: ${groupDigits(need)} needed, ${groupDigits(res.capacity)} available`);
  }
  if (main.nodes > 1000) reasons.push(`${LIMIT_WORDS.poolNodeLimit}: ${groupDigits(main.nodes)} nodes in one pool`);
  if (r.nodeSubnet.smallestPrefix <= 0) reasons.push(`no IPv4 subnet holds ${groupDigits(r.nodeSubnet.requiredAddresses)} addresses`);
  if (r.podRange && r.podRange.smallestPrefix <= 0) reasons.push(`no pod range holds ${groupDigits(r.podRange.requiredAddresses)} addresses`);
  return { ...r, fits: reasons.length === 0, snat: snatOf(input, all), reasons };
}

function snatOf(input: FitInput, pools: FitPool[]): FitResult["snat"] {
  const ports = input.allocatedOutboundPorts ?? 0;
  if (ports <= 0) return undefined;
  const ips = input.outboundIps ?? 1;
  const nodesCounted = pools.reduce((s, p) => s + p.nodes + surgeNodes(p.nodes, p.surge), 0);
  const available = LB_PORTS_PER_IP * ips;
  return { portsPerNode: ports, outboundIps: ips, nodesCounted, required: nodesCounted * ports, available, maxNodes: Math.floor(available / ports), fits: nodesCounted * ports <= available };
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
    reasons: [],
  };
}

