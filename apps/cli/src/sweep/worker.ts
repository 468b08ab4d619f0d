// The sweep worker: a worker_thread running the CLI's own bundle (dist/aksnet.mjs: pool.ts starts
// it with workerData tagged aksnetSweep, and main.ts serves instead of parsing argv), evaluating
// the chunks the pool sends and returning the rows' bytes per chunk and its aggregates at the end.
// Each worker has its own wasm core.
import { isMainThread, parentPort, workerData, type MessagePort } from "node:worker_threads";
import { loadSweepSpec, ChunkEvaluator, type EvaluatorOptions } from "@aksnet/engine/sweep";

export interface WorkerInit {
  aksnetSweep: 1;
  specName: string;
  specText: string;
  opts: EvaluatorOptions;
}

export type ToWorker = { type: "chunk"; id: number; start: number; end: number } | { type: "finish" };
export type FromWorker = { type: "done"; id: number; bytes: Uint8Array } | { type: "aggregates"; data: Float64Array };

/** Whether this thread is a sweep worker (the bundle is loaded by the main thread too). */
export function isSweepWorker(): boolean {
  return !isMainThread && !!parentPort && (workerData as WorkerInit | undefined)?.aksnetSweep === 1;
}

export function serve(port: MessagePort, init: WorkerInit): void {
  const ev = new ChunkEvaluator(loadSweepSpec(init.specName, init.specText), init.opts);
  port.on("message", (m: ToWorker) => {
    if (m.type === "chunk") {
      const r = ev.run(m.start, m.end - m.start);
      port.postMessage({ type: "done", id: m.id, bytes: r.bytes } satisfies FromWorker, r.bytes.length ? [r.bytes.buffer as ArrayBuffer] : []);
    } else if (m.type === "finish") {
      const a = ev.aggregates();
      port.postMessage({ type: "aggregates", data: a } satisfies FromWorker, [a.buffer as ArrayBuffer]);
    }
  });
}

/** The worker's entry: main.ts calls it instead of the CLI when isSweepWorker(). */
export function serveSweepWorker(): void {
  serve(parentPort!, workerData as WorkerInit);
}
