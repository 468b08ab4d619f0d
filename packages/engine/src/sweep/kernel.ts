// The sweep kernel on the thread's one core (core/module.ts; each worker_thread has its own): the
// config block, the value lists, the aggregates and a record buffer live in one block of the
// core's heap, released by dispose() (or when the kernel is garbage-collected).
import { core, type Core } from "../core/module.ts";
import { METRIC_INDEX, OBJECTIVES, OPS, PARAM_INDEX, PARAMS, HEAT_OF, type SweepSpec } from "./spec.ts";
import { kernelFacts } from "./reference.ts";
import { AGG_NAMES, CONS_WORDS, SW, W_COUNT, W_HEAT_AGG, W_HEAT_OF, W_HEAT_VALUE, W_HEAT_X, W_HEAT_Y, W_VALUES, aggLength } from "./layout.ts";
import { heatCells, resetAggregates } from "./aggregate.ts";
import { rowTable, type RowFormat } from "./format.ts";

const align8 = (n: number) => (n + 7) & ~7;

/**
 * The kernel's config block for `spec` as it lies in linear memory at address `base` (8-aligned):
 * CFG_WORDS i32 words, then the value lists, whose pointers (W_VALUES) are absolute addresses.
 * With base 0 the pointers are offsets into the block (bench/c/sweep.c reads it so).
 */
export function configBlock(spec: SweepSpec, base = 0): Int32Array {
  let bytes = SW.CFG_WORDS * 4;
  const offsets = spec.values.map((v) => { const o = bytes; bytes = align8(bytes + v.length * 4); return o; });
  const w = new Int32Array(bytes / 4);
  spec.values.forEach((v, d) => {
    w[W_COUNT + d] = v.length;
    w[W_VALUES + d] = base + offsets[d];
    w.set(v, offsets[d] / 4);
  });
  w.set(kernelFacts(), SW.W_FACTS);
  w[SW.W_NCONS] = spec.constraints.length;
  const f = new Float64Array(w.buffer);
  spec.constraints.forEach((c, i) => {
    const at = SW.W_CONS + i * CONS_WORDS;
    w[at] = METRIC_INDEX[c.metric];
    w[at + 1] = OPS.indexOf(c.op);
    f[(at + 2) / 2] = c.value;
  });
  w[SW.W_OBJECTIVE] = OBJECTIVES.indexOf(spec.maximize);
  w[SW.W_HEAT_ON] = 0;
  w[W_HEAT_X] = PARAM_INDEX[spec.heatmap.x];
  w[W_HEAT_Y] = PARAM_INDEX[spec.heatmap.y];
  w[W_HEAT_VALUE] = METRIC_INDEX[spec.heatmap.value];
  w[W_HEAT_AGG] = AGG_NAMES.indexOf(spec.heatmap.agg);
  w[W_HEAT_OF] = HEAT_OF.indexOf(spec.heatmap.of);
  return w;
}

export class SweepKernel {
  readonly core: Core;
  /** The block: [cfg + values][aggregates][records]. */
  private readonly ptr: number;
  private readonly bytes: number;
  private readonly cfg: number;
  private readonly agg: number;
  private readonly aggLen: number;
  private readonly out: number;
  private readonly capacity: number;
  private disposed = false;
  /** Blocks of the row formatter: a string table per format, and the text buffer. */
  private tables = new Map<RowFormat, { ptr: number; bytes: number; maxRow: number }>();
  private text = { ptr: 0, bytes: 0 };

  /** `capacity`: the most rows one records() call may return. */
  constructor(readonly spec: SweepSpec, capacity = 1 << 14, c: Core = core()) {
    this.core = c;
    this.capacity = capacity;
    const cfgBytes = configBlock(spec).byteLength;
    this.aggLen = aggLength(heatCells(spec));
    this.bytes = cfgBytes + this.aggLen * 8 + capacity * SW.REC_WORDS * 4;
    // The heap hands out 16-byte aligned blocks: the cfg's f64 words and the aggregates are aligned.
    this.ptr = c.heap.alloc(this.bytes);
    this.cfg = this.ptr;
    this.agg = this.cfg + cfgBytes;
    this.out = this.agg + this.aggLen * 8;
    c.heap.own(this, this.ptr, this.bytes);
    new Int32Array(c.memory.buffer, this.cfg, cfgBytes / 4).set(configBlock(spec, this.cfg));
    this.resetAggregates();
  }

  /** Returns the kernel's block to the heap now; the kernel must not be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.core.heap.disown(this, this.ptr, this.bytes);
    for (const t of this.tables.values()) this.core.heap.disown(t, t.ptr, t.bytes);
    if (this.text.bytes) this.core.heap.disown(this.text, this.text.ptr, this.text.bytes);
  }

  private live(): void {
    if (this.disposed) throw new Error("SweepKernel used after dispose()");
  }

  /** Whether aggregation also fills the heatmap cells (costs a little per row). */
  set heatmap(on: boolean) {
    this.live();
    new Int32Array(this.core.memory.buffer, this.cfg, SW.CFG_WORDS)[SW.W_HEAT_ON] = on ? 1 : 0;
  }

  resetAggregates(): void {
    this.live();
    resetAggregates(this.spec, new Float64Array(this.core.memory.buffer, this.agg, this.aggLen));
  }

  /** A copy of the aggregates so far. */
  aggregates(): Float64Array {
    this.live();
    return new Float64Array(this.core.memory.buffer, this.agg, this.aggLen).slice();
  }

  /** Adds rows [start, start + count) to the aggregates; no records. */
  aggregate(start: number, count: number): void {
    this.live();
    const ex = this.core.exports;
    for (let done = 0; done < count; ) {
      const n = Math.min(count - done, 1 << 30);
      ex.swRun(this.cfg, start + done, n, 0, this.agg);
      done += n;
    }
  }

  /**
   * Records of rows [start, start + count) (count <= capacity), a view valid until the next call
   * into the core; with `aggregate` the rows are also added to the aggregates.
   */
  records(start: number, count: number, aggregate = false): Int32Array {
    this.live();
    if (count > this.capacity) throw new RangeError(`at most ${this.capacity} records per call`);
    this.core.exports.swRun(this.cfg, start, count, this.out, aggregate ? this.agg : 0);
    return new Int32Array(this.core.memory.buffer, this.out, count * SW.REC_WORDS);
  }

  /**
   * The CSV or JSON-lines text of the records the last records(start, count) call wrote (rows
   * that are not feasible skipped with feasibleOnly), formatted in wasm: bytes valid until the
   * next call into the core, and the rows they hold. Undefined when a value would be printed in
   * another notation by JavaScript (products beyond 2^53): formatRows then formats the chunk.
   */
  formatRecords(start: number, count: number, format: RowFormat, feasibleOnly: boolean): { bytes: Uint8Array; rows: number } | undefined {
    this.live();
    if (count > this.capacity) throw new RangeError(`at most ${this.capacity} records per call`);
    const heap = this.core.heap;
    let t = this.tables.get(format);
    if (!t) {
      const size = rowTable(this.spec, format).block.length;
      const ptr = heap.alloc(size);
      const { block, maxRow } = rowTable(this.spec, format, ptr);
      t = { ptr, bytes: size, maxRow };
      heap.own(t, ptr, size);
      this.tables.set(format, t);
      new Uint8Array(this.core.memory.buffer, ptr, size).set(block);
    }
    const need = 4 + count * t.maxRow;
    if (need > this.text.bytes) {
      if (this.text.bytes) heap.disown(this.text, this.text.ptr, this.text.bytes);
      const bytes = Math.max(need, 4 + this.capacity * t.maxRow);
      this.text = { ptr: heap.alloc(bytes), bytes };
      heap.own(this.text, this.text.ptr, bytes);
    }
    const n = this.core.exports.swFormat(this.cfg, t.ptr, start, count, this.out, feasibleOnly, this.text.ptr, this.text.bytes - 4, t.maxRow);
    if (n === -1) return undefined;
    if (n < 0) throw new RangeError(`the sweep's row text buffer is too small (${this.text.bytes} bytes for ${count} rows)`);
    const buf = this.core.memory.buffer;
    return { bytes: new Uint8Array(buf, this.text.ptr + 4, n), rows: new Int32Array(buf, this.text.ptr, 1)[0] };
  }

  /** Evaluates explicit configurations (PARAMS.length codes each), not grid rows. */
  evalList(codes: Int32Array): Int32Array {
    this.live();
    const n = codes.length / PARAMS.length;
    const recBytes = n * SW.REC_WORDS * 4;
    const heap = this.core.heap;
    const list = heap.alloc(codes.byteLength + recBytes);
    try {
      new Int32Array(this.core.memory.buffer, list, codes.length).set(codes);
      const out = align8(list + codes.byteLength);
      this.core.exports.swEvalList(this.cfg, list, n, out);
      return new Int32Array(this.core.memory.buffer, out, n * SW.REC_WORDS).slice();
    } finally {
      heap.release(list, codes.byteLength + recBytes);
    }
  }
}
