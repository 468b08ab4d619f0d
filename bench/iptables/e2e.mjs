// Whole-process benchmark of `aksnet iptables flows` (issue 8): 1,000,000 flows through a
// kube-proxy-shaped dump of 10,000 services x 3 endpoints (~110k rules, ~150k lines), side by side
// with naive-loop.mjs (a Node loop that reads the CSV and writes one JSON line per flow, tracing
// nothing). Target: aksnet (dump load included) in <= 0.25x the naive loop's time.
//
//   npm run build && node bench/iptables/e2e.mjs            5 interleaved runs each, medians
//   node bench/iptables/e2e.mjs --runs 9 --check-all         compare every flow with the TS tracer
//   node bench/iptables/e2e.mjs --quick                      1,000 services, 100,000 flows
//   node bench/iptables/e2e.mjs --baseline OTHER/aksnet.mjs  also time another build of the CLI
//
// Checks first: aksnet's output (the wasm path) equals `--engine ts` (the TypeScript tracer and
// the readable formatter) on a sample of the flows (every flow with --check-all). Times are wall
// clock of the whole process, peak RSS from /usr/bin/time -f %M when it is installed. Results go
// to bench/results/iptables-e2e.json (--quick: iptables-e2e.quick.tmp.json).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { kubeProxyDump, scaleServices, rng } from "./gen.mjs";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const quick = process.argv.includes("--quick");
const checkAll = process.argv.includes("--check-all");
const RUNS = Number(arg("--runs", "5"));
const SERVICES = quick ? 1_000 : 10_000;
const FLOWS = quick ? 100_000 : 1_000_000;
const SAMPLE = checkAll ? FLOWS : 20_000;
const baseline = arg("--baseline");

const root = fileURLToPath(new URL("../../", import.meta.url));
const cli = join(root, "apps/cli/dist/aksnet.mjs");
const naive = join(root, "bench/iptables/naive-loop.mjs");
if (!existsSync(cli)) throw new Error(`build first (npm run build): ${cli} is missing`);
const dir = join(tmpdir(), `aksnet-iptables-e2e-${quick ? "quick" : "full"}`);
mkdirSync(dir, { recursive: true });

// --- data (fixed seeds: every run sees the same files) -------------------------------------------
const rulesPath = join(dir, "kp.rules");
const flowsPath = join(dir, "flows.csv");
const services = scaleServices(SERVICES, 3, 1);
const v4 = (n) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
function generate() {
  writeFileSync(rulesPath, kubeProxyDump({ services }));
  // 90% to a service (its ClusterIP, port and protocol), from a pod (85%) or from the node range
  // (15%, masqueraded); 10% to random addresses and ports (no rule matches).
  const r = rng(99);
  const lines = ["src,dst,proto,sport,dport"];
  for (let i = 0; i < FLOWS; i++) {
    const src = r() < 0.85 ? v4(((10 << 24) | (244 << 16)) + Math.floor(r() * 65536)) : v4(((10 << 24) | (224 << 16)) + Math.floor(r() * 65536));
    const sport = 1024 + Math.floor(r() * 60000);
    if (r() < 0.9) {
      const s = services[Math.floor(r() * services.length)];
      lines.push(`${src},${s.clusterIP},${s.port.proto},${sport},${s.port.port}`);
    } else lines.push(`${src},${v4(Math.floor(r() * 2 ** 32))},${r() < 0.5 ? "tcp" : "udp"},${sport},${Math.floor(r() * 65536)}`);
  }
  writeFileSync(flowsPath, lines.join("\n") + "\n");
}
const t0 = performance.now();
generate();
console.log(`data: ${SERVICES} services, ${FLOWS.toLocaleString("en-US")} flows in ${dir} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

// --- check: wasm path == TypeScript tracer -------------------------------------------------------
const flowArgs = (flows) => ["iptables", "flows", "--rules", rulesPath, "--flows", flows, "--mode", "kube-proxy-test"];
function runCli(args, out) {
  const r = spawnSync(process.execPath, ["--max-old-space-size=4096", cli, ...args], { stdio: ["ignore", out === undefined ? "pipe" : "ignore", "pipe"], maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`aksnet ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r;
}
const fullOut = runCli(flowArgs(flowsPath)).stdout.toString("utf8").split("\n");
const all = readFileSync(flowsPath, "utf8").split("\n");
const step = Math.max(1, Math.floor(FLOWS / SAMPLE));
const picks = [];
for (let i = 0; i < FLOWS && picks.length < SAMPLE; i += step) picks.push(i);
const samplePath = join(dir, "sample.csv");
writeFileSync(samplePath, [all[0], ...picks.map((i) => all[i + 1])].join("\n") + "\n");
const tsOut = runCli([...flowArgs(samplePath), "--engine", "ts"]).stdout.toString("utf8").split("\n");
let mismatches = 0;
picks.forEach((i, k) => {
  if (fullOut[i] !== tsOut[k] && mismatches++ < 3) console.error(`flow ${i + 1}: wasm ${fullOut[i]}\n  ts ${tsOut[k]}`);
});
if (mismatches) throw new Error(`${mismatches} of ${picks.length} flows differ between the wasm path and the TypeScript tracer`);
console.log(`check: ${picks.length.toLocaleString("en-US")} flows, aksnet (wasm) == --engine ts, byte for byte`);

// --- timing: interleaved, whole process ----------------------------------------------------------
const haveTime = existsSync("/usr/bin/time");
const outPath = join(dir, "out.jsonl");
const contenders = [
  { name: "aksnet", argv: [process.execPath, cli, ...flowArgs(flowsPath)] },
  { name: "naive-loop", argv: [process.execPath, naive, flowsPath] },
  ...(baseline ? [{ name: "baseline", argv: [process.execPath, baseline, ...flowArgs(flowsPath)] }] : []),
];
function timeOnce(argv) {
  const cmd = haveTime ? ["/usr/bin/time", "-f", "%e %M", ...argv] : argv;
  // stdout to a file, as a user would redirect it (the same for every contender).
  const sh = `${cmd.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ")} > '${outPath}'`;
  const s = performance.now();
  const r = spawnSync("sh", ["-c", sh], { encoding: "utf8" });
  const wall = (performance.now() - s) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr}`);
  const m = haveTime ? /(\d+(?:\.\d+)?) (\d+)\s*$/.exec(r.stderr) : null;
  return { s: m ? Number(m[1]) : wall, rssMiB: m ? Number(m[2]) / 1024 : undefined, bytes: statSync(outPath).size };
}
// Commands as recorded: no path of the machine (the node binary, the data folder, another build).
const shown = (argv) => argv.map((a) => (a === process.execPath ? "node" : a === baseline ? "BASELINE/aksnet.mjs" : a.replace(dir, "$DATA").replace(root, ""))).join(" ");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = Object.fromEntries(contenders.map((c) => [c.name, []]));
for (let k = 0; k < RUNS; k++) {
  for (const c of k % 2 ? [...contenders].reverse() : contenders) runs[c.name].push(timeOnce(c.argv));
  console.log(`run ${k + 1}/${RUNS}: ${contenders.map((c) => `${c.name} ${runs[c.name].at(-1).s.toFixed(2)} s`).join(", ")}`);
}
const summary = Object.fromEntries(contenders.map((c) => {
  const rs = runs[c.name];
  const rss = rs.map((r) => r.rssMiB).filter((x) => x !== undefined);
  return [c.name, { command: shown(c.argv) + " > out.jsonl", medianS: median(rs.map((r) => r.s)), runsS: rs.map((r) => r.s), peakRssMiB: rss.length ? median(rss) : undefined, outputBytes: rs[0].bytes }];
}));
const ratio = summary.aksnet.medianS / summary["naive-loop"].medianS;
const result = {
  benchmark: "iptables flows end to end (whole process), kube-proxy-test mode",
  date: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model },
  data: { folder: "$DATA = a temporary folder", generator: "bench/iptables/gen.mjs kubeProxyDump(scaleServices(services, 3, 1)); flows from rng(99)", services: SERVICES, endpointsPerService: 3, flows: FLOWS, rulesBytes: statSync(rulesPath).size, flowsBytes: statSync(flowsPath).size },
  check: { flows: picks.length, against: "aksnet --engine ts (TypeScript tracer, readable formatter)", mismatches },
  runs: RUNS,
  timer: haveTime ? "/usr/bin/time -f '%e %M'" : "wall clock around spawn",
  results: summary,
  ratioVsNaive: ratio,
  target: 0.25,
  met: ratio <= 0.25,
  ...(baseline ? { speedupVsBaseline: summary.baseline.medianS / summary.aksnet.medianS } : {}),
};
const resDir = join(root, "bench/results");
mkdirSync(resDir, { recursive: true });
const file = join(resDir, quick ? "iptables-e2e.quick.tmp.json" : "iptables-e2e.json");
writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
for (const c of contenders) {
  const s = summary[c.name];
  console.log(`${c.name.padEnd(11)} median ${s.medianS.toFixed(2)} s${s.peakRssMiB ? `, peak ${s.peakRssMiB.toFixed(0)} MiB` : ""}`);
}
console.log(`aksnet / naive loop = ${ratio.toFixed(2)} (target <= 0.25: ${ratio <= 0.25 ? "met" : "not met"})${baseline ? `; ${result.speedupVsBaseline.toFixed(1)}x faster than the baseline build` : ""}`);
console.log(`written ${file.replace(root, "")}`);
