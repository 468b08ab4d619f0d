// Bulk evaluation: many flows against one ruleset. Both modes run on the WebAssembly core over
// compiled tables when the ruleset and flows are IPv4 (compile.ts, compile-kernel.ts); IPv6 runs
// the TypeScript tracer flow by flow. Both give the same results (property tests check it).
import { traceKernel, traceKubeProxy, type Flow, type TraceMode, type TraceOptions } from "./trace.ts";
import type { Ruleset } from "./model.ts";
import { UnsupportedError } from "../errors.ts";

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
const wasmRunners: Partial<Record<TraceMode, WasmRunner>> = {};
/** compile.ts and compile-kernel.ts register the wasm paths here (no import cycle with the wasm code). */
export function registerWasmRunner(mode: TraceMode, r: WasmRunner): void {
  wasmRunners[mode] = r;
}

export function traceFlows(rs: Ruleset, flows: Flow[], opts: BulkOptions = {}): BulkResult {
  const engine = opts.engine ?? "auto";
  const wasmRunner = wasmRunners[opts.mode ?? "kernel"];
  if (engine !== "ts" && wasmRunner) {
    const r = wasmRunner(rs, flows, opts);
    if (typeof r !== "string") return { results: r, engine: "wasm" };
    if (engine === "wasm") throw new UnsupportedError(`the wasm engine cannot run this: ${r}`, "use --engine auto or ts");
    return { results: traceFlowsTs(rs, flows, opts), engine: "ts", fallback: r };
  }
  if (engine === "wasm") throw new UnsupportedError("the wasm engine is not available for this mode", "use --engine auto or ts");
  return { results: traceFlowsTs(rs, flows, opts), engine: "ts", fallback: engine === "auto" ? "wasm engine not loaded" : undefined };
}
