// The AKS planner: load a cluster, plan it, check it, compare models, fit, diff.
export * from "./constants.ts";
export * from "./capacity.ts";
export type * from "./model.ts";
export { loadCluster, detectKind, type InputText, type LoadOptions, type DocKind } from "./load.ts";
export type { Plan, SubnetPlan, PodRangePlan, PoolPlan, SnatPlan, Limit, Finding, Severity } from "./result.ts";
export { plan, capacityModel, plannedNodes } from "./plan.ts";
export { checkCluster } from "./findings.ts";
export { compare, asModel, type Comparison, type CompareRow } from "./compare.ts";
export { fit, type FitInput, type FitResult, type FitPool } from "./fit.ts";
export { diff, type Change, type ChangeKind, type ChangePlan } from "./diff.ts";
export { BUILTIN_EXAMPLE_NAME, BUILTIN_EXAMPLE } from "./example.ts";
export { applyFix } from "./fix.ts";
export { readLive, liveReport, liveLines, AGENTPOOL_LABELS, type LiveUsage, type LiveReport, type LiveNode, type LiveNnc } from "./live.ts";
export { forecast, parseGrowth, type Forecast, type ForecastRow, type Growth } from "./forecast.ts";
