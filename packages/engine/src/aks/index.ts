// The AKS planner: load a cluster, plan it, check it, compare models, fit, diff.
export * from "./constants.ts";
export * from "./capacity.ts";
export type * from "./model.ts";
export { loadCluster, detectKind, type InputText, type LoadOptions, type DocKind } from "./load.ts";
export { plan, capacityModel, plannedNodes, type Plan, type SubnetPlan, type PodRangePlan, type PoolPlan, type SnatPlan, type Limit } from "./plan.ts";
export { checkCluster, type Finding as AksFinding, type Severity as AksSeverity } from "./findings.ts";
export { compare, asModel, type Comparison, type CompareRow } from "./compare.ts";
export { fit, type FitInput, type FitResult, type FitPool } from "./fit.ts";
export { diff, type Change, type ChangeKind, type ChangePlan } from "./diff.ts";
export { BUILTIN_EXAMPLE_NAME, BUILTIN_EXAMPLE } from "./example.ts";
