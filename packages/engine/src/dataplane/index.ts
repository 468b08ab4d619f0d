// @aksnet/engine/dataplane: what a cluster would hold (addresses, routes, NSGs, egress, each
// node's kube-proxy ruleset) and the end-to-end packet trace under every network model.
export type * from "./result.ts";
export { dataplane, Dataplane, type DataplaneInputs, type AddressClass, type NodeDetail } from "./dataplane.ts";
export { loadWorkload, type Workload, type WorkloadService, type WorkloadPort } from "./workload.ts";
export { loadNsgs, loadRouteTables, SERVICE_TAGS, type RouteTableInput, type RouteInput } from "./inputs.ts";
export { trace, type FlowSpec, type TraceOptions, type PolicyHook } from "./trace.ts";
export { traceCompare, COMPARE_VARIANTS, type CompareTraceRow } from "./compare.ts";
export { parseEndpoint, ENDPOINT_SYNTAX, type Endpoint } from "./endpoint.ts";
export { nodeRuleset, type RulesetInput } from "./iptables.ts";
export { CompiledNsg, defaultRules } from "./nsg.ts";
export { chainName, sha256 } from "./chain-names.ts";
export * from "./constants.ts";
export { traceBulk, parseTraceFlows, parseTraceFlowTable, flowTable, bulkJsonLine, BulkRun, type BulkFlow, type BulkTrace, type FlowTable, type TraceBulkOptions } from "./bulk.ts";
export { TS_PRIMITIVES, TS_BULK_PRIMITIVES, LeanTracer, type Primitives, type NodeNetfilter, type NodeAlternative, type NfPacket, type LeanTrace } from "./trace.ts";
