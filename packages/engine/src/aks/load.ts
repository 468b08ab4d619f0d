// loadCluster(): reads our YAML/JSON spec, `az aks show` JSON (+ `az network vnet show` JSON) or an
// ARM template / resource, checks types at the boundary, applies today's AKS defaults and records
// where every value came from.
import { Prefix } from "../ip/prefix.ts";
import { Addr } from "../ip/addr.ts";
import { UsageError } from "../errors.ts";
import {
  DEFAULT_MAX_SURGE_BEFORE_1_27, MAX_SURGE_10_PERCENT_FROM_MINOR, MAX_SURGE_PERCENT_MAX,
  DEFAULT_DNS_SERVICE_IP, DEFAULT_MAX_PODS, DEFAULT_MAX_SURGE, DEFAULT_POD_CIDR, DEFAULT_POD_CIDR_V6, DEFAULT_SERVICE_CIDR,
  DEFAULT_SERVICE_CIDR_V6, MANAGED_VNET_SPACE, MANAGED_VNET_SUBNET, MODEL_IDS, OVERLAY_DEFAULT_FROM_MINOR, POOL_NODE_LIMIT, PUBLIC_IP_PREFIX_MIN_LEN, type ModelId,
} from "./constants.ts";
import type { Surge } from "./capacity.ts";
import type { Seg } from "./reader.ts";
import type { Cluster, Dataplane, ExternalNetwork, InputKind, NamedPrefix, OutboundType, PolicyEngine, Pool, Provenance, Subnet, Vnet } from "./model.ts";
import { Node, inputError, parseSource, type SourceDoc } from "./reader.ts";
import { resolveArm } from "./arm-expr.ts";

export interface InputText {
  name: string;
  text: string;
}

export type DocKind = "spec" | "az-cluster" | "arm-resource" | "arm-template" | "vnet" | "subnet" | "terraform";

const PLUGINS = ["kubenet", "azure", "none"] as const;
const POLICIES = ["none", "calico", "azure", "cilium"] as const;
const DATAPLANES = ["azure", "cilium"] as const;
const OUTBOUND_TYPES = ["loadBalancer", "managedNATGateway", "userAssignedNATGateway", "userDefinedRouting", "none", "block", "managedNATGatewayV2"] as const;
const ALLOC_MODES = ["DynamicIndividual", "StaticBlock"] as const;

/** What kind of document this is, from its shape. */
export function detectKind(n: Node): DocKind | undefined {
  if (!n.isObject()) return undefined;
  if (n.has("planned_values") || (n.has("format_version") && n.has("terraform_version"))) return "terraform";
  const type = (n.str("type") ?? "").toLowerCase();
  if (n.has("resources") && (n.has("$schema") || Array.isArray(n.child("resources")?.value))) return "arm-template";
  if (type === "microsoft.containerservice/managedclusters" && n.has("properties")) return "arm-resource";
  if (type === "microsoft.network/virtualnetworks/subnets") return "subnet";
  if (type === "microsoft.network/virtualnetworks" || n.has("newVNet")) return "vnet";
  if (n.has("agentPoolProfiles") || n.has("networkProfile")) return "az-cluster";
  if (n.has("nodePools") || n.has("network") || /^aksnet/i.test(n.str("apiVersion") ?? "")) return "spec";
  if (n.has("subnets") || n.has("addressSpace")) return "vnet";
  const props = n.obj("properties");
  if (props?.has("agentPoolProfiles") || props?.has("networkProfile")) return "arm-resource";
  if (props?.has("subnets") || props?.has("addressSpace")) return "vnet";
  return undefined;
}

// ---- The common draft every format fills in ------------------------------------------------------

interface Ref { text: string; path: string }
interface SurgeRef extends Ref { surge: Surge; node: Node }
interface DraftPool {
  node: Node;
  name: string;
  mode?: Ref; os?: Ref; osSku?: string;
  count?: number; autoscale?: boolean; minCount?: number; maxCount?: number; maxPods?: number;
  maxSurge?: SurgeRef; maxUnavailable?: SurgeRef;
  nodeSubnet?: Ref; podSubnet?: Ref; podIpAllocation?: (typeof ALLOC_MODES)[number];
}
interface Draft {
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

function newDraft(): Draft {
  return { name: "cluster", pools: [], external: [], paths: {}, byoIps: 0, prefixesAssumed: 0, dualStack: false };
}

function poolFields(p: Node, name: string, spec: boolean): DraftPool {
  const ref = (...keys: string[]): Ref | undefined => {
    const v = p.str(...keys);
    return v === undefined ? undefined : { text: v, path: p.pathOf(...keys) };
  };
  const surgeNode = spec ? p : p.obj("upgradeSettings");
  const autoscale = p.bool("enableAutoScaling");
  const d: DraftPool = {
    node: p,
    name,
    mode: ref("mode"),
    os: ref(spec ? "os" : "osType", "osType"),
    osSku: p.str("osSku"),
    count: p.int(["count"], 0, POOL_NODE_LIMIT),
    autoscale,
    minCount: p.int(["minCount"], 0, POOL_NODE_LIMIT),
    maxCount: p.int(["maxCount"], 0, POOL_NODE_LIMIT),
    maxPods: p.int(["maxPods"], 1, 1000),
    maxSurge: surgeField(surgeNode?.child("maxSurge"), "maxSurge"),
    maxUnavailable: surgeField(surgeNode?.child("maxUnavailable"), "maxUnavailable"),
    nodeSubnet: ref(...(spec ? ["subnet", "nodeSubnet"] : ["vnetSubnetID"])),
    podSubnet: ref(...(spec ? ["podSubnet"] : ["podSubnetID"])),
    podIpAllocation: p.oneOf(["podIpAllocation", "podIPAllocationMode"], ALLOC_MODES),
  };
  if (spec) {
    const as = p.obj("autoscale");
    if (as) {
      d.autoscale = true;
      d.minCount = as.int(["min", "minCount"], 0, POOL_NODE_LIMIT) ?? d.minCount;
      d.maxCount = as.int(["max", "maxCount"], 0, POOL_NODE_LIMIT) ?? d.maxCount;
    } else if (d.maxCount !== undefined) d.autoscale = true;
  }
  return d;
}

/**
 * maxSurge / maxUnavailable: a whole node count or a whole percentage up to 100% (the az CLI:
 * "--max-surge should be an int or percentage"; AKS takes percentages 1-100). "33.5%" and "101%"
 * are located errors, not silently rounded or capped.
 */
function surgeField(n: Node | undefined, what: string): SurgeRef | undefined {
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
function versionField(n: Node, text: string | undefined): string | undefined {
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

function identityField(root: Node, props: Node | undefined, spec: boolean): Cluster["identity"] {
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
function ipPrefixes(list: Node[] | undefined, d: Draft): number {
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

// ---- Our spec ------------------------------------------------------------------------------------

function fromSpec(root: Node, d: Draft): void {
  d.name = root.str("name") ?? d.name;
  d.version = versionField(root, d.text);
  d.paths.kubernetesVersion = root.pathOf("kubernetesVersion");
  d.identity = identityField(root, undefined, true);
  const net = root.obj("network");
  if (net) {
    const model = net.oneOf(["model"], MODEL_IDS, `models: ${MODEL_IDS.join(", ")}`);
    if (model) d.model = { id: model, path: net.pathOf("model") };
    d.plugin = net.oneOf(["plugin", "networkPlugin"], PLUGINS, "kubenet, azure or none (or set network.model)");
    d.pluginMode = net.oneOf(["pluginMode", "networkPluginMode"], ["overlay"] as const);
    d.dataplane = net.oneOf(["dataplane", "networkDataplane"], DATAPLANES);
    d.policy = net.oneOf(["policy", "networkPolicy"], POLICIES);
    commonNetwork(net, d, true);
    const out = net.obj("outbound");
    if (out) {
      d.outboundType = out.oneOf(["type"], OUTBOUND_TYPES);
      d.paths.outboundType = out.pathOf("type");
      d.lbSku = out.oneOf(["loadBalancerSku"], ["standard", "basic"] as const);
      d.managedIps = out.int(["managedOutboundIPs"], 0, 100);
      d.paths.managedOutboundIps = out.pathOf("managedOutboundIPs");
      d.paths.outboundIpPrefixes = out.pathOf("outboundIPPrefixes");
      d.byoIps = (out.int(["outboundIPs"], 0, 1000) ?? 0) + ipPrefixes(out.list("outboundIPPrefixes"), d);
      d.paths.loadBalancerSku = out.pathOf("loadBalancerSku");
      d.ports = out.int(["allocatedOutboundPorts"], -1_000_000, 1_000_000);
      d.paths.allocatedOutboundPorts = out.pathOf("allocatedOutboundPorts");
      d.idle = out.int(["idleTimeoutMinutes", "idleTimeoutInMinutes"], 0, 1000);
      d.natIps = out.int(["natGatewayIPs", "natGatewayIps"], 0, 100);
      d.paths.natGatewayIps = out.pathOf("natGatewayIPs");
    } else {
      const o = net.pathOf("outbound");
      Object.assign(d.paths, { outboundType: `${o}.type`, managedOutboundIps: `${o}.managedOutboundIPs`, allocatedOutboundPorts: `${o}.allocatedOutboundPorts`, natGatewayIps: `${o}.natGatewayIPs` });
    }
  } else {
    d.paths.network = "network";
  }
  const vn = root.obj("vnet");
  if (vn) {
    const space = vn.prefixes("addressSpace", "addressPrefixes");
    if (!space?.length) vn.fail([...vn.segs, "addressSpace"], "missing: the VNet needs an address space", "e.g. addressSpace: [10.10.0.0/16]");
    const subnets = (vn.list("subnets") ?? []).map((s) => {
      const name = s.str("name") ?? s.fail([...s.segs, "name"], "missing subnet name");
      const pre = s.prefixes("cidr", "addressPrefix", "addressPrefixes", "cidrs");
      if (!pre?.length) s.fail([...s.segs, "cidr"], `subnet ${name} has no cidr`);
      return { name, prefixes: pre!.map((x) => x.prefix), path: s.pathOf("cidr", "addressPrefix", "addressPrefixes", "cidrs") } satisfies Subnet;
    });
    d.vnet = { name: vn.str("name") ?? "vnet", addressSpace: space!, subnets, path: vn.pathOf("addressSpace"), managed: false };
  }
  for (const [key, kind] of [["peeredNetworks", "peered"], ["onPremises", "on-premises"]] as const) {
    for (const e of root.list(key, key === "onPremises" ? "onPrem" : key) ?? []) {
      if (typeof e.value === "string") d.external.push({ name: e.value, kind, prefixes: [{ prefix: e.asPrefix(), path: e.path }] });
      else d.external.push({ name: e.str("name") ?? `${kind} ${e.segs.at(-1)}`, kind, prefixes: e.prefixes("cidrs", "cidr", "addressPrefixes") ?? e.fail([...e.segs, "cidrs"], "missing cidrs") });
    }
  }
  const pools = root.list("nodePools", "agentPoolProfiles");
  if (!pools?.length) root.fail([...root.segs, "nodePools"], "missing: at least one node pool is needed", "add nodePools: [{ name: system, count: 3, subnet: <subnet name> }]");
  d.pools = pools!.map((p, i) => poolFields(p, p.str("name") ?? `pool${i + 1}`, true));
}

function commonNetwork(net: Node, d: Draft, spec: boolean): void {
  d.podCidrs = net.prefixes("podCidrs") ?? net.prefixes("podCidr");
  d.paths.podCidr = net.has("podCidrs") ? net.pathOf("podCidrs") : net.pathOf("podCidr");
  d.serviceCidrs = net.prefixes("serviceCidrs") ?? net.prefixes("serviceCidr");
  d.paths.serviceCidr = net.has("serviceCidrs") ? net.pathOf("serviceCidrs") : net.pathOf("serviceCidr");
  d.dns = net.addr("dnsServiceIP");
  d.paths.dnsServiceIp = net.pathOf("dnsServiceIP");
  const db = net.prefix("dockerBridgeCidr");
  if (db) d.dockerBridge = db;
  const fam = net.list("ipFamilies");
  if (fam) d.ipFamilies = fam.map((f) => (String(f.value).toLowerCase() === "ipv6" ? "IPv6" : "IPv4"));
  d.dualStack = !!fam?.some((f) => String(f.value).toLowerCase() === "ipv6") || !!d.podCidrs?.some((p) => p.prefix.family === 6);
  d.paths.networkPlugin = spec ? net.pathOf("plugin", "networkPlugin", "model") : net.pathOf("networkPlugin");
  d.paths.networkPolicy = spec ? net.pathOf("policy", "networkPolicy") : net.pathOf("networkPolicy");
  d.paths.networkDataplane = spec ? net.pathOf("dataplane", "networkDataplane") : net.pathOf("networkDataplane");
  d.paths.ipFamilies = net.pathOf("ipFamilies");
}

// ---- az aks show / ARM resource ----------------------------------------------------------------

function fromManagedCluster(root: Node, props: Node, d: Draft): void {
  d.name = root.str("name") ?? d.name;
  d.version = versionField(props, d.text);
  d.paths.kubernetesVersion = props.pathOf("kubernetesVersion");
  d.identity = identityField(root, props, false);
  d.nodeResourceGroup = props.str("nodeResourceGroup");
  d.existing = props.has("provisioningState", "powerState", "currentKubernetesVersion");
  const net = props.obj("networkProfile");
  if (net) {
    d.paths.network = net.path;
    d.paths.loadBalancerSku = net.pathOf("loadBalancerSku");
    d.plugin = net.oneOf(["networkPlugin"], PLUGINS, "kubenet, azure or none");
    d.pluginMode = net.oneOf(["networkPluginMode"], ["overlay"] as const);
    d.dataplane = net.oneOf(["networkDataplane"], DATAPLANES);
    d.policy = net.oneOf(["networkPolicy"], POLICIES);
    commonNetwork(net, d, false);
    d.outboundType = net.oneOf(["outboundType"], OUTBOUND_TYPES);
    d.paths.outboundType = net.pathOf("outboundType");
    d.lbSku = net.oneOf(["loadBalancerSku"], ["standard", "basic"] as const);
    const lb = net.obj("loadBalancerProfile");
    if (lb) {
      d.managedIps = lb.obj("managedOutboundIPs")?.int(["count"], 0, 100);
      d.paths.managedOutboundIps = lb.pathOf("managedOutboundIPs") + ".count";
      d.paths.outboundIpPrefixes = lb.pathOf("outboundIPPrefixes");
      d.byoIps = (lb.obj("outboundIPs")?.list("publicIPs")?.length ?? 0) + ipPrefixes(lb.obj("outboundIPPrefixes")?.list("publicIPPrefixes"), d);
      d.ports = lb.int(["allocatedOutboundPorts"], -1_000_000, 1_000_000);
      d.paths.allocatedOutboundPorts = lb.pathOf("allocatedOutboundPorts");
      d.idle = lb.int(["idleTimeoutInMinutes"], 0, 1000);
    } else {
      d.paths.managedOutboundIps = net.pathOf("loadBalancerProfile") + ".managedOutboundIPs.count";
      d.paths.allocatedOutboundPorts = net.pathOf("loadBalancerProfile") + ".allocatedOutboundPorts";
    }
    const nat = net.obj("natGatewayProfile");
    d.natIps = nat?.obj("managedOutboundIPProfile")?.int(["count"], 0, 100);
    d.paths.natGatewayIps = (nat ? nat.pathOf("managedOutboundIPProfile") : net.pathOf("natGatewayProfile") + ".managedOutboundIPProfile") + ".count";
  } else {
    d.paths.network = props.pathOf("networkProfile");
    for (const f of ["podCidr", "serviceCidr", "dnsServiceIP", "networkPlugin", "outboundType"]) d.paths[f === "dnsServiceIP" ? "dnsServiceIp" : f] = `${d.paths.network}.${f}`;
  }
  const pools = props.list("agentPoolProfiles");
  if (!pools?.length) props.fail([...props.segs, "agentPoolProfiles"], "missing: the cluster has no agentPoolProfiles");
  d.pools = pools!.map((p, i) => poolFields(p, p.str("name") ?? `pool${i + 1}`, false));
}

// ---- Terraform: `terraform show -json PLANFILE` ---------------------------------------------------
// The azurerm provider's attribute names (v3 and v4), read from planned_values (values for a state
// file). A value Terraform knows only after apply is absent from planned_values; a subnet ID is then
// resolved through the configuration's references (azurerm_subnet.nodes.id), and an address range
// left unknown makes the subnet unknown, as with az input without its VNet.

function tfResources(root: Node): { all: Node[]; refs: Map<string, Node> } {
  const pv = root.obj("planned_values") ?? root.obj("values");
  if (!pv) root.fail([...root.segs, "planned_values"], "missing: a Terraform plan JSON has planned_values", "pass the output of terraform show -json PLANFILE");
  const all: Node[] = [];
  const walk = (m: Node) => { all.push(...(m.list("resources") ?? [])); for (const c of m.list("child_modules") ?? []) walk(c); };
  const rm = pv!.obj("root_module");
  if (rm) walk(rm);
  // configuration.root_module.resources[].expressions, by address, for references to unknown IDs.
  const refs = new Map<string, Node>();
  const cwalk = (m: Node | undefined, prefix: string) => {
    if (!m) return;
    for (const r of m.list("resources") ?? []) { const a = r.str("address"); const e = r.obj("expressions"); if (a && e) refs.set(prefix + a, e); }
    const calls = m.obj("module_calls");
    for (const k of Object.keys((calls?.value ?? {}) as object)) cwalk(calls!.obj(k)?.obj("module"), `${prefix}module.${k}.`);
  };
  cwalk(root.obj("configuration")?.obj("root_module"), "");
  return { all, refs };
}

const tfFirst = (n: Node | undefined, key: string): Node | undefined => { const l = n?.list(key); return l?.[0]?.isObject() ? l[0] : undefined; };

/** Attributes that matter to the plan, reported when Terraform knows them only after apply. */
const TF_UNKNOWN_WATCH = new Set(["kubernetes_version", "node_count", "min_count", "max_count", "max_pods", "max_surge", "pod_cidr", "pod_cidrs", "service_cidr", "service_cidrs",
  "dns_service_ip", "outbound_type", "managed_outbound_ip_count", "outbound_ports_allocated", "outbound_ip_prefix_ids", "address_prefixes", "address_space", "vnet_subnet_id", "pod_subnet_id", "network_plugin", "network_plugin_mode"]);

/** resource_changes[].change.after_unknown: the watched attributes that are true, by path. */
function tfUnknowns(root: Node, resolvedSubnets: Set<string>): Provenance[] {
  const out: Provenance[] = [];
  for (const rc of root.list("resource_changes") ?? []) {
    const addr = rc.str("address") ?? "";
    const type = rc.str("type") ?? "";
    if (!/^azurerm_(kubernetes_cluster|kubernetes_cluster_node_pool|virtual_network|subnet|public_ip_prefix)$/.test(type)) continue;
    const walk = (v: unknown, path: string) => {
      if (v === true) {
        const key = path.split(/[.[]/).filter(Boolean).at(-1)!.replace(/\]$/, "");
        if (TF_UNKNOWN_WATCH.has(key) && !resolvedSubnets.has(`${addr}.${path}`)) out.push({ field: `${addr}.${path}`, value: "unknown until apply", source: "derived", path: `${rc.path}.change.after_unknown.${path}`, why: key.endsWith("_subnet_id") ? "Terraform knows it only after apply and the configuration names no azurerm_subnet for it" : "Terraform knows it only after apply: planned with the default, or left unknown" });
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    };
    walk(rc.obj("change")?.child("after_unknown")?.value, "");
  }
  return out;
}

function fromTerraform(root: Node, d: Draft): void {
  const { all, refs } = tfResources(root);
  const resolvedSubnets = new Set<string>();
  const ofType = (t: string) => all.filter((r) => r.str("type") === t);
  const clusters = ofType("azurerm_kubernetes_cluster");
  if (clusters.length !== 1) root.fail([...root.segs, "planned_values"], clusters.length ? `${clusters.length} azurerm_kubernetes_cluster resources in the plan; aksnet plans one cluster` : "no azurerm_kubernetes_cluster resource in the plan's planned_values");
  const cr = clusters[0];
  const v = cr.obj("values") ?? cr.fail([...cr.segs, "values"], "missing values");
  const addrOf = (r: Node) => r.str("address") ?? "";
  // A subnet reference: the known ID's last segment, or the azurerm_subnet the configuration points at.
  const subnets = ofType("azurerm_subnet");
  const subnetRef = (owner: Node, values: Node, key: string, exprPath: (string | number)[]): Ref | undefined => {
    const known = values.str(key);
    if (known) return { text: known, path: values.pathOf(key) };
    let e: Node | undefined = refs.get(addrOf(owner));
    for (const s of exprPath) e = e === undefined ? undefined : typeof s === "number" ? (Array.isArray(e.value) ? new Node(e.src, e.value[s], [...e.segs, s]) : undefined) : e.child(s);
    const target = (e?.child(key)?.list("references") ?? []).map((x) => String(x.value)).find((x) => /azurerm_subnet\./.test(x));
    if (!target) return undefined;
    resolvedSubnets.add(`${addrOf(owner)}.${[...exprPath.map((x) => (typeof x === "number" ? `[${x}]` : x)), key].join(".").replace(/\.\[/g, "[")}`);
    const addr = target.replace(/\.id$/, "");
    const hit = subnets.find((s) => addrOf(s) === addr || addrOf(s).endsWith(`.${addr}`) || addr.endsWith(addrOf(s)));
    const name = hit?.obj("values")?.str("name") ?? addr.split(".").pop()!;
    return { text: name, path: values.pathOf(key) };
  };
  d.name = v.str("name") ?? d.name;
  d.version = v.str("kubernetes_version");
  d.paths.kubernetesVersion = v.pathOf("kubernetes_version");
  const id = tfFirst(v, "identity");
  const idType = (id?.str("type") ?? "").toLowerCase();
  if (id && idType) d.identity = { type: idType.includes("userassigned") ? "UserAssigned" : "SystemAssigned", path: id.pathOf("type") };
  else if (tfFirst(v, "service_principal")) d.identity = { type: "ServicePrincipal", path: v.pathOf("service_principal") };
  const net = tfFirst(v, "network_profile");
  const np = net?.path ?? `${v.path}.network_profile[0]`;
  d.paths.network = np;
  if (net) {
    d.plugin = net.oneOf(["network_plugin"], PLUGINS, "kubenet, azure or none");
    d.pluginMode = net.oneOf(["network_plugin_mode"], ["overlay"] as const);
    d.dataplane = net.oneOf(["network_data_plane", "ebpf_data_plane"], DATAPLANES);
    d.policy = net.oneOf(["network_policy"], POLICIES);
    d.podCidrs = net.prefixes("pod_cidrs") ?? net.prefixes("pod_cidr");
    if (d.podCidrs?.length === 0) d.podCidrs = net.prefixes("pod_cidr");
    d.serviceCidrs = net.prefixes("service_cidrs") ?? net.prefixes("service_cidr");
    if (d.serviceCidrs?.length === 0) d.serviceCidrs = net.prefixes("service_cidr");
    d.dns = net.addr("dns_service_ip");
    const fam = net.list("ip_versions");
    if (fam?.length) d.ipFamilies = fam.map((f) => (String(f.value).toLowerCase() === "ipv6" ? "IPv6" : "IPv4"));
    d.dualStack = !!d.ipFamilies?.includes("IPv6") || !!d.podCidrs?.some((p) => p.prefix.family === 6);
    d.outboundType = net.oneOf(["outbound_type"], OUTBOUND_TYPES);
    d.lbSku = net.oneOf(["load_balancer_sku"], ["standard", "basic"] as const);
    const lb = tfFirst(net, "load_balancer_profile");
    if (lb) {
      d.managedIps = lb.int(["managed_outbound_ip_count"], 0, 100);
      // Prefix IDs are usually unknown until apply: the configuration names the
      // azurerm_public_ip_prefix resources, whose prefix_length the plan knows.
      const prefixRefs = (refs.get(addrOf(cr))?.list("network_profile")?.[0]?.list("load_balancer_profile")?.[0]?.child("outbound_ip_prefix_ids")?.list("references") ?? [])
        .map((x) => String(x.value)).filter((x) => /^(module\.[^.]+\.)*azurerm_public_ip_prefix\.[^.]+$/.test(x));
      const prefixRes = prefixRefs.map((a) => ofType("azurerm_public_ip_prefix").find((r) => addrOf(r) === a)).filter((r): r is Node => !!r);
      const known = lb.list("outbound_ip_prefix_ids");
      d.byoIps = (lb.list("outbound_ip_address_ids")?.length ?? 0)
        + (prefixRes.length && !known?.length ? prefixRes.reduce((sum, r) => sum + 2 ** (32 - (r.obj("values")?.int(["prefix_length"], PUBLIC_IP_PREFIX_MIN_LEN, 32) ?? 32)), 0) : ipPrefixes(known, d));
      d.ports = lb.int(["outbound_ports_allocated"], -1_000_000, 1_000_000);
      d.idle = lb.int(["idle_timeout_in_minutes"], 0, 1000);
    }
    d.natIps = tfFirst(net, "nat_gateway_profile")?.int(["managed_outbound_ip_count"], 0, 100);
    const lbp = lb?.path ?? `${np}.load_balancer_profile[0]`;
    Object.assign(d.paths, {
      podCidr: net.pathOf(net.has("pod_cidrs") ? "pod_cidrs" : "pod_cidr"), serviceCidr: net.pathOf(net.has("service_cidrs") ? "service_cidrs" : "service_cidr"),
      dnsServiceIp: net.pathOf("dns_service_ip"), networkPlugin: net.pathOf("network_plugin"), networkPolicy: net.pathOf("network_policy"),
      networkDataplane: net.pathOf("network_data_plane", "ebpf_data_plane"), outboundType: net.pathOf("outbound_type"), loadBalancerSku: net.pathOf("load_balancer_sku"),
      ipFamilies: net.pathOf("ip_versions"), managedOutboundIps: `${lbp}.managed_outbound_ip_count`, allocatedOutboundPorts: `${lbp}.outbound_ports_allocated`,
      natGatewayIps: `${np}.nat_gateway_profile[0].managed_outbound_ip_count`, outboundIpPrefixes: `${lbp}.outbound_ip_prefix_ids`,
    });
  } else {
    for (const [k, f] of [["podCidr", "pod_cidr"], ["serviceCidr", "service_cidr"], ["dnsServiceIp", "dns_service_ip"], ["networkPlugin", "network_plugin"], ["networkPolicy", "network_policy"], ["networkDataplane", "network_data_plane"], ["outboundType", "outbound_type"]]) d.paths[k] = `${np}.${f}`;
  }
  const pool = (owner: Node, p: Node, mode: string | undefined, exprPath: (string | number)[]): DraftPool => {
    const up = tfFirst(p, "upgrade_settings");
    const autoscale = p.bool("auto_scaling_enabled", "enable_auto_scaling");
    return {
      node: p,
      name: p.str("name") ?? "pool",
      mode: mode ? { text: mode, path: p.pathOf("mode") } : p.str("mode") ? { text: p.str("mode")!, path: p.pathOf("mode") } : { text: "User", path: p.pathOf("mode") },
      os: p.str("os_type") ? { text: p.str("os_type")!, path: p.pathOf("os_type") } : undefined,
      osSku: p.str("os_sku"),
      count: p.int(["node_count"], 0, POOL_NODE_LIMIT),
      autoscale,
      minCount: p.int(["min_count"], 0, POOL_NODE_LIMIT),
      maxCount: p.int(["max_count"], 0, POOL_NODE_LIMIT),
      maxPods: p.int(["max_pods"], 1, 1000),
      maxSurge: surgeField(up?.child("max_surge"), "maxSurge"),
      maxUnavailable: surgeField(up?.child("max_unavailable"), "maxUnavailable"),
      nodeSubnet: subnetRef(owner, p, "vnet_subnet_id", exprPath),
      podSubnet: subnetRef(owner, p, "pod_subnet_id", exprPath),
      podIpAllocation: undefined,
    };
  };
  const dnp = tfFirst(v, "default_node_pool") ?? v.fail([...v.segs, "default_node_pool"], "missing: the cluster has no default_node_pool");
  d.pools = [pool(cr, dnp, "System", ["default_node_pool", 0])];
  for (const r of ofType("azurerm_kubernetes_cluster_node_pool")) {
    const pv = r.obj("values") ?? r.fail([...r.segs, "values"], "missing values");
    d.pools.push(pool(r, pv, undefined, []));
  }
  // The VNet: one azurerm_virtual_network (its inline subnets and the azurerm_subnet resources).
  const vnets = ofType("azurerm_virtual_network");
  const vn = vnets[0]?.obj("values");
  const subnetList: Subnet[] = [];
  const addSubnet = (name: string, n: Node, key: string) => {
    const pre = n.prefixes(key);
    subnetList.push(pre?.length ? { name, prefixes: pre.map((x) => x.prefix), path: n.pathOf(key) } : { name, prefixes: [], path: n.pathOf(key), unknown: true });
  };
  for (const s of vn?.list("subnet") ?? []) addSubnet(s.str("name") ?? "subnet", s, s.has("address_prefixes") ? "address_prefixes" : "address_prefix");
  for (const s of subnets) {
    const sv = s.obj("values");
    if (sv && !subnetList.some((x) => x.name === sv.str("name"))) addSubnet(sv.str("name") ?? addrOf(s), sv, "address_prefixes");
  }
  d.unknowns = tfUnknowns(root, resolvedSubnets);
  const space = vn?.prefixes("address_space");
  if (vn && space?.length) d.vnet = { name: vn.str("name") ?? "vnet", addressSpace: space, subnets: subnetList, path: vn.pathOf("address_space"), managed: false };
  else if (subnetList.length) d.vnet = { name: vn?.str("name") ?? "vnet", addressSpace: [], subnets: subnetList, path: vn?.pathOf("address_space") ?? subnetList[0].path, managed: false, unknownSpace: true };
}

// ---- VNet documents (az network vnet show, REST, ARM resource) ---------------------------------

/** One subnet of a VNet document, or a whole `az network vnet subnet show` document. */
function readSubnet(s: Node): Subnet & { ipConfigIds: string[] } {
  const sp = s.obj("properties") ?? s;
  const name = s.str("name") ?? s.fail([...s.segs, "name"], "missing subnet name");
  const pre = sp.prefixes("addressPrefixes") ?? sp.prefixes("addressPrefix");
  if (!pre?.length) s.fail([...sp.segs, "addressPrefix"], `subnet ${name} has no addressPrefix`);
  const delegations = (sp.list("delegations") ?? []).map((x) => x.str("serviceName") ?? x.obj("properties")?.str("serviceName") ?? x.str("name") ?? "delegated");
  const ipConfigIds = (sp.list("ipConfigurations") ?? []).map((x) => (typeof x.value === "string" ? x.value : x.str("id") ?? ""));
  return {
    name, prefixes: pre!.map((x) => x.prefix), path: sp.has("addressPrefixes") ? sp.pathOf("addressPrefixes") : sp.pathOf("addressPrefix"),
    ...(delegations.length ? { delegations } : {}), ipConfigIds,
  };
}

function readVnet(n: Node): { vnet: Vnet; peered: ExternalNetwork[]; ipConfigs: Map<string, string[]> } {
  const inner = n.obj("newVNet") ?? n;
  const props = inner.obj("properties") ?? inner;
  const space = props.obj("addressSpace")?.prefixes("addressPrefixes");
  if (!space?.length) inner.fail([...props.segs, "addressSpace", "addressPrefixes"], "missing: the VNet has no address space", "pass the output of az network vnet show -o json");
  const ipConfigs = new Map<string, string[]>();
  const subnets: Subnet[] = (props.list("subnets") ?? []).map((s) => {
    const { ipConfigIds, ...sub } = readSubnet(s);
    ipConfigs.set(sub.name.toLowerCase(), ipConfigIds);
    return sub;
  });
  const peered: ExternalNetwork[] = (props.list("virtualNetworkPeerings") ?? []).map((p) => {
    const pp = p.obj("properties") ?? p;
    const remote = pp.obj("remoteAddressSpace")?.prefixes("addressPrefixes") ?? [];
    return { name: p.str("name") ?? "peering", kind: "peered" as const, prefixes: remote };
  }).filter((p) => p.prefixes.length);
  return { vnet: { name: inner.str("name") ?? "vnet", addressSpace: space!, subnets, path: props.pathOf("addressSpace") + ".addressPrefixes", managed: false }, peered, ipConfigs };
}

const SUBNET_ID = /\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)\/?$/i;

// ---- Entry point -----------------------------------------------------------------------------------

export interface LoadOptions {
  /** Name the VNet file explicitly (else any input that looks like a VNet is used). */
  vnet?: InputText;
  /** Subnet ranges by name (`--subnet NAME=CIDR`): a lighter alternative to the VNet document. */
  subnets?: { name: string; cidr: string }[];
  /** On-premises / VPN / ExpressRoute ranges (`--on-prem CIDR,...`), checked like the spec's onPremises. */
  onPrem?: string[];
  /** Small YAML/JSON files of on-premises ranges (`--on-prem FILE`): a list of CIDRs or of { name, cidrs }, or { onPremises: [...] }. */
  onPremFiles?: InputText[];
}

/**
 * Loads a cluster from one or two inputs: a spec, az aks show JSON, an ARM template or an ARM
 * resource, plus optionally a VNet document (az network vnet show JSON or an ARM VNet resource).
 */
export function loadCluster(inputs: InputText[], opts: LoadOptions = {}): Cluster {
  const all = [...inputs, ...(opts.vnet ? [opts.vnet] : [])];
  if (!all.length) throw inputError("no input given");
  const docs = all.map((t) => {
    const src = parseSource(t.name, t.text);
    const root = new Node(src, src.value, []);
    const kind = detectKind(root);
    if (!kind) throw inputError(`${t.name}: not a cluster spec, az aks show JSON, ARM template or VNet JSON`, "a spec has nodePools and network; az aks show JSON has agentPoolProfiles and networkProfile");
    return { src, root, kind, forcedVnet: opts.vnet === t, text: t.text };
  });
  const clusters = docs.filter((x) => x.kind !== "vnet" && x.kind !== "subnet" && !x.forcedVnet);
  const vnets = docs.filter((x) => (x.kind === "vnet" || x.forcedVnet) && x.kind !== "subnet");
  const subnetDocs = docs.filter((x) => x.kind === "subnet");
  if (clusters.length !== 1) {
    throw inputError(clusters.length ? `${clusters.length} cluster documents given (${clusters.map((c) => c.src.name).join(", ")}); pass one` : `no cluster document among ${docs.map((x) => x.src.name).join(", ")}; only VNet JSON was given`);
  }
  if (vnets.length > 1) throw inputError(`${vnets.length} VNet documents given; pass one`);
  const c = clusters[0];
  const d = newDraft();
  d.text = c.text;
  let kind: InputKind;
  let ipConfigs = new Map<string, string[]>();
  if (c.kind === "spec") {
    kind = "spec";
    fromSpec(c.root, d);
  } else if (c.kind === "az-cluster") {
    kind = "az";
    fromManagedCluster(c.root, c.root.obj("properties") ?? c.root, d);
  } else if (c.kind === "terraform") {
    kind = "terraform";
    fromTerraform(c.root, d);
  } else if (c.kind === "arm-resource") {
    kind = "arm";
    fromManagedCluster(c.root, c.root.obj("properties") ?? c.root.fail([...c.root.segs, "properties"], "missing properties"), d);
  } else {
    kind = "arm";
    const t = c.root;
    const ctx = { parameters: (t.obj("parameters")?.value ?? {}) as Record<string, unknown>, variables: (t.obj("variables")?.value ?? {}) as Record<string, unknown> };
    const resolved = new Node(c.src, resolveArm(t.value, ctx), []);
    // Bicep's symbolic-name output (languageVersion 2.0) keeps resources as an object by name.
    const rv = (resolved.value as { resources?: unknown }).resources;
    const resources = rv && typeof rv === "object" && !Array.isArray(rv)
      ? Object.entries(rv as Record<string, unknown>).map(([k, x]) => new Node(c.src, x, ["resources", k]))
      : resolved.list("resources") ?? [];
    const mc = resources.filter((r) => (r.str("type") ?? "").toLowerCase() === "microsoft.containerservice/managedclusters");
    if (mc.length !== 1) t.fail(["resources"], mc.length ? "more than one Microsoft.ContainerService/managedClusters resource; pass one" : "no Microsoft.ContainerService/managedClusters resource in the template");
    fromManagedCluster(mc[0], mc[0].obj("properties") ?? mc[0].fail([...mc[0].segs, "properties"], "missing properties"), d);
    const vr = resources.filter((r) => (r.str("type") ?? "").toLowerCase() === "microsoft.network/virtualnetworks");
    if (vr.length && !vnets.length) {
      const { vnet, peered } = readVnet(vr[0]);
      d.vnet = vnet;
      d.external.push(...peered);
    }
  }
  if (vnets.length) {
    const r = readVnet(vnets[0].root);
    d.vnet = r.vnet;
    d.external.push(...r.peered);
    ipConfigs = r.ipConfigs;
  }
  // `az network vnet subnet show` documents: subnets of a VNet whose address space is not given.
  for (const sd of subnetDocs) {
    const { ipConfigIds, ...sub } = readSubnet(sd.root);
    const vnetName = /\/virtualNetworks\/([^/]+)\/subnets\//i.exec(sd.root.str("id") ?? "")?.[1];
    if (!d.vnet) d.vnet = { name: vnetName ?? "vnet", addressSpace: [], subnets: [], path: `${sd.src.name}`, managed: false, unknownSpace: true };
    d.vnet.subnets = [...d.vnet.subnets.filter((x) => x.name.toLowerCase() !== sub.name.toLowerCase()), sub];
    ipConfigs.set(sub.name.toLowerCase(), ipConfigIds);
  }
  for (const { name, cidr } of opts.subnets ?? []) {
    let prefix: Prefix;
    try { prefix = Prefix.parse(cidr.trim()); } catch (e) { throw new UsageError(`--subnet ${name}=${cidr}: invalid CIDR: ${(e as Error).message}`); }
    if (!d.vnet) d.vnet = { name: "vnet", addressSpace: [], subnets: [], path: "--subnet", managed: false, unknownSpace: true };
    d.vnet.subnets = [...d.vnet.subnets.filter((x) => x.name.toLowerCase() !== name.toLowerCase()), { name, prefixes: [prefix], path: `--subnet ${name}` }];
  }
  if (opts.onPrem?.length) {
    const prefixes = opts.onPrem.map((t) => {
      try { return { prefix: Prefix.parse(t.trim()), path: "--on-prem" }; } catch (e) { throw new UsageError(`--on-prem ${t}: invalid CIDR: ${(e as Error).message}`); }
    });
    d.external.push({ name: "on-prem (--on-prem)", kind: "on-premises", prefixes });
  }
  for (const t of opts.onPremFiles ?? []) {
    const src = parseSource(t.name, t.text);
    const r = new Node(src, src.value, []);
    const list = Array.isArray(r.value) ? r.value.map((v, i) => new Node(src, v, [i])) : r.list("onPremises", "onPrem", "ranges");
    if (!list) r.fail([], "expected a list of CIDRs, or of { name, cidrs }, or onPremises: [...]");
    for (const e of list!) {
      if (typeof e.value === "string") d.external.push({ name: e.value, kind: "on-premises", prefixes: [{ prefix: e.asPrefix(), path: `${t.name}:${e.path}` }] });
      else d.external.push({ name: e.str("name") ?? `on-prem ${e.segs.at(-1)}`, kind: "on-premises", prefixes: (e.prefixes("cidrs", "cidr", "addressPrefixes") ?? e.fail([...e.segs, "cidrs"], "missing cidrs")).map((x) => ({ ...x, path: `${t.name}:${x.path}` })) });
    }
  }
  const cluster = finish(d, kind, docs.map((x) => x.src.name), c.src, ipConfigs);
  const located = [c, ...vnets, ...subnetDocs];
  cluster.locate = (path: string) => {
    const segs = parsePath(path);
    if (!segs) return undefined;
    for (const x of located) {
      const node = x.src.doc?.getIn(segs, true) as { range?: [number, number, number] } | undefined;
      const pos = node?.range && x.src.lines ? x.src.lines.linePos(node.range[0]) : undefined;
      if (pos) return { file: x.src.name, line: pos.line, col: pos.col };
    }
    return undefined;
  };
  return cluster;
}

/** "a.b[2].c" → ["a", "b", 2, "c"]; undefined for paths that are not into a document. */
function parsePath(path: string): Seg[] | undefined {
  if (!/^[A-Za-z_$][\w$-]*(\.[A-Za-z_$][\w$-]*|\[\d+\])*$/.test(path)) return undefined;
  const segs: Seg[] = [];
  for (const m of path.matchAll(/([A-Za-z_$][\w$-]*)|\[(\d+)\]/g)) segs.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return segs;
}

function minorOf(version: string | undefined): number | undefined {
  const m = /^v?1\.(\d+)/.exec(version ?? "");
  return m ? Number(m[1]) : undefined;
}

function finish(d: Draft, kind: InputKind, files: string[], src: SourceDoc, ipConfigs: Map<string, string[]>): Cluster {
  const prov: Provenance[] = [];
  const def = (field: string, value: string, path: string, why: string) => prov.push({ field, value, source: "default", path, why });
  const net = d.paths.network ?? "network";
  const path = (k: string, fallback: string) => d.paths[k] ?? `${net}.${fallback}`;
  const anyPodSubnet = d.pools.some((p) => p.podSubnet);

  // Network model.
  let model: ModelId;
  if (d.model) model = d.model.id;
  else if (d.plugin === "kubenet") model = "kubenet";
  else if (d.plugin === "none") model = "byo";
  else if (d.plugin === "azure") {
    if (d.pluginMode === "overlay") model = "azure-cni-overlay";
    else if (anyPodSubnet) model = d.pools.filter((p) => p.podSubnet).every((p) => p.podIpAllocation === "StaticBlock") ? "azure-cni-static-block" : "azure-cni-pod-subnet";
    else model = "azure-cni";
  } else {
    const minor = minorOf(d.version);
    model = minor !== undefined && minor < OVERLAY_DEFAULT_FROM_MINOR ? "kubenet" : "azure-cni-overlay";
    def("networkPlugin", model === "kubenet" ? "kubenet" : "azure (overlay)", path("networkPlugin", "networkPlugin"),
      minor === undefined ? "no plugin and no Kubernetes version given: AKS uses Azure CNI Overlay from 1.30" : `no plugin given: AKS uses ${model === "kubenet" ? "kubenet before" : "Azure CNI Overlay from"} Kubernetes 1.30`);
  }
  const plugin = model === "kubenet" ? "kubenet" : model === "byo" ? "none" : "azure";
  const dataplane: Dataplane = d.dataplane ?? "azure";
  if (!d.dataplane) def("networkDataplane", "azure", path("networkDataplane", "networkDataplane"), "default dataplane");
  const policy: PolicyEngine = d.policy ?? "none";
  if (!d.policy) def("networkPolicy", "none", path("networkPolicy", "networkPolicy"), "no network policy engine unless one is chosen");

  // Ranges.
  const usesPodCidr = model === "kubenet" || model === "azure-cni-overlay" || model === "byo";
  let podCidrs = d.podCidrs ?? [];
  if (!podCidrs.length && usesPodCidr) {
    podCidrs = [{ prefix: Prefix.parse(DEFAULT_POD_CIDR), path: path("podCidr", "podCidr") }];
    if (d.dualStack) podCidrs.push({ prefix: Prefix.parse(DEFAULT_POD_CIDR_V6), path: path("podCidr", "podCidrs") });
    def("podCidr", podCidrs.map((p) => p.prefix.toString()).join(","), path("podCidr", "podCidr"), "AKS default pod CIDR");
  }
  let serviceCidrs = d.serviceCidrs ?? [];
  if (!serviceCidrs.length) {
    serviceCidrs = [{ prefix: Prefix.parse(DEFAULT_SERVICE_CIDR), path: path("serviceCidr", "serviceCidr") }];
    if (d.dualStack) serviceCidrs.push({ prefix: Prefix.parse(DEFAULT_SERVICE_CIDR_V6), path: path("serviceCidr", "serviceCidrs") });
    def("serviceCidr", serviceCidrs.map((p) => p.prefix.toString()).join(","), path("serviceCidr", "serviceCidr"), "AKS default service CIDR");
  }
  let dns = d.dns;
  if (!dns) {
    dns = { addr: Prefix.parse(DEFAULT_DNS_SERVICE_IP, { allowBare: true }).addr, path: path("dnsServiceIp", "dnsServiceIP") };
    def("dnsServiceIP", DEFAULT_DNS_SERVICE_IP, dns.path, "AKS default DNS service IP (whatever the service CIDR is)");
  }

  // Outbound.
  const outboundType: OutboundType = d.outboundType ?? "loadBalancer";
  if (!d.outboundType) def("outboundType", "loadBalancer", path("outboundType", "outboundType"), "AKS default outbound type");
  const outbound: Cluster["outbound"] = { type: outboundType };
  if (outboundType === "loadBalancer") {
    const managed = d.managedIps ?? (d.byoIps ? 0 : 1);
    if (d.managedIps === undefined && !d.byoIps) def("managedOutboundIPs", "1", d.paths.managedOutboundIps ?? `${net}.loadBalancerProfile.managedOutboundIPs.count`, "AKS default: one managed outbound IP");
    if (d.ports === undefined) def("allocatedOutboundPorts", "0 (default port table)", d.paths.allocatedOutboundPorts ?? `${net}.loadBalancerProfile.allocatedOutboundPorts`, "AKS default: the load balancer's default port allocation");
    outbound.loadBalancer = { sku: d.lbSku ?? "standard", managedOutboundIps: managed, byoOutboundIps: d.byoIps, allocatedOutboundPorts: d.ports ?? 0, idleTimeoutMinutes: d.idle ?? 30, ...(d.prefixesAssumed ? { prefixesAssumed: d.prefixesAssumed } : {}) };
    if (d.prefixesAssumed) {
      def("outboundIPPrefixes", `${d.prefixesAssumed} prefix${d.prefixesAssumed === 1 ? "" : "es"} counted as 1 IP each`, d.paths.outboundIpPrefixes ?? `${net}.loadBalancerProfile.outboundIPPrefixes`,
        "the prefix length is not in the input (only the prefix's resource ID); add prefixLength to each entry to count its addresses");
    }
  } else if (outboundType === "managedNATGateway" || outboundType === "userAssignedNATGateway" || outboundType === "managedNATGatewayV2") {
    outbound.natGatewayIps = d.natIps ?? 1;
    if (d.natIps === undefined) def("natGatewayIPs", "1", d.paths.natGatewayIps ?? `${net}.natGatewayProfile.managedOutboundIPProfile.count`, "AKS default: one NAT gateway IP");
  }

  // VNet: given, or the AKS-managed one when no pool names a subnet.
  let vnet = d.vnet;
  const anyNodeSubnet = d.pools.some((p) => p.nodeSubnet);
  if (!vnet && (anyNodeSubnet || anyPodSubnet)) {
    // Subnets are named but no VNet was given (only `az aks show`): plan everything that does not
    // need the VNet; the subnets' ranges stay unknown and a finding says what to pass.
    const ref = d.pools.map((x) => x.nodeSubnet ?? x.podSubnet).find((r) => r)!;
    vnet = { name: SUBNET_ID.exec(ref.text)?.[1] ?? "vnet", addressSpace: [], subnets: [], path: ref.path, managed: false, unknownSpace: true };
  }
  if (!vnet) {
    vnet = { name: "aks-managed-vnet", addressSpace: [{ prefix: Prefix.parse(MANAGED_VNET_SPACE), path: "(managed VNet)" }], subnets: [{ name: "aks-subnet", prefixes: [Prefix.parse(MANAGED_VNET_SUBNET)], path: "(managed VNet)", assumed: true }], path: "(managed VNet)", managed: true };
    def("vnet", `${MANAGED_VNET_SPACE}, subnet ${MANAGED_VNET_SUBNET}`, "(managed VNet)", "no subnet given: AKS creates a managed VNet (its subnet prefix is believed, not documented)");
  }

  // Pools.
  const findSubnet = (ref: Ref, what: string): string => {
    const name = subnetName(ref.text);
    const vnetOfId = SUBNET_ID.exec(ref.text)?.[1];
    if (vnetOfId && vnet!.unknownSpace && vnet!.name === "vnet") vnet!.name = vnetOfId;
    if (vnetOfId && !vnet!.managed && !vnet!.unknownSpace && vnetOfId.toLowerCase() !== vnet!.name.toLowerCase() && d.vnet) {
      throw inputError(`${src.name}: ${ref.path}: the ${what} is in VNet ${JSON.stringify(vnetOfId)} but the VNet given is ${JSON.stringify(vnet!.name)}`, "pass the VNet the cluster uses");
    }
    const hit = vnet!.subnets.find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (!hit && vnet!.unknownSpace) {
      vnet!.subnets.push({ name, prefixes: [], path: ref.path, unknown: true });
      return name;
    }
    if (!hit) throw inputError(`${src.name}: ${ref.path}: ${what} ${JSON.stringify(name)} is not in VNet ${vnet!.name} (subnets: ${vnet!.subnets.map((s) => s.name).join(", ") || "none"})`, "name a subnet of the VNet, or add it");
    return hit.name;
  };
  // With the VNet's subnets unknown, every subnet a pool names is known by name first, so a pool
  // that names none falls into the first of them (as before, into the VNet's first subnet).
  if (vnet.unknownSpace) for (const p of d.pools) for (const [ref, what] of [[p.nodeSubnet, "node subnet"], [p.podSubnet, "pod subnet"]] as const) if (ref) findSubnet(ref, what);
  const noSubnet = d.pools.find((x) => !x.nodeSubnet);
  if (!vnet.subnets.length && !vnet.managed && noSubnet) {
    const p = noSubnet;
    p.node.fail(p.node.segs, `no node subnet: pool ${p.name} names none and the VNet given has no subnets`, "add the subnet the pools use");
  }
  const seen = new Set<string>();
  const pools: Pool[] = d.pools.map((p) => {
    const ppath = p.node.path;
    if (seen.has(p.name.toLowerCase())) p.node.fail([...p.node.segs, "name"], `duplicate node pool name ${JSON.stringify(p.name)}`);
    seen.add(p.name.toLowerCase());
    const paths: Record<string, string> = {
      name: p.node.pathOf("name"), count: p.node.pathOf("count"), maxCount: p.node.pathOf("maxCount"), minCount: p.node.pathOf("minCount"),
      maxPods: p.node.pathOf("maxPods"), maxSurge: p.maxSurge?.path ?? (kind === "spec" ? p.node.pathOf("maxSurge") : `${ppath}.upgradeSettings.maxSurge`),
      nodeSubnet: p.nodeSubnet?.path ?? p.node.pathOf(kind === "spec" ? "subnet" : "vnetSubnetID"),
      podSubnet: p.podSubnet?.path ?? p.node.pathOf(kind === "spec" ? "podSubnet" : "podSubnetID"),
      osType: p.os?.path ?? p.node.pathOf(kind === "spec" ? "os" : "osType"), mode: p.mode?.path ?? p.node.pathOf("mode"),
    };
    const osText = p.os?.text.toLowerCase();
    if (osText && osText !== "linux" && osText !== "windows") p.node.fail([...p.node.segs, "osType"], `unknown OS ${JSON.stringify(p.os!.text)}; expected Linux or Windows`);
    const modeText = (p.mode?.text ?? "").toLowerCase();
    if (modeText && !["system", "user", "gateway"].includes(modeText)) p.node.fail([...p.node.segs, "mode"], `unknown mode ${JSON.stringify(p.mode!.text)}; expected System, User or Gateway`);
    const autoscale = p.autoscale ?? false;
    let count = p.count;
    if (count === undefined) {
      count = autoscale && p.minCount !== undefined ? p.minCount : 1;
      def(`${p.name}.count`, String(count), paths.count, autoscale ? "autoscaling pool: starts at minCount" : "AKS default node count");
    }
    if (autoscale && p.maxCount === undefined) throw inputError(`${src.name}: ${paths.maxCount}: pool ${p.name} autoscales but has no maxCount`);
    if (autoscale && p.minCount !== undefined && p.maxCount !== undefined && p.minCount > p.maxCount) throw inputError(`${src.name}: ${paths.minCount}: minCount ${p.minCount} is above maxCount ${p.maxCount}`);
    let maxPods = p.maxPods;
    if (maxPods === undefined) {
      maxPods = DEFAULT_MAX_PODS[model];
      def(`${p.name}.maxPods`, String(maxPods), paths.maxPods, `AKS default maxPods for ${model}`);
    }
    const minor = minorOf(d.version);
    const oldDefault = minor !== undefined && minor < MAX_SURGE_10_PERCENT_FROM_MINOR;
    const defaultSurge = oldDefault ? DEFAULT_MAX_SURGE_BEFORE_1_27 : DEFAULT_MAX_SURGE;
    const surgeText = p.maxSurge?.text ?? defaultSurge;
    if (!p.maxSurge) def(`${p.name}.maxSurge`, defaultSurge, paths.maxSurge, oldDefault ? `AKS default upgrade surge before Kubernetes 1.${MAX_SURGE_10_PERCENT_FROM_MINOR} (one node)` : "AKS default upgrade surge (rounded up)");
    const surge = p.maxSurge?.surge ?? parseDefaultSurge(defaultSurge);
    const unavailable = p.maxUnavailable?.surge;
    if (surge.value === 0 && !(unavailable && unavailable.value > 0)) {
      p.maxSurge!.node.fail(p.maxSurge!.node.segs, "maxSurge 0 needs maxUnavailable of at least 1 (an upgrade must either add or take down a node)", "set maxUnavailable: 1, or a maxSurge above 0");
    }
    const nodeSubnet = p.nodeSubnet ? findSubnet(p.nodeSubnet, "node subnet") : vnet!.subnets[0].name;
    const podSubnet = p.podSubnet ? findSubnet(p.podSubnet, "pod subnet") : undefined;
    let alloc = p.podIpAllocation;
    if (!alloc && podSubnet) alloc = model === "azure-cni-static-block" ? "StaticBlock" : "DynamicIndividual";
    return {
      name: p.name,
      mode: (modeText === "system" ? "System" : modeText === "gateway" ? "Gateway" : modeText === "user" ? "User" : undefined) ?? "User",
      osType: osText === "windows" ? "Windows" : "Linux",
      osSku: p.osSku,
      count,
      autoscale,
      minCount: p.minCount,
      maxCount: p.maxCount,
      maxPods,
      maxSurge: surge,
      maxSurgeText: surgeText,
      ...(p.maxUnavailable ? { maxUnavailable: p.maxUnavailable.surge, maxUnavailableText: p.maxUnavailable.text } : {}),
      nodeSubnet,
      podSubnet,
      podIpAllocation: alloc ?? "DynamicIndividual",
      path: ppath,
      paths,
    } satisfies Pool;
  });
  // The first pool is the system pool when none is marked (AKS requires one).
  if (!pools.some((p) => p.mode === "System") && !d.pools.some((p) => p.mode)) pools[0].mode = "System";

  // Addresses already in use (the VNet's ipConfigurations): the cluster's own node NICs (its VMSS in
  // the node resource group) are part of the plan; everything else takes addresses the plan can't use.
  const ownNic = (id: string): boolean => {
    const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachineScaleSets\/([^/]+)/i.exec(id);
    if (!m) return false;
    if (d.nodeResourceGroup) return m[1].toLowerCase() === d.nodeResourceGroup.toLowerCase();
    return /^aks-/i.test(m[2]) && pools.some((p) => m[2].toLowerCase().startsWith(`aks-${p.name.toLowerCase()}-`));
  };
  for (const sub of vnet.subnets) {
    const ids = ipConfigs.get(sub.name.toLowerCase());
    if (!ids?.length) continue;
    const own = ids.filter(ownNic).length;
    sub.inUseByCluster = own;
    sub.inUseByOthers = ids.length - own;
  }

  return {
    name: d.name,
    kubernetesVersion: d.version,
    model,
    plugin,
    pluginMode: model === "azure-cni-overlay" ? "overlay" : undefined,
    dataplane,
    policy,
    podCidrs,
    serviceCidrs,
    dnsServiceIp: dns,
    dockerBridgeCidr: d.dockerBridge,
    outbound,
    vnet,
    external: d.external,
    pools,
    paths: {
      podCidr: path("podCidr", "podCidr"), serviceCidr: path("serviceCidr", "serviceCidr"), dnsServiceIp: dns.path,
      networkPlugin: d.model?.path ?? path("networkPlugin", "networkPlugin"), networkPolicy: path("networkPolicy", "networkPolicy"),
      networkDataplane: path("networkDataplane", "networkDataplane"), outboundType: path("outboundType", "outboundType"),
      managedOutboundIps: d.paths.managedOutboundIps ?? `${net}.outbound.managedOutboundIPs`, allocatedOutboundPorts: d.paths.allocatedOutboundPorts ?? `${net}.outbound.allocatedOutboundPorts`,
      natGatewayIps: d.paths.natGatewayIps ?? `${net}.outbound.natGatewayIPs`, loadBalancerSku: d.paths.loadBalancerSku ?? `${net}.loadBalancerSku`, ipFamilies: d.paths.ipFamilies ?? `${net}.ipFamilies`,
      kubernetesVersion: d.paths.kubernetesVersion ?? "kubernetesVersion", identity: d.identity?.path ?? (kind === "spec" ? "identity" : "identity.type"),
    },
    provenance: [...prov, ...(d.unknowns ?? [])],
    input: { kind, files },
    ...(d.identity ? { identity: d.identity } : {}),
    ...(d.ipFamilies ? { ipFamilies: d.ipFamilies } : {}),
    ...(d.existing ? { existing: true } : {}),
  };
}

function parseDefaultSurge(text: string): Surge {
  const m = /^(\d+)(%?)$/.exec(text)!;
  return { value: Number(m[1]), percent: m[2] === "%" };
}

function subnetName(ref: string): string {
  return SUBNET_ID.exec(ref)?.[2] ?? ref;
}
