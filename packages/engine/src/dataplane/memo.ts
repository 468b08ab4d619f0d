// The bulk path's flow memo: a walk's result kept per class of flows, so that a flow whose class
// was walked before is answered without walking it. Most flows of a kind differ only in their
// source pod (and its node) and are otherwise alike: 60% of a typical file is pods to a handful of
// ClusterIPs. Two flows to the same target (port, protocol) are in one class when their sources are:
//
// - pods on nodes of the same subnet and pool (the NIC's and subnet's NSGs, the route table) whose
//   addresses, and whose nodes' addresses, lie in the same NSG, cluster CIDR and loopback prefixes
//   (every prefix the walk tests a source against), and that are both or neither endpoints of the
//   Service(s) at the target's address (kube-proxy's hairpin rules); or
// - addresses outside the cluster of one class (internet, a VNet subnet, a peering, on-premises)
//   in the same prefixes, and alike for the target's endpoints.
//
// And internet targets (no address the cluster, its VNet or its peers hold) in the same NSG,
// route and non-masquerade prefixes count as one target, as do the pods of one node in the same
// prefixes.
//
// That the walk depends on the source only so much holds when its netfilter verdicts came from
// the bulk path's templates, which are shared by exactly such sources: the first (the source's
// node for a pod, a node the target decides otherwise) any template — shared by every node for a
// pod source —, every later one an inert template on another node. So a result is kept only for
// a walk that was delivered (a drop's reason names the addresses) and answered so; and a pod's
// result is used for another pod only when the other's node is none of the nodes the walk went to
// after the first (the packet's destination there, the later netfilter nodes; in the dataplanes
// modelled such a flow would end the same anyway, and no test can tell: the check keeps the memo
// from relying on it). The source as seen
// is the flow's own source (not rewritten), its node's address (masqueraded on it), or an address
// that depends on neither. Tests compare bulk runs with and without the memo.
//
// A hit must cost little beside a walk, and a walk over a million random flows is bound by memory
// latency: so the sources, targets and results are records in typed arrays (one or two cache lines
// per flow), not objects.
import type { Dataplane } from "./dataplane.ts";
import { in4, ip4, parseP4, type P4 } from "./net4.ts";
import type { DpNode, DpService } from "./result.ts";
import type { LeanTrace, SourcePlace, TargetPlace } from "./trace.ts";

/** How the walk's first netfilter verdict was answered: the exact packet, a template every node shares, a template of that node's rules. */
export const FIRST_EXACT = 0, FIRST_SHARED = 1, FIRST_NODE = 2;
const SEEN_SOURCE = 0, SEEN_NODE = 1, SEEN_FIXED = 2;
const LOOPBACK = parseP4("127.0.0.0/8");
/** Classes beyond this are not kept (the key stays a small integer). */
const MAX_CLASSES = 4096;

// A source record (by endpoint id): class (-2 not known yet, -1 not kept), node index (-1 none),
// the Service it is an endpoint of (-1 none, -2 several), address.
const S_CLASS = 0, S_NODE = 1, S_SVC = 2, S_IP = 3, S_SIZE = 4;
// A target record (by target id): known (0/1), the Service at its address (-1 none, -2 several),
// the address, the id its entries are kept under (its own; for an internet address, one per class).
const T_KNOWN = 0, T_SVC = 1, T_DST = 2, T_MEMO = 3, T_SIZE = 4;
// An entry: target id, key, how the source is seen and the address, the translated endpoint and
// port (-1: none), proto, port; for pod sources the destination after the first node, its pod's
// node, and up to two later netfilter nodes (-1: none).
const E_TID = 0, E_KEY = 1, E_MARK = 2, E_SEEN = 3, E_RES = 4, E_RES_PORT = 5, E_PROTO = 6, E_PORT = 7, E_D = 8, E_DNODE = 9, E_V0 = 10, E_V1 = 11, E_SIZE = 12;

/** The result columns a hit fills (BulkColumns' by-flow part). */
export interface MemoColumns {
  verdict: Uint8Array;
  seen: Uint32Array;
  resolved: Uint32Array;
  resolvedPort: Int32Array;
  proto: Uint8Array;
  port: Int32Array;
}

export class FlowMemo {
  hits = 0;
  /** Where the prefixes a source is tested against start and end, sorted: addresses between two are in the same ones. */
  private readonly bounds: Float64Array;
  private readonly classIds = new Map<string | number, number>();
  /** By node index: its key id for podKey (-1: not made yet); the ids, by key. */
  private readonly nodeKeys: Int32Array;
  private readonly nodeKeyIds = new Map<string, number>();
  private readonly src: Int32Array;
  private readonly tgt: Int32Array;
  /** For the rare source or target with several Services: the endpoints at each target's address. */
  private readonly targetEps = new Map<number, Set<number>>();
  private readonly nodeIndex = new Map<DpNode, number>();
  private readonly nodeIp: Uint32Array;
  private readonly serviceIndex = new Map<DpService, number>();
  /** Each endpoint address: the index of its Service, or -2 when it serves several. */
  private readonly endpointOf = new Map<number, number>();
  private entries = new Int32Array(E_SIZE * 1024);
  private count = 0;
  private slots = new Int32Array(2048).fill(-1);

  /** Target ids are below this; the ids of internet classes from it up. */
  private readonly targetIds: number;

  constructor(private readonly dp: Dataplane, endpoints: number) {
    this.targetIds = endpoints * 2;
    const b = new Set<number>([0]);
    const add = (net: number, mask: number) => {
      b.add(net);
      const end = net + (~mask >>> 0) + 1;
      if (end <= 0xffffffff) b.add(end);
    };
    const addP = (p: P4) => add(p.net, p.mask);
    for (const c of dp.compiledNsgs) {
      for (let i = 0; i < c.count; i++) { add(c.srcNet[i], c.srcMask[i]); add(c.dstNet[i], c.dstMask[i]); }
      c.vnet.forEach(addP);
    }
    addP(parseP4(dp.clusterCidr));
    addP(LOOPBACK);
    // Internet targets are classed too: by the routes (every subnet's, shadowed ones included) and
    // the non-masquerade list (ip-masq-agent's rules) as well.
    for (const sub of [undefined, ...dp.subnets.map((x) => x.name)]) for (const r of dp.routes(sub).table.routes) addP(parseP4(r.prefix));
    dp.nonMasq.forEach(addP);
    this.bounds = Float64Array.from([...b].sort((x, y) => x - y));
    this.src = new Int32Array(endpoints * S_SIZE);
    for (let i = 0; i < endpoints; i++) this.src[i * S_SIZE + S_CLASS] = -2;
    this.tgt = new Int32Array(endpoints * 2 * T_SIZE);
    dp.nodes.forEach((n, i) => this.nodeIndex.set(n, i));
    this.nodeIp = Uint32Array.from(dp.nodes, (n) => n.ip);
    this.nodeKeys = new Int32Array(dp.nodes.length).fill(-1);
    dp.services.forEach((s, i) => {
      this.serviceIndex.set(s, i);
      for (const e of s.endpoints) {
        const a = ip4(e.address)!, had = this.endpointOf.get(a);
        this.endpointOf.set(a, had === undefined || had === i ? i : -2);
      }
    });
  }

  /** The class of an address among the prefixes: the last bound at or below it. */
  private prefixClass(ip: number): number {
    const b = this.bounds;
    let lo = 0, hi = b.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (b[mid] <= ip) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * A pod source's class key: its node's (subnet, pool, the node address's prefix class: one id
   * per distinct triple, kept by node) and the pod address's prefix class, as one number.
   */
  private podKey(node: number, n: DpNode, ip: number): number {
    let nk = this.nodeKeys[node];
    if (nk < 0) {
      const k = `${n.subnet ?? ""}\0${n.pool}\0${this.prefixClass(n.ip)}`;
      let id = this.nodeKeyIds.get(k);
      if (id === undefined) this.nodeKeyIds.set(k, (id = this.nodeKeyIds.size));
      this.nodeKeys[node] = nk = id;
    }
    return nk * this.bounds.length + this.prefixClass(ip);
  }

  /** Records a source endpoint (once): before keep() or answer() can use it. */
  learnSource(from: number, s: SourcePlace): void {
    if (this.src[from * S_SIZE + S_CLASS] !== -2) return;
    let k: string | number | undefined, node = -1;
    if (s.kind === "pod") {
      const n = s.node!;
      node = this.nodeIndex.get(n)!;
      k = this.podKey(node, n, s.ip);
    } else if (s.kind === "ip") {
      const c = s.cls!;
      k = `ip\0${c.kind}\0${c.kind === "vnet" ? c.subnet ?? "" : c.kind === "internet" ? "" : c.name}\0${this.prefixClass(s.ip)}`;
    }
    let c = -1;
    if (k !== undefined && !in4(s.ip, LOOPBACK)) {
      // One count of classes, pods' (numbers) and addresses' (strings) alike, in order of first sight.
      const hit = this.classIds.get(k);
      if (hit === undefined) this.classIds.set(k, (c = this.classIds.size));
      else c = hit;
      if (c >= MAX_CLASSES) c = -1;
    }
    const r = from * S_SIZE;
    this.src[r + S_CLASS] = c;
    this.src[r + S_NODE] = node;
    this.src[r + S_SVC] = this.endpointOf.get(s.ip) ?? -1;
    this.src[r + S_IP] = s.ip;
  }

  /** Records a target (once): before keep() or answer() can use it. */
  learnTarget(tid: number, tg: TargetPlace): void {
    if (this.tgt[tid * T_SIZE + T_KNOWN] !== 0) return;
    const on = [...this.dp.servicesOn(tg.dst)];
    const c = this.dp.byClusterIp.get(tg.dst);
    if (c && !on.includes(c)) on.push(c);
    const r = tid * T_SIZE;
    this.tgt[r + T_KNOWN] = 1;
    this.tgt[r + T_SVC] = on.length === 0 ? -1 : on.length === 1 ? this.serviceIndex.get(on[0])! : -2;
    this.tgt[r + T_DST] = tg.dst;
    // An internet address (no node, pod, Service, frontend or egress address, no VNet, peering,
    // on-premises, pod CIDR or private range: what classify() says) meets the walk only through
    // the prefixes it lies in: one id per class of them, beyond the targets' ids.
    const k = tg.kind === "ip" && tg.ipClass === "internet" && !in4(tg.dst, LOOPBACK) ? this.prefixClass(tg.dst) : -1;
    this.tgt[r + T_MEMO] = k >= 0 ? this.targetIds + k : tid;
    // A pod (no Service at its address) likewise, per node: the walk reaches it through its node
    // (routes, NSGs, netfilter's inert templates, the bridge) and its prefixes only.
    const pod = tg.kind === "pod" && on.length === 0 ? this.dp.podAt(tg.dst) : undefined;
    if (pod) this.tgt[r + T_MEMO] = this.targetIds + this.bounds.length * (1 + this.nodeIndex.get(pod.node)!) + this.prefixClass(tg.dst);
    if (on.length > 1) this.targetEps.set(tid, new Set(on.flatMap((x) => x.endpoints.map((e) => ip4(e.address)!))));
  }

  /** Whether the source is an endpoint of a Service at the target's address (kube-proxy's hairpin rules test it). */
  private hairpin(from: number, tid: number): number {
    const sv = this.src[from * S_SIZE + S_SVC], tv = this.tgt[tid * T_SIZE + T_SVC];
    if (sv === -1 || tv === -1) return 0;
    if (tv >= 0) return sv === tv || (sv === -2 && this.dp.services[tv].endpoints.some((e) => ip4(e.address) === this.src[from * S_SIZE + S_IP] >>> 0)) ? 1 : 0;
    return this.targetEps.get(tid)!.has(this.src[from * S_SIZE + S_IP] >>> 0) ? 1 : 0;
  }

  /** The flow's key within its target, or -1 (not kept, or its source or target not seen yet): port -1 none, proto 0 none, 1 tcp, 2 udp. */
  private key(from: number, tid: number, port: number, proto: number): number {
    const c = this.src[from * S_SIZE + S_CLASS];
    if (c < 0 || this.tgt[tid * T_SIZE + T_KNOWN] === 0) return -1;
    return ((c * 2 + this.hairpin(from, tid)) * 65537 + (port + 1)) * 3 + proto;
  }

  private slotOf(tid: number, key: number): number {
    let h = Math.imul(tid ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ key, 0xc2b2ae35);
    h ^= h >>> 15;
    const mask = this.slots.length - 1, en = this.entries;
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const e = this.slots[k];
      if (e < 0 || (en[e * E_SIZE + E_TID] === tid && en[e * E_SIZE + E_KEY] === key)) return k;
    }
  }

  /**
   * A hit: fills flow i's results from the kept walk of its class and returns true. The source and
   * target ids are the flow's endpoint id and target id.
   */
  answer(from: number, tid: number, port: number, proto: number, i: number, c: MemoColumns): boolean {
    const key = this.key(from, tid, port, proto);
    if (key < 0) return false;
    const e = this.slots[this.slotOf(this.tgt[tid * T_SIZE + T_MEMO], key)];
    if (e < 0) return false;
    const en = this.entries, x = e * E_SIZE, sr = from * S_SIZE;
    const node = this.src[sr + S_NODE];
    if (node >= 0) {
      const ip = this.nodeIp[node];
      if (this.tgt[tid * T_SIZE + T_DST] >>> 0 === ip || en[x + E_D] >>> 0 === ip || en[x + E_DNODE] === node || en[x + E_V0] === node || en[x + E_V1] === node) return false;
    }
    this.hits++;
    c.verdict[i] = 0;
    const mark = en[x + E_MARK];
    c.seen[i] = mark === SEEN_SOURCE ? this.src[sr + S_IP] : mark === SEEN_NODE ? this.nodeIp[node] : en[x + E_SEEN];
    if (en[x + E_RES_PORT] >= 0) { c.resolved[i] = en[x + E_RES]; c.resolvedPort[i] = en[x + E_RES_PORT]; }
    c.proto[i] = en[x + E_PROTO];
    c.port[i] = en[x + E_PORT];
    return true;
  }

  /**
   * answer() for flows [i0, i1) of a table, in one pass: a flow is answered when its class was
   * walked before and its target's address is known (`addressOf`, by target id, filled by the
   * walks: -1 not yet); the others' indexes go to `misses`, in order. Returns how many missed.
   * `internet` and `toService` (by endpoint id) make the target id as the bulk path does.
   */
  answerRange(
    t: { from: Int32Array; to: Int32Array; port: Int32Array; proto: Uint8Array }, i0: number, i1: number,
    internet: Uint8Array, toService: Uint8Array, addressOf: Int32Array, address: Int32Array, c: MemoColumns, misses: Int32Array,
  ): number {
    const from = t.from, to = t.to, port = t.port, proto = t.proto;
    let k = 0;
    for (let i = i0; i < i1; i++) {
      const f = from[i], d = to[i];
      const tid = d * 2 + (internet[f] & toService[d]);
      const a = addressOf[tid];
      if (a >= 0 && this.answer(f, tid, port[i], proto[i], i, c)) address[i] = a;
      else misses[k++] = i;
    }
    return k;
  }

  /**
   * After a walk: keeps its result for its class when it was delivered and answered as the class
   * requires (the first netfilter node and how it answered, the destination after it, the later
   * netfilter nodes, each an inert template on another node: see the bulk primitive).
   */
  keep(from: number, srcIp: number, tid: number, dst: number, port: number, proto: number, r: LeanTrace, first: DpNode, firstKind: number, d: number, later: readonly DpNode[]): void {
    if (r.verdict !== "delivered" || later.length > 2) return;
    const key = this.key(from, tid, port, proto);
    if (key < 0) return;
    const node = this.src[from * S_SIZE + S_NODE];
    let dNode = -1;
    if (node >= 0) {
      const n = this.dp.nodes[node];
      // A pod: the template every node shares, on its node, and the packet leaves the node.
      if (first !== n || firstKind !== FIRST_SHARED || d === n.ip || dst === n.ip) return;
      const p = this.dp.podAt(d);
      if (p) dNode = this.nodeIndex.get(p.node)!;
      if (dNode === node) return;
    } else if (firstKind === FIRST_EXACT) return;
    let mark = SEEN_FIXED;
    if (!r.srcRewritten) mark = SEEN_SOURCE;
    else if (r.seen === srcIp) return; // rewritten to the source's own address: which one, the class cannot tell
    else if (node >= 0 && r.seen === this.nodeIp[node]) mark = SEEN_NODE;
    const mt = this.tgt[tid * T_SIZE + T_MEMO];
    const k = this.slotOf(mt, key);
    if (this.slots[k] >= 0) return;
    if ((this.count + 1) * E_SIZE > this.entries.length) {
      const bigger = new Int32Array(this.entries.length * 2);
      bigger.set(this.entries);
      this.entries = bigger;
    }
    const e = this.count++, x = e * E_SIZE, en = this.entries;
    en[x + E_TID] = mt; en[x + E_KEY] = key; en[x + E_MARK] = mark; en[x + E_SEEN] = r.seen;
    en[x + E_RES] = r.resolved; en[x + E_RES_PORT] = r.resolvedPort; en[x + E_PROTO] = r.proto === "tcp" ? 1 : 2; en[x + E_PORT] = r.port;
    en[x + E_D] = d; en[x + E_DNODE] = dNode;
    en[x + E_V0] = later.length > 0 ? this.nodeIndex.get(later[0])! : -1;
    en[x + E_V1] = later.length > 1 ? this.nodeIndex.get(later[1])! : -1;
    this.slots[k] = e;
    if (this.count * 2 > this.slots.length) this.grow();
  }

  private grow(): void {
    const old = this.entries;
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    for (let e = 0; e < this.count; e++) this.slots[this.slotOf(old[e * E_SIZE + E_TID], old[e * E_SIZE + E_KEY])] = e;
  }
}
