// The dataplane's result types: what dataplane() materialises and what trace() returns. In a file
// of their own, below the algorithms that produce them, so no two modules import each other.
import type { ModelId } from "./cluster.ts";

/** A node as the cluster would hold it. Addresses are IPv4 numbers (u32) with their text. */
export interface DpNode {
  /** The VMSS instance name, e.g. aks-apps-12345678-vmss000002 (also the kubenet route name). */
  name: string;
  pool: string;
  /** Index within its pool (the NODE of pod:POOL/NODE/INDEX) and across the cluster. */
  index: number;
  global: number;
  subnet: string;
  address: string;
  ip: number;
  /** kubenet, Overlay: the node's /24 of the pod CIDR. */
  podCidr?: string;
  maxPods: number;
}

export interface DpEndpoint {
  pod: string;
  address: string;
  node: string;
}

export interface DpServicePort {
  name: string;
  proto: "tcp" | "udp";
  port: number;
  targetPort: number;
  nodePort?: number;
}

export interface DpService {
  namespace: string;
  name: string;
  type: "ClusterIP" | "NodePort" | "LoadBalancer";
  clusterIP: string;
  /** LoadBalancer frontend address (a placeholder from the documentation range unless given). */
  loadBalancerIP?: string;
  ports: DpServicePort[];
  externalTrafficPolicy: "Cluster" | "Local";
  sessionAffinity: boolean;
  loadBalancerSourceRanges: string[];
  endpoints: DpEndpoint[];
  /** Where in the workload file the service is. */
  path: string;
}

export type NextHopType = "VnetLocal" | "VirtualNetworkPeering" | "VirtualNetworkGateway" | "Internet" | "VirtualAppliance" | "None";

export interface DpRoute {
  name: string;
  prefix: string;
  nextHopType: NextHopType;
  nextHop?: string;
  source: "Default" | "User" | "VirtualNetworkGateway" | "AKS";
  /** A gateway route that a system VNet or peering route overrides (Azure keeps the system route). */
  shadowedBy?: string;
}

/** The effective routes of one subnet (what `az network nic show-effective-route-table` would list). */
export interface DpRouteTable {
  subnet: string;
  /** The route table attached to the subnet, when there is one. */
  routeTable?: string;
  routes: DpRoute[];
}

export type NsgAccess = "Allow" | "Deny";
export type NsgDirection = "Inbound" | "Outbound";

export interface NsgRule {
  name: string;
  priority: number;
  direction: NsgDirection;
  access: NsgAccess;
  /** "*", "Tcp", "Udp", "Icmp". */
  protocol: string;
  sourcePrefixes: string[];
  destinationPrefixes: string[];
  sourcePorts: string[];
  destinationPorts: string[];
  /** True for Azure's default rules (priority 65000+). */
  default?: boolean;
  /** Where in the input the rule is. */
  path: string;
}

export interface Nsg {
  name: string;
  /** Subnet names it is attached to. */
  subnets: string[];
  /** Node pools whose NICs it is attached to. */
  nics: string[];
  rules: NsgRule[];
  source: string;
}

export interface DpEgress {
  outboundType: string;
  /** The address the internet sees for traffic leaving the cluster. */
  address?: string;
  /** What performs the SNAT: the load balancer, the NAT gateway, the appliance. */
  via: "load-balancer" | "nat-gateway" | "appliance" | "none";
  /** The appliance the 0.0.0.0/0 route points to (userDefinedRouting). */
  appliance?: string;
  frontendIps: string[];
  snatPortsPerNode: number | null;
  snatPortsTotal: number;
  note?: string;
}

export interface DpNetwork {
  name: string;
  kind: "vnet" | "subnet" | "peered" | "on-premises";
  prefixes: string[];
}

/** What dataplane() returns: everything the cluster would hold, deterministically. */
export interface DataplaneResult {
  cluster: string;
  model: ModelId;
  dataplane: "azure" | "cilium";
  kubeProxy: boolean;
  podCidrs: string[];
  serviceCidr: string;
  dnsServiceIp: string;
  /** The CIDRs the node does not masquerade (ip-masq-agent's nonMasqueradeCIDRs, or Cilium's). */
  nonMasqueradeCidrs: string[];
  nodes: DpNode[];
  services: DpService[];
  routeTables: DpRouteTable[];
  nsgs: Nsg[];
  egress: DpEgress;
  networks: DpNetwork[];
  notes: string[];
}

// ---- Trace ------------------------------------------------------------------------------------

export type Verdict = "delivered" | "dropped" | "unreachable";

export type Step =
  | { kind: "route"; table: string; route: string; prefix: string; nextHopType: NextHopType; nextHop?: string }
  | { kind: "netfilter"; node: string; verdict: string; path: string; rules: { table: string; chain: string; rule: number; line: number; action: string; text: string }[]; alternatives?: { probability: number; to: string }[] }
  | { kind: "ebpf"; what: string; alternatives?: { probability: number; to: string }[] }
  | { kind: "nsg"; nsg: string; attachedTo: string; direction: NsgDirection; rule: string; priority: number; access: NsgAccess }
  | { kind: "rewrite"; field: "srcIp" | "dstIp" | "srcPort" | "dstPort"; from: string; to: string; by: string }
  | { kind: "load-balancer"; frontend: string; backend: string; note: string }
  /** The seam for network policy (policy/ evaluates it; until then the step says it was not evaluated). */
  | { kind: "policy"; evaluated: false; note: string }
  /** A side decided by NetworkPolicies (policy/trace-hook.ts): the deciding rule, or the default deny in reason. */
  | { kind: "policy"; evaluated: true; direction: "egress" | "ingress"; workload: string; peer: string; allowed: boolean; reason: string; rule?: { policy: string; rule: string; at?: string }; policies: string[]; note: string }
  | { kind: "note"; text: string };

export interface Hop {
  /** pod, node, azure, load-balancer, nat-gateway, vpn-gateway, peering, appliance, internet, vm, destination. */
  kind: string;
  at: string;
  steps: Step[];
}

export interface TraceEnd {
  endpoint: string;
  kind: "pod" | "node" | "service" | "ip";
  address: string;
  /** Pods: the address of the node the pod runs on. */
  nodeAddress?: string;
  node?: string;
  /** ip: endpoints: vnet, peered, on-premises, internet (from the inputs). */
  class?: string;
  /** Services: the endpoint the packet was DNATed to, when it was. */
  resolved?: string;
}

export interface Trace {
  model: ModelId;
  dataplane: "azure" | "cilium";
  flow: { proto: "tcp" | "udp"; port: number };
  verdict: Verdict;
  reason?: string;
  /** The source address as the destination sees it (when delivered). */
  seenSource?: string;
  from: TraceEnd;
  to: TraceEnd;
  hops: Hop[];
}
