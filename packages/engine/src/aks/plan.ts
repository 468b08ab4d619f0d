// plan(): the capacity report of one cluster — per subnet, per pod range, per pool, the cluster's
// limits, outbound SNAT and the findings. The arithmetic is in capacity.ts; this file only maps
// the cluster's subnets and pools onto those rules.
import { groupDigits } from "../text.ts";
import {
  AZURE_NPM_NODE_LIMIT, CLUSTER_NODE_LIMIT, KUBENET_ROUTES_PER_NODE_DUAL_STACK, LB_PORTS_PER_IP, MODEL_NODE_LIMIT, NAT_PORTS_PER_IP,
  NODE_POD_BLOCK_LEN, NODE_POD_BLOCK_LEN_V6, POOL_NODE_LIMIT, STATIC_BLOCK_SIZE, VNET_PRIVATE_IP_LIMIT, type ModelId,
} from "./constants.ts";
import {
  lbDefaultPortsPerNode, lbManualMaxNodes, nodeSubnetIpsPerNode, podRangeCapacity, podRangeIpsPerNode, podRangeKind, poolMaxNodes,
  resourceRequired, scaleMaxNodes, surgeNodes, usableIps, vnetIpsPerNode, type LimitKind, type PoolDemand, type Resource,
} from "./capacity.ts";
import type { Cluster, Pool, Provenance } from "./model.ts";
import { checkCluster } from "./findings.ts";
import type { Finding, Limit, Plan, PodRangePlan, PoolPlan, SnatPlan, SubnetPlan } from "./result.ts";

export type { Limit, Plan, PodRangePlan, PoolPlan, SnatPlan, SubnetPlan };

/** Named resources plus the plain-number view capacity.ts works on. */
export interface CapacityModel {
  demands: PoolDemand[];
  resources: Resource[];
  /** Human names of the resources, same order. */
  names: { resource?: string; message: string }[];
}

export function plannedNodes(p: Pool): number {
  return p.autoscale && p.maxCount !== undefined ? Math.max(p.maxCount, p.count) : p.count;
}

export function isDualStack(c: Cluster): boolean {
  return c.podCidrs.some((p) => p.prefix.family === 6) || c.serviceCidrs.some((p) => p.prefix.family === 6);
}

function v4(prefixes: readonly { family: number }[]): number {
  return prefixes.findIndex((p) => p.family === 4);
}

function fmt(n: number): string {
  return groupDigits(n);
}

/** Maps the cluster onto capacity.ts resources: every subnet, the pod CIDR, and the cluster-wide limits. */
export function capacityModel(c: Cluster): CapacityModel {
  const demands = c.pools.map((p) => ({ nodes: plannedNodes(p), surge: p.maxSurge }));
  const resources: Resource[] = [];
  const names: CapacityModel["names"] = [];
  const add = (r: Resource, name: { resource?: string; message: string }) => { resources.push(r); names.push(name); };
  const kind = podRangeKind(c.model);
  c.vnet.subnets.forEach((s, si) => {
    const i4 = v4(s.prefixes);
    if (i4 < 0) return;
    const per = subnetPerNode(c, s.name);
    if (per.every((x) => x === 0)) return;
    const onlyPods = c.pools.every((p) => p.nodeSubnet !== s.name);
    const staticOnly = onlyPods && c.pools.filter((p) => p.podSubnet === s.name).every((p) => p.podIpAllocation === "StaticBlock");
    const len = s.prefixes[i4].bits;
    // Addresses other resources already hold in the subnet (from the VNet's ipConfigurations) are not the cluster's.
    const capacity = Math.max(0, (onlyPods ? podRangeCapacity(staticOnly ? "azure-cni-static-block" : "azure-cni-pod-subnet", len) : usableIps(len)) - (s.inUseByOthers ?? 0));
    add({ kind: onlyPods ? "podRange" : "nodeSubnet", ref: si, capacity, perNode: per, withSurge: true },
      { resource: s.name, message: `${onlyPods ? "pod" : "node"} subnet ${s.name} (${s.prefixes[i4].masked()}: ${fmt(capacity)} ${onlyPods && staticOnly ? "addresses in whole /28 blocks" : "usable"})` });
  });
  if (kind === "pod-cidr") {
    const i4 = v4(c.podCidrs.map((p) => p.prefix));
    if (i4 >= 0) {
      const pc = c.podCidrs[i4].prefix;
      const capacity = podRangeCapacity(c.model, pc.bits);
      add({ kind: "podRange", ref: -1, capacity, perNode: c.pools.map((p) => podRangeIpsPerNode(c.model, p.maxPods)), withSurge: true },
        { resource: "podCidr", message: `pod CIDR ${pc.masked()} (${fmt(capacity / 2 ** (32 - NODE_POD_BLOCK_LEN))} × /${NODE_POD_BLOCK_LEN} node blocks)` });
    }
  }
  const dual = isDualStack(c);
  if (c.model === "kubenet") {
    const per = dual ? KUBENET_ROUTES_PER_NODE_DUAL_STACK : 1;
    add({ kind: "routeTable", ref: -1, capacity: MODEL_NODE_LIMIT.kubenet, perNode: c.pools.map(() => per), withSurge: true },
      { message: `kubenet route table (${MODEL_NODE_LIMIT.kubenet} routes, ${per} per node)` });
  } else if (MODEL_NODE_LIMIT[c.model] < CLUSTER_NODE_LIMIT) {
    add({ kind: "modelNodeLimit", ref: -1, capacity: MODEL_NODE_LIMIT[c.model], perNode: c.pools.map(() => 1), withSurge: false }, { message: `${c.model} node limit (${fmt(MODEL_NODE_LIMIT[c.model])})` });
  }
  add({ kind: "clusterNodeLimit", ref: -1, capacity: CLUSTER_NODE_LIMIT, perNode: c.pools.map(() => 1), withSurge: false }, { message: `AKS cluster node limit (${fmt(CLUSTER_NODE_LIMIT)})` });
  if (c.policy === "azure") {
    add({ kind: "networkPolicy", ref: -1, capacity: AZURE_NPM_NODE_LIMIT, perNode: c.pools.map(() => 1), withSurge: false }, { message: `Azure NPM scale limit (${AZURE_NPM_NODE_LIMIT} nodes)` });
  }
  const lb = c.outbound.type === "loadBalancer" ? c.outbound.loadBalancer : undefined;
  if (lb && lb.allocatedOutboundPorts > 0) {
    const ips = lb.managedOutboundIps + lb.byoOutboundIps;
    add({ kind: "snatPorts", ref: -1, capacity: LB_PORTS_PER_IP * ips, perNode: c.pools.map(() => lb.allocatedOutboundPorts), withSurge: true },
      { message: `SNAT ports (${fmt(lb.allocatedOutboundPorts)} per node of ${fmt(LB_PORTS_PER_IP * ips)} on ${ips} outbound IP${ips === 1 ? "" : "s"})` });
  }
  if (c.model === "azure-cni" || c.model === "azure-cni-pod-subnet" || c.model === "azure-cni-static-block") {
    // VNet private-IP limit: node IPs, pre-allocated pod IPs, or static blocks (a block counts once).
    const per = c.pools.map((p) => (c.model === "azure-cni" ? vnetIpsPerNode("azure-cni", p.maxPods) : vnetIpsPerNode(p.podIpAllocation === "StaticBlock" ? "azure-cni-static-block" : "azure-cni-pod-subnet", p.maxPods)));
    add({ kind: "vnetIpLimit", ref: -1, capacity: VNET_PRIVATE_IP_LIMIT, perNode: per, withSurge: true }, { message: `VNet private IP limit (${fmt(VNET_PRIVATE_IP_LIMIT)})` });
  }
  return { demands, resources, names };
}

/** Addresses of subnet `name` one node of each pool takes (its node IP and pre-allocated pod IPs, or its pod-subnet share). */
export function subnetPerNode(c: Cluster, name: string): number[] {
  const kind = podRangeKind(c.model);
  return c.pools.map((p) => (p.nodeSubnet === name ? nodeSubnetIpsPerNode(c.model, p.maxPods) : 0) + (kind === "pod-subnet" && p.podSubnet === name ? podRangeIpsPerNode(p.podIpAllocation === "StaticBlock" ? "azure-cni-static-block" : "azure-cni-pod-subnet", p.maxPods) : 0));
}

function limitOf(m: CapacityModel, idx: number): Limit {
  if (idx < 0) return { kind: "poolNodeLimit", message: `AKS per-pool node limit (${fmt(POOL_NODE_LIMIT)})` };
  return { kind: m.resources[idx].kind, ...m.names[idx] };
}

export function plan(c: Cluster): Plan {
  const m = capacityModel(c);
  const kind = podRangeKind(c.model);

  const subnets: SubnetPlan[] = c.vnet.subnets.map((s) => {
    const i4 = v4(s.prefixes);
    const asNodes = c.pools.filter((p) => p.nodeSubnet === s.name);
    const asPods = kind === "pod-subnet" ? c.pools.filter((p) => p.podSubnet === s.name) : [];
    const role = asNodes.length && asPods.length ? "nodes+pods" : asNodes.length ? "nodes" : asPods.length ? "pods" : "unused";
    const ri = m.resources.findIndex((r) => r.ref === c.vnet.subnets.indexOf(s) && (r.kind === "nodeSubnet" || r.kind === "podRange"));
    // A subnet whose range is unknown still has a demand: what its pools would take (not checked).
    const r = ri >= 0 ? m.resources[ri] : s.unknown ? { kind: "nodeSubnet" as const, ref: -1, capacity: 0, perNode: subnetPerNode(c, s.name), withSurge: true } : undefined;
    const others = s.inUseByOthers ?? 0;
    const usable = r ? r.capacity + others : i4 >= 0 ? usableIps(s.prefixes[i4].bits) : 0;
    const at = (f: (p: Pool, d: PoolDemand) => number) => (r ? others + c.pools.reduce((sum, p, k) => sum + r.perNode[k] * f(p, m.demands[k]), 0) : 0);
    const required = r ? others + resourceRequired(r, m.demands) : 0;
    return {
      name: s.name,
      cidr: s.unknown ? "unknown" : s.prefixes.map((p) => p.toString()).join(","),
      role,
      pools: [...new Set([...asNodes, ...asPods].map((p) => p.name))],
      usable,
      requiredAtCount: at((p) => p.count),
      requiredAtMax: at((_, d) => d.nodes),
      required,
      free: s.unknown ? 0 : usable - required,
      fits: s.unknown ? true : required <= usable,
      ...(s.unknown ? { unknown: true } : {}),
      ...(others ? { inUseByOthers: others } : {}),
    };
  });

  const podRanges: PodRangePlan[] = [];
  if (kind === "pod-cidr") {
    for (const pc of c.podCidrs) {
      const p = pc.prefix;
      const slotsRequired = m.demands.reduce((s, d) => s + d.nodes + surgeNodes(d.nodes, d.surge), 0);
      const blockLen = p.family === 4 ? NODE_POD_BLOCK_LEN : NODE_POD_BLOCK_LEN_V6;
      const slots = p.bits <= blockLen ? 2 ** Math.min(blockLen - p.bits, 52) : 0;
      const per = p.family === 4 ? 2 ** (32 - blockLen) : 0;
      podRanges.push({
        name: p.family === 4 ? "podCidr" : "podCidr (IPv6)", cidr: p.toString(), kind: "pod-cidr", unit: `/${blockLen} per node`,
        addressesPerNode: per, capacity: p.family === 4 ? slots * per : Number.MAX_SAFE_INTEGER, nodeSlots: slots, slotsRequired, required: slotsRequired * per, fits: slotsRequired <= slots,
      });
    }
  } else if (kind === "pod-subnet") {
    for (const s of subnets.filter((x) => (x.role === "pods" || x.role === "nodes+pods") && !x.unknown)) {
      const users = c.pools.filter((p) => p.podSubnet === s.name);
      const pers = users.map((p) => podRangeIpsPerNode(p.podIpAllocation === "StaticBlock" ? "azure-cni-static-block" : "azure-cni-pod-subnet", p.maxPods));
      const maxPer = Math.max(...pers);
      const isStatic = users.every((p) => p.podIpAllocation === "StaticBlock");
      const slotsRequired = users.reduce((sum, p) => { const n = plannedNodes(p); return sum + n + surgeNodes(n, p.maxSurge); }, 0);
      const required = users.reduce((sum, p, k) => { const n = plannedNodes(p); return sum + (n + surgeNodes(n, p.maxSurge)) * pers[k]; }, 0);
      podRanges.push({
        name: s.name, cidr: s.cidr, kind: "pod-subnet",
        unit: isStatic ? `${maxPer / STATIC_BLOCK_SIZE} × /28 block${maxPer > STATIC_BLOCK_SIZE ? "s" : ""} per node` : "batches of 16 (full node)",
        addressesPerNode: maxPer, capacity: s.usable, nodeSlots: Math.floor(s.usable / maxPer), slotsRequired, required, fits: s.fits,
      });
    }
  }

  const pools: PoolPlan[] = c.pools.map((p, k) => {
    const lim = poolMaxNodes(m.resources, m.demands, k);
    const d = m.demands[k];
    return {
      name: p.name, mode: p.mode, os: p.osType, count: p.count, autoscale: p.autoscale, minCount: p.minCount, maxCount: p.maxCount,
      nodes: d.nodes, maxSurge: p.maxSurgeText, ...(p.maxUnavailableText ? { maxUnavailable: p.maxUnavailableText } : {}), surgeNodes: surgeNodes(d.nodes, d.surge), maxPods: p.maxPods,
      nodeSubnet: p.nodeSubnet, podSubnet: kind === "pod-subnet" ? p.podSubnet : undefined, podIpAllocation: kind === "pod-subnet" ? p.podIpAllocation : undefined,
      nodeSubnetIpsPerNode: nodeSubnetIpsPerNode(c.model, p.maxPods),
      podRangeIpsPerNode: kind === "pod-subnet" ? podRangeIpsPerNode(p.podIpAllocation === "StaticBlock" ? "azure-cni-static-block" : "azure-cni-pod-subnet", p.maxPods) : podRangeIpsPerNode(c.model, p.maxPods),
      maxNodes: lim.maxNodes,
      limitedBy: limitOf(m, lim.limitedBy),
    };
  });

  // Cluster: how far it scales keeping its pool mix (capacity.ts scaleMaxNodes).
  const planned = m.demands.reduce((s, d) => s + d.nodes, 0);
  const plannedPods = c.pools.reduce((s, p, k) => s + m.demands[k].nodes * p.maxPods, 0);
  const scale = scaleMaxNodes(m.resources, m.demands);
  const bestNodes = scale.nodes.reduce((s, x) => s + x, 0);
  const bestPods = scale.nodes.reduce((s, x, k) => s + x * c.pools[k].maxPods, 0);

  const snat = snatPlan(c, m);
  const partial = { subnets, podRanges, pools, snat };
  const findings = checkCluster(c, partial).map((f) => {
    const at = c.locate?.(f.path);
    return at ? { ...f, location: `${at.file}:${at.line}:${at.col}` } : f;
  });
  const count = (s: Finding["severity"]) => findings.filter((f) => f.severity === s).length;
  return {
    cluster: {
      name: c.name, model: c.model, dataplane: c.dataplane, policy: c.policy, kubernetesVersion: c.kubernetesVersion ?? null, input: c.input,
      plannedNodes: planned, plannedPods,
      maxNodes: bestNodes, maxPods: bestPods,
      limitedBy: c.pools.length ? limitOf(m, scale.limitedBy) : { kind: "none", message: "no node pools" },
    },
    network: {
      podCidrs: c.podCidrs.map((p) => p.prefix.toString()), serviceCidrs: c.serviceCidrs.map((p) => p.prefix.toString()),
      dnsServiceIP: c.dnsServiceIp.addr.toString(), vnet: c.vnet.name, addressSpace: c.vnet.addressSpace.map((p) => p.prefix.toString()), managedVnet: c.vnet.managed,
    },
    defaults: c.provenance,
    subnets, podRanges, pools, snat, findings,
    summary: { errors: count("error"), warnings: count("warning"), infos: count("info"), fits: subnets.every((s) => s.fits) && podRanges.every((r) => r.fits) && snat.fits },
  };
}

function snatPlan(c: Cluster, m: CapacityModel): SnatPlan {
  const nodesCounted = m.demands.reduce((s, d) => s + d.nodes + surgeNodes(d.nodes, d.surge), 0);
  const lb = c.outbound.loadBalancer;
  if (c.outbound.type === "loadBalancer" && lb) {
    const ips = lb.managedOutboundIps + lb.byoOutboundIps;
    if (lb.allocatedOutboundPorts > 0) {
      const maxNodes = lbManualMaxNodes(lb.allocatedOutboundPorts, ips);
      return { outboundType: c.outbound.type, allocation: "manual", outboundIps: ips, totalPorts: LB_PORTS_PER_IP * ips, nodesCounted, portsPerNode: lb.allocatedOutboundPorts, maxNodes, fits: nodesCounted <= maxNodes };
    }
    const per = lbDefaultPortsPerNode(nodesCounted, ips);
    return { outboundType: c.outbound.type, allocation: "default-table", outboundIps: ips, totalPorts: LB_PORTS_PER_IP * ips, nodesCounted, portsPerNode: per || null, maxNodes: null, fits: true };
  }
  if (c.outbound.natGatewayIps !== undefined) {
    return { outboundType: c.outbound.type, allocation: "nat-gateway", outboundIps: c.outbound.natGatewayIps, totalPorts: NAT_PORTS_PER_IP * c.outbound.natGatewayIps, nodesCounted, portsPerNode: null, maxNodes: null, fits: true };
  }
  return { outboundType: c.outbound.type, allocation: "none", outboundIps: 0, totalPorts: 0, nodesCounted, portsPerNode: null, maxNodes: null, fits: true };
}

