// trace(): one flow through the materialised dataplane, hop by hop — the pod, the node's netfilter
// (the netfilter engine's kernel tracer on the node's generated ruleset) or Cilium's eBPF, the
// NSGs (NIC and subnet, outbound then inbound), Azure routing (the subnet's effective routes on the
// LPM table), the load balancer, NAT gateway, VPN gateway or peering — every rewrite field by field,
// and the verdict with its reason. This is the readable TypeScript tracer; bulk.ts must agree.
import { UsageError } from "../errors.ts";
import { traceKernel } from "../netfilter/kernel/trace.ts";
import type { Alternative, Flow } from "../netfilter/types.ts";
import type { SubnetRoutes } from "./routing.ts";
import { NODE_IFACE, POD_IFACE, POD_IP_ROUTABLE_FROM_VNET } from "./constants.ts";
import type { Dataplane } from "./dataplane.ts";
import { parseEndpoint, type Endpoint } from "./endpoint.ts";
import { fmt4, in4, ip4, parseP4 } from "./net4.ts";
import type { CompiledNsg } from "./nsg.ts";
import type { DpNode, DpRoute, DpService, DpServicePort, Hop, NsgDirection, Step, Trace, TraceEnd, Verdict } from "./result.ts";

export interface FlowSpec {
  from: string | Endpoint;
  to: string | Endpoint;
  port?: number;
  proto?: "tcp" | "udp";
}

/** Where a policy engine plugs in: called when a packet leaves and enters a pod. */
export type PolicyHook = (direction: "egress" | "ingress", pod: { node: DpNode; index: number; address: string }, pkt: { src: string; dst: string; proto: string; dport: number }) => { allowed: boolean; step: Step };

/** One node's netfilter verdict for a flow: the kernel tracer's alternatives (steps when traced in TS). */
export interface NodeNetfilter {
  path: string;
  alternatives: { probability: number; verdict: "ACCEPT" | "DROP" | "REJECT"; src: string; dst: string; dport?: number; steps?: Alternative["steps"]; rewrites?: Alternative["rewrites"] }[];
}

/**
 * The lookups a trace makes, so the bulk path can answer them from the compiled tables (wasm
 * netfilter programs, batched LPM) while the single trace uses the readable tracers.
 */
export interface Primitives {
  netfilter(dp: Dataplane, node: DpNode, flow: Flow): NodeNetfilter;
  /** The rule path of a flow the netfilter verdict dropped (for the reason). */
  explain(dp: Dataplane, node: DpNode, flow: Flow): NodeNetfilter;
  route(table: SubnetRoutes, ip: number): DpRoute | undefined;
}

const kernelOn = (dp: Dataplane, node: DpNode, flow: Flow) => traceKernel(dp.ruleset(node), flow, { local: [node.address], nodeIp: node.address });

/** The readable tracers on each node's full ruleset (what `aksnet trace` shows, lines as printed by --iptables). */
export const TS_PRIMITIVES: Primitives = {
  netfilter: kernelOn,
  explain: kernelOn,
  route: (t, ip) => t.lookup(fmt4(ip)),
};

const kernelFor = (dp: Dataplane, node: DpNode, flow: Flow) => traceKernel(dp.rulesetFor(node, ip4(flow.dst)!), flow, { local: [node.address], nodeIp: node.address });

/** The readable tracers on the bulk path's rulesets (Dataplane.rulesetFor): the reference of traceBulk. */
export const TS_BULK_PRIMITIVES: Primitives = {
  netfilter: kernelFor,
  explain: kernelFor,
  route: (t, ip) => t.lookup(fmt4(ip)),
};

export interface TraceOptions {
  /** Which netfilter/eBPF alternative to follow when a Service has several endpoints (default 0). */
  pick?: number;
  policy?: PolicyHook;
  primitives?: Primitives;
  /** Leave the netfilter rule paths and alternatives out of the steps (bulk: only the verdict is kept). */
  lean?: boolean;
}

interface Pkt { src: number; dst: number; proto: "tcp" | "udp"; dport: number; sport: number }

const SPORT = 40000;
const MAX_HOPS = 12;

class Done {
  constructor(readonly verdict: Verdict, readonly reason?: string) {}
}

class Walk {
  hops: Hop[] = [];
  pkt: Pkt;
  resolved?: string;
  seen?: string;
  readonly prims: Primitives;
  constructor(readonly dp: Dataplane, pkt: Pkt, readonly opts: TraceOptions) {
    this.pkt = pkt;
    this.prims = opts.primitives ?? TS_PRIMITIVES;
  }

  private hopCount = 0;
  /** Lean walks (bulk) keep no hops: one scratch hop takes the steps. */
  private readonly scratch: Hop = { kind: "", at: "", steps: [] };
  hop(kind: string, at: string): Hop {
    if (++this.hopCount > MAX_HOPS) throw new Done("dropped", "routing loop: more than 12 hops");
    if (this.opts.lean) {
      this.scratch.steps.length = 0;
      return this.scratch;
    }
    const h: Hop = { kind, at, steps: [] };
    this.hops.push(h);
    return h;
  }

  rewrite(h: Hop, field: "srcIp" | "dstIp" | "dstPort", to: number, by: string): void {
    const from = field === "srcIp" ? this.pkt.src : field === "dstIp" ? this.pkt.dst : this.pkt.dport;
    if (from === to) return;
    h.steps.push({ kind: "rewrite", field, from: field === "dstPort" ? String(from) : fmt4(from), to: field === "dstPort" ? String(to) : fmt4(to), by });
    if (field === "srcIp") this.pkt.src = to;
    else if (field === "dstIp") this.pkt.dst = to;
    else this.pkt.dport = to;
  }

  deliver(h: Hop, note?: string): never {
    if (note) h.steps.push({ kind: "note", text: note });
    this.seen = fmt4(this.pkt.src);
    throw new Done("delivered");
  }

  // ---- NSGs ----

  nsg(h: Hop, direction: NsgDirection, subnet: string | undefined, pool: string | undefined): void {
    const g = this.dp.nsgsFor(subnet, pool);
    // Outbound: NIC first, then subnet; inbound: subnet first, then NIC. [NSG overview]
    const order: [CompiledNsg, string][] = direction === "Outbound"
      ? [...g.nic.map((x) => [x, `NIC (pool ${pool})`] as [CompiledNsg, string]), ...g.subnet.map((x) => [x, `subnet ${subnet}`] as [CompiledNsg, string])]
      : [...g.subnet.map((x) => [x, `subnet ${subnet}`] as [CompiledNsg, string]), ...g.nic.map((x) => [x, `NIC (pool ${pool})`] as [CompiledNsg, string])];
    for (const [c, where] of order) {
      const i = c.evaluate(direction, this.pkt.src, this.pkt.dst, this.pkt.proto === "udp" ? 17 : 6, this.pkt.dport);
      const r = c.rules[i];
      h.steps.push({ kind: "nsg", nsg: c.nsg.name, attachedTo: where, direction, rule: r.name, priority: r.priority, access: r.access });
      if (r.access === "Deny") throw new Done("dropped", `NSG ${c.nsg.name} (${where}) denies it ${direction.toLowerCase()}: rule ${r.name} (priority ${r.priority}) on ${fmt4(this.pkt.src)} → ${fmt4(this.pkt.dst)}:${this.pkt.dport}`);
    }
  }

  policy(h: Hop, direction: "egress" | "ingress", node: DpNode, index: number): void {
    const pod = { node, index, address: fmt4(direction === "egress" ? this.pkt.src : this.pkt.dst) };
    if (this.opts.policy) {
      const r = this.opts.policy(direction, pod, { src: fmt4(this.pkt.src), dst: fmt4(this.pkt.dst), proto: this.pkt.proto, dport: this.pkt.dport });
      h.steps.push(r.step);
      if (!r.allowed) throw new Done("dropped", `network policy denies ${direction}`);
      return;
    }
    h.steps.push({ kind: "policy", evaluated: false, note: `network policy (${this.dp.cluster.policy}) ${direction} is not evaluated` });
  }

  // ---- the node's stack ----

  /** Netfilter (kube-proxy, ip-masq-agent) or Cilium's eBPF on `node` for the packet as it is now. */
  nodeStack(h: Hop, node: DpNode, arrival: "pod" | "local" | "network"): void {
    if (this.dp.kubeProxy) this.netfilter(h, node, arrival);
    else this.ebpf(h, node, arrival);
  }

  netfilter(h: Hop, node: DpNode, arrival: "pod" | "local" | "network"): void {
    const flow: Flow = {
      src: fmt4(this.pkt.src), dst: fmt4(this.pkt.dst), proto: this.pkt.proto, sport: this.pkt.sport, dport: this.pkt.dport,
      inIface: arrival === "local" ? undefined : arrival === "pod" ? POD_IFACE[this.dp.cluster.model] : NODE_IFACE,
    };
    const t = this.prims.netfilter(this.dp, node, flow);
    const k = Math.min(this.opts.pick ?? 0, t.alternatives.length - 1);
    const a = t.alternatives[k];
    const alts = this.opts.lean ? undefined : new Set(t.alternatives.map((x) => `${x.dst}:${x.dport ?? ""}`));
    if (alts) h.steps.push({
      kind: "netfilter", node: node.name, verdict: a.verdict, path: t.path,
      rules: (a.steps ?? []).map((s) => ({ table: s.table, chain: s.chain, rule: s.rule, line: s.line, action: s.action, text: s.text })),
      alternatives: alts.size > 1 ? t.alternatives.map((x) => ({ probability: x.probability, to: `${x.dst}:${x.dport}` })) : undefined,
    });
    if (a.verdict !== "ACCEPT") {
      // The rule that ended it: from the readable tracer (the compiled one gives no rule path).
      const steps = a.steps ?? this.prims.explain(this.dp, node, flow).alternatives[k].steps!;
      const last = steps[steps.length - 1];
      throw new Done("dropped", `netfilter on ${node.name} ${a.verdict === "REJECT" ? "rejects" : "drops"} it${last ? `: ${last.table} ${last.chain} rule ${last.rule} (line ${last.line}): ${last.text}` : ""}`);
    }
    if (a.rewrites) {
      for (const r of a.rewrites) {
        if (r.field === "mark" || r.field === "srcPort") continue;
        const by = a.steps!.find((s) => s.rewrites?.includes(r));
        const who = by ? (by.chain === "IP-MASQ-AGENT" ? "ip-masq-agent" : by.chain.startsWith("KUBE-") ? `kube-proxy (${by.chain})` : `${by.table} ${by.chain}`) : "netfilter";
        if (r.field === "srcIp") this.rewrite(h, "srcIp", ip4(r.to)!, who);
        else if (r.field === "dstIp") this.rewrite(h, "dstIp", ip4(r.to)!, who);
        else this.rewrite(h, "dstPort", Number(r.to), who);
      }
    } else {
      this.rewrite(h, "dstIp", ip4(a.dst)!, "netfilter");
      if (a.dport !== undefined) this.rewrite(h, "dstPort", a.dport, "netfilter");
      this.rewrite(h, "srcIp", ip4(a.src)!, "netfilter");
    }
  }

  /** Cilium: no kube-proxy chains; eBPF translates Services and SNATs with the same non-masquerade list. */
  ebpf(h: Hop, node: DpNode, arrival: "pod" | "local" | "network"): void {
    const dpn = this.dp;
    const svc = this.serviceAt(this.pkt.dst, this.pkt.dport, arrival === "network" ? node : undefined);
    if (svc) {
      const { service, port, external } = svc;
      let eps = service.endpoints;
      if (external && service.externalTrafficPolicy === "Local") eps = eps.filter((e) => e.node === node.name);
      if (!eps.length) throw new Done("dropped", `Cilium on ${node.name}: Service ${service.namespace}/${service.name} has no ${external && service.externalTrafficPolicy === "Local" ? "local " : ""}endpoints`);
      const k = Math.min(this.opts.pick ?? 0, eps.length - 1);
      h.steps.push({ kind: "ebpf", what: `service translation ${fmt4(this.pkt.dst)}:${this.pkt.dport} (${service.namespace}/${service.name})`, alternatives: eps.map((e) => ({ probability: 1 / eps.length, to: `${e.address}:${port.targetPort}` })) });
      const ep = eps[k];
      this.rewrite(h, "dstIp", ip4(ep.address)!, "cilium (eBPF service translation)");
      this.rewrite(h, "dstPort", port.targetPort, "cilium (eBPF service translation)");
      if (external && service.externalTrafficPolicy === "Cluster" && ep.node !== node.name) this.rewrite(h, "srcIp", node.ip, "cilium (eBPF SNAT for externalTrafficPolicy Cluster)");
      return;
    }
    if (arrival !== "network") {
      const d = this.pkt.dst;
      const local = d === node.ip;
      if (!local && !dpn.nonMasq.some((p) => in4(d, p)) && this.pkt.src !== node.ip) {
        h.steps.push({ kind: "ebpf", what: `SNAT: ${fmt4(d)} is outside the non-masquerade CIDRs` });
        this.rewrite(h, "srcIp", node.ip, "cilium (eBPF masquerade)");
      }
    }
  }

  serviceAt(ip: number, port: number, node?: DpNode): { service: DpService; port: DpServicePort; external: boolean } | undefined {
    const proto = this.pkt.proto;
    const byIp = this.dp.byClusterIp.get(ip);
    const cp = byIp?.ports.find((p) => p.port === port && p.proto === proto);
    if (byIp && cp) return { service: byIp, port: cp, external: false };
    const fe = this.dp.classify(ip);
    if (fe.kind === "service" && fe.via === "load-balancer") {
      const p = fe.service.ports.find((x) => x.port === port && x.proto === proto);
      if (p) return { service: fe.service, port: p, external: true };
    }
    if (node && ip === node.ip) {
      for (const s of this.dp.services) for (const p of s.ports) if (p.nodePort === port && p.proto === proto) return { service: s, port: p, external: true };
    }
    return undefined;
  }

  // ---- locations ----

  fromPod(node: DpNode, index: number): never {
    const h = this.hop("pod", `pod ${node.pool}/${node.index}/${index} (${fmt4(this.pkt.src)})`);
    this.policy(h, "egress", node, index);
    const n = this.hop("node", `node ${node.name} (${node.address})`);
    this.nodeStack(n, node, "pod");
    this.afterNode(n, node);
  }

  fromNode(node: DpNode): never {
    const n = this.hop("node", `node ${node.name} (${node.address}), host network`);
    this.nodeStack(n, node, "local");
    this.afterNode(n, node);
  }

  /** After the node's stack: a pod here, the node itself, or out of the NIC. */
  afterNode(h: Hop, node: DpNode): never {
    const d = this.pkt.dst;
    if (d === node.ip) this.deliver(h, "delivered to the node itself");
    const pod = this.dp.podAt(d);
    if (pod && pod.node === node) return this.toPod(node, pod.index, "same node: the node's bridge, no NIC, no NSG");
    this.nsg(h, "Outbound", node.subnet, node.pool);
    return this.route(node.subnet, node);
  }

  toPod(node: DpNode, index: number, note?: string): never {
    const h = this.hop("destination", `pod ${node.pool}/${node.index}/${index} (${fmt4(this.pkt.dst)})`);
    if (note) h.steps.push({ kind: "note", text: note });
    this.policy(h, "ingress", node, index);
    return this.deliver(h);
  }

  /** Azure routing from a subnet (`node`: the sender is a cluster node). */
  route(subnet: string | undefined, node?: DpNode): never {
    const d = this.pkt.dst;
    const dp = this.dp;
    const h = this.hop("azure", `Azure routing (${subnet ? `subnet ${subnet}` : "VNet"})`);
    // Overlay: the pod CIDR is routed in the overlay's own routing domain, for cluster nodes only.
    if (dp.cluster.model === "azure-cni-overlay" && node && dp.podCidr && in4(d, dp.podCidr)) {
      const pod = dp.podAt(d);
      const owner = dp.nodes[Math.floor(((d - dp.podCidr.net) >>> 0) / 256)];
      if (!owner) throw new Done("unreachable", `no node holds ${fmt4(d)} (its /24 of the pod CIDR is not assigned)`);
      h.steps.push({ kind: "route", table: "overlay routing domain", route: owner.name, prefix: owner.podCidr!, nextHopType: "VnetLocal", nextHop: owner.address });
      if (!pod) throw new Done("unreachable", `no pod holds ${fmt4(d)} on ${owner.name}`);
      return this.atNode(owner);
    }
    const t = dp.routes(subnet);
    const r = this.prims.route(t, d);
    if (!r) throw new Done("unreachable", `no route to ${fmt4(d)}`);
    h.steps.push({ kind: "route", table: t.table.routeTable ?? `system routes of ${t.table.subnet}`, route: r.name, prefix: r.prefix, nextHopType: r.nextHopType, nextHop: r.nextHop });
    switch (r.nextHopType) {
      case "VnetLocal": {
        const owner = dp.byIp.get(d);
        if (owner) return this.atNode(owner);
        const pod = dp.podAt(d);
        if (pod && POD_IP_ROUTABLE_FROM_VNET[dp.cluster.model]) return this.atNode(pod.node);
        const shadow = t.table.routes.find((x) => x.shadowedBy && x.nextHopType === "VirtualNetworkGateway" && in4(d, parseP4(x.prefix)));
        if (shadow) throw new Done("unreachable", `overlap: ${fmt4(d)} is in ${shadow.name} (${shadow.prefix}), but ${shadow.shadowedBy} covers it and Azure keeps the system route: the packet never reaches the gateway`);
        const sub = dp.subnetOf(d);
        if (!sub) throw new Done("unreachable", `${fmt4(d)} is in the VNet address space but in no subnet`);
        return this.atVm(sub);
      }
      case "VirtualAppliance": {
        const n = r.nextHop ? dp.byIp.get(ip4(r.nextHop)!) : undefined;
        if (n) return this.atNode(n);
        const ap = this.hop("appliance", `appliance ${r.nextHop}`);
        const cls = dp.classify(d);
        if (cls.kind === "internet" || cls.kind === "service") {
          ap.steps.push({ kind: "note", text: "the appliance SNATs to its own public address (not in the inputs): the internet sees the appliance" });
          this.rewrite(ap, "srcIp", ip4(r.nextHop!)!, `appliance ${r.nextHop}`);
        } else ap.steps.push({ kind: "note", text: "the appliance forwards it on (its own rules are not modelled)" });
        return this.deliver(ap);
      }
      case "VirtualNetworkPeering": {
        const ph = this.hop("peering", `peered VNet (${r.name.replace(/^peering /, "")})`);
        return this.deliver(ph, "NSGs in the peered VNet are not in the inputs");
      }
      case "VirtualNetworkGateway": {
        const gh = this.hop("vpn-gateway", `VPN/ExpressRoute gateway → ${r.name.replace(/^gateway-learned /, "")}`);
        return this.deliver(gh, "on-premises firewalls are not in the inputs");
      }
      case "Internet":
        return this.internet(h, node);
      case "None": {
        const cls = dp.classify(d);
        if (cls.kind === "pod-cidr" && node) throw new Done("unreachable", `no node holds ${fmt4(d)}: its /24 of the pod CIDR is not assigned to any node (next hop None, ${r.prefix})`);
        if (cls.kind === "pod-cidr" || (cls.kind === "pod" && !POD_IP_ROUTABLE_FROM_VNET[dp.cluster.model]))
          throw new Done("dropped", `pod IP ${fmt4(d)} is not routable outside the cluster: the ${dp.cluster.model} pod CIDR is not a VNet range${dp.cluster.model === "kubenet" ? " and only the node subnet's route table has the per-node /24s" : ""} (next hop None, ${r.prefix})`);
        if (cls.kind === "service" || cls.kind === "service-cidr") throw new Done("dropped", `${fmt4(d)} is a ClusterIP: only reachable from the cluster's nodes and pods (next hop None, ${r.prefix})`);
        throw new Done("dropped", `no route to ${fmt4(d)}: ${r.name} has next hop None (no VNet, peering or gateway route covers it: an on-premises range not advertised?)`);
      }
    }
  }

  internet(h: Hop, node?: DpNode): never {
    const dp = this.dp;
    const e = dp.egress;
    const privateSrc = !!node || dp.vnetSpace.some((p) => in4(this.pkt.src, p));
    if (!node) {
      const ih = this.hop("internet", `internet ${fmt4(this.pkt.dst)}`);
      ih.steps.push({ kind: "note", text: "a VM outside the cluster leaves through its own outbound path (not modelled): the source shown is its private address" });
      return this.deliver(ih);
    }
    if (e.via === "none") throw new Done(e.outboundType === "block" ? "dropped" : "unreachable", `outboundType ${e.outboundType}: ${e.note}`);
    if (e.via === "appliance") throw new Done("unreachable", `outboundType userDefinedRouting but the route to ${fmt4(this.pkt.dst)} is the Internet route: AKS requires 0.0.0.0/0 → the appliance`);
    const gh = this.hop(e.via, e.via === "load-balancer" ? `load balancer outbound rule (${e.frontendIps.length} frontend IP${e.frontendIps.length === 1 ? "" : "s"})` : "NAT gateway");
    if (privateSrc) this.rewrite(gh, "srcIp", ip4(e.address!)!, e.via === "load-balancer" ? "load balancer outbound SNAT" : "NAT gateway SNAT");
    gh.steps.push({ kind: "note", text: e.via === "load-balancer" ? `SNAT ports per node: ${e.snatPortsPerNode ?? "n/a"}${e.frontendIps.length > 1 ? "; one of the frontend IPs is used" : ""}` : `SNAT ports shared on demand (${e.snatPortsTotal} in all)` });
    const fe = dp.classify(this.pkt.dst);
    if (fe.kind === "service" && fe.via === "load-balancer") return this.atLoadBalancer(fe.service);
    const ih = this.hop("internet", `internet ${fmt4(this.pkt.dst)}`);
    return this.deliver(ih);
  }

  atLoadBalancer(s: DpService): never {
    const h = this.hop("load-balancer", `load balancer frontend ${s.loadBalancerIP} (${s.namespace}/${s.name})`);
    const port = s.ports.find((p) => p.port === this.pkt.dport && p.proto === this.pkt.proto);
    if (!port) throw new Done("dropped", `the load balancer has no rule for ${this.pkt.proto}/${this.pkt.dport} on ${s.loadBalancerIP} (ports: ${s.ports.map((p) => `${p.proto}/${p.port}`).join(", ")})`);
    let backends = this.dp.nodes;
    if (s.externalTrafficPolicy === "Local") {
      const withLocal = new Set(s.endpoints.map((e) => e.node));
      backends = backends.filter((n) => withLocal.has(n.name));
      if (!backends.length) throw new Done("dropped", `externalTrafficPolicy Local and no node has an endpoint of ${s.namespace}/${s.name}: the health probe fails on every node`);
    }
    const b = backends[0];
    h.steps.push({ kind: "load-balancer", frontend: `${s.loadBalancerIP}:${port.port}`, backend: b.name, note: `${s.externalTrafficPolicy === "Local" ? "only nodes with a local endpoint pass the health probe" : "every node is in the backend pool"}: ${backends.length} backend node(s), the first shown; floating IP keeps the frontend address as destination` });
    return this.atNode(b);
  }

  /** The packet reaches a node's NIC from the network. */
  atNode(node: DpNode): never {
    const h = this.hop("node", `node ${node.name} (${node.address})`);
    this.nsg(h, "Inbound", node.subnet, node.pool);
    this.nodeStack(h, node, "network");
    const d = this.pkt.dst;
    if (d === node.ip) this.deliver(h, "delivered to the node itself");
    const pod = this.dp.podAt(d);
    if (pod && pod.node === node) return this.toPod(node, pod.index);
    if (pod || this.dp.classify(d).kind !== "pod-cidr") {
      // Forwarded on (a Service endpoint elsewhere): out of the NIC again.
      this.nsg(h, "Outbound", node.subnet, node.pool);
      return this.route(node.subnet, node);
    }
    throw new Done("unreachable", `no pod holds ${fmt4(d)} on ${node.name}`);
  }

  atVm(subnet: string): never {
    const h = this.hop("vm", `VM ${fmt4(this.pkt.dst)} in subnet ${subnet}`);
    this.nsg(h, "Inbound", subnet, undefined);
    return this.deliver(h);
  }
}

function nodeOf(dp: Dataplane, pool: string, index: number, text: string): DpNode {
  const n = dp.nodeAt(pool, index);
  if (!n) {
    const pools = [...new Set(dp.nodes.map((x) => x.pool))];
    const count = dp.nodes.filter((x) => x.pool === pool).length;
    throw new UsageError(`${text}: ${pools.includes(pool) ? `pool ${pool} has ${count} node(s) (0-${count - 1})` : `no pool ${pool} (pools: ${pools.join(", ")})`}`);
  }
  return n;
}

function serviceOf(dp: Dataplane, name: string, text: string): DpService {
  const s = name.includes("/") ? dp.serviceByName.get(name) : dp.serviceByShortName.get(name);
  if (!s) throw new UsageError(`${text}: no Service ${name} (services: ${dp.services.map((x) => `${x.namespace}/${x.name}`).join(", ")})`, "give the Services with --workload");
  return s;
}

/** Traces one flow; the verdict, reason and hops say what happened and why. */
export function trace(dp: Dataplane, flow: FlowSpec, opts: TraceOptions = {}): Trace {
  const from = typeof flow.from === "string" ? parseEndpoint(flow.from, "--from") : flow.from;
  const to = typeof flow.to === "string" ? parseEndpoint(flow.to, "--to") : flow.to;
  let proto: "tcp" | "udp" = flow.proto ?? "tcp";
  let dport = flow.port ?? 80;
  // The source.
  let fromEnd: TraceEnd;
  let start: (w: Walk) => never;
  let inCluster = false;
  if (from.kind === "pod") {
    const n = nodeOf(dp, from.pool, from.node, from.text);
    const ip = dp.podIp(n, from.index);
    if (ip === undefined) throw new UsageError(`${from.text}: node ${n.name} has pod indexes 0-${n.maxPods - 1}`);
    fromEnd = { endpoint: from.text, kind: "pod", address: fmt4(ip), nodeAddress: n.address, node: n.name };
    start = (w) => w.fromPod(n, from.index);
    inCluster = true;
  } else if (from.kind === "node") {
    const n = nodeOf(dp, from.pool, from.node, from.text);
    fromEnd = { endpoint: from.text, kind: "node", address: n.address, node: n.name };
    start = (w) => w.fromNode(n);
    inCluster = true;
  } else if (from.kind === "service") {
    throw new UsageError(`--from ${from.text}: a Service is not a source; trace from one of its pods`);
  } else {
    const cls = dp.classify(from.ip);
    if (cls.kind === "node") { fromEnd = { endpoint: from.text, kind: "node", address: fmt4(from.ip), node: cls.node.name }; start = (w) => w.fromNode(cls.node); inCluster = true; }
    else if (cls.kind === "pod") { fromEnd = { endpoint: from.text, kind: "pod", address: fmt4(from.ip), nodeAddress: cls.node.address, node: cls.node.name }; start = (w) => w.fromPod(cls.node, cls.index); inCluster = true; }
    else if (cls.kind === "vnet") {
      fromEnd = { endpoint: from.text, kind: "ip", address: fmt4(from.ip), class: "vnet" };
      start = (w) => {
        const h = w.hop("vm", `VM ${fmt4(from.ip)}${cls.subnet ? ` in subnet ${cls.subnet}` : ""}`);
        w.nsg(h, "Outbound", cls.subnet, undefined);
        return w.route(cls.subnet);
      };
    } else if (cls.kind === "peered" || cls.kind === "on-premises") {
      const name = cls.name;
      fromEnd = { endpoint: from.text, kind: "ip", address: fmt4(from.ip), class: cls.kind };
      start = (w) => {
        const h = w.hop(cls.kind === "peered" ? "peering" : "vpn-gateway", `${cls.kind === "peered" ? "peered VNet" : "on-premises"} ${name} → VNet ${dp.cluster.vnet.name}`);
        const d = w.pkt.dst;
        const space = dp.vnetSpace.find((p) => in4(d, p));
        if (!space) {
          const c = dp.classify(d);
          const why = c.kind === "pod-cidr" || c.kind === "pod" ? `pod IP ${fmt4(d)} is not routable from outside the cluster (the ${dp.cluster.model} pod CIDR is not part of the VNet address space, which is all a ${cls.kind === "peered" ? "peering" : "gateway"} exchanges)` : c.kind === "service" || c.kind === "service-cidr" ? `${fmt4(d)} is a ClusterIP, reachable only inside the cluster` : `${fmt4(d)} is outside the VNet address space, so ${name} has no route to it`;
          throw new Done("unreachable", why);
        }
        h.steps.push({ kind: "route", table: cls.kind === "peered" ? `peering ${name}` : `gateway routes (${name})`, route: "VNet address space", prefix: `${fmt4(space.net)}/${space.bits}`, nextHopType: cls.kind === "peered" ? "VirtualNetworkPeering" : "VirtualNetworkGateway" });
        return w.route(undefined);
      };
    } else if (cls.kind === "internet") {
      fromEnd = { endpoint: from.text, kind: "ip", address: fmt4(from.ip), class: "internet" };
      start = (w) => {
        const c = dp.classify(w.pkt.dst);
        w.hop("internet", `internet client ${fmt4(from.ip)}`);
        if (c.kind === "service" && c.via === "load-balancer") return w.atLoadBalancer(c.service);
        if (c.kind === "egress") throw new Done("unreachable", `${fmt4(w.pkt.dst)} is an outbound frontend: it takes no inbound connections`);
        throw new Done("unreachable", `${fmt4(w.pkt.dst)} is not reachable from the internet: only LoadBalancer Service frontends are`);
      };
    } else throw new UsageError(`--from ${from.text}: ${fmt4(from.ip)} is neither in the cluster, the VNet, a peered VNet, on-premises nor public`, "add the network to the cluster spec (peeredNetworks, onPremises)");
  }
  // The destination.
  let toEnd: TraceEnd;
  let dst: number;
  if (to.kind === "pod") {
    const n = nodeOf(dp, to.pool, to.node, to.text);
    const ip = dp.podIp(n, to.index);
    if (ip === undefined) throw new UsageError(`${to.text}: node ${n.name} has pod indexes 0-${n.maxPods - 1}`);
    dst = ip;
    toEnd = { endpoint: to.text, kind: "pod", address: fmt4(ip), nodeAddress: n.address, node: n.name };
  } else if (to.kind === "node") {
    const n = nodeOf(dp, to.pool, to.node, to.text);
    dst = n.ip;
    toEnd = { endpoint: to.text, kind: "node", address: n.address, node: n.name };
  } else if (to.kind === "service") {
    const s = serviceOf(dp, to.name, to.text);
    let p = s.ports[0];
    if (to.port !== undefined) {
      p = s.ports.find((x) => x.name === to.port || String(x.port) === to.port) ?? (() => { throw new UsageError(`${to.text}: Service ${s.namespace}/${s.name} has no port ${to.port} (ports: ${s.ports.map((x) => x.name || x.port).join(", ")})`); })();
    }
    dport = flow.port ?? p.port;
    proto = flow.proto ?? p.proto;
    const external = !inCluster && s.loadBalancerIP !== undefined && fromEnd.class === "internet";
    dst = ip4(external ? s.loadBalancerIP! : s.clusterIP)!;
    toEnd = { endpoint: to.text, kind: "service", address: fmt4(dst) };
  } else {
    dst = to.ip;
    const c = dp.classify(to.ip);
    toEnd = { endpoint: to.text, kind: "ip", address: fmt4(to.ip), class: c.kind === "pod" || c.kind === "node" ? c.kind : c.kind === "service" ? "service" : c.kind };
    if (c.kind === "pod") { toEnd.nodeAddress = c.node.address; toEnd.node = c.node.name; }
  }
  const w = new Walk(dp, { src: ip4(fromEnd.address)!, dst, proto, dport, sport: SPORT }, opts);
  let done: Done;
  try {
    start(w);
  } catch (e) {
    if (!(e instanceof Done)) throw e;
    done = e;
  }
  if (to.kind === "service" && w.pkt.dst !== dst) toEnd.resolved = `${fmt4(w.pkt.dst)}:${w.pkt.dport}`;
  const t: Trace = {
    model: dp.cluster.model, dataplane: dp.cluster.dataplane, flow: { proto, port: dport },
    verdict: done!.verdict, ...(done!.reason ? { reason: done!.reason } : {}), ...(done!.verdict === "delivered" && w.seen ? { seenSource: w.seen } : {}),
    from: fromEnd, to: toEnd, hops: w.hops,
  };
  return t;
}
