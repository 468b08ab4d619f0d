// Many flows at once. The same Walk as trace(), with its two lookups answered from compiled
// tables: each node's ruleset compiled once for the netfilter engine's wasm kernel program, and
// every subnet's routes on the cidr engine's wasm LPM table (NSGs are compiled tables in both
// paths). The flows run in rounds: a round walks every pending flow until it needs a netfilter
// verdict or a route that is not known yet and records the question; then each node's questions
// go to the core in one batch, each table's addresses in one LPM call, and the next round replays
// the flows that waited. The answers are the compiled engines'; the logic is the tracer's, so the
// results equal the TypeScript tracer's (a test and the benchmark compare them).
import { InputError, UsageError } from "../errors.ts";
import { traceFlows } from "../netfilter/bulk.ts";
import type { Flow, KernelResult } from "../netfilter/types.ts";
import type { Ruleset } from "../netfilter/model.ts";
import { in4, ip4, parseP4 } from "./net4.ts";
import { POD_IFACE } from "./constants.ts";
import type { Dataplane } from "./dataplane.ts";
import { parseEndpoint, type Endpoint } from "./endpoint.ts";
import type { SubnetRoutes } from "./routing.ts";
import { trace, TS_BULK_PRIMITIVES, type NodeNetfilter, type Primitives } from "./trace.ts";
import type { DpNode, DpRoute, DpService, Trace } from "./result.ts";

export interface BulkFlow {
  from: string;
  to: string;
  port?: number;
  proto?: "tcp" | "udp";
  line: number;
}

/** What a bulk run keeps of a trace (the JSON line's fields). */
export interface BulkTrace {
  verdict: Trace["verdict"];
  reason?: string;
  seenSource?: string;
  from: string;
  to: string;
  toAddress: string;
  resolved?: string;
  proto: string;
  port: number;
}

export interface BulkRun {
  results: BulkTrace[];
  engine: "wasm" | "ts";
  rounds: number;
  /** Netfilter questions answered in batches, distinct (node, packet) pairs. */
  netfilterBatched: number;
  routeBatched: number;
}

/** Reads a flow file: CSV with a header naming from,to[,port,proto], or JSON Lines with those keys. */
export function parseTraceFlows(text: string, source = "flows"): BulkFlow[] {
  const out: BulkFlow[] = [];
  let i = 0, lineNo = 0;
  const n = text.length;
  let header: { from: number; to: number; port: number; proto: number } | undefined;
  const fail = (col: number, why: string): never => { throw new InputError(`${source}:${lineNo}:${col}: ${why}`, "flows are CSV with a header from,to,port,proto or JSON Lines {\"from\":..., \"to\":..., \"port\":..., \"proto\":...}"); };
  const portOf = (v: string | number | undefined, col: number): number | undefined => {
    if (v === undefined || v === "") return undefined;
    const p = typeof v === "number" ? v : /^\d{1,5}$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(p) || p < 0 || p > 65535) fail(col, `port ${JSON.stringify(v)} is not 0-65535`);
    return p;
  };
  const protoOf = (v: string | undefined, col: number): "tcp" | "udp" | undefined => {
    if (v === undefined || v === "") return undefined;
    const l = v.toLowerCase();
    if (l !== "tcp" && l !== "udp") fail(col, `proto ${JSON.stringify(v)}: tcp or udp`);
    return l as "tcp" | "udp";
  };
  while (i < n) {
    let e = text.indexOf("\n", i);
    if (e < 0) e = n;
    let line = text.slice(i, e);
    i = e + 1;
    lineNo++;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (!line.trim() || line.startsWith("#")) continue;
    if (line.trimStart().startsWith("{")) {
      let o: Record<string, unknown>;
      try { o = JSON.parse(line); } catch (err) { return fail(1, `invalid JSON: ${(err as Error).message}`); }
      if (typeof o.from !== "string" || typeof o.to !== "string") fail(1, "a flow needs \"from\" and \"to\" strings");
      out.push({ from: o.from as string, to: o.to as string, port: portOf(o.port as number, 1), proto: protoOf(o.proto as string, 1), line: lineNo });
      continue;
    }
    const cells = line.split(",");
    if (!header) {
      const names = cells.map((c) => c.trim().toLowerCase());
      const at = (k: string) => names.indexOf(k);
      if (at("from") < 0 || at("to") < 0) fail(1, `the CSV header must name from and to (got ${JSON.stringify(line)})`);
      header = { from: at("from"), to: at("to"), port: at("port"), proto: at("proto") };
      continue;
    }
    const col = (k: number) => cells.slice(0, k).reduce((s, c) => s + c.length + 1, 1);
    if (cells.length <= Math.max(header.from, header.to)) fail(line.length + 1, `expected ${Math.max(header.from, header.to) + 1} cells`);
    out.push({
      from: cells[header.from].trim(), to: cells[header.to].trim(),
      port: header.port >= 0 ? portOf(cells[header.port]?.trim(), col(header.port)) : undefined,
      proto: header.proto >= 0 ? protoOf(cells[header.proto]?.trim(), col(header.proto)) : undefined,
      line: lineNo,
    });
  }
  return out;
}

class Pending {}
const PENDING = new Pending();

function keep(f: BulkFlow, t: Trace): BulkTrace {
  const r: BulkTrace = { from: f.from, to: f.to, proto: t.flow.proto, port: t.flow.port, toAddress: t.to.address, verdict: t.verdict };
  if (t.seenSource) r.seenSource = t.seenSource;
  if (t.to.resolved) r.resolved = t.to.resolved;
  if (t.reason) r.reason = t.reason;
  return r;
}

export interface TraceBulkOptions {
  engine?: "wasm" | "ts";
  source?: string;
}

/** Traces every flow; results in input order. An endpoint error names the flow's line. */
export function traceBulk(dp: Dataplane, flows: readonly BulkFlow[], opts: TraceBulkOptions = {}): BulkRun {
  const source = opts.source ?? "flows";
  const eps = new Map<string, Endpoint>();
  const ep = (text: string, f: BulkFlow, what: string): Endpoint => {
    let e = eps.get(text);
    if (!e) {
      try { e = parseEndpoint(text, what); } catch (err) {
        if (err instanceof UsageError) throw new InputError(`${source}:${f.line}: ${err.message}`, err.hint);
        throw err;
      }
      eps.set(text, e);
    }
    return e;
  };
  // Endpoints parsed once per flow (a round replays the flow, not the parse).
  const specs = flows.map((f) => ({ from: ep(f.from, f, "from"), to: ep(f.to, f, "to"), port: f.port, proto: f.proto }));
  const one = (f: BulkFlow, prims: Primitives, i: number): Trace => {
    try {
      return trace(dp, specs[i], { primitives: prims, lean: true });
    } catch (err) {
      if (err instanceof UsageError) throw new InputError(`${source}:${f.line}: ${err.message}`, err.hint);
      throw err;
    }
  };
  const results: BulkTrace[] = new Array(flows.length);
  if (opts.engine === "ts") {
    flows.forEach((f, i) => { results[i] = keep(f, one(f, TS_BULK_PRIMITIVES, i)); });
    return { results, engine: "ts", rounds: 1, netfilterBatched: 0, routeBatched: 0 };
  }
  // Answers found so far, and the questions of this round.
  const nf = new Map<Ruleset, Map<string, NodeNetfilter>>();
  const routes = new Map<SubnetRoutes, Map<number, number>>();
  let askNf = new Map<Ruleset, { node: DpNode; flows: Map<string, Flow>; nodes: Map<string, DpNode> }>();
  let askRoute = new Map<SubnetRoutes, Set<number>>();
  const key = (f: Flow) => `${f.src}|${f.dst}|${f.proto}|${f.dport}|${f.inIface ?? ""}`;
  // A pod's packet to a ClusterIP on the shared ruleset depends on its source only through
  // kube-proxy's `! -s clusterCidr` and the hairpin `-s endpoint/32` of the endpoint it is DNATed
  // to, and on the node only through MASQUERADE's address. So when the source is not one of the
  // Service's endpoints, one verdict per (in cluster CIDR, ClusterIP, port) serves every pod on
  // every node, with the source and the node address put back in (a template).
  const podIface = POD_IFACE[dp.cluster.model];
  const cidr = parseP4(dp.clusterCidr);
  const epsOf = new Map<DpService, Set<string>>();
  // A packet for an address no kube-proxy rule names (not a ClusterIP, frontend, node or loopback
  // address) meets only ip-masq-agent's destination rules: one verdict per side of the
  // non-masquerade list serves every source and node.
  const nonMasq = [...dp.nonMasq, parseP4("169.254.0.0/16")];
  const loopback = parseP4("127.0.0.0/8");
  const named = (dst: number) => dp.byClusterIp.has(dst) || dp.byIp.has(dst) || in4(dst, loopback) || (() => { const c = dp.classify(dst); return c.kind === "service" || c.kind === "egress"; })();
  const canonKey = (node: DpNode, flow: Flow, dst: number): string | undefined => {
    if (!dp.sharedFor(node, dst)) return undefined;
    const src = ip4(flow.src)!;
    if (!named(dst) && src !== node.ip && !in4(src, loopback)) return `i|${nonMasq.some((p) => in4(dst, p)) ? 1 : 0}|${flow.proto}|${flow.inIface ?? ""}`;
    if (flow.inIface !== podIface) return undefined;
    const svc = dp.byClusterIp.get(dst);
    if (!svc || !svc.ports.some((p) => p.port === flow.dport && p.proto === flow.proto)) return undefined;
    let eps = epsOf.get(svc);
    if (!eps) epsOf.set(svc, (eps = new Set(svc.endpoints.map((e) => e.address))));
    if (eps.has(flow.src)) return undefined;
    return `c|${in4(ip4(flow.src)!, cidr) ? 1 : 0}|${flow.dst}|${flow.proto}|${flow.dport}|${flow.sport}`;
  };
  const ORIG = "\0src", NODE = "\0node", DST = "\0dst", DPORT = -1;
  const canonical = new Set<string>();
  const instantiate = (t: NodeNetfilter, flow: Flow, node: DpNode): NodeNetfilter => ({
    path: "", alternatives: t.alternatives.map((a) => ({
      ...a, src: a.src === ORIG ? flow.src : a.src === NODE ? node.address : a.src,
      dst: a.dst === DST ? flow.dst : a.dst, dport: a.dport === DPORT ? flow.dport : a.dport,
    })),
  });
  const prims: Primitives = {
    netfilter(_dp, node, flow) {
      const dst = ip4(flow.dst)!;
      const rs = dp.rulesetFor(node, dst);
      const ck = canonKey(node, flow, dst);
      // Otherwise the node's address is in the key: MASQUERADE rewrites to it.
      const k = ck ?? `${node.address}|${flow.src}|${flow.dst}|${flow.proto}|${flow.dport}|${flow.inIface ?? ""}`;
      const hit = nf.get(rs)?.get(k);
      if (hit) return ck ? instantiate(hit, flow, node) : hit;
      if (ck) canonical.add(ck);
      let q = askNf.get(rs);
      if (!q) askNf.set(rs, (q = { node, flows: new Map(), nodes: new Map() }));
      q.flows.set(k, flow);
      q.nodes.set(k, node);
      throw PENDING;
    },
    explain: TS_BULK_PRIMITIVES.explain,
    route(t, ip) {
      const m = routes.get(t);
      const hit = m?.get(ip);
      if (hit !== undefined) return hit === 0xffffffff ? undefined : t.active[hit];
      let q = askRoute.get(t);
      if (!q) askRoute.set(t, (q = new Set()));
      q.add(ip);
      throw PENDING;
    },
  };
  // A flow seen before (same endpoints, port and protocol) has the same result: the walk is deterministic.
  const firstOf = new Map<string, number>();
  const repeats: [number, number][] = [];
  let pending: number[] = [];
  flows.forEach((f, i) => {
    const k = `${f.from}|${f.to}|${f.port ?? ""}|${f.proto ?? ""}`;
    const j = firstOf.get(k);
    if (j === undefined) { firstOf.set(k, i); pending.push(i); } else repeats.push([i, j]);
  });
  let rounds = 0, nfCount = 0, routeCount = 0;
  while (pending.length) {
    rounds++;
    const next: number[] = [];
    for (const i of pending) {
      try {
        results[i] = keep(flows[i], one(flows[i], prims, i));
      } catch (err) {
        if (err !== PENDING) throw err;
        next.push(i);
      }
    }
    // One batch per node through the compiled kernel program; one LPM call per table.
    for (const [rs, q] of askNf) {
      // One batch per (ruleset, node address): MASQUERADE's address is a per-call option.
      const byNode = new Map<DpNode, string[]>();
      for (const [k, n] of q.nodes) (byNode.get(n) ?? byNode.set(n, []).get(n)!).push(k);
      let m = nf.get(rs);
      if (!m) nf.set(rs, (m = new Map()));
      for (const [node, keys] of byNode) {
        const list = keys.map((k) => q.flows.get(k)!);
        const r = traceFlows(rs, list, { mode: "kernel", engine: "auto", local: [node.address], nodeIp: node.address });
        (r.results as KernelResult[]).forEach((x, j) => {
          const f = list[j];
          const tmpl = canonical.has(keys[j]);
          // Templates keep what belongs to the flow (its source, and for inert packets its
          // destination) and to the node (MASQUERADE's address) as markers.
          const inert = keys[j].startsWith("i|");
          m!.set(keys[j], { path: "", alternatives: x.alternatives.map((a) => ({
            probability: a.probability, verdict: a.verdict as "ACCEPT",
            src: tmpl ? (a.src === f.src ? ORIG : a.src === node.address ? NODE : a.src) : a.src,
            dst: tmpl && inert && a.dst === f.dst ? DST : a.dst,
            dport: tmpl && inert && a.dport === f.dport ? DPORT : a.dport,
          })) });
        });
        nfCount += list.length;
      }
    }
    for (const [t, q] of askRoute) {
      const ips = Uint32Array.from(q);
      const idx = t.lookupBatch(ips);
      let m = routes.get(t);
      if (!m) routes.set(t, (m = new Map()));
      for (let j = 0; j < ips.length; j++) m.set(ips[j], idx[j]);
      routeCount += ips.length;
    }
    askNf = new Map();
    askRoute = new Map();
    pending = next;
    if (rounds > 32) throw new Error("traceBulk: no progress after 32 rounds");
  }
  for (const [i, j] of repeats) results[i] = { ...results[j], from: flows[i].from, to: flows[i].to };
  return { results, engine: "wasm", rounds, netfilterBatched: nfCount, routeBatched: routeCount };
}

/** One JSON line per flow (the CLI's `trace --flows` output). */
export function bulkJsonLine(r: BulkTrace): string {
  return JSON.stringify(r);
}

export type { DpRoute };
