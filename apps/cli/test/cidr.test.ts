import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { aksnet, golden, repoRoot, bundlePath } from "./run.ts";

const cases: [string, string[]][] = [
  ["info", ["cidr", "info", "10.1.2.3/16", "2001:db8::/56", "192.168.1.7"]],
  ["merge", ["cidr", "merge", "examples/cidr/vnet-prefixes.txt"]],
  ["exclude", ["cidr", "exclude", "10.224.0.0/12", "--remove", "examples/cidr/used-subnets.txt"]],
  ["overlaps", ["cidr", "overlaps", "examples/cidr/vnet-prefixes.txt", "examples/cidr/used-subnets.txt"]],
  ["lookup", ["cidr", "lookup", "--table", "examples/cidr/route-table.txt", "10.224.7.9", "10.224.8.1", "10.9.9.9", "8.8.8.8", "2001:db8:100::1", "2001:dead::1"]],
  ["free", ["cidr", "free", "--space", "10.224.0.0/12", "--used", "examples/cidr/used-subnets.txt", "--size", "24", "--count", "4"]],
  ["contains", ["cidr", "contains", "examples/cidr/vnet-prefixes.txt", "10.230.1.1", "10.240.0.0", "172.16.20.0/24", "2001:db8:101::/64"]],
];

describe("aksnet cidr: golden output", () => {
  for (const [name, args] of cases) {
    for (const format of ["text", "json"]) {
      it(`${name} --format ${format}`, () => {
        const r = aksnet([...args, "--format", format]);
        expect(r.code, r.stderr).toBe(name === "overlaps" ? 1 : 0);
        const g = golden(`cidr/${name}.${format === "json" ? "json" : "txt"}`, r.stdout);
        expect(g.actual).toBe(g.expected);
        if (format === "json") expect(() => JSON.parse(r.stdout)).not.toThrow();
      });
    }
  }
});

describe("aksnet cidr: answers", () => {
  it("free allocates best fit and never inside used space", () => {
    const r = aksnet(["cidr", "free", "--space", "10.0.0.0/16", "--used", "10.0.0.0/24", "10.0.4.0/24", "--size", "/24", "--count", "3", "--format", "json"]);
    expect(JSON.parse(r.stdout).allocated).toEqual(["10.0.1.0/24", "10.0.5.0/24", "10.0.2.0/24"]);
  });

  it("free exits 1 and says what is free when the space runs out", () => {
    const r = aksnet(["cidr", "free", "--space", "10.0.0.0/23", "--used", "10.0.0.0/24", "--size", "24", "--count", "2"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("10.0.1.0/24\n");
    expect(r.stderr).toContain("only 1 of 2 free /24 prefixes fit in 10.0.0.0/23");
  });

  it("reads stdin with -", () => {
    const r = aksnet(["cidr", "merge", "-"], { stdin: "10.0.0.0/25\n10.0.0.128/25\n" });
    expect([r.code, r.stdout]).toEqual([0, "10.0.0.0/24\n"]);
  });

  it("overlaps exits 0 when there are none", () => {
    const r = aksnet(["cidr", "overlaps", "10.0.0.0/24", "10.0.1.0/24"]);
    expect([r.code, r.stdout]).toEqual([0, ""]);
    expect(r.stderr).toContain("no overlaps among 2 prefixes");
  });
});

describe("aksnet cidr: bad input", () => {
  it("names the file, line and column and exits 2", () => {
    const r = aksnet(["cidr", "merge", "-"], { stdin: "10.0.0.0/8\n10.0.0.256/8\n" });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('error: <stdin>:2:8: parsePrefix("10.0.0.256/8"): IPv4 field has value >255 (at "256/8")\n');
  });

  it("reports every bad line (up to 10), in order", () => {
    const r = aksnet(["cidr", "merge", "-"], { stdin: ":::\n10.0.0.0/33\nok\n" + "x\n".repeat(20) });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines[0]).toMatch(/^error: <stdin>:1:3: .*IPv6 group is empty/);
    expect(lines[1]).toMatch(/^error: <stdin>:2:10: .*prefix length is out of range/);
    expect(lines).toContain("error: ... and 13 more errors");
  });

  it("survives binary junk and a 1 MB line without a stack trace", () => {
    const junk = Buffer.from(Array.from({ length: 1 << 16 }, (_, i) => (i * 131 + 7) % 256));
    const r = aksnet(["cidr", "merge", "-"], { stdin: Buffer.concat([junk, Buffer.from("\n" + "9".repeat(1 << 20) + "\n")]) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: <stdin>:\d+:\d+: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("stops quietly when the reader closes the pipe early (| head)", () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/32`).join("\n");
    const r = spawnSync("sh", ["-c", `node "${bundlePath}" cidr merge - | head -1`], { input: lines, encoding: "utf8", cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" } });
    expect(r.stdout).toBe("10.0.0.0/32\n");
    expect(r.stderr).not.toMatch(/EPIPE|at .*\(/);
  });

  it("usage errors exit 2", () => {
    expect(aksnet(["cidr", "free", "--space", "10.0.0.0/8", "--size", "33"]).code).toBe(2);
    expect(aksnet(["cidr", "free", "--space", "10.0.0.0/8", "--size", "24", "--count", "0"]).code).toBe(2);
    expect(aksnet(["cidr", "merge", "10.0.0.0/8", "--format", "yaml"]).stderr).toContain("--format must be text or json");
    expect(aksnet(["cidr", "nope"]).code).toBe(2);
    const missing = aksnet(["cidr", "lookup", "--table", "no-such-file.txt", "10.0.0.1"]);
    expect([missing.code, missing.stderr]).toEqual([2, "error: --table no-such-file.txt: no such file\n"]);
  });

  it("--help exits 0 and lists the verbs", () => {
    const r = aksnet(["cidr", "--help"]);
    expect(r.code).toBe(0);
    for (const verb of ["info", "contains", "merge", "exclude", "overlaps", "lookup", "free"]) expect(r.stdout).toContain(verb);
  });
});
