// Capacity sweeps: a grid of configurations evaluated with the planner's rules by a wasm kernel.
export {
  PARAMS, PARAM_INDEX, METRICS, METRIC_INDEX, METRIC_TEXT, OPS, SHOW, OBJECTIVES, AGGS, HEAT_OF, OUTBOUND_TYPES, SURGE_PERCENT_FLAG,
  loadSweepSpec, parseConstraint, gridSize, specFingerprint, valueLabel,
  type SweepSpec, type ParamName, type MetricName, type Constraint, type Show, type Objective, type HeatmapSpec,
} from "./spec.ts";
export { SW, R as SWEEP_RECORD, FLAG_FITS, FLAG_FEASIBLE, FLAG_SERVICE_OK } from "./layout.ts";
export { decodeIndex, decodeDigits, referenceRecord, referenceRange, metricOf, kernelFacts } from "./reference.ts";
export { SweepKernel, configBlock } from "./kernel.ts";
export { newAggregates, aggregateRecords, mergeAggregates, countsOf, frontierOf, heatmapOf, aggregatesToJson, aggregatesFromJson, type FrontierPoint, type Heatmap, type HeatmapPanel, type ModelCounts } from "./aggregate.ts";
export { formatRows, formatRowsSlow, rowValues, rowObject, CSV_HEADER, RESULT_COLUMNS, ROW_FORMATS, type RowFormat } from "./format.ts";
export { ChunkEvaluator, runSweep, shardRange, chunks, type SweepRun, type EvaluatorOptions, type SweepBackend } from "./runner.ts";
export { renderSummary, renderFrontier, partHeader, partTrailer, parsePart, mergeParts, partSpec, PartDigest, MAX_SHARDS, type AggregateFormat, type ParsedPart, type PartHeader, type PartTrailer } from "./result.ts";
export { heatmapSvg } from "./svg.ts";
export { k8sJobManifest, type JobOptions } from "./k8s.ts";
