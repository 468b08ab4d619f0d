// Text rendering of `aksnet dataplane`: the cluster's nodes, Services, effective routes, NSGs and
// egress; one node's detail. JSON output is the engine's objects as they are.
import type { DataplaneResult, NodeDetail, DpRouteTable } from "@aksnet/engine/dataplane";
import { color } from "../io.ts";
import { MODEL_LABEL, n, table } from "./aks.ts";

const MAX_ROWS = 20;

function more(total: number, shown: number): string[] {
  return total > shown ? [`  ... ${n(total - shown)} more (--format json lists all)`] : [];
}

export function renderRoutes(t: DpRouteTable): string[] {
  const rows = t.routes.map((r) => [r.prefix, r.nextHopType + (r.nextHop ? ` ${r.nextHop}` : ""), r.name, r.source === "AKS" ? "User (AKS)" : r.source, r.shadowedBy ? `shadowed by ${r.shadowedBy}` : "active"]);
  const shown = rows.slice(0, MAX_ROWS * 2);
  return [`${t.subnet}${t.routeTable ? ` (route table ${t.routeTable})` : " (system routes only)"}`, ...table(["prefix", "next hop", "route", "source", "state"], shown), ...more(rows.length, shown.length)];
}

export function renderDataplane(r: DataplaneResult): string {
  const c = color();
  const L: string[] = [];
  L.push(c.bold(`${r.cluster}: ${MODEL_LABEL[r.model] ?? r.model}${r.dataplane === "cilium" ? " + Cilium" : ""}`));
  L.push(`  pod CIDR ${r.podCidrs.join(", ") || "(pods take VNet addresses)"}   service CIDR ${r.serviceCidr}   DNS ${r.dnsServiceIp}`);
  L.push(`  ${r.kubeProxy ? "kube-proxy (iptables) + ip-masq-agent" : "Cilium eBPF (no kube-proxy chains)"}; not masqueraded: ${r.nonMasqueradeCidrs.join(", ")}`);
  L.push("", c.bold(`Nodes (${n(r.nodes.length)})`));
  const nodes = r.nodes.slice(0, MAX_ROWS);
  L.push(...table(["node", "pool/index", "address", "subnet", "pods"], nodes.map((x) => [x.name, `${x.pool}/${x.index}`, x.address, x.subnet, x.podCidr ?? `${x.maxPods} max`])), ...more(r.nodes.length, nodes.length));
  L.push("", c.bold(`Services (${n(r.services.length)})`));
  const svcs = r.services.slice(0, MAX_ROWS);
  L.push(...table(["service", "type", "cluster IP", "frontend", "ports", "endpoints"], svcs.map((s) => [
    `${s.namespace}/${s.name}`, s.type + (s.externalTrafficPolicy === "Local" ? " (Local)" : ""), s.clusterIP, s.loadBalancerIP ?? "",
    s.ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ""}/${p.proto}→${p.targetPort}`).join(" "),
    s.endpoints.length ? `${s.endpoints.length}: ${s.endpoints.slice(0, 3).map((e) => e.address).join(", ")}${s.endpoints.length > 3 ? ", ..." : ""}` : "none",
  ])), ...more(r.services.length, svcs.length));
  L.push("", c.bold("Effective routes"));
  for (const t of r.routeTables) L.push(...renderRoutes(t).map((x, i) => (i === 0 ? `  ${x}` : x)));
  L.push("", c.bold("NSGs"));
  for (const g of r.nsgs) {
    L.push(`  ${g.name}: ${[...g.subnets.map((s) => `subnet ${s}`), ...g.nics.map((p) => `NICs of pool ${p}`)].join(", ") || "not attached"} (${g.rules.length} rule${g.rules.length === 1 ? "" : "s"} + Azure's defaults)`);
    L.push(...table(["priority", "direction", "access", "proto", "source", "destination", "ports", "rule"], g.rules.slice(0, MAX_ROWS).map((x) => [String(x.priority), x.direction, x.access, x.protocol, x.sourcePrefixes.join(","), x.destinationPrefixes.join(","), x.destinationPorts.join(","), x.name]), [0]).map((x) => "  " + x));
  }
  const e = r.egress;
  L.push("", c.bold("Egress"));
  L.push(`  ${e.outboundType}: ${e.via}${e.address ? ` ${e.address}` : ""}${e.frontendIps.length > 1 ? ` (${e.frontendIps.length} frontend IPs)` : ""}; SNAT ports per node ${e.snatPortsPerNode ?? "n/a"}${e.snatPortsTotal ? `, ${n(e.snatPortsTotal)} in all` : ""}`);
  if (e.note) L.push(`  ${c.dim(e.note)}`);
  for (const x of r.notes) L.push(`${c.yellow("note")}: ${x}`);
  return L.join("\n");
}

export function renderNode(d: NodeDetail): string {
  const c = color();
  const x = d.node;
  const L = [c.bold(`${x.name} (${x.pool}/${x.index})`), `  address ${x.address} in ${x.subnet}`, `  pods ${d.pods.first ?? "-"} .. ${d.pods.last ?? "-"}, maxPods ${x.maxPods}, from ${d.pods.ipam}`];
  L.push(`  NSGs: ${d.nsgs.map((g) => `${g.name} (${g.attachedTo})`).join(", ") || "none"}`);
  L.push(`  ${d.kubeProxy ? "kube-proxy + ip-masq-agent (aksnet dataplane ... --node " + x.name + " --iptables)" : "Cilium eBPF, no kube-proxy chains"}; not masqueraded: ${d.nonMasqueradeCidrs.join(", ")}`);
  L.push("", c.bold(`Service endpoints on this node (${d.endpoints.length})`), ...table(["service", "pod", "address"], d.endpoints.map((e) => [e.service, e.pod, e.address])));
  L.push("", c.bold("Effective routes"), ...renderRoutes(d.routes).map((s, i) => (i === 0 ? `  ${s}` : s)));
  return L.join("\n");
}
