// The bulk trace's fixed cost, by stage (issue 10): the shared ruleset of the bench cluster
// (run.mjs writes it) generated (nodeRuleset), parsed (parseRuleset, lazily as
// Dataplane.rulesetFor parses it) and compiled for the wasm kernel (compileKernel), each run in a
// fresh process, as `aksnet trace --flows` meets it. Prints each run and the medians.
//
//   node bench/trace/run.mjs --runs 0 --sample 200     writes the cluster (ends with a TypeError: harmless)
//   node bench/trace/ruleset.mjs [--runs 7] [--dir /tmp/aksnet-trace-bench-full]
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCluster } from "../../packages/engine/src/aks/index.ts";
import { dataplane, loadWorkload } from "../../packages/engine/src/dataplane/index.ts";
import { parseRuleset } from "../../packages/engine/src/netfilter/parse.ts";
import { compileKernel } from "../../packages/engine/src/netfilter/kernel/compile.ts";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const dir = arg("--dir", join(tmpdir(), "aksnet-trace-bench-full"));

if (process.argv.includes("--child")) {
  const read = (f: string) => ({ name: f, text: readFileSync(join(dir, f), "utf8") });
  const dp = dataplane(loadCluster([read("cluster.yaml")]), { workload: loadWorkload(read("workload.yaml")) });
  const node = { ...dp.nodes[0], name: "(a node without local endpoints)" };
  const t0 = performance.now();
  const text = dp.iptables(node);
  const t1 = performance.now();
  const rs = parseRuleset(text, { source: "shared.rules", lazy: true });
  const t2 = performance.now();
  const p = compileKernel(rs);
  const t3 = performance.now();
  if (!("base" in p)) throw new Error(`not compiled: ${JSON.stringify(p)}`);
  console.log(JSON.stringify({ gen: t1 - t0, parse: t2 - t1, compile: t3 - t2, total: t3 - t0, rules: rs.ruleCount, bytes: text.length }));
} else {
  const runs = Number(arg("--runs", "7"));
  const rows: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [process.argv[1], "--child", "--dir", dir], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    rows.push(JSON.parse(r.stdout.trim().split("\n").at(-1)!));
    const x = rows.at(-1)!;
    console.log(`run ${i + 1}: generate ${x.gen.toFixed(0)} ms, parse ${x.parse.toFixed(0)} ms, compile ${x.compile.toFixed(0)} ms, total ${x.total.toFixed(0)} ms`);
  }
  const med = (k: string) => { const v = rows.map((r) => r[k]).sort((a, b) => a - b); return v[v.length >> 1]; };
  console.log(`shared ruleset: ${rows[0].rules} rules, ${(rows[0].bytes / 1e6).toFixed(1)} MB of text; medians of ${runs}: generate ${med("gen").toFixed(0)} ms, parse ${med("parse").toFixed(0)} ms, compile ${med("compile").toFixed(0)} ms, total ${med("total").toFixed(0)} ms`);
}
