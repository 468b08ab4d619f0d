// Running a sweep: a ChunkEvaluator (one per worker, or one in the main thread) evaluates chunks
// of the grid and formats rows or adds to its aggregates; chunks are cut by index so that any
// split — workers, shards — merges back to the same bytes. Nothing here touches threads or files.
import { gridSize, type SweepSpec } from "./spec.ts";
import { SweepKernel } from "./kernel.ts";
import { referenceRange } from "./reference.ts";
import { aggregateRecords, newAggregates } from "./aggregate.ts";
import { formatRows, type RowFormat } from "./format.ts";

export type SweepBackend = "wasm" | "reference";

export interface EvaluatorOptions {
  /** Rows to format: none (aggregates only), every row, or feasible rows only. */
  rows: "none" | "all" | "feasible";
  format: RowFormat;
  heatmap: boolean;
  backend?: SweepBackend;
}

const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** Rows per kernel call when rows are formatted (records are copied out in between). */
const RECORD_BATCH = 1 << 14;

export class ChunkEvaluator {
  private kernel?: SweepKernel;
  private agg: Float64Array;

  constructor(readonly spec: SweepSpec, readonly opts: EvaluatorOptions) {
    if ((opts.backend ?? "wasm") === "wasm") {
      this.kernel = new SweepKernel(spec, RECORD_BATCH);
      this.kernel.heatmap = opts.heatmap;
    }
    this.agg = newAggregates(spec);
  }

  /**
   * Evaluates rows [start, start + count); returns the formatted rows as UTF-8 bytes (empty with
   * rows: none), a copy the caller owns (a worker can transfer it).
   */
  run(start: number, count: number): { bytes: Uint8Array; rows: number } {
    const { rows, format, heatmap } = this.opts;
    if (rows === "none" && this.kernel) {
      this.kernel.aggregate(start, count);
      return { bytes: EMPTY, rows: 0 };
    }
    const pieces: Uint8Array[] = [];
    let n = 0;
    for (let done = 0; done < count; done += RECORD_BATCH) {
      const c = Math.min(RECORD_BATCH, count - done);
      let rec: Int32Array;
      if (this.kernel) rec = this.kernel.records(start + done, c, true);
      else {
        rec = referenceRange(this.spec, start + done, c);
        aggregateRecords(this.spec, start + done, c, rec, this.agg, heatmap);
      }
      if (rows !== "none") {
        // In wasm when the kernel runs (formatRows is its reference twin, and takes the chunk
        // when a value needs JavaScript's own number notation).
        const w = this.kernel?.formatRecords(start + done, c, format, rows === "feasible");
        if (w) {
          pieces.push(w.bytes.slice());
          n += w.rows;
        } else {
          const f = formatRows(this.spec, start + done, c, rec, format, rows === "feasible");
          pieces.push(utf8.encode(f.text));
          n += f.rows;
        }
      }
    }
    if (pieces.length === 1) return { bytes: pieces[0], rows: n };
    const bytes = new Uint8Array(pieces.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of pieces) { bytes.set(p, at); at += p.length; }
    return { bytes, rows: n };
  }

  /** The aggregates of every chunk run so far. */
  aggregates(): Float64Array {
    return this.kernel ? this.kernel.aggregates() : this.agg.slice();
  }

  /** Returns the kernel's memory to the core (the evaluator must not be used afterwards). */
  dispose(): void {
    this.kernel?.dispose();
  }

  /** The record of one row (for frontier and summary output). */
  record(index: number): Int32Array {
    return this.kernel ? this.kernel.records(index, 1).slice() : referenceRange(this.spec, index, 1);
  }
}

/** Rows [start, end) of shard i of n (0-based): the grid cut into n nearly equal index ranges. */
export function shardRange(total: number, i: number, n: number): [number, number] {
  return [Math.floor((total * i) / n), Math.floor((total * (i + 1)) / n)];
}

/** Chunks of [start, end), each at most `size` rows, cut at multiples of `size` from 0. */
export function chunks(start: number, end: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = start; s < end; ) {
    const e = Math.min(end, (Math.floor(s / size) + 1) * size);
    out.push([s, e]);
    s = e;
  }
  return out;
}

export interface SweepRun {
  spec: SweepSpec;
  total: number;
  start: number;
  end: number;
  /** Rows evaluated (all of [start, end) unless cancelled). */
  evaluated: number;
  partial: boolean;
  aggregates: Float64Array;
}

/** Runs [start, end) in this thread; the rows' bytes go to `write` in index order. */
export function runSweep(spec: SweepSpec, opts: EvaluatorOptions & { start?: number; end?: number; chunk?: number; write?: (b: Uint8Array) => void }): SweepRun {
  const total = gridSize(spec);
  const start = opts.start ?? 0, end = opts.end ?? total;
  const ev = new ChunkEvaluator(spec, opts);
  const size = opts.chunk ?? 1 << 16;
  // Chunk by chunk, never listed up front (10^15 rows would be 10^10 pairs).
  for (let s = start; s < end; ) {
    const e = Math.min(end, (Math.floor(s / size) + 1) * size);
    const r = ev.run(s, e - s);
    s = e;
    if (r.bytes.length) opts.write?.(r.bytes);
  }
  const aggregates = ev.aggregates();
  ev.dispose();
  return { spec, total, start, end, evaluated: end - start, partial: false, aggregates };
}
