// The shipped file runs its command line whatever it is called: a copy under another name, a
// link, and the bin npm links (bin/aksnet.mjs, which also says what to do before a build). Before,
// the CLI decided from the file's name and a renamed copy did nothing, with exit 0.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundlePath, repoRoot } from "./run.ts";

const binStub = fileURLToPath(new URL("../bin/aksnet.mjs", import.meta.url));
const node = (file: string, args: string[]) => spawnSync(process.execPath, [file, ...args], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 });

describe("the launcher as a program", () => {
  const dir = mkdtempSync(join(tmpdir(), "aksnet-launch-"));

  it("a copy under another name runs the command line", () => {
    const copy = join(dir, "net-tool-v2.mjs");
    copyFileSync(bundlePath, copy);
    const r = node(copy, ["cidr", "merge", "10.0.0.0/25", "10.0.0.128/25"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("10.0.0.0/24\n");
  });

  it("a link under another name runs it too", () => {
    const link = join(dir, "nettool");
    symlinkSync(bundlePath, link);
    const r = node(link, ["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("0.1.0");
  });

  it("the bin npm links runs the built CLI", () => {
    const r = node(binStub, ["cidr", "info", "10.1.2.3/16", "--format", "json"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toBeTruthy();
  });

  it("the bin before a build: what to run, exit 2", () => {
    const fresh = join(dir, "cli");
    mkdirSync(join(fresh, "bin"), { recursive: true });
    copyFileSync(binStub, join(fresh, "bin", "aksnet.mjs"));
    const r = node(join(fresh, "bin", "aksnet.mjs"), ["--version"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("aksnet: the CLI is not built yet: run npm run build\n");
    rmSync(dir, { recursive: true, force: true });
  });
});
