// Azure routing per subnet: system routes (VNet, peerings, gateway-learned on-prem prefixes,
// 0.0.0.0/0 to the Internet, the private ranges to None), the route table attached to the subnet
// (kubenet's one route per node, user-defined routes), resolved as Azure does (equal prefixes:
// user, then gateway, then system; VNet and peering system routes win over gateway routes inside
// them), then looked up longest prefix first on the cidr engine's LPM table.
import { cidr } from "../cidr/engine.ts";
import { LpmTable } from "../cidr/lpm.ts";
import { PrefixBatch } from "../cidr/records.ts";
import { Prefix } from "../ip/prefix.ts";
import { NONE_ROUTES } from "./constants.ts";
import { inside4, parseP4, text4, type P4 } from "./net4.ts";
import type { DpRoute, DpRouteTable } from "./result.ts";

export interface RoutingInput {
  vnetSpace: P4[];
  peered: { name: string; prefixes: P4[] }[];
  onPrem: { name: string; prefixes: P4[] }[];
  /** subnet name → its attached route table's name and routes (user and AKS). */
  attached: Map<string, { table: string; routes: DpRoute[] }>;
  subnets: string[];
}

const RANK: Record<DpRoute["source"], number> = { User: 3, AKS: 3, VirtualNetworkGateway: 2, Default: 1 };

/** The effective routes of one subnet, and its LPM table (value = index into `routes`). */
export class SubnetRoutes {
  readonly lpm: LpmTable;
  readonly active: DpRoute[];
  constructor(readonly table: DpRouteTable) {
    this.active = table.routes.filter((r) => !r.shadowedBy);
    this.lpm = cidr().lpm(PrefixBatch.from(this.active.map((r) => Prefix.parse(r.prefix)), this.active.map((_, i) => i)));
  }

  /** The route for one address (a hash probe per prefix length, no core call). */
  lookup(ip: string): DpRoute | undefined {
    const i = this.lpm.lookup(ip);
    return i === undefined ? undefined : this.active[i];
  }

  /** Route indexes for many addresses in one core call (0xffffffff: none). */
  lookupBatch(ips: Uint32Array): Uint32Array {
    return this.lpm.lookupBatch(PrefixBatch.fromV4Numbers(ips));
  }
}

export function effectiveRoutes(input: RoutingInput, subnet: string | undefined): DpRouteTable {
  const all: DpRoute[] = [];
  for (const p of input.vnetSpace) all.push({ name: "VNet address space", prefix: text4(p), nextHopType: "VnetLocal", source: "Default" });
  for (const e of input.peered) for (const p of e.prefixes) all.push({ name: `peering ${e.name}`, prefix: text4(p), nextHopType: "VirtualNetworkPeering", source: "Default" });
  for (const e of input.onPrem) for (const p of e.prefixes) all.push({ name: `gateway-learned ${e.name}`, prefix: text4(p), nextHopType: "VirtualNetworkGateway", source: "VirtualNetworkGateway" });
  const sysSpace = [...input.vnetSpace, ...input.peered.flatMap((e) => e.prefixes)];
  for (const t of NONE_ROUTES) {
    const p = parseP4(t);
    if (!sysSpace.some((s) => inside4(p, s))) all.push({ name: `private range ${t}`, prefix: t, nextHopType: "None", source: "Default" });
  }
  all.push({ name: "default route", prefix: "0.0.0.0/0", nextHopType: "Internet", source: "Default" });
  const att = subnet ? input.attached.get(subnet) : undefined;
  if (att) all.push(...att.routes);
  // Equal prefixes: the highest-ranked source wins; the others stay listed as shadowed.
  const best = new Map<string, DpRoute>();
  for (const r of all) {
    const cur = best.get(r.prefix);
    if (!cur || RANK[r.source] > RANK[cur.source]) best.set(r.prefix, r);
  }
  for (const r of all) if (best.get(r.prefix) !== r) r.shadowedBy = best.get(r.prefix)!.name;
  // A gateway route inside the VNet or a peering: Azure keeps the system route. [UDR-OV]
  for (const r of all) {
    if (r.source !== "VirtualNetworkGateway" || r.shadowedBy) continue;
    const p = parseP4(r.prefix);
    const over = all.find((s) => s.source === "Default" && (s.nextHopType === "VnetLocal" || s.nextHopType === "VirtualNetworkPeering") && inside4(p, parseP4(s.prefix)));
    if (over) r.shadowedBy = over.name;
  }
  return { subnet: subnet ?? "(VNet default)", routeTable: att?.table, routes: all };
}
