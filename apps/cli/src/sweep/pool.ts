// Running a sweep range: in chunks on `workers` worker_threads (each running this bundle, see
// worker.ts), or in this thread, writing rows in index order. Ctrl-C stops handing out chunks; the
// ones running finish, and their rows (the contiguous prefix) and aggregates are kept.
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { gridSize, ChunkEvaluator, mergeAggregates, newAggregates, type SweepSpec, type SweepRun, type EvaluatorOptions } from "@aksnet/engine/sweep";
import { Progress } from "./progress.ts";
import type { FromWorker, ToWorker, WorkerInit } from "./worker.ts";

export interface RunOptions {
  spec: SweepSpec;
  specName: string;
  specText: string;
  start: number;
  end: number;
  eval: EvaluatorOptions;
  workers: number;
  chunk: number;
  quiet: boolean;
  /** The rows' bytes, in index order. */
  write: (b: Uint8Array) => void;
  /** A second Ctrl-C: close the output as partial now (rows [start, start + evaluated) are written); the process then exits 130. */
  abort?: (evaluated: number) => void;
}

/**
 * The file a worker runs: this module's own file, which is the CLI bundle (dist/aksnet.mjs) when
 * built; "" when running from TypeScript sources (no workers then).
 */
function workerFile(): string {
  try {
    const f = fileURLToPath(import.meta.url);
    return /\.m?js$/.test(f) ? f : "";
  } catch {
    return "";
  }
}

/**
 * The chunks of [start, end), each at most `size` rows, cut at multiples of `size` from 0 (as
 * chunks() in the engine), computed by number rather than listed: a grid of 10^11 rows in
 * chunks of 2,000 would be 5 × 10^7 pairs in memory.
 */
export class ChunkList {
  readonly length: number;
  private readonly first: number;
  constructor(readonly start: number, readonly end: number, readonly size: number) {
    this.first = Math.floor(start / size);
    this.length = end > start ? Math.ceil(end / size) - this.first : 0;
  }
  at(i: number): [number, number] {
    const c = this.first + i;
    return [Math.max(this.start, c * this.size), Math.min(this.end, (c + 1) * this.size)];
  }
}

export async function execute(o: RunOptions): Promise<SweepRun> {
  const list = new ChunkList(o.start, o.end, o.chunk);
  const progress = new Progress(o.end - o.start, o.quiet, o.workers);
  let cancelled = false;
  const onInt = () => {
    if (cancelled) {
      try { o.abort?.(progress.done); } finally { process.exit(130); }
    }
    cancelled = true;
  };
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onInt);
  let evaluated = 0;
  let aggregates: Float64Array;
  try {
    const file = workerFile();
    if (o.workers <= 1 || !file) {
      if (o.workers > 1 && !o.quiet) process.stderr.write("sweep: not running from the bundle (dist/aksnet.mjs); running in one thread\n");
      const ev = new ChunkEvaluator(o.spec, o.eval);
      for (let i = 0; i < list.length; i++) {
        if (cancelled) break;
        const [s, e] = list.at(i);
        o.write(ev.run(s, e - s).bytes);
        evaluated += e - s;
        progress.done = evaluated;
        // Let Ctrl-C and the progress timer in between chunks.
        await new Promise((r) => setImmediate(r));
      }
      aggregates = ev.aggregates();
      ev.dispose();
    } else {
      const r = await pool(o, list, file, progress, () => cancelled);
      evaluated = r.evaluated;
      aggregates = r.aggregates;
    }
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onInt);
  }
  progress.done = evaluated;
  progress.end(cancelled);
  return { spec: o.spec, total: gridSize(o.spec), start: o.start, end: o.end, evaluated, partial: cancelled && evaluated < o.end - o.start, aggregates };
}

async function pool(o: RunOptions, list: ChunkList, file: string, progress: Progress, cancelled: () => boolean): Promise<{ evaluated: number; aggregates: Float64Array }> {
  const init: WorkerInit = { aksnetSweep: 1, specName: o.specName, specText: o.specText, opts: o.eval };
  const workers = Array.from({ length: Math.min(o.workers, Math.max(1, list.length)) }, () => new Worker(file, { workerData: init }));
  const send = (w: Worker, m: ToWorker) => w.postMessage(m);
  const pending = new Map<number, Uint8Array>();
  let next = 0; // next chunk to hand out
  let written = 0; // chunks [0, written) are written, in order
  let evaluated = 0;
  let inFlight = 0;
  // Rows of finished chunks wait here until every earlier chunk is written: at most this many.
  const maxAhead = 4 * workers.length;
  const aggregates = newAggregates(o.spec);
  let failure: Error | undefined;
  await new Promise<void>((resolve) => {
    // Two chunks queued per worker, so that a worker never waits for the round trip to this
    // thread between chunks.
    const depth = 2;
    const queued = new Map<Worker, number>(workers.map((w) => [w, 0]));
    let finishing = -1;
    const canDispatch = () => !failure && !cancelled() && next < list.length && next - written < maxAhead;
    const finish = () => {
      if (finishing >= 0) return;
      finishing = workers.length;
      for (const w of workers) send(w, { type: "finish" });
    };
    const pump = () => {
      for (let round = 0; round < depth; round++) {
        for (const w of workers) {
          if (!canDispatch() || queued.get(w)! > round) continue;
          const id = next++;
          inFlight++;
          queued.set(w, queued.get(w)! + 1);
          const [start, end] = list.at(id);
          send(w, { type: "chunk", id, start, end });
        }
      }
      if (inFlight === 0 && !canDispatch()) finish();
    };
    for (const w of workers) {
      w.on("message", (m: FromWorker) => {
        if (m.type === "done") {
          inFlight--;
          pending.set(m.id, m.bytes);
          try {
            while (pending.has(written)) {
              o.write(pending.get(written)!);
              pending.delete(written);
              const [s, e] = list.at(written);
              evaluated += e - s;
              written++;
            }
          } catch (e) {
            // The output cannot be written (a full disk): stop, and report it from execute.
            failure ??= e as Error;
            resolve();
            return;
          }
          progress.done = evaluated;
          queued.set(w, queued.get(w)! - 1);
          pump();
        } else if (m.type === "aggregates") {
          mergeAggregates(o.spec, aggregates, m.data);
          if (--finishing === 0) resolve();
        }
      });
      w.on("error", (e) => {
        failure ??= e;
        resolve();
      });
    }
    pump();
  });
  await Promise.all(workers.map((w) => w.terminate()));
  if (failure) throw failure;
  return { evaluated, aggregates };
}
