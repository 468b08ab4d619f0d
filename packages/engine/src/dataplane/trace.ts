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
import type { AddressClass, Dataplane } from "./dataplane.ts";
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

/**
 * The packet a node's netfilter sees, as numbers: what Walk hands its primitives. The object is the
 * walk's own and changes after the call: a primitive keeps what it needs, not the object.
 */
export interface NfPacket {
  src: number;
  dst: number;
  proto: "tcp" | "udp";
  sport: number;
  dport: number;
  /** The interface it arrived on (undefined: sent by the node itself). */
  inIface?: string;
}

/** The netfilter engine's Flow of a packet (addresses as text). */
export function flowOf(p: NfPacket): Flow {
  return { src: fmt4(p.src), dst: fmt4(p.dst), proto: p.proto, sport: p.sport, dport: p.dport, inIface: p.inIface };
}

/** One node's netfilter verdict for a flow: the kernel tracer's alternatives (steps when traced in TS). */
export interface NodeNetfilter {
  path: string;
  alternatives: NodeAlternative[];
}

/** One alternative of a node's verdict. The bulk path gives the addresses as numbers too (srcIp, dstIp), which then stand for src and dst. */
export interface NodeAlternative {
  probability: number;
  verdict: "ACCEPT" | "DROP" | "REJECT";
  src: string;
  dst: string;
  srcIp?: number;
  dstIp?: number;
  dport?: number;
  steps?: Alternative["steps"];
  rewrites?: Alternative["rewrites"];
}

/**
 * The lookups a trace makes, so the bulk path can answer them from the compiled tables (wasm
 * netfilter programs, batched LPM) while the single trace uses the readable tracers.
 */
export interface Primitives {
  netfilter(dp: Dataplane, node: DpNode, pkt: NfPacket): NodeNetfilter;
  /** The rule path of a flow the netfilter verdict dropped (for the reason). */
  explain(dp: Dataplane, node: DpNode, pkt: NfPacket): NodeNetfilter;
  route(table: SubnetRoutes, ip: number): DpRoute | undefined;
  /**
   * Rule numbers and lines are those of the node's ruleset as `dataplane --iptables` prints it.
   * False on the bulk path, whose smaller rulesets number their rules otherwise: a drop's reason
   * then names the rule by its chain and text alone.
   */
  nodeLines: boolean;
}

const kernelOn = (dp: Dataplane, node: DpNode, pkt: NfPacket) => traceKernel(dp.ruleset(node), flowOf(pkt), { local: [node.address], nodeIp: node.address });

/** The readable tracers on each node's full ruleset (what `aksnet trace` shows, lines as printed by --iptables). */
export const TS_PRIMITIVES: Primitives = {
  netfilter: kernelOn,
  explain: kernelOn,
  route: (t, ip) => t.lookup(fmt4(ip)),
  nodeLines: true,
};

const kernelFor = (dp: Dataplane, node: DpNode, pkt: NfPacket) => traceKernel(dp.rulesetFor(node, pkt.dst), flowOf(pkt), { local: [node.address], nodeIp: node.address });

/** The readable tracers on the bulk path's rulesets (Dataplane.rulesetFor): the reference of traceBulk. */
export const TS_BULK_PRIMITIVES: Primitives = {
  netfilter: kernelFor,
  explain: kernelFor,
  route: (t, ip) => t.lookup(fmt4(ip)),
  nodeLines: false,
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

/** The source port of every traced packet (the walk never rewrites it). */
export const TRACE_SPORT = 40000;
const MAX_HOPS = 12;

/** How a walk ends. Delivery is returned; the other ends are thrown from where they happen and caught by walk(). */
class Done {
  constructor(readonly verdict: Verdict, readonly reason?: string) {}
}
const DELIVERED = new Done("delivered");

type NsgOrder = readonly (readonly [CompiledNsg, string])[];
/** Per dataplane: the NSGs a packet meets, in Azure's order, by direction, subnet and pool. */
const nsgOrders = new WeakMap<Dataplane, Map<string, NsgOrder>>();
function nsgOrder(dp: Dataplane, direction: NsgDirection, subnet: string | undefined, pool: string | undefined): NsgOrder {
  let m = nsgOrders.get(dp);
  if (!m) nsgOrders.set(dp, (m = new Map()));
  const k = `${direction}\0${subnet ?? ""}\0${pool ?? "\0"}`;
  let o = m.get(k);
  if (!o) {
    const g = dp.nsgsFor(subnet, pool);
    // Outbound: NIC first, then subnet; inbound: subnet first, then NIC. [NSG overview]
    const nic = g.nic.map((x) => [x, `NIC (pool ${pool})`] as const), sub = g.subnet.map((x) => [x, `subnet ${subnet}`] as const);
    m.set(k, (o = direction === "Outbound" ? [...nic, ...sub] : [...sub, ...nic]));
  }
  return o;
}

/** nsgOrder for a node's NIC, kept on the node. */
const nodeOrders = new WeakMap<DpNode, [NsgOrder, NsgOrder]>();
function nodeNsgOrder(dp: Dataplane, direction: NsgDirection, node: DpNode): NsgOrder {
  let o = nodeOrders.get(node);
  if (!o) nodeOrders.set(node, (o = [nsgOrder(dp, "Inbound", node.subnet, node.pool), nsgOrder(dp, "Outbound", node.subnet, node.pool)]));
  return o[direction === "Inbound" ? 0 : 1];
}

/**
 * One packet's walk. Lean walks (bulk) record no hops and build no step, label or note: only the
 * verdict, its reason, the packet's rewrites and the address seen are kept, so a Walk is reused
 * from flow to flow (reset()).
 */
class Walk {
  hops: Hop[] = [];
  pkt: Pkt = { src: 0, dst: 0, proto: "tcp", dport: 0, sport: TRACE_SPORT };
  /** The source address as delivered (-1: not delivered). */
  seen = -1;
  /** Whether the walk rewrote the source address. */
  srcRewritten = false;
  readonly prims: Primitives;
  readonly lean: boolean;
  private hopCount = 0;
  /** Lean walks keep no hops: one scratch hop stands for each. */
  private readonly scratch: Hop = { kind: "", at: "", steps: [] };
  /** The packet handed to the netfilter primitive (the primitive keeps nothing of it). */
  private readonly nf: NfPacket = { src: 0, dst: 0, proto: "tcp", sport: TRACE_SPORT, dport: 0 };

  constructor(readonly dp: Dataplane, readonly opts: TraceOptions) {
    this.prims = opts.primitives ?? TS_PRIMITIVES;
    this.lean = !!opts.lean;
  }

  reset(src: number, dst: number, proto: "tcp" | "udp", dport: number): this {
    const p = this.pkt;
    p.src = src; p.dst = dst; p.proto = proto; p.dport = dport; p.sport = TRACE_SPORT;
    this.hopCount = 0;
    this.seen = -1;
    this.srcRewritten = false;
    if (!this.lean) this.hops = [];
    return this;
  }

  /** The next hop (its `at` is set by the caller, unless lean). */
  hop(kind: string): Hop {
    if (++this.hopCount > MAX_HOPS) throw new Done("dropped", "routing loop: more than 12 hops");
    if (this.lean) return this.scratch;
    const h: Hop = { kind, at: "", steps: [] };
    this.hops.push(h);
    return h;
  }

  note(h: Hop, text: string): void {
    if (!this.lean) h.steps.push({ kind: "note", text });
  }

  rewrite(h: Hop, field: "srcIp" | "dstIp" | "dstPort", to: number, by: string): void {
    const from = field === "srcIp" ? this.pkt.src : field === "dstIp" ? this.pkt.dst : this.pkt.dport;
    if (from === to) return;
    if (!this.lean) h.steps.push({ kind: "rewrite", field, from: field === "dstPort" ? String(from) : fmt4(from), to: field === "dstPort" ? String(to) : fmt4(to), by });
    if (field === "srcIp") { this.pkt.src = to; this.srcRewritten = true; }
    else if (field === "dstIp") this.pkt.dst = to;
    else this.pkt.dport = to;
  }

  deliver(h: Hop, note?: string): Done {
    if (note) this.note(h, note);
    this.seen = this.pkt.src;
    return DELIVERED;
  }

  // ---- NSGs ----

  /** The NSGs on the packet's way `direction` through a NIC in `subnet` (of a node of `pool`, or of a VM). */
  nsg(h: Hop, direction: NsgDirection, subnet: string | undefined, pool: string | undefined, node?: DpNode): void {
    const order = node ? nodeNsgOrder(this.dp, direction, node) : nsgOrder(this.dp, direction, subnet, pool);
    for (let k = 0; k < order.length; k++) {
      const [c, where] = order[k];
      const i = c.evaluate(direction, this.pkt.src, this.pkt.dst, this.pkt.proto === "udp" ? 17 : 6, this.pkt.dport);
      const r = c.rules[i];
      if (!this.lean) h.steps.push({ kind: "nsg", nsg: c.nsg.name, attachedTo: where, direction, rule: r.name, priority: r.priority, access: r.access });
      if (r.access === "Deny") throw new Done("dropped", `NSG ${c.nsg.name} (${where}) denies it ${direction.toLowerCase()}: rule ${r.name} (priority ${r.priority}) on ${fmt4(this.pkt.src)} → ${fmt4(this.pkt.dst)}:${this.pkt.dport}`);
    }
  }

  policy(h: Hop, direction: "egress" | "ingress", node: DpNode, index: number): void {
    if (this.opts.policy) {
      const pod = { node, index, address: fmt4(direction === "egress" ? this.pkt.src : this.pkt.dst) };
      const r = this.opts.policy(direction, pod, { src: fmt4(this.pkt.src), dst: fmt4(this.pkt.dst), proto: this.pkt.proto, dport: this.pkt.dport });
      if (!this.lean) h.steps.push(r.step);
      if (!r.allowed) throw new Done("dropped", `network policy denies ${direction}`);
      return;
    }
    if (!this.lean) h.steps.push({ kind: "policy", evaluated: false, note: `network policy (${this.dp.cluster.policy}) ${direction} is not evaluated` });
  }

  // ---- the node's stack ----

  /** Netfilter (kube-proxy, ip-masq-agent) or Cilium's eBPF on `node` for the packet as it is now. */
  nodeStack(h: Hop, node: DpNode, arrival: "pod" | "local" | "network"): void {
    if (this.dp.kubeProxy) this.netfilter(h, node, arrival);
    else this.ebpf(h, node, arrival);
  }

  netfilter(h: Hop, node: DpNode, arrival: "pod" | "local" | "network"): void {
    const q = this.nf, p = this.pkt;
    q.src = p.src; q.dst = p.dst; q.proto = p.proto; q.sport = p.sport; q.dport = p.dport;
    q.inIface = arrival === "local" ? undefined : arrival === "pod" ? POD_IFACE[this.dp.cluster.model] : NODE_IFACE;
    const t = this.prims.netfilter(this.dp, node, q);
    const k = Math.min(this.opts.pick ?? 0, t.alternatives.length - 1);
    const a = t.alternatives[k];
    if (!this.lean) {
      if (this.dp.windowsPools.has(node.pool)) this.note(h, `${node.name} runs Windows: its kube-proxy programs HNS, which is not modelled; traced with the Linux nodes' iptables rules`);
      const alts = new Set(t.alternatives.map((x) => `${x.dst}:${x.dport ?? ""}`));
      h.steps.push({
        kind: "netfilter", node: node.name, verdict: a.verdict, path: t.path,
        rules: (a.steps ?? []).map((s) => ({ table: s.table, chain: s.chain, rule: s.rule, line: s.line, action: s.action, text: s.text })),
        alternatives: alts.size > 1 ? t.alternatives.map((x) => ({ probability: x.probability, to: `${x.dst}:${x.dport}` })) : undefined,
      });
    }
    if (a.verdict !== "ACCEPT") {
      // The rule that ended it: from the readable tracer (the compiled one gives no rule path).
      const steps = a.steps ?? this.prims.explain(this.dp, node, q).alternatives[k].steps!;
      const last = steps[steps.length - 1];
      const where = last && (this.prims.nodeLines ? `${last.table} ${last.chain} rule ${last.rule} (line ${last.line})` : `${last.table} ${last.chain}`);
      throw new Done("dropped", `netfilter on ${node.name} ${a.verdict === "REJECT" ? "rejects" : "drops"} it${last ? `: ${where}: ${last.text}` : ""}`);
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
      this.rewrite(h, "dstIp", a.dstIp ?? ip4(a.dst)!, "netfilter");
      if (a.dport !== undefined) this.rewrite(h, "dstPort", a.dport, "netfilter");
      this.rewrite(h, "srcIp", a.srcIp ?? ip4(a.src)!, "netfilter");
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
      if (!this.lean) h.steps.push({ kind: "ebpf", what: `service translation ${fmt4(this.pkt.dst)}:${this.pkt.dport} (${service.namespace}/${service.name})`, alternatives: eps.map((e) => ({ probability: 1 / eps.length, to: `${e.address}:${port.targetPort}` })) });
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
        if (!this.lean) h.steps.push({ kind: "ebpf", what: `SNAT: ${fmt4(d)} is outside the non-masquerade CIDRs` });
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

  fromPod(node: DpNode, index: number): Done {
    const h = this.hop("pod");
    if (!this.lean) h.at = `pod ${node.pool}/${node.index}/${index} (${fmt4(this.pkt.src)})`;
    this.policy(h, "egress", node, index);
    const n = this.hop("node");
    if (!this.lean) n.at = `node ${node.name} (${node.address})`;
    this.nodeStack(n, node, "pod");
    return this.afterNode(n, node);
  }

  fromNode(node: DpNode): Done {
    const n = this.hop("node");
    if (!this.lean) n.at = `node ${node.name} (${node.address}), host network`;
    this.nodeStack(n, node, "local");
    return this.afterNode(n, node);
  }

  fromVm(ip: number, subnet: string | undefined): Done {
    const h = this.hop("vm");
    if (!this.lean) h.at = `VM ${fmt4(ip)}${subnet ? ` in subnet ${subnet}` : ""}`;
    this.nsg(h, "Outbound", subnet, undefined);
    return this.route(subnet);
  }

  /** From a peered VNet or on-premises, through the peering or the gateway into the VNet. */
  fromOutside(kind: "peered" | "on-premises", name: string): Done {
    const dp = this.dp;
    const h = this.hop(kind === "peered" ? "peering" : "vpn-gateway");
    if (!this.lean) h.at = `${kind === "peered" ? "peered VNet" : "on-premises"} ${name} → VNet ${dp.cluster.vnet.name}`;
    const d = this.pkt.dst;
    const space = dp.vnetSpace.find((p) => in4(d, p));
    if (!space) {
      const c = dp.classify(d);
      const why = c.kind === "pod-cidr" || c.kind === "pod" ? `pod IP ${fmt4(d)} is not routable from outside the cluster (the ${dp.cluster.model} pod CIDR is not part of the VNet address space, which is all a ${kind === "peered" ? "peering" : "gateway"} exchanges)` : c.kind === "service" || c.kind === "service-cidr" ? `${fmt4(d)} is a ClusterIP, reachable only inside the cluster` : `${fmt4(d)} is outside the VNet address space, so ${name} has no route to it`;
      throw new Done("unreachable", why);
    }
    if (!this.lean) h.steps.push({ kind: "route", table: kind === "peered" ? `peering ${name}` : `gateway routes (${name})`, route: "VNet address space", prefix: `${fmt4(space.net)}/${space.bits}`, nextHopType: kind === "peered" ? "VirtualNetworkPeering" : "VirtualNetworkGateway" });
    return this.route(undefined);
  }

  fromInternet(ip: number): Done {
    const dp = this.dp;
    const c = dp.classify(this.pkt.dst);
    const h0 = this.hop("internet");
    if (!this.lean) h0.at = `internet client ${fmt4(ip)}`;
    if (c.kind === "service" && c.via === "load-balancer") return this.atLoadBalancer(c.service);
    if (c.kind === "egress") throw new Done("unreachable", `${fmt4(this.pkt.dst)} is an outbound frontend: it takes no inbound connections`);
    throw new Done("unreachable", `${fmt4(this.pkt.dst)} is not reachable from the internet: only LoadBalancer Service frontends are`);
  }

  /** After the node's stack: a pod here, the node itself, or out of the NIC. */
  afterNode(h: Hop, node: DpNode): Done {
    const d = this.pkt.dst;
    if (d === node.ip) return this.deliver(h, "delivered to the node itself");
    const pod = this.dp.podAt(d);
    if (pod && pod.node === node) return this.toPod(node, pod.index, "same node: the node's bridge, no NIC, no NSG");
    this.nsg(h, "Outbound", node.subnet, node.pool, node);
    return this.route(node.subnet, node);
  }

  toPod(node: DpNode, index: number, note?: string): Done {
    const h = this.hop("destination");
    if (!this.lean) h.at = `pod ${node.pool}/${node.index}/${index} (${fmt4(this.pkt.dst)})`;
    if (note) this.note(h, note);
    this.policy(h, "ingress", node, index);
    return this.deliver(h);
  }

  /** Azure routing from a subnet (`node`: the sender is a cluster node). */
  route(subnet: string | undefined, node?: DpNode): Done {
    const d = this.pkt.dst;
    const dp = this.dp;
    const h = this.hop("azure");
    if (!this.lean) h.at = `Azure routing (${subnet ? `subnet ${subnet}` : "VNet"})`;
    // Overlay: the pod CIDR is routed in the overlay's own routing domain, for cluster nodes only.
    if (dp.cluster.model === "azure-cni-overlay" && node && dp.podCidr && in4(d, dp.podCidr)) {
      const pod = dp.podAt(d);
      const owner = dp.nodes[Math.floor(((d - dp.podCidr.net) >>> 0) / 256)];
      if (!owner) throw new Done("unreachable", `no node holds ${fmt4(d)} (its /24 of the pod CIDR is not assigned)`);
      if (!this.lean) h.steps.push({ kind: "route", table: "overlay routing domain", route: owner.name, prefix: owner.podCidr!, nextHopType: "VnetLocal", nextHop: owner.address });
      if (!pod) throw new Done("unreachable", `no pod holds ${fmt4(d)} on ${owner.name}`);
      return this.atNode(owner);
    }
    const t = dp.routes(subnet);
    const r = this.prims.route(t, d);
    if (!r) throw new Done("unreachable", `no route to ${fmt4(d)}`);
    if (!this.lean) h.steps.push({ kind: "route", table: t.table.routeTable ?? `system routes of ${t.table.subnet}`, route: r.name, prefix: r.prefix, nextHopType: r.nextHopType, nextHop: r.nextHop });
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
        const ap = this.hop("appliance");
        if (!this.lean) ap.at = `appliance ${r.nextHop}`;
        const cls = dp.classify(d);
        if (cls.kind === "internet" || cls.kind === "service") {
          this.note(ap, "the appliance SNATs to its own public address (not in the inputs): the internet sees the appliance");
          this.rewrite(ap, "srcIp", ip4(r.nextHop!)!, `appliance ${r.nextHop}`);
        } else this.note(ap, "the appliance forwards it on (its own rules are not modelled)");
        return this.deliver(ap);
      }
      case "VirtualNetworkPeering": {
        const ph = this.hop("peering");
        if (!this.lean) ph.at = `peered VNet (${r.name.replace(/^peering /, "")})`;
        return this.deliver(ph, "NSGs in the peered VNet are not in the inputs");
      }
      case "VirtualNetworkGateway": {
        const gh = this.hop("vpn-gateway");
        if (!this.lean) gh.at = `VPN/ExpressRoute gateway → ${r.name.replace(/^gateway-learned /, "")}`;
        return this.deliver(gh, "on-premises firewalls are not in the inputs");
      }
      case "Internet":
        return this.internet(h, node);
      case "None": {
        const cls = dp.classify(d);
        if (cls.kind === "pod-cidr" && node) throw new Done("unreachable", `no node holds ${fmt4(d)}: its /24 of the pod CIDR is not assigned to any node (next hop None, ${r.prefix})`);
        if (cls.kind === "pod-cidr" || (cls.kind === "pod" && !POD_IP_ROUTABLE_FROM_VNET[dp.cluster.model]))
          throw new Done("dropped", `pod IP ${fmt4(d)} is not routable outside the cluster: the ${dp.cluster.model} pod CIDR is not a VNet range${dp.cluster.model === "kubenet" ? " and only the node subnet's route table has the per-node /24s" : ""} (next hop None, ${r.prefix})`);
        if (cls.kind === "service" && cls.via === "cluster-ip" && node) {
          // Sent from a node or pod and still addressed to the ClusterIP: no rule translated it,
          // so the port or protocol is not one the Service serves.
          const s = cls.service, p = this.pkt, by = dp.kubeProxy ? "kube-proxy" : "Cilium's eBPF service translation";
          throw new Done("dropped", `${fmt4(d)} is the ClusterIP of ${s.namespace}/${s.name}, which serves ${s.ports.map((x) => `${x.port}/${x.proto}`).join(", ")}, not ${p.dport}/${p.proto}: ${by} translates only those, so the packet left ${node.name} as it was, and a ClusterIP is not routable (next hop None, ${r.prefix})`);
        }
        if (cls.kind === "service" || cls.kind === "service-cidr") throw new Done("dropped", `${fmt4(d)} is a ClusterIP: only reachable from the cluster's nodes and pods (next hop None, ${r.prefix})`);
        throw new Done("dropped", `no route to ${fmt4(d)}: ${r.name} has next hop None (no VNet, peering or gateway route covers it: an on-premises range not advertised?)`);
      }
    }
  }

  internet(h: Hop, node?: DpNode): Done {
    const dp = this.dp;
    const e = dp.egress;
    if (!node) {
      const ih = this.hop("internet");
      if (!this.lean) ih.at = `internet ${fmt4(this.pkt.dst)}`;
      this.note(ih, "a VM outside the cluster leaves through its own outbound path (not modelled): the source shown is its private address");
      return this.deliver(ih);
    }
    if (e.via === "none") throw new Done(e.outboundType === "block" ? "dropped" : "unreachable", `outboundType ${e.outboundType}: ${e.note}`);
    if (e.via === "appliance") throw new Done("unreachable", `outboundType userDefinedRouting but the route to ${fmt4(this.pkt.dst)} is the Internet route: AKS requires 0.0.0.0/0 → the appliance`);
    const gh = this.hop(e.via);
    if (!this.lean) gh.at = (e.via === "load-balancer" ? `load balancer outbound rule (${e.frontendIps.length} frontend IP${e.frontendIps.length === 1 ? "" : "s"})` : "NAT gateway");
    // A cluster node sends it: a private source, SNATed by the egress.
    this.rewrite(gh, "srcIp", ip4(e.address!)!, e.via === "load-balancer" ? "load balancer outbound SNAT" : "NAT gateway SNAT");
    this.note(gh, e.via === "load-balancer" ? `SNAT ports per node: ${e.snatPortsPerNode ?? "n/a"}${e.frontendIps.length > 1 ? "; one of the frontend IPs is used" : ""}` : `SNAT ports shared on demand (${e.snatPortsTotal} in all)`);
    const fe = dp.classify(this.pkt.dst);
    if (fe.kind === "service" && fe.via === "load-balancer") return this.atLoadBalancer(fe.service);
    const ih = this.hop("internet");
    if (!this.lean) ih.at = `internet ${fmt4(this.pkt.dst)}`;
    return this.deliver(ih);
  }

  atLoadBalancer(s: DpService): Done {
    const h = this.hop("load-balancer");
    if (!this.lean) h.at = `load balancer frontend ${s.loadBalancerIP} (${s.namespace}/${s.name})`;
    const port = s.ports.find((p) => p.port === this.pkt.dport && p.proto === this.pkt.proto);
    if (!port) throw new Done("dropped", `the load balancer has no rule for ${this.pkt.proto}/${this.pkt.dport} on ${s.loadBalancerIP} (ports: ${s.ports.map((p) => `${p.proto}/${p.port}`).join(", ")})`);
    const backends = backendsOf(this.dp, s);
    if (!backends.length && s.externalTrafficPolicy === "Local") throw new Done("dropped", `externalTrafficPolicy Local and no node has an endpoint of ${s.namespace}/${s.name}: the health probe fails on every node`);
    const b = backends[0];
    if (!this.lean) h.steps.push({ kind: "load-balancer", frontend: `${s.loadBalancerIP}:${port.port}`, backend: b.name, note: `${s.externalTrafficPolicy === "Local" ? "only nodes with a local endpoint pass the health probe" : "every node is in the backend pool"}: ${backends.length} backend node(s), the first shown; floating IP keeps the frontend address as destination` });
    return this.atNode(b);
  }

  /** The packet reaches a node's NIC from the network. */
  atNode(node: DpNode): Done {
    const h = this.hop("node");
    if (!this.lean) h.at = `node ${node.name} (${node.address})`;
    this.nsg(h, "Inbound", node.subnet, node.pool, node);
    this.nodeStack(h, node, "network");
    const d = this.pkt.dst;
    if (d === node.ip) return this.deliver(h, "delivered to the node itself");
    const pod = this.dp.podAt(d);
    if (pod && pod.node === node) return this.toPod(node, pod.index);
    if (pod || this.dp.classify(d).kind !== "pod-cidr") {
      // Forwarded on (a Service endpoint elsewhere): out of the NIC again.
      this.nsg(h, "Outbound", node.subnet, node.pool, node);
      return this.route(node.subnet, node);
    }
    throw new Done("unreachable", `no pod holds ${fmt4(d)} on ${node.name}`);
  }

  atVm(subnet: string): Done {
    const h = this.hop("vm");
    if (!this.lean) h.at = `VM ${fmt4(this.pkt.dst)} in subnet ${subnet}`;
    this.nsg(h, "Inbound", subnet, undefined);
    return this.deliver(h);
  }
}

/** A LoadBalancer Service's backend pool: every node, or under externalTrafficPolicy Local the nodes with an endpoint (health probe). */
const backendPools = new WeakMap<DpService, DpNode[]>();
function backendsOf(dp: Dataplane, s: DpService): DpNode[] {
  if (s.externalTrafficPolicy !== "Local") return dp.nodes;
  let b = backendPools.get(s);
  if (!b) {
    const withLocal = new Set(s.endpoints.map((e) => e.node));
    backendPools.set(s, (b = dp.nodes.filter((n) => withLocal.has(n.name))));
  }
  return b;
}

function nodeOf(dp: Dataplane, pool: string, index: number, text: string): DpNode {
  const n = dp.nodeAt(pool, index);
  if (!n) {
    // Every pool of the cluster, those at count 0 (no node to trace) included.
    const pools = dp.cluster.pools.map((x) => x.name);
    const count = dp.nodes.filter((x) => x.pool === pool).length;
    throw new UsageError(`${text}: ${!pools.includes(pool) ? `no pool ${pool} (pools: ${pools.join(", ")})` : count ? `pool ${pool} has ${count} node(s) (0-${count - 1})` : `pool ${pool} has no nodes (its count is 0)`}`);
  }
  return n;
}

/** Services an unknown-Service error lists by name: a cluster may have thousands. */
export const SERVICES_LISTED = 8;

function serviceOf(dp: Dataplane, name: string, text: string): DpService {
  const s = name.includes("/") ? dp.serviceByName.get(name) : dp.serviceByShortName.get(name);
  if (!s) {
    const names = dp.services.map((x) => `${x.namespace}/${x.name}`);
    const listed = names.length > SERVICES_LISTED ? `${names.slice(0, SERVICES_LISTED).join(", ")} and ${names.length - SERVICES_LISTED} more` : names.join(", ") || "none";
    // Only AKS's own Services (kube-dns): the workload's were not given.
    const own = dp.services.every((x) => x.namespace === "kube-system");
    throw new UsageError(`${text}: no Service ${name} (services: ${listed})`, own ? "give the Services with --workload" : "name one of the workload's Services: NAMESPACE/NAME, or NAME alone");
  }
  return s;
}

/** Where a flow starts: its end as reported, its address, and the walk's first hop. */
interface Source {
  end: TraceEnd;
  /** An internet client (a Service is reached at its frontend). */
  internet: boolean;
  ip: number;
  inCluster: boolean;
  start: (w: Walk) => Done;
}

/**
 * Where a flow starts, as resolveSource finds it, without the objects it reports: the kind it is
 * reported as (an ip: address of a node or pod is that node or pod), its address, the node (and
 * the pod's index), the class of any other address. Throws what resolveSource throws.
 */
export interface SourcePlace {
  kind: "pod" | "node" | "ip";
  ip: number;
  node?: DpNode;
  index?: number;
  /** ip: the class classify() gives (vnet, peered, on-premises, internet). */
  cls?: AddressClass & { kind: "vnet" | "peered" | "on-premises" | "internet" };
  /** An internet client (a Service is reached at its frontend). */
  internet: boolean;
}

export function sourcePlace(dp: Dataplane, from: Endpoint): SourcePlace {
  if (from.kind === "pod") {
    const n = nodeOf(dp, from.pool, from.node, from.text);
    const ip = dp.podIp(n, from.index);
    if (ip === undefined) throw new UsageError(`${from.text}: node ${n.name} has pod indexes 0-${n.maxPods - 1}`);
    return { kind: "pod", ip, node: n, index: from.index, internet: false };
  }
  if (from.kind === "node") {
    const n = nodeOf(dp, from.pool, from.node, from.text);
    return { kind: "node", ip: n.ip, node: n, internet: false };
  }
  if (from.kind === "service") throw new UsageError(`--from ${from.text}: a Service is not a source; trace from one of its pods`);
  const ip = from.ip;
  const cls = dp.classify(ip);
  if (cls.kind === "node") return { kind: "node", ip, node: cls.node, internet: false };
  if (cls.kind === "pod") return { kind: "pod", ip, node: cls.node, index: cls.index, internet: false };
  if (cls.kind === "vnet" || cls.kind === "peered" || cls.kind === "on-premises" || cls.kind === "internet") return { kind: "ip", ip, cls, internet: cls.kind === "internet" };
  throw new UsageError(`--from ${from.text}: ${fmt4(ip)} is neither in the cluster, the VNet, a peered VNet, on-premises nor public`, "say where it is: --on-prem CIDR, or onPremises / peeredNetworks in a cluster spec (a VNet document's peerings count as peered VNets)");
}

function resolveSource(dp: Dataplane, from: Endpoint): Source {
  const p = sourcePlace(dp, from), ip = p.ip, n = p.node;
  if (p.kind === "pod") {
    const index = p.index!;
    return { end: { endpoint: from.text, kind: "pod", address: fmt4(ip), nodeAddress: n!.address, node: n!.name }, internet: false, ip, inCluster: true, start: (w) => w.fromPod(n!, index) };
  }
  if (p.kind === "node") return { end: { endpoint: from.text, kind: "node", address: n!.address, node: n!.name }, internet: false, ip, inCluster: true, start: (w) => w.fromNode(n!) };
  const cls = p.cls!;
  const at = (start: (w: Walk) => Done): Source => ({ end: { endpoint: from.text, kind: "ip", address: fmt4(ip), class: cls.kind }, internet: p.internet, ip, inCluster: false, start });
  if (cls.kind === "vnet") return at((w) => w.fromVm(ip, cls.subnet));
  if (cls.kind === "peered" || cls.kind === "on-premises") return at((w) => w.fromOutside(cls.kind, cls.name));
  return at((w) => w.fromInternet(ip));
}

/** Where a flow goes: its end as reported (without `resolved`), its address, and for a Service the port it names. */
interface Target {
  end: TraceEnd;
  dst: number;
  /** A Service's port (the flow's port and protocol default to it). */
  port?: DpServicePort;
}

/**
 * Where a flow goes, as resolveTarget finds it, without the end it reports: the endpoint's kind,
 * the address a packet is sent to (a Service's frontend for an internet client), the node (pod:
 * and node: endpoints), an ip: endpoint's class, a Service's port. Throws what resolveTarget throws.
 */
export interface TargetPlace {
  kind: "pod" | "node" | "service" | "ip";
  dst: number;
  node?: DpNode;
  port?: DpServicePort;
  /** ip: TraceEnd.class; and the node of a pod's address. */
  ipClass?: string;
  ipNode?: DpNode;
}

export function targetPlace(dp: Dataplane, to: Endpoint, internet: boolean): TargetPlace {
  if (to.kind === "pod") {
    const n = nodeOf(dp, to.pool, to.node, to.text);
    const ip = dp.podIp(n, to.index);
    if (ip === undefined) throw new UsageError(`${to.text}: node ${n.name} has pod indexes 0-${n.maxPods - 1}`);
    return { kind: "pod", dst: ip, node: n };
  }
  if (to.kind === "node") {
    const n = nodeOf(dp, to.pool, to.node, to.text);
    return { kind: "node", dst: n.ip, node: n };
  }
  if (to.kind === "service") {
    const s = serviceOf(dp, to.name, to.text);
    let p = s.ports[0];
    if (to.port !== undefined) {
      p = s.ports.find((x) => x.name === to.port || String(x.port) === to.port) ?? (() => { throw new UsageError(`${to.text}: Service ${s.namespace}/${s.name} has no port ${to.port} (ports: ${s.ports.map((x) => x.name || x.port).join(", ")})`); })();
    }
    const external = internet && s.loadBalancerIP !== undefined;
    return { kind: "service", dst: ip4(external ? s.loadBalancerIP! : s.clusterIP)!, port: p };
  }
  const c = dp.classify(to.ip);
  return { kind: "ip", dst: to.ip, ipClass: c.kind === "pod" || c.kind === "node" ? c.kind : c.kind === "service" ? "service" : c.kind, ipNode: c.kind === "pod" ? c.node : undefined };
}

function resolveTarget(dp: Dataplane, to: Endpoint, src: Source): Target {
  const p = targetPlace(dp, to, src.internet), n = p.node;
  if (p.kind === "pod") return { dst: p.dst, end: { endpoint: to.text, kind: "pod", address: fmt4(p.dst), nodeAddress: n!.address, node: n!.name } };
  if (p.kind === "node") return { dst: p.dst, end: { endpoint: to.text, kind: "node", address: n!.address, node: n!.name } };
  if (p.kind === "service") return { dst: p.dst, port: p.port, end: { endpoint: to.text, kind: "service", address: fmt4(p.dst) } };
  const end: TraceEnd = { endpoint: to.text, kind: "ip", address: fmt4(p.dst), class: p.ipClass };
  if (p.ipNode) { end.nodeAddress = p.ipNode.address; end.node = p.ipNode.name; }
  return { dst: p.dst, end };
}

/** Walks one resolved flow; the Done that ended it. Anything else a primitive throws goes through. */
function walk(w: Walk, src: Source, tgt: Target, proto: "tcp" | "udp", dport: number): Done {
  w.reset(src.ip, tgt.dst, proto, dport);
  try {
    return src.start(w);
  } catch (e) {
    if (e instanceof Done) return e;
    throw e;
  }
}

/** Traces one flow; the verdict, reason and hops say what happened and why. */
export function trace(dp: Dataplane, flow: FlowSpec, opts: TraceOptions = {}): Trace {
  const from = typeof flow.from === "string" ? parseEndpoint(flow.from, "--from") : flow.from;
  const to = typeof flow.to === "string" ? parseEndpoint(flow.to, "--to") : flow.to;
  const src = resolveSource(dp, from);
  const tgt = resolveTarget(dp, to, src);
  const proto = flow.proto ?? tgt.port?.proto ?? "tcp";
  const dport = flow.port ?? tgt.port?.port ?? 80;
  const w = new Walk(dp, opts);
  const done = walk(w, src, tgt, proto, dport);
  const fromEnd: TraceEnd = { ...src.end }, toEnd: TraceEnd = { ...tgt.end };
  if (to.kind === "service" && w.pkt.dst !== tgt.dst) toEnd.resolved = `${fmt4(w.pkt.dst)}:${w.pkt.dport}`;
  const t: Trace = {
    model: dp.cluster.model, dataplane: dp.cluster.dataplane, flow: { proto, port: dport },
    verdict: done.verdict, ...(done.reason ? { reason: done.reason } : {}), ...(done.verdict === "delivered" && w.seen >= 0 ? { seenSource: fmt4(w.seen) } : {}),
    from: fromEnd, to: toEnd, hops: w.hops,
  };
  return t;
}

export type { Source as TraceSource, Target as TraceTarget };

/** What a lean trace keeps (a bulk result line's fields); addresses as numbers, -1 for none. */
export interface LeanTrace {
  verdict: Verdict;
  reason?: string;
  /** The source address as delivered. */
  seen: number;
  /** A Service's endpoint the packet was translated to, and its port. */
  resolved: number;
  resolvedPort: number;
  proto: "tcp" | "udp";
  port: number;
  /** Whether the walk rewrote the source (else `seen` is the flow's own source). */
  srcRewritten: boolean;
}

/**
 * Many flows through one dataplane, lean: endpoints resolved once per endpoint, one Walk reused,
 * no hop, step or Trace object. The same walk as trace(), so the same verdicts, reasons and
 * addresses; what a primitive throws that is not the walk's own (the bulk path's "not answered
 * yet") goes through to the caller, which replays the flow later.
 */
export class LeanTracer {
  private readonly walker: Walk;
  /** The result of the last run() (overwritten by the next). */
  readonly last: LeanTrace = { verdict: "delivered", seen: -1, resolved: -1, resolvedPort: -1, proto: "tcp", port: 0, srcRewritten: false };

  constructor(readonly dp: Dataplane, prims: Primitives) {
    this.walker = new Walk(dp, { primitives: prims, lean: true });
  }

  /** Where a flow from `from` starts (UsageError when it does not exist). */
  source(from: Endpoint): Source {
    return resolveSource(this.dp, from);
  }

  /** Where a flow to `to` goes from `src` (UsageError when it does not exist). */
  target(to: Endpoint, src: Source): Target {
    return resolveTarget(this.dp, to, src);
  }

  /** Whether target(to, src) depends on the source: a Service's frontend for an internet client. */
  externalTarget(to: Endpoint, src: Source): boolean {
    return src.internet && to.kind === "service";
  }

  run(s: Source, t: Target, toService: boolean, port?: number, proto?: "tcp" | "udp"): LeanTrace {
    const pr = proto ?? t.port?.proto ?? "tcp";
    const dport = port ?? t.port?.port ?? 80;
    const w = this.walker;
    const done = walk(w, s, t, pr, dport);
    const r = this.last;
    r.verdict = done.verdict;
    r.reason = done.reason;
    r.seen = done.verdict === "delivered" ? w.seen : -1;
    const moved = toService && w.pkt.dst !== t.dst;
    r.resolved = moved ? w.pkt.dst : -1;
    r.resolvedPort = moved ? w.pkt.dport : -1;
    r.proto = pr;
    r.port = dport;
    r.srcRewritten = w.srcRewritten;
    return r;
  }
}
