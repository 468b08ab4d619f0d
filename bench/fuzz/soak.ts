// The fuzz soak: more mutants than npm test runs, per input kind, (1) in process, timed, and (2) a
// sample through the built CLI bundle as a user runs it, each in its own process with a 10 s
// limit and a 1 GB heap, its peak RSS measured by /usr/bin/time. A mutant must end with exit 0/1
// and valid JSON output, or exit 2 with a message naming the file: never a stack trace, another
// exit code, a timeout or more than 1 GB. Prints a table per kind and exits 1 on any failure.
//   node bench/fuzz/run.mjs [--mutants N] [--cli M] [--seed S]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KINDS, classify } from "../../packages/engine/test/fuzz/kinds.ts";
import { mutant } from "../../packages/engine/test/fuzz/mutate.ts";

const arg = (name: string, def: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : def; };
const MUTANTS = arg("--mutants", 2000);
const CLI = arg("--cli", 60);
const SEED = arg("--seed", 1313);
const repo = process.env.AKSNET_REPO!;
const bundle = join(repo, "apps/cli/dist/aksnet.mjs");
const timeBin = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
if (!existsSync(bundle)) { console.error(`${bundle} is missing: npm run build first`); process.exit(2); }
const dir = mkdtempSync(join(tmpdir(), "aksnet-soak-"));

interface Row { kind: string; mutants: number; accepted: number; refused: number; failed: number; maxMs: number; cli: number; cliFailed: number; cliMaxMs: number; cliMaxRssMb: number }
const rows: Row[] = [];
const failures: string[] = [];
const t0 = performance.now();

for (const kind of KINDS) {
  const seeds = kind.seeds();
  const row: Row = { kind: kind.name, mutants: 0, accepted: 0, refused: 0, failed: 0, maxMs: 0, cli: 0, cliFailed: 0, cliMaxMs: 0, cliMaxRssMb: 0 };
  for (let k = 0; k < MUTANTS; k++) {
    const seed = seeds[k % seeds.length];
    const s = SEED * 1_000_003 + k;
    const m = mutant(seed.text, s);
    const t = performance.now();
    const o = classify(kind.run, seed.name, m.text, kind.others);
    row.maxMs = Math.max(row.maxMs, performance.now() - t);
    row.mutants++;
    if (!o.ok) { row.failed++; failures.push(`${kind.name} seed ${s} (${m.how}): ${o.why.slice(0, 200)}`); }
    else if (o.accepted) row.accepted++;
    else row.refused++;
    // Every (MUTANTS / CLI)-th mutant also through the CLI, in its own process.
    if (k % Math.max(1, Math.floor(MUTANTS / CLI)) !== 0) continue;
    const file = join(dir, `m${k}${kind.ext}`);
    writeFileSync(file, m.text);
    const args = kind.cli(file);
    const cmd = [process.execPath, "--max-old-space-size=1024", bundle, ...args];
    const t1 = performance.now();
    const r = timeBin
      ? spawnSync(timeBin, ["-f", "%M", ...cmd], { cwd: repo, encoding: "utf8", timeout: 10_000, maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: "1" } })
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
    const bad = (why: string) => { row.cliFailed++; failures.push(`cli ${kind.name} seed ${s} (${m.how}): ${why.slice(0, 300)}`); };
    if (r.error) { bad(`${r.error.message}`); continue; }
    const code = r.status;
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
