// Output that cannot be written, and output cut short (issue 13, items 2, 3 and 6): a write error
// is "cannot write FILE: reason", exit 2; a file output is written beside its target and renamed
// when complete, so an interrupted or killed run never leaves a truncated or unmarked FILE.
import { describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aksnet, bundlePath, repoRoot } from "../run.ts";

const dir = mkdtempSync(join(tmpdir(), "aksnet-writes-"));
const SMALL = "examples/sweeps/small.yaml";
const full = existsSync("/dev/full") && statSync("/dev/full").isCharacterDevice();

describe.runIf(full)("a failed write is exit 2 with the file and the reason (item 2)", () => {
  const cases: [string, string[], RegExp][] = [
    ["plan > /dev/full", ["plan"], /^error: cannot write standard output: no space left on device\n/],
    ["plan --format json > /dev/full", ["plan", "--format", "json"], /^error: cannot write standard output: /],
    ["sweep > /dev/full", ["sweep", SMALL, "--quiet"], /^error: cannot write standard output: /],
    ["sweep -o /dev/full", ["sweep", SMALL, "--quiet", "-o", "/dev/full"], /^error: cannot write \/dev\/full: no space left on device\n/],
    ["sweep --heatmap /dev/full", ["sweep", SMALL, "--quiet", "--heatmap", "/dev/full", "-o", join(dir, "h.txt")], /^error: cannot write \/dev\/full: /],
  ];
  for (const [what, args, err] of cases) {
    it(what, () => {
      const r = spawnTo(args);
      expect(r.stderr).toMatch(err);
      expect(r.stderr).not.toMatch(/internal error|at .*\.mjs:\d+/);
      expect(r.code).toBe(2);
    });
  }
  it("sweep merge -o /dev/full", () => {
    const parts = [0, 1].map((i) => { const p = join(dir, `m${i}.part`); expect(aksnet(["sweep", SMALL, "--quiet", "--shard", `${i}/2`, "-o", p]).code).toBe(0); return p; });
    const r = aksnet(["sweep", "merge", ...parts, "-o", "/dev/full"]);
    expect([r.code, r.stderr]).toEqual([2, "error: cannot write /dev/full: no space left on device\n"]);
    expect(statSync("/dev/full").isCharacterDevice()).toBe(true); // written in place, never renamed over
  });
});

/** Runs with stdout on /dev/full (a file descriptor, as a shell redirect gives). */
function spawnTo(args: string[]): { code: number; stderr: string } {
  const out = join(dir, "stderr.txt");
  const sh = `exec "${process.execPath}" "${bundlePath}" ${args.map((a) => `'${a}'`).join(" ")} > /dev/full 2> "${out}"`;
  const r = spawnSync("sh", ["-c", sh], { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status ?? -1, stderr: readFileSync(out, "utf8") };
}

// Far more rows than a run gets through before the signal, each row one line.
const BIG = join(dir, "big.yaml");
writeFileSync(BIG, "name: big\nparameters:\n  model: [kubenet, azure-cni]\n  nodeSubnetPrefix: { from: 16, to: 29 }\n  maxPods: { from: 10, to: 250 }\n  nodeCount: { from: 0, to: 5000 }\n  autoscaleMax: { from: 0, to: 100 }\n");

/** Starts a sweep to -o target, sends `signals` once the temporary file has rows, waits for the end. */
function interrupt(args: string[], target: string, signals: NodeJS.Signals[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bundlePath, "sweep", BIG, "--workers", "1", "--yes", ...args, "-o", target], { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" } });
    let stderr = "";
    p.stderr.on("data", (d) => { stderr += d; });
    const tmpOf = () => readdirSync(dir).find((f) => f.startsWith(`.${target.split("/").pop()}.`) && f.endsWith(".tmp"));
    const poll = setInterval(() => {
      const t = tmpOf();
      if (t && statSync(join(dir, t)).size > 100_000) {
        clearInterval(poll);
        let k = 0;
        const next = () => { p.kill(signals[k++]); if (k < signals.length) setTimeout(next, 50); };
        next();
      }
    }, 20);
    p.on("close", (code, signal) => { clearInterval(poll); resolve({ code, signal, stderr }); });
  });
}

describe("interrupted output is never truncated or unmarked (item 3)", () => {
  it("Ctrl-C during a CSV: the old file is intact, the rows so far are in FILE.partial, whole lines", async () => {
    const target = join(dir, "rows.csv");
    writeFileSync(target, "old\n");
    const r = await interrupt(["--show", "all", "--format", "csv"], target, ["SIGINT"]);
    expect(r.code).toBe(130);
    expect(readFileSync(target, "utf8")).toBe("old\n");
    const part = readFileSync(target + ".partial", "utf8");
    expect(part.endsWith("\n")).toBe(true);
    const lines = part.trimEnd().split("\n");
    const cols = lines[0].split(",").length;
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) if (l.split(",").length !== cols) expect(l).toBe("a whole row");
    expect(r.stderr).toContain(`written to ${target}.partial`);
  }, 60_000);
  it("a second Ctrl-C stops at once and still marks JSONL partial", async () => {
    const target = join(dir, "rows.jsonl");
    const r = await interrupt(["--show", "all", "--format", "jsonl"], target, ["SIGINT", "SIGINT"]);
    expect(r.code).toBe(130);
    expect(existsSync(target)).toBe(false);
    const lines = readFileSync(target + ".partial", "utf8").trimEnd().split("\n");
    const last = JSON.parse(lines.pop()!);
    expect(last.partial).toBe(true);
    expect(lines.length).toBe(last.evaluated);
    lines.forEach((l, i) => { const row = JSON.parse(l); if (row.index !== i) expect(row.index).toBe(i); });
  }, 60_000);
  it("killed outright (SIGKILL): the old file is intact, no FILE.partial", async () => {
    const target = join(dir, "killed.csv");
    writeFileSync(target, "old\n");
    const r = await interrupt(["--show", "all", "--format", "csv"], target, ["SIGKILL"]);
    expect(r.signal).toBe("SIGKILL");
    expect(readFileSync(target, "utf8")).toBe("old\n");
    expect(existsSync(target + ".partial")).toBe(false);
  }, 60_000);
  it("the summary file is not truncated before the run: it is replaced only when complete", () => {
    const target = join(dir, "summary.txt");
    writeFileSync(target, "old\n");
    expect(aksnet(["sweep", SMALL, "--quiet", "--show", "summary", "-o", target]).code).toBe(0);
    expect(readFileSync(target, "utf8")).toMatch(/^sweep small: 6,552 configurations evaluated/);
    expect(readdirSync(dir).filter((f) => f.startsWith(".summary.txt"))).toEqual([]);
  });
});

describe("a grid too large to run unasked (item 6)", () => {
  it("is refused with an estimate before anything is allocated or evaluated, and --yes is the way on", () => {
    const spec = join(dir, "e15.yaml");
    writeFileSync(spec, "name: e15\nparameters:\n  model: [kubenet, azure-cni, azure-cni-overlay, azure-cni-pod-subnet]\n  pools: { from: 1, to: 10 }\n  nodeSubnetPrefix: { from: 8, to: 29 }\n  podRangePrefix: { from: 8, to: 24 }\n  maxPods: { from: 10, to: 250 }\n  outboundIps: { from: 1, to: 16 }\n  nodeCount: { from: 0, to: 5000 }\n  autoscaleMax: { from: 0, to: 1000, step: 10 }\n");
    const target = join(dir, "e15.csv");
    const r = aksnet(["sweep", spec, "--show", "all", "--format", "csv", "--quiet", "-o", target]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*e15\.yaml: 29,137,135,061,760 rows at about [\d,]+ rows\/s on \d+ workers? would take about \d+ hours\nhint: .*--yes/);
    expect(existsSync(target)).toBe(false);
  });
});
