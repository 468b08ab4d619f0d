// The normalised cluster: what every loader produces and every planner function takes. Values are
// parsed and checked for type at the boundary (loaders); each remembers where it came from.
import type { Addr } from "../ip/addr.ts";
import type { Prefix } from "../ip/prefix.ts";
import type { ModelId } from "./constants.ts";
import type { Surge } from "./capacity.ts";

export type Dataplane = "azure" | "cilium";
export type PolicyEngine = "none" | "calico" | "azure" | "cilium";
export type OutboundType = "loadBalancer" | "managedNATGateway" | "userAssignedNATGateway" | "userDefinedRouting" | "none" | "block" | "managedNATGatewayV2";
export type InputKind = "spec" | "az" | "arm";

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
}

export interface Vnet {
  name: string;
  addressSpace: NamedPrefix[];
  subnets: Subnet[];
  /** The path of the address space list, for findings about it. */
  path: string;
  managed: boolean;
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
  /** Count of BYO public IPs and prefixes (each prefix counted as one IP: its size is not in the input). */
  byoOutboundIps: number;
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
}
