// Bulk evaluation: many flows against one ruleset. Both modes run on the WebAssembly core over
// compiled tables when the ruleset and flows are IPv4 (kube-proxy/compile.ts, kernel/compile.ts);
// otherwise the TypeScript tracer runs flow by flow. Both give the same results (property tests
// check it). The compilers are called directly: there is no registry a missing import could leave
// empty, so "auto" never falls back to TypeScript for want of a module.
import { traceKernel } from "./kernel/trace.ts";
import { traceKubeProxy } from "./kube-proxy/trace.ts";
import { traceFlowsWasm, traceColumnsWasm, type KpProgram, type KpRun } from "./kube-proxy/compile.ts";
import { traceFlowsKernelWasm } from "./kernel/compile.ts";
import type { Flow, TraceOptions, FlowResult } from "./types.ts";
import type { Ruleset } from "./model.ts";
import { columnsToFlows, type FlowColumns } from "./flow-scan.ts";
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
  | { kind: "objects"; flows: Flow[]; results: FlowResult[]; engine: "wasm" | "ts"; fallback?: string };

export function traceColumns(rs: Ruleset, cols: FlowColumns, opts: BulkOptions = {}): ColumnResults {
  const engine = opts.engine ?? "auto";
  if (engine !== "ts" && (opts.mode ?? "kernel") === "kube-proxy-test") {
    const r = traceColumnsWasm(rs, cols, opts);
    if ("run" in r) return { kind: "kube-proxy-batch", program: r.program, run: r.run, engine: "wasm" };
    if (engine === "wasm") wasmFailed(r.unsupported);
    const flows = columnsToFlows(cols);
    return { kind: "objects", flows, results: traceFlowsTs(rs, flows, opts), engine: "ts", fallback: r.unsupported };
  }
  const flows = columnsToFlows(cols);
  const r = traceFlows(rs, flows, opts);
  return { kind: "objects", flows, ...r };
}
