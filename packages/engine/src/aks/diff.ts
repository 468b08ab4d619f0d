// diff(): the change plan between two configurations of one cluster. Each change is allowed in
// place, a supported migration (with its az command), or immutable: a new node pool or a new
// cluster. Rules: aks-facts.md §4 (D:update-azure-cni, D:egress-outboundtype, D:faq, ...).
import type { Cluster, Pool } from "./model.ts";
import type { ModelId } from "./constants.ts";
import { OVERLAY_MIGRATION_FROM_MINOR, OVERLAY_MIGRATION_WINDOWS_BUILD } from "./constants.ts";

export type ChangeKind = "in-place" | "migration" | "new-pool" | "new-cluster";

export interface Change {
  path: string;
  field: string;
  from: string | null;
  to: string | null;
  kind: ChangeKind;
  command?: string;
  note: string;
  /** Prerequisites the running cluster doesn't meet yet: the change is blocked until they are. */
  blockedBy?: string[];
  /** The steps that meet them, in order, before `command`. */
  unblock?: string[];
}

export interface ChangePlan {
  /** The cluster's name and model (the same shape as in check and compare output). */
  cluster: { name: string; model: ModelId };
  changes: Change[];
  /** The most disruptive kind needed, or "none". */
  verdict: ChangeKind | "none";
  /** Unmet prerequisites of the changes, when any: "blocked until …". */
  blockedBy?: string[];
  /** With a new-cluster verdict: why the other changes carry no az command. */
  note?: string;
}

const RANK: Record<ChangeKind, number> = { "in-place": 0, migration: 1, "new-pool": 2, "new-cluster": 3 };
const list = (xs: { prefix: { toString(): string } }[]) => xs.map((x) => x.prefix.toString()).join(",");
const minor = (v?: string) => Number(/^v?1\.(\d+)/.exec(v ?? "")?.[1] ?? NaN);

/** Whether the input set `field` (else it is a default the loader applied). */
function wrote(c: Cluster, field: string): boolean {
  return !c.provenance.some((p) => p.source === "default" && p.field === field);
}

/**
 * The change plan from `a` (the running cluster, or its current spec) to `b` (the wanted one).
 * Only what `b` writes is a change: a field `b` leaves to its default keeps `a`'s value (maxPods,
 * for one, is kept across a migration), so a default of `b`'s model is never a requested change.
 */
export function diff(a: Cluster, bIn: Cluster): ChangePlan {
  const out: Change[] = [];
  const b = keepUnwritten(a, bIn);
  const az = `az aks update -g <resource-group> -n ${b.name}`;
  const add = (c: Change) => out.push(c);

  // Network model (IPAM).
  if (a.model !== b.model) {
    const path = b.paths.networkPlugin;
    if ((a.model === "kubenet" || a.model === "azure-cni") && b.model === "azure-cni-overlay") {
      const podCidr = b.podCidrs.find((p) => p.prefix.family === 4)?.prefix.toString();
      const needPod = a.model === "azure-cni" || podCidr !== a.podCidrs.find((p) => p.prefix.family === 4)?.prefix.toString();
      const notes = ["one-way; all pools are reimaged at once"];
      // Prerequisites, checked against the running cluster `a`. [D:update-azure-cni; aks-facts §4]
      const blockedBy: string[] = [], unblock: string[] = [];
      const v = minor(a.kubernetesVersion);
      if (Number.isNaN(v)) notes.push(`needs Kubernetes 1.${OVERLAY_MIGRATION_FROM_MINOR} or later`);
      else if (v < OVERLAY_MIGRATION_FROM_MINOR) {
        blockedBy.push(`Kubernetes 1.${OVERLAY_MIGRATION_FROM_MINOR} or later (the cluster runs ${a.kubernetesVersion})`);
        unblock.push(`upgrade one minor version at a time up to 1.${OVERLAY_MIGRATION_FROM_MINOR} or later: az aks upgrade -g <resource-group> -n ${b.name} --kubernetes-version 1.${v + 1}.<patch> (then 1.${v + 2}, …)`);
      }
      if (a.policy !== "none") {
        blockedBy.push(`no network policy engine (the cluster has ${a.policy})`);
        unblock.push(`uninstall the ${a.policy} network policy: ${az} --network-policy none`);
      }
      if (a.model === "kubenet") {
        if (!a.identity) notes.push("needs a user-assigned managed identity");
        else if (a.identity.type !== "UserAssigned") {
          blockedBy.push(`a user-assigned managed identity (the cluster has ${a.identity.type === "SystemAssigned" ? "a system-assigned identity" : a.identity.type === "ServicePrincipal" ? "a service principal" : "none"})`);
          unblock.push(`switch to a user-assigned identity: ${az} --enable-managed-identity --assign-identity <user-assigned identity resource ID>`);
        }
        notes.push("pod routes are removed from the route table");
      }
      const oldWindows = a.pools.filter((p) => p.osType === "Windows" && /2019/.test(p.osSku ?? ""));
      if (oldWindows.length) {
        blockedBy.push(`Windows build ${OVERLAY_MIGRATION_WINDOWS_BUILD} or later (Windows Server 2019 pools: ${oldWindows.map((p) => p.name).join(", ")})`);
        unblock.push(`replace ${oldWindows.map((p) => p.name).join(", ")} with Windows Server 2022 pools (--os-sku Windows2022), then delete the old ones`);
      }
      add({ path, field: "network model", from: a.model, to: b.model, kind: "migration", command: `${az} --network-plugin azure --network-plugin-mode overlay${needPod && podCidr ? ` --pod-cidr ${podCidr}` : ""}`, note: notes.join("; "), ...(blockedBy.length ? { blockedBy, unblock } : {}) });
    } else {
      add({ path, field: "network model", from: a.model, to: b.model, kind: "new-cluster", note: `AKS migrates only kubenet and Azure CNI node subnet to Overlay; ${a.model} → ${b.model} needs a new cluster` });
    }
  }
  // Dataplane.
  if (a.dataplane !== b.dataplane) {
    const path = b.paths.networkDataplane;
    if (a.dataplane === "azure" && b.dataplane === "cilium" && b.model !== "kubenet" && b.model !== "byo") {
      const win = b.pools.some((p) => p.osType === "Windows");
      add({
        path, field: "dataplane", from: a.dataplane, to: b.dataplane, kind: win ? "new-cluster" : "migration",
        command: win ? undefined : `${az} --network-dataplane cilium`,
        note: win ? "Cilium is Linux-only: not possible with Windows pools" : `${a.model !== b.model ? "run after the IPAM migration (not in the same operation); " : ""}replaces any Azure NPM or Calico; needs CLI 2.52.0+`,
      });
    } else {
      add({ path, field: "dataplane", from: a.dataplane, to: b.dataplane, kind: "new-cluster", note: b.dataplane === "azure" ? "moving off the Cilium dataplane is not supported" : "kubenet must move to Azure CNI Overlay first" });
    }
  }
  // Network policy (when not implied by a dataplane change to Cilium).
  if (a.policy !== b.policy && !(b.dataplane === "cilium" && a.dataplane !== "cilium")) {
    const ok = b.policy !== "cilium" && !(b.policy === "azure" && b.model === "kubenet");
    add({ path: b.paths.networkPolicy, field: "network policy", from: a.policy, to: b.policy, kind: ok ? "in-place" : "new-cluster", command: ok ? `${az} --network-policy ${b.policy}` : undefined, note: ok ? "reimages every pool" + (a.policy === "calico" ? "; Calico CRDs stay behind" : "") : "cilium policy needs the Cilium dataplane (and that migration)" });
  }
  // Pod CIDR.
  const ap = list(a.podCidrs), bp = list(b.podCidrs);
  const ipamMigration = a.model !== b.model && b.model === "azure-cni-overlay";
  if (ap !== bp && !ipamMigration && b.model !== "azure-cni" && b.model !== "azure-cni-pod-subnet" && b.model !== "azure-cni-static-block") {
    const a4 = a.podCidrs.find((p) => p.prefix.family === 4)?.prefix.masked();
    const b4 = b.podCidrs.find((p) => p.prefix.family === 4)?.prefix.masked();
    const superset = a4 && b4 && b4.contains(a4) && b4.bits < a4.bits && a.podCidrs.length === 1 && b.podCidrs.length === 1;
    const linux = b.pools.every((p) => p.osType === "Linux");
    if (b.model === "azure-cni-overlay" && a.model === "azure-cni-overlay" && superset && linux) {
      add({ path: b.paths.podCidr, field: "podCidr", from: ap, to: bp, kind: "in-place", command: `${az} --pod-cidr ${b4}`, note: "expanding to a superset is supported for Linux-only overlay clusters (CLI 2.48.0+)" });
    } else {
      add({ path: b.paths.podCidr, field: "podCidr", from: ap, to: bp, kind: "new-cluster", note: b.model === "azure-cni-overlay" ? "only expansion to a contiguous superset, on Linux-only single-stack clusters, is supported" : "the pod CIDR can't change after creation" });
    }
  }
  // Service CIDR and DNS service IP.
  const as = list(a.serviceCidrs), bs = list(b.serviceCidrs);
  if (as !== bs) {
    const v = minor(a.kubernetesVersion);
    add({ path: b.paths.serviceCidr, field: "serviceCidr", from: as, to: bs, kind: v >= 33 ? "in-place" : "new-cluster", note: v >= 33 ? "Kubernetes 1.33+ can extend the service range through the ServiceCIDR API (not through az aks)" : `the service CIDR can't change after creation before Kubernetes 1.33 (the running cluster is ${a.kubernetesVersion ?? "of unknown version"})` });
  }
  if (a.dnsServiceIp.addr.toString() !== b.dnsServiceIp.addr.toString()) {
    add({ path: b.dnsServiceIp.path, field: "dnsServiceIP", from: a.dnsServiceIp.addr.toString(), to: b.dnsServiceIp.addr.toString(), kind: "new-cluster", note: "the DNS service IP is fixed at creation" });
  }
  // Outbound.
  if (a.outbound.type !== b.outbound.type) {
    const ok = outboundAllowed(a.outbound.type, b.outbound.type, b.vnet.managed);
    add({ path: b.paths.outboundType, field: "outboundType", from: a.outbound.type, to: b.outbound.type, kind: ok ? "migration" : "new-cluster", command: ok ? `${az} --outbound-type ${b.outbound.type}` : undefined, note: ok ? "supported outbound-type migration (CLI 2.56+); egress IPs change" : `${a.outbound.type} → ${b.outbound.type} is not in AKS's outbound migration matrix${b.vnet.managed ? " for a managed VNet" : " for your own VNet"}` });
  } else {
    const la = a.outbound.loadBalancer, lb = b.outbound.loadBalancer;
    if (la && lb && la.managedOutboundIps !== lb.managedOutboundIps) add({ path: b.paths.managedOutboundIps, field: "managedOutboundIPs", from: String(la.managedOutboundIps), to: String(lb.managedOutboundIps), kind: "in-place", command: `${az} --load-balancer-managed-outbound-ip-count ${lb.managedOutboundIps}`, note: "egress IPs change" });
    if (la && lb && la.allocatedOutboundPorts !== lb.allocatedOutboundPorts) add({ path: b.paths.allocatedOutboundPorts, field: "allocatedOutboundPorts", from: String(la.allocatedOutboundPorts), to: String(lb.allocatedOutboundPorts), kind: "in-place", command: `${az} --load-balancer-outbound-ports ${lb.allocatedOutboundPorts}`, note: "SNAT ports are reallocated; open connections may drop" });
    if (a.outbound.natGatewayIps !== b.outbound.natGatewayIps && b.outbound.natGatewayIps !== undefined) add({ path: b.paths.natGatewayIps, field: "natGatewayIPs", from: String(a.outbound.natGatewayIps ?? null), to: String(b.outbound.natGatewayIps), kind: "in-place", command: `${az} --nat-gateway-managed-outbound-ip-count ${b.outbound.natGatewayIps}`, note: "" });
  }
  // VNet.
  if (a.vnet.name.toLowerCase() !== b.vnet.name.toLowerCase()) {
    add({ path: b.vnet.path, field: "vnet", from: a.vnet.name, to: b.vnet.name, kind: "new-cluster", note: "a cluster can't move to another VNet" });
  } else {
    const sa = list(a.vnet.addressSpace), sb = list(b.vnet.addressSpace);
    if (sa !== sb) add({ path: b.vnet.path, field: "vnet address space", from: sa, to: sb, kind: "in-place", command: `az network vnet update -g <vnet-resource-group> -n ${b.vnet.name} --address-prefixes ${b.vnet.addressSpace.map((x) => x.prefix).join(" ")}`, note: "a VNet change, not an AKS one; peerings need a sync" });
    for (const s of b.vnet.subnets) {
      const old = a.vnet.subnets.find((x) => x.name.toLowerCase() === s.name.toLowerCase());
      const used = b.pools.some((p) => p.nodeSubnet === s.name || p.podSubnet === s.name);
      if (old && old.prefixes.join(",") !== s.prefixes.join(",") && used) {
        add({ path: s.path, field: `subnet ${s.name}`, from: old.prefixes.join(","), to: s.prefixes.join(","), kind: "new-pool", note: "a subnet in use by node pools can't be resized safely: add a pool on a new, larger subnet, then drain and delete the old pool" });
      }
    }
  }
  // Pools.
  for (const pb of b.pools) {
    const pa = a.pools.find((x) => x.name.toLowerCase() === pb.name.toLowerCase());
    if (!pa) {
      add({ path: pb.path, field: `pool ${pb.name}`, from: null, to: "added", kind: "in-place", command: addPoolCommand(b, pb), note: "a new node pool" });
      continue;
    }
    poolDiff(pa, pb, b, add);
  }
  for (const pa of a.pools) {
    if (!b.pools.some((x) => x.name.toLowerCase() === pa.name.toLowerCase())) add({ path: pa.path, field: `pool ${pa.name}`, from: "present", to: null, kind: "in-place", command: `az aks nodepool delete -g <resource-group> --cluster-name ${b.name} -n ${pa.name}`, note: "drain workloads first" });
  }
  const verdict = out.reduce<ChangeKind | "none">((v, c) => (v === "none" || RANK[c.kind] > RANK[v] ? c.kind : v), "none");
  const blockedBy = out.flatMap((c) => c.blockedBy ?? []);
  // A new cluster rules out every in-place step: nothing is run against the old cluster.
  const changes = verdict === "new-cluster" ? out.map(({ command: _c, blockedBy: _b, unblock: _u, ...c }) => c) : out;
  return {
    cluster: { name: b.name, model: a.model },
    changes,
    verdict,
    ...(blockedBy.length && verdict !== "new-cluster" ? { blockedBy } : {}),
    ...(verdict === "new-cluster" ? { note: "a new cluster is needed, so no change is made with az commands on this one: create the new cluster with the wanted configuration and move the workloads" } : {}),
  };
}

/** `b` with every field it leaves to a default taken from `a` (the running value is kept). */
function keepUnwritten(a: Cluster, b: Cluster): Cluster {
  const keep = <T>(field: string, av: T, bv: T): T => (wrote(b, field) ? bv : av);
  // A new file without a VNet keeps the running cluster's VNet, and its pools their subnets.
  const keepVnet = !wrote(b, "vnet") && wrote(a, "vnet");
  const pools = b.pools.map((pb) => {
    const pa = a.pools.find((x) => x.name.toLowerCase() === pb.name.toLowerCase());
    if (!pa) return keepVnet ? { ...pb, nodeSubnet: a.pools[0]?.nodeSubnet ?? pb.nodeSubnet } : pb;
    return {
      ...pb,
      ...(keepVnet ? { nodeSubnet: pa.nodeSubnet, podSubnet: pa.podSubnet } : {}),
      maxPods: keep(`${pb.name}.maxPods`, pa.maxPods, pb.maxPods),
      count: keep(`${pb.name}.count`, pa.count, pb.count),
      ...(wrote(b, `${pb.name}.maxSurge`) ? {} : { maxSurge: pa.maxSurge, maxSurgeText: pa.maxSurgeText }),
    };
  });
  const lbA = a.outbound.loadBalancer, lbB = b.outbound.loadBalancer;
  const outbound = a.outbound.type === b.outbound.type || !wrote(b, "outboundType")
    ? {
      ...a.outbound,
      ...(wrote(b, "outboundType") ? { type: b.outbound.type } : {}),
      ...(lbA && lbB ? { loadBalancer: { ...lbB, managedOutboundIps: keep("managedOutboundIPs", lbA.managedOutboundIps, lbB.managedOutboundIps), allocatedOutboundPorts: keep("allocatedOutboundPorts", lbA.allocatedOutboundPorts, lbB.allocatedOutboundPorts) } } : {}),
      ...(b.outbound.natGatewayIps !== undefined ? { natGatewayIps: keep("natGatewayIPs", a.outbound.natGatewayIps, b.outbound.natGatewayIps) } : {}),
    }
    : b.outbound;
  const model = wrote(b, "networkPlugin") ? b.model : a.model;
  return {
    ...b,
    model,
    dataplane: keep("networkDataplane", a.dataplane, b.dataplane),
    policy: keep("networkPolicy", a.policy, b.policy),
    podCidrs: a.podCidrs.length ? keep("podCidr", a.podCidrs, b.podCidrs) : b.podCidrs,
    serviceCidrs: keep("serviceCidr", a.serviceCidrs, b.serviceCidrs),
    dnsServiceIp: keep("dnsServiceIP", a.dnsServiceIp, b.dnsServiceIp),
    outbound,
    vnet: keepVnet ? a.vnet : b.vnet,
    pools,
  };
}

function addPoolCommand(c: Cluster, p: Pool): string {
  const parts = [`az aks nodepool add -g <resource-group> --cluster-name ${c.name} -n ${p.name}`, `--node-count ${p.count}`, `--max-pods ${p.maxPods}`];
  if (p.autoscale) parts.push(`--enable-cluster-autoscaler --min-count ${p.minCount ?? p.count} --max-count ${p.maxCount}`);
  if (!c.vnet.managed) parts.push(`--vnet-subnet-id <${p.nodeSubnet} subnet id>`);
  if (p.podSubnet) parts.push(`--pod-subnet-id <${p.podSubnet} subnet id>`);
  if (p.osType === "Windows") parts.push("--os-type Windows");
  parts.push(`--max-surge ${p.maxSurgeText}`);
  return parts.join(" ");
}

function poolDiff(a: Pool, b: Pool, c: Cluster, add: (c: Change) => void): void {
  const np = `az aks nodepool update -g <resource-group> --cluster-name ${c.name} -n ${b.name}`;
  const recreate = (field: string, path: string, from: string, to: string, why: string) =>
    add({ path, field: `${b.name}.${field}`, from, to, kind: "new-pool", command: addPoolCommand(c, { ...b, name: `${b.name.slice(0, 10)}2` }), note: `${why}: add a new pool with the new value, move workloads, delete the old pool` });
  if (a.maxPods !== b.maxPods) recreate("maxPods", b.paths.maxPods, String(a.maxPods), String(b.maxPods), "maxPods can't change on an existing pool");
  if (a.nodeSubnet !== b.nodeSubnet) recreate("nodeSubnet", b.paths.nodeSubnet, a.nodeSubnet, b.nodeSubnet, "a pool's subnet can't change");
  if ((a.podSubnet ?? "") !== (b.podSubnet ?? "") && c.model !== "azure-cni-overlay" && c.model !== "kubenet") recreate("podSubnet", b.paths.podSubnet, a.podSubnet ?? "none", b.podSubnet ?? "none", "a pool's pod subnet can't change");
  if (a.podIpAllocation !== b.podIpAllocation && b.podSubnet) recreate("podIpAllocation", b.paths.podSubnet, a.podIpAllocation, b.podIpAllocation, "existing pools can't switch pod IP allocation mode");
  if (a.osType !== b.osType) recreate("osType", b.paths.osType, a.osType, b.osType, "a pool's OS can't change");
  if (a.mode !== b.mode) add({ path: b.paths.mode, field: `${b.name}.mode`, from: a.mode, to: b.mode, kind: "in-place", command: `${np} --mode ${b.mode}`, note: "" });
  if (a.autoscale !== b.autoscale || a.minCount !== b.minCount || a.maxCount !== b.maxCount) {
    const cmd = b.autoscale ? `${np} ${a.autoscale ? "--update-cluster-autoscaler" : "--enable-cluster-autoscaler"} --min-count ${b.minCount ?? b.count} --max-count ${b.maxCount}` : `${np} --disable-cluster-autoscaler`;
    add({ path: b.autoscale ? b.paths.maxCount : b.path, field: `${b.name}.autoscale`, from: a.autoscale ? `${a.minCount ?? a.count}-${a.maxCount}` : "off", to: b.autoscale ? `${b.minCount ?? b.count}-${b.maxCount}` : "off", kind: "in-place", command: cmd, note: "check the subnet still fits the new max (aksnet check)" });
  } else if (a.count !== b.count && !b.autoscale) {
    add({ path: b.paths.count, field: `${b.name}.count`, from: String(a.count), to: String(b.count), kind: "in-place", command: `az aks nodepool scale -g <resource-group> --cluster-name ${c.name} -n ${b.name} --node-count ${b.count}`, note: "" });
  }
  if (a.maxSurgeText !== b.maxSurgeText) add({ path: b.paths.maxSurge, field: `${b.name}.maxSurge`, from: a.maxSurgeText, to: b.maxSurgeText, kind: "in-place", command: `${np} --max-surge ${b.maxSurgeText}`, note: "" });
}

/** AKS's outbound-type migration matrix. [D:egress-outboundtype] */
function outboundAllowed(from: string, to: string, managedVnet: boolean): boolean {
  if (managedVnet) {
    const m: Record<string, string[]> = {
      loadBalancer: ["managedNATGatewayV2", "managedNATGateway", "none", "block"],
      managedNATGateway: ["managedNATGatewayV2", "none", "block"],
      managedNATGatewayV2: [],
      none: ["loadBalancer", "managedNATGateway", "managedNATGatewayV2", "block"],
      block: ["loadBalancer", "managedNATGateway", "managedNATGatewayV2", "none"],
    };
    return (m[from] ?? []).includes(to);
  }
  const byo = ["loadBalancer", "userAssignedNATGateway", "userDefinedRouting", "none"];
  return byo.includes(from) && byo.includes(to);
}
