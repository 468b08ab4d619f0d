// The one adapter between the dataplane and the planner (packages/engine/src/aks): every type,
// loader and rule the dataplane takes from the planner comes through this file, so a change to
// the planner's API is adapted here and nowhere else.
export type { Cluster, Pool, Subnet, ExternalNetwork, Dataplane as DataplaneKind, OutboundType } from "../aks/model.ts";
export type { ModelId } from "../aks/constants.ts";
export { MODEL_IDS, DEFAULT_POD_CIDR, AZURE_RESERVED_IPS_PER_SUBNET, NODE_POD_BLOCK_LEN, DYNAMIC_BATCH_SIZE, STATIC_BLOCK_SIZE, LB_PORTS_PER_IP, NAT_PORTS_PER_IP } from "../aks/constants.ts";
export { staticBlocksPerNode } from "../aks/capacity.ts";
export { loadCluster, type InputText } from "../aks/load.ts";
export { asModel } from "../aks/compare.ts";
export { plan } from "../aks/plan.ts";
// Reading untrusted YAML/JSON with located errors (file:line:col: path: what).
export { Node, parseSource, type SourceDoc } from "../aks/reader.ts";

import type { Cluster } from "../aks/model.ts";
import { plan } from "../aks/plan.ts";

/** The SNAT figures the planner computes for the cluster's outbound type (one plan() call). */
export function snatOf(c: Cluster): { allocation: string; outboundIps: number; portsPerNode: number | null; totalPorts: number } {
  const s = plan(c).snat;
  return { allocation: s.allocation, outboundIps: s.outboundIps, portsPerNode: s.portsPerNode, totalPorts: s.totalPorts };
}
export { MODEL_VARIANTS } from "../aks/compare.ts";
