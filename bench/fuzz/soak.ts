// The fuzz soak: more mutants than npm test runs, per input kind, (1) in process, timed, and (2) a
// sample through the built CLI bundle as a user runs it, each in its own process with a 10 s
// limit and a 1 GB heap, its peak RSS measured by /usr/bin/time. A mutant must end with exit 0/1
// and valid JSON output, or exit 2 with a message naming the file: never a stack trace, another
// exit code, a timeout or more than 1 GB. Prints a table per kind and exits 1 on any failure.
//   node bench/fuzz/run.mjs [--mutants N] [--cli M] [--seed S] [--scale X]
import { spawnSync } from "node:child_process";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { existsSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KINDS, classify, type Outcome } from "../../packages/engine/test/fuzz/kinds.ts";
import { mutant } from "../../packages/engine/test/fuzz/mutate.ts";

// In a worker thread: run mutants [from, to) of one kind, posting each outcome (the main thread
// watches the time, and replaces a worker stuck on one mutant).
if (!isMainThread) {
  const { kind: name, from, to, seed: SEED0, scale } = workerData as { kind: string; from: number; to: number; seed: number; scale: number };
  const kind = KINDS.find((k) => k.name === name)!;
  const seeds = kind.seeds();
  for (let k = from; k < to; k++) {
    const seed = seeds[k % seeds.length];
    const m = mutant(seed.text, SEED0 * 1_000_003 + k, scale);
    parentPort!.postMessage({ k, start: true, how: m.how });
    const t = performance.now();
    const o = classify(kind.run, seed.name, m.text, kind.others);
    parentPort!.postMessage({ k, o, ms: performance.now() - t, how: m.how });
  }
  process.exit(0);
}

const arg = (name: string, def: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : def; };
const MUTANTS = arg("--mutants", 2000);
const CLI = arg("--cli", 60);
const SEED = arg("--seed", 1313);
/** Large mutants (long lines, many lines) are this many times larger in the CLI sample, which has a time limit. */
const SCALE = arg("--scale", 10);
/**
 * In this process there is no time limit to enforce, so large mutants stay small here (0.2: 600
 * repeated lines): a quadratic path would stall the soak instead of failing one mutant; the CLI
 * sample, with its limit, finds those.
 */
const INPROC_SCALE = arg("--inproc-scale", 0.2);
const repo = process.env.AKSNET_REPO!;
const bundle = join(repo, "apps/cli/dist/aksnet.mjs");
const timeBin = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
if (!existsSync(bundle)) { console.error(`${bundle} is missing: npm run build first`); process.exit(2); }
const dir = mkdtempSync(join(tmpdir(), "aksnet-soak-"));

/** The in-process mutants of a kind, in worker threads; one stuck past HANG_MS is a failure, and the next worker goes on after it. */
const HANG_MS = 10_000;
async function inProcess(kind: string, row: Row): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  let from = 0;
  while (from < MUTANTS) {
    from = await new Promise<number>((resolve) => {
      const w = new Worker(self, { workerData: { kind, from, to: MUTANTS, seed: SEED, scale: INPROC_SCALE }, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
      let current = from, how = "";
      let timer = setTimeout(stuck, HANG_MS);
      function stuck() {
        void w.terminate();
        row.mutants++; row.failed++;
        failures.push(`${kind} seed ${SEED * 1_000_003 + current} (${how}): still running after ${HANG_MS / 1000} s`);
        resolve(current + 1);
      }
      w.on("message", (msg: { k: number; start?: boolean; how: string; o?: Outcome; ms?: number }) => {
        current = msg.k; how = msg.how;
        if (msg.start) { clearTimeout(timer); timer = setTimeout(stuck, HANG_MS); return; }
        row.mutants++;
        row.maxMs = Math.max(row.maxMs, msg.ms!);
        const o = msg.o!;
        if (!o.ok) { row.failed++; failures.push(`${kind} seed ${SEED * 1_000_003 + msg.k} (${msg.how}): ${o.why.slice(0, 200)}`); }
        else if (o.accepted) row.accepted++;
        else row.refused++;
      });
      w.on("error", (e) => { clearTimeout(timer); row.mutants++; row.failed++; failures.push(`${kind} seed ${SEED * 1_000_003 + current} (${how}): ${e.message.slice(0, 200)}`); resolve(current + 1); });
      w.on("exit", () => { clearTimeout(timer); resolve(Math.max(current + 1, from)); });
    });
  }
}

interface Row { kind: string; mutants: number; accepted: number; refused: number; failed: number; maxMs: number; cli: number; cliFailed: number; cliMaxMs: number; cliMaxRssMb: number }
const rows: Row[] = [];
const failures: string[] = [];
const t0 = performance.now();

for (const kind of KINDS) {
  const seeds = kind.seeds();
  const row: Row = { kind: kind.name, mutants: 0, accepted: 0, refused: 0, failed: 0, maxMs: 0, cli: 0, cliFailed: 0, cliMaxMs: 0, cliMaxRssMb: 0 };
  await inProcess(kind.name, row);
  for (let k = 0; k < MUTANTS; k++) {
    const seed = seeds[k % seeds.length];
    const s = SEED * 1_000_003 + k;
    // Every (MUTANTS / CLI)-th mutant also through the CLI, in its own process.
    if (k % Math.max(1, Math.floor(MUTANTS / CLI)) !== 0) continue;
    const file = join(dir, `m${k}${kind.ext}`);
    const big = mutant(seed.text, s, SCALE);
    writeFileSync(file, big.text);
    const args = kind.cli(file);
    const cmd = [process.execPath, "--max-old-space-size=1024", bundle, ...args];
    const t1 = performance.now();
    // timeout(1) kills the CLI itself at 10 s (spawnSync's own timeout would kill only /usr/bin/time
    // and leave the CLI running); /usr/bin/time reports the peak RSS of what it waited for.
    const r = timeBin
      ? spawnSync(timeBin, ["-f", "%M", "timeout", "-s", "KILL", "10", ...cmd], { cwd: repo, encoding: "utf8", timeout: 15_000, maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: "1" } })
      : spawnSync(cmd[0], cmd.slice(1), { cwd: repo, encoding: "utf8", timeout: 10_000, maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: "1" } });
    const ms = performance.now() - t1;
    row.cli++;
    row.cliMaxMs = Math.max(row.cliMaxMs, ms);
    let stderr = r.stderr ?? "";
    if (timeBin) {
      const lines = stderr.trimEnd().split("\n");
      const kb = Number(lines.pop());
      if (Number.isFinite(kb)) row.cliMaxRssMb = Math.max(row.cliMaxRssMb, kb / 1024);
      stderr = lines.join("\n");
    }
    const bad = (why: string) => { row.cliFailed++; failures.push(`cli ${kind.name} seed ${s} scale ${SCALE} (${big.how}): ${why.slice(0, 300)}`); };
    if (r.error) { bad(`${r.error.message}`); continue; }
    const code = r.status;
    if (code === 137 || r.signal) { bad(`still running after 10 s (killed)`); continue; }
    if (code === 0 || code === 1) {
      const out = r.stdout.trim();
      const json = args.includes("json") || args[1] === "flows";
      if (json && out) {
        try { if (args[1] === "flows") for (const l of out.split("\n")) JSON.parse(l); else JSON.parse(out); } catch { bad(`exit ${code} with output that is not JSON`); }
      }
    } else if (code === 2) {
      if (/internal error|\n\s+at .*:\d+:\d+/.test(stderr)) bad(`exit 2 with a stack: ${stderr}`);
      else if (!stderr.includes(file) && !stderr.includes("<stdin>")) bad(`exit 2 without the file named: ${stderr}`);
    } else bad(`exit ${code}: ${stderr}`);
  }
  rows.push(row);
  console.error(`${kind.name}: ${row.mutants} mutants, ${row.failed + row.cliFailed} failed, ${((performance.now() - t0) / 1000).toFixed(0)} s so far`);
}
rmSync(dir, { recursive: true, force: true });

const cols: (keyof Row)[] = ["kind", "mutants", "accepted", "refused", "failed", "maxMs", "cli", "cliFailed", "cliMaxMs", "cliMaxRssMb"];
const fmt = (v: unknown) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(0)) : String(v));
const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)));
console.log(cols.map((c, i) => c.padEnd(width[i])).join("  "));
for (const r of rows) console.log(cols.map((c, i) => (i ? fmt(r[c]).padStart(width[i]) : fmt(r[c]).padEnd(width[i]))).join("  "));
console.log(`\n${rows.reduce((n, r) => n + r.mutants, 0)} mutants in process, ${rows.reduce((n, r) => n + r.cli, 0)} through the CLI, seed ${SEED}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
if (failures.length) {
  console.log(`\n${failures.length} failure(s):`);
  for (const f of failures.slice(0, 50)) console.log("  " + f);
  process.exit(1);
}
