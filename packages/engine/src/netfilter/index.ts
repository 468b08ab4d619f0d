// @aksnet/engine/netfilter: iptables-save parser, lint, packet tracer (kernel and kube-proxy-test
// modes), flow files (read from bytes into columns) and bulk evaluation on the WebAssembly core.
// A subpath of its own, so names are the modules' own (no prefixes against other layers).
export {
  BUILTIN_CHAINS, getChain, ruleRef,
  type Ruleset, type ParseIssue, type IssueCode, type NetPrefix, type PortRange, type NatTo,
  type Rule, type Chain, type Table, type Match, type Target,
} from "./model.ts";
export { parseRuleset, parsePortRange, type ParseOptions } from "./parse.ts";
export { parseIpsets, setMatches, type Ipset, type IpsetDb, type IpsetEntry } from "./ipset.ts";
export { lintRuleset, type Finding, type LintOptions } from "./lint.ts";
export type {
  Flow, TraceOptions, TraceMode, Trace, KernelTrace, KubeProxyTrace, Alternative, TraceStep, Rewrite,
  FlowResult, KernelResult, KubeProxyResult,
} from "./types.ts";
export { targetText } from "./common.ts";
export { tracePacket } from "./trace.ts";
export { traceKernel } from "./kernel/trace.ts";
export { traceKubeProxy, kpView, kpRule, outputAddress, KP_FILTER_CHAINS } from "./kube-proxy/trace.ts";
export { parseFlows, flowFormat, type FlowFormat } from "./flows.ts";
export { traceKubeProxyChunks, kpChunkOutputs, KpChunkLines, KP_FIRST_CHUNK, KP_MAX_CHUNK, type KpChunk, type KpChunkSink } from "./kp-chunks.ts";
export { scanFlows, scanFlowsResident, packColumns, adoptColumns, scanFlowFile, columnsToFlows, columnFlow, NO_ID, type FlowColumns, type ResidentColumns, type PackedColumns } from "./flow-scan.ts";
export { flowJsonLine, writeJsonl, writeKpResident, ByteWriter, type ByteSink } from "./jsonl.ts";
export { traceFlows, traceFlowsTs, traceColumns, traceKubeProxyCsv, traceFlowFile, RulesDump, type FlowRun, type ColumnResults, type BulkOptions, type BulkResult } from "./bulk.ts";
export { hashKey, bucketTable } from "./buckets.ts";
export { kpRulesFromBytes, kpProgramFromBytes } from "./kube-proxy/load.ts";
export { KpProgram, kpRulesOf, NF_ABI, INDEX_MIN_RULES, compileKubeProxy, traceFlowsWasm, traceColumnsWasm, kpProtoOk, type KpRun, type NotCompiled } from "./kube-proxy/compile.ts";
export { KernelProgram, NK_ABI, compileKernel, traceFlowsKernelWasm } from "./kernel/compile.ts";
