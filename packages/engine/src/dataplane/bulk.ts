// Many flows at once. The same Walk as trace(), with its two lookups answered from compiled tables:
// each node's ruleset compiled once for the netfilter engine's wasm kernel program, and every
// subnet's routes on the cidr engine's wasm LPM table (NSGs are compiled tables in both paths).
// Flows are columns (endpoint ids into one table of distinct endpoint texts, ports, protocols),
// each distinct endpoint placed once (its address and node: the walk's objects are made only for
// flows that are walked), each distinct flow walked once (a repeat takes the first one's result:
// from the flow memo below on the wasm path, else found up front). The flows run in chunks: the
// memo answers what it can in one pass, then the chunk walks every pending flow until it needs a
// netfilter verdict or a route that is not known yet and records the question; then each node's
// questions go to the core in one batch, each table's addresses in one LPM call, and the flows
// that waited are walked again. Verdicts are kept as templates where the ruleset cannot tell two
// packets apart (see the netfilter primitive), so after the first chunks nearly every flow is
// walked once. And most flows are not walked at all: a flow whose class (its target, port and
// protocol, and what its source is to the walk: memo.ts) was walked before takes that walk's
// result, with its own source or node address put back in. The answers are the compiled engines';
// the logic is the tracer's, so the results equal the TypeScript tracer's (tests and the benchmark
// compare them, and the memo with the walks it saves).
import { InputError, UsageError } from "../errors.ts";
import { traceFlows } from "../netfilter/bulk.ts";
import type { Flow, KernelResult } from "../netfilter/types.ts";
import type { Ruleset } from "../netfilter/model.ts";
import { fmt4, in4, ip4, parseP4 } from "./net4.ts";
import { formatBulk } from "./format.ts";
import { scanTraceFlowRows } from "./flow-scan.ts";
import { NODE_IFACE, POD_IFACE } from "./constants.ts";
import type { Dataplane } from "./dataplane.ts";
import { parseEndpoint, type Endpoint } from "./endpoint.ts";
import type { SubnetRoutes } from "./routing.ts";
import {
  flowOf, LeanTracer, sourcePlace, targetPlace, TRACE_SPORT, TS_BULK_PRIMITIVES, type SourcePlace,
  type NfPacket, type NodeAlternative, type NodeNetfilter, type Primitives, type TraceSource, type TraceTarget,
} from "./trace.ts";
import type { DpNode, DpRoute, DpService, Trace } from "./result.ts";
import { FIRST_EXACT, FIRST_NODE, FIRST_SHARED, FlowMemo, type MemoColumns } from "./memo.ts";

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

/**
 * Flows as columns: the endpoints as ids into `texts` (each distinct endpoint text once), the port
 * (-1: none given), the protocol (0: none given, 1 tcp, 2 udp) and the line in the file.
 */
export interface FlowTable {
  count: number;
  from: Int32Array;
  to: Int32Array;
  port: Int32Array;
  proto: Uint8Array;
  line: Int32Array;
  texts: string[];
}

const PROTOS = [undefined, "tcp", "udp"] as const;
const VERDICTS = ["delivered", "dropped", "unreachable"] as const;

/**
 * A bulk run's results as columns. `same` is by flow (the first flow with the same endpoints, port
 * and protocol: itself when it is the first); the others are by that first flow: protocol (1 tcp,
 * 2 udp), port, address (Trace.to.address, an index into `addresses`), verdict (0 delivered,
 * 1 dropped, 2 unreachable), the source as seen (delivered flows), the endpoint a Service was
 * translated to and its port (-1: not translated), the reason (an index into `reasons`, -1: none).
 */
export interface BulkColumns {
  same: Int32Array;
  proto: Uint8Array;
  port: Int32Array;
  address: Int32Array;
  addresses: string[];
  verdict: Uint8Array;
  seen: Uint32Array;
  resolved: Uint32Array;
  resolvedPort: Int32Array;
  reason: Int32Array;
  reasons: string[];
}

/** The results of a bulk run as columns, by flow (a repeated flow points at its first: `same`). */
export class BulkRun {
  constructor(
    readonly table: FlowTable,
    readonly engine: "wasm" | "ts",
    /** Walk rounds over all chunks. */
    readonly rounds: number,
    /** Netfilter questions answered in batches, distinct (node, packet) pairs. */
    readonly netfilterBatched: number,
    readonly routeBatched: number,
    readonly columns: BulkColumns,
    /** Distinct flows answered by the flow memo (memo.ts) without a walk. */
    readonly memoHits = 0,
  ) {}

  get count(): number {
    return this.table.count;
  }

  /** Flow i's result as an object (the JSON line's keys, in its order). */
  result(i: number): BulkTrace {
    const t = this.table, c = this.columns, j = c.same[i];
    const r: BulkTrace = { from: t.texts[t.from[i]], to: t.texts[t.to[i]], proto: PROTOS[c.proto[j]]!, port: c.port[j], toAddress: c.addresses[c.address[j]], verdict: VERDICTS[c.verdict[j]] };
    if (c.verdict[j] === 0) r.seenSource = fmt4(c.seen[j]);
    if (c.resolvedPort[j] >= 0) r.resolved = `${fmt4(c.resolved[j])}:${c.resolvedPort[j]}`;
    if (c.reason[j] >= 0) r.reason = c.reasons[c.reason[j]];
    return r;
  }

  /** How many flows ended each way (repeats counted as their first). */
  verdictCounts(): Record<BulkTrace["verdict"], number> {
    const k = [0, 0, 0], c = this.columns;
    for (let i = 0; i < this.count; i++) k[c.verdict[c.same[i]]]++;
    return { delivered: k[0], dropped: k[1], unreachable: k[2] };
  }

  /** Every result, in input order. */
  get results(): BulkTrace[] {
    return Array.from({ length: this.count }, (_, i) => this.result(i));
  }

  /**
   * The JSON lines (bulkJsonLine of every result, each ending in a newline) as UTF-8 bytes,
   * formatted by the core from the columns (format.ts), in chunks of about `size` bytes. Each
   * chunk is valid until the next is asked for.
   */
  bytes(size = 1 << 20): Generator<Uint8Array> {
    return formatBulk(this.table, this.columns, size);
  }
}

/**
 * An open-addressing table of the distinct byte strings of a buffer, each given an id (and its
 * text) in order of first sight. A slot holds the id and the hash (one probe reads one place), and
 * each id's bytes are copied into one small arena, so that comparing a cell with its match reads
 * nearby memory rather than the match's place in a file of many megabytes.
 */
class Interner {
  readonly texts: string[] = [];
  /** Per slot: id + 1 (0: empty), hash. */
  private slots = new Int32Array(2048);
  private arena = new Uint8Array(1 << 16);
  private used = 0;
  /** Per id: where its bytes start in the arena (and the next id's start is where they end). */
  private starts = new Int32Array(1024);

  constructor(private readonly b: Uint8Array) {}

  /** The id of the bytes [a, e) (printable ASCII: the text is one char per byte). */
  idOf(a: number, e: number): number {
    const b = this.b;
    let h = 0x811c9dc5;
    for (let k = a; k < e; k++) h = Math.imul(h ^ b[k], 0x01000193);
    const len = e - a, slots = this.slots, mask = (slots.length >> 1) - 1, arena = this.arena, starts = this.starts;
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const id = slots[2 * k] - 1;
      if (id < 0) return this.add(k, h, a, e);
      if (slots[2 * k + 1] === h) {
        const x = starts[id];
        if (starts[id + 1] - x === len) {
          let q = 0;
          while (q < len && arena[x + q] === b[a + q]) q++;
          if (q === len) return id;
        }
      }
    }
  }

  private add(k: number, h: number, a: number, e: number): number {
    const id = this.texts.length, len = e - a;
    this.texts.push(String.fromCharCode.apply(null, this.b.subarray(a, e) as unknown as number[]));
    if (this.used + len > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.used + len));
      bigger.set(this.arena.subarray(0, this.used));
      this.arena = bigger;
    }
    this.arena.set(this.b.subarray(a, e), this.used);
    if (id + 2 > this.starts.length) {
      const bigger = new Int32Array(this.starts.length * 2);
      bigger.set(this.starts);
      this.starts = bigger;
    }
    this.starts[id] = this.used;
    this.used += len;
    this.starts[id + 1] = this.used;
    this.slots[2 * k] = id + 1;
    this.slots[2 * k + 1] = h;
    if (this.texts.length * 2 > this.slots.length >> 1) this.grow();
    return id;
  }

  private grow(): void {
    const old = this.slots, slots = new Int32Array(old.length * 2), mask = (slots.length >> 1) - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j] === 0) continue;
      let k = old[j + 1] & mask;
      while (slots[2 * k] !== 0) k = (k + 1) & mask;
      slots[2 * k] = old[j];
      slots[2 * k + 1] = old[j + 1];
    }
    this.slots = slots;
  }
}

/** Flow objects as columns. */
export function flowTable(flows: readonly BulkFlow[]): FlowTable {
  const n = flows.length, ids = new Map<string, number>(), texts: string[] = [];
  const idOf = (x: string) => {
    let id = ids.get(x);
    if (id === undefined) ids.set(x, (id = texts.push(x) - 1));
    return id;
  };
  const t: FlowTable = { count: n, from: new Int32Array(n), to: new Int32Array(n), port: new Int32Array(n), proto: new Uint8Array(n), line: new Int32Array(n), texts };
  flows.forEach((f, i) => {
    t.from[i] = idOf(f.from);
    t.to[i] = idOf(f.to);
    t.port[i] = f.port ?? -1;
    t.proto[i] = f.proto === "tcp" ? 1 : f.proto === "udp" ? 2 : 0;
    t.line[i] = f.line;
  });
  return t;
}

const isSpace = (c: number) => c === 32 || c === 9;
/** Where cell c (between cuts[c] and cuts[c + 1]) starts once leading spaces and tabs are skipped. */
function cellStart(b: Uint8Array, cuts: Int32Array, c: number): number {
  let x = cuts[c] + 1;
  const y = cuts[c + 1];
  while (x < y && isSpace(b[x])) x++;
  return x;
}
/** Where cell c ends once trailing spaces and tabs are dropped (not before `from`). */
function cellEnd(b: Uint8Array, cuts: Int32Array, c: number, from: number): number {
  let y = cuts[c + 1];
  while (y > from && isSpace(b[y - 1])) y--;
  return y;
}
// ignoreBOM: a BOM stays in the text, as readFileSync(path, "utf8") leaves it for the reader.
const utf8In = new TextDecoder("utf-8", { ignoreBOM: true });

/** Where line i ends: before its "\n" (the end of the file without one) and a "\r" in front of that. */
function lineEnd(b: Uint8Array, i: number): number {
  let e = b.indexOf(10, i);
  if (e < 0) e = b.length;
  return e > i && b[e - 1] === 13 ? e - 1 : e;
}
/** The first byte of [i, e) that is not a space or a tab (e: none). */
function skipSpaces(b: Uint8Array, i: number, e: number): number {
  while (i < e && isSpace(b[i])) i++;
  return i;
}

/** The columns of a trace flow CSV's header line, and where the data lines start. */
export interface TraceFlowHeader {
  from: number;
  to: number;
  /** -1: no such column. */
  port: number;
  proto: number;
  /** The offset of the line after the header, and the header's line number. */
  pos: number;
  lineNo: number;
}

/**
 * The header of a flow CSV (its first line that is not blank or a "#" comment): "slow" where the
 * fast readers leave the file to parseTraceFlows (JSON Lines, a byte outside printable ASCII, no
 * from or to column, more cells than the readers cut), undefined for a file without one.
 */
export function traceFlowHeader(b: Uint8Array): TraceFlowHeader | "slow" | undefined {
  const n = b.length;
  let lineNo = 0;
  for (let i = 0; i < n; ) {
    const e = lineEnd(b, i), next = b[e] === 13 ? e + 2 : e + 1;
    lineNo++;
    const a = skipSpaces(b, i, e);
    if (a === e || b[i] === 35 /* # */) { i = next; continue; }
    if (b[a] === 123 /* { */) return "slow";
    let cells = 1;
    for (let k = i; k < e; k++) {
      const c = b[k];
      if (c === 44) { if (cells === MAX_CELLS) return "slow"; cells++; }
      else if ((c < 32 && c !== 9) || c > 126) return "slow";
    }
    const names = String.fromCharCode.apply(null, b.subarray(i, e) as unknown as number[]).split(",").map((c) => c.trim().toLowerCase());
    const at = (k: string) => names.indexOf(k);
    if (at("from") < 0 || at("to") < 0) return "slow";
    return { from: at("from"), to: at("to"), port: at("port"), proto: at("proto"), pos: next, lineNo };
  }
  return undefined;
}

/** The most cells a line may have (the core's DS_MAX_CELLS): more go to parseTraceFlows. */
const MAX_CELLS = 63;

/**
 * Reads a flow file (its bytes, or its text) into columns. CSV data lines are scanned by the core
 * (dpScanFlows, dataplane/flow-scan.ts: cells interned by their bytes, no string per cell);
 * parseTraceFlowTableTs is its readable twin (a property test compares them). JSON Lines,
 * anything unusual (a byte outside printable ASCII) and every error go through parseTraceFlows,
 * so the flows and the located errors are the same.
 */
export function parseTraceFlowTable(input: string | Uint8Array, source = "flows"): FlowTable {
  const b = typeof input === "string" ? new TextEncoder().encode(input) : input;
  const h = traceFlowHeader(b);
  if (h === undefined) return flowTable([]);
  const t = h === "slow" ? undefined : scanTraceFlowRows(b, h);
  return t ?? flowTable(parseTraceFlows(typeof input === "string" ? input : utf8In.decode(input), source));
}

/** parseTraceFlowTable in TypeScript: the data lines scanned here, the cells interned by Interner. */
export function parseTraceFlowTableTs(input: string | Uint8Array, source = "flows"): FlowTable {
  const b = typeof input === "string" ? new TextEncoder().encode(input) : input;
  const n = b.length;
  const slow = () => flowTable(parseTraceFlows(typeof input === "string" ? input : utf8In.decode(input), source));
  const header = traceFlowHeader(b);
  if (header === undefined) return flowTable([]);
  if (header === "slow") return slow();
  let rows = 1;
  for (let k = b.indexOf(10, header.pos); k >= 0; k = b.indexOf(10, k + 1)) rows++;
  const it = new Interner(b);
  const from = new Int32Array(rows), to = new Int32Array(rows), port = new Int32Array(rows), proto = new Uint8Array(rows), line = new Int32Array(rows);
  let count = 0, lineNo = header.lineNo;
  const cuts = new Int32Array(MAX_CELLS + 1);
  for (let i = header.pos; i < n; ) {
    const e = lineEnd(b, i), next = b[e] === 13 ? e + 2 : e + 1;
    lineNo++;
    const a = skipSpaces(b, i, e);
    if (a === e || b[i] === 35 /* # */) { i = next; continue; }
    if (b[a] === 123 /* { */) return slow();
    // The cells' boundaries; any byte outside printable ASCII sends the file to the reader.
    let nc = 0;
    cuts[nc++] = i - 1;
    for (let k = i; k < e; k++) {
      const c = b[k];
      if (c === 44) { if (nc === MAX_CELLS) return slow(); cuts[nc++] = k; }
      else if ((c < 32 && c !== 9) || c > 126) return slow();
    }
    cuts[nc] = e;
    if (nc <= Math.max(header.from, header.to)) return slow();
    // Each cell trimmed of spaces and tabs: [cx, cy).
    let cx = cellStart(b, cuts, header.from), cy = cellEnd(b, cuts, header.from, cx);
    from[count] = it.idOf(cx, cy);
    cx = cellStart(b, cuts, header.to); cy = cellEnd(b, cuts, header.to, cx);
    to[count] = it.idOf(cx, cy);
    port[count] = -1;
    if (header.port >= 0 && header.port < nc) {
      cx = cellStart(b, cuts, header.port); cy = cellEnd(b, cuts, header.port, cx);
      if (cy > cx) {
        if (cy - cx > 5) return slow();
        let v = 0;
        for (let k = cx; k < cy; k++) {
          const c = b[k] - 48;
          if (c < 0 || c > 9) return slow();
          v = v * 10 + c;
        }
        if (v > 65535) return slow();
        port[count] = v;
      }
    }
    proto[count] = 0;
    if (header.proto >= 0 && header.proto < nc) {
      cx = cellStart(b, cuts, header.proto); cy = cellEnd(b, cuts, header.proto, cx);
      if (cy > cx) {
        // tcp or udp in any case (| 32 lowers an ASCII letter).
        const c0 = b[cx] | 32, c1 = b[cx + 1] | 32, c2 = b[cx + 2] | 32;
        if (cy - cx === 3 && c0 === 116 && c1 === 99 && c2 === 112) proto[count] = 1;
        else if (cy - cx === 3 && c0 === 117 && c1 === 100 && c2 === 112) proto[count] = 2;
        else return slow();
      }
    }
    line[count] = lineNo;
    count++;
    i = next;
  }
  return { count, from: from.subarray(0, count), to: to.subarray(0, count), port: port.subarray(0, count), proto: proto.subarray(0, count), line: line.subarray(0, count), texts: it.texts };
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
/** Thrown by the bulk primitives when the answer is not known yet: the flow is walked again after the batch. */
const PENDING = new Pending();

export interface TraceBulkOptions {
  engine?: "wasm" | "ts";
  source?: string;
  /** The wasm path: answer a flow from an earlier flow of its class (memo.ts; default true, tests compare with false). */
  memo?: boolean;
}

/**
 * Flows walked between two batches of answers. The first chunks are small (an empty cache: most
 * of their flows wait for an answer and are walked again), then they double up to a size at which
 * a batch's fixed cost is small beside the walks.
 */
const FIRST_CHUNK = 1 << 10, MAX_CHUNK = 1 << 16;

/** A node's verdict kept for reuse: alternative 0 (bulk traces follow the first), its addresses as numbers or markers. */
interface Verdict0 {
  verdict: "ACCEPT" | "DROP" | "REJECT";
  probability: number;
  /** -1: the packet's source; -2: the node's address; else the address. */
  src: number;
  /** -1: the packet's destination. */
  dst: number;
  /** -1: the packet's destination port; -2: none. */
  dport: number;
}
const ASKED = Symbol("asked");
type Slot = Verdict0 | typeof ASKED;

/** Verdicts of one ruleset: by template key (shared by nodes and sources) or by the full packet. */
interface RulesetVerdicts {
  rs: Ruleset;
  /** ClusterIP templates, by Service: (dport * 2 + udp) * 2 + in cluster CIDR. */
  service: Map<DpService, Map<number, Slot>>;
  /** Frontend templates, by frontend address: ((dport * 2 + udp) * 2 + in cluster CIDR) * 4 + interface. */
  frontend: Map<number, Map<number, Slot>>;
  /** Inert packets: (non-masquerade side * 2 + udp) * 4 + interface. */
  inert: Map<number, Slot>;
  exact: Map<string, Slot>;
  /** This round's questions, by node: the key, the map it goes in, the packet. */
  ask: Map<DpNode, { key: number | string; slots: Map<number, Slot> | Map<string, Slot>; template: boolean; inert: boolean; flow: Flow }[]>;
  /** The node this round's templates are asked on. */
  templateNode?: DpNode;
}

/** Every flow its own first (no repeats looked for). */
function eachItsOwn(n: number): Int32Array {
  const same = new Int32Array(n);
  for (let i = 0; i < n; i++) same[i] = i;
  return same;
}

/** The first flow with the same endpoints, port and protocol, for every flow (an open-addressing table over the columns). */
function firstOfSame(t: FlowTable): Int32Array {
  const n = t.count, same = new Int32Array(n);
  let size = 1024;
  while (size < n * 2) size *= 2;
  const slots = new Int32Array(size).fill(-1), mask = size - 1;
  for (let i = 0; i < n; i++) {
    const f = t.from[i], d = t.to[i], p = t.port[i], q = t.proto[i];
    let h = Math.imul(f ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ d, 0xc2b2ae35);
    h = Math.imul(h ^ (p * 4 + q), 0x27d4eb2f);
    h ^= h >>> 15;
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const j = slots[k];
      if (j < 0) { slots[k] = i; same[i] = i; break; }
      if (t.from[j] === f && t.to[j] === d && t.port[j] === p && t.proto[j] === q) { same[i] = j; break; }
    }
  }
  return same;
}

/** Traces every flow; results in input order. An endpoint error names the flow's line. */
export function traceBulk(dp: Dataplane, flows: readonly BulkFlow[] | FlowTable, opts: TraceBulkOptions = {}): BulkRun {
  const source = opts.source ?? "flows";
  const t = Array.isArray(flows) ? flowTable(flows) : (flows as FlowTable);
  const n = t.count;
  const located = (i: number, err: unknown): never => {
    if (err instanceof UsageError) throw new InputError(`${source}:${t.line[i]}: ${err.message}`, err.hint);
    throw err;
  };
  // Every endpoint parsed once, in the order the flows name them (the first bad one is reported).
  // Arrays by endpoint id, filled with undefined up front (no holes to look past; Array.from with
  // a function called it once an element: 7 ms a run for the bench's four arrays of 84,000).
  const byId = <T>(): (T | undefined)[] => new Array<T | undefined>(t.texts.length).fill(undefined);
  const eps = byId<Endpoint>();
  const parse = (i: number, id: number, what: string) => {
    try { eps[id] = parseEndpoint(t.texts[id], what); } catch (err) { located(i, err); }
  };
  // The readers number ids in order of first sight (a flow's from, then its to): then the ids are
  // parsed in order, and a bad one is reported at the first flow that names it, as the flows' order
  // would report it. A table numbered otherwise is read flow by flow. (One pass over the columns
  // in order, not a lookup by id for every flow's two ends.)
  let unseen = 0, inOrder = true;
  for (let i = 0; i < n && inOrder; i++) {
    const f = t.from[i], d = t.to[i];
    if (f === unseen) unseen++;
    else if (f > unseen) inOrder = false;
    if (d === unseen) unseen++;
    else if (d > unseen) inOrder = false;
  }
  if (inOrder && unseen === t.texts.length) {
    for (let id = 0; id < unseen; id++) {
      try { eps[id] = parseEndpoint(t.texts[id], "from"); } catch {
        let i = 0;
        while (t.from[i] !== id && t.to[i] !== id) i++;
        parse(i, id, t.from[i] === id ? "from" : "to");
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (!eps[t.from[i]]) parse(i, t.from[i], "from");
      if (!eps[t.to[i]]) parse(i, t.to[i], "to");
    }
  }
  const verdict = new Uint8Array(n), seen = new Uint32Array(n), resolved = new Uint32Array(n);
  const resolvedPort = new Int32Array(n).fill(-1), proto = new Uint8Array(n), port = new Int32Array(n);
  const address = new Int32Array(n), reason = new Int32Array(n).fill(-1);
  // The targets' addresses and the reasons, each once.
  const addresses: string[] = [], reasons: string[] = [];
  const reasonIds = new Map<string, number>();
  const engine = opts.engine === "ts" ? "ts" : "wasm";
  // With the flow memo a repeated flow is a hit on its first's class (a few typed-array reads):
  // finding repeats up front (a hash over every flow, a cache miss each) cost more than it saved.
  const memoOn = engine === "wasm" && dp.kubeProxy && opts.memo !== false;
  const same = memoOn ? eachItsOwn(n) : firstOfSame(t);

  // Answers found so far, and the questions of this round.
  const verdicts = new Map<Ruleset, RulesetVerdicts>();
  const asked = new Set<RulesetVerdicts>();
  // By table: the route of each flow destination (dstBatch's order), and of other addresses asked.
  const routes = new Map<SubnetRoutes, { batch: Uint32Array; more: Map<number, number> }>();
  // The flows' destination addresses (filled as the ends are placed, before any walk).
  const dsts: number[] = [];
  let dstBatch: Uint32Array | undefined;
  // A pod's packet to a ClusterIP on the shared ruleset depends on its source only through
  // kube-proxy's `! -s clusterCidr` and the hairpin `-s endpoint/32` of the endpoint it is DNATed
  // to, and on the node only through MASQUERADE's address. So when the source is not one of the
  // Service's endpoints, one verdict per (in cluster CIDR, ClusterIP, port) serves every pod on
  // every node, with the source and the node address put back in (a template).
  const podIface = POD_IFACE[dp.cluster.model];
  const ifaceCode = (i: string | undefined) => (i === undefined ? 0 : i === podIface ? 1 : i === NODE_IFACE ? 2 : 3);
  const cidr = parseP4(dp.clusterCidr);
  const epsOf = new Map<DpService, Set<number>>();
  // A packet for an address no kube-proxy rule names (not a ClusterIP, frontend, node or loopback
  // address) meets only ip-masq-agent's destination rules: one verdict per side of the
  // non-masquerade list serves every source and node.
  const nonMasq = [...dp.nonMasq, parseP4("169.254.0.0/16")];
  const loopback = parseP4("127.0.0.0/8");
  // Only a frontend or an egress address can classify as "service" or "egress" outside the ClusterIPs.
  const frontends = new Set<number>([...dp.services.flatMap((s) => (s.loadBalancerIP ? [ip4(s.loadBalancerIP)!] : [])), ...dp.egress.frontendIps.map((a) => ip4(a)!)]);
  const named = (dst: number): boolean => {
    if (dp.byClusterIp.has(dst) || dp.byIp.has(dst) || in4(dst, loopback)) return true;
    if (!frontends.has(dst)) return false;
    const c = dp.classify(dst);
    return c.kind === "service" || c.kind === "egress";
  };
  // Frontends a template serves: none of their Services has loadBalancerSourceRanges; the endpoints of them all.
  const frontendInfo = new Map<number, { endpoints: Set<number> } | null>();
  const frontendTemplates = (dst: number): { endpoints: Set<number> } | null => {
    let f = frontendInfo.get(dst);
    if (f === undefined) {
      const on = dp.servicesOn(dst);
      f = on.length && on.every((x) => !x.loadBalancerSourceRanges.length) ? { endpoints: new Set(on.flatMap((x) => x.endpoints.map((e) => ip4(e.address)!))) } : null;
      frontendInfo.set(dst, f);
    }
    return f;
  };
  const verdictsOf = (rs: Ruleset): RulesetVerdicts => {
    let v = verdicts.get(rs);
    if (!v) verdicts.set(rs, (v = { rs, service: new Map(), frontend: new Map(), inert: new Map(), exact: new Map(), ask: new Map() }));
    return v;
  };
  let sharedVerdicts: RulesetVerdicts | undefined;
  const ownVerdicts = new Map<DpNode, RulesetVerdicts>();
  const frontendVerdicts = new Map<DpNode, Map<number, RulesetVerdicts>>();
  // The walk in progress, as the flow memo needs it: netfilter answers so far, the first one's
  // node, kind and translated destination, whether every later one was an inert template on
  // another node, and those nodes.
  let walkCalls = 0, walkFirst: DpNode | undefined, walkFirstKind = 0, walkD = 0, walkKept = true;
  const walkVisited: DpNode[] = [];
  // The answer handed to the walk (it reads it before the next question).
  const alt: NodeAlternative = { probability: 1, verdict: "ACCEPT", src: "", dst: "", srcIp: 0, dstIp: 0, dport: undefined };
  const answer: NodeNetfilter = { path: "", alternatives: [alt] };
  const give = (v: Verdict0, q: NfPacket, node: DpNode): NodeNetfilter => {
    alt.verdict = v.verdict;
    alt.probability = v.probability;
    alt.srcIp = v.src === -1 ? q.src : v.src === -2 ? node.ip : v.src;
    alt.dstIp = v.dst === -1 ? q.dst : v.dst;
    alt.dport = v.dport === -1 ? q.dport : v.dport === -2 ? undefined : v.dport;
    return answer;
  };
  const prims: Primitives = engine === "ts" ? TS_BULK_PRIMITIVES : {
    netfilter(_dp, node, q) {
      const dst = q.dst;
      const shared = dp.sharedFor(node, dst);
      let v: RulesetVerdicts | undefined;
      if (shared) v = sharedVerdicts ??= verdictsOf(dp.rulesetFor(node, dst));
      else if (dst === node.ip) {
        // The node's own address (NodePorts): its ruleset of the external Services (rulesetFor depends on the node only).
        v = ownVerdicts.get(node);
        if (!v) ownVerdicts.set(node, (v = verdictsOf(dp.rulesetFor(node, dst))));
      } else {
        // An externalTrafficPolicy Local frontend: the node's rules for the Services on it.
        let m = frontendVerdicts.get(node);
        if (!m) frontendVerdicts.set(node, (m = new Map()));
        v = m.get(dst);
        if (!v) m.set(dst, (v = verdictsOf(dp.frontendRulesetFor(node, dst))));
      }
      let key: number | string = 0, map: Map<number, Slot> | Map<string, Slot> | undefined, inert = false;
      if (shared && q.sport === TRACE_SPORT) {
        const src = q.src;
        if (!named(dst) && src !== node.ip && !in4(src, loopback)) {
          map = v.inert;
          inert = true;
          let side = 0;
          for (let j = 0; j < nonMasq.length; j++) if (in4(dst, nonMasq[j])) { side = 1; break; }
          key = (side * 2 + (q.proto === "udp" ? 1 : 0)) * 4 + ifaceCode(q.inIface);
        } else if (q.inIface === podIface) {
          const svc = dp.byClusterIp.get(dst)!;
          let served = false;
          if (svc) for (const p of svc.ports) if (p.port === q.dport && p.proto === q.proto) served = true;
          if (served) {
            let e = epsOf.get(svc);
            if (!e) epsOf.set(svc, (e = new Set(svc.endpoints.map((x) => ip4(x.address)!))));
            if (!e.has(src)) {
              let m = v.service.get(svc);
              if (!m) v.service.set(svc, (m = new Map()));
              map = m;
              key = (q.dport * 2 + (q.proto === "udp" ? 1 : 0)) * 2 + (in4(src, cidr) ? 1 : 0);
            }
          }
        }
      }
      // A LoadBalancer frontend, on the shared ruleset (externalTrafficPolicy Cluster) or the
      // node's rules for it (Local): kube-proxy's rules test the source only against the cluster
      // CIDR (pod traffic), the endpoints (hairpin), LOCAL addresses and loadBalancerSourceRanges;
      // so for a source that is none of those and a frontend without source ranges, one verdict
      // per (in cluster CIDR, port, interface) serves every source, on every node for the shared
      // ruleset, with the source and the node's address put back in.
      if (!map && q.sport === TRACE_SPORT && dst !== node.ip) {
        const fe = frontendTemplates(dst);
        const src = q.src;
        if (fe && !fe.endpoints.has(src) && src !== node.ip && !in4(src, loopback)) {
          let m = v.frontend.get(dst);
          if (!m) v.frontend.set(dst, (m = new Map()));
          map = m;
          key = ((q.dport * 2 + (q.proto === "udp" ? 1 : 0)) * 2 + (in4(src, cidr) ? 1 : 0)) * 4 + ifaceCode(q.inIface);
        }
      }
      const template = map !== undefined;
      // Otherwise the node's address is in the key: MASQUERADE rewrites to it.
      if (!map) { map = v.exact; key = `${node.ip},${q.src},${dst},${q.proto},${q.dport},${q.sport},${q.inIface ?? ""}`; }
      const hit = (map as Map<number | string, Slot>).get(key);
      if (hit !== undefined && hit !== ASKED) {
        // What the flow memo needs to know of this walk (see there).
        if (walkCalls++ === 0) {
          walkFirst = node;
          walkFirstKind = !template ? FIRST_EXACT : shared ? FIRST_SHARED : FIRST_NODE;
          give(hit, q, node);
          walkD = alt.dstIp!;
          return answer;
        }
        if (!inert || node === walkFirst) walkKept = false;
        else walkVisited.push(node);
        return give(hit, q, node);
      }
      if (hit === undefined) {
        (map as Map<number | string, Slot>).set(key, ASKED);
        // A template's verdict is every node's (its key leaves the node out; MASQUERADE's address
        // comes back as a marker), so a round's templates are asked on one node, in one batch: the
        // first node that asked one, unless the packet names that node's address (LOCAL to it).
        let asker = node;
        if (template) {
          const tn = (v.templateNode ??= node);
          if (tn.ip !== q.src && tn.ip !== dst) asker = tn;
        }
        let list = v.ask.get(asker);
        if (!list) v.ask.set(asker, (list = []));
        list.push({ key, slots: map, template, inert, flow: flowOf(q) });
        asked.add(v);
      }
      throw PENDING;
    },
    explain: TS_BULK_PRIMITIVES.explain,
    nodeLines: false,
    route(tb, ip) {
      let m = routes.get(tb);
      if (!m) {
        // A table's first question: every flow's destination in one LPM call (most packets are
        // routed to where they were sent); what is left (a DNATed destination) one call each.
        // Each address once, sorted (a Set or Map of 30,000 addresses cost more than the sort).
        if (!dstBatch) {
          const all = Uint32Array.from(dsts).sort();
          let k = 0;
          for (let j = 0; j < all.length; j++) if (j === 0 || all[j] !== all[j - 1]) all[k++] = all[j];
          dstBatch = all.subarray(0, k);
        }
        routes.set(tb, (m = { batch: tb.lookupBatch(dstBatch), more: new Map() }));
        routeCount += dstBatch.length;
      }
      const b = dstBatch!;
      let lo = 0, hi = b.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (b[mid] < ip) lo = mid + 1;
        else hi = mid;
      }
      let hit = lo < b.length && b[lo] === ip ? m.batch[lo] : m.more.get(ip);
      if (hit === undefined) {
        m.more.set(ip, (hit = tb.lookupBatch(Uint32Array.of(ip))[0]));
        routeCount++;
      }
      return hit === 0xffffffff ? undefined : tb.active[hit];
    },
  };
  // One batch per (ruleset, node) through the compiled kernel program (MASQUERADE's address is a
  // per-call option); one LPM call per route table.
  let nfCount = 0, routeCount = 0;
  const answerAll = () => {
    for (const v of asked) {
      for (const [node, qs] of v.ask) {
        const list = qs.map((x) => x.flow);
        // Bulk traces follow the first alternative only: the kernel stops there (a Service's
        // other endpoints are not walked).
        const r = traceFlows(v.rs, list, { mode: "kernel", engine: "auto", local: [node.address], nodeIp: node.address, maxAlternatives: 1 });
        (r.results as KernelResult[]).forEach((x, j) => {
          const { key, slots, template, inert, flow: f } = qs[j];
          const a = x.alternatives[0];
          // Templates keep what belongs to the flow (its source, and for inert packets its
          // destination and port) and to the node (MASQUERADE's address) as markers.
          const v0: Verdict0 = {
            verdict: a.verdict as Verdict0["verdict"], probability: a.probability,
            src: template && a.src === f.src ? -1 : template && a.src === node.address ? -2 : ip4(a.src)!,
            dst: inert && a.dst === f.dst ? -1 : ip4(a.dst)!,
            dport: a.dport === undefined ? -2 : inert && a.dport === f.dport ? -1 : a.dport,
          };
          (slots as Map<number | string, Slot>).set(key, v0);
        });
        nfCount += list.length;
      }
      v.ask.clear();
      v.templateNode = undefined;
    }
    asked.clear();
  };

  const lt = new LeanTracer(dp, prims);
  const memo = memoOn ? new FlowMemo(dp, t.texts.length) : undefined;
  const memoCols: MemoColumns = { verdict, seen, resolved, resolvedPort, proto, port };
  // By endpoint id: an internet source (a Service target is then its frontend), a Service.
  const internet = new Uint8Array(t.texts.length), toService = new Uint8Array(t.texts.length);
  // A flow's target id: 2 x its to-endpoint's id, + 1 for a Service reached at its frontend (an internet client).
  const targetId = (f: number, d: number) => d * 2 + (internet[f] & toService[d]);
  // Which sources (by endpoint id) and targets (by target id) are placed.
  const resolvedSource = new Uint8Array(t.texts.length), resolvedTarget = new Uint8Array(t.texts.length * 2);
  // Every endpoint is placed up front, as a source once and as a target once (a Service's frontend
  // once more for internet clients): sourcePlace and targetPlace check what resolveSource and
  // resolveTarget check, without making the objects a walk needs; those are made (ends) for the
  // flows that are walked, most of which share a few endpoints.
  const srcPlaces = byId<SourcePlace>();
  // Each target's address (Trace.to.address is its text), by target id (2 x endpoint id, + 1 for a Service's frontend).
  const tgtDst = new Uint32Array(t.texts.length * 2);
  const place = (i: number): void => {
    const f = t.from[i], d = t.to[i], te = eps[d]!;
    let sp = srcPlaces[f];
    if (!sp) {
      srcPlaces[f] = sp = sourcePlace(dp, eps[f]!);
      if (sp.internet) internet[f] = 1;
      memo?.learnSource(f, sp);
    }
    resolvedSource[f] = 1;
    if (te.kind === "service") toService[d] = 1;
    const tid = targetId(f, d);
    if (resolvedTarget[tid]) return;
    const tp = targetPlace(dp, te, sp.internet);
    tgtDst[tid] = tp.dst;
    dsts.push(tp.dst);
    resolvedTarget[tid] = 1;
    memo?.learnTarget(tid, tp);
  };
  const sources = byId<TraceSource>(), targets = byId<TraceTarget>(), targetsExternal = byId<TraceTarget>();
  // Each target's address: an index into `addresses`, by target id.
  const addressOf = new Int32Array(t.texts.length * 2).fill(-1);
  const addressIndex = (tid: number): number => {
    let a = addressOf[tid];
    if (a < 0) addressOf[tid] = a = addresses.push(fmt4(tgtDst[tid])) - 1;
    return a;
  };
  // The objects of a walked flow's ends (placed before).
  const ends = (i: number): [TraceSource, TraceTarget, boolean] => {
    const fe = eps[t.from[i]]!, te = eps[t.to[i]]!;
    const s = (sources[t.from[i]] ??= lt.source(fe));
    const ext = lt.externalTarget(te, s);
    const cache = ext ? targetsExternal : targets;
    let tg = cache[t.to[i]];
    if (!tg) cache[t.to[i]] = tg = lt.target(te, s);
    return [s, tg, ext];
  };
  const walkOne = (i: number): void => {
    const from = t.from[i], to = t.to[i], pr = t.proto[i];
    if (memo) {
      // A flow of a class walked before: its results from the memo, no object touched.
      const tid = targetId(from, to);
      if (memo.answer(from, tid, t.port[i], pr, i, memoCols)) {
        // Internet targets share a class's entry: the first flow to this one may be a hit.
        address[i] = addressIndex(tid);
        return;
      }
      walkCalls = 0; walkKept = true; walkVisited.length = 0;
    }
    const te = eps[to]!;
    const [s, tg, ext] = ends(i);
    const tid = to * 2 + (ext ? 1 : 0);
    const r = lt.run(s, tg, te.kind === "service", t.port[i] < 0 ? undefined : t.port[i], pr === 0 ? undefined : pr === 1 ? "tcp" : "udp");
    verdict[i] = r.verdict === "delivered" ? 0 : r.verdict === "dropped" ? 1 : 2;
    if (r.seen >= 0) seen[i] = r.seen;
    if (r.resolved >= 0) { resolved[i] = r.resolved; resolvedPort[i] = r.resolvedPort; }
    proto[i] = r.proto === "tcp" ? 1 : 2;
    port[i] = r.port;
    address[i] = addressIndex(tid);
    if (memo) {
      if (walkKept && walkCalls > 0) memo.keep(from, s.ip, tid, tg.dst, t.port[i], pr, r, walkFirst!, walkFirstKind, walkD, walkVisited);
    }
    if (r.reason !== undefined) {
      let k = reasonIds.get(r.reason);
      if (k === undefined) reasonIds.set(r.reason, (k = reasons.push(r.reason) - 1));
      reason[i] = k;
    }
  };
  // Every flow's ends placed first, in order (the first that does not exist is reported).
  // With the memo every flow is its own first: the loop runs over all of them, no list.
  const unique: number[] = [];
  for (let i = 0; i < n; i++) {
    if (same[i] !== i) continue;
    if (!memo) unique.push(i);
    const f = t.from[i], d = t.to[i];
    if (resolvedSource[f] && resolvedTarget[targetId(f, d)]) continue;
    try { place(i); } catch (err) { located(i, err); }
  }
  const total = memo ? n : unique.length;
  let rounds = 0;
  if (engine === "ts") {
    for (const i of unique) { try { walkOne(i); } catch (err) { located(i, err); } }
    rounds = 1;
  } else {
    // Per chunk: the memo answers what it can in one pass (memo.answerRange); the rest, and every
    // flow without the memo, are walked, in rounds until no flow waits for an answer.
    const misses = memo ? new Int32Array(MAX_CHUNK) : undefined;
    for (let c0 = 0, size = FIRST_CHUNK; c0 < total; c0 += size, size = Math.min(size * 2, MAX_CHUNK)) {
      let pending: ArrayLike<number> = memo
        ? misses!.subarray(0, memo.answerRange(t, c0, Math.min(c0 + size, n), internet, toService, addressOf, address, memoCols, misses!))
        : unique.slice(c0, c0 + size);
      for (let round = 0; pending.length; round++) {
        if (round > 32) throw new Error("traceBulk: no progress after 32 rounds");
        rounds++;
        const next: number[] = [];
        for (let k = 0; k < pending.length; k++) {
          const i = pending[k];
          try { walkOne(i); } catch (err) {
            if (err !== PENDING) located(i, err);
            next.push(i);
          }
        }
        answerAll();
        pending = next;
      }
    }
  }
  return new BulkRun(t, engine, rounds, nfCount, routeCount, { same, proto, port, address, addresses, verdict, seen, resolved, resolvedPort, reason, reasons }, memo?.hits ?? 0);
}

/** Printable ASCII but `"` and `\`: a JSON string of it is the text in quotes. */
export const JSON_PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** A string as a JSON string: most need no escaping (endpoints, addresses) and are quoted as they are. */
export const jsonString = (v: string): string => (JSON_PLAIN.test(v) ? `"${v}"` : JSON.stringify(v));

/** One JSON line per flow (the CLI's `trace --flows` output): JSON.stringify of the result. */
export function bulkJsonLine(r: BulkTrace): string {
  return JSON.stringify(r);
}

export type { DpRoute };
