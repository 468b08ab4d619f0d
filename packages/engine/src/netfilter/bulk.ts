// Bulk evaluation: many flows against one ruleset. Both modes run on the WebAssembly core over
// compiled tables when the ruleset and flows are IPv4 (kube-proxy/compile.ts, kernel/compile.ts);
// otherwise the TypeScript tracer runs flow by flow. Both give the same results (property tests
// check it). The compilers are called directly: there is no registry a missing import could leave
// empty, so "auto" never falls back to TypeScript for want of a module.
import { traceKernel } from "./kernel/trace.ts";
import { traceKubeProxy } from "./kube-proxy/trace.ts";
import { traceFlowsWasm, traceColumnsWasm, compileKubeProxy, localOf, kpProtoOk, KpProgram, type KpRun, type NotCompiled } from "./kube-proxy/compile.ts";
import { scanFlowsResident } from "./flow-scan.ts";
import { writeKpResident, type ByteSink } from "./jsonl.ts";
import { core } from "../core/module.ts";
import { readToHeap, type HeapBytes, type HeapReadable } from "../core/read.ts";
import { scanFlows } from "./flow-scan.ts";
import { writeJsonl } from "./jsonl.ts";
import { kpProgramFromBytes } from "./kube-proxy/load.ts";
import { parseRuleset } from "./parse.ts";
import { refuseUnloadable, quoted } from "./common.ts";
import { locateFlowProto } from "./flows.ts";
import { InputError } from "../errors.ts";
import { traceFlowsKernelWasm, compileKernel, KernelProgram, type KernelBatch } from "./kernel/compile.ts";
import { parseNetAddr } from "./net.ts";
import type { Flow, TraceOptions, FlowResult } from "./types.ts";
import type { Ruleset } from "./model.ts";
import { columnsToFlows, columnFlow, type FlowColumns } from "./flow-scan.ts";
import { UnsupportedError } from "../errors.ts";

export type { FlowResult, KubeProxyResult, KernelResult } from "./types.ts";

export interface BulkOptions extends TraceOptions {
  /** auto (default): wasm where it applies, else ts. */
  engine?: "auto" | "wasm" | "ts";
}

export interface BulkResult {
  results: FlowResult[];
  engine: "wasm" | "ts";
  /** Why the TypeScript tracer ran instead of wasm, when it did under engine "auto". */
  fallback?: string;
}

export function traceFlowsTs(rs: Ruleset, flows: Flow[], opts: TraceOptions): FlowResult[] {
  if ((opts.mode ?? "kernel") === "kube-proxy-test") {
    return flows.map((f) => {
      const t = traceKubeProxy(rs, f, opts);
      return { output: t.output, masq: t.masq };
    });
  }
  return flows.map((f) => {
    const t = traceKernel(rs, f, opts);
    return {
      verdict: t.verdict,
      alternatives: t.alternatives.map((a) => ({ probability: a.probability, verdict: a.verdict, delivery: a.delivery, src: a.src, sport: a.sport, dst: a.dst, dport: a.dport })),
    };
  });
}

function wasmFailed(why: string): never {
  throw new UnsupportedError(`the wasm engine cannot run this: ${why}`, "use --engine auto or ts");
}

export function traceFlows(rs: Ruleset, flows: Flow[], opts: BulkOptions = {}): BulkResult {
  const engine = opts.engine ?? "auto";
  if (engine !== "ts") {
    const r = (opts.mode ?? "kernel") === "kube-proxy-test" ? traceFlowsWasm(rs, flows, opts) : traceFlowsKernelWasm(rs, flows, opts);
    if (Array.isArray(r)) return { results: r, engine: "wasm" };
    if (engine === "wasm") wasmFailed(r.unsupported);
    return { results: traceFlowsTs(rs, flows, opts), engine: "ts", fallback: r.unsupported };
  }
  return { results: traceFlowsTs(rs, flows, opts), engine: "ts" };
}

/**
 * The results of flow columns: either a kube-proxy-test batch still in numbers (formatted straight
 * to bytes by jsonl.ts), or one result object per flow (kernel mode, IPv6, the TypeScript tracer).
 */
export type ColumnResults =
  | { kind: "kube-proxy-batch"; program: KpProgram; run: KpRun; engine: "wasm" }
  /** Kernel mode in the heap; the flows the core left to the TypeScript tracer, by row. */
  | { kind: "kernel-batch"; batch: KernelBatch; traced: Map<number, FlowResult>; engine: "wasm" }
  | { kind: "objects"; flows: Flow[]; results: FlowResult[]; engine: "wasm" | "ts"; fallback?: string };

// ignoreBOM: a BOM stays in the text, as readFileSync(path, "utf8") leaves it for the parser.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * An iptables-save dump as bytes, for bulk runs. In kube-proxy-test mode its program is read
 * straight from the bytes by the flows loader (kube-proxy/load.ts) where that applies; the parsed
 * Ruleset — for the TypeScript tracer, kernel mode, or a dump the loader leaves to the parser
 * (which then reports its errors) — is built only when asked for, once.
 */
export class RulesDump {
  private rs?: Ruleset;
  private kp?: KpProgram | NotCompiled;
  constructor(readonly bytes: Uint8Array, readonly source: string) {}

  /** The parsed dump; one the kernel would refuse (a jump loop, a jump to a missing chain) is refused here, located (the loader leaves those to the parser). */
  ruleset(): Ruleset {
    if (!this.rs) {
      const rs = parseRuleset(utf8.decode(this.bytes), { source: this.source });
      refuseUnloadable(rs);
      this.rs = rs;
    }
    return this.rs;
  }

  /** The kube-proxy-test program: from the bytes when the loader reads them, else compiled from the parsed ruleset. */
  kubeProxyProgram(): KpProgram | NotCompiled {
    if (this.kp) return this.kp;
    const program = this.rs ? undefined : kpProgramFromBytes(this.bytes, this.source);
    return (this.kp = program ?? compileKubeProxy(this.ruleset()));
  }
}

export function traceColumns(dump: Ruleset | RulesDump, cols: FlowColumns, opts: BulkOptions = {}): ColumnResults {
  if (!(dump instanceof RulesDump)) refuseUnloadable(dump);
  const engine = opts.engine ?? "auto";
  const rsOf = () => (dump instanceof RulesDump ? dump.ruleset() : dump);
  if (engine !== "ts" && (opts.mode ?? "kernel") === "kube-proxy-test") {
    const r = traceColumnsWasm(dump instanceof RulesDump ? dump.kubeProxyProgram() : compileKubeProxy(dump), cols, opts);
    if ("run" in r) return { kind: "kube-proxy-batch", program: r.program, run: r.run, engine: "wasm" };
    if (engine === "wasm") wasmFailed(r.unsupported);
    const flows = columnsToFlows(cols);
    return { kind: "objects", flows, results: traceFlowsTs(rsOf(), flows, opts), engine: "ts", fallback: r.unsupported };
  }
  if (engine !== "ts" && (opts.mode ?? "kernel") === "kernel") {
    const rs = rsOf();
    const p = compileKernel(rs, opts.ipsets);
    const nodeIpV6 = opts.nodeIp !== undefined && parseNetAddr(opts.nodeIp).family !== 4;
    const b = p instanceof KernelProgram && !nodeIpV6 ? p.runColumns(cols, opts) : undefined;
    if (b && !("unsupported" in b)) {
      const traced = new Map<number, FlowResult>();
      const res = new Uint32Array(core().memory.buffer, b.res, b.n * 4);
      for (let i = 0; i < b.n; i++) if (res[i * 4 + 2] !== 0) traced.set(i, traceFlowsTs(rs, [columnFlow(cols, i)], opts)[0]);
      return { kind: "kernel-batch", batch: b, traced, engine: "wasm" };
    }
  }
  const flows = columnsToFlows(cols);
  const r = traceFlows(rsOf(), flows, opts);
  return { kind: "objects", flows, ...r };
}

/**
 * kube-proxy-test over a CSV flow file with every step in the core's heap: the scanned columns,
 * the flow records, the results and the formatted lines never become JS arrays (the JSON lines go
 * to the sink a chunk at a time). Returns the flow count and the evaluation time, or undefined
 * where this path does not apply (JSON Lines, a flow that is not IPv4 or that the tracer would
 * refuse, a dump the wasm path does not take): then traceColumns gives the same lines.
 * `inputDone` is called once the flow bytes are no longer needed (the flows are encoded, so this
 * path will not hand them back): a caller that owns a heap block of them releases it there, and
 * the results and the output chunks reuse its pages instead of touching fresh memory.
 */
export function traceKubeProxyCsv(dump: RulesDump, flows: Uint8Array | HeapBytes, source: string, opts: TraceOptions, sink: ByteSink, inputDone?: () => void): { n: number; ms: number } | undefined {
  const p = dump.kubeProxyProgram();
  if (!(p instanceof KpProgram)) return undefined;
  const cols = scanFlowsResident(flows, { source });
  if (!cols) return undefined;
  const heap = core().heap;
  try {
    const records = p.encodeResident(cols);
    if (records === undefined) return undefined;
    inputDone?.();
    try {
      p.setLocal(localOf(opts));
      const t0 = performance.now();
      const run = p.runAt(records, cols.n);
      const ms = performance.now() - t0;
      try {
        writeKpResident(cols, p.outputs, run, sink);
      } finally {
        run.release();
      }
      return { n: cols.n, ms };
    } finally {
      heap.release(records, Math.max(16, cols.n * 16));
    }
  } finally {
    heap.release(cols.blk, cols.size);
  }
}

/**
 * The first flow with a protocol no tracer knows, as an error at its line and cell (the tracers
 * would refuse it with no location: a flow file's rows do not keep their lines).
 */
function refuseUnknownProtocols(cols: FlowColumns, bytes: Uint8Array, source: string): void {
  const names = [...cols.protos, ...[...cols.other.values()].map((f) => f.proto).filter((p): p is string => p !== undefined)];
  // kpProtoOk: the names and numbers both tracers take (case folded as they fold it).
  const bad = names.find((p) => !kpProtoOk(p.toLowerCase()));
  if (bad === undefined) return;
  const at = locateFlowProto(utf8.decode(bytes), bad, { source });
  const where = at ? `${source}:${at.line}:${at.col}` : source;
  throw new InputError(`${where}: unknown protocol ${quoted(bad)}`, "use tcp, udp, sctp, icmp or a protocol number", "BadProtocol");
}

/** What a bulk run over a flow file did: flows, evaluation time, the engine, and why TypeScript ran when it did. */
export interface FlowRun {
  n: number;
  ms: number;
  engine: "wasm" | "ts";
  fallback?: string;
}

/**
 * The JSON lines of every flow in a flow file (CSV or JSON Lines) against a dump, to the sink: a
 * kube-proxy-test CSV is read straight into the core's heap and stays there (traceKubeProxyCsv);
 * anything else is scanned into columns and traced by traceColumns (the same lines).
 */
export function traceFlowFile(dump: RulesDump, input: HeapReadable & { name: string }, opts: BulkOptions, sink: ByteSink): FlowRun {
  const heap = core().heap;
  const hb = readToHeap(input);
  let held = true;
  const release = () => {
    if (held) heap.release(hb.ptr, hb.size);
    held = false;
  };
  let bytes: Uint8Array;
  try {
    if ((opts.mode ?? "kernel") === "kube-proxy-test" && opts.engine !== "ts") {
      const done = traceKubeProxyCsv(dump, hb, input.name, opts, sink, release);
      if (done) return { ...done, engine: "wasm" };
    }
    bytes = core().u8().slice(hb.ptr, hb.ptr + hb.len);
  } finally {
    release();
  }
  const cols = scanFlows(bytes, { source: input.name });
  refuseUnknownProtocols(cols, bytes, input.name);
  const t0 = performance.now();
  const r = traceColumns(dump, cols, opts);
  const ms = performance.now() - t0;
  writeJsonl(cols, r, sink);
  return { n: cols.n, ms, engine: r.engine, fallback: r.kind === "objects" ? r.fallback : undefined };
}
