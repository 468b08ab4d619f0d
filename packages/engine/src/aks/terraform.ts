// Terraform input: `terraform show -json PLANFILE` (or of a state file), filling the common draft.
import { POOL_NODE_LIMIT, PUBLIC_IP_PREFIX_MIN_LEN } from "./constants.ts";
import type { Provenance, Subnet } from "./model.ts";
import { Node } from "./reader.ts";
import { DATAPLANES, OUTBOUND_TYPES, PLUGINS, POLICIES, ipPrefixes, surgeField, type Draft, type DraftPool, type Ref } from "./draft.ts";

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

export function fromTerraform(root: Node, d: Draft): void {
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
