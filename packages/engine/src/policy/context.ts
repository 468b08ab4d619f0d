// What the cluster's network model and policy engine do with NetworkPolicies (aks-facts §6, §5.1,
// §5.5). Without a cluster the context is the specification's ("spec"): every policy enforced as
// written, as netpol-analyzer assumes. cluster.ts builds the context from a planner Cluster.
import type { Prefix } from "../ip/prefix.ts";
import type { ModelId } from "../aks/constants.ts";
import type { PolicyFinding } from "./model.ts";

export type EngineId = "spec" | "none" | "azure" | "calico" | "cilium";

export interface PolicyContext {
  engine: EngineId;
  model?: ModelId;
  cluster?: string;
  /** The cluster's networkPolicy field path, for findings. */
  enginePath?: string;
  windowsPools: string[];
  dualStack: boolean;
  podCidrs: Prefix[];
  /** The node subnets: where node IPs (and so SNATed sources) come from. */
  nodeSubnets: Prefix[];
  /**
   * Sources outside the cluster that reach pod IPs with their own address: the VNet, peered VNets
   * and on-premises ranges on the flat models (node subnet, pod subnet); none on kubenet and Overlay,
   * whose pod IPs "can't be reached directly from outside the cluster" (aks-facts §5.5).
   */
  directSources: Prefix[];
  /** Planned nodes (for Azure NPM's scale limit). */
  nodes: number;
  /** The planner's own findings about the policy engine (kubenet + NPM, dual-stack, retirement). */
  plannerFindings: PolicyFinding[];
  /**
   * Source addresses are as the packet carries them when it arrives (a dataplane trace, which did
   * the NAT itself): no SNAT is assumed for sources outside the cluster; Cilium still never
   * matches a node IP with an ipBlock.
   */
  observed?: boolean;
}

export const SPEC_CONTEXT: PolicyContext = {
  engine: "spec", windowsPools: [], dualStack: false, podCidrs: [], nodeSubnets: [], directSources: [], nodes: 0, plannerFindings: [],
};

/**
 * Services are assumed to keep Kubernetes' default externalTrafficPolicy: Cluster, under which a
 * client outside the cluster reaches a pod through a Service with its source SNATed to the node IP
 * (kube-proxy, and Cilium's kube-proxy replacement in its default SNAT mode). With Local the
 * client IP is kept; aksnet does not read Services, so it assumes the default and says so.
 */
export const EXTERNAL_TRAFFIC_POLICY_ASSUMED = "Cluster";

/** Azure NPM's Linux scale limits (aks-facts §6, D:use-network-policies). */
export const AZURE_NPM_POD_LIMIT = 20_000;

/** Whether anything enforces policies: not with `none`, nor with Azure NPM on kubenet (AKS refuses that pair). */
export function enforced(ctx: PolicyContext): boolean {
  if (ctx.engine === "none") return false;
  if (ctx.engine === "azure" && ctx.model === "kubenet") return false;
  return true;
}

/** Whether a cluster context is present (the model's NAT then applies). */
export function hasCluster(ctx: PolicyContext): boolean {
  return ctx.engine !== "spec";
}

/**
 * Azure NPM on Windows nodes does not support named ports, SCTP, negative selectors or `except`
 * (aks-facts §6). The docs do not say what NPM does with such a rule; aksnet models the element as
 * not enforced as written: an `except` and a negative requirement are dropped (the rule matches
 * more), a named or SCTP port entry matches nothing. WINDOWS_NPM_GAPS names this choice.
 */
export const WINDOWS_NPM_GAPS = { except: "dropped", negativeSelector: "dropped", namedPort: "matches nothing", sctp: "matches nothing" } as const;
