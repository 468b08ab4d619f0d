// Bulk evaluation: many flows against one ruleset. kube-proxy-test mode runs on the WebAssembly
// core over compiled tables when the ruleset is IPv4 (see compile.ts); everything else runs the
// TypeScript tracer flow by flow. Both give the same results (a property test checks it).
import { traceKernel, traceKubeProxy, type Flow, type TraceOptions } from "./trace.ts";
import type { Ruleset } from "./model.ts";

export interface KubeProxyResult {
  output: string;
  masq: boolean;
}

export interface KernelResult {
  verdict: string;
  alternatives: { probability: number; verdict: string; delivery?: string; src: string; sport?: number; dst: string; dport?: number }[];
}

export type FlowResult = KubeProxyResult | KernelResult;

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

type WasmRunner = (rs: Ruleset, flows: Flow[], opts: TraceOptions) => FlowResult[] | string;
let wasmRunner: WasmRunner | undefined;
/** compile.ts registers the wasm path here (keeps this module free of the wasm import cycle). */
export function registerWasmRunner(r: WasmRunner): void {
  wasmRunner = r;
}

export function traceFlows(rs: Ruleset, flows: Flow[], opts: BulkOptions = {}): BulkResult {
  const engine = opts.engine ?? "auto";
  if (engine !== "ts" && wasmRunner) {
    const r = wasmRunner(rs, flows, opts);
    if (typeof r !== "string") return { results: r, engine: "wasm" };
    if (engine === "wasm") throw new RangeError(`the wasm engine cannot run this: ${r}`);
    return { results: traceFlowsTs(rs, flows, opts), engine: "ts", fallback: r };
  }
  if (engine === "wasm") throw new RangeError("the wasm engine is not available");
  return { results: traceFlowsTs(rs, flows, opts), engine: "ts", fallback: engine === "auto" ? "wasm engine not loaded" : undefined };
}
