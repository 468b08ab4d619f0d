// traceCompare(): the same flow under every network model, side by side. Each row is a real
// dataplane of the cluster changed by the planner's asModel() (same pools, VNet and inputs).
import { AksnetError } from "../errors.ts";
import { asModel, MODEL_VARIANTS, type Cluster, type DataplaneKind, type ModelId } from "./cluster.ts";
import { dataplane, type DataplaneInputs } from "./dataplane.ts";
import { trace, type FlowSpec, type TraceOptions } from "./trace.ts";
import type { Trace } from "./result.ts";

/** The variants trace --compare runs: the planner's compare rows. */
export const COMPARE_VARIANTS = MODEL_VARIANTS;

export interface CompareTraceRow {
  model: ModelId;
  dataplane: DataplaneKind;
  label: string;
  trace?: Trace;
  /** Why this model could not be traced (e.g. the subnet cannot hold its nodes under it). */
  error?: string;
  notes: string[];
}

export function traceCompare(c: Cluster, inputs: DataplaneInputs, flow: FlowSpec, opts: TraceOptions = {}): CompareTraceRow[] {
  return COMPARE_VARIANTS.map((v) => {
    const { cluster, notes } = asModel(c, v.model, v.dataplane);
    try {
      return { ...v, trace: trace(dataplane(cluster, inputs), flow, opts), notes };
    } catch (e) {
      if (e instanceof AksnetError && e.kind !== "usage") return { ...v, error: e.message, notes };
      throw e;
    }
  });
}
