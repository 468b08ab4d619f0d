// Dataplane facts, each with its source (tags as in aks-facts.md). Where a value is inferred or
// uncertain it is a named constant here, with why, and test/dataplane/constants.test.ts pins it.
import type { ModelId } from "./cluster.ts";

/**
 * The first address Azure hands to a NIC in a subnet: .0-.3 are reserved (network, gateway, two
 * DNS), so the first VM gets .4 and the next ones follow in order. [VNET-FAQ; AKS nodes are
 * commonly seen at .4, .5, ... in kubenet/Overlay and .4, .35, .66 with Azure CNI maxPods 30]
 */
export const FIRST_HOST_OFFSET = 4;

/**
 * kubenet: the node's bridge (cbr0) takes .1 of its /24 and host-local IPAM hands pods .2 on.
 * Overlay: the same offset is assumed (azure-cns does not document its order). Inferred.
 */
export const POD_HOST_OFFSET = 2;

/**
 * Static block mode reserves one address per node [D:configure-azure-cni-static-block-allocation];
 * which one is not documented: we take the first of the node's first block. The first /28 of the
 * pod subnet holds Azure's reserved .0-.3, so node blocks start at the second /28 (planner's
 * STATIC_BLOCKS_LOST_TO_RESERVED).
 */
export const STATIC_BLOCK_RESERVED_INDEX = 0;
export const STATIC_FIRST_BLOCK = 1;

/** The random part of AKS VMSS names is not in any input: a fixed stand-in, so names are stable. */
export const VMSS_ID = "12345678";

/**
 * Public addresses are not in the inputs (the LB frontends, NAT gateway IPs): stand-ins from the
 * RFC 5737 documentation range TEST-NET-2, so nobody mistakes them for real ones.
 */
export const PLACEHOLDER_PUBLIC = {
  outbound: 0xc6336401, // 198.51.100.1 +i: load balancer outbound frontends
  inbound: 0xc6336465, // 198.51.100.101 +i: LoadBalancer Service frontends
  natGateway: 0xc63364c9, // 198.51.100.201 +i
} as const;

/**
 * kube-proxy's masquerade mark and the cluster CIDR it detects local traffic with. On Azure CNI
 * (node subnet, pod subnet) pods are VNet addresses and aks-engine set --cluster-cidr to the VNet
 * range [AKSE types.go GetNonMasqueradeCIDR, kube-proxy --cluster-cidr]; kubenet/Overlay use the
 * pod CIDR. [kube-proxy iptables mode, pkg/proxy/iptables/proxier.go]
 */
export const KUBE_MARK_MASQ = "0x4000";
export const KUBE_MARK_DROP = "0x8000";

/**
 * ip-masq-agent's nonMasqueradeCIDRs per model (aks-facts §5.1, inferred from aks-engine and
 * behaviour; the AKS-reconciled ConfigMap is not public, §10):
 * - kubenet, Overlay: the pod CIDR (everything else leaves as the node IP);
 * - node-subnet Azure CNI: the VNet address space (peered VNets and on-prem see the node IP);
 * - pod subnet (dynamic, static): pod IPs are kept for the VNet, peered VNets and on-prem (the
 *   pod-subnet row of §5.1): the VNet, peered and on-premises ranges.
 */
export type MasqScope = "pod-cidr" | "vnet" | "vnet+connected";
export const NON_MASQ_SCOPE: Record<ModelId, MasqScope> = {
  kubenet: "pod-cidr",
  "azure-cni-overlay": "pod-cidr",
  "azure-cni": "vnet",
  "azure-cni-pod-subnet": "vnet+connected",
  "azure-cni-static-block": "vnet+connected",
  byo: "pod-cidr",
};

/** Whether a VNet VM, a peered VNet or on-prem can reach a pod IP directly (aks-facts §5.5). */
export const POD_IP_ROUTABLE_FROM_VNET: Record<ModelId, boolean> = {
  kubenet: false,
  "azure-cni": true,
  "azure-cni-pod-subnet": true,
  "azure-cni-static-block": true,
  "azure-cni-overlay": false,
  byo: false,
};

/**
 * Azure's default NSG rules (every NSG has them, priorities 65000-65500).
 * [learn.microsoft.com/azure/virtual-network/network-security-groups-overview#default-security-rules]
 */
export const DEFAULT_NSG_RULES = [
  { name: "AllowVnetInBound", priority: 65000, direction: "Inbound", access: "Allow", source: "VirtualNetwork", destination: "VirtualNetwork" },
  { name: "AllowAzureLoadBalancerInBound", priority: 65001, direction: "Inbound", access: "Allow", source: "AzureLoadBalancer", destination: "*" },
  { name: "DenyAllInBound", priority: 65500, direction: "Inbound", access: "Deny", source: "*", destination: "*" },
  { name: "AllowVnetOutBound", priority: 65000, direction: "Outbound", access: "Allow", source: "VirtualNetwork", destination: "VirtualNetwork" },
  { name: "AllowInternetOutBound", priority: 65001, direction: "Outbound", access: "Allow", source: "*", destination: "Internet" },
  { name: "DenyAllOutBound", priority: 65500, direction: "Outbound", access: "Deny", source: "*", destination: "*" },
] as const;

/** Priorities of user rules. [NSG overview: 100 to 4096] */
export const NSG_PRIORITY_MIN = 100;
export const NSG_PRIORITY_MAX = 4096;

/**
 * The Azure load balancer's health-probe source, the AzureLoadBalancer service tag.
 * [learn.microsoft.com/azure/virtual-network/service-tags-overview]
 */
export const AZURE_LB_PROBE_IP = "168.63.129.16";

/**
 * The VirtualNetwork service tag: the VNet address space, peered VNets, on-prem address spaces
 * connected through a gateway, and the prefixes of user-defined routes (so a kubenet route
 * table's pod /24s count as VirtualNetwork). Overlay pod CIDRs are treated as inside the tag
 * (inferred: Overlay works behind the default NSG rules, and aks-facts §1.6 asks custom rules to
 * allow node and pod traffic). [service-tags-overview]
 */
export const VIRTUAL_NETWORK_TAG_HAS_UDR_PREFIXES = true;
export const VIRTUAL_NETWORK_TAG_HAS_OVERLAY_POD_CIDR = true;

/**
 * Azure's default routes for private ranges with next hop None, unless the VNet space holds them
 * (a longer VNet or peering route then wins). [UDR-OV]
 */
export const NONE_ROUTES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"] as const;

/**
 * AKS load-balancing rules use floating IP: the packet reaches the node with the frontend address
 * as destination, and kube-proxy's "loadbalancer IP" rule DNATs it. [cloud-provider-azure
 * azure_loadbalancer.go EnableFloatingIP; believed, verify]
 */
export const LB_FLOATING_IP = true;

/** Pod-side interfaces: kubenet's bridge, Azure CNI's per-pod veths. [D:configure-kubenet; Azure CNI azv*] */
export const POD_IFACE: Record<ModelId, string> = {
  kubenet: "cbr0",
  "azure-cni": "azv0",
  "azure-cni-pod-subnet": "azv0",
  "azure-cni-static-block": "azv0",
  "azure-cni-overlay": "azv0",
  byo: "eth1",
};
export const NODE_IFACE = "eth0";

/** Default pods per node when a workload gives none: enough for the endpoints it asks for. */
export const DEFAULT_NAMESPACE = "default";
