// Netfilter: iptables-save parser, lint, packet tracer (kernel and kube-proxy-test modes) and
// bulk evaluation on the WebAssembly core.
// Generic names get a prefix here, so that the engine's barrel (which also re-exports the AKS
// dataplane, with its own flows, traces and findings) never has two of one name.
export {
  BUILTIN_CHAINS, getChain, ruleRef,
  type Ruleset, type ParseIssue, type IssueCode, type NetPrefix, type PortRange, type NatTo,
  type Rule as IptablesRule, type Chain as IptablesChain, type Table as IptablesTable, type Match as IptablesMatch, type Target as IptablesTarget,
} from "./model.ts";
export { parseRuleset, parsePortRange, type ParseOptions } from "./parse.ts";
export { parseIpsets, setMatches, type Ipset, type IpsetDb, type IpsetEntry } from "./ipset.ts";
export { lintRuleset, type Finding as RulesetFinding, type LintOptions } from "./lint.ts";
export {
  tracePacket, traceKernel, traceKubeProxy, targetText, kpView, kpRule, outputAddress, KP_FILTER_CHAINS,
  type Flow as PacketFlow, type TraceOptions, type TraceMode, type Trace as PacketTrace, type KernelTrace, type KubeProxyTrace,
  type Alternative as TraceAlternative, type TraceStep, type Rewrite as PacketRewrite,
} from "./trace.ts";
export { parseFlows } from "./flows.ts";
export { traceFlows, traceFlowsTs, type FlowResult, type KernelResult, type KubeProxyResult, type BulkOptions, type BulkResult } from "./bulk.ts";
export { KpProgram, NF_ABI, INDEX_MIN_RULES, compileKubeProxy, traceFlowsWasm, nfInstance } from "./compile.ts";
export { KernelProgram, NK_ABI, compileKernel, traceFlowsKernelWasm } from "./compile-kernel.ts";
