// Where `aksnet trace --flows` spends its time, by stage, in one process (issue 10): the cluster and
// the workload loaded, the dataplane built, the flow file read into columns, traceBulk (its first
// run pays for the shared ruleset; the later runs on the same dataplane are the walk and the kernel
// batches alone), and the lines formatted (not written). The data is run.mjs's.
//
//   node bench/trace/run.mjs --quick --runs 0      writes the quick cluster (or a full run writes the full one)
//   node bench/trace/stages.mjs [--dir /tmp/aksnet-trace-bench-full] [--walks 3]
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCluster } from "../../packages/engine/src/aks/index.ts";
import { dataplane, loadWorkload, parseTraceFlowTable, traceBulk } from "../../packages/engine/src/dataplane/index.ts";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const dir = arg("--dir", join(tmpdir(), "aksnet-trace-bench-full"));
const walks = Number(arg("--walks", "3"));
const read = (f: string) => ({ name: f, text: readFileSync(join(dir, f), "utf8") });
const ms: Record<string, string> = {};
const time = <T>(k: string, f: () => T): T => {
  const t0 = performance.now();
  const r = f();
  ms[k] = (performance.now() - t0).toFixed(0);
  return r;
};
const cluster = time("cluster", () => loadCluster([read("cluster.yaml")]));
const workloadText = read("workload.yaml");
const workload = time("workload", () => loadWorkload(workloadText));
const dp = time("dataplane", () => dataplane(cluster, { workload }));
const bytes = readFileSync(join(dir, "flows.csv"));
const table = time("flows", () => parseTraceFlowTable(bytes, "flows.csv"));
let run = time("trace1", () => traceBulk(dp, table));
for (let k = 2; k <= walks; k++) run = time(`trace${k}`, () => traceBulk(dp, table));
let sink = 0;
time("format", () => { for (const c of run.bytes()) sink += c.length; });
console.log(`${table.count} flows, ${sink} bytes, memo hits ${run.memoHits}; ms: ${Object.entries(ms).map(([k, v]) => `${k} ${v}`).join(", ")}`);
