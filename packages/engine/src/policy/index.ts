// @aksnet/engine/policy: Kubernetes NetworkPolicy semantics on the cluster's network model and
// policy engine — manifests in, the connectivity list, eval/explain and lint findings out.
export { ConnSet, PROTOCOLS, MIN_PORT, MAX_PORT, type Protocol } from "./conns.ts";
export type * from "./model.ts";
export { readManifests, MAX_ALIASES, type ManifestText, type Manifest } from "./manifests.ts";
export { loadPolicyInput, NAMESPACE_NAME_LABEL, OS_LABEL, DEFAULT_NAMESPACE } from "./load.ts";
export { selectorMatches, requirementMatches, selectorText } from "./selectors.ts";
export { SPEC_CONTEXT, EXTERNAL_TRAFFIC_POLICY_ASSUMED, AZURE_NPM_POD_LIMIT, WINDOWS_NPM_GAPS, enforced, type PolicyContext, type EngineId } from "./context.ts";
export { PolicyAnalysis, workloadName, externalName, type Endpoint, type CompiledRule, type WorkloadState } from "./analysis.ts";
export { connectivityList, streamConnectivityList, eachConnection, listNotes, type ConnList, type Connection } from "./connlist.ts";
export { explainConnection, decideSide, type Decision, type SideDecision, type RuleRef } from "./explain.ts";
export { contextFromCluster, loadPolicyContext } from "./cluster.ts";
export { lintPolicies, type LintResult } from "./lint.ts";
export { tracePolicyHook, type TracePolicyBinding } from "./trace-hook.ts";
