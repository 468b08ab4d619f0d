// The checks: the errors AKS would raise, found offline, and the warnings it would not raise but
// should. Each finding names its code (AKS's own where one exists), a path into the input and what
// to do next; capacity findings carry the smallest prefix that fits and a free range in the VNet.
import { groupDigits } from "../text.ts";
import { cidr } from "../cidr/engine.ts";
import { Prefix } from "../ip/prefix.ts";
import type { Addr } from "../ip/addr.ts";
import {
  AKS_RESERVED_RANGES, AZURE_NPM_NODE_LIMIT, CLUSTER_NODE_LIMIT, LB_DEFAULT_PORT_TABLE, LB_MANAGED_IPS_MAX, LB_PORTS_PER_IP, LB_PORT_MULTIPLE,
  MAX_PODS_MAX, MAX_PODS_MIN, MIN_PODS_PER_POOL, MODEL_NODE_LIMIT, NAT_MAX_IPS, PRIVATE_RANGES, RETIREMENT, SERVICE_CIDR_MIN_LEN_V4,
  SERVICE_CIDR_MIN_LEN_V6, SMALLEST_SUBNET_LEN, VNET_PRIVATE_IP_LIMIT, CILIUM_DUAL_STACK_FROM_MINOR, STATIC_BLOCK_POD_SUBNET_MIN_LEN,
  SERVICE_CIDR_SUGGESTED_MIN_LEN_V4,
} from "./constants.ts";
import { lbDefaultPortsPerNode, podRangeIpsPerNode, smallestPodRangeLen, smallestSubnetLen } from "./capacity.ts";
import type { Cluster, NamedPrefix } from "./model.ts";
import type { Finding, PodRangePlan, PoolPlan, Severity, SnatPlan, SubnetPlan } from "./result.ts";

/** How to give a subnet's range that the input names but does not hold (the planner's fix; the dataplane's hint). */
export const subnetRangeFix = (name: string): string => `pass the VNet (--vnet vnet.json, from az network vnet show -o json) or the subnet's range (--subnet ${name}=CIDR)`;

export type { Finding, Severity } from "./result.ts";

/** Addresses a VNet can never use. [VNET-FAQ] */
const VNET_FORBIDDEN = ["224.0.0.0/4", "255.255.255.255/32", "127.0.0.0/8", "168.63.129.16/32"] as const;

const fmt = groupDigits;
const P = (t: string) => Prefix.parse(t);
/** "1 node", "3 nodes", "1,024 addresses". */
const plural = (n: number, one: string, many = `${one}s`) => `${fmt(n)} ${n === 1 ? one : many}`;
const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const minorOf = (v?: string) => { const m = /^v?1\.(\d+)/.exec(v ?? ""); return m ? Number(m[1]) : undefined; };

interface Partial {
  subnets: SubnetPlan[];
  podRanges: PodRangePlan[];
  pools: PoolPlan[];
  snat: SnatPlan;
}

/**
 * Today's date (YYYY-MM-DD) for retirement checks. AKSNET_TODAY pins it, so a report can be
 * reproduced and golden tests do not change when a date passes.
 */

/**
 * Overlapping pairs (subnets, VNet ranges) reported one by one; past this many, one finding counts
 * the rest. A VNet with the same subnet 300 times had 44,850 findings and took 12 s to plan.
 */
export const MAX_OVERLAP_FINDINGS = 50;

export function today(): string {
  const pinned = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.AKSNET_TODAY;
  return pinned && /^\d{4}-\d{2}-\d{2}$/.test(pinned) ? pinned : new Date().toISOString().slice(0, 10);
}

export function checkCluster(c: Cluster, plan: Partial): Finding[] {
  const out: Finding[] = [];
  const add = (severity: Severity, code: string, path: string, message: string, fix?: string, patch?: Finding["patch"]) => out.push({ code, severity, message, path, ...(fix ? { fix } : {}), ...(fix && patch ? { patch } : {}) });
  const engine = cidr();
  const space4 = c.vnet.addressSpace.map((x) => x.prefix.masked()).filter((p) => p.family === 4);
  const subnetPrefixes = c.vnet.subnets.flatMap((s) => s.prefixes.map((p) => p.masked()));
  const externals = c.external.flatMap((e) => e.prefixes.map((p) => ({ ...p, net: e })));

  /** A free range of length `bits` in the VNet, avoiding every subnet (best fit). */
  // One search per prefix length (a fix can cite it for every subnet of that length).
  const freeByBits = new Map<number, string | undefined>();
  const freeInVnet = (bits: number): string | undefined => {
    if (!freeByBits.has(bits)) freeByBits.set(bits, freeInVnetOnce(bits));
    return freeByBits.get(bits);
  };
  const freeInVnetOnce = (bits: number): string | undefined => {
    if (bits < 0 || !space4.length) return undefined;
    // Pod and service ranges are avoided too, unless one covers a whole address range of the VNet
    // (that is an error of its own, and avoiding it would leave no room to suggest).
    const clusterRanges = [...c.podCidrs, ...c.serviceCidrs].map((p) => p.prefix.masked()).filter((r) => !space4.some((v) => r.contains(v)));
    const used = [...subnetPrefixes, ...clusterRanges, ...AKS_RESERVED_RANGES.map(P), ...VNET_FORBIDDEN.map(P)];
    return engine.allocate(space4, used.filter((p) => p.family === 4), bits, 1, 4)[0]?.toString();
  };
  /** A free private range of length `bits` clear of the VNet, peered, on-prem, cluster and reserved ranges. */
  // Ranges already suggested for one field are not suggested again for another.
  const suggested: Prefix[] = [];
  const freePrivate = (bits: number, also: Prefix[] = []): string | undefined => {
    const used = [
      ...space4, ...subnetPrefixes, ...externals.map((e) => e.prefix.masked()), ...AKS_RESERVED_RANGES.map(P),
      ...c.podCidrs.map((p) => p.prefix.masked()), ...c.serviceCidrs.map((p) => p.prefix.masked()), ...also, ...suggested,
    ].filter((p) => p.family === 4);
    const got = engine.allocate(PRIVATE_RANGES.map(P), used, bits, 1, 4)[0];
    if (got) suggested.push(got);
    return got?.toString();
  };

  // ---- Host bits ----
  const hostBits = (np: NamedPrefix, what: string, strict: boolean, field?: string) => {
    if (np.prefix.hasHostBits) {
      add(strict ? "error" : "warning", "HostBitsSet", np.path,
        `${what} ${np.prefix} has host bits set; it means ${np.prefix.masked()}.${strict ? " Azure rejects such a prefix (InvalidCIDRNotation)." : ""} Write ${np.prefix.masked()}.`, `use ${np.prefix.masked()}`,
        field ? [{ field, value: np.prefix.masked().toString() }] : undefined);
    }
  };
  if (!c.vnet.managed) {
    c.vnet.addressSpace.forEach((np) => hostBits(np, "VNet address space", true));
    c.vnet.subnets.filter((s) => s.unknown).forEach((s) => {
      const users = c.pools.filter((p) => p.nodeSubnet === s.name || p.podSubnet === s.name).map((p) => p.name);
      const need = plan.subnets.find((x) => x.name === s.name)?.required ?? 0;
      const isPods = c.pools.every((p) => p.nodeSubnet !== s.name);
      const len = need > 0 ? (isPods ? smallestPodRangeLen(c.pools.filter((p) => p.podSubnet === s.name).every((p) => p.podIpAllocation === "StaticBlock") ? "azure-cni-static-block" : "azure-cni-pod-subnet", need) : smallestSubnetLen(need)) : -1;
      add("warning", "SubnetRangeUnknown", s.path, `Subnet ${s.name} (pools ${users.join(", ")}) is named but its range is not in the input, so its size, its overlaps and the nodes it holds are not checked${need > 0 ? `; the pools need ${plural(need, "address", "addresses")} there at full scale with surge${len > 0 ? ` (a /${len} or larger)` : ""}` : ""}.`,
        subnetRangeFix(s.name));
    });
    c.vnet.subnets.forEach((s) => s.prefixes.forEach((p) => hostBits({ prefix: p, path: s.path }, `subnet ${s.name}`, true, s.prefixes.filter((q) => q.family === p.family).length === 1 ? `subnet:${s.name}` : undefined)));
  }
  c.podCidrs.forEach((np) => hostBits(np, "podCidr", false, c.podCidrs.filter((q) => q.prefix.family === np.prefix.family).length === 1 ? "podCidr" : undefined));
  c.serviceCidrs.forEach((np) => hostBits(np, "serviceCidr", false, c.serviceCidrs.filter((q) => q.prefix.family === np.prefix.family).length === 1 ? "serviceCidr" : undefined));
  externals.forEach((e) => hostBits(e, `${e.net.kind} range ${e.net.name}`, false));

  // ---- VNet and subnets ----
  if (!c.vnet.managed && !c.vnet.unknownSpace) {
    const sp = c.vnet.addressSpace;
    const spacePairs = engine.overlappingPairsUpTo(sp.map((x) => x.prefix.masked()), MAX_OVERLAP_FINDINGS);
    for (let k = 0; k < spacePairs.pairs.length; k += 2) {
      const i = spacePairs.pairs[k], j = spacePairs.pairs[k + 1];
      add("error", "VnetAddressSpaceOverlap", sp[j].path, `VNet address ranges ${sp[i].prefix} and ${sp[j].prefix} overlap. Remove or change one of them.`);
    }
    if (spacePairs.total > spacePairs.pairs.length / 2) add("error", "VnetAddressSpaceOverlap", c.vnet.path, `${spacePairs.total - spacePairs.pairs.length / 2} more pairs of VNet address ranges overlap (the first ${MAX_OVERLAP_FINDINGS} are listed).`);
    const spaceSet = engine.set(sp.map((x) => x.prefix.masked()));
    const flat = c.vnet.subnets.flatMap((s) => s.prefixes.map((p) => ({ s, p: p.masked() })));
    for (const { s, p } of flat) {
      if (!spaceSet.contains(p)) add("error", "SubnetOutsideVnet", s.path, `Subnet ${s.name} (${p}) is not inside the VNet address space ${sp.map((x) => x.prefix).join(", ")}. Add its range to the VNet or move the subnet.`, p.family === 4 ? freeInVnet(p.bits) && `a free /${p.bits} in the VNet: ${freeInVnet(p.bits)}` : undefined, p.family === 4 && s.prefixes.length === 1 && freeInVnet(p.bits) ? [{ field: `subnet:${s.name}`, value: freeInVnet(p.bits)! }] : undefined);
      if (p.family === 4 && p.bits > SMALLEST_SUBNET_LEN) add("error", "SubnetTooSmall", s.path, `Subnet ${s.name} is a /${p.bits}; Azure's smallest IPv4 subnet is a /${SMALLEST_SUBNET_LEN}.`);
    }
    const subnetPairs = engine.overlappingPairsUpTo(flat.map((x) => x.p), MAX_OVERLAP_FINDINGS);
    if (subnetPairs.total > subnetPairs.pairs.length / 2) add("error", "SubnetOverlap", c.vnet.path, `${subnetPairs.total - subnetPairs.pairs.length / 2} more pairs of overlapping subnet ranges are not listed (the first ${MAX_OVERLAP_FINDINGS} are).`);
    for (let k = 0; k < subnetPairs.pairs.length; k += 2) {
      const i = subnetPairs.pairs[k], j = subnetPairs.pairs[k + 1];
      if (flat[i].s === flat[j].s) continue;
      add("error", "SubnetOverlap", flat[j].s.path, `Subnets ${flat[i].s.name} (${flat[i].p}) and ${flat[j].s.name} (${flat[j].p}) overlap; Azure rejects overlapping subnets.`, freeInVnet(flat[j].p.bits) && `move ${flat[j].s.name} to a free /${flat[j].p.bits}: ${freeInVnet(flat[j].p.bits)}`, flat[j].p.family === 4 && flat[j].s.prefixes.length === 1 && freeInVnet(flat[j].p.bits) ? [{ field: `subnet:${flat[j].s.name}`, value: freeInVnet(flat[j].p.bits)! }] : undefined);
    }
    for (const np of sp) {
      const hits = [...AKS_RESERVED_RANGES, ...VNET_FORBIDDEN].filter((r) => np.prefix.masked().overlaps(P(r)));
      if (hits.length) add("error", "ReservedRangeOverlap", np.path, `VNet address range ${np.prefix} overlaps ${hits.join(", ")}, which ${hits.every((r) => (AKS_RESERVED_RANGES as readonly string[]).includes(r)) ? "AKS can't use for the VNet, pods or services" : "a VNet or AKS can't use"}. Choose another range.`);
      for (const e of externals) {
        if (np.prefix.masked().overlaps(e.prefix.masked())) add("error", e.net.kind === "peered" ? "VnetOverlapPeeredNetwork" : "VnetOverlapOnPremises", np.path, `VNet range ${np.prefix} overlaps ${e.net.kind} network ${e.net.name} (${e.prefix}); traffic between them can't be routed. Renumber one side.`);
      }
    }
  }

  // ---- Pod CIDR ----
  const podCidrModel = c.model === "kubenet" || c.model === "azure-cni-overlay" || c.model === "byo";
  if (podCidrModel) {
    for (const np of c.podCidrs) {
      const p = np.prefix.masked();
      const hitSubnet = c.vnet.subnets.find((s) => s.prefixes.some((x) => x.masked().overlaps(p)));
      const hitSpace = c.vnet.addressSpace.find((x) => x.prefix.masked().overlaps(p));
      const fix = lazy(() => (p.family === 4 ? freePrivate(p.bits) : undefined));
      if (hitSubnet) {
        add("error", "NetworkProfileCIDROverlapVNET", np.path, `podCidr ${np.prefix} overlaps subnet ${hitSubnet.name} (${hitSubnet.prefixes.join(", ")}). Pick a pod CIDR outside the VNet's subnets.`, fix() && `a free /${p.bits}: ${fix()}`, fix() ? [{ field: "podCidr", value: fix()! }] : undefined);
      } else if (hitSpace && !c.vnet.managed) {
        if (c.model === "azure-cni-overlay") {
          add("warning", "PodCidrOverlapVnetSpace", np.path, `podCidr ${np.prefix} overlaps the VNet address space ${hitSpace.prefix} but no subnet. AKS accepts this since 2024-10-25 (it checks subnets only), but a subnet added there later will conflict.`, fix() && `a range clear of the VNet: ${fix()}`);
        } else {
          add("error", "NetworkProfileCIDROverlapVNET", np.path, `podCidr ${np.prefix} overlaps the VNet address space ${hitSpace.prefix}. Pick a pod CIDR outside the VNet.`, fix() && `a free /${p.bits}: ${fix()}`, fix() ? [{ field: "podCidr", value: fix()! }] : undefined);
        }
      }
      for (const s of c.serviceCidrs) if (s.prefix.masked().overlaps(p)) add("error", "PodCidrOverlapServiceCidr", np.path, `podCidr ${np.prefix} overlaps serviceCidr ${s.prefix}. They must be disjoint.`, fix() && `a free /${p.bits}: ${fix()}`, fix() ? [{ field: "podCidr", value: fix()! }] : undefined);
      const reserved = AKS_RESERVED_RANGES.filter((r) => p.overlaps(P(r)));
      if (reserved.length) add("error", "ReservedRangeOverlap", np.path, `podCidr ${np.prefix} overlaps ${reserved.join(", ")}, which AKS can't use for pods.`, fix() && `a free /${p.bits}: ${fix()}`, fix() ? [{ field: "podCidr", value: fix()! }] : undefined);
      for (const e of externals) {
        if (p.overlaps(e.prefix.masked())) add("error", e.net.kind === "peered" ? "PodCidrOverlapPeeredNetwork" : "PodCidrOverlapOnPremises", np.path, `podCidr ${np.prefix} overlaps ${e.net.kind} network ${e.net.name} (${e.prefix}); replies to pods would be routed there.`, fix() && `a free /${p.bits}: ${fix()}`, fix() ? [{ field: "podCidr", value: fix()! }] : undefined);
      }
      if (c.model === "azure-cni-overlay" && p.family === 4 && !PRIVATE_RANGES.some((r) => P(r).contains(p))) {
        add("warning", "PodCidrNotPrivate", np.path, `podCidr ${np.prefix} is not in RFC 1918 or RFC 6598 (100.64.0.0/10) space; AKS accepts it but it is outside the support scope.`, fix() && `a private /${p.bits}: ${fix()}`);
      }
    }
    // AKS has no IPv6-only clusters: an IPv6 pod CIDR needs an IPv4 one beside it (dual-stack).
    const v6 = c.podCidrs.filter((x) => x.prefix.family === 6);
    if (v6.length && !c.podCidrs.some((x) => x.prefix.family === 4)) {
      add("error", "PodCidrFamilyMismatch", v6[0].path, `podCidr ${v6.map((x) => x.prefix).join(",")} is IPv6 only, but AKS has no IPv6-only clusters${c.ipFamilies && !c.ipFamilies.includes("IPv6") ? ` and ipFamilies is ${c.ipFamilies.join(",")}` : ""}: an IPv4 pod CIDR is required (dual-stack: both, with ipFamilies [IPv4, IPv6]).`, "give an IPv4 pod CIDR, e.g. 10.244.0.0/16");
    } else if (v6.length && c.ipFamilies && !c.ipFamilies.includes("IPv6")) {
      add("error", "PodCidrFamilyMismatch", v6[0].path, `podCidr ${v6[0].prefix} is IPv6, but ipFamilies is ${c.ipFamilies.join(",")} (single-stack IPv4).`, "remove the IPv6 pod CIDR, or set ipFamilies [IPv4, IPv6] for dual-stack");
    }
    for (const x of v6) {
      if (x.prefix.bits < 8) add("error", "PodCidrTooLarge", x.path, `IPv6 podCidr ${x.prefix} covers ${x.prefix.bits === 0 ? "every IPv6 address" : "most of the IPv6 space"}; it overlaps every other network.`, "use a unique local /64, e.g. fd12:3456:789a::/64");
    }
  } else if (!c.provenance.some((x) => x.field === "podCidr") && c.podCidrs.length) {
    add("warning", "PodCidrIgnored", c.podCidrs[0].path, `podCidr ${c.podCidrs[0].prefix} is ignored by ${c.model}: pods take addresses from ${c.model === "azure-cni" ? "the node subnet" : "the pod subnet"}. The az CLI refuses it: "specify network plugin mode overlay when using pod_cidr".`, "remove podCidr, or use network plugin mode overlay");
  }

  // ---- Service CIDR and DNS service IP ----
  for (const np of c.serviceCidrs) {
    const p = np.prefix.masked();
    // A suggested service range is never the /12 the tool itself warns about, nor any range in use.
    const svcLen = Math.max(p.bits, SERVICE_CIDR_SUGGESTED_MIN_LEN_V4);
    const freeSvc = lazy(() => (p.family === 4 ? freePrivate(svcLen) : undefined));
    const fixText = lazy(() => { const f = freeSvc(); return f && `a free /${svcLen}: ${f} (then dnsServiceIP ${tenth(f)})`; });
    const svcPatch = lazy(() => { const f = freeSvc(); return f ? [{ field: "serviceCidr", value: f }, { field: "dnsServiceIp", value: tenth(f) }] : undefined; });
    const subnetHits = c.vnet.subnets.filter((s) => s.prefixes.some((x) => x.masked().overlaps(p)));
    if (subnetHits.length) {
      add("error", "ServiceCidrOverlapExistingSubnetsCidr", np.path, `The specified service CIDR ${np.prefix} is conflicted with an existing subnet CIDR ${subnetHits[0].prefixes[0]} (${subnetHits.map((s) => s.name).join(", ")}). Choose a service CIDR outside the VNet.`, fixText(), svcPatch());
    } else if (c.vnet.addressSpace.some((x) => x.prefix.masked().overlaps(p))) {
      add("error", "ServiceCidrOverlapVnet", np.path, `serviceCidr ${np.prefix} overlaps the VNet address space ${c.vnet.addressSpace.map((x) => x.prefix).join(", ")}; no network element on or connected to the VNet may use it.`, fixText(), svcPatch());
    }
    const reservedSvc = AKS_RESERVED_RANGES.filter((r) => p.overlaps(P(r)));
    if (reservedSvc.length) add("error", "ReservedRangeOverlap", np.path, `serviceCidr ${np.prefix} overlaps ${reservedSvc.join(", ")}, which AKS can't use for services.`, fixText(), svcPatch());
    for (const e of externals) {
      if (p.overlaps(e.prefix.masked())) add("error", e.net.kind === "peered" ? "ServiceCidrOverlapPeeredNetwork" : "ServiceCidrOverlapOnPremises", np.path, `serviceCidr ${np.prefix} overlaps ${e.net.kind} network ${e.net.name} (${e.prefix}); pods could not reach it.`, fixText(), svcPatch());
    }
    if (p.family === 4 && p.bits < SERVICE_CIDR_MIN_LEN_V4) add("error", "ServiceCidrTooLarge", np.path, `serviceCidr ${np.prefix} is larger than /${SERVICE_CIDR_MIN_LEN_V4}; kube-apiserver rejects it.`, fixText(), svcPatch());
    else if (p.family === 4 && p.bits === SERVICE_CIDR_MIN_LEN_V4) add("warning", "ServiceCidrTooLarge", np.path, `serviceCidr ${np.prefix} is a /12; AKS documents "smaller than /12", so use /13 or longer to be safe.`, fixText(), svcPatch());
    if (p.family === 6 && p.bits < SERVICE_CIDR_MIN_LEN_V6) add("error", "ServiceCidrTooLarge", np.path, `IPv6 serviceCidr ${np.prefix} is larger than /${SERVICE_CIDR_MIN_LEN_V6}, the most AKS allows.`);
  }
  const dns = c.dnsServiceIp.addr;
  const sameFam = c.serviceCidrs.filter((s) => s.prefix.family === dns.family);
  const inSvc = sameFam.find((s) => s.prefix.masked().contains(dns));
  if (!inSvc) {
    const first = c.serviceCidrs[0]?.prefix.masked();
    add("error", "DnsServiceIpOutOfServiceCidr", c.dnsServiceIp.path, `The DNS service IP ${dns} is out of the range defined by service CIDR ${c.serviceCidrs.map((s) => s.prefix).join(",")}.`, first ? `use ${tenth(first.toString())}, the .10 address of ${first}` : undefined, first ? [{ field: "dnsServiceIp", value: tenth(first.toString()) }] : undefined);
  } else {
    const r = inSvc.prefix.masked();
    const off = dns.value - r.first.value;
    if (off === 0n || off === 1n) {
      add("error", "DnsServiceIpReserved", c.dnsServiceIp.path, `dnsServiceIP ${dns} is the ${off === 0n ? "network address" : "first address"} of ${r}; the first address belongs to kubernetes.default.svc.`, `use ${tenth(r.toString())}`, [{ field: "dnsServiceIp", value: tenth(r.toString()) }]);
    } else if (dns.family === 4 && dns.value === r.last.value) {
      add("warning", "DnsServiceIpBroadcast", c.dnsServiceIp.path, `dnsServiceIP ${dns} is the last (broadcast) address of ${r}; aks-engine rejected this and AKS may too.`, `use ${tenth(r.toString())}`, [{ field: "dnsServiceIp", value: tenth(r.toString()) }]);
    }
  }
  if (c.dockerBridgeCidr) add("info", "DockerBridgeCidrDeprecated", c.dockerBridgeCidr.path, "dockerBridgeCidr is deprecated and ignored by current AKS (removed from the docs 2023-08). Remove it.");

  // ---- Model, dataplane, policy, dual-stack ----
  const dual = c.podCidrs.some((p) => p.prefix.family === 6) || c.serviceCidrs.some((p) => p.prefix.family === 6);
  if (c.dataplane === "cilium" && (c.model === "kubenet" || c.model === "byo")) {
    add("error", "DataplaneNotSupported", c.paths.networkDataplane, `The Cilium dataplane runs on Azure CNI (overlay, pod subnet or node subnet), not on ${c.model}.`, c.model === "kubenet" ? "migrate to Azure CNI Overlay first, then to Cilium" : undefined);
  }
  if (c.policy === "cilium" && c.dataplane !== "cilium") add("error", "NetworkPolicyNotSupported", c.paths.networkPolicy, "networkPolicy cilium requires networkDataplane cilium.", "set the dataplane to cilium, or choose another policy engine");
  if (c.dataplane === "cilium" && (c.policy === "azure" || c.policy === "calico")) add("error", "NetworkPolicyNotSupported", c.paths.networkPolicy, `With the Cilium dataplane the policy engine is Cilium; ${c.policy} can't be used.`, "set networkPolicy to cilium");
  if (c.policy === "azure" && c.model === "kubenet") add("error", "NetworkPolicyNotSupported", c.paths.networkPolicy, "Azure Network Policy Manager is not supported with kubenet.", "use calico on kubenet, or move to Azure CNI Overlay");
  if (c.model === "byo" && c.policy !== "none") add("error", "NetworkPolicyNotSupported", c.paths.networkPolicy, "With BYO CNI (plugin none) AKS installs no policy engine; bring one with your CNI.", "set networkPolicy to none");
  if (dual && (c.policy === "azure" || c.policy === "calico")) add("error", "NetworkPolicyNotSupported", c.paths.networkPolicy, `${c.policy} network policy is not supported with dual-stack.`, "use cilium (with the Cilium dataplane) for dual-stack");
  if (dual && c.model === "kubenet") {
    // kubenet dual-stack clusters exist (two routes per node: 200 nodes), but new ones can't be made.
    const existing = !!c.existing;
    add(existing ? "warning" : "error", "DualStackNotSupported", c.paths.ipFamilies,
      `kubenet dual-stack is no longer supported for new clusters (its docs were removed on 2025-03-10)${existing ? "; this existing cluster keeps working with at most 200 nodes (two routes per node)" : ""}.`,
      existing ? "plan the migration to Azure CNI Overlay, which supports dual-stack" : "use Azure CNI Overlay for dual-stack");
  } else if (dual && c.model !== "azure-cni-overlay") add("error", "DualStackNotSupported", c.paths.ipFamilies, `Dual-stack needs Azure CNI Overlay; ${c.model} is single-stack.`);
  const minor = minorOf(c.kubernetesVersion);
  if (dual && c.dataplane === "cilium" && minor !== undefined && minor < CILIUM_DUAL_STACK_FROM_MINOR) {
    add("error", "DualStackNotSupported", c.paths.kubernetesVersion ?? "kubernetesVersion", `Dual-stack with the Cilium dataplane needs Kubernetes 1.${CILIUM_DUAL_STACK_FROM_MINOR} or later (cluster: ${c.kubernetesVersion}).`, `use Kubernetes 1.${CILIUM_DUAL_STACK_FROM_MINOR} or later`);
  }
  if (dual && c.outbound.type === "managedNATGateway") add("error", "DualStackNotSupported", c.paths.outboundType, "The Standard NAT gateway is IPv4-only; dual-stack clusters can't use managedNATGateway.");
  if (c.policy === "azure") {
    const planned = plan.pools.reduce((s, p) => s + p.nodes, 0);
    if (planned > AZURE_NPM_NODE_LIMIT) add("warning", "AzureNpmScaleLimit", c.paths.networkPolicy, `Azure NPM doesn't scale beyond ${AZURE_NPM_NODE_LIMIT} nodes; this cluster plans ${fmt(planned)}.`, "use Cilium network policy");
    const now = today();
    const windowsPools = c.pools.filter((p) => p.osType === "Windows").map((p) => p.name);
    const windowsRetired = RETIREMENT.azureNpmWindows <= now;
    if (windowsRetired && windowsPools.length) {
      add("error", "RetiredOption", c.paths.networkPolicy, `Azure Network Policy Manager for Windows was retired on ${RETIREMENT.azureNpmWindows}; Windows pools: ${windowsPools.join(", ")}.`, "use Calico network policy, which supports Windows nodes");
    }
    const windows = windowsRetired ? `for Windows it was retired on ${RETIREMENT.azureNpmWindows}` : `${RETIREMENT.azureNpmWindows} for Windows`;
    add("warning", "RetiringOption", c.paths.networkPolicy, `Azure Network Policy Manager retires on ${RETIREMENT.azureNpmLinux} for Linux (${windows}).`, "plan a move to Cilium network policy");
  }
  if (c.model === "kubenet") add("warning", "RetiringOption", c.paths.networkPlugin, `kubenet retires on ${RETIREMENT.kubenet}.`, "migrate to Azure CNI Overlay: az aks update --network-plugin azure --network-plugin-mode overlay");
  const lb = c.outbound.loadBalancer;
  if (lb?.sku === "basic") add("error", "RetiredOption", c.paths.loadBalancerSku, `The Basic load balancer was retired on ${RETIREMENT.basicLoadBalancer}.`, "use the standard load balancer");

  // ---- Pools ----
  const planned = plan.pools.reduce((s, p) => s + p.nodes, 0);
  const withSurge = plan.pools.reduce((s, p) => s + p.nodes + p.surgeNodes, 0);
  if (!c.pools.some((p) => p.mode === "System")) add("error", "NoSystemPool", c.pools[0]?.paths.mode ?? "nodePools", "The cluster needs at least one System node pool.", `set mode: System on ${c.pools[0]?.name}`);
  c.pools.forEach((p) => {
    if (p.maxPods < MAX_PODS_MIN || p.maxPods > MAX_PODS_MAX) {
      add("error", "MaxPodsOutOfRange", p.paths.maxPods, `Pool ${p.name}: maxPods ${p.maxPods} is outside ${MAX_PODS_MIN}-${MAX_PODS_MAX}.`, `set maxPods between ${MAX_PODS_MIN} and ${MAX_PODS_MAX}`);
    } else if (p.maxPods < MIN_PODS_PER_POOL && p.count * p.maxPods < MIN_PODS_PER_POOL && (p.count > 0 || p.mode === "System")) {
      add("error", "MaxPodsMinimumPods", p.paths.maxPods, `Pool ${p.name}: ${p.count} node${p.count === 1 ? "" : "s"} × ${p.maxPods} pods is below the ${MIN_PODS_PER_POOL} pods every pool must have room for.`, `use at least ${Math.ceil(MIN_PODS_PER_POOL / p.maxPods)} nodes or maxPods ${Math.ceil(MIN_PODS_PER_POOL / Math.max(1, p.count))}`);
    }
    if (p.osType === "Windows") {
      if (c.model === "kubenet") add("error", "WindowsNotSupported", p.paths.osType, `Pool ${p.name}: Windows node pools need Azure CNI; kubenet doesn't support them.`);
      else if (c.dataplane === "cilium") add("error", "WindowsNotSupported", p.paths.osType, `Pool ${p.name}: Azure CNI powered by Cilium is Linux-only.`);
      if (p.mode === "System") add("error", "WindowsNotSupported", p.paths.mode, `Pool ${p.name}: a System pool must run Linux.`);
    }
    const podSubnetModel = c.model === "azure-cni-pod-subnet" || c.model === "azure-cni-static-block";
    if (podSubnetModel && !p.podSubnet) add("error", "PodSubnetMissing", p.paths.podSubnet, `Pool ${p.name} has no pod subnet; with ${c.model} every pool needs one.`, "set podSubnet to a subnet of the VNet");
    if (!podSubnetModel && p.podSubnet) add("warning", "PodSubnetIgnored", p.paths.podSubnet, `Pool ${p.name}: podSubnet is set but ${c.model} doesn't use one.`);
    if (p.podSubnet && p.podSubnet === p.nodeSubnet) add("error", "PodSubnetIsNodeSubnet", p.paths.podSubnet, `Pool ${p.name}: the pod subnet must be a different subnet from the node subnet.`);
    if (podSubnetModel && p.podIpAllocation === "StaticBlock") {
      const minor = /^v?1\.(\d+)/.exec(c.kubernetesVersion ?? "")?.[1];
      if (minor !== undefined && Number(minor) < 28) add("error", "StaticBlockNeedsKubernetes128", p.paths.podSubnet, `Pool ${p.name}: static block allocation needs Kubernetes 1.28 or later (cluster: ${c.kubernetesVersion}).`);
      if ((p.maxPods + 1) % 16 !== 0) add("info", "StaticBlockWaste", p.paths.maxPods, `Pool ${p.name}: maxPods ${p.maxPods} leaves ${podRangeIpsPerNode("azure-cni-static-block", p.maxPods) - p.maxPods - 1} addresses of its /28 blocks unused; 16·n−1 (${Math.floor((p.maxPods + 1) / 16) * 16 - 1 || 15}, ${Math.ceil((p.maxPods + 1) / 16) * 16 - 1}) fits blocks exactly.`);
    }
  });
  // Pools sharing a subnet with pools of another OS or several kubenet clusters: not knowable offline.

  // ---- Capacity: subnets and pod ranges ----
  for (const s of plan.subnets) {
    if (s.role === "unused" || s.unknown) continue;
    const sub = c.vnet.subnets.find((x) => x.name === s.name)!;
    const others = s.inUseByOthers ? ` (${plural(s.inUseByOthers, "address", "addresses")} already used by other resources counted)` : "";
    if (s.inUseByOthers) add("info", "SubnetAddressesInUse", sub.path, `Subnet ${s.name}: ${plural(s.inUseByOthers, "address is", "addresses are")} already used by resources that are not this cluster's nodes (VMs, private endpoints, internal load balancers); the plan counts them against the subnet.`);
    const isPods = s.role === "pods";
    const need = (n: number) => (isPods ? smallestPodRangeLen(c.pools.some((p) => p.podSubnet === s.name && p.podIpAllocation === "StaticBlock") && c.pools.filter((p) => p.podSubnet === s.name).every((p) => p.podIpAllocation === "StaticBlock") ? "azure-cni-static-block" : "azure-cni-pod-subnet", n) : smallestSubnetLen(n));
    const suggest = (n: number) => {
      const len = need(n);
      const free = freeInVnet(len);
      return len < 0 ? undefined : `needs a /${len} or larger${free ? `; free /${len} in the VNet: ${free}` : " (no free range of that size in the VNet: add address space)"}`;
    };
    const subnetPatch = (n: number) => { const free = freeInVnet(need(n)); return free ? [{ field: `subnet:${s.name}`, value: free }] : undefined; };
    if (s.requiredAtMax > s.usable) {
      add("error", "InsufficientSubnetSize", sub.path,
        `Pre-allocated IPs ${fmt(s.requiredAtMax)} exceeds IPs available ${fmt(s.usable)} in subnet ${s.name} (${s.cidr}), counting every pool at its autoscale max${s.required > s.requiredAtMax ? `; ${fmt(s.required)} with upgrade surge` : ""}${others}.`,
        suggest(s.required), subnetPatch(s.required));
    } else if (s.required > s.usable) {
      add("error", "SubnetIsFull", sub.path,
        `Subnet ${s.name} (${s.cidr}) holds the pools at their max (${fmt(s.requiredAtMax)} of ${fmt(s.usable)}) but not the upgrade surge (${fmt(s.required)}): scale-out or upgrade will fail with SubnetIsFull${others}.`,
        `${suggest(s.required)}; or lower maxSurge (maxSurge 0 with maxUnavailable 1 upgrades without extra nodes)`, subnetPatch(s.required));
    } else if (s.usable > 0 && s.free < s.usable * 0.1 && !isPods) {
      add("info", "SubnetNearlyFull", sub.path, `Subnet ${s.name} keeps only ${fmt(s.free)} of ${plural(s.usable, "address", "addresses")} free at full scale; internal load balancers and private endpoints also take addresses from it.`);
    }
  }
  for (const r of plan.podRanges) {
    if (r.kind !== "pod-cidr" || r.fits) continue;
    const np = c.podCidrs.find((p) => p.prefix.toString() === r.cidr)!;
    const len = smallestPodRangeLen(c.model, r.required);
    const message = `Pre-allocated IPs ${fmt(r.required)} exceeds IPs available ${fmt(r.capacity)} in podCidr ${r.cidr}: ${plural(r.slotsRequired, "node")} (surge included) need${r.slotsRequired === 1 ? "s" : ""} one /24 each, it has ${fmt(r.nodeSlots)}.`;
    if (len <= 0) { add("error", "InsufficientSubnetSize", np.path, message); continue; }
    const old = np.prefix.masked();
    // Overlay can expand the pod CIDR in place, but only to a contiguous superset, on Linux-only,
    // single-stack clusters with one pod CIDR. [D:azure-cni-overlay-pod-expand; aks-facts §1.6]
    const superset = Prefix.of(old.first, len).masked();
    const blockers = [
      ...(c.pools.some((p) => p.osType === "Windows") ? ["Windows pools"] : []),
      ...(c.podCidrs.some((p) => p.prefix.family === 6) ? ["IPv6 (dual-stack)"] : []),
      ...(c.podCidrs.filter((p) => p.prefix.family === 4).length > 1 ? ["several pod CIDRs"] : []),
    ];
    const clash = [
      ...c.vnet.subnets.flatMap((x) => x.prefixes.map((q) => ({ what: `subnet ${x.name}`, q: q.masked() }))),
      ...c.serviceCidrs.map((x) => ({ what: "the service CIDR", q: x.prefix.masked() })),
      ...AKS_RESERVED_RANGES.map((x) => ({ what: `reserved ${x}`, q: P(x) })),
      ...externals.map((e) => ({ what: `${e.net.kind} network ${e.net.name}`, q: e.prefix.masked() })),
      ...(c.vnet.managed || c.vnet.unknownSpace ? [] : c.vnet.addressSpace.map((x) => ({ what: "the VNet address space", q: x.prefix.masked() }))),
    ].find((x) => x.q.family === 4 && x.q.overlaps(superset));
    if (c.model === "azure-cni-overlay" && !blockers.length && !clash) {
      add("error", "InsufficientSubnetSize", np.path, message,
        `expand it to the contiguous superset ${superset} (a /${len}), in place: az aks update --pod-cidr ${superset} (Linux-only single-stack overlay clusters, CLI 2.48.0+)`, [{ field: "podCidr", value: superset.toString() }]);
      continue;
    }
    const free = freePrivate(len, [old]);
    const why = c.model !== "azure-cni-overlay" ? `a ${c.model} pod CIDR can't change after creation (the migration to Overlay can set a new one)`
      : blockers.length ? `expanding in place is not allowed with ${blockers.join(" or ")}`
      : `its superset ${superset} overlaps ${clash!.what}, so it can't be expanded in place`;
    // For a cluster that exists, the pod CIDR can't be replaced in place; for a plan, just use the bigger range.
    add("error", "InsufficientSubnetSize", np.path, message,
      `use a /${len} or larger${free ? `, e.g. ${free}` : ""}${c.existing ? `; ${why}, so that means a new cluster` : c.model === "azure-cni-overlay" ? ` (once created, ${why})` : ""}`, free ? [{ field: "podCidr", value: free }] : undefined);
  }
  // A static-block pod subnet is at most a /12. [aks-facts §1.5]
  for (const sub of c.vnet.subnets) {
    const users = c.pools.filter((p) => p.podSubnet === sub.name && p.podIpAllocation === "StaticBlock");
    const big = sub.prefixes.find((q) => q.family === 4 && q.bits < STATIC_BLOCK_POD_SUBNET_MIN_LEN);
    if ((c.model === "azure-cni-static-block" || c.model === "azure-cni-pod-subnet") && users.length && big) {
      add("error", "PodSubnetTooLarge", sub.path, `Subnet ${sub.name} (${big}) is a static-block pod subnet larger than /${STATIC_BLOCK_POD_SUBNET_MIN_LEN}, the most AKS allows for static block allocation.`, `use a /${STATIC_BLOCK_POD_SUBNET_MIN_LEN} or smaller pod subnet`);
    }
    // The node subnet of Azure CNI (node subnet) can't be delegated. [aks-facts §1.3]
    if (sub.delegations?.length && c.model === "azure-cni" && c.pools.some((p) => p.nodeSubnet === sub.name)) {
      add("error", "NodeSubnetDelegated", sub.path, `Subnet ${sub.name} is delegated to ${sub.delegations.join(", ")}; an Azure CNI node subnet can't be a delegated subnet.`, "remove the delegation, or use another subnet");
    }
  }

  // ---- Node limits ----
  const biggest = c.pools.reduce((a, p, k) => (plan.pools[k].nodes > plan.pools[a].nodes ? k : a), 0);
  const countPath = c.pools[biggest] ? (c.pools[biggest].autoscale ? c.pools[biggest].paths.maxCount : c.pools[biggest].paths.count) : "nodePools";
  if (c.model === "kubenet") {
    const routes = withSurge * (dual ? 2 : 1);
    if (routes > MODEL_NODE_LIMIT.kubenet) add("error", "KubenetRouteTableLimit", countPath, `kubenet needs one route per node: ${plural(withSurge, "node")} (surge included) need ${plural(routes, "route")}, over the ${MODEL_NODE_LIMIT.kubenet}-route limit of a route table.`, `stay at ${Math.floor(MODEL_NODE_LIMIT.kubenet / (dual ? 2 : 1))} nodes or fewer including surge, or move to Azure CNI Overlay`);
  }
  if (planned > CLUSTER_NODE_LIMIT) add("error", "ClusterNodeLimit", countPath, `${fmt(planned)} nodes exceed the AKS limit of ${fmt(CLUSTER_NODE_LIMIT)} nodes per cluster.`);
  if (c.model !== "kubenet" && MODEL_NODE_LIMIT[c.model] < CLUSTER_NODE_LIMIT && planned > MODEL_NODE_LIMIT[c.model]) add("error", "ModelNodeLimit", countPath, `${fmt(planned)} nodes exceed ${c.model}'s limit of ${fmt(MODEL_NODE_LIMIT[c.model])}.`);
  if (c.model === "azure-cni" || c.model === "azure-cni-pod-subnet") {
    const vnetIps = plan.pools.reduce((s, p) => s + (p.nodes + p.surgeNodes) * (p.nodeSubnetIpsPerNode + (c.model === "azure-cni" ? 0 : p.podRangeIpsPerNode)), 0);
    if (vnetIps > VNET_PRIVATE_IP_LIMIT) add("error", "VnetIpLimit", countPath, `At full scale the cluster takes ${fmt(vnetIps)} VNet addresses; a VNet holds at most ${fmt(VNET_PRIVATE_IP_LIMIT)} private IPs.`, "use Azure CNI Overlay, or static block allocation for very large pod counts");
  }

  // ---- Outbound SNAT ----
  if (c.outbound.type === "loadBalancer" && lb) {
    const ips = lb.managedOutboundIps + lb.byoOutboundIps;
    const portsPath = c.paths.allocatedOutboundPorts;
    if (lb.managedOutboundIps > LB_MANAGED_IPS_MAX || ips < 1) add("error", "InvalidLoadBalancerProfileManagedOutboundIPs", c.paths.managedOutboundIps, `managedOutboundIPs count must be 1 to ${LB_MANAGED_IPS_MAX} (it is ${lb.managedOutboundIps}).`);
    const ports = lb.allocatedOutboundPorts;
    if (ports < 0 || ports > LB_PORTS_PER_IP || ports % LB_PORT_MULTIPLE !== 0) {
      // The nearest valid value that also leaves every node (surge included) its ports.
      const nodes = Math.max(1, plan.snat.nodesCounted);
      const use = Math.min(LB_PORTS_PER_IP, Math.max(0, Math.floor(ports / LB_PORT_MULTIPLE) * LB_PORT_MULTIPLE), Math.floor((LB_PORTS_PER_IP * Math.max(1, ips)) / nodes / LB_PORT_MULTIPLE) * LB_PORT_MULTIPLE);
      add("error", "InvalidLoadBalancerProfileAllocatedOutboundPorts", portsPath, `allocatedOutboundPorts ${ports} must be a multiple of ${LB_PORT_MULTIPLE} from 0 to ${fmt(LB_PORTS_PER_IP)}.`, `use ${use}`, [{ field: "allocatedOutboundPorts", value: String(use) }]);
    } else if (ports > 0 && ips >= 1 && !plan.snat.fits) {
      const nodes = plan.snat.nodesCounted;
      const maxPorts = Math.floor((LB_PORTS_PER_IP * ips) / nodes / LB_PORT_MULTIPLE) * LB_PORT_MULTIPLE;
      const needIps = Math.ceil((nodes * ports) / LB_PORTS_PER_IP);
      add("error", "InvalidLoadBalancerProfileAllocatedOutboundPorts", portsPath,
        `Load balancer profile allocated ports ${ports} is not in an allowable range given the number of nodes and IPs provisioned. Total node count ${nodes} requires ${fmt(nodes * ports)} ports but only ${fmt(LB_PORTS_PER_IP * ips)} ports are available given ${ips} outbound public IPs.`, // AKS's own message, word for word
        `use ${plural(needIps, "outbound IP")}, or at most ${fmt(maxPorts)} ports per node`, maxPorts > 0 ? [{ field: "allocatedOutboundPorts", value: String(maxPorts) }] : undefined);
    }
    if (ports === 0) {
      const nodes = plan.snat.nodesCounted;
      if (nodes > LB_DEFAULT_PORT_TABLE[LB_DEFAULT_PORT_TABLE.length - 1].maxVms) {
        add("warning", "SnatDefaultAllocationUndocumented", portsPath, `${plural(nodes, "node")} ${nodes === 1 ? "is" : "are"} beyond the load balancer's default port table (1,000 VMs); what each node gets is undocumented.`, `set allocatedOutboundPorts explicitly (e.g. ${Math.floor((LB_PORTS_PER_IP * ips) / nodes / 8) * 8}) and add outbound IPs`);
      } else {
        const atCount = lbDefaultPortsPerNode(Math.max(1, plan.pools.reduce((s, p) => s + p.count, 0)), ips);
        const atMax = lbDefaultPortsPerNode(nodes, ips);
        if (atMax < atCount) add("info", "SnatPortsShrinkWithScale", portsPath, `With default port allocation each node gets ${fmt(atCount)} SNAT ports at ${plural(plan.pools.reduce((s, p) => s + p.count, 0), "node")} but ${fmt(atMax)} at ${fmt(nodes)}; crossing a table boundary reallocates ports and can drop connections.`, "set allocatedOutboundPorts and the outbound IP count explicitly");
      }
    }
  }
  if (c.outbound.natGatewayIps !== undefined && (c.outbound.natGatewayIps < 1 || c.outbound.natGatewayIps > NAT_MAX_IPS)) {
    add("error", "NatGatewayIpCountOutOfRange", c.paths.natGatewayIps, `A NAT gateway takes 1 to ${NAT_MAX_IPS} outbound IPs (it is ${c.outbound.natGatewayIps}).`);
  }
  if (c.outbound.type === "managedNATGateway" && !c.vnet.managed) add("error", "OutboundTypeNotSupported", c.paths.outboundType, "managedNATGateway works only with the AKS-managed VNet; with your own VNet use userAssignedNATGateway.");
  if (c.outbound.type === "userDefinedRouting" && c.vnet.managed) add("error", "OutboundTypeNotSupported", c.paths.outboundType, "userDefinedRouting needs your own VNet: the node subnet's route table must send 0.0.0.0/0 to your firewall or NVA, and the AKS-managed VNet has no such table.", "use your own VNet (with a route table on the node subnet), or outboundType loadBalancer");
  if (c.outbound.type === "userAssignedNATGateway" && c.vnet.managed) add("error", "OutboundTypeNotSupported", c.paths.outboundType, "userAssignedNATGateway needs your own VNet with a NAT gateway on the subnet.");

  // Most severe first; the order within a severity is the order of the checks.
  return out.map((f, i) => ({ f, i })).sort((a, b) => SEVERITY_RANK[a.f.severity] - SEVERITY_RANK[b.f.severity] || a.i - b.i).map((x) => x.f);
}

function lazy<T>(f: () => T): () => T {
  let done = false, v: T;
  return () => (done ? v! : ((done = true), (v = f())));
}

/** The .10 address of a range written as text (the DNS service IP convention). */
function tenth(range: string): string {
  const p = Prefix.parse(range).masked();
  const a: Addr | undefined = p.first.add(10);
  return a ? a.toString() : p.first.toString();
}
