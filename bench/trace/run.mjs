// Whole-process benchmark of `aksnet dataplane` and `aksnet trace --flows` (issue 10).
//
//   npm run build && node bench/trace/run.mjs           the full size, 3 runs each, medians
//   node bench/trace/run.mjs --quick                    100 nodes x 30 pods x 200 Services, 100,000 flows
//   node bench/trace/run.mjs --runs 5 --sample 50000
//
// 1. Build: a cluster of 1,000 nodes (Azure CNI Overlay, kube-proxy, maxPods 30) with 30 pods per
//    node as endpoints of 2,000 Services (15 endpoints each; ClusterIP, LoadBalancer with
//    externalTrafficPolicy Cluster and Local): `aksnet dataplane --format json` (addresses,
//    Services, routes, NSGs, egress), whole process.
// 2. Trace: 1,000,000 flows (pod → ClusterIP 60%, pod → pod 20%, pod → internet 10%,
//    internet → LoadBalancer 10%) with `aksnet trace --flows` (the wasm path), whole process, and
//    the same flows with `--engine ts` (the TypeScript tracer) on a sample; both outputs must be
//    equal on the sample before any time is reported.
// Results go to bench/results/trace.json (--quick: trace.quick.tmp.json).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { rng } from "../rng.mjs";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const quick = process.argv.includes("--quick");
const RUNS = Number(arg("--runs", "3"));
const NODES = quick ? 100 : 1000;
const PODS = 30;
const SERVICES = quick ? 200 : 2000;
const FLOWS = quick ? 100_000 : 1_000_000;
const SAMPLE = Number(arg("--sample", quick ? "20000" : "20000"));

const root = fileURLToPath(new URL("../../", import.meta.url));
const cli = join(root, "apps/cli/dist/aksnet.mjs");
if (!existsSync(cli)) throw new Error(`build first (npm run build): ${cli} is missing`);
const dir = join(tmpdir(), `aksnet-trace-bench-${quick ? "quick" : "full"}`);
mkdirSync(dir, { recursive: true });

// ---- data -------------------------------------------------------------------------------------
const pools = [];
for (let i = 0; i * 500 < NODES; i++) pools.push({ name: `pool${i}`, count: Math.min(500, NODES - i * 500) });
const spec = `apiVersion: aksnet/v1
name: bench
network: { model: azure-cni-overlay, podCidr: 10.128.0.0/14, serviceCidr: 10.0.0.0/16, dnsServiceIP: 10.0.0.10 }
vnet:
  name: vnet-bench
  addressSpace: [10.200.0.0/16]
  subnets:
    - { name: snet-nodes, cidr: 10.200.0.0/21 }
    - { name: snet-vms, cidr: 10.200.16.0/24 }
onPremises: [{ name: dc, cidrs: [172.16.0.0/12] }]
nodePools:
  - { name: system, mode: System, count: 2, maxPods: 30, subnet: snet-nodes }
${pools.map((p) => `  - { name: ${p.name}, mode: User, count: ${p.count}, maxPods: ${PODS}, subnet: snet-nodes }`).join("\n")}
`;
const perService = Math.floor((NODES * PODS) / SERVICES);
const svc = [];
svc.push("services:");
for (let i = 0; i < SERVICES; i++) {
  const type = i % 10 === 0 ? "LoadBalancer" : "ClusterIP";
  const local = i % 20 === 0;
  svc.push(`  - { name: svc${i}, namespace: ns${i % 50}, type: ${type}${local ? ", externalTrafficPolicy: Local" : ""}, port: ${[80, 443, 8080][i % 3]}, targetPort: 8000, endpoints: ${perService} }`);
}
const specPath = join(dir, "cluster.yaml");
const workloadPath = join(dir, "workload.yaml");
const flowsPath = join(dir, "flows.csv");
const samplePath = join(dir, "sample.csv");
writeFileSync(specPath, spec);
writeFileSync(workloadPath, svc.join("\n") + "\n");
{
  const r = rng(10);
  const pick = (n) => Math.floor(r() * n);
  const pod = () => { const p = pick(pools.length); return `pod:${pools[p].name}/${pick(pools[p].count)}/${pick(PODS)}`; };
  const lines = ["from,to,port,proto"];
  for (let i = 0; i < FLOWS; i++) {
    const x = r();
    if (x < 0.6) lines.push(`${pod()},svc:svc${pick(SERVICES)},,`);
    else if (x < 0.8) lines.push(`${pod()},${pod()},8000,tcp`);
    else if (x < 0.9) lines.push(`${pod()},ip:140.82.${pick(256)}.${pick(256)},443,tcp`);
    else lines.push(`ip:203.0.${113 + pick(2)}.${pick(256)},svc:svc${pick(SERVICES / 10) * 10},,`);
  }
  writeFileSync(flowsPath, lines.join("\n") + "\n");
  writeFileSync(samplePath, lines.slice(0, SAMPLE + 1).join("\n") + "\n");
}

// ---- runs -------------------------------------------------------------------------------------
const hasTime = existsSync("/usr/bin/time");
function run(args, outFile) {
  const cmd = hasTime ? "/usr/bin/time" : process.execPath;
  const full = hasTime ? ["-f", "%M", process.execPath, "--max-old-space-size=8192", cli, ...args] : ["--max-old-space-size=8192", cli, ...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, full, { cwd: root, encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`aksnet ${args.join(" ")} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  if (outFile) writeFileSync(outFile, r.stdout);
  const lines = r.stderr.trim().split("\n");
  const rss = hasTime ? Number(lines.at(-1)) / 1024 : null;
  return { ms, rssMiB: rss, stderr: lines.slice(0, hasTime ? -1 : undefined).join("\n"), bytes: r.stdout.length };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const base = [specPath, "--workload", workloadPath];
console.log(`cluster: ${NODES + 2} nodes, ${NODES * PODS} pods as endpoints of ${SERVICES} Services; ${FLOWS} flows (sample ${SAMPLE})`);

// Equal results first (the sample through both engines).
const wasmSample = run(["trace", ...base, "--flows", samplePath], join(dir, "sample.wasm.jsonl"));
const tsSample = run(["trace", ...base, "--flows", samplePath, "--engine", "ts"], join(dir, "sample.ts.jsonl"));
const a = readFileSync(join(dir, "sample.wasm.jsonl"), "utf8"), b = readFileSync(join(dir, "sample.ts.jsonl"), "utf8");
if (a !== b) throw new Error("the wasm path and the TypeScript tracer disagree on the sample");
const lines = a.trim().split("\n");
if (lines.length !== SAMPLE) throw new Error(`expected ${SAMPLE} result lines, got ${lines.length}`);
const verdicts = {};
for (const l of lines) { const v = JSON.parse(l).verdict; verdicts[v] = (verdicts[v] ?? 0) + 1; }
console.log(`sample: ${SAMPLE} flows equal on both engines; verdicts ${JSON.stringify(verdicts)}`);

// --runs 0: the data and the sample check only (other scripts then read the files in the folder).
if (RUNS === 0) {
  console.log(`data in ${dir}; no timed runs (--runs 0)`);
  process.exit(0);
}
const build = [], traceWasm = [], traceTs = [];
for (let i = 0; i < RUNS; i++) {
  build.push(run(["dataplane", ...base, "--format", "json"]));
  traceWasm.push(run(["trace", ...base, "--flows", flowsPath], join(dir, "all.wasm.jsonl")));
  traceTs.push(run(["trace", ...base, "--flows", samplePath, "--engine", "ts"]));
  console.log(`run ${i + 1}: dataplane ${build[i].ms.toFixed(0)} ms; trace ${FLOWS} flows wasm ${traceWasm[i].ms.toFixed(0)} ms; ts ${SAMPLE} flows ${traceTs[i].ms.toFixed(0)} ms`);
}
const res = {
  date: new Date().toISOString(), quick, nodes: NODES + 2, pods: NODES * PODS, services: SERVICES, flows: FLOWS, sample: SAMPLE, runs: RUNS,
  dataplaneMs: median(build.map((x) => x.ms)), dataplaneRssMiB: median(build.map((x) => x.rssMiB ?? 0)),
  traceWasmMs: median(traceWasm.map((x) => x.ms)), traceWasmRssMiB: median(traceWasm.map((x) => x.rssMiB ?? 0)),
  traceWasmFlowsPerSec: Math.round(FLOWS / (median(traceWasm.map((x) => x.ms)) / 1000)),
  traceTsSampleMs: median(traceTs.map((x) => x.ms)), traceTsFlowsPerSec: Math.round(SAMPLE / (median(traceTs.map((x) => x.ms)) / 1000)),
  engineStderr: traceWasm[0].stderr, tsStderr: traceTs[0].stderr,
  allRuns: { build: build.map((x) => x.ms), traceWasm: traceWasm.map((x) => x.ms), traceTs: traceTs.map((x) => x.ms) },
};
console.log(JSON.stringify(res, null, 2));
mkdirSync(join(root, "bench/results"), { recursive: true });
writeFileSync(join(root, `bench/results/${quick ? "trace.quick.tmp.json" : "trace.json"}`), JSON.stringify(res, null, 2) + "\n");
