// NetworkPolicy v1 evaluation. A connection from A to B is allowed when A's egress allows it and
// B's ingress allows it. A pod is isolated in a direction when any policy of that type selects it;
// an isolated pod accepts only what the union of those policies' rules allows (default deny), a
// pod no policy selects accepts everything. Rules are compiled once per analysis: each selector
// peer into a per-workload match array, each ipBlock into a set on the cidr engine, each port
// list into a connection set (named ports resolved per destination pod). The cluster context
// (context.ts) changes what is enforced: nothing with `none`, Cilium's ipBlock and hostNetwork
// limits, Azure NPM's Windows gaps, and the NAT that hides sources behind a node IP.
import { Addr } from "../ip/addr.ts";
import { Prefix } from "../ip/prefix.ts";
import { cidr } from "../cidr/engine.ts";
import type { IPSet } from "../cidr/ipset.ts";
import { UsageError } from "../errors.ts";
import { ConnSet, type Protocol } from "./conns.ts";
import { enforced, hasCluster, SPEC_CONTEXT, type PolicyContext } from "./context.ts";
import type { Peer, Policy, PolicyInput, PortSpec, Rule, Selector, Workload } from "./model.ts";
import { selectorMatches } from "./selectors.ts";

export type Endpoint =
  | { kind: "workload"; index: number }
  /** An address or range outside the cluster's workloads (a range is one of the list's atoms). */
  | { kind: "external"; first: Addr; last: Addr };

export interface CompiledRule {
  policy: number;
  rule: Rule;
  /** No peers: the rule matches every source (destination). */
  everywhere: boolean;
  /** 1 where the workload is matched by one of the rule's selector peers. */
  matchW: Uint8Array;
  ipSets: IPSet[];
  /** Constant ports, or undefined when named ports are resolved per destination. */
  ports?: ConnSet;
  /** Per destination workload, when the rule has named ports. */
  portCache?: Map<number, ConnSet>;
  /** Towards external addresses, when the rule has named ports. */
  externalPorts?: ConnSet;
  /** The Windows Azure NPM variant (context.ts WINDOWS_NPM_GAPS), when it differs. */
  win?: CompiledRule;
}

export interface WorkloadState {
  /** Policies apply to this workload at all (not hostNetwork under Cilium). */
  subject: boolean;
  ingressIsolated: boolean;
  egressIsolated: boolean;
  ingressPolicies: number[];
  egressPolicies: number[];
  ingressRules: CompiledRule[];
  egressRules: CompiledRule[];
}

const ipv4All = () => ({ first: Addr.fromBigInt(4, 0n), last: Addr.fromBigInt(4, 0xffffffffn) });

export function workloadName(w: Workload): string {
  return `${w.namespace}/${w.name}[${w.kind}]`;
}

/** netpol-analyzer's name of an external range: "a.b.c.d-e.f.g.h[External]". */
export function externalName(first: Addr, last: Addr): string {
  return `${first}-${last}[External]`;
}

function portsOf(specs: readonly PortSpec[] | undefined, dst: Workload | undefined, dropWindowsGaps: boolean): ConnSet {
  if (!specs) return ConnSet.ALL;
  let acc = ConnSet.NONE;
  for (const p of specs) {
    if (dropWindowsGaps && (p.protocol === "SCTP" || typeof p.port === "string")) continue;
    if (p.port === undefined) acc = acc.union(ConnSet.of(p.protocol));
    else if (typeof p.port === "number") acc = acc.union(ConnSet.of(p.protocol, p.port, p.endPort ?? p.port));
    else if (dst) {
      for (const cp of dst.ports) if (cp.name === p.port && cp.protocol === p.protocol) acc = acc.union(ConnSet.of(p.protocol, cp.port, cp.port));
    }
  }
  return acc;
}

function withoutNegatives(s: Selector | undefined): Selector | undefined {
  if (!s) return s;
  return { matchLabels: s.matchLabels, matchExpressions: s.matchExpressions.filter((r) => r.operator === "In" || r.operator === "Exists") };
}

export class PolicyAnalysis {
  readonly workloads: Workload[];
  readonly policies: Policy[];
  readonly state: WorkloadState[];
  readonly enforced: boolean;
  private readonly nsLabels: Map<string, Record<string, string>>;
  private readonly nodeSet?: IPSet;
  private readonly directSet?: IPSet;
  private readonly podSet?: IPSet;
  private readonly byName = new Map<string, number>();
  /** One endpoint object per workload, reused by every question about it. */
  readonly wEp: Endpoint[];

  constructor(readonly input: PolicyInput, readonly ctx: PolicyContext = SPEC_CONTEXT) {
    this.workloads = input.workloads;
    this.policies = input.policies;
    this.enforced = enforced(ctx);
    this.nsLabels = new Map(input.namespaces.map((n) => [n.name, n.labels]));
    this.workloads.forEach((w, i) => this.byName.set(workloadName(w), i));
    this.wEp = this.workloads.map((_, index) => ({ kind: "workload", index }));
    if (hasCluster(ctx)) {
      const e = cidr();
      this.nodeSet = e.set(ctx.nodeSubnets.map((p) => p.masked()));
      this.directSet = e.set(ctx.directSources.map((p) => p.masked()));
      this.podSet = e.set(ctx.podCidrs.map((p) => p.masked()));
    }
    const cilium = ctx.engine === "cilium";
    const npmWindows = ctx.engine === "azure" && this.workloads.some((w) => w.os === "windows");
    this.state = this.workloads.map((w) => ({
      subject: this.enforced && !(cilium && w.hostNetwork),
      ingressIsolated: false, egressIsolated: false, ingressPolicies: [], egressPolicies: [], ingressRules: [], egressRules: [],
    }));
    this.policies.forEach((p, pi) => {
      const selected: number[] = [];
      this.workloads.forEach((w, wi) => {
        if (w.namespace === p.namespace && selectorMatches(p.podSelector, w.labels) && this.state[wi].subject) selected.push(wi);
      });
      if (!selected.length) return;
      const compile = (r: Rule): CompiledRule => {
        const c = this.compileRule(pi, r, false);
        if (npmWindows) c.win = this.compileRule(pi, r, true);
        return c;
      };
      const ing = p.types.ingress ? p.ingress.map(compile) : [];
      const eg = p.types.egress ? p.egress.map(compile) : [];
      for (const wi of selected) {
        const s = this.state[wi];
        if (p.types.ingress) { s.ingressIsolated = true; s.ingressPolicies.push(pi); s.ingressRules.push(...ing); }
        if (p.types.egress) { s.egressIsolated = true; s.egressPolicies.push(pi); s.egressRules.push(...eg); }
      }
    });
  }

  /** Whether a selector peer of policy p matches workload w (its namespace and its labels). */
  peerMatches(p: Policy, peer: Peer, w: Workload, dropNegatives = false, asSpec = false): boolean {
    if (peer.kind !== "selector") return false;
    // Under Cilium a hostNetwork pod's traffic carries the node's identity, not the pod's.
    if (!asSpec && this.ctx.engine === "cilium" && w.hostNetwork) return false;
    const nsSel = dropNegatives ? withoutNegatives(peer.namespaceSelector) : peer.namespaceSelector;
    const podSel = dropNegatives ? withoutNegatives(peer.podSelector) : peer.podSelector;
    if (nsSel) {
      if (!selectorMatches(nsSel, this.nsLabels.get(w.namespace) ?? {})) return false;
    } else if (w.namespace !== p.namespace) return false;
    return !podSel || selectorMatches(podSel, w.labels);
  }

  private compileRule(pi: number, r: Rule, windows: boolean): CompiledRule {
    const p = this.policies[pi];
    const matchW = new Uint8Array(this.workloads.length);
    const ipSets: IPSet[] = [];
    for (const peer of r.peers ?? []) {
      if (peer.kind === "ipBlock") {
        ipSets.push(windows && peer.except.length ? cidr().set([peer.cidr]) : peer.set);
        continue;
      }
      this.workloads.forEach((w, wi) => {
        if (!matchW[wi] && this.peerMatches(p, peer, w, windows)) matchW[wi] = 1;
      });
    }
    const named = r.ports?.some((x) => typeof x.port === "string") ?? false;
    return {
      policy: pi, rule: r, everywhere: !r.peers, matchW, ipSets,
      ports: named && !windows ? undefined : portsOf(r.ports, undefined, windows),
      portCache: named && !windows ? new Map() : undefined,
    };
  }

  /** The ports a rule allows towards a destination (named ports resolved on a workload). */
  rulePorts(c: CompiledRule, dst: Endpoint): ConnSet {
    if (c.ports) return c.ports;
    // Towards an external address a named port matches nothing: one set per rule, made once.
    if (dst.kind !== "workload") return (c.externalPorts ??= portsOf(c.rule.ports, undefined, false));
    let v = c.portCache!.get(dst.index);
    if (!v) c.portCache!.set(dst.index, (v = portsOf(c.rule.ports, this.workloads[dst.index], false)));
    return v;
  }

  /** The rule variant enforced on a workload (Azure NPM on Windows nodes has gaps). */
  private variant(c: CompiledRule, enforcedOn: number): CompiledRule {
    return c.win && this.workloads[enforcedOn].os === "windows" ? c.win : c;
  }

  private inSet(s: IPSet | undefined, first: Addr): boolean {
    return !!s && s.contains(first);
  }

  /** Whether an egress rule's ipBlocks match an external destination. */
  private egressIpMatch(c: CompiledRule, dst: { first: Addr }): boolean {
    if (!c.ipSets.length) return false;
    // Cilium: an ipBlock can't select pod or node IPs (aks-facts §1.7).
    if (this.ctx.engine === "cilium" && (this.inSet(this.nodeSet, dst.first) || this.inSet(this.podSet, dst.first))) return false;
    return c.ipSets.some((s) => s.contains(dst.first));
  }

  /**
   * How an external source arrives at a pod: with its own address on the flat models when it is in
   * the VNet, a peered VNet or on-premises; otherwise through a Service, SNATed to a node IP
   * (kubenet and Overlay always: aks-facts §5.1, §5.5). Without a cluster: as itself.
   */
  sourceSeenAs(first: Addr): "itself" | "node" {
    if (!hasCluster(this.ctx)) return "itself";
    if (this.inSet(this.nodeSet, first)) return "node";
    return this.inSet(this.directSet, first) ? "itself" : "node";
  }

  private ingressIpMatch(c: CompiledRule, src: { first: Addr }): boolean {
    if (!c.ipSets.length) return false;
    if (this.ctx.observed) {
      if (this.ctx.engine === "cilium" && this.inSet(this.nodeSet, src.first)) return false;
      return c.ipSets.some((s) => s.contains(src.first));
    }
    if (this.sourceSeenAs(src.first) === "itself") return c.ipSets.some((s) => s.contains(src.first));
    // Seen as a node IP: an ipBlock matches only if it holds every node address (any node may
    // forward), and never under Cilium, whose ipBlocks can't select node IPs.
    if (this.ctx.engine === "cilium" || !this.ctx.nodeSubnets.length) return false;
    return c.ipSets.some((s) => this.ctx.nodeSubnets.every((n) => s.contains(n.masked())));
  }

  ruleMatchesDst(c: CompiledRule, dst: Endpoint): boolean {
    if (c.everywhere) return true;
    return dst.kind === "workload" ? c.matchW[dst.index] === 1 : this.egressIpMatch(c, dst);
  }

  ruleMatchesSrc(c: CompiledRule, src: Endpoint): boolean {
    if (c.everywhere) return true;
    return src.kind === "workload" ? c.matchW[src.index] === 1 : this.ingressIpMatch(c, src);
  }

  egress(src: number, dst: Endpoint): ConnSet {
    const s = this.state[src];
    if (!s.egressIsolated) return ConnSet.ALL;
    let acc = ConnSet.NONE;
    for (const r0 of s.egressRules) {
      const r = this.variant(r0, src);
      if (this.ruleMatchesDst(r, dst)) {
        acc = this.union(acc, this.rulePorts(r, dst));
        if (acc.isAll) break;
      }
    }
    return acc;
  }

  ingress(dst: number, src: Endpoint): ConnSet {
    const s = this.state[dst];
    if (!s.ingressIsolated) return ConnSet.ALL;
    let acc = ConnSet.NONE;
    const d = this.wEp[dst];
    for (const r0 of s.ingressRules) {
      const r = this.variant(r0, dst);
      if (this.ruleMatchesSrc(r, src)) {
        acc = this.union(acc, this.rulePorts(r, d));
        if (acc.isAll) break;
      }
    }
    return acc;
  }

  // Unions and intersections memoised by the identity of their operands: rule port sets are made
  // once per rule (per destination with named ports), so the sets met over a million pairs are
  // few, each result is made once, and equal answers are the same object (the list prints each once).
  private readonly unions = new Map<ConnSet, Map<ConnSet, ConnSet>>();
  private readonly intersections = new Map<ConnSet, Map<ConnSet, ConnSet>>();
  private memo(cache: Map<ConnSet, Map<ConnSet, ConnSet>>, a: ConnSet, b: ConnSet, op: (x: ConnSet, y: ConnSet) => ConnSet): ConnSet {
    let m = cache.get(a);
    if (!m) cache.set(a, (m = new Map()));
    let v = m.get(b);
    if (!v) m.set(b, (v = op(a, b)));
    return v;
  }
  private union(a: ConnSet, b: ConnSet): ConnSet {
    if (a.isEmpty || b.isAll) return b;
    if (b.isEmpty || a.isAll) return a;
    return this.memo(this.unions, a, b, (x, y) => x.union(y));
  }
  private intersect(a: ConnSet, b: ConnSet): ConnSet {
    if (a.isAll || b.isEmpty) return b;
    if (b.isAll || a.isEmpty) return a;
    return this.memo(this.intersections, a, b, (x, y) => x.intersect(y));
  }

  /** Everything allowed from src to dst: the source's egress intersected with the destination's ingress. */
  allowed(src: Endpoint, dst: Endpoint): ConnSet {
    if (!this.enforced) return ConnSet.ALL;
    const eg = src.kind === "workload" ? this.egress(src.index, dst) : ConnSet.ALL;
    if (eg.isEmpty) return eg;
    const ig = dst.kind === "workload" ? this.ingress(dst.index, src) : ConnSet.ALL;
    return this.intersect(eg, ig);
  }

  /**
   * The external IPv4 ranges of the list, as netpol-analyzer splits them: the whole space cut at
   * every boundary of the ipBlocks of one direction's rules (sources from ingress rules,
   * destinations from egress rules), one range per piece. With a cluster, also cut at the node
   * subnets, the directly reachable ranges and the pod CIDR, whose addresses are pods, not
   * external, and are left out.
   */
  externalRanges(direction: "ingress" | "egress"): { first: Addr; last: Addr }[] {
    if (!this.enforced) return [ipv4All()];
    const cuts = new Set<bigint>([0n, 1n << 32n]);
    const addSet = (s: IPSet) => {
      const r = s.ranges;
      for (let i = 0; i < r.length; i++) {
        if (r.family(i) !== 4) continue;
        cuts.add(r.firstValue(i));
        cuts.add(r.lastValue(i) + 1n);
      }
    };
    for (const p of this.policies) {
      if (direction === "ingress" ? !p.types.ingress : !p.types.egress) continue;
      for (const r of direction === "ingress" ? p.ingress : p.egress) {
        for (const peer of r.peers ?? []) {
          if (peer.kind !== "ipBlock" || peer.cidr.family !== 4) continue;
          addSet(peer.set);
          // The Windows NPM variant drops except: its cidr is a boundary too (it is already).
        }
      }
    }
    const extra: Prefix[] = hasCluster(this.ctx) ? [...this.ctx.nodeSubnets, ...this.ctx.directSources, ...this.ctx.podCidrs] : [];
    for (const p of extra) {
      if (p.family !== 4) continue;
      const m = p.masked();
      cuts.add(m.first.value);
      cuts.add(m.last.value + 1n);
    }
    const sorted = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const out: { first: Addr; last: Addr }[] = [];
    for (let i = 0; i + 1 < sorted.length; i++) {
      const first = Addr.fromBigInt(4, sorted[i]);
      if (this.inSet(this.podSet, first)) continue;
      out.push({ first, last: Addr.fromBigInt(4, sorted[i + 1] - 1n) });
    }
    return out;
  }

  /** A workload by "ns/name[Kind]", "ns/name" or "name" (in any namespace, if only one has it), or an IP address. */
  endpoint(text: string, flag: string): Endpoint {
    const t = text.trim();
    const exact = this.byName.get(t);
    if (exact !== undefined) return { kind: "workload", index: exact };
    const m = /^(?:([^/[\]]+)\/)?([^/[\]]+)(?:\[([A-Za-z]+)\])?$/.exec(t);
    if (m) {
      const [, ns, name, kind] = m;
      const hits = this.workloads
        .map((w, i) => ({ w, i }))
        .filter(({ w }) => w.name === name && (ns === undefined || w.namespace === ns) && (kind === undefined || w.kind === kind));
      const pick = hits.length > 1 && ns === undefined ? hits.filter(({ w }) => w.namespace === "default") : hits;
      if (pick.length === 1) return { kind: "workload", index: pick[0].i };
      if (pick.length > 1 || hits.length > 1) {
        const all = pick.length > 1 ? pick : hits;
        throw new UsageError(`${flag} ${JSON.stringify(t)} names ${all.length} workloads: ${all.map(({ w }) => workloadName(w)).join(", ")}`, "write it as namespace/name[Kind]");
      }
    }
    // Not a workload: an address (a workload name like "a.b" was tried first).
    if (/^[0-9a-fA-F:.]+$/.test(t) && (t.includes(".") || t.includes(":"))) {
      try {
        const a = Addr.parse(t);
        return { kind: "external", first: a, last: a };
      } catch (e) {
        throw new UsageError(`${flag}: ${(e as Error).message}`);
      }
    }
    const known = this.workloads.slice(0, 8).map(workloadName).join(", ");
    throw new UsageError(`${flag} ${JSON.stringify(t)} is not a workload in the manifests nor an IP address`, known ? `workloads include ${known}` : "the manifests have no workloads (Pods, Deployments, ...)");
  }

  endpointName(e: Endpoint): string {
    return e.kind === "workload" ? workloadName(this.workloads[e.index]) : e.first.equals(e.last) ? `${e.first}` : externalName(e.first, e.last);
  }
}

export type { Protocol };
