// The common draft every input format fills in (spec, az/ARM, Terraform) before finish() in
// load.ts applies the defaults, and the field readers the formats share.
import type { Addr } from "../ip/addr.ts";
import { MAX_SURGE_PERCENT_MAX, POOL_NODE_LIMIT, PUBLIC_IP_PREFIX_MIN_LEN, type ModelId } from "./constants.ts";
import type { Surge } from "./capacity.ts";
import type { Cluster, Dataplane, ExternalNetwork, NamedPrefix, OutboundType, PolicyEngine, Provenance, Vnet } from "./model.ts";
import type { Node, Seg } from "./reader.ts";

export const PLUGINS = ["kubenet", "azure", "none"] as const;
export const POLICIES = ["none", "calico", "azure", "cilium"] as const;
export const DATAPLANES = ["azure", "cilium"] as const;
export const OUTBOUND_TYPES = ["loadBalancer", "managedNATGateway", "userAssignedNATGateway", "userDefinedRouting", "none", "block", "managedNATGatewayV2"] as const;
export const ALLOC_MODES = ["DynamicIndividual", "StaticBlock"] as const;

// ---- The common draft every format fills in ------------------------------------------------------

export interface Ref { text: string; path: string }
export interface SurgeRef extends Ref { surge: Surge; node: Node }
export interface DraftPool {
  node: Node;
  name: string;
  mode?: Ref; os?: Ref; osSku?: string;
  count?: number; autoscale?: boolean; minCount?: number; maxCount?: number; maxPods?: number;
  maxSurge?: SurgeRef; maxUnavailable?: SurgeRef;
  nodeSubnet?: Ref; podSubnet?: Ref; podIpAllocation?: (typeof ALLOC_MODES)[number];
}
export interface Draft {
  name: string;
  /** Values the input says are not known yet (Terraform's after_unknown), reported beside the defaults. */
  unknowns?: Provenance[];
  /** The cluster document's text, to read a number back as written. */
  text?: string;
  version?: string;
  model?: { id: ModelId; path: string };
  plugin?: (typeof PLUGINS)[number]; pluginMode?: string; dataplane?: Dataplane; policy?: PolicyEngine;
  podCidrs?: NamedPrefix[]; serviceCidrs?: NamedPrefix[]; dns?: { addr: Addr; path: string };
  dockerBridge?: NamedPrefix;
  dualStack: boolean;
  outboundType?: OutboundType; lbSku?: "standard" | "basic"; managedIps?: number; byoIps: number;
  ports?: number; idle?: number; natIps?: number;
  prefixesAssumed: number;
  existing?: boolean;
  ipFamilies?: ("IPv4" | "IPv6")[];
  identity?: Cluster["identity"];
  nodeResourceGroup?: string;
  pools: DraftPool[];
  vnet?: Vnet;
  external: ExternalNetwork[];
  paths: Record<string, string>;
}

export function newDraft(): Draft {
  return { name: "cluster", pools: [], external: [], paths: {}, byoIps: 0, prefixesAssumed: 0, dualStack: false };
}

/**
 * maxSurge / maxUnavailable: a whole node count or a whole percentage up to 100% (the az CLI:
 * "--max-surge should be an int or percentage"; AKS takes percentages 1-100). "33.5%" and "101%"
 * are located errors, not silently rounded or capped.
 */
export function surgeField(n: Node | undefined, what: string): SurgeRef | undefined {
  if (!n) return undefined;
  const text = String(n.value).trim();
  const m = /^(\d+)\s*(%?)$/.exec(text);
  if (typeof n.value !== "string" && typeof n.value !== "number") n.fail(n.segs, `${what} must be a whole number of nodes or a percentage like "33%", not ${JSON.stringify(n.value)}`);
  if (!m) {
    const decimal = /^\d+\.\d+\s*%?$/.test(text);
    n.fail(n.segs, decimal ? `${what} ${JSON.stringify(text)} must be a whole number of nodes or a whole percentage (AKS takes no fractions)` : `${what} must be a whole number of nodes or a percentage like "33%", not ${JSON.stringify(n.value)}`);
  }
  const value = Number(m![1]);
  const percent = m![2] === "%";
  if (percent && value > MAX_SURGE_PERCENT_MAX) n.fail(n.segs, `${what} ${text} is above ${MAX_SURGE_PERCENT_MAX}%`, `use at most ${MAX_SURGE_PERCENT_MAX}%, or a node count`);
  if (!percent && value > POOL_NODE_LIMIT) n.fail(n.segs, `${what} ${text} is above ${POOL_NODE_LIMIT} nodes, the most a pool can have`);
  return { text: `${value}${percent ? "%" : ""}`, path: n.path, surge: { value, percent }, node: n };
}

/**
 * kubernetesVersion as the user wrote it. An unquoted YAML/JSON `1.30` is the number 1.3: take the
 * digits from the document text when the reader has them, else refuse it with its location (1.3
 * would silently mean Kubernetes 1.3 and change the default network model).
 */
export function versionField(n: Node, text: string | undefined): string | undefined {
  const c = n.child("kubernetesVersion");
  if (!c) return undefined;
  if (typeof c.value === "number") {
    const node = c.src.doc?.getIn(c.segs as Seg[], true) as { range?: [number, number, number] } | undefined;
    const raw = node?.range && text !== undefined ? text.slice(node.range[0], node.range[1]).trim() : undefined;
    if (raw && /^\d+\.\d+(\.\d+)?$/.test(raw)) return raw;
    c.fail(c.segs, `kubernetesVersion ${c.value} is a number, so ${JSON.stringify(String(c.value))} may not be what was written`, `quote it: kubernetesVersion: "${String(c.value)}"`);
  }
  return n.str("kubernetesVersion");
}

export function identityField(root: Node, props: Node | undefined, spec: boolean): Cluster["identity"] {
  if (spec) {
    const c = root.child("identity");
    if (!c) return undefined;
    const v = (root.str("identity") ?? "").toLowerCase().replace(/[^a-z]/g, "");
    const type = v === "userassigned" ? "UserAssigned" : v === "systemassigned" ? "SystemAssigned" : v === "serviceprincipal" ? "ServicePrincipal" : v === "none" ? "None" : undefined;
    if (!type) c.fail(c.segs, `unknown identity ${JSON.stringify(c.value)}; expected userAssigned, systemAssigned or servicePrincipal`);
    return { type: type!, path: c.path };
  }
  const id = root.obj("identity");
  const t = (id?.str("type") ?? "").toLowerCase();
  if (id && t) return { type: t.includes("userassigned") ? "UserAssigned" : t.includes("systemassigned") ? "SystemAssigned" : "None", path: id.pathOf("type") };
  const sp = props?.obj("servicePrincipalProfile");
  const clientId = sp?.str("clientId");
  if (clientId && clientId.toLowerCase() !== "msi") return { type: "ServicePrincipal", path: sp!.pathOf("clientId") };
  return undefined;
}

/** Public IP prefixes: their addresses when the length is given (a number, "/28", or {prefixLength}), else one each. */
export function ipPrefixes(list: Node[] | undefined, d: Draft): number {
  let ips = 0;
  for (const e of list ?? []) {
    let len: number | undefined;
    if (typeof e.value === "number" || typeof e.value === "string") {
      const m = /^\/?(\d{1,2})$/.exec(String(e.value).trim());
      if (m) len = Number(m[1]);
      else if (typeof e.value === "number" || !String(e.value).includes("/subscriptions/")) e.fail(e.segs, `expected a public IP prefix length like 28 or "/28", got ${JSON.stringify(e.value)}`);
    } else if (e.isObject()) {
      len = e.int(["prefixLength"], 0, 32) ?? e.obj("properties")?.int(["prefixLength"], 0, 32);
    }
    if (len !== undefined && (len < PUBLIC_IP_PREFIX_MIN_LEN || len > 32)) e.fail(e.segs, `an IPv4 public IP prefix is /${PUBLIC_IP_PREFIX_MIN_LEN} to /32, not /${len}`);
    if (len === undefined) { d.prefixesAssumed++; ips += 1; } else ips += 2 ** (32 - len);
  }
  return ips;
}
