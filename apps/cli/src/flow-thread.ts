// A second thread for `aksnet iptables flows` on a large flow file, when the machine has a second
// core. While the main thread loads the dump, the thread reads and scans the flow file (its own
// wasm core) and posts the columns. Then the main thread evaluates the flows in chunks and posts
// each chunk's result words; the thread formats those lines from the columns it kept and writes
// them, so formatting and writing one chunk overlap the evaluation of the next (engine:
// netfilter/kp-chunks.ts). Any other output of the command goes through the thread as bytes, so
// stdout keeps its order. The thread runs its own small bundle (flow-thread-entry.ts).
//
// Nothing it does changes a result: the lines are the same bytes in the same order; when it
// cannot help (it fails, the file is not one the fast path takes) the main thread reads the file
// itself, and reports the errors, exactly as without it.
import { receiveMessageOnPort, type Worker, type MessagePort } from "node:worker_threads";
import type { PackedColumns, KpChunk, KpChunkSink } from "@aksnet/engine/netfilter";
import { InputError } from "./io.ts";
import { DONE, ERR, ERR_EPIPE, type ToThread } from "./flow-thread-messages.ts";
import { spawnFlowThread, flowThreadPays, type SpawnedFlowThread } from "./flow-thread-spawn.ts";
import { launch } from "./launched.ts";

/** Messages the thread may have still to handle before the main thread waits (bytes: 1 MiB chunks). */
const MAX_AHEAD = 8;
/** A thread that handles nothing for this long has stopped (it cannot otherwise be seen while the main thread waits). */
const STALL_MS = 60_000;

/** The main thread's side: the thread's scan of the flow file, then the output, through it. */
export class FlowThread {
  private readonly ctl: Int32Array;
  private readonly worker: Worker;
  private readonly errors: MessagePort;
  private sent = 0;

  private constructor(private readonly t: SpawnedFlowThread) {
    this.worker = t.worker;
    this.errors = t.errors;
    this.ctl = new Int32Array(t.ctl);
    // Until finish() or stop(): the thread keeps the process alive while it has work.
    this.worker.ref();
  }

  /**
   * A thread for this flow file: the one the launcher started for it (launch.ts), else one started
   * now; undefined where it would not pay (flowThreadPays: one core, a small file, stdin,
   * AKSNET_THREADS=1) or where there is no thread bundle (the CLI from its TypeScript sources, as
   * in tests that import it). A thread the launcher started for another file is stopped.
   */
  static start(path: string): FlowThread | undefined {
    const l = launch();
    const early = l?.early;
    if (l) l.early = undefined;
    if (early && early.path === path && !early.failed) return new FlowThread(early);
    if (early) void early.worker.terminate();
    if (!l?.flowThreadSource || !flowThreadPays(path)) return undefined;
    return new FlowThread(spawnFlowThread(l.flowThreadSource, path));
  }

  /** Stops a thread the launcher started that this command line does not use. */
  static discardEarly(): void {
    const l = launch();
    if (l?.early) void l.early.worker.terminate();
    if (l) l.early = undefined;
  }

  /** The thread's columns of the file (undefined when it could not make them: then read the file). */
  columns(): Promise<PackedColumns | undefined> {
    return this.t.got;
  }

  /** The output sink: each chunk copied and handed to the thread, which writes them in order. */
  readonly sink = (chunk: Uint8Array): void => {
    const bytes = chunk.slice();
    this.post({ t: "bytes", bytes }, [bytes.buffer as ArrayBuffer]);
  };

  /** Where a chunked kube-proxy-test run hands its results: the thread formats and writes the lines. */
  readonly lines: KpChunkSink = {
    // The texts as one string and their lengths: two values to clone, not tens of thousands.
    start: (outputs: readonly string[]) => {
      // Sent ahead of the run (once the dump is loaded), then handed again by the run itself.
      if (outputs === this.started) return;
      this.started = outputs;
      const lengths = Uint32Array.from(outputs, (o) => o.length);
      this.post({ t: "start", text: outputs.join(""), lengths }, [lengths.buffer as ArrayBuffer]);
    },
    chunk: (chunk: KpChunk) => this.post({ t: "chunk", chunk }, [chunk.results.buffer as ArrayBuffer, chunk.ids.buffer as ArrayBuffer]),
  };

  private started?: readonly string[];

  /** Everything handed on is written; then the thread ends (and does not keep the process alive). */
  finish(): void {
    try {
      this.post({ t: "end" });
      this.waitFor(this.sent);
    } finally {
      this.worker.unref();
      this.errors.close();
    }
  }

  /** Stops the thread at once (the command failed). */
  stop(): void {
    this.worker.unref();
    this.errors.close();
    void this.worker.terminate();
  }

  private post(m: ToThread, transfer: ArrayBuffer[] = []): void {
    if (this.t.failed) throw new Error("the flow thread has stopped");
    this.check();
    this.worker.postMessage(m, transfer);
    this.sent++;
    if (this.sent - Atomics.load(this.ctl, DONE) > MAX_AHEAD) this.waitFor(this.sent - MAX_AHEAD);
  }

  /** Blocks until the thread has handled `count` messages; a failed write is thrown here, as writeStdout would. */
  private waitFor(count: number): void {
    let last = Atomics.load(this.ctl, DONE), since = performance.now();
    for (;;) {
      this.check();
      const done = Atomics.load(this.ctl, DONE);
      if (done >= count) return;
      if (done !== last) { last = done; since = performance.now(); }
      else if (performance.now() - since > STALL_MS) throw new Error(`the flow thread handled nothing for ${STALL_MS / 1000} s`);
      Atomics.wait(this.ctl, DONE, done, 100);
    }
  }

  private check(): void {
    const err = Atomics.load(this.ctl, ERR);
    if (!err) return;
    this.t.failed = true;
    if (err === ERR_EPIPE) {
      // As writeStdout: the reader closed the pipe; main's handler ends the process quietly.
      const e = Object.assign(new Error("EPIPE: broken pipe, write"), { code: "EPIPE" });
      process.stdout.emit("error", e);
      throw e;
    }
    const m = receiveMessageOnPort(this.errors)?.message as { message?: string; write?: boolean } | undefined;
    if (m?.write) throw new InputError(m.message ?? "cannot write standard output", undefined, "WriteError");
    throw new Error(`flow thread: ${m?.message ?? "failed"}`);
  }
}
