// Runs the built CLI bundle as a user would: separate stdout/stderr, exit code, optional stdin.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
/** The bundle under test (AKSNET_BUNDLE runs the tests against another build, e.g. to see a regression test fail before its fix). */
export const bundlePath = process.env.AKSNET_BUNDLE ?? fileURLToPath(new URL("../dist/aksnet.mjs", import.meta.url));
const bundle = bundlePath;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function aksnet(args: string[], opts: { stdin?: string | Buffer; env?: Record<string, string> } = {}): Run {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run "npm run build" first`);
  const r = spawnSync(process.execPath, [bundle, ...args], {
    cwd: repoRoot,
    input: opts.stdin ?? "",
    env: { ...process.env, NO_COLOR: "1", AKSNET_TODAY: "2026-11-26", ...opts.env },
    encoding: "utf8",
    maxBuffer: 1 << 28,
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Compares with a golden file; UPDATE_GOLDEN=1 rewrites it instead. */
export function golden(path: string, actual: string): { expected: string; actual: string } {
  const file = fileURLToPath(new URL(`./golden/${path}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) {
    if (process.env.UPDATE_GOLDEN !== "1") throw new Error(`golden file ${path} is missing: run with UPDATE_GOLDEN=1 and review it`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  return { expected: readFileSync(file, "utf8"), actual };
}
