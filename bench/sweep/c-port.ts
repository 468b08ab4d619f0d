// The sweep kernel against its C port (bench/c/sweep.c), one thread each, on the same grid:
//   1. the C port, built with `cc -O2` (skipped, and said so, when there is no C compiler),
//   2. the wasm kernel in this process (SweepKernel.aggregate over the whole grid),
//   3. the whole CLI process, `aksnet sweep SPEC --workers 1` (start-up included),
// after checking that the C port and the kernel produce the same aggregates (every count,
// frontier bucket and heatmap cell, with and without the heatmap). Rounds are interleaved (C,
// kernel, CLI, C, ...) so that a change of load on a shared machine hits all three alike; the
// medians and their ratios go to bench/results/sweep-c.json. No test asserts any of these numbers.
//   node bench/sweep/c-port.mjs [--spec FILE] [--rounds N] [--heatmap] [--quick]
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { loadSweepSpec, gridSize, SweepKernel, configBlock } from "@aksnet/engine/sweep";

const root = fileURLToPath(new URL("../../", import.meta.url));
const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const quick = process.argv.includes("--quick");
const heat = process.argv.includes("--heatmap");
const specRel = arg("--spec") ?? "examples/sweeps/large-250m.yaml";
const rounds = Number(arg("--rounds") ?? (quick ? 1 : 5));
const spec = loadSweepSpec(specRel, readFileSync(`${root}${specRel}`, "utf8"));
const total = gridSize(spec);
// --quick: the first tenth of the grid (the CLI runs it as shard 0/10, the same rows).
const rows = quick ? Math.floor(total / 10) : total;
const dist = `${root}bench/dist/`;
mkdirSync(dist, { recursive: true });
const load0 = loadavg();
console.log(`sweep kernel vs its C port: ${specRel}, ${rows.toLocaleString("en-US")} rows${heat ? ", with the heatmap" : ""}, ${rounds} rounds, load average ${load0.map((x) => x.toFixed(2)).join(" ")}`);

// The C port: built when a compiler is there.
const exe = `${dist}sweep-c`;
const cc = process.env.CC ?? "cc";
const built = spawnSync(cc, ["-O2", "-o", exe, `${root}bench/c/sweep.c`, "-lm"], { encoding: "utf8" });
const haveC = !built.error && built.status === 0;
if (!haveC) console.log(`no C port: \`${cc} -O2\` failed or is missing (${built.error?.message ?? built.stderr.trim()}); measuring aksnet only`);
const cfgFile = `${dist}sweep-config.bin`;
writeFileSync(cfgFile, configBlock(spec));

function runC(count: number, withHeat: boolean): { seconds: number; kernelSeconds: number; aggregates: Float64Array } {
  const t0 = performance.now();
  const r = spawnSync(exe, [cfgFile, "0", String(count), ...(withHeat ? ["heat"] : [])], { encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`sweep-c failed: ${r.stderr}`);
  const lines = r.stdout.trimEnd().split("\n");
  if (Number(lines[0].split(" ")[1]) !== count) throw new Error(`sweep-c evaluated ${lines[0]}, not ${count} rows`);
  const kernelSeconds = Number(lines[1].split(" ")[1]) / 1e9;
  return { seconds, kernelSeconds, aggregates: Float64Array.from(lines.slice(2), Number) };
}

const kernel = new SweepKernel(spec, 1);
function runKernel(count: number, withHeat: boolean): { seconds: number; aggregates: Float64Array } {
  kernel.heatmap = withHeat;
  kernel.resetAggregates();
  const t0 = performance.now();
  kernel.aggregate(0, count);
  return { seconds: (performance.now() - t0) / 1000, aggregates: kernel.aggregates() };
}

const cli = `${root}apps/cli/dist/aksnet.mjs`;
if (!existsSync(cli)) throw new Error("run npm run build first (apps/cli/dist/aksnet.mjs is missing)");
function runCli(): number {
  const args = [cli, "sweep", `${root}${specRel}`, "--workers", "1", "--quiet", "--format", "json", ...(heat ? ["--heatmap", `${dist}sweep-c.svg`] : []), ...(quick ? ["--shard", "0/10"] : [])];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`aksnet sweep failed: ${r.stderr}`);
  const doc = JSON.parse(quick ? r.stdout.trimEnd().split("\n").pop()! : r.stdout);
  if (doc.evaluated !== rows) throw new Error(`aksnet sweep evaluated ${doc.evaluated}, not ${rows} rows`);
  return seconds;
}

// The check: same aggregates, bit for bit, with and without the heatmap.
if (haveC) {
  for (const withHeat of [false, true]) {
    const n = withHeat && !heat ? Math.min(rows, 20_000_000) : rows;
    const c = runC(n, withHeat).aggregates, k = runKernel(n, withHeat).aggregates;
    if (c.length !== k.length) throw new Error(`C port and kernel disagree on the aggregate length: ${c.length} vs ${k.length}`);
    for (let i = 0; i < c.length; i++) if (!Object.is(c[i], k[i])) throw new Error(`C port and kernel disagree at aggregate ${i}: ${c[i]} vs ${k[i]}${withHeat ? " (heatmap)" : ""}`);
    console.log(`check: the C port and the kernel give the same ${c.length.toLocaleString("en-US")} aggregates on ${n.toLocaleString("en-US")} rows${withHeat ? " with the heatmap" : ""}`);
  }
} else runKernel(Math.min(rows, 20_000_000), heat); // warm-up

const t = { cWhole: [] as number[], cKernel: [] as number[], kernel: [] as number[], cli: [] as number[] };
for (let r = 0; r < rounds; r++) {
  if (haveC) { const c = runC(rows, heat); t.cWhole.push(c.seconds); t.cKernel.push(c.kernelSeconds); }
  t.kernel.push(runKernel(rows, heat).seconds);
  t.cli.push(runCli());
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const fig = (name: string, a: number[]) => {
  const m = a.length ? med(a) : NaN;
  const f = { name, rows, medianSeconds: m, rowsPerSecond: rows / m, runs: a.length, seconds: a };
  if (a.length) console.log(`${name.padEnd(64)} ${(f.rowsPerSecond / 1e6).toFixed(1).padStart(7)} M rows/s  (median ${m.toFixed(3)} s of ${a.length})`);
  return f;
};
const results = [
  fig("C port, kernel only (cc -O2, one thread)", t.cKernel),
  fig("C port, whole process", t.cWhole),
  fig("aksnet wasm kernel in process (SweepKernel.aggregate, one thread)", t.kernel),
  fig("aksnet sweep --workers 1, whole process", t.cli),
];
const ratios = haveC ? {
  kernelVsC: med(t.kernel) / med(t.cKernel),
  wholeProcessVsC: med(t.cli) / med(t.cWhole),
} : undefined;
if (ratios) console.log(`time ratio, kernel / C port: ${ratios.kernelVsC.toFixed(2)}× (target <= 1.5×); whole process, aksnet --workers 1 / C port: ${ratios.wholeProcessVsC.toFixed(2)}×`);
const load1 = loadavg();
console.log(`load average after: ${load1.map((x) => x.toFixed(2)).join(" ")}`);
const out = {
  date: new Date().toISOString(), command: `node bench/sweep/c-port.mjs${process.argv.slice(2).length ? " " + process.argv.slice(2).join(" ") : ""}`,
  node: process.version, cpu: cpus()[0]?.model, loadAverageBefore: load0, loadAverageAfter: load1,
  grid: { spec: specRel, rows, heatmap: heat }, compiler: haveC ? `${cc} -O2` : null, results, ratios,
};
writeFileSync(`${root}bench/results/sweep-c${heat ? "-heatmap" : ""}${quick ? ".quick.tmp" : ""}.json`, JSON.stringify(out, null, 2) + "\n");
