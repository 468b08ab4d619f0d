// The normalised cluster: what every loader produces and every planner function takes. Values are
// parsed and checked for type at the boundary (loaders); each remembers where it came from.
import type { Addr } from "../ip/addr.ts";
import type { Prefix } from "../ip/prefix.ts";
import type { ModelId } from "./constants.ts";
import type { Surge } from "./capacity.ts";

export type Dataplane = "azure" | "cilium";
export type PolicyEngine = "none" | "calico" | "azure" | "cilium";
export type OutboundType = "loadBalancer" | "managedNATGateway" | "userAssignedNATGateway" | "userDefinedRouting" | "none" | "block" | "managedNATGatewayV2";
export type InputKind = "spec" | "az" | "arm" | "terraform";

/** Where a value came from: the input (with its path) or a default (with the reason). */
export interface Provenance {
  field: string;
  value: string;
  source: "input" | "default" | "derived";
  /** Path in the input where the value is (or would be) written. */
  path: string;
  why?: string;
}

export interface NamedPrefix {
  prefix: Prefix;
  path: string;
}

export interface Subnet {
  name: string;
  prefixes: Prefix[];
  path: string;
  /** True when the subnet was not in the input (managed VNet). */
  assumed?: boolean;
  /** True when the subnet is named by the cluster but its range is not in the input (no VNet given). */
  unknown?: boolean;
  /** Service delegations on the subnet (az network vnet show `delegations[].serviceName`). */
  delegations?: string[];
  /** Addresses already taken in the subnet by resources that are not this cluster's nodes (ipConfigurations). */
  inUseByOthers?: number;
  /** ipConfigurations of the subnet that belong to this cluster's node pools (VMSS NICs). */
  inUseByCluster?: number;
}

export interface Vnet {
  name: string;
  addressSpace: NamedPrefix[];
  subnets: Subnet[];
  /** The path of the address space list, for findings about it. */
  path: string;
  managed: boolean;
  /** True when the VNet's address space is not in the input (only the cluster, or --subnet NAME=CIDR, was given). */
  unknownSpace?: boolean;
}

export interface ExternalNetwork {
  name: string;
  kind: "peered" | "on-premises";
  prefixes: NamedPrefix[];
}

export interface Pool {
  name: string;
  mode: "System" | "User" | "Gateway";
  osType: "Linux" | "Windows";
  osSku?: string;
  count: number;
  autoscale: boolean;
  minCount?: number;
  maxCount?: number;
  maxPods: number;
  maxSurge: Surge;
  maxSurgeText: string;
  /** Nodes that may be unavailable during an upgrade (AKS accepts maxSurge 0 with maxUnavailable >= 1). */
  maxUnavailable?: Surge;
  maxUnavailableText?: string;
  /** Subnet names in `vnet.subnets`; undefined pod subnet means pods come from elsewhere. */
  nodeSubnet: string;
  podSubnet?: string;
  podIpAllocation: "DynamicIndividual" | "StaticBlock";
  /** Path of the pool in the input, e.g. agentPoolProfiles[1]. */
  path: string;
  /** Field name → path in the input. */
  paths: Record<string, string>;
}

export interface LoadBalancerOutbound {
  sku: "standard" | "basic";
  managedOutboundIps: number;
  /** BYO public IPs plus the addresses of BYO public IP prefixes (a prefix of unknown length counts as one; see prefixesAssumed). */
  byoOutboundIps: number;
  /** BYO public IP prefixes whose length was not in the input, each counted as one IP. */
  prefixesAssumed?: number;
  allocatedOutboundPorts: number;
  idleTimeoutMinutes: number;
}

export interface Outbound {
  type: OutboundType;
  loadBalancer?: LoadBalancerOutbound;
  natGatewayIps?: number;
}

export interface Cluster {
  name: string;
  kubernetesVersion?: string;
  model: ModelId;
  plugin: "kubenet" | "azure" | "none";
  pluginMode?: "overlay";
  dataplane: Dataplane;
  policy: PolicyEngine;
  podCidrs: NamedPrefix[];
  serviceCidrs: NamedPrefix[];
  dnsServiceIp: { addr: Addr; path: string };
  dockerBridgeCidr?: NamedPrefix;
  outbound: Outbound;
  vnet: Vnet;
  external: ExternalNetwork[];
  pools: Pool[];
  /** Field name → path in the input, for cluster-level fields. */
  paths: Record<string, string>;
  provenance: Provenance[];
  input: { kind: InputKind; files: string[] };
  /** True when the document describes a cluster that exists (az aks show / REST GET: provisioningState, powerState, currentKubernetesVersion). */
  existing?: boolean;
  /** ipFamilies as written in the input (absent: not written). */
  ipFamilies?: ("IPv4" | "IPv6")[];
  /** The cluster's identity type (az/ARM `identity.type`, spec `identity`), when the input says. */
  identity?: { type: "SystemAssigned" | "UserAssigned" | "ServicePrincipal" | "None"; path: string };
  /** Line and column of a path in the input document, when the reader knows them. */
  locate?: (path: string) => { file: string; line: number; col: number } | undefined;
}
