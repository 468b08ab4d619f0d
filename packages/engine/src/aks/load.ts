// loadCluster(): reads our YAML/JSON spec, `az aks show` JSON (+ `az network vnet show` JSON), an
// ARM template / resource or a Terraform plan (terraform.ts), checks types at the boundary, applies
// today's AKS defaults and records where every value came from.
import { Prefix } from "../ip/prefix.ts";
import { UsageError } from "../errors.ts";
import {
  DEFAULT_MAX_SURGE_BEFORE_1_27, MAX_SURGE_10_PERCENT_FROM_MINOR,
  DEFAULT_DNS_SERVICE_IP, DEFAULT_MAX_PODS, DEFAULT_MAX_SURGE, DEFAULT_POD_CIDR, DEFAULT_POD_CIDR_V6, DEFAULT_SERVICE_CIDR,
  DEFAULT_SERVICE_CIDR_V6, MANAGED_VNET_SPACE, MANAGED_VNET_SUBNET, MODEL_IDS, OVERLAY_DEFAULT_FROM_MINOR, POOL_NODE_LIMIT, type ModelId,
} from "./constants.ts";
import type { Surge } from "./capacity.ts";
import type { Seg } from "./reader.ts";
import type { Cluster, Dataplane, ExternalNetwork, InputKind, OutboundType, PolicyEngine, Pool, Provenance, Subnet, Vnet } from "./model.ts";
import { Node, inputError, parseSource, type SourceDoc } from "./reader.ts";
import { resolveArm } from "./arm-expr.ts";
import {
  ALLOC_MODES, DATAPLANES, OUTBOUND_TYPES, PLUGINS, POLICIES, identityField, ipPrefixes, newDraft, surgeField, versionField,
  type Draft, type DraftPool, type Ref,
} from "./draft.ts";
import { fromTerraform } from "./terraform.ts";

export interface InputText {
  name: string;
  text: string;
}

export type DocKind = "spec" | "az-cluster" | "arm-resource" | "arm-template" | "vnet" | "subnet" | "terraform";


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
    const src = parseSource(t.name, t.text, "an --on-prem file is a list of CIDRs, or of { name, cidrs }, or onPremises: [...]");
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
  // Not enumerable: a Cluster stays structured-cloneable (postMessage, structuredClone) and JSON-able.
  const locate = (path: string) => {
    const segs = parsePath(path);
    if (!segs) return undefined;
    for (const x of located) {
      const node = x.src.doc?.getIn(segs, true) as { range?: [number, number, number] } | undefined;
      const pos = node?.range && x.src.lines ? x.src.lines.linePos(node.range[0]) : undefined;
      if (pos) return { file: x.src.name, line: pos.line, col: pos.col };
    }
    return undefined;
  };
  Object.defineProperty(cluster, "locate", { value: locate, enumerable: false, writable: true, configurable: true });
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
