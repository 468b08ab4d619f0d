// aksnet sweep SPEC: capacity sweeps over a parameter grid on every core (worker_threads), with a
// progress bar, Ctrl-C that keeps what finished, shards (--shard i/n), merge and a Kubernetes
// Indexed Job. This file is also the worker's entry (dist/sweep-worker.mjs, see build.mjs): the
// block below runs only inside a sweep worker.
import { isMainThread, parentPort, workerData, Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { existsSync, openSync, writeSync, closeSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadSweepSpec, gridSize, ChunkEvaluator, chunks, shardRange, mergeAggregates, newAggregates, renderSummary, renderFrontier, partHeader, partTrailer, parsePart, mergeParts, heatmapOf, heatmapSvg, valueLabel, k8sJobManifest, CSV_HEADER, SHOW, type SweepSpec, type SweepRun, type EvaluatorOptions, type Show, type ParamName } from "@aksnet/engine/sweep";
import { readSource, UsageError, InputError } from "../io.ts";
import type { Command } from "commander";
import type { Register } from "./index.ts";

// ---- Worker side ---------------------------------------------------------------------------------

interface WorkerInit {
  aksnetSweep: 1;
  specName: string;
  specText: string;
  opts: EvaluatorOptions;
}

if (!isMainThread && (workerData as WorkerInit | undefined)?.aksnetSweep === 1 && parentPort) {
  const init = workerData as WorkerInit;
  const ev = new ChunkEvaluator(loadSweepSpec(init.specName, init.specText), init.opts);
  const port = parentPort;
  port.on("message", (m: { type: string; id: number; start: number; end: number }) => {
    if (m.type === "chunk") {
      const r = ev.run(m.start, m.end - m.start);
      port.postMessage({ type: "done", id: m.id, text: r.text });
    } else if (m.type === "finish") {
      const a = ev.aggregates();
      port.postMessage({ type: "aggregates", data: a }, [a.buffer as ArrayBuffer]);
    }
  });
}

// ---- Output ----------------------------------------------------------------------------------------

const OUTPUT_FORMATS = ["text", "json", "csv", "jsonl"] as const;
type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Row outputs are CSV or JSON lines (text = csv, json = jsonl); aggregates text, json or (frontier) csv/jsonl. */
function resolveFormat(show: Show, f: string | undefined): OutputFormat {
  if (f !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(", ")}, not ${JSON.stringify(f)}`);
  if (show === "all" || show === "feasible") return f === "json" || f === "jsonl" ? "jsonl" : "csv";
  if (show === "summary") {
    if (f === "csv" || f === "jsonl") throw new UsageError(`--show summary prints text or json, not ${f}`, "use --show frontier or --show feasible for csv");
    return (f ?? "text") as OutputFormat;
  }
  return (f ?? "text") as OutputFormat;
}

/** Writes to stdout or a file, synchronously (ordered, and nothing is lost on Ctrl-C). */
class Sink {
  private fd: number;
  constructor(readonly path: string | undefined) {
    try {
      this.fd = path && path !== "-" ? openSync(path, "w") : 1;
    } catch (e) {
      throw new InputError(`cannot write ${path}: ${(e as Error).message}`);
    }
  }
  write(s: string): void {
    if (!s) return;
    const b = Buffer.from(s);
    for (let off = 0; off < b.length; ) {
      try {
        off += writeSync(this.fd, b, off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") continue;
        if ((e as NodeJS.ErrnoException).code === "EPIPE") process.exit(process.exitCode ?? 0);
        throw e;
      }
    }
  }
  close(): void {
    if (this.fd !== 1) closeSync(this.fd);
  }
}

// ---- Progress --------------------------------------------------------------------------------------

const fmt = (x: number) => x.toLocaleString("en-US");
function rate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(1)}M` : r >= 1e3 ? `${(r / 1e3).toFixed(1)}k` : r.toFixed(0);
}
function duration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** A progress bar on stderr when it is a terminal, a plain line every 5 s otherwise, nothing with --quiet. */
class Progress {
  private t0 = performance.now();
  private last = 0;
  private timer?: NodeJS.Timeout;
  private tty = !!process.stderr.isTTY;
  done = 0;
  constructor(readonly total: number, readonly quiet: boolean, readonly workers: number) {
    if (!quiet) this.timer = setInterval(() => this.draw(), this.tty ? 100 : 5000);
    this.timer?.unref();
  }
  private line(): string {
    const s = (performance.now() - this.t0) / 1000;
    const r = this.done / Math.max(s, 1e-9);
    const left = r > 0 ? (this.total - this.done) / r : Infinity;
    const pct = this.total ? (100 * this.done) / this.total : 100;
    return `${pct.toFixed(1).padStart(5)}% ${fmt(this.done)}/${fmt(this.total)} rows  ${rate(r)} rows/s  ${duration(left)} left`;
  }
  draw(): void {
    if (this.quiet) return;
    if (this.tty) {
      const width = 28;
      const fill = this.total ? Math.round((width * this.done) / this.total) : width;
      process.stderr.write(`\r\x1b[2Ksweep [${"█".repeat(fill)}${"░".repeat(width - fill)}] ${this.line()}`);
    } else if (this.done !== this.last) {
      process.stderr.write(`sweep: ${this.line()}\n`);
    }
    this.last = this.done;
  }
  end(interrupted: boolean): void {
    clearInterval(this.timer);
    if (this.quiet) return;
    const s = (performance.now() - this.t0) / 1000;
    if (this.tty) process.stderr.write("\r\x1b[2K");
    process.stderr.write(`sweep: ${fmt(this.done)} of ${fmt(this.total)} rows in ${s.toFixed(1)} s (${rate(this.done / Math.max(s, 1e-9))} rows/s, ${this.workers} worker${this.workers === 1 ? "" : "s"})${interrupted ? " — interrupted, writing what finished" : ""}\n`);
  }
}

// ---- Running -----------------------------------------------------------------------------------------

interface RunOptions {
  spec: SweepSpec;
  specName: string;
  specText: string;
  start: number;
  end: number;
  eval: EvaluatorOptions;
  workers: number;
  chunk: number;
  quiet: boolean;
  /** Rows text, in index order. */
  write: (s: string) => void;
}

const workerFile = () => {
  try {
    return fileURLToPath(new URL("./sweep-worker.mjs", import.meta.url));
  } catch {
    return "";
  }
};

/**
 * Runs [start, end) in chunks on `workers` threads (or this one), writing rows in index order.
 * Ctrl-C stops handing out chunks; the ones running finish, and their rows (the contiguous prefix)
 * and aggregates are kept.
 */
async function execute(o: RunOptions): Promise<SweepRun> {
  const list = chunks(o.start, o.end, o.chunk);
  const progress = new Progress(o.end - o.start, o.quiet, o.workers);
  let cancelled = false;
  const onInt = () => {
    if (cancelled) process.exit(130);
    cancelled = true;
  };
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onInt);
  let evaluated = 0;
  let aggregates: Float64Array;
  try {
    const file = workerFile();
    if (o.workers <= 1 || !existsSync(file)) {
      if (o.workers > 1 && !o.quiet) process.stderr.write(`sweep: worker file ${file || "sweep-worker.mjs"} not found; running in one thread\n`);
      const ev = new ChunkEvaluator(o.spec, o.eval);
      for (const [s, e] of list) {
        if (cancelled) break;
        o.write(ev.run(s, e - s).text);
        evaluated += e - s;
        progress.done = evaluated;
        // Let Ctrl-C and the progress timer in between chunks.
        await new Promise((r) => setImmediate(r));
      }
      aggregates = ev.aggregates();
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

async function pool(o: RunOptions, list: [number, number][], file: string, progress: Progress, cancelled: () => boolean): Promise<{ evaluated: number; aggregates: Float64Array }> {
  const init: WorkerInit = { aksnetSweep: 1, specName: o.specName, specText: o.specText, opts: o.eval };
  const workers = Array.from({ length: Math.min(o.workers, Math.max(1, list.length)) }, () => new Worker(file, { workerData: init }));
  const pending = new Map<number, string>();
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
      for (const w of workers) w.postMessage({ type: "finish" });
    };
    const pump = () => {
      for (let round = 0; round < depth; round++) {
        for (const w of workers) {
          if (!canDispatch() || queued.get(w)! > round) continue;
          const id = next++;
          inFlight++;
          queued.set(w, queued.get(w)! + 1);
          w.postMessage({ type: "chunk", id, start: list[id][0], end: list[id][1] });
        }
      }
      if (inFlight === 0 && !canDispatch()) finish();
    };
    for (const w of workers) {
      w.on("message", (m: { type: string; id: number; text: string; data: Float64Array }) => {
        if (m.type === "done") {
          inFlight--;
          pending.set(m.id, m.text);
          while (pending.has(written)) {
            o.write(pending.get(written)!);
            pending.delete(written);
            evaluated += list[written][1] - list[written][0];
            written++;
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

// ---- Rendering ---------------------------------------------------------------------------------------

function render(run: SweepRun, show: Show, format: OutputFormat, recordOf: (i: number) => Int32Array): string {
  if (show === "summary") return renderSummary(run, format as "text" | "json", recordOf);
  if (show === "frontier") return renderFrontier(run, format, recordOf);
  return "";
}

function writeHeatmap(path: string, run: SweepRun): void {
  const prefix = new Set(["nodeSubnetPrefix", "podRangePrefix", "serviceCidrPrefix"]);
  const h = heatmapOf(run.spec, run.aggregates, (p, c) => (prefix.has(p) && c > 0 ? `/${c}` : valueLabel(p as ParamName, c)));
  try {
    writeFileSync(path, heatmapSvg(h, `aksnet sweep ${run.spec.name}${run.partial ? " (PARTIAL)" : ""}`));
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

function parseShard(v: string): [number, number] {
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new UsageError(`--shard must be i/n with 0 <= i < n (0-based, like JOB_COMPLETION_INDEX), not ${JSON.stringify(v)}`);
  return [Number(m[1]), Number(m[2])];
}

function positiveInt(name: string, v: string, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new UsageError(`${name} must be an integer from 1 to ${max}, not ${JSON.stringify(v)}`);
  return Number(v);
}

function parseShow(v: string | undefined, spec: SweepSpec): Show {
  if (v === undefined) return spec.show;
  if (!(SHOW as readonly string[]).includes(v)) throw new UsageError(`--show must be one of ${SHOW.join(", ")}, not ${JSON.stringify(v)}`);
  return v as Show;
}

interface SweepFlags {
  show?: string;
  format?: string;
  workers?: string;
  quiet?: boolean;
  heatmap?: string;
  shard?: string;
  output?: string;
  chunk?: string;
  backend?: string;
}

export const registerSweep: Register = (program, setExit) => {
  const sweep = program
    .command("sweep")
    .description("capacity sweep: every configuration of a parameter grid, on every core (spec: docs/sweep.md)")
    .argument("<spec>", "sweep spec (YAML or JSON); - for stdin")
    .option("--show <what>", `rows to output: ${SHOW.join(", ")} (default: the spec's output.show, else summary)`)
    .option("--format <format>", "rows: csv or jsonl (text = csv, json = jsonl); summary: text or json; frontier: text, json, csv or jsonl")
    .option("--workers <n>", "worker threads (default: one per core)")
    .option("--heatmap <file.svg>", "also write a heatmap (output.heatmap of the spec: by default max maxNodes by nodeSubnetPrefix × maxPods, one panel per model)")
    .option("--shard <i/n>", "compute shard i of n (0-based) and write a part for aksnet sweep merge")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .option("--quiet", "no progress on stderr")
    .option("--chunk <rows>", "rows per chunk handed to a worker (default: 4,194,304 aggregating, 32,768 with rows)")
    .option("--backend <backend>", "wasm (default) or reference (the TypeScript planner, slow; for checking)")
    .addHelpText("after", `
Examples:
  aksnet sweep examples/sweeps/small.yaml                          # summary per model
  aksnet sweep examples/sweeps/small.yaml --show feasible --format csv > feasible.csv
  aksnet sweep examples/sweeps/frontier.yaml --show frontier --heatmap max-nodes.svg
  aksnet sweep examples/sweeps/large-200m.yaml --workers 2          # 200M+ rows with a progress bar
  aksnet sweep SPEC --shard 3/8 -o part-3.part && aksnet sweep merge part-*.part
  aksnet sweep k8s-job SPEC --shards 8 --image registry.example/aksnet:0.1 | kubectl apply -f -

Exit codes: 0 done, 2 bad spec or flags, 130 interrupted (the output is marked partial).`)
    .action(async (specPath: string, o: SweepFlags) => {
      const src = readSource(specPath);
      const spec = loadSweepSpec(src.name, src.text);
      const show = parseShow(o.show, spec);
      const shard = o.shard !== undefined ? parseShard(o.shard) : undefined;
      const format = resolveFormat(show, o.format);
      const rowsMode = show === "all" || show === "feasible";
      const workers = o.workers !== undefined ? positiveInt("--workers", o.workers, 256) : availableParallelism();
      const chunk = o.chunk !== undefined ? positiveInt("--chunk", o.chunk, 1 << 30) : rowsMode ? 1 << 15 : 1 << 22;
      if (o.backend !== undefined && o.backend !== "wasm" && o.backend !== "reference") throw new UsageError(`--backend must be wasm or reference, not ${JSON.stringify(o.backend)}`);
      const total = gridSize(spec);
      const [start, end] = shard ? shardRange(total, shard[0], shard[1]) : [0, total];
      const sink = new Sink(o.output);
      const evalOpts: EvaluatorOptions = { rows: rowsMode ? show : "none", format: format === "jsonl" ? "jsonl" : "csv", heatmap: !!o.heatmap, backend: (o.backend as "wasm" | "reference") ?? "wasm" };
      if (shard) sink.write(partHeader(spec, src.name, src.text, shard, total, start, end, show, format, !!o.heatmap));
      else if (rowsMode && format === "csv") sink.write(CSV_HEADER);
      const run = await execute({ spec, specName: src.name, specText: src.text, start, end, eval: evalOpts, workers, chunk, quiet: !!o.quiet, write: (s) => sink.write(s) });
      const recordOf = recorder(spec, evalOpts);
      if (shard) sink.write(partTrailer(run));
      else {
        if (rowsMode && format === "jsonl" && run.partial) sink.write(JSON.stringify({ partial: true, evaluated: run.evaluated, total: run.end - run.start }) + "\n");
        sink.write(render(run, show, format, recordOf));
      }
      sink.close();
      if (o.heatmap) writeHeatmap(o.heatmap, run);
      if (run.partial) {
        process.stderr.write(`sweep: PARTIAL result: ${fmt(run.evaluated)} of ${fmt(run.end - run.start)} rows${rowsMode ? " (the rows written are the first ones, in order)" : ""}\n`);
        setExit(130);
      }
    });

  sweep
    .command("merge")
    .description("combine the parts of a sharded sweep into exactly what a single run prints")
    .argument("<parts...>", "part files written by aksnet sweep --shard i/n")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .option("--heatmap <file.svg>", "also write the heatmap of the merged result (the parts must have been run with --heatmap)")
    // Flags the parent sweep command also has may land on it: read both.
    .action((paths: string[], _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals() as { output?: string; heatmap?: string };
      const parts = paths.map((p) => { const s = readSource(p); return parsePart(s.name, s.text); });
      const h = parts[0].header;
      const spec = loadSweepSpec(h.specName, h.specText);
      const merged = mergeParts(spec, parts);
      const noHeat = merged.parts.find((p) => !p.header.heatmap);
      if (o.heatmap && noHeat) throw new UsageError(`${noHeat.name} was computed without --heatmap, so it has no heatmap cells`, "run every shard with --heatmap FILE.svg (any file name), then merge with --heatmap");
      const show = h.show as Show;
      const format = h.format as OutputFormat;
      const sink = new Sink(o.output);
      if (show === "all" || show === "feasible") {
        if (format === "csv") sink.write(CSV_HEADER);
        for (const p of merged.parts) sink.write(p.rows);
      } else {
        sink.write(render(merged.run, show, format, recorder(spec, { rows: "all", format: "csv", heatmap: false })));
      }
      sink.close();
      if (o.heatmap) writeHeatmap(o.heatmap, merged.run);
    });

  sweep
    .command("k8s-job")
    .description("print a Kubernetes Indexed Job that runs the sweep as N shards (JOB_COMPLETION_INDEX → --shard)")
    .argument("<spec>", "sweep spec")
    .requiredOption("--shards <n>", "number of shards (Job completions)")
    .option("--image <image>", "container image with aksnet on its PATH", "aksnet:latest")
    .option("--name <name>", "Job name", "aksnet-sweep")
    .option("--parallelism <n>", "pods at once (default: all shards)")
    .option("--workers-per-pod <n>", "worker threads per pod (default: --cpu when it is whole cores)")
    .option("--cpu <cpu>", "CPU request per pod", "2")
    .option("--memory <mem>", "memory request and limit per pod", "512Mi")
    .option("--claim <pvc>", "a ReadWriteMany PersistentVolumeClaim the parts are written to (default: parts go to the pod logs)")
    .option("--show <what>", "passed to every shard")
    .option("--format <format>", "passed to every shard")
    .action((specPath: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals() as { shards: string; image: string; name: string; parallelism?: string; workersPerPod?: string; cpu: string; memory: string; claim?: string; show?: string; format?: string };
      const src = readSource(specPath);
      const spec = loadSweepSpec(src.name, src.text);
      const shards = positiveInt("--shards", o.shards, 100000);
      if (!/^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/.test(o.name)) throw new UsageError(`--name must be a DNS label (lower case, digits, -), not ${JSON.stringify(o.name)}`);
      const show = parseShow(o.show, spec);
      resolveFormat(show, o.format);
      const args = [...(o.show ? ["--show", o.show] : []), ...(o.format ? ["--format", o.format] : [])];
      const base = specPath === "-" ? "sweep.yaml" : specPath.split("/").pop()!;
      process.stdout.write(k8sJobManifest({
        specName: base, specText: src.text, shards, image: o.image, name: o.name, args, claim: o.claim, cpu: o.cpu, memory: o.memory,
        parallelism: o.parallelism ? positiveInt("--parallelism", o.parallelism, 100000) : undefined,
        // Node sees the node's CPUs, not the pod's share: default to the CPU request when it is whole cores.
        workersPerPod: o.workersPerPod ? positiveInt("--workers-per-pod", o.workersPerPod, 256) : /^\d+$/.test(o.cpu) ? Number(o.cpu) : undefined,
      }));
    });
};

/** Records of single rows for frontier and summary output, from one lazily built evaluator. */
function recorder(spec: SweepSpec, opts: EvaluatorOptions): (i: number) => Int32Array {
  let ev: ChunkEvaluator | undefined;
  return (i) => (ev ??= new ChunkEvaluator(spec, { ...opts, rows: "all", heatmap: false })).record(i);
}

