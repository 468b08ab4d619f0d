// The packet tracer, in two modes: kernel (kernel/trace.ts) and kube-proxy-test (kube-proxy/trace.ts).
import type { Flow, Trace, TraceOptions } from "./types.ts";
import type { Ruleset } from "./model.ts";
import { traceKernel } from "./kernel/trace.ts";
import { traceKubeProxy } from "./kube-proxy/trace.ts";
import { refuseUnloadable } from "./common.ts";

export function tracePacket(rs: Ruleset, flow: Flow, opts: TraceOptions = {}): Trace {
  refuseUnloadable(rs);
  return (opts.mode ?? "kernel") === "kernel" ? traceKernel(rs, flow, opts) : traceKubeProxy(rs, flow, opts);
}
