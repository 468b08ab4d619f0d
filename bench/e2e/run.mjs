// Whole-process benchmarks of the CIDR verbs, side by side with C, iprange, Python and
// cidr-tools on the same files (issue 8, "Benchmarks"). Plain node, no dependencies.
//
//   npm run build && node bench/e2e/run.mjs             all workloads, 5 rounds
//   node bench/e2e/run.mjs --rounds 9                    more rounds
//   node bench/e2e/run.mjs --quick                       5% sizes, 3 rounds: a smoke run
//   node bench/e2e/run.mjs --only merge-v4,overlaps      some workloads (see WORKLOADS below)
//   node bench/e2e/run.mjs --big [--big-gb 2]            adds the ~2 GB merge (peak RSS; slow)
//   node bench/e2e/run.mjs --cli OTHER/aksnet.mjs        measures another build of the CLI
//
// Each round runs every command of a workload once, in turn (A B A B ...), after one untimed
// warm-up round; a run is one spawnSync of the whole process with stdout to a file, timed with
// process.hrtime, its peak RSS taken from `/usr/bin/time -f %M` when that exists. Medians are
// reported. After every run the outputs are compared: the C programs must print byte for byte
// what aksnet prints, or the script stops (exit 1). Results: bench/results/e2e.json (a run with
// --quick or --only writes e2e.tmp.json instead, which git ignores).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, statSync, unlinkSync } from "node:fs";
import { cpus, totalmem, loadavg, platform, release, arch } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { writeMergeInput, writeOverlapsInput, writeBigInput } from "./data.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
process.chdir(root); // every path below, and every path in the results, is relative to the repo
const rel = (p) => relative(root, p) || ".";
const loadAvgStart = loadavg().map((x) => +x.toFixed(2));

// ---- options ---------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  if (i < 0) return dflt;
  if (i + 1 >= argv.length) usage(`${name} needs a value`);
  return argv[i + 1];
};
function usage(msg) {
  if (msg) process.stderr.write(`run.mjs: ${msg}\n`);
  process.stderr.write("usage: node bench/e2e/run.mjs [--rounds N] [--quick] [--only a,b] [--big [--big-gb G]] [--cli BUNDLE]\n");
  process.exit(2);
}
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (["--rounds", "--only", "--big-gb", "--cli"].includes(a)) i++;
  else if (a === "-h" || a === "--help") usage();
  else if (!["--quick", "--big"].includes(a)) usage(`unknown option ${a}`);
}
const quick = flag("--quick");
const rounds = Number(opt("--rounds", quick ? "3" : "5"));
if (!Number.isInteger(rounds) || rounds < 1) usage("--rounds must be a positive integer");
const bigGb = Number(opt("--big-gb", "2"));
if (!(bigGb > 0)) usage("--big-gb must be a positive number");
const scale = quick ? 0.05 : 1;
const only = opt("--only", "")
  .split(",")
  .filter(Boolean);

// ---- tools -----------------------------------------------------------------------------------
const has = (cmd, args = ["--version"]) => {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  return r.error ? null : (r.stdout.toString() + r.stderr.toString()).split("\n")[0].trim();
};
// GNU time (-f); a BSD /usr/bin/time has no -f, and then peak RSS is not measured.
const TIME = existsSync("/usr/bin/time") && spawnSync("/usr/bin/time", ["-f", "%M", "true"], { stdio: "ignore" }).status === 0 ? "/usr/bin/time" : null;
const cliPath = opt("--cli", "apps/cli/dist/aksnet.mjs"); // another build's bundle, to measure it on the same data
if (!existsSync(cliPath)) {
  process.stderr.write(`run.mjs: ${cliPath} is missing: run \`npm run build\` first\n`);
  process.exit(2);
}
const node = process.execPath;
const aksnet = (...args) => [node, cliPath, ...args];

const buildDir = "bench/c/build";
const dataDir = "bench/e2e/data";
mkdirSync(buildDir, { recursive: true });
mkdirSync(dataDir, { recursive: true });

const ccVersion = has("cc");
const cBins = {};
if (ccVersion) {
  for (const name of ["merge", "overlaps"]) {
    const out = join(buildDir, name);
    const r = spawnSync("cc", ["-O2", "-o", out, `bench/c/${name}.c`], { stdio: ["ignore", "inherit", "inherit"] });
    if (r.status !== 0) fail(`cc -O2 bench/c/${name}.c failed`);
    cBins[name] = out;
  }
} else {
  process.stderr.write("run.mjs: no C compiler (cc): the C rows are skipped\n");
}
const iprangeVersion = has("iprange");
const pythonVersion = has("python3");

function fail(msg) {
  process.stderr.write(`\nrun.mjs: FAILED: ${msg}\n`);
  process.exit(1);
}

// ---- data ------------------------------------------------------------------------------------
// Regenerated when the generator, the sizes or the seed change (a manifest keeps what was made).
const genVersion = createHash("sha256").update(readFileSync(join(here, "data.mjs"))).update(readFileSync(join(here, "..", "rng.mjs"))).digest("hex").slice(0, 16);
const manifestPath = join(dataDir, "manifest.json");
let manifest = {};
try {
  manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
} catch {}
function dataset(name, spec, make) {
  const path = join(dataDir, `${name}.txt`);
  const key = JSON.stringify({ spec, genVersion });
  if (manifest[name]?.key !== key || !existsSync(path)) {
    process.stderr.write(`generating ${path} ...\n`);
    make(path, spec);
    manifest[name] = { key, bytes: statSync(path).size };
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  }
  return { path, bytes: statSync(path).size, ...spec };
}
const n = (x) => Math.round(x * scale);
const mixed = dataset(quick ? "mixed-quick" : "mixed", { n4: n(1_000_000), n6: n(100_000), seed: 8001 }, writeMergeInput);
const v4only = dataset(quick ? "v4-quick" : "v4", { n4: n(1_000_000), n6: 0, seed: 8002 }, writeMergeInput);
const ovl = dataset(quick ? "overlaps-quick" : "overlaps", { n: n(100_000), seed: 8003 }, writeOverlapsInput);

const fmtMs = (ms) => (ms === null ? "—" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

// ---- measuring -------------------------------------------------------------------------------
const timeFile = join(dataDir, ".peak-rss");

/** One whole-process run: stdout to `out`, wall time and peak RSS (KiB, or null). */
function runOnce(c) {
  const fd = openSync(c.out, "w");
  const cmd = TIME ? [TIME, "-f", "%M %U %S", "-o", timeFile, ...c.argv] : c.argv;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ["ignore", fd, "pipe"], maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  closeSync(fd);
  if (r.error) fail(`${c.label}: ${r.error.message}`);
  const ok = c.status ?? [0];
  if (ok !== "any" && !ok.includes(r.status)) fail(`${c.label} exited with ${r.status} (${show(c.argv)}):\n${r.stderr.toString().slice(0, 2000)}`);
  let rss = null, cpuMs = null;
  if (TIME) {
    // The last line (a failed command adds one before it): peak RSS KiB, user s, system s.
    const [m, u, sys] = readFileSync(timeFile, "utf8").trim().split("\n").at(-1).split(" ").map(Number);
    if (Number.isFinite(m)) rss = m;
    if (Number.isFinite(u) && Number.isFinite(sys)) cpuMs = (u + sys) * 1000;
  }
  return { ms, rss, cpuMs, status: r.status, stderr: r.stderr.toString() };
}

const show = (a) => a.map((x) => (x === node ? "node" : /[\s"'$]/.test(x) ? JSON.stringify(x) : x)).join(" ");
const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function firstDifference(a, b, an = "A", bn = "B") {
  const x = a.toString("latin1").split("\n"), y = b.toString("latin1").split("\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i + 1}: ${an} printed ${JSON.stringify(x[i] ?? "<end>")}, ${bn} ${JSON.stringify(y[i] ?? "<end>")} (${x.length - 1} vs ${y.length - 1} lines)`;
  }
  return "same lines, different bytes";
}

/**
 * A workload: commands run interleaved for `rounds` rounds after a warm-up; `checks` run after
 * every round on the outputs (a fatal check stops the script, others are reported).
 */
function measure(w) {
  const cmds = w.cmds.filter((c) => c.available !== false);
  process.stderr.write(`\n${w.id}: ${w.title}\n`);
  for (const c of cmds) {
    c.out = join(dataDir, `out.${w.id}.${c.key}`);
    c.runs = [];
    process.stderr.write(`  ${c.key}: ${show(c.argv)}\n`);
  }
  const checks = {};
  for (let round = 0; round <= rounds; round++) {
    const took = [];
    for (const c of cmds) {
      const r = runOnce(c);
      took.push(`${c.key} ${fmtMs(r.ms)}`);
      if (round > 0) c.runs.push(r);
    }
    for (const ch of w.checks ?? []) {
      if (ch.needs.some((k) => !cmds.find((c) => c.key === k))) continue;
      const outs = Object.fromEntries(cmds.map((c) => [c.key, readFileSync(c.out)]));
      const why = ch.test(outs);
      if (why && ch.fatal) fail(`${w.id}: ${ch.name}: ${why}`);
      checks[ch.name] = why ? `differs: ${why}` : "same";
    }
    process.stderr.write(`  round ${round === 0 ? "warm-up" : round}: ${took.join(", ")}\n`);
  }
  for (const c of cmds) {
    c.ms = median(c.runs.map((r) => r.ms));
    c.rssKiB = median(c.runs.map((r) => r.rss));
    c.cpuMs = median(c.runs.map((r) => r.cpuMs));
    c.bestMs = Math.min(...c.runs.map((r) => r.ms));
    c.outBytes = statSync(c.out).size;
  }
  for (const c of cmds) unlinkSync(c.out);
  return { id: w.id, title: w.title, input: w.input, cmds, checks, note: w.note };
}

const sameBytes = (a, b) => (x) => (x[a].equals(x[b]) ? null : firstDifference(x[a], x[b], a, b));

// ---- workloads -------------------------------------------------------------------------------
const overlapsCount = (file) => {
  if (!cBins.overlaps) return null;
  const r = spawnSync(cBins.overlaps, [file], { stdio: ["ignore", "pipe", "inherit"] });
  return Number(r.stdout.toString());
};

const WORKLOADS = [
  {
    id: "merge-mixed",
    title: `cidr merge, ${mixed.n4.toLocaleString("en-US")} IPv4 + ${mixed.n6.toLocaleString("en-US")} IPv6 lines, text`,
    input: mixed,
    cmds: [
      { key: "aksnet", label: "aksnet", argv: aksnet("cidr", "merge", mixed.path) },
      { key: "c", label: "C merge", argv: [cBins.merge, mixed.path], available: !!cBins.merge },
      { key: "cidr-tools", label: "cidr-tools mergeCidr", argv: [node, "bench/e2e/cidr-tools-merge.mjs", mixed.path] },
    ],
    checks: [
      { name: "C == aksnet", needs: ["aksnet", "c"], fatal: true, test: sameBytes("aksnet", "c") },
      { name: "cidr-tools == aksnet", needs: ["aksnet", "cidr-tools"], test: sameBytes("aksnet", "cidr-tools") },
    ],
  },
  {
    id: "merge-v4",
    title: `cidr merge, ${v4only.n4.toLocaleString("en-US")} IPv4 lines, text`,
    input: v4only,
    cmds: [
      { key: "aksnet", label: "aksnet", argv: aksnet("cidr", "merge", v4only.path) },
      { key: "c", label: "C merge", argv: [cBins.merge, v4only.path], available: !!cBins.merge },
      // iprange merges by default and prints single IPs without "/32"; the suffix makes it print aksnet's text.
      { key: "iprange", label: "iprange", argv: ["iprange", "--print-suffix-ips", "/32", v4only.path], available: !!iprangeVersion },
    ],
    checks: [
      { name: "C == aksnet", needs: ["aksnet", "c"], fatal: true, test: sameBytes("aksnet", "c") },
      { name: "iprange == aksnet", needs: ["aksnet", "iprange"], test: sameBytes("aksnet", "iprange") },
    ],
  },
  {
    id: "overlaps",
    title: `cidr overlaps, ${ovl.n.toLocaleString("en-US")} prefixes with nesting, every pair printed (text)`,
    input: ovl,
    cmds: [
      { key: "aksnet", label: "aksnet", argv: aksnet("cidr", "overlaps", ovl.path, "--max-pairs", "0"), status: [0, 1] },
      { key: "c", label: "C overlaps -p", argv: [cBins.overlaps, "-p", ovl.path], available: !!cBins.overlaps },
      { key: "python", label: "Python ipaddress", argv: ["python3", "bench/e2e/overlaps.py", ovl.path], available: !!pythonVersion },
    ],
    checks: [
      { name: "C == aksnet", needs: ["aksnet", "c"], fatal: true, test: sameBytes("aksnet", "c") },
      { name: "Python == aksnet", needs: ["aksnet", "python"], fatal: true, test: sameBytes("aksnet", "python") },
    ],
  },
  {
    id: "merge-json",
    title: "cidr merge --format json vs text, the mixed file",
    input: mixed,
    cmds: [
      { key: "json", label: "aksnet --format json", argv: aksnet("cidr", "merge", "--format", "json", mixed.path) },
      { key: "text", label: "aksnet (text)", argv: aksnet("cidr", "merge", mixed.path) },
    ],
    checks: [
      {
        name: "json prefixes == text lines",
        needs: ["json", "text"],
        fatal: true,
        test: (x) => {
          const j = JSON.parse(x.json.toString());
          const t = x.text.toString().replace(/\n$/, "");
          return j.prefixes.join("\n") === t && j.input === mixed.n4 + mixed.n6 ? null : "JSON prefixes differ from the text lines";
        },
      },
    ],
  },
  {
    id: "overlaps-json",
    title: "cidr overlaps --format json vs text, the overlaps file",
    input: ovl,
    cmds: [
      { key: "json", label: "aksnet --format json", argv: aksnet("cidr", "overlaps", "--format", "json", "--max-pairs", "0", ovl.path), status: [0, 1] },
      { key: "text", label: "aksnet (text)", argv: aksnet("cidr", "overlaps", ovl.path, "--max-pairs", "0"), status: [0, 1] },
    ],
    checks: [
      {
        name: "json count == C pair count",
        needs: ["json"],
        fatal: true,
        test: (x) => {
          const count = JSON.parse(x.json.toString()).count;
          const c = overlapsCount(ovl.path);
          const lines = x.text.toString().split("\n").length - 1;
          if (count !== lines) return `json count ${count} but ${lines} text lines`;
          return c === null || c === count ? null : `aksnet json count ${count}, C count ${c}`;
        },
      },
    ],
  },
];

const chosen = only.length ? WORKLOADS.filter((w) => only.includes(w.id)) : WORKLOADS;
for (const id of only) if (id !== "big" && !WORKLOADS.find((w) => w.id === id)) usage(`no workload ${id} (${WORKLOADS.map((w) => w.id).join(", ")}, big)`);
const results = chosen.map(measure);

// ---- the ~2 GB merge: bounded peak RSS? ------------------------------------------------------
// The same generator and seed at two sizes (the small file is the big one's first part): a
// streaming merge needs about the same memory for both, since the merged output stays small.
function bigRun(name, bytes) {
  const path = join(dataDir, `${name}.txt`);
  const spec = { bytes, seed: 8004 };
  const key = JSON.stringify({ spec, genVersion });
  if (manifest[name]?.key !== key || !existsSync(path)) {
    process.stderr.write(`\ngenerating ${path} (${(bytes / 2 ** 30).toFixed(2)} GiB, streamed) ...\n`);
    const t0 = Date.now();
    const made = writeBigInput(path, spec);
    manifest[name] = { key, bytes: made.bytes, lines: made.lines };
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    process.stderr.write(`  ${made.bytes} bytes, ${made.lines} lines in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  // One run; the exit status is recorded, not required (aksnet today may refuse an input this size).
  const c = { key: name, label: `aksnet (${name})`, argv: aksnet("cidr", "merge", path), out: join(dataDir, `out.${name}`), status: "any" };
  process.stderr.write(`\n${name}: ${show(c.argv)} (one run)\n`);
  const r = runOnce(c);
  const res = {
    command: show(c.argv),
    inputBytes: statSync(path).size,
    inputLines: manifest[name].lines,
    exitStatus: r.status,
    ms: +r.ms.toFixed(1),
    peakRssKiB: r.rss,
    outputLines: readFileSync(c.out, "latin1").split("\n").length - 1,
    stderr: r.stderr.slice(0, 600),
  };
  unlinkSync(c.out);
  process.stderr.write(`  exit ${res.exitStatus}, ${fmtMs(res.ms)}, peak RSS ${res.peakRssKiB ?? "?"} KiB, ${res.outputLines} output lines\n`);
  return res;
}
let big = null;
if (flag("--big") || only.includes("big")) {
  const bytes = Math.round(bigGb * 2 ** 30);
  big = { small: bigRun("big-small", Math.min(64 * 2 ** 20, Math.round(bytes / 8))), large: bigRun("big", bytes) };
}

// ---- report ----------------------------------------------------------------------------------
const fmtRss = (k) => (k === null || k === undefined ? "—" : `${(k / 1024).toFixed(0)} MiB`);
const ratio = (a, b) => (a && b ? a / b : null);
const fmtRatio = (r) => (r === null ? "—" : `${r.toFixed(2)}×`);
const get = (id, key) => results.find((w) => w.id === id)?.cmds.find((c) => c.key === key);

const rows = [];
for (const w of results) {
  const base = w.cmds[0];
  for (const c of w.cmds.slice(1)) {
    rows.push({ workload: w.id, a: base.label, aMs: base.ms, aRss: base.rssKiB, b: c.label, bMs: c.ms, bRss: c.rssKiB, ratio: ratio(base.ms, c.ms), bestRatio: ratio(base.bestMs, c.bestMs), cpuRatio: ratio(base.cpuMs, c.cpuMs), rssRatio: ratio(base.rssKiB, c.rssKiB) });
  }
}

const target = (name, value, limit, cmp = "<=", unit = "×") => {
  const met = value === null ? null : cmp === "<" ? value < limit : value <= limit;
  return { target: name, value, limit: `${cmp} ${limit}${unit}`, met };
};
const targets = [
  target("merge mixed ≤ 2× C", ratio(get("merge-mixed", "aksnet")?.ms, get("merge-mixed", "c")?.ms), 2),
  target("merge v4 ≤ 2× C", ratio(get("merge-v4", "aksnet")?.ms, get("merge-v4", "c")?.ms), 2),
  target("merge v4 faster than iprange", ratio(get("merge-v4", "aksnet")?.ms, get("merge-v4", "iprange")?.ms), 1, "<"),
  target("overlaps ≤ 2× C", ratio(get("overlaps", "aksnet")?.ms, get("overlaps", "c")?.ms), 2),
  target("merge JSON ≤ 1.3× text", ratio(get("merge-json", "json")?.ms, get("merge-json", "text")?.ms), 1.3),
  target("overlaps JSON ≤ 1.3× text", ratio(get("overlaps-json", "json")?.ms, get("overlaps-json", "text")?.ms), 1.3),
  target("peak RSS, 1.1M-line merge ≤ 3× C", ratio(get("merge-mixed", "aksnet")?.rssKiB, get("merge-mixed", "c")?.rssKiB), 3),
];
if (big) {
  // "Bounded": 32 times the input (same shape, small output) in at most 1.5 times the memory;
  // a failed run does not meet it.
  const ok = big.large.exitStatus === 0 && big.small.exitStatus === 0;
  const t = target(`peak RSS, ${bigGb} GiB merge ≤ 1.5× the ${(big.small.inputBytes / 2 ** 20).toFixed(0)} MiB merge's (bounded)`, ok ? ratio(big.large.peakRssKiB, big.small.peakRssKiB) : null, 1.5);
  if (!ok) t.met = false;
  targets.push(t);
}

const md = [];
md.push(`Whole process, median of ${rounds} interleaved rounds (after one warm-up round); ratio = first command ÷ the other; best-run = fastest run ÷ fastest run; CPU = median user+system time (node's helper threads count). Load average ${loadAvgStart.join(" ")} at the start, ${loadavg().map((x) => x.toFixed(2)).join(" ")} at the end (${cpus().length} cores).`);
md.push("");
md.push("| workload | command A | A time | A peak RSS | command B | B time | B peak RSS | time A÷B | best-run A÷B | CPU A÷B | RSS A÷B |");
md.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) md.push(`| ${r.workload} | ${r.a} | ${fmtMs(r.aMs)} | ${fmtRss(r.aRss)} | ${r.b} | ${fmtMs(r.bMs)} | ${fmtRss(r.bRss)} | ${fmtRatio(r.ratio)} | ${fmtRatio(r.bestRatio)} | ${fmtRatio(r.cpuRatio)} | ${fmtRatio(r.rssRatio)} |`);
md.push("");
md.push("| target (issue 8) | measured | met |");
md.push("| --- | --- | --- |");
for (const t of targets) md.push(`| ${t.target} | ${fmtRatio(t.value)} | ${t.met === null ? "not measured" : t.met ? "yes" : "no"} |`);
if (big) {
  md.push("");
  for (const b of [big.small, big.large]) {
    md.push(`- \`${b.command}\` (${(b.inputBytes / 2 ** 20).toFixed(0)} MiB, ${b.inputLines.toLocaleString("en-US")} lines): exit ${b.exitStatus}, ${fmtMs(b.ms)}, peak RSS ${fmtRss(b.peakRssKiB)}, ${b.outputLines} output lines${b.exitStatus ? ` — ${b.stderr.trim().split("\n")[0]}` : ""}`);
  }
}
const checkLines = results.flatMap((w) => Object.entries(w.checks).map(([k, v]) => `${w.id}: ${k}: ${v}`));
md.push("");
md.push("Output checks (every round): " + (checkLines.length ? checkLines.join("; ") : "none ran"));
process.stdout.write("\n" + md.join("\n") + "\n");

const machine = {
  cpu: cpus()[0]?.model ?? "?",
  cores: cpus().length,
  memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
  platform: `${platform()} ${release()} ${arch()}`,
  node: process.version,
  cc: ccVersion,
  iprange: iprangeVersion,
  python: pythonVersion,
  peakRss: TIME ? "/usr/bin/time -f '%M %U %S' (peak RSS KiB, user and system CPU s)" : "not measured (no GNU /usr/bin/time)",
  loadAvgStart,
  loadAvgEnd: loadavg().map((x) => +x.toFixed(2)),
};
const doc = {
  date: new Date().toISOString(),
  command: `node bench/e2e/run.mjs${argv.length ? " " + argv.join(" ") : ""}`,
  rounds,
  warmup: 1,
  machine,
  inputs: Object.fromEntries([mixed, v4only, ovl].map((d) => [rel(d.path), { ...d, path: undefined }])),
  workloads: results.map((w) => ({
    id: w.id,
    title: w.title,
    input: rel(w.input.path),
    checks: w.checks,
    commands: w.cmds.map((c) => ({ key: c.key, label: c.label, command: show(c.argv), medianMs: c.ms && +c.ms.toFixed(1), bestMs: +c.bestMs.toFixed(1), runsMs: c.runs.map((r) => +r.ms.toFixed(1)), medianCpuMs: c.cpuMs && +c.cpuMs.toFixed(0), peakRssKiB: c.rssKiB, outputBytes: c.outBytes })),
  })),
  ratios: rows.map((r) => ({ workload: r.workload, a: r.a, b: r.b, time: r.ratio && +r.ratio.toFixed(3), bestTime: r.bestRatio && +r.bestRatio.toFixed(3), cpu: r.cpuRatio && +r.cpuRatio.toFixed(3), rss: r.rssRatio && +r.rssRatio.toFixed(3) })),
  targets: targets.map((t) => ({ ...t, value: t.value && +t.value.toFixed(3) })),
  big,
};
const outPath = quick || only.length ? "bench/results/e2e.tmp.json" : "bench/results/e2e.json";
writeFileSync(outPath, JSON.stringify(doc, null, 2) + "\n");
process.stderr.write(`\nwrote ${outPath}\n`);
