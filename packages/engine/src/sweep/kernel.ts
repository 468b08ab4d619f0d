// The sweep kernel in its own instance of the wasm core (each worker has one, with its own memory):
// the config block, the value lists, the aggregates and a record buffer live above heapBase().
import { coreModule } from "../core/module.ts";
import { METRIC_INDEX, OBJECTIVES, OPS, PARAM_INDEX, PARAMS, type SweepSpec } from "./spec.ts";
import { kernelFacts } from "./reference.ts";
import { AGG_NAMES, CONS_WORDS, SW, W_COUNT, W_HEAT_AGG, W_HEAT_OF, W_HEAT_VALUE, W_HEAT_X, W_HEAT_Y, W_VALUES, aggLength } from "./layout.ts";
import { heatCells, resetAggregates } from "./aggregate.ts";
import { HEAT_OF } from "./spec.ts";

interface SweepExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  ensure(bytes: number): number;
  swLayout(i: number): number;
  swRun(cfg: number, start: number, count: number, out: number, agg: number): number;
  swEvalList(cfg: number, codes: number, n: number, out: number): void;
}

export function sweepInstance(): SweepExports {
  const instance = new WebAssembly.Instance(coreModule(), {
    env: {
      abort: (_m: number, _f: number, line: number, col: number) => {
        throw new Error(`aksnet wasm core aborted at ${line}:${col}`);
      },
    },
  });
  return instance.exports as unknown as SweepExports;
}

const align8 = (n: number) => (n + 7) & ~7;

export class SweepKernel {
  readonly ex: SweepExports;
  private cfg: number;
  private agg: number;
  private aggLen: number;
  private out: number;
  private capacity: number;
  private list = 0;
  private listCap = 0;

  /** `capacity`: the most rows one run() may return as records. */
  constructor(readonly spec: SweepSpec, capacity = 1 << 14) {
    this.ex = sweepInstance();
    const base = align8(this.ex.heapBase());
    this.cfg = base;
    let p = base + SW.CFG_WORDS * 4;
    const valuePtrs: number[] = [];
    for (const v of spec.values) { valuePtrs.push(p); p = align8(p + v.length * 4); }
    this.aggLen = aggLength(heatCells(spec));
    this.agg = p;
    p += this.aggLen * 8;
    this.out = p;
    this.capacity = capacity;
    p += capacity * SW.REC_WORDS * 4;
    this.grow(p - base);
    const w = new Int32Array(this.ex.memory.buffer, this.cfg, SW.CFG_WORDS);
    spec.values.forEach((v, d) => {
      w[W_COUNT + d] = v.length;
      w[W_VALUES + d] = valuePtrs[d];
      new Int32Array(this.ex.memory.buffer, valuePtrs[d], v.length).set(v);
    });
    w.set(kernelFacts(), SW.W_FACTS);
    w[SW.W_NCONS] = spec.constraints.length;
    spec.constraints.forEach((c, i) => {
      const at = SW.W_CONS + i * CONS_WORDS;
      w[at] = METRIC_INDEX[c.metric];
      w[at + 1] = OPS.indexOf(c.op);
      new Float64Array(this.ex.memory.buffer, this.cfg + (at + 2) * 4, 1)[0] = c.value;
    });
    w[SW.W_OBJECTIVE] = OBJECTIVES.indexOf(spec.maximize);
    w[SW.W_HEAT_ON] = 0;
    w[W_HEAT_X] = PARAM_INDEX[spec.heatmap.x];
    w[W_HEAT_Y] = PARAM_INDEX[spec.heatmap.y];
    w[W_HEAT_VALUE] = METRIC_INDEX[spec.heatmap.value];
    w[W_HEAT_AGG] = AGG_NAMES.indexOf(spec.heatmap.agg);
    w[W_HEAT_OF] = HEAT_OF.indexOf(spec.heatmap.of);
    this.resetAggregates();
  }

  private grow(bytes: number): void {
    if (!this.ex.ensure(bytes + 64)) throw new RangeError(`the sweep needs ${bytes} bytes of wasm memory`);
  }

  /** Whether aggregation also fills the heatmap cells (costs a little per row). */
  set heatmap(on: boolean) {
    new Int32Array(this.ex.memory.buffer, this.cfg, SW.CFG_WORDS)[SW.W_HEAT_ON] = on ? 1 : 0;
  }

  resetAggregates(): void {
    resetAggregates(this.spec, new Float64Array(this.ex.memory.buffer, this.agg, this.aggLen));
  }

  /** A copy of the aggregates so far. */
  aggregates(): Float64Array {
    return new Float64Array(this.ex.memory.buffer, this.agg, this.aggLen).slice();
  }

  /** Adds rows [start, start + count) to the aggregates; no records. */
  aggregate(start: number, count: number): void {
    let done = 0;
    while (done < count) {
      const n = Math.min(count - done, 1 << 30);
      this.ex.swRun(this.cfg, start + done, n, 0, this.agg);
      done += n;
    }
  }

  /**
   * Records of rows [start, start + count) (count <= capacity), a view valid until the next call;
   * with `aggregate` the rows are also added to the aggregates.
   */
  records(start: number, count: number, aggregate = false): Int32Array {
    if (count > this.capacity) throw new RangeError(`at most ${this.capacity} records per call`);
    this.ex.swRun(this.cfg, start, count, this.out, aggregate ? this.agg : 0);
    return new Int32Array(this.ex.memory.buffer, this.out, count * SW.REC_WORDS);
  }

  /** Evaluates explicit configurations (PARAMS.length codes each), not grid rows. */
  evalList(codes: Int32Array): Int32Array {
    const n = codes.length / PARAMS.length;
    const need = codes.length * 4 + n * SW.REC_WORDS * 4;
    if (need > this.listCap) {
      this.list = align8(this.out + this.capacity * SW.REC_WORDS * 4);
      this.grow(this.list + need - this.ex.heapBase());
      this.listCap = need;
    }
    new Int32Array(this.ex.memory.buffer, this.list, codes.length).set(codes);
    const out = align8(this.list + codes.length * 4);
    this.ex.swEvalList(this.cfg, this.list, n, out);
    return new Int32Array(this.ex.memory.buffer, out, n * SW.REC_WORDS).slice();
  }
}
