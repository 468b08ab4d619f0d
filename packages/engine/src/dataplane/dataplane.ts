// dataplane(): what a cluster would hold, deterministically — node and pod addresses, Services
// with their endpoints, the effective routes of every subnet (kubenet's route table included),
// the NSGs with their default rules, the egress path — plus, on demand, each node's generated
// iptables-save ruleset (built and parsed only for the nodes a trace visits).
import { InputError } from "../errors.ts";
import { parseRuleset } from "../netfilter/parse.ts";
import type { Ruleset } from "../netfilter/model.ts";
import { snatOf, type Cluster } from "./cluster.ts";
import { allocateNodes, firstV4, podIpam, ServiceIpAllocator } from "./addresses.ts";
import {
  NON_MASQ_SCOPE, PLACEHOLDER_PUBLIC, POD_HOST_OFFSET, VIRTUAL_NETWORK_TAG_HAS_OVERLAY_POD_CIDR, VIRTUAL_NETWORK_TAG_HAS_UDR_PREFIXES, VMSS_ID,
} from "./constants.ts";
import { nodeRuleset } from "./iptables.ts";
import type { RouteTableInput } from "./inputs.ts";
import { fmt4, in4, ip4, p4, parseP4, text4, type P4 } from "./net4.ts";
import { CompiledNsg } from "./nsg.ts";
import { effectiveRoutes, SubnetRoutes, type RoutingInput } from "./routing.ts";
import type { DataplaneResult, DpEgress, DpEndpoint, DpNetwork, DpNode, DpRoute, DpRouteTable, DpService, Nsg, NsgRule } from "./result.ts";
import type { Workload, WorkloadService } from "./workload.ts";

export interface DataplaneInputs {
  workload?: Workload;
  routeTables?: RouteTableInput[];
  nsgs?: Nsg[];
}

/** What an address is, from the inputs. */
export type AddressClass =
  | { kind: "node"; node: DpNode }
  | { kind: "pod"; node: DpNode; index: number }
  | { kind: "service"; service: DpService; via: "cluster-ip" | "load-balancer" }
  | { kind: "vnet"; subnet?: string }
  | { kind: "peered"; name: string }
  | { kind: "on-premises"; name: string }
  | { kind: "pod-cidr" }
  | { kind: "service-cidr" }
  | { kind: "egress" }
  | { kind: "internet" }
  | { kind: "private" };

const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4"].map(parseP4);

export class Dataplane {
  readonly nodes: DpNode[];
  readonly byName = new Map<string, DpNode>();
  readonly byIp = new Map<number, DpNode>();
  readonly services: DpService[];
  readonly serviceByName = new Map<string, DpService>();
  /** Services by their short name (the first of that name) and by cluster IP. */
  readonly serviceByShortName = new Map<string, DpService>();
  readonly byClusterIp = new Map<number, DpService>();
  readonly vnetSpace: P4[];
  readonly subnets: { name: string; prefix: P4 }[];
  readonly peered: { name: string; prefixes: P4[] }[];
  readonly onPrem: { name: string; prefixes: P4[] }[];
  readonly podCidr?: P4;
  readonly serviceCidr: P4;
  readonly nonMasq: P4[];
  readonly egress: DpEgress;
  readonly nsgs: Nsg[];
  readonly compiledNsgs: CompiledNsg[];
  readonly kubeProxy: boolean;
  readonly clusterCidr: string;
  readonly notes: string[] = [];
  /** Pools of Windows nodes (their HNS is not modelled: traces say so). */
  readonly windowsPools: ReadonlySet<string>;
  private readonly ipam: ReturnType<typeof podIpam>;
  private readonly routing: RoutingInput;
  private readonly tables = new Map<string, SubnetRoutes>();
  private readonly rulesets = new Map<string, Ruleset>();
  private readonly frontends = new Map<number, DpService>();
  private podReverse?: Map<number, { node: DpNode; index: number }>;
  private podRecords?: { node: DpNode; index: number }[][];

  constructor(readonly cluster: Cluster, inputs: DataplaneInputs = {}) {
    const c = cluster;
    // An az document that names its subnets but not the VNet (a subnet's range from --subnet or an
    // `az network vnet subnet show` does not say it): the planner checks what it can, but every
    // walk needs the VNet's range (its system route, which addresses are VMs, kube-proxy's cluster
    // CIDR and ip-masq-agent's list under Azure CNI).
    if (!c.vnet.addressSpace.length) {
      throw new InputError(`VNet ${c.vnet.name}: its address space is not in the input, and the dataplane needs it (the VNet's system route, which addresses are VNet VMs, the non-masquerade ranges)`, "pass the VNet (--vnet vnet.json, from az network vnet show -o json)");
    }
    this.kubeProxy = c.dataplane !== "cilium";
    this.nodes = allocateNodes(c);
    for (const n of this.nodes) { this.byName.set(n.name, n); this.byIp.set(n.ip, n); }
    this.ipam = podIpam(c, this.nodes);
    this.vnetSpace = c.vnet.addressSpace.filter((p) => p.prefix.family === 4).map((p) => p4(p.prefix));
    this.subnets = c.vnet.subnets.filter((s) => s.prefixes.some((p) => p.family === 4)).map((s) => ({ name: s.name, prefix: firstV4(s.prefixes, s.name) }));
    const ext = (kind: string) => c.external.filter((e) => e.kind === kind).map((e) => ({ name: e.name, prefixes: e.prefixes.filter((p) => p.prefix.family === 4).map((p) => p4(p.prefix)) }));
    this.peered = ext("peered");
    this.onPrem = ext("on-premises");
    if (c.model === "kubenet" || c.model === "azure-cni-overlay" || c.model === "byo") this.podCidr = firstV4(c.podCidrs.map((p) => p.prefix), "the pod CIDR");
    this.serviceCidr = firstV4(c.serviceCidrs.map((p) => p.prefix), "the service CIDR");
    const scope = NON_MASQ_SCOPE[c.model];
    this.nonMasq = scope === "pod-cidr" ? [this.podCidr!] : scope === "vnet" ? [...this.vnetSpace] : [...this.vnetSpace, ...this.peered.flatMap((e) => e.prefixes), ...this.onPrem.flatMap((e) => e.prefixes)];
    this.clusterCidr = text4(this.podCidr ?? this.vnetSpace[0]);
    if (c.podCidrs.some((p) => p.prefix.family === 6) || c.serviceCidrs.some((p) => p.prefix.family === 6)) this.notes.push("dual-stack: only the IPv4 family is modelled");
    this.windowsPools = new Set(c.pools.filter((p) => p.osType === "Windows").map((p) => p.name));
    if (this.windowsPools.size) this.notes.push(`Windows pools (${[...this.windowsPools].join(", ")}): their nodes' kube-proxy programs HNS, which is not modelled; they are given the Linux nodes' iptables rules`);

    this.services = this.buildServices(inputs.workload);
    for (const s of this.services) {
      this.serviceByName.set(`${s.namespace}/${s.name}`, s);
      if (!this.serviceByShortName.has(s.name)) this.serviceByShortName.set(s.name, s);
      this.byClusterIp.set(ip4(s.clusterIP)!, s);
    }

    // Route tables: the input's, attached to their subnets; kubenet's AKS routes in the node subnets' table.
    const attached = new Map<string, { table: string; routes: DpRoute[] }>();
    for (const t of inputs.routeTables ?? []) {
      for (const s of t.subnets) {
        if (!this.subnets.some((x) => x.name.toLowerCase() === s.toLowerCase())) throw new InputError(`${t.source}: route table ${t.name} is attached to subnet ${s}, which is not in VNet ${c.vnet.name}`);
        const name = this.subnets.find((x) => x.name.toLowerCase() === s.toLowerCase())!.name;
        if (attached.has(name)) throw new InputError(`${t.source}: subnet ${name} has two route tables (${attached.get(name)!.table}, ${t.name}); Azure allows one`);
        attached.set(name, { table: t.name, routes: t.routes.map((r) => ({ name: r.name, prefix: r.prefix, nextHopType: r.nextHopType, nextHop: r.nextHop, source: "User" as const })) });
      }
    }
    if (c.model === "kubenet") {
      for (const sub of new Set(this.nodes.map((n) => n.subnet))) {
        const t = attached.get(sub) ?? { table: `aks-agentpool-${VMSS_ID}-routetable`, routes: [] };
        for (const n of this.nodes) t.routes.push({ name: n.name, prefix: n.podCidr!, nextHopType: "VirtualAppliance", nextHop: n.address, source: "AKS" });
        attached.set(sub, t);
      }
    }
    this.routing = { vnetSpace: this.vnetSpace, peered: this.peered, onPrem: this.onPrem, attached, subnets: this.subnets.map((s) => s.name) };

    this.egress = this.buildEgress(attached);

    // NSGs: the input's, plus the node NSG AKS manages at NIC level with the Services' rules.
    this.nsgs = [...(inputs.nsgs ?? [])];
    for (const g of this.nsgs) {
      for (const s of g.subnets) if (!this.subnets.some((x) => x.name.toLowerCase() === s.toLowerCase())) throw new InputError(`${g.source}: NSG ${g.name} is attached to subnet ${s}, which is not in VNet ${c.vnet.name}`);
      for (const p of g.nics) if (!c.pools.some((x) => x.name === p)) throw new InputError(`${g.source}: NSG ${g.name} is attached to the NICs of pool ${p}, which is not in the cluster`);
    }
    this.nsgs.push(this.aksNodeNsg());
    const tag: P4[] = [...this.vnetSpace, ...this.peered.flatMap((e) => e.prefixes), ...this.onPrem.flatMap((e) => e.prefixes)];
    if (VIRTUAL_NETWORK_TAG_HAS_UDR_PREFIXES) for (const t of attached.values()) for (const r of t.routes) if (r.prefix !== "0.0.0.0/0") tag.push(parseP4(r.prefix));
    if (VIRTUAL_NETWORK_TAG_HAS_OVERLAY_POD_CIDR && c.model === "azure-cni-overlay" && this.podCidr) tag.push(this.podCidr);
    this.compiledNsgs = this.nsgs.map((g) => new CompiledNsg(g, { virtualNetwork: tag }));
  }

  private buildServices(w?: Workload): DpService[] {
    const c = this.cluster;
    const dns = ip4(c.dnsServiceIp.addr.toString());
    const alloc = new ServiceIpAllocator(this.serviceCidr, dns !== undefined ? [dns] : []);
    const used = new Map<string, number>(); // node name → next free pod index
    const system = this.nodes.filter((n) => c.pools.find((p) => p.name === n.pool)?.mode === "System");
    const userPools = c.pools.filter((p) => p.mode === "User").map((p) => p.name);
    const userNodes = this.nodes.filter((n) => userPools.includes(n.pool));
    let rr = 0;
    const place = (count: number, among: DpNode[], what: string): DpEndpoint[] => {
      const out: DpEndpoint[] = [];
      if (count && !among.length) throw new InputError(`${what}: no node to place its ${count} endpoints on`);
      for (let k = 0; k < count; k++) {
        let node: DpNode | undefined;
        for (let tries = 0; tries < among.length; tries++) {
          const cand = among[(rr + tries) % among.length];
          if ((used.get(cand.name) ?? 0) < cand.maxPods) { node = cand; rr = (rr + tries + 1) % among.length; break; }
        }
        if (!node) throw new InputError(`${what}: ${count} endpoints do not fit on ${among.length} nodes (maxPods reached)`);
        const index = used.get(node.name) ?? 0;
        used.set(node.name, index + 1);
        out.push(this.endpointOf(node, index));
      }
      return out;
    };
    const services: DpService[] = [];
    if (dns !== undefined && in4(dns, this.serviceCidr)) {
      services.push({
        namespace: "kube-system", name: "kube-dns", type: "ClusterIP", clusterIP: fmt4(dns),
        ports: [{ name: "dns", proto: "udp", port: 53, targetPort: 53 }, { name: "dns-tcp", proto: "tcp", port: 53, targetPort: 53 }],
        externalTrafficPolicy: "Cluster", sessionAffinity: false, loadBalancerSourceRanges: [],
        endpoints: place(Math.min(2, system.length ? 2 : 0), system.length ? system : this.nodes, "kube-system/kube-dns"), path: "(CoreDNS, added by AKS)",
      });
    }
    let lbNext = 0, npNext = 30000;
    const workloadPods = new Map<string, DpEndpoint[]>();
    const nodePorts = new Set<number>();
    for (const ws of w?.services ?? []) for (const p of ws.ports) if (p.nodePort !== undefined) {
      if (nodePorts.has(p.nodePort)) throw new InputError(`${w!.source}: ${ws.path}: nodePort ${p.nodePort} is already used by another Service`);
      nodePorts.add(p.nodePort);
    }
    for (const ws of w?.services ?? []) {
      const what = `${w!.source}: ${ws.path} (${ws.namespace}/${ws.name})`;
      let among = userNodes.length ? userNodes : this.nodes;
      if (ws.pool) {
        among = this.nodes.filter((n) => n.pool === ws.pool);
        if (!among.length) throw new InputError(`${what}: pool ${ws.pool} is not in the cluster`);
      }
      // A workload's pods are placed once (by the first Service that selects it): every Service
      // that selects the same workload has the same endpoints, as in the cluster.
      const endpoints = ws.selects ? ws.selects.flatMap((g) => {
        let pods = workloadPods.get(g.workload);
        if (!pods) workloadPods.set(g.workload, (pods = place(g.replicas, among, what)));
        return pods;
      }) : typeof ws.endpoints === "number" ? place(ws.endpoints, among, what) : ws.endpoints.map((ref) => {
        const [pool, ni, pi] = ref.split("/");
        const node = this.nodes.find((n) => n.pool === pool && n.index === Number(ni));
        if (!node) throw new InputError(`${what}: endpoint pod ${ref}: no node ${ni} in pool ${pool}`);
        if (Number(pi) >= node.maxPods) throw new InputError(`${what}: endpoint pod ${ref}: index ${pi} is beyond maxPods ${node.maxPods}`);
        used.set(node.name, Math.max(used.get(node.name) ?? 0, Number(pi) + 1));
        return this.endpointOf(node, Number(pi));
      });
      const external = ws.type !== "ClusterIP";
      const ports = ws.ports.map((p) => {
        let nodePort = p.nodePort;
        if (external && nodePort === undefined) {
          while (nodePorts.has(npNext)) npNext++;
          nodePort = npNext++;
          nodePorts.add(nodePort);
        }
        return { ...p, nodePort: external ? nodePort : undefined };
      });
      services.push({
        namespace: ws.namespace, name: ws.name, type: ws.type,
        clusterIP: fmt4(alloc.take(ws.clusterIP !== undefined ? ip4(ws.clusterIP) : undefined, what)),
        loadBalancerIP: ws.type === "LoadBalancer" ? ws.loadBalancerIP ?? fmt4((PLACEHOLDER_PUBLIC.inbound + lbNext++) >>> 0) : undefined,
        ports, externalTrafficPolicy: ws.externalTrafficPolicy, sessionAffinity: ws.sessionAffinity, loadBalancerSourceRanges: ws.loadBalancerSourceRanges,
        endpoints, path: ws.path,
      });
    }
    for (const s of services) if (s.loadBalancerIP) this.frontends.set(ip4(s.loadBalancerIP)!, s);
    return services;
  }

  private endpointOf(node: DpNode, index: number): DpEndpoint {
    const ip = this.podIp(node, index);
    if (ip === undefined) throw new InputError(`pod ${node.pool}/${node.index}/${index} has no address (${this.ipam.describe(node)})`);
    return { pod: `${node.pool}/${node.index}/${index}`, address: fmt4(ip), node: node.name };
  }

  private buildEgress(attached: Map<string, { table: string; routes: DpRoute[] }>): DpEgress {
    const o = this.cluster.outbound;
    const snat = snatOf(this.cluster);
    const ips = (base: number, n: number) => Array.from({ length: n }, (_, i) => fmt4((base + i) >>> 0));
    if (o.type === "loadBalancer") {
      const n = (o.loadBalancer?.managedOutboundIps ?? 1) + (o.loadBalancer?.byoOutboundIps ?? 0);
      const f = ips(PLACEHOLDER_PUBLIC.outbound, Math.max(1, n));
      return { outboundType: o.type, address: f[0], via: "load-balancer", frontendIps: f, snatPortsPerNode: snat.portsPerNode, snatPortsTotal: snat.totalPorts, note: "frontend addresses are stand-ins (198.51.100.0/24): the real ones are not in the inputs" };
    }
    if (o.type === "managedNATGateway" || o.type === "userAssignedNATGateway" || o.type === "managedNATGatewayV2") {
      const f = ips(PLACEHOLDER_PUBLIC.natGateway, o.natGatewayIps ?? 1);
      return { outboundType: o.type, address: f[0], via: "nat-gateway", frontendIps: f, snatPortsPerNode: null, snatPortsTotal: snat.totalPorts, note: "NAT gateway ports are shared on demand, not pre-allocated per node; addresses are stand-ins" };
    }
    if (o.type === "userDefinedRouting") {
      const sub = this.nodes[0]?.subnet;
      const def = sub ? attached.get(sub)?.routes.find((r) => r.prefix === "0.0.0.0/0") : undefined;
      if (!def || def.nextHopType !== "VirtualAppliance") {
        this.notes.push("outboundType userDefinedRouting, but no route table with 0.0.0.0/0 → VirtualAppliance is attached to the node subnet (AKS refuses this): pass it with --routes");
        return { outboundType: o.type, via: "appliance", frontendIps: [], snatPortsPerNode: null, snatPortsTotal: 0 };
      }
      return { outboundType: o.type, address: def.nextHop, via: "appliance", appliance: def.nextHop, frontendIps: [], snatPortsPerNode: null, snatPortsTotal: 0, note: "the appliance SNATs to its own public address, which is not in the inputs" };
    }
    return { outboundType: o.type, via: "none", frontendIps: [], snatPortsPerNode: null, snatPortsTotal: 0, note: o.type === "block" ? "internet egress is blocked" : "AKS configures no egress path" };
  }

  /** The node NSG AKS keeps at NIC level: Azure's defaults plus one rule per LoadBalancer port. [cloud-provider-azure] */
  private aksNodeNsg(): Nsg {
    const rules: NsgRule[] = [];
    let prio = 500;
    for (const s of this.services) {
      if (!s.loadBalancerIP) continue;
      for (const p of s.ports) {
        const sources = s.loadBalancerSourceRanges.length ? s.loadBalancerSourceRanges : ["Internet"];
        rules.push({
          name: `k8s-azure-lb_allow_IPv4_${s.namespace}-${s.name}-${p.proto.toUpperCase()}-${p.port}`, priority: prio++, direction: "Inbound", access: "Allow",
          protocol: p.proto === "udp" ? "Udp" : "Tcp", sourcePrefixes: sources, destinationPrefixes: [`${s.loadBalancerIP}/32`], sourcePorts: ["*"], destinationPorts: [String(p.port)],
          path: `(added by AKS for Service ${s.namespace}/${s.name})`,
        });
      }
    }
    return { name: `aks-agentpool-${VMSS_ID}-nsg`, subnets: [], nics: this.cluster.pools.map((p) => p.name), rules, source: "(AKS-managed)" };
  }

  private byPoolIndex?: Map<string, DpNode[]>;
  /** The node `index` of `pool` (the NODE of pod:POOL/NODE/INDEX). */
  nodeAt(pool: string, index: number): DpNode | undefined {
    if (!this.byPoolIndex) {
      this.byPoolIndex = new Map();
      for (const n of this.nodes) {
        let a = this.byPoolIndex.get(n.pool);
        if (!a) this.byPoolIndex.set(n.pool, (a = []));
        a[n.index] = n;
      }
    }
    const a = this.byPoolIndex.get(pool);
    return a && Number.isInteger(index) && index >= 0 ? a[index] : undefined;
  }

  podIp(node: DpNode, index: number): number | undefined {
    return this.ipam.podIp(node, index);
  }

  /** Effective routes of a subnet (undefined: a VNet address outside every listed subnet). */
  routes(subnet: string | undefined): SubnetRoutes {
    const key = subnet ?? "";
    let t = this.tables.get(key);
    if (!t) this.tables.set(key, (t = new SubnetRoutes(effectiveRoutes(this.routing, subnet))));
    return t;
  }

  /**
   * The node's generated ruleset, parsed by the netfilter engine (built once per node). Parsed
   * lazily: the kernel program is compiled without Rule objects, and a trace makes those of the
   * chains it walks only.
   */
  ruleset(node: DpNode): Ruleset {
    // Nodes differ only in their local endpoints of externalTrafficPolicy Local Services (and the
    // header comment): nodes with the same ones share one parsed ruleset and one compiled program.
    const key = this.localKey(node);
    let rs = this.rulesets.get(key);
    if (!rs) this.rulesets.set(key, (rs = parseRuleset(this.iptables(node), { source: `${node.name}.rules`, lazy: true })));
    return rs;
  }

  /**
   * The ruleset the bulk path traces `dst` with on `node`: rules that no such packet can match
   * left out. A packet for one of the node's addresses (NodePorts) or for a Local Service's
   * frontend: the node's rules for the NodePort and LoadBalancer Services only (a ClusterIP rule
   * matches only its ClusterIP). Any other packet: one ruleset shared by every node, built for a
   * node without local endpoints (the rules that differ between nodes — KUBE-SVL-*, the "no local
   * endpoints" drops — match only the first kind). And each of these rulesets holds only the
   * endpoints the first alternative can reach (firstAlternativeServices): the bulk path reads no
   * other. Verdicts and rewrites of the first alternative are the node's own (a property test
   * compares them with trace() on the node's full ruleset); rule line numbers refer to the
   * smaller text, and the alternatives' probabilities are not the node's.
   */
  /** Whether rulesetFor(node, dst) is the ruleset every node shares. */
  sharedFor(node: DpNode, dst: number): boolean {
    this.localServices ??= this.services.filter((s) => s.externalTrafficPolicy === "Local" && (s.loadBalancerIP !== undefined || s.ports.some((p) => p.nodePort !== undefined)));
    return dst !== node.ip && !this.localFrontends.has(dst);
  }

  rulesetFor(node: DpNode, dst: number): Ruleset {
    if (!this.sharedFor(node, dst)) {
      const key = "external" + this.localKey(node);
      let rs = this.rulesets.get(key);
      if (!rs) {
        this.externalServices ??= this.services.filter((s) => s.loadBalancerIP !== undefined || s.ports.some((p) => p.nodePort !== undefined));
        const text = nodeRuleset({ node, services: firstAlternativeServices(this.externalServices, node.name), clusterCidr: this.clusterCidr, nonMasqueradeCidrs: this.nonMasq.map(text4) });
        this.rulesets.set(key, (rs = parseRuleset(text, { source: `${node.name}.external.rules`, lazy: true })));
      }
      return rs;
    }
    let rs = this.rulesets.get("shared");
    if (!rs) {
      const text = nodeRuleset({ node: { ...node, name: "(a node without local endpoints)" }, services: firstAlternativeServices(this.services, undefined), clusterCidr: this.clusterCidr, nonMasqueradeCidrs: this.nonMasq.map(text4) });
      this.rulesets.set("shared", (rs = parseRuleset(text, { source: "shared.rules", lazy: true })));
    }
    return rs;
  }
  private externalServices?: DpService[];

  /** The Services whose LoadBalancer frontend is `ip` (Services may share one, on other ports). */
  servicesOn(ip: number): readonly DpService[] {
    if (!this.byFrontend) {
      this.byFrontend = new Map();
      for (const s of this.services) if (s.loadBalancerIP) { const a = ip4(s.loadBalancerIP)!; (this.byFrontend.get(a) ?? this.byFrontend.set(a, []).get(a)!).push(s); }
    }
    return this.byFrontend.get(ip) ?? [];
  }
  private byFrontend?: Map<number, DpService[]>;

  /**
   * The bulk path's ruleset for a packet on `node` to a LoadBalancer frontend `dst` that is not
   * shared (externalTrafficPolicy Local, sharedFor false): the node's rules for the Services on
   * that address only. No other rule can match such a packet: every other Service rule names its
   * own address, and a frontend is not one of the node's LOCAL addresses. Built once per node and frontend.
   */
  frontendRulesetFor(node: DpNode, dst: number): Ruleset {
    const key = `frontend|${node.name}|${dst}`;
    let rs = this.rulesets.get(key);
    if (!rs) {
      const text = nodeRuleset({ node, services: firstAlternativeServices(this.servicesOn(dst), node.name), clusterCidr: this.clusterCidr, nonMasqueradeCidrs: this.nonMasq.map(text4) });
      this.rulesets.set(key, (rs = parseRuleset(text, { source: `${node.name}.frontend-${fmt4(dst)}.rules`, lazy: true })));
    }
    return rs;
  }

  private get localFrontends(): Set<number> {
    this.localFrontendSet ??= new Set(this.localServices!.filter((s) => s.loadBalancerIP).map((s) => ip4(s.loadBalancerIP!)!));
    return this.localFrontendSet;
  }
  private localFrontendSet?: Set<number>;

  private localServices?: DpService[];
  private localKeys = new Map<DpNode, string>();
  private localKey(node: DpNode): string {
    const hit = this.localKeys.get(node);
    if (hit !== undefined) return hit;
    this.localServices ??= this.services.filter((s) => s.externalTrafficPolicy === "Local" && (s.loadBalancerIP !== undefined || s.ports.some((p) => p.nodePort !== undefined)));
    let k = "";
    for (const s of this.localServices) {
      k += "|";
      for (const e of s.endpoints) if (e.node === node.name) k += e.address + ",";
    }
    this.localKeys.set(node, k);
    return k;
  }

  iptables(node: DpNode): string {
    return nodeRuleset({ node, services: this.services, clusterCidr: this.clusterCidr, nonMasqueradeCidrs: this.nonMasq.map(text4) });
  }

  subnetOf(ip: number): string | undefined {
    return this.subnets.find((s) => in4(ip, s.prefix))?.name;
  }

  /** NSGs that apply to a NIC of `pool` in `subnet` (NIC-level first, as Azure evaluates outbound). */
  nsgsFor(subnet: string | undefined, pool?: string): { nic: CompiledNsg[]; subnet: CompiledNsg[] } {
    const lc = subnet?.toLowerCase();
    return {
      nic: pool ? this.compiledNsgs.filter((g) => g.nsg.nics.includes(pool)) : [],
      subnet: lc ? this.compiledNsgs.filter((g) => g.nsg.subnets.some((s) => s.toLowerCase() === lc)) : [],
    };
  }

  classify(ip: number): AddressClass {
    const node = this.byIp.get(ip);
    if (node) return { kind: "node", node };
    const pod = this.podAt(ip);
    if (pod) return { kind: "pod", ...pod };
    const fe = this.frontends.get(ip);
    if (fe) return { kind: "service", service: fe, via: "load-balancer" };
    if (this.egress.frontendIps.includes(fmt4(ip))) return { kind: "egress" };
    if (in4(ip, this.serviceCidr)) {
      const s = this.byClusterIp.get(ip);
      if (s) return { kind: "service", service: s, via: "cluster-ip" };
      // A service CIDR overlapping the VNet (a planner error): an address in a subnet is a VM there.
      const sub = this.subnetOf(ip);
      return sub ? { kind: "vnet", subnet: sub } : { kind: "service-cidr" };
    }
    if (this.vnetSpace.some((p) => in4(ip, p))) return { kind: "vnet", subnet: this.subnetOf(ip) };
    for (const e of this.peered) if (e.prefixes.some((p) => in4(ip, p))) return { kind: "peered", name: e.name };
    for (const e of this.onPrem) if (e.prefixes.some((p) => in4(ip, p))) return { kind: "on-premises", name: e.name };
    if (this.podCidr && in4(ip, this.podCidr)) return { kind: "pod-cidr" };
    return PRIVATE.some((p) => in4(ip, p)) ? { kind: "private" } : { kind: "internet" };
  }

  /** The pod holding an address, if any. */
  podAt(ip: number): Readonly<{ node: DpNode; index: number }> | undefined {
    const m = this.cluster.model;
    if (this.podCidr) {
      if (!in4(ip, this.podCidr)) return undefined;
      const off = (ip - this.podCidr.net) >>> 0;
      const node = this.nodes[Math.floor(off / 256)];
      if (!node) return undefined;
      const index = (off % 256) - POD_HOST_OFFSET;
      if (index < 0 || this.podIp(node, index) !== ip) return undefined;
      // One record per pod, made on first use: a lookup per packet allocates nothing.
      this.podRecords ??= [];
      const recs = (this.podRecords[Math.floor(off / 256)] ??= []);
      return (recs[index] ??= { node, index });
    }
    if (m === "azure-cni") {
      // Each node's pods follow its own address (the first node whose block holds it), kept by
      // address: a lookup per packet, not a scan of the nodes.
      if (!this.podReverse) {
        this.podReverse = new Map();
        for (const n of this.nodes) for (let i = 0; i < n.maxPods && n.ip + 1 + i <= 0xffffffff; i++) { const a = n.ip + 1 + i; if (!this.podReverse.has(a)) this.podReverse.set(a, { node: n, index: i }); }
      }
      return this.podReverse.get(ip);
    }
    if (!this.podReverse) {
      this.podReverse = new Map();
      for (const n of this.nodes) for (let i = 0; i < n.maxPods; i++) { const a = this.podIp(n, i); if (a !== undefined) this.podReverse.set(a, { node: n, index: i }); }
    }
    return this.podReverse.get(ip);
  }

  /** One node: its addresses, pod range, the routes of its subnet, the NSGs on its path, its endpoints. */
  nodeDetail(node: DpNode): NodeDetail {
    const g = this.nsgsFor(node.subnet, node.pool);
    const first = this.podIp(node, 0), last = this.podIp(node, node.maxPods - 1);
    return {
      node,
      pods: { first: first === undefined ? null : fmt4(first), last: last === undefined ? null : fmt4(last), ipam: this.ipam.describe(node) },
      routes: this.routes(node.subnet).table,
      nsgs: [...g.nic.map((x) => ({ name: x.nsg.name, attachedTo: "NIC" })), ...g.subnet.map((x) => ({ name: x.nsg.name, attachedTo: `subnet ${node.subnet}` }))],
      endpoints: this.services.flatMap((s) => s.endpoints.filter((e) => e.node === node.name).map((e) => ({ service: `${s.namespace}/${s.name}`, pod: e.pod, address: e.address }))),
      kubeProxy: this.kubeProxy,
      nonMasqueradeCidrs: this.nonMasq.map(text4),
      egress: this.egress,
    };
  }

  result(): DataplaneResult {
    const c = this.cluster;
    const subnetsUsed = new Set([...this.nodes.map((n) => n.subnet), ...this.subnets.map((s) => s.name)]);
    const networks: DpNetwork[] = [
      { name: c.vnet.name, kind: "vnet", prefixes: this.vnetSpace.map(text4) },
      ...this.subnets.map((s) => ({ name: s.name, kind: "subnet" as const, prefixes: [text4(s.prefix)] })),
      ...this.peered.map((e) => ({ name: e.name, kind: "peered" as const, prefixes: e.prefixes.map(text4) })),
      ...this.onPrem.map((e) => ({ name: e.name, kind: "on-premises" as const, prefixes: e.prefixes.map(text4) })),
    ];
    return {
      cluster: c.name, model: c.model, dataplane: c.dataplane, kubeProxy: this.kubeProxy,
      podCidrs: this.podCidr ? [text4(this.podCidr)] : [], serviceCidr: text4(this.serviceCidr), dnsServiceIp: c.dnsServiceIp.addr.toString(),
      nonMasqueradeCidrs: this.nonMasq.map(text4),
      nodes: this.nodes, services: this.services,
      routeTables: [...subnetsUsed].map((s) => this.routes(s).table),
      nsgs: this.nsgs, egress: this.egress, networks, notes: this.notes,
    };
  }
}

export interface NodeDetail {
  node: DpNode;
  pods: { first: string | null; last: string | null; ipam: string };
  routes: DpRouteTable;
  nsgs: { name: string; attachedTo: string }[];
  endpoints: { service: string; pod: string; address: string }[];
  kubeProxy: boolean;
  nonMasqueradeCidrs: string[];
  egress: DpEgress;
}

export function dataplane(c: Cluster, inputs: DataplaneInputs = {}): Dataplane {
  return new Dataplane(c, inputs);
}

export type { WorkloadService };

/**
 * The Services as the bulk path's rulesets hold them: each with the endpoints the first
 * alternative of a netfilter trace can reach, and no others. kube-proxy sends a packet to a
 * Service's endpoints with one `-m statistic` rule each (KUBE-SVC-*, and KUBE-SVL-* for the
 * node's own endpoints under externalTrafficPolicy Local); the first alternative takes the first
 * rule's jump, so it ends at the first endpoint, or at the node's first local one (recent lists are
 * empty for a new connection, so session affinity's --rcheck rules do not match). Every other
 * endpoint's rules (15 of 16 SVC rules and 14 of 15 SEP chains on the benchmark's Services) are
 * never read by the bulk path, which asks for the first alternative only.
 */
export function firstAlternativeServices(services: readonly DpService[], node: string | undefined): DpService[] {
  return services.map((s) => {
    if (s.endpoints.length <= 1) return s;
    const first = s.endpoints[0];
    const local = s.externalTrafficPolicy === "Local" && node !== undefined && first.node !== node ? s.endpoints.find((e) => e.node === node) : undefined;
    return { ...s, endpoints: local ? [first, local] : [first] };
  });
}
