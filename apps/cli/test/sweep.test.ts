// aksnet sweep on the built bundle (dist/aksnet.mjs, also the workers' entry), as a user runs it:
// one thread, four workers and seven shards merged give byte-identical output; the Kubernetes Job
// runs the same shards; Ctrl-C leaves a marked partial result; bad specs exit 2 naming the line.
import { describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import fc from "fast-check";
import { chunks } from "@aksnet/engine/sweep";
import { ChunkList } from "../src/sweep/pool.ts";
import { aksnet, repoRoot } from "./run.ts";

const dir = mkdtempSync(join(tmpdir(), "aksnet-sweep-"));
const SMALL = "examples/sweeps/small.yaml";
const bundle = fileURLToPath(new URL("../dist/aksnet.mjs", import.meta.url));

function ok(args: string[]) {
  const r = aksnet(args);
  expect(r.stderr, args.join(" ")).not.toMatch(/internal error|at .*\.mjs:\d+/);
  expect(r.code, `${args.join(" ")}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

function shardsMerged(args: string[], n: number, tag: string): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = join(dir, `${tag}-part-${i}.jsonl`);
    ok(["sweep", ...args, "--shard", `${i}/${n}`, "-o", p, "--quiet"]);
    parts.push(p);
  }
  // Parts in any order merge the same way.
  return ok(["sweep", "merge", ...parts.reverse()]);
}

describe("aksnet sweep: one thread, 4 workers and 7 shards + merge give the same bytes", () => {
  it("runs its workers from the one bundle file (nothing else ships next to it)", () => {
    expect(existsSync(join(repoRoot, "apps/cli/dist/sweep-worker.mjs"))).toBe(false);
    const alone = join(mkdtempSync(join(tmpdir(), "aksnet-bundle-")), "aksnet.mjs");
    copyFileSync(bundle, alone);
    const args = ["sweep", join(repoRoot, SMALL), "--show", "all", "--chunk", "500"];
    const r = spawnSync(process.execPath, [alone, ...args, "--workers", "2"], { encoding: "utf8", maxBuffer: 1 << 26 });
    expect(r.status, r.stderr).toBe(0);
    // The closing line names the workers that ran (a fallback to one thread would say 1 worker).
    expect(r.stderr).toMatch(/rows in .* 2 workers\)/);
    expect(r.stdout).toBe(ok([...args, "--workers", "1", "--quiet"]));
  });
  const cases: [string, string[]][] = [
    ["every row as CSV", ["--show", "all", "--format", "csv"]],
    ["feasible rows as JSON lines", ["--show", "feasible", "--format", "jsonl"]],
    ["frontier as JSON", ["--show", "frontier", "--format", "json"]],
    ["frontier as text", ["--show", "frontier"]],
    ["summary as text", ["--show", "summary"]],
  ];
  for (const [name, args] of cases) {
    it(name, () => {
      const single = ok(["sweep", SMALL, ...args, "--workers", "1", "--quiet"]);
      const four = ok(["sweep", SMALL, ...args, "--workers", "4", "--chunk", "613", "--quiet"]);
      const merged = shardsMerged([SMALL, ...args], 7, name.replace(/\W+/g, "-"));
      expect(single.length).toBeGreaterThan(100);
      expect(four).toBe(single);
      expect(merged).toBe(single);
    });
  }
  it("rows: the CSV has a header and one line per configuration, in index order", () => {
    const csv = ok(["sweep", SMALL, "--show", "all", "--workers", "3", "--chunk", "1000", "--quiet"]).trimEnd().split("\n");
    expect(csv[0].split(",").slice(0, 3)).toEqual(["index", "model", "pools"]);
    const idx = csv.slice(1).map((l) => Number(l.split(",")[0]));
    expect(idx.length).toBe(4 * 7 * 3 * 3 * 2 * 13);
    expect(idx.every((v, i) => v === i)).toBe(true);
  });
  it("the heatmap of a merge is the heatmap of a single run", () => {
    const a = join(dir, "single.svg"), b = join(dir, "merged.svg");
    ok(["sweep", SMALL, "--heatmap", a, "--workers", "2", "--quiet"]);
    const parts = [0, 1, 2].map((i) => { const p = join(dir, `h-${i}.jsonl`); ok(["sweep", SMALL, "--heatmap", join(dir, "ignored.svg"), "--shard", `${i}/3`, "-o", p, "--quiet"]); return p; });
    ok(["sweep", "merge", ...parts, "--heatmap", b]);
    const svg = readFileSync(a, "utf8");
    expect(readFileSync(b, "utf8")).toBe(svg);
    expect(svg).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    for (const label of ["kubenet", "azure-cni-overlay", "nodeSubnetPrefix", "maxPods", "max maxNodes"]) expect(svg).toContain(label);
    expect((svg.match(/<rect /g) ?? []).length).toBeGreaterThan(4 * 7 * 3);
  });
  it("the TypeScript reference backend prints the same as the wasm kernel", () => {
    const args = ["sweep", SMALL, "--show", "feasible", "--workers", "1", "--quiet"];
    expect(ok([...args, "--backend", "reference"])).toBe(ok(args));
  });
});

describe("aksnet sweep merge refuses parts that do not add up", () => {
  it("a missing shard, a repeated shard, another spec, a truncated part", () => {
    const p = (i: number, n: number, spec = SMALL) => { const f = join(dir, `m-${spec.length}-${i}-${n}.jsonl`); ok(["sweep", spec, "--shard", `${i}/${n}`, "-o", f, "--quiet"]); return f; };
    const [a, b, c] = [p(0, 3), p(1, 3), p(2, 3)];
    let r = aksnet(["sweep", "merge", a, c]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing shard 1 of 3/);
    r = aksnet(["sweep", "merge", a, b, b, c]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shard 1 is also in/);
    r = aksnet(["sweep", "merge", a, b, p(2, 3, "examples/sweeps/frontier.yaml")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/different spec/);
    const cut = join(dir, "cut.jsonl");
    writeFileSync(cut, readFileSync(b, "utf8").split("\n").slice(0, -2).join("\n") + "\n");
    r = aksnet(["sweep", "merge", a, cut, c]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/truncated/);
    r = aksnet(["sweep", "merge", a, b, c, "--heatmap", join(dir, "no.svg")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/computed without --heatmap/);
    r = aksnet(["sweep", "merge", SMALL]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a sweep part/);
  });
});

describe("aksnet sweep k8s-job", () => {
  it("prints an Indexed Job whose pods run the shards that merge to a single run", () => {
    const text = ok(["sweep", "k8s-job", SMALL, "--shards", "5", "--image", "registry.example/aksnet:0.1", "--show", "feasible", "--claim", "sweep-parts"]);
    const docs = parseAllDocuments(text).map((d) => d.toJS());
    const cm = docs.find((d) => d?.kind === "ConfigMap");
    const job = docs.find((d) => d?.kind === "Job");
    expect(job.apiVersion).toBe("batch/v1");
    expect(job.spec.completionMode).toBe("Indexed");
    expect(job.spec.completions).toBe(5);
    const c = job.spec.template.spec.containers[0];
    expect(c.image).toBe("registry.example/aksnet:0.1");
    expect(cm.data["small.yaml"]).toBe(readFileSync(join(repoRoot, SMALL), "utf8"));
    const argv: string[] = [...c.command, ...c.args];
    expect(argv.slice(0, 2)).toEqual(["aksnet", "sweep"]);
    expect(argv[argv.indexOf("--shard") + 1]).toBe("$(JOB_COMPLETION_INDEX)/5");
    expect(argv[argv.indexOf("--workers") + 1]).toBe(c.resources.requests.cpu);
    // Run what each pod would run, with the index Kubernetes substitutes, the spec from the ConfigMap.
    writeFileSync(join(dir, "small.yaml"), cm.data["small.yaml"]);
    const parts: string[] = [];
    for (let i = 0; i < 5; i++) {
      const args = argv.slice(1).map((a) => a.replace("$(JOB_COMPLETION_INDEX)", String(i)).replace("/spec/", dir + "/").replace("/parts/", dir + "/k8s-"));
      ok(args);
      parts.push(join(dir, `k8s-part-${i}.part`));
    }
    const local = ok(["sweep", join(dir, "small.yaml"), "--show", "feasible", "--quiet"]);
    expect(ok(["sweep", "merge", ...parts])).toBe(local);
  });
  it("checks the spec and the flags first", () => {
    expect(aksnet(["sweep", "k8s-job", SMALL, "--shards", "0"]).code).toBe(2);
    expect(aksnet(["sweep", "k8s-job", SMALL, "--shards", "3", "--name", "Bad_Name"]).code).toBe(2);
    expect(aksnet(["sweep", "k8s-job", "examples/sweeps/none.yaml", "--shards", "3"]).code).toBe(2);
  });
});

describe("the pool's chunks", () => {
  it("are the engine's chunks(), computed by number instead of listed", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 100000 }), fc.integer({ min: 0, max: 100000 }), fc.integer({ min: 1, max: 5000 }), (a, n, size) => {
      const list = new ChunkList(a, a + n, size);
      expect(Array.from({ length: list.length }, (_, i) => list.at(i))).toEqual(chunks(a, a + n, size));
    }), { numRuns: 300 });
  });
});

describe("aksnet sweep: Ctrl-C keeps what finished", () => {
  const big = join(dir, "big.yaml");
  // 250 billion rows: far more than a run gets through before the interrupt, however fast the kernel.
  writeFileSync(big, "name: big\nparameters:\n  model: [kubenet, azure-cni, azure-cni-overlay]\n  pools: [1, 2]\n  nodeSubnetPrefix: { from: 8, to: 29 }\n  maxPods: { from: 10, to: 250 }\n  outboundIps: { from: 1, to: 16 }\n  autoscaleMax: { from: 0, to: 5000, step: 50 }\n  nodeCount: { from: 0, to: 5000 }\n");
  function interrupted(args: string[], onFirstRows = false): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const p = spawn(process.execPath, [bundle, "sweep", big, "--yes", ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" } });
      let stdout = "", stderr = "";
      let sent = false;
      const stop = () => { if (!sent) { sent = true; p.kill("SIGINT"); } };
      // Interrupt once the first rows are out (rows), or after a moment (aggregates).
      p.stdout.on("data", (d) => { stdout += d; if (onFirstRows) stop(); });
      p.stderr.on("data", (d) => { stderr += d; });
      const t = setTimeout(stop, 2500);
      p.on("close", (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); });
    });
  }
  it("an aggregate run prints a valid JSON result marked partial, exit 130", async () => {
    const r = await interrupted(["--show", "frontier", "--format", "json", "--workers", "2"]);
    expect(r.code).toBe(130);
    const doc = JSON.parse(r.stdout);
    expect(doc.partial).toBe(true);
    expect(doc.evaluated).toBeGreaterThan(0);
    expect(doc.evaluated).toBeLessThan(doc.range[1]);
    expect(r.stderr).toMatch(/PARTIAL/);
  }, 60_000);
  it("a rows run keeps a gap-free prefix of the rows and ends with a partial marker", async () => {
    const r = await interrupted(["--show", "all", "--format", "jsonl", "--workers", "2", "--chunk", "2000"], true);
    expect(r.code).toBe(130);
    const lines = r.stdout.trimEnd().split("\n");
    const last = JSON.parse(lines.pop()!);
    expect(last.partial).toBe(true);
    expect(lines.length).toBe(last.evaluated);
    expect(lines.length).toBeGreaterThan(0);
    lines.forEach((l, i) => { if (JSON.parse(l).index !== i) expect(JSON.parse(l).index).toBe(i); });
  }, 60_000);
});

describe("aksnet sweep: bad specs exit 2 with the line and the field", () => {
  const base = "parameters:\n  model: [kubenet]\n  nodeSubnetPrefix: 24\n  nodeCount: 10\n";
  const cases: [string, string, RegExp][] = [
    ["unknown parameter", base + "  maxpod: 30\n", /:5:3: parameters\.maxpod: unknown parameter "maxpod"; did you mean maxPods\?/],
    ["bad range", base.replace("24", "{ from: 28, to: 16 }"), /:3:\d+: parameters\.nodeSubnetPrefix\.from: bad range: from 28 is greater than to 16/],
    ["out of range", base.replace("24", "40"), /:3:21: parameters\.nodeSubnetPrefix: 40 is out of range; expected 2 to 29/],
    ["wrong type", base.replace("nodeCount: 10", "nodeCount: ten"), /:4:14: parameters\.nodeCount: expected an integer, got string "ten"/],
    ["unknown model", base.replace("[kubenet]", "[kubenet, azure-cnii]"), /:2:20: parameters\.model\[1\]: unknown value "azure-cnii"; did you mean azure-cni\?/],
    ["bad operator", base + "constraints:\n  - pods >> 20000\n", /:6:10: constraints\[0\]: "pods >> 20000": unknown operator ">>"/],
    ["unknown metric", base + "constraints:\n  - \"pod >= 20000\"\n", /:6:6: constraints\[0\]: "pod >= 20000": unknown metric "pod"; did you mean pods\?/],
    ["two comparisons in one", base + "constraints:\n  - pods >= 2000 and nodes > 3\n", /:6:\d+: constraints\[0\]: .*unexpected "and"/],
    ["missing value", base + "constraints:\n  - pods >=\n", /:6:\d+: constraints\[0\]: "pods >=": expected a value after >=/],
    ["constraint not a string", base + "constraints:\n  - { pods: 3 }\n", /:6:5: constraints\[0\]: expected a comparison/],
    ["truncated YAML", base.replace("nodeCount: 10", "nodeCount: [10, 20"), /invalid YAML/],
    ["missing required", "parameters:\n  model: kubenet\n  nodeCount: 3\n", /:2:3: parameters: nodeSubnetPrefix is required/],
    ["ports not a multiple of 8", base + "  allocatedPorts: 1001\n", /:5:19: parameters\.allocatedPorts: 1001 is not a multiple of 8/],
    ["duplicate value", base.replace("[kubenet]", "[kubenet, kubenet]"), /parameters\.model: value kubenet is listed twice/],
    ["bad show", base + "output: { show: feasable }\n", /:5:\d+: output\.show: unknown value "feasable"; did you mean feasible\?/],
    ["empty", "", /the sweep spec is empty/],
    ["not an object", "- 1\n- 2\n", /expected an object, got a list/],
  ];
  for (const [name, text, re] of cases) {
    it(name, () => {
      const f = join(dir, `bad-${name.replace(/\W+/g, "-")}.yaml`);
      writeFileSync(f, text);
      const r = aksnet(["sweep", f, "--quiet"]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).toContain(f);
      expect(r.stderr).not.toMatch(/ at .*:\d+:\d+\)|internal error/);
      expect(r.stdout).toBe("");
    });
  }
  it("bad flags", () => {
    for (const args of [["--workers", "0"], ["--shard", "7/7"], ["--shard", "x"], ["--show", "everything"], ["--format", "xml"], ["--show", "summary", "--format", "csv"]]) {
      const r = aksnet(["sweep", SMALL, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/error: /);
    }
  });
});
