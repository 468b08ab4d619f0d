// Route tables and NSGs from the inputs: `az network route-table show` / `az network nsg show`
// JSON (flattened by the CLI, or REST/ARM with "properties"), a list of them, or our spec
// ({ routeTables: [...] } / { nsgs: [...] }). Every error names the file, line, column and field.
import { InputError } from "../errors.ts";
import { Node, parseSource } from "./cluster.ts";
import { NSG_PRIORITY_MAX, NSG_PRIORITY_MIN } from "./constants.ts";
import { ip4, parseP4, text4 } from "./net4.ts";
import type { NextHopType, Nsg, NsgRule } from "./result.ts";

export interface RouteInput {
  name: string;
  prefix: string;
  nextHopType: NextHopType;
  nextHop?: string;
  path: string;
}

export interface RouteTableInput {
  name: string;
  subnets: string[];
  routes: RouteInput[];
  source: string;
}

const HOP_TYPES: Record<string, NextHopType> = {
  virtualappliance: "VirtualAppliance", vnetlocal: "VnetLocal", virtualnetworkgateway: "VirtualNetworkGateway", internet: "Internet", none: "None",
};
/** Service tags the NSG evaluator models; any other tag is refused with its location. */
export const SERVICE_TAGS = ["VirtualNetwork", "AzureLoadBalancer", "Internet"] as const;

const SUBNET_ID = /\/subnets\/([^/]+)\/?$/i;
/** A VMSS NIC id names the pool: .../virtualMachineScaleSets/aks-<pool>-<id>-vmss/... */
const VMSS_POOL = /\/virtualMachineScaleSets\/aks-([a-z0-9]+)-\d+-vmss\//i;

function docsOf(input: { name: string; text: string }, listKey: string, isOne: (n: Node) => boolean, expected: string): Node[] {
  const src = parseSource(input.name, input.text, expected);
  const root = new Node(src, src.value, []);
  if (Array.isArray(root.value)) return (root.value as unknown[]).map((v, i) => new Node(src, v, [i]));
  if (!root.isObject()) throw new InputError(`${input.name}: expected a JSON/YAML object or list`);
  const l = root.list(listKey);
  if (l) return l;
  if (isOne(root)) return [root];
  throw new InputError(`${input.name}: not ${listKey === "nsgs" ? "an NSG (az network nsg show JSON, or nsgs: [...])" : "a route table (az network route-table show JSON, or routeTables: [...])"}`);
}

function names(n: Node, key: string, re: RegExp): string[] {
  return (n.list(key) ?? []).map((s) => {
    if (typeof s.value === "string") return s.value.match(re)?.[1] ?? s.value;
    const id = s.str("id") ?? s.fail(s.segs, "expected a name or { id: ... }");
    return id.match(re)?.[1] ?? s.fail([...s.segs, "id"], `cannot tell the ${key === "subnets" ? "subnet" : "node pool"} from ${JSON.stringify(id)}`);
  });
}

function cidrOrAddr(n: Node, v: string, segs: (string | number)[]): string {
  try {
    return text4(parseP4(v));
  } catch (e) {
    return n.fail(segs, `invalid IPv4 prefix ${JSON.stringify(v)}: ${(e as Error).message}`);
  }
}

export function loadRouteTables(input: { name: string; text: string }): RouteTableInput[] {
  return docsOf(input, "routeTables", (n) => n.has("routes") || !!n.obj("properties")?.has("routes"), "pass az network route-table show -o json (one, or a list) or an aksnet spec {routeTables: [...]}").map((t) => {
    const props = t.obj("properties") ?? t;
    const name = t.str("name") ?? t.fail([...t.segs, "name"], "missing route table name");
    const routes = (props.list("routes") ?? []).map((r): RouteInput => {
      const rp = r.obj("properties") ?? r;
      const rname = r.str("name") ?? r.fail([...r.segs, "name"], "missing route name");
      const pre = rp.str("addressPrefix") ?? rp.fail([...rp.segs, "addressPrefix"], `route ${rname} has no addressPrefix`);
      if (!/^[\d./]+$/.test(pre)) rp.fail(rp.child("addressPrefix")!.segs, `service tags as route prefixes (${JSON.stringify(pre)}) are not modelled`);
      const hopText = rp.str("nextHopType") ?? rp.fail([...rp.segs, "nextHopType"], `route ${rname} has no nextHopType`);
      const nextHopType = HOP_TYPES[hopText.toLowerCase()] ?? rp.fail(rp.child("nextHopType")!.segs, `unknown nextHopType ${JSON.stringify(hopText)}; expected VirtualAppliance, VnetLocal, VirtualNetworkGateway, Internet or None`);
      const hop = rp.str("nextHopIpAddress", "nextHopIp");
      if (nextHopType === "VirtualAppliance" && !hop) rp.fail(rp.segs, `route ${rname}: a VirtualAppliance route needs nextHopIpAddress`);
      if (hop !== undefined && hop !== "" && ip4(hop) === undefined) rp.fail(rp.child("nextHopIpAddress", "nextHopIp")!.segs, `expected an IPv4 address, got ${JSON.stringify(hop)}`);
      return { name: rname, prefix: cidrOrAddr(rp, pre, rp.child("addressPrefix")!.segs), nextHopType, nextHop: hop || undefined, path: r.path };
    });
    return { name, subnets: names(props, "subnets", SUBNET_ID), routes, source: input.name };
  });
}

function listOrOne(n: Node, many: string, one: string): { values: string[]; segs: (string | number)[] } {
  const l = n.child(many);
  if (l && Array.isArray(l.value) && (l.value as unknown[]).length) {
    return { values: n.list(many)!.map((x) => (typeof x.value === "string" || typeof x.value === "number" ? String(x.value).trim() : x.fail(x.segs, "expected a string"))), segs: l.segs };
  }
  const v = n.str(one);
  if (v !== undefined) return { values: [v], segs: n.child(one)!.segs };
  if (typeof l?.value === "string") return { values: (l.value as string).split(",").map((s) => s.trim()), segs: l.segs };
  return { values: ["*"], segs: [...n.segs, one] };
}

function prefixesOf(n: Node, many: string, one: string): string[] {
  const { values, segs } = listOrOne(n, many, one);
  return values.map((v) => {
    if (v === "*" || v.toLowerCase() === "any") return "*";
    const tag = SERVICE_TAGS.find((t) => t.toLowerCase() === v.toLowerCase());
    if (tag) return tag;
    if (/^[a-z]/i.test(v)) n.fail(segs, `service tag ${JSON.stringify(v)} is not modelled (modelled: ${SERVICE_TAGS.join(", ")}, CIDRs and *)`);
    return cidrOrAddr(n, v, segs);
  });
}

function portsOf(n: Node, many: string, one: string): string[] {
  const { values, segs } = listOrOne(n, many, one);
  for (const v of values) {
    if (v === "*") continue;
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(v);
    if (!m || Number(m[1]) > 65535 || (m[2] !== undefined && (Number(m[2]) > 65535 || Number(m[2]) < Number(m[1])))) n.fail(segs, `invalid port range ${JSON.stringify(v)}; expected *, a port or lo-hi`);
  }
  return values;
}

function nsgRule(r: Node): NsgRule {
  const p = r.obj("properties") ?? r;
  const name = r.str("name") ?? r.fail([...r.segs, "name"], "missing rule name");
  const priority = p.int(["priority"], NSG_PRIORITY_MIN, NSG_PRIORITY_MAX) ?? p.fail([...p.segs, "priority"], `rule ${name} has no priority (${NSG_PRIORITY_MIN}-${NSG_PRIORITY_MAX})`);
  const direction = p.oneOf(["direction"], ["Inbound", "Outbound"] as const) ?? p.fail([...p.segs, "direction"], `rule ${name} has no direction (Inbound or Outbound)`);
  const access = p.oneOf(["access"], ["Allow", "Deny"] as const) ?? p.fail([...p.segs, "access"], `rule ${name} has no access (Allow or Deny)`);
  const protocol = p.oneOf(["protocol"], ["*", "Tcp", "Udp", "Icmp", "Esp", "Ah"] as const) ?? "*";
  return {
    name, priority, direction, access, protocol,
    sourcePrefixes: prefixesOf(p, "sourceAddressPrefixes", "sourceAddressPrefix"),
    destinationPrefixes: prefixesOf(p, "destinationAddressPrefixes", "destinationAddressPrefix"),
    sourcePorts: portsOf(p, "sourcePortRanges", "sourcePortRange"),
    destinationPorts: portsOf(p, "destinationPortRanges", "destinationPortRange"),
    path: `${r.src.name}: ${r.path}`,
  };
}

export function loadNsgs(input: { name: string; text: string }): Nsg[] {
  return docsOf(input, "nsgs", (n) => n.has("securityRules", "rules") || !!n.obj("properties")?.has("securityRules"), "pass az network nsg show -o json (one, or a list) or an aksnet spec {nsgs: [...]}").map((g) => {
    const props = g.obj("properties") ?? g;
    const name = g.str("name") ?? g.fail([...g.segs, "name"], "missing NSG name");
    const list = props.list("securityRules", "rules") ?? [];
    const rules = list.map(nsgRule);
    const seen = new Map<string, number>();
    rules.forEach((r, i) => {
      const k = `${r.direction}/${r.priority}`;
      if (seen.has(k)) list[i].fail(list[i].segs, `rules ${rules[seen.get(k)!].name} and ${r.name} have the same priority ${r.priority} and direction ${r.direction} (Azure refuses this)`);
      seen.set(k, i);
    });
    return { name, subnets: names(props, "subnets", SUBNET_ID), nics: names(props, "networkInterfaces", VMSS_POOL).concat(names(props, "nodePools", /^(.*)$/)), rules, source: input.name };
  });
}
