// Whole-process benchmark of `aksnet policy list` (issue 11): 1,000 workloads (Deployments in 20
// namespaces) and 200 NetworkPolicies from gen.mjs (fixed seed), the full connectivity list.
//
//   npm run build && node bench/policy/e2e.mjs          3 runs per format, medians
//   node bench/policy/e2e.mjs --runs 5
//   node bench/policy/e2e.mjs --pods 200 --policies 50  a smaller input
//
// Times are wall clock of the whole process (node start, reading and parsing the YAML, the list,
// writing it to a file) and its CPU time (user + system, steadier than wall time on a shared
// machine); peak RSS from /usr/bin/time (-f "%e %U %S %M"). Before timing, the text and JSON forms are
// checked to hold the same connections. Results go to bench/results/policy-e2e.json.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { manifests } from "./gen.mjs";

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i >= 0 ? process.argv[i + 1] : dflt; };
const RUNS = Number(arg("--runs", "3"));
const PODS = Number(arg("--pods", "1000"));
const POLICIES = Number(arg("--policies", "200"));
const root = fileURLToPath(new URL("../../", import.meta.url));
const cli = join(root, "apps/cli/dist/aksnet.mjs");
if (!existsSync(cli)) throw new Error(`build first (npm run build): ${cli} is missing`);
if (!existsSync("/usr/bin/time")) throw new Error("/usr/bin/time is needed for peak RSS (apt-get install time)");
const dir = join(tmpdir(), `aksnet-policy-e2e-${PODS}-${POLICIES}`);
mkdirSync(dir, { recursive: true });
const input = join(dir, "manifests.yaml");
writeFileSync(input, manifests({ pods: PODS, policies: POLICIES }));

function run(format) {
  const outFile = join(dir, `out.${format}`);
  // stdout goes straight to a file, as `> file` would, not through a pipe into this process.
  const fd = openSync(outFile, "w");
  const r = spawnSync("/usr/bin/time", ["-f", "%e %U %S %M", "-o", join(dir, "time.txt"), process.execPath, cli, "policy", "list", input, "--format", format], { stdio: ["ignore", fd, "pipe"] });
  closeSync(fd);
  if (r.status !== 0) throw new Error(`aksnet exited ${r.status}: ${r.stderr}`);
  const [secs, user, sys, kb] = readFileSync(join(dir, "time.txt"), "utf8").trim().split(/\s+/).map(Number);
  return { secs, cpu: +(user + sys).toFixed(2), mib: kb / 1024, bytes: statSync(outFile).size, file: outFile };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// Check: the text lines and the JSON entries are the same connections.
const text = run("text"), jsonRun = run("json");
const lines = readFileSync(text.file, "utf8").trimEnd().split("\n");
const fromJson = JSON.parse(readFileSync(jsonRun.file, "utf8")).map((c) => `${c.src} => ${c.dst} : ${c.conn}`);
if (lines.length !== fromJson.length || lines.some((l, i) => l !== fromJson[i])) throw new Error("text and json lists differ");

const results = {};
for (const format of ["text", "json"]) {
  const rs = [];
  for (let i = 0; i < RUNS; i++) rs.push(run(format));
  results[format] = { secs: median(rs.map((x) => x.secs)), cpuSecs: median(rs.map((x) => x.cpu)), peakMiB: Math.round(Math.max(...rs.map((x) => x.mib))), runs: rs.map((x) => x.secs), outputMiB: +(rs[0].bytes / 2 ** 20).toFixed(1) };
}
const report = {
  when: new Date().toISOString(), node: process.version, loadAverage: loadavg().map((x) => +x.toFixed(2)), cpus: cpus().length, cpu: cpus()[0]?.model,
  input: { workloads: PODS, policies: POLICIES, bytes: readFileSync(input).length }, connections: lines.length, results,
  command: `node apps/cli/dist/aksnet.mjs policy list ${input} --format text|json`,
};
console.log(`aksnet policy list: ${PODS} workloads x ${POLICIES} policies -> ${lines.length.toLocaleString("en-US")} connections`);
for (const [f, r] of Object.entries(results)) console.log(`  --format ${f.padEnd(4)}  ${r.secs.toFixed(2)} s wall, ${r.cpuSecs.toFixed(2)} s CPU (medians of ${RUNS}; wall: ${r.runs.join(", ")})  peak RSS ${r.peakMiB} MiB  output ${r.outputMiB} MiB`);
mkdirSync(join(root, "bench/results"), { recursive: true });
if (PODS === 1000 && POLICIES === 200) writeFileSync(join(root, "bench/results/policy-e2e.json"), JSON.stringify(report, null, 2) + "\n");
