// The sweep benchmark: evaluations per second of
//   1. the wasm kernel on one core (SweepKernel.aggregate: every row checked against the
//      constraints and added to the per-model counts and frontier buckets, as `aksnet sweep` does),
//   2. the worker pool on every core (the built CLI, `aksnet sweep --workers N`, whole runs
//      including start-up), and its scaling against (1),
//   3. a plain-JS loop calling the TypeScript planner (decodeIndex + evaluateSingle + the
//      constraints, per row), on a slice of the same grid,
// after checking that (1) and (3) count the same fit and feasible rows on that slice.
// Writes bench/results/sweep.json. No test asserts any of these numbers.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { availableParallelism, loadavg, cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { loadSweepSpec, gridSize, SweepKernel, decodeIndex, countsOf, SURGE_PERCENT_FLAG, PARAM_INDEX as P } from "@aksnet/engine/sweep";
import { evaluateSingle, MODEL_IDS, MODEL_NODE_LIMIT, DEFAULT_MAX_PODS, type ModelId } from "@aksnet/engine/aks";
import { measure, consume, sink, rng, type Measure } from "../src/harness.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const quick = process.argv.includes("--quick");
const specPath = `${root}bench/sweep/spec.yaml`;
const spec = loadSweepSpec("bench/sweep/spec.yaml", readFileSync(specPath, "utf8"));
const total = gridSize(spec);
const cores = availableParallelism();
const load0 = loadavg();
const results: Measure[] = [];
const log = (m: Measure) => {
  results.push(m);
  console.log(`${m.name.padEnd(58)} ${(m.opsPerSec / 1e6).toFixed(2).padStart(9)} M evals/s  (median ${m.medianMs.toFixed(0)} ms of ${m.runs}, ${m.ops.toLocaleString("en-US")} rows)`);
};
console.log(`sweep benchmark: grid of ${total.toLocaleString("en-US")} rows, ${cores} cores, load average ${load0.map((x) => x.toFixed(2)).join(" ")}${quick ? " (quick)" : ""}`);

// 1. The kernel on one core, aggregating (no rows cross into JS): 10 evenly spaced slices of the
// grid (every model, every pool setting), 500,000,000 rows in all (the whole grid in --quick).
const kernelRows = quick ? 10_000_000 : 500_000_000;
const slices = Array.from({ length: 10 }, (_, i) => [Math.floor((total / 10) * i), kernelRows / 10] as const);
const kernel = new SweepKernel(spec, 1);
kernel.aggregate(0, 20_000_000); // warm-up
const kernelRun = () => {
  kernel.resetAggregates();
  for (const [s, n] of slices) kernel.aggregate(s, n);
  return kernel.aggregates();
};
kernel.heatmap = true;
const heatRows = Math.min(kernelRows, 100_000_000);
log(measure("kernel, one core, with the heatmap", heatRows, () => { kernel.resetAggregates(); kernel.aggregate(0, heatRows); return kernel.aggregates(); }, { runs: 3 }));
kernel.heatmap = false;
kernel.resetAggregates();
const recK = new SweepKernel(spec, 1 << 14);
const recRows = Math.min(kernelRows, 20_000_000);
log(measure("kernel, one core, writing records (for row output)", recRows, () => {
  let x = 0;
  for (let s = 0; s < recRows; s += 1 << 14) x ^= recK.records(s, Math.min(1 << 14, recRows - s))[0];
  return x;
}, { runs: 3 }));

// 3. The plain-JS planner loop on a slice, and the check that it counts what the kernel counts.
const sliceRows = quick ? 200_000 : 1_000_000;
function plannerLoop(start: number, n: number): { fit: number; feasible: number } {
  const codes: number[] = new Array(12);
  let fit = 0, feasible = 0;
  for (let i = start; i < start + n; i++) {
    decodeIndex(spec.values, i, codes);
    const model = MODEL_IDS[codes[P.model]] as ModelId;
    const mp = codes[P.maxPods] || DEFAULT_MAX_PODS[model];
    const auto = codes[P.autoscaleMax], count = codes[P.nodeCount];
    const planned = auto > 0 ? Math.max(auto, count) : count;
    const r = evaluateSingle({
      model, maxPods: mp, nodes: planned, surge: { value: codes[P.surge] & ~SURGE_PERCENT_FLAG, percent: (codes[P.surge] & SURGE_PERCENT_FLAG) !== 0 },
      nodeSubnetLen: codes[P.nodeSubnetPrefix], podRangeLen: codes[P.podRangePrefix], nodeLimit: MODEL_NODE_LIMIT[model],
      allocatedOutboundPorts: codes[P.outboundType] === 0 ? codes[P.allocatedPorts] : 0, outboundIps: codes[P.outboundIps],
    });
    if (r.fits) {
      fit++;
      if (planned * mp >= 20000 && planned >= 300) feasible++;
    }
  }
  return { fit, feasible };
}
// Spread the slice over the grid in 100 pieces at seeded random places (every model, feasible rows too).
const random = rng(5);
const piece = sliceRows / 100;
const pieces = Array.from({ length: 100 }, () => Math.floor(random() * (total - piece)));
const want = pieces.reduce((a, s) => { const r = plannerLoop(s, piece); return { fit: a.fit + r.fit, feasible: a.feasible + r.feasible }; }, { fit: 0, feasible: 0 });
const check = new SweepKernel(spec, 1);
for (const s of pieces) check.aggregate(s, piece);
const got = countsOf(spec, check.aggregates()).reduce((a, c) => ({ fit: a.fit + c.fit, feasible: a.feasible + c.feasible }), { fit: 0, feasible: 0 });
if (got.fit !== want.fit || got.feasible !== want.feasible) throw new Error(`kernel and planner disagree on the slice: ${JSON.stringify({ got, want })}`);
console.log(`check: kernel and planner loop agree on ${sliceRows.toLocaleString("en-US")} rows (${want.fit.toLocaleString("en-US")} fit, ${want.feasible.toLocaleString("en-US")} feasible)`);
const planner = measure("plain-JS loop calling evaluateSingle (capacity.ts)", sliceRows, () => pieces.map((s) => plannerLoop(s, piece)), { runs: 3 });
log(planner);

// 2. The pool: the built CLI on the whole grid (or a shard of it in --quick), 1 worker and all cores.
const cli = `${root}apps/cli/dist/aksnet.mjs`;
function cliRun(workers: number): number {
  const args = [cli, "sweep", specPath, "--workers", String(workers), "--quiet", "--format", "json", ...(quick ? ["--shard", "0/10"] : [])];
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`aksnet sweep failed: ${r.stderr}`);
  // A shard writes a part: its last line says how many rows it evaluated.
  const doc = JSON.parse(quick ? r.stdout.trimEnd().split("\n").pop()! : r.stdout);
  consume(doc.evaluated);
  return doc.evaluated;
}
const poolRows = quick ? Math.floor(total / 10) : total;
// The three figures the scaling ratio compares are measured in rounds (kernel, 1 worker, all
// cores, kernel, ...), so that a change of load on this shared machine hits all three alike.
const rounds = quick ? 1 : 3;
const times: Record<string, number[]> = { kernel: [], one: [], all: [] };
for (let r = 0; r < rounds; r++) {
  let t = performance.now(); consume(kernelRun()); times.kernel.push(performance.now() - t);
  t = performance.now(); cliRun(1); times.one.push(performance.now() - t);
  t = performance.now(); cliRun(cores); times.all.push(performance.now() - t);
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const asMeasure = (name: string, ops: number, a: number[]): Measure => ({ name, ops, medianMs: med(a), opsPerSec: (ops / med(a)) * 1000, runs: a.length });
const one = asMeasure("kernel, one core (aggregate: counts + frontier)", kernelRows, times.kernel);
log(one);
const cliOne = asMeasure("aksnet sweep --workers 1 (whole run, start-up included)", poolRows, times.one);
log(cliOne);
const cliAll = asMeasure(`aksnet sweep --workers ${cores} (all cores, whole run)`, poolRows, times.all);
log(cliAll);
// The fixed cost inside those runs: a 2-row grid, one chunk per worker.
const tiny = `${root}bench/dist/sweep-tiny.yaml`;
writeFileSync(tiny, "parameters:\n  model: kubenet\n  nodeSubnetPrefix: 24\n  nodeCount: [1, 2]\n");
const startup = measure(`start-up: aksnet sweep of 2 rows, --workers ${cores} --chunk 1`, 2, () => {
  const r = spawnSync(process.execPath, [cli, "sweep", tiny, "--workers", String(cores), "--chunk", "1", "--quiet"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}, { runs: 5, warmup: 1 });
results.push(startup);
console.log(`start-up of a whole run with ${cores} workers: ${startup.medianMs.toFixed(0)} ms (included in the whole-run figures above)`);
const load1 = loadavg();

const ratios = {
  allCoresVsKernelOneCore: cliAll.opsPerSec / one.opsPerSec,
  allCoresVsCliOneWorker: cliAll.opsPerSec / cliOne.opsPerSec,
  kernelVsPlannerLoop: one.opsPerSec / planner.opsPerSec,
};
console.log(`scaling: all cores / kernel on one core = ${ratios.allCoresVsKernelOneCore.toFixed(2)}×; all cores / CLI with 1 worker = ${ratios.allCoresVsCliOneWorker.toFixed(2)}×`);
console.log(`kernel / plain planner loop = ${ratios.kernelVsPlannerLoop.toFixed(0)}×`);
console.log(`load average after: ${load1.map((x) => x.toFixed(2)).join(" ")} (figures are noisy when it is above 0.5 on this shared machine)`);
const out = {
  date: new Date().toISOString(), command: `node bench/sweep/run.mjs${quick ? " --quick" : ""}`, node: process.version, cpu: cpus()[0]?.model, cores,
  loadAverageBefore: load0, loadAverageAfter: load1, grid: { spec: "bench/sweep/spec.yaml", rows: total }, results, ratios, sink,
};
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/sweep${quick ? ".quick.tmp" : ""}.json`, JSON.stringify(out, null, 2) + "\n");
