// aksnet sweep SPEC: the command (flags → an engine run → rendered output), with its sub-commands
// merge (parts of a sharded sweep) and k8s-job (an Indexed Job of shards). The run itself is in
// pool.ts (workers or this thread), its progress in progress.ts, the output in sink.ts.
import { availableParallelism } from "node:os";
import { loadSweepSpec, gridSize, ChunkEvaluator, shardRange, renderSummary, renderFrontier, partHeader, partTrailer, parsePart, mergeParts, partSpec, PartDigest, heatmapOf, heatmapSvg, valueLabel, k8sJobManifest, CSV_HEADER, SHOW, type SweepSpec, type SweepRun, type EvaluatorOptions, type Show, type ParamName } from "@aksnet/engine/sweep";
import { readSource, UsageError, writeFileAtomic, out } from "../io.ts";
import type { Command } from "commander";
import type { Register } from "../commands/index.ts";
import { Sink } from "./sink.ts";
import { fmt } from "./progress.ts";
import { execute } from "./pool.ts";

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

function render(run: SweepRun, show: Show, format: OutputFormat, recordOf: (i: number) => Int32Array): string {
  if (show === "summary") return renderSummary(run, format as "text" | "json", recordOf);
  if (show === "frontier") return renderFrontier(run, format, recordOf);
  return "";
}

function writeHeatmap(path: string, run: SweepRun): void {
  const prefix = new Set(["nodeSubnetPrefix", "podRangePrefix", "serviceCidrPrefix"]);
  const h = heatmapOf(run.spec, run.aggregates, (p, c) => (prefix.has(p) && c > 0 ? `/${c}` : valueLabel(p as ParamName, c)));
  // An interrupted run's heatmap goes to FILE.partial, like its other output.
  writeFileAtomic(run.partial ? `${path}.partial` : path, heatmapSvg(h, `aksnet sweep ${run.spec.name}${run.partial ? " (PARTIAL)" : ""}`));
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
  yes?: boolean;
}

/** Beyond this estimated run time a sweep asks for --yes (or --shard) instead of starting. */
const MAX_UNASKED_SECONDS = 24 * 3600;

/**
 * Seconds the range should take on `workers` threads, from a short timed run of the first rows in
 * this thread (a few milliseconds): the rate depends on the spec (rows or aggregates, the models).
 */
function estimateSeconds(spec: SweepSpec, opts: EvaluatorOptions, start: number, rows: number, workers: number): { seconds: number; rate: number } {
  const sample = Math.min(rows, opts.rows === "none" ? 1 << 16 : 1 << 13);
  if (sample === 0) return { seconds: 0, rate: 0 };
  const ev = new ChunkEvaluator(spec, opts);
  try {
    ev.run(start, Math.min(256, sample)); // warm-up
    const t0 = performance.now();
    ev.run(start, sample);
    const ms = Math.max(performance.now() - t0, 1e-3);
    const rate = (sample / ms) * 1000 * Math.max(1, workers);
    return { seconds: rows / rate, rate };
  } finally {
    ev.dispose();
  }
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
    .option("--yes", "run even when the estimated run time is more than a day")
    .addHelpText("after", `
Examples:
  aksnet sweep examples/sweeps/small.yaml                          # Pareto frontier per model (6,552 rows)
  aksnet sweep examples/sweeps/small.yaml --show feasible --format csv > feasible.csv
  aksnet sweep examples/sweeps/frontier.yaml --show frontier --heatmap max-nodes.svg
  aksnet sweep examples/sweeps/large-250m.yaml --workers 2          # 250M+ rows with a progress bar
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
      const evalOpts: EvaluatorOptions = { rows: rowsMode ? show : "none", format: format === "jsonl" ? "jsonl" : "csv", heatmap: !!o.heatmap, backend: (o.backend as "wasm" | "reference") ?? "wasm" };
      if (!o.yes && end - start > 1 << 24) {
        const est = estimateSeconds(spec, evalOpts, start, end - start, workers);
        if (est.seconds > MAX_UNASKED_SECONDS) {
          throw new UsageError(
            `${src.name}: ${fmt(end - start)} rows at about ${fmt(Math.round(est.rate))} rows/s on ${workers} worker${workers === 1 ? "" : "s"} would take about ${Math.round(est.seconds / 3600)} hours`,
            "narrow the grid, split it with --shard i/n (aksnet sweep k8s-job), or pass --yes to run it anyway",
          );
        }
      }
      const sink = new Sink(o.output);
      const partialLine = (evaluated: number) => JSON.stringify({ partial: true, evaluated, total: end - start }) + "\n";
      let run: SweepRun;
      // Row count and content hash of a part, for merge to check (parts collected from logs lose lines).
      const digest = new PartDigest();
      try {
        if (shard) sink.write(partHeader(spec, src.name, src.text, shard, total, start, end, show, format, !!o.heatmap));
        else if (rowsMode && format === "csv") sink.write(CSV_HEADER);
        const headerBytes = sink.bytes;
        run = await execute({
          spec, specName: src.name, specText: src.text, start, end, eval: evalOpts, workers, chunk, quiet: !!o.quiet,
          write: (s) => { digest.update(s); sink.write(s); },
          // A second Ctrl-C: what is written so far is kept, marked, and the process ends now.
          abort: (evaluated) => {
            if (!shard && rowsMode && format === "jsonl") sink.write(partialLine(evaluated));
            const kept = sink.bytes > headerBytes || !sink.path ? sink.closePartial() : (sink.discard(), undefined);
            process.stderr.write(`sweep: stopped (second interrupt): ${fmt(evaluated)} of ${fmt(end - start)} rows${kept ? `, the first ones written to ${kept}${shard ? " without an end line (merge refuses it)" : ""}` : ""}\n`);
          },
        });
        const recordOf = recorder(spec, evalOpts);
        if (shard) sink.write(partTrailer(run, digest));
        else {
          if (rowsMode && format === "jsonl" && run.partial) sink.write(partialLine(run.evaluated));
          sink.write(render(run, show, format, recordOf));
        }
      } catch (e) {
        sink.discard();
        throw e;
      }
      const wrote = run.partial ? sink.closePartial() : (sink.close(), sink.name);
      if (o.heatmap) writeHeatmap(o.heatmap, run);
      if (run.partial) {
        process.stderr.write(`sweep: PARTIAL result: ${fmt(run.evaluated)} of ${fmt(run.end - run.start)} rows${rowsMode ? " (the rows written are the first ones, in order)" : ""}${sink.path && sink.path !== "-" ? `, written to ${wrote}` : ""}\n`);
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
      // The spec travels in the header; every part must carry the same one (checked by fingerprint).
      const h = parts[0].header;
      const spec = partSpec(parts[0]);
      const merged = mergeParts(spec, parts);
      const noHeat = merged.parts.find((p) => !p.header.heatmap);
      if (o.heatmap && noHeat) throw new UsageError(`${noHeat.name} was computed without --heatmap, so it has no heatmap cells`, "run every shard with --heatmap FILE.svg (any file name), then merge with --heatmap");
      const show = h.show as Show;
      const format = h.format as OutputFormat;
      const sink = new Sink(o.output);
      try {
        if (show === "all" || show === "feasible") {
          if (format === "csv") sink.write(CSV_HEADER);
          for (const p of merged.parts) sink.write(p.rows);
        } else {
          sink.write(render(merged.run, show, format, recorder(spec, { rows: "all", format: "csv", heatmap: false })));
        }
      } catch (e) {
        sink.discard();
        throw e;
      }
      sink.close();
      if (o.heatmap) writeHeatmap(o.heatmap, merged.run);
    });

  sweep
    .command("k8s-job")
    .description("print a Kubernetes Indexed Job that runs the sweep as N shards (JOB_COMPLETION_INDEX → --shard)")
    .argument("<spec>", "sweep spec")
    .requiredOption("--shards <n>", "number of shards (Job completions, at most 100,000)")
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
      out(k8sJobManifest({
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

