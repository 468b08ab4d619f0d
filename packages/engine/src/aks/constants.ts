// AKS and Azure networking facts used by the planner, each with its source. Where a value is
// uncertain or changed over time it lives here, once, so it can change in one place; the tests in
// test/aks/constants.test.ts pin every value and say where it came from.
// Source tags follow ../shared/aks-facts.md (D:x = learn.microsoft.com/azure/aks/x).

/** Network model ids (DESIGN.md). The dataplane and the policy engine are separate settings. */
export const MODEL_IDS = [
  "kubenet",
  "azure-cni",
  "azure-cni-pod-subnet",
  "azure-cni-static-block",
  "azure-cni-overlay",
  "byo",
] as const;
export type ModelId = (typeof MODEL_IDS)[number];

/** Addresses Azure keeps in every subnet: network, .1 gateway, .2 and .3 DNS, broadcast. [VNET-FAQ] */
export const AZURE_RESERVED_IPS_PER_SUBNET = 5;
/** Smallest IPv4 subnet Azure accepts (/29, 3 usable). [VNET-FAQ] */
export const SMALLEST_SUBNET_LEN = 29;
/** kubenet and Overlay give each node a fixed /24 of the pod CIDR. [D:configure-kubenet; D:concepts-network-azure-cni-overlay] */
export const NODE_POD_BLOCK_LEN = 24;
/** Static block mode: /28 blocks (16 addresses), one address per node reserved. [D:configure-azure-cni-static-block-allocation] */
export const STATIC_BLOCK_SIZE = 16;
export const STATIC_BLOCK_RESERVED_PER_NODE = 1;
/**
 * Whole /28 blocks of a pod subnet that Azure's reserved addresses make unusable: the first block
 * holds .0-.3 and the last the broadcast address. Derived from the 5-reserved rule, not documented.
 */
export const STATIC_BLOCKS_LOST_TO_RESERVED = 2;
/** Dynamic pod-subnet IPAM hands out batches of 16; a node starts with one batch. [D:configure-azure-cni-dynamic-ip-allocation] */
export const DYNAMIC_BATCH_SIZE = 16;

/** One route per node in a kubenet route table; 400 routes per table. [NET-LIMITS 2022; D:configure-kubenet] */
export const KUBENET_ROUTE_LIMIT = 400;
/** Dual-stack kubenet used two routes per node (200 nodes); docs removed 2025-03-10. [D-hist:configure-kubenet-dual-stack] */
export const KUBENET_ROUTES_PER_NODE_DUAL_STACK = 2;
/** Nodes per cluster (VMSS + Standard LB) and per pool. [AKS-LIMITS 2024-01-12] */
export const CLUSTER_NODE_LIMIT = 5000;
export const POOL_NODE_LIMIT = 1000;
/** Per-model node limits. Overlay was 1,000 until 2024-03-19, 5,000 since. [D:concepts-network-azure-cni-overlay] */
export const MODEL_NODE_LIMIT: Record<ModelId, number> = {
  kubenet: KUBENET_ROUTE_LIMIT,
  "azure-cni": CLUSTER_NODE_LIMIT,
  "azure-cni-pod-subnet": CLUSTER_NODE_LIMIT,
  "azure-cni-static-block": CLUSTER_NODE_LIMIT,
  "azure-cni-overlay": CLUSTER_NODE_LIMIT,
  byo: CLUSTER_NODE_LIMIT,
};
/** Private IPs per VNet ("Limitation of 64,000 IPs" in D:plan-pod-networking). [NET-LIMITS] */
export const VNET_PRIVATE_IP_LIMIT = 65536;
/** Azure NPM (Linux) does not scale beyond 250 nodes. [D:use-network-policies] */
export const AZURE_NPM_NODE_LIMIT = 250;

/** maxPods bounds, and the minimum-pods rule: 10 only if each pool has room for 30 pods. [D:concepts-network-ip-address-planning] */
export const MAX_PODS_MIN = 10;
export const MAX_PODS_MAX = 250;
export const MIN_PODS_PER_POOL = 30;
/**
 * Default maxPods per model. Pod subnet: the configure doc (2024-07) says 250, the newer
 * IP-planning doc (2026-04) says 110; we follow the newer one. [D:concepts-network-ip-address-planning]
 */
export const DEFAULT_MAX_PODS: Record<ModelId, number> = {
  kubenet: 110,
  "azure-cni": 30,
  "azure-cni-pod-subnet": 110,
  "azure-cni-static-block": 110,
  "azure-cni-overlay": 250,
  byo: 110,
};
/** Default upgrade surge: "10%" in API 2025-07-01 (several docs still say 1). [SPEC; GH Azure/AKS#3491] */
export const DEFAULT_MAX_SURGE = "10%";

export const DEFAULT_POD_CIDR = "10.244.0.0/16";
export const DEFAULT_SERVICE_CIDR = "10.0.0.0/16";
export const DEFAULT_DNS_SERVICE_IP = "10.0.0.10";
/** Dual-stack defaults. [D:configure-dual-stack] */
export const DEFAULT_POD_CIDR_V6 = "fd12:3456:789a::/64";
export const DEFAULT_SERVICE_CIDR_V6 = "fd12:3456:789a:1::/108";
/** IPv6 per-node pod block in dual-stack overlay (example output shows /80). [D:configure-dual-stack] */
export const NODE_POD_BLOCK_LEN_V6 = 80;
/** AKS-managed VNet since 2022-02-24; its subnet is believed to be the first /16 (unverified). [GH MicrosoftDocs/azure-docs#92314] */
export const MANAGED_VNET_SPACE = "10.224.0.0/12";
export const MANAGED_VNET_SUBNET = "10.224.0.0/16";
/** With no plugin given, Kubernetes >= 1.30 gets Overlay, older versions kubenet. [GH azure-rest-api-specs#30845] */
export const OVERLAY_DEFAULT_FROM_MINOR = 30;

/** Ranges AKS refuses for service, pod and VNet ranges. [D:concepts-network-cni-overview] */
export const AKS_RESERVED_RANGES = ["169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24"] as const;
/** Private ranges an Overlay pod CIDR should come from (RFC 1918 and RFC 6598). [D:concepts-network-azure-cni-overlay] */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"] as const;
/**
 * Service CIDR size: upstream kube-apiserver accepts masks >= 12 for IPv4 (so /11 fails); AKS says
 * "smaller than /12", ambiguous about /12 itself; IPv6 at most /108. [§3.3 of aks-facts]
 */
export const SERVICE_CIDR_MIN_LEN_V4 = 12;
export const SERVICE_CIDR_MIN_LEN_V6 = 108;

/** Load balancer: 64,000 SNAT ports per frontend IP; manual ports a multiple of 8 in 0..64,000. [LB-OUT; CLI-VAL] */
export const LB_PORTS_PER_IP = 64000;
export const LB_PORT_MULTIPLE = 8;
/** Default port allocation per VM per frontend IP, by backend pool size. [LB-OUT; D:configure-load-balancer-standard] */
export const LB_DEFAULT_PORT_TABLE: readonly { maxVms: number; ports: number }[] = [
  { maxVms: 50, ports: 1024 },
  { maxVms: 100, ports: 512 },
  { maxVms: 200, ports: 256 },
  { maxVms: 400, ports: 128 },
  { maxVms: 800, ports: 64 },
  { maxVms: 1000, ports: 32 },
];
/** Newer LB-OUT text: with several frontend IPs, default ports per VM are capped at 1,024. [MicrosoftDocs/azure-docs commit 5080451] */
export const LB_DEFAULT_PORTS_CAP = 1024;
/** managedOutboundIPs.count 1..100, default 1. [SPEC] */
export const LB_MANAGED_IPS_MAX = 100;
/** NAT gateway: 64,512 ports per public IP, 1..16 IPs, no per-node pre-allocation. [D:nat-gateway] */
export const NAT_PORTS_PER_IP = 64512;
export const NAT_MAX_IPS = 16;

/** Retirement dates. [D-inc:kubenet-retirement; D-inc:azure-network-policy-manager-*; D-inc:basic-load-balancer-retirement] */
export const RETIREMENT = {
  kubenet: "2028-03-31",
  azureNpmWindows: "2026-09-30",
  azureNpmLinux: "2028-09-30",
  basicLoadBalancer: "2025-09-30",
} as const;

/** maxSurge as a percentage: 1-100% (the API takes "an int or percentage"; above 100% AKS refuses it). [SPEC; CLI-VAL] */
export const MAX_SURGE_PERCENT_MAX = 100;
/**
 * Default upgrade surge by Kubernetes version: new pools on 1.27 and later get 10%; before 1.27 the
 * default was one node. Applied when a pool has no maxSurge and the cluster's version is known.
 * [GH Azure/AKS#3491, #3562; aks-facts §9.1]
 */
export const MAX_SURGE_10_PERCENT_FROM_MINOR = 27;
export const DEFAULT_MAX_SURGE_BEFORE_1_27 = "1";
/** An IPv4 public IP prefix is /28 (16 addresses) to /31; /32 counts as one IP. [D:public-ip-address-prefix] */
export const PUBLIC_IP_PREFIX_MIN_LEN = 28;
/** Dual-stack with the Cilium dataplane needs Kubernetes 1.29 or later. [D:azure-cni-powered-by-cilium] */
export const CILIUM_DUAL_STACK_FROM_MINOR = 29;
/** A static-block pod subnet is at most a /12 (about 1M addresses). [D:configure-azure-cni-static-block-allocation] */
export const STATIC_BLOCK_POD_SUBNET_MIN_LEN = 12;
/** Service ranges the tool suggests are /13 or longer: AKS documents "smaller than /12". [D:concepts-network-ip-address-planning] */
export const SERVICE_CIDR_SUGGESTED_MIN_LEN_V4 = 13;
/** Migration to Overlay: Kubernetes 1.27 or later, Windows build 20348.1668 or later. [D:update-azure-cni; aks-facts §4] */
export const OVERLAY_MIGRATION_FROM_MINOR = 27;
export const OVERLAY_MIGRATION_WINDOWS_BUILD = "20348.1668";
/**
 * Dynamic pod-subnet IPAM: a node asks for another batch of 16 when fewer than 8 of its addresses
 * are free, and plans need at least 16 per node. [D:configure-azure-cni-dynamic-ip-allocation]
 * Worst case per node: aks-facts §1.4 derives 16·ceil((P+8)/16) from the refill rule alone, but the
 * NodeNetworkConfig scaler also carries maxIPCount (the node's maxPods; "batch 16 / max 250" in real
 * NNC dumps, ACN crd/nodenetworkconfig), which caps the request: the planning figure is therefore
 * 16·ceil(maxPods/16), never below 16. See dynamicWorstCasePerNode.
 */
export const DYNAMIC_REQUEST_THRESHOLD = 8;
export const DYNAMIC_MIN_IPS_PER_NODE = 16;
/**
 * Upgrade surge counted against an overlay/kubenet pod CIDR: the pool's own maxSurge, rounded up
 * (the nodes an upgrade really adds). Azure/AKS#4467 reports the RP's "theoretical max" as
 * (maxCount + 1) × /24 per pool; the two agree for pools of up to 10 nodes at 10% (the
 * AKS-Construction#701 figure, 1,280 for 4 nodes, is both). aks-facts §10 leaves the RP formula open.
 */
export const OVERLAY_POD_CIDR_SURGE_RULE: "maxSurge" | "plusOnePerPool" = "maxSurge";
