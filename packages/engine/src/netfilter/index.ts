// Netfilter: iptables-save parser, lint, packet tracer (kernel and kube-proxy-test modes) and
// bulk evaluation on the WebAssembly core.
export * from "./model.ts";
export { parseRuleset, parsePortRange, type ParseOptions } from "./parse.ts";
export { parseIpsets, setMatches, type Ipset, type IpsetDb, type IpsetEntry } from "./ipset.ts";
export { lintRuleset, type Finding, type LintOptions } from "./lint.ts";
export {
  tracePacket, traceKernel, traceKubeProxy, targetText, kpView, kpRule, outputAddress, KP_FILTER_CHAINS,
  type Flow, type TraceOptions, type TraceMode, type Trace, type KernelTrace, type KubeProxyTrace, type Alternative, type TraceStep, type Rewrite,
} from "./trace.ts";
export { parseFlows } from "./flows.ts";
export { traceFlows, traceFlowsTs, type FlowResult, type KernelResult, type KubeProxyResult, type BulkOptions, type BulkResult } from "./bulk.ts";
export { KpProgram, NF_ABI, INDEX_MIN_RULES, compileKubeProxy, traceFlowsWasm, nfInstance } from "./compile.ts";
export { KernelProgram, NK_ABI, compileKernel, traceFlowsKernelWasm } from "./compile-kernel.ts";
