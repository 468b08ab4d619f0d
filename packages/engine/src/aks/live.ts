// Live usage: `kubectl get nodes -o json` (node IPs, spec.podCIDR(s), the agentpool label,
// allocatable pods) and `kubectl get nodenetworkconfigs -n kube-system -o json` (the IPs each node
// holds in a pod subnet: spec.requestedIPCount, status.assignedIPCount, networkContainers[]), set
// beside the plan: how full each subnet and pod range is now against what the plan reserves.
// Field names follow the Node API (core/v1) and the NodeNetworkConfig CRD (acn.azure.com/v1alpha).
import { Prefix } from "../ip/prefix.ts";
import { groupDigits } from "../text.ts";
import { nodeSubnetIpsPerNode } from "./capacity.ts";
import type { Cluster } from "./model.ts";
import type { Plan } from "./result.ts";
import { Node, inputError, parseSource } from "./reader.ts";
import type { InputText } from "./load.ts";

/** The AKS node label that names a node's pool. */
export const AGENTPOOL_LABELS = ["kubernetes.azure.com/agentpool", "agentpool"] as const;

export interface LiveNode { name: string; pool?: string; internalIps: string[]; podCidrs: string[]; allocatablePods?: number }
export interface LiveNnc { node: string; requestedIps: number; assignedIps?: number; subnetName?: string; subnetCidr?: string; mode?: string }
export interface LiveUsage { nodes: LiveNode[]; nncs: LiveNnc[]; files: string[] }

export interface LiveReport {
  files: string[];
  nodes: number;
  pools: { name: string; nodesNow: number; planned: number; maxNodes: number }[];
  /** Node-subnet addresses the running nodes take now (their IP, plus maxPods pre-allocated in Azure CNI) against the plan. */
  subnets: { name: string; cidr: string; usedNow: number; required: number; usable: number; unknown?: boolean }[];
  /** Pod CIDR node blocks in use now (spec.podCIDRs) against the slots. */
  podCidrs: { cidr: string; blocksNow: number; slotsRequired: number; slots: number }[];
  /** Pod-subnet IPs the nodes hold now (NodeNetworkConfig requestedIPCount) against the plan. */
  podSubnets: { name: string; cidr: string; ipsNow: number; assignedNow: number | null; required: number; capacity: number }[];
  /** Nodes whose pool the cluster document doesn't have. */
  unmatched: string[];
}

function items(root: Node, kind: string): Node[] {
  if ((root.str("kind") ?? "") === kind) return [root];
  const list = root.list("items");
  if (!list) root.fail([...root.segs, "items"], `expected kubectl get ${kind === "Node" ? "nodes" : "nodenetworkconfigs"} -o json (a List with items)`);
  return list!;
}

/** Reads kubectl JSON documents (nodes and/or nodenetworkconfigs, in any order). */
export function readLive(inputs: InputText[]): LiveUsage {
  const out: LiveUsage = { nodes: [], nncs: [], files: inputs.map((t) => t.name) };
  for (const t of inputs) {
    const src = parseSource(t.name, t.text, "pass kubectl get nodes -o json, or kubectl get nodenetworkconfigs -n kube-system -o json");
    const root = new Node(src, src.value, []);
    const first = root.list("items")?.[0];
    const kind = root.str("kind") === "List" || root.has("items") ? first?.str("kind") ?? "" : root.str("kind") ?? "";
    if (kind === "Node") {
      for (const n of items(root, "Node")) {
        const md = n.obj("metadata");
        const labels = (md?.obj("labels")?.value ?? {}) as Record<string, unknown>;
        const pool = AGENTPOOL_LABELS.map((l) => labels[l]).find((x) => typeof x === "string") as string | undefined;
        const spec = n.obj("spec");
        const cidrs = spec?.list("podCIDRs")?.map((x) => x.asPrefix().toString()) ?? (spec?.str("podCIDR") ? [spec.prefix("podCIDR")!.prefix.toString()] : []);
        const status = n.obj("status");
        const ips = (status?.list("addresses") ?? []).filter((a) => a.str("type") === "InternalIP").map((a) => a.str("address") ?? "");
        const pods = status?.obj("allocatable")?.int(["pods"], 0, 100000);
        out.nodes.push({ name: md?.str("name") ?? "node", pool, internalIps: ips, podCidrs: cidrs, ...(pods !== undefined ? { allocatablePods: pods } : {}) });
      }
    } else if (kind === "NodeNetworkConfig") {
      for (const n of items(root, "NodeNetworkConfig")) {
        const status = n.obj("status");
        const nc = status?.list("networkContainers")?.[0];
        out.nncs.push({
          node: n.obj("metadata")?.str("name") ?? "node",
          requestedIps: n.obj("spec")?.int(["requestedIPCount"], 0, 1_000_000) ?? 0,
          ...(status?.has("assignedIPCount") ? { assignedIps: status.int(["assignedIPCount"], 0, 1_000_000) } : {}),
          ...(nc?.str("subnetName") ? { subnetName: nc.str("subnetName") } : {}),
          ...(nc?.str("subnetAddressSpace") ? { subnetCidr: nc.str("subnetAddressSpace") } : {}),
          ...(nc?.str("assignmentMode") ? { mode: nc.str("assignmentMode") } : {}),
        });
      }
    } else {
      throw inputError(`${t.name}: not kubectl get nodes or nodenetworkconfigs JSON (kind ${JSON.stringify(kind)})`, "pass kubectl get nodes -o json, or kubectl get nodenetworkconfigs -n kube-system -o json");
    }
  }
  return out;
}

const inPrefix = (ip: string, p: Prefix) => { try { return p.masked().contains(Prefix.parse(ip, { allowBare: true }).addr); } catch { return false; } };

/** The running cluster beside its plan. */
export function liveReport(c: Cluster, p: Plan, live: LiveUsage): LiveReport {
  const poolOf = (n: LiveNode) => c.pools.find((x) => n.pool && x.name.toLowerCase() === n.pool.toLowerCase());
  // Without the nodes document, a NodeNetworkConfig is named after its node (aks-POOL-ID-vmssN).
  const nncPool = (name: string) => c.pools.find((x) => name.toLowerCase().startsWith(`aks-${x.name.toLowerCase()}-`));
  const countOf = (x: Cluster["pools"][number]) => (live.nodes.length ? live.nodes.filter((n) => poolOf(n) === x).length : live.nncs.filter((n) => nncPool(n.node) === x).length);
  const pools = c.pools.map((x, k) => ({ name: x.name, nodesNow: countOf(x), planned: p.pools[k].nodes, maxNodes: p.pools[k].maxNodes }));
  const subnets = p.subnets.filter((s) => s.role === "nodes" || s.role === "nodes+pods").map((s) => {
    const sub = c.vnet.subnets.find((x) => x.name === s.name)!;
    const here = live.nodes.filter((n) => (sub.prefixes.length ? n.internalIps.some((ip) => sub.prefixes.some((q) => inPrefix(ip, q))) : poolOf(n)?.nodeSubnet === s.name));
    const usedNow = (s.inUseByOthers ?? 0) + here.reduce((sum, n) => sum + nodeSubnetIpsPerNode(c.model, poolOf(n)?.maxPods ?? n.allocatablePods ?? 0), 0);
    return { name: s.name, cidr: s.cidr, usedNow, required: s.required, usable: s.usable, ...(s.unknown ? { unknown: true } : {}) };
  });
  const podCidrs = p.podRanges.filter((r) => r.kind === "pod-cidr" && r.cidr.includes(".")).map((r) => {
    const pc = Prefix.parse(r.cidr);
    const blocksNow = live.nodes.filter((n) => n.podCidrs.some((b) => b.includes(".") && pc.masked().contains(Prefix.parse(b)))).length;
    return { cidr: r.cidr, blocksNow, slotsRequired: r.slotsRequired, slots: r.nodeSlots };
  });
  const podSubnets = p.podRanges.filter((r) => r.kind === "pod-subnet").map((r) => {
    const sub = c.vnet.subnets.find((x) => x.name === r.name);
    const mine = live.nncs.filter((x) => (x.subnetName ? x.subnetName.toLowerCase() === r.name.toLowerCase() : !!(x.subnetCidr && sub?.prefixes.some((q) => q.masked().toString() === Prefix.parse(x.subnetCidr!).masked().toString()))));
    const assigned = mine.every((x) => x.assignedIps !== undefined) && mine.length ? mine.reduce((s, x) => s + x.assignedIps!, 0) : null;
    return { name: r.name, cidr: r.cidr, ipsNow: mine.reduce((s, x) => s + x.requestedIps, 0), assignedNow: assigned, required: r.required, capacity: r.capacity };
  });
  const unmatched = live.nodes.filter((n) => !poolOf(n)).map((n) => n.name);
  return { files: live.files, nodes: live.nodes.length || live.nncs.length, pools, subnets: live.nodes.length ? subnets : subnets.filter(() => false), podCidrs, podSubnets, unmatched };
}

/** One line per resource for the text report. */
export function liveLines(r: LiveReport): string[] {
  const pct = (a: number, b: number) => (b > 0 ? `${Math.round((a / b) * 100)}%` : "-");
  const L: string[] = [];
  for (const s of r.subnets) L.push(s.unknown ? `subnet ${s.name}: ${groupDigits(s.usedNow)} addresses in use now; range unknown` : `subnet ${s.name} (${s.cidr}): ${groupDigits(s.usedNow)} of ${groupDigits(s.usable)} in use now (${pct(s.usedNow, s.usable)}); the plan reserves ${groupDigits(s.required)} (${pct(s.required, s.usable)})`);
  for (const x of r.podCidrs) L.push(`pod CIDR ${x.cidr}: ${groupDigits(x.blocksNow)} of ${groupDigits(x.slots)} /24 node blocks in use now (${pct(x.blocksNow, x.slots)}); the plan needs ${groupDigits(x.slotsRequired)} (${pct(x.slotsRequired, x.slots)})`);
  for (const x of r.podSubnets) L.push(`pod subnet ${x.name} (${x.cidr}): ${groupDigits(x.ipsNow)} of ${groupDigits(x.capacity)} IPs held by nodes now${x.assignedNow !== null ? ` (${groupDigits(x.assignedNow)} assigned to pods)` : ""} (${pct(x.ipsNow, x.capacity)}); the plan reserves ${groupDigits(x.required)} (${pct(x.required, x.capacity)})`);
  for (const x of r.pools) L.push(`pool ${x.name}: ${groupDigits(x.nodesNow)} node${x.nodesNow === 1 ? "" : "s"} now, planned ${groupDigits(x.planned)}, at most ${groupDigits(x.maxNodes)}`);
  if (r.unmatched.length) L.push(`nodes of no pool in the cluster document: ${r.unmatched.join(", ")}`);
  return L;
}
