import { describe, it, expect } from "vitest";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir, availableParallelism } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { aksnet, golden, bundlePath, repoRoot } from "./run.ts";

const RULES = "examples/iptables/kube-proxy-node.rules";
const NODE = ["--node-ip", "10.224.0.4", "--ipsets", "examples/iptables/ipsets.txt"];
const dns = ["--src", "10.244.1.9", "--dst", "10.0.0.10", "--proto", "udp", "--dport", "53", "--sport", "40000", "--in-iface", "azv1"];

const cases: [string, string[], number][] = [
  ["trace-kernel", ["iptables", "trace", "--rules", RULES, ...dns, ...NODE], 0],
  ["trace-kube-proxy-test", ["iptables", "trace", "--rules", RULES, ...dns, ...NODE, "--mode", "kube-proxy-test"], 0],
  ["trace-lb-denied", ["iptables", "trace", "--rules", RULES, "--src", "192.0.2.1", "--dst", "20.50.60.70", "--dport", "443", "--in-iface", "eth0", ...NODE], 0],
  ["lint", ["iptables", "lint", "--rules", RULES, "--ipsets", "examples/iptables/ipsets.txt"], 0],
];

describe("aksnet iptables: golden output", () => {
  for (const [name, args, code] of cases) {
    for (const format of ["text", "json"]) {
      it(`${name} --format ${format}`, () => {
        const r = aksnet([...args, "--format", format]);
        expect(r.code, r.stderr).toBe(code);
        const g = golden(`iptables/${name}.${format === "json" ? "json" : "txt"}`, r.stdout);
        expect(g.actual).toBe(g.expected);
        if (format === "json") expect(() => JSON.parse(r.stdout)).not.toThrow();
      });
    }
  }

  for (const mode of ["kernel", "kube-proxy-test"]) {
    it(`flows --mode ${mode}: one JSON line per flow, in input order`, () => {
      const r = aksnet(["iptables", "flows", "--rules", RULES, "--flows", "examples/iptables/flows.csv", "--mode", mode, ...NODE]);
      expect(r.code, r.stderr).toBe(0);
      const g = golden(`iptables/flows-${mode}.jsonl`, r.stdout);
      expect(g.actual).toBe(g.expected);
      const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
      expect(lines).toHaveLength(10);
      expect(lines.map((l) => l.sport)).toEqual([40000, 40001, 40002, 40003, 40004, 40005, 40006, 40007, 40008, 40009]);
      expect(r.stderr).toMatch(/^10 flows in [\d.]+ ms \([\d,]+ flows\/s, engine wasm\)/);
    });
  }
});

describe("aksnet iptables: JSON contracts", () => {
  it("kube-proxy-test mode: top-level output (string) and masq (boolean)", () => {
    const r = aksnet(["iptables", "trace", "--rules", RULES, "--src", "10.224.0.77", "--dst", "10.0.12.34", "--dport", "80", "--mode", "kube-proxy-test", "--format", "json"]);
    const j = JSON.parse(r.stdout);
    expect(j.output).toBe("10.244.1.20:8080, 10.244.2.21:8080, 10.244.3.22:8080");
    expect(j.masq).toBe(true);
    expect(j.steps[0]).toMatchObject({ table: "nat", chain: "PREROUTING", rule: 1, line: expect.any(Number), text: expect.stringMatching(/^-A PREROUTING/) });
  });

  it("kernel mode: the verdict and, per alternative, final addresses and ports with the probability", () => {
    const r = aksnet(["iptables", "trace", "--rules", RULES, ...dns, ...NODE, "--format", "json"]);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe("ACCEPT");
    expect(j.alternatives.map((a: Record<string, unknown>) => [a.probability, a.src, a.sport, a.dst, a.dport])).toEqual([
      [0.5, "10.244.1.9", 40000, "10.244.1.5", 53],
      [0.5, "10.244.1.9", 40000, "10.244.2.7", 53],
    ]);
    expect(j.alternatives[0].rewrites).toEqual([{ field: "dstIp", from: "10.0.0.10", to: "10.244.1.5" }]);
  });

  it("flows reads JSON Lines too, and stdin", () => {
    const jsonl = '{"src":"10.244.1.9","dst":"10.0.0.10","proto":"udp","dport":53}\n{"src":"10.244.1.9","dst":"10.0.20.5","dport":80}\n';
    const dir = mkdtempSync(join(tmpdir(), "aksnet-"));
    writeFileSync(join(dir, "f.jsonl"), jsonl);
    const r = aksnet(["iptables", "flows", "--rules", RULES, "--flows", join(dir, "f.jsonl"), "--mode", "kube-proxy-test"]);
    expect(r.stdout.trim().split("\n").map((l) => JSON.parse(l).output)).toEqual(["10.244.1.5:53, 10.244.2.7:53", "REJECT"]);
    const s = aksnet(["iptables", "flows", "--rules", "-", "--flows", join(dir, "f.jsonl"), "--mode", "kube-proxy-test"], { stdin: "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j DNAT --to-destination 10.1.1.1:80\nCOMMIT\n" });
    expect(s.stdout.trim().split("\n").map((l) => JSON.parse(l).output)).toEqual(["10.1.1.1:80", "10.1.1.1:80"]);
  });
});

describe("aksnet iptables: bad input exits 2 with file, line and column", () => {
  const dir = mkdtempSync(join(tmpdir(), "aksnet-bad-"));
  const file = (name: string, text: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const bad: [string, string | Buffer, RegExp][] = [
    ["missing-commit.rules", "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j ACCEPT\n", /missing-commit\.rules:4:1: .*COMMIT is missing/],
    ["rule-before-chain.rules", "*filter\n:INPUT ACCEPT [0:0]\n-A KUBE-FORWARD -j ACCEPT\nCOMMIT\n", /rule-before-chain\.rules:3:4: .*not declared/],
    ["quote.rules", '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment "open -j ACCEPT\nCOMMIT\n', /quote\.rules:3:31: .*unterminated quoted string/],
    ["binary.rules", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]), /binary\.rules:1:1: .*not an iptables-save dump/],
  ];
  for (const [name, text, message] of bad) {
    it(name, () => {
      const r = aksnet(["iptables", "lint", "--rules", file(name, text)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe("");
    });
  }

  it("100 MB of junk: exit 2 with line and column, quickly", () => {
    const p = file("junk.rules", Buffer.alloc(100 * 1024 * 1024, "A"));
    const t0 = Date.now();
    const r = aksnet(["iptables", "trace", "--rules", p, "--src", "10.0.0.1", "--dst", "10.0.0.2"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/junk\.rules:1:1: parseRuleset\(.*expected "\*table"/);
    // Not a speed assertion: a guard against a hang (the run takes well under a second here).
    expect(Date.now() - t0).toBeLessThan(50_000);
  });

  it("lint exits 1 when the kernel would refuse the rules", () => {
    const p = file("loop.rules", "*filter\n:INPUT ACCEPT [0:0]\n:A - [0:0]\n-A INPUT -j A\n-A A -j A\n-A A -j NOPE\nCOMMIT\n");
    const r = aksnet(["iptables", "lint", "--rules", p]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("loop.rules:5:9: error JumpLoop filter/A#1: jump loop: A -> A");
    expect(r.stdout).toContain("loop.rules:6:9: error JumpToMissingChain filter/A#2");
  });

  it("usage errors exit 2", () => {
    expect(aksnet(["iptables", "trace", "--rules", RULES, "--src", "10.0.0.1", "--dst", "10.0.0.2", "--mode", "fast"]).stderr).toContain("--mode must be kernel or kube-proxy-test");
    expect(aksnet(["iptables", "trace", "--rules", RULES, "--src", "10.0.0.1", "--dst", "10.0.0.2", "--dport", "70000"]).code).toBe(2);
    expect(aksnet(["iptables", "trace", "--rules", RULES, "--src", "10.0.0.x", "--dst", "10.0.0.2"]).code).toBe(2);
    expect(aksnet(["iptables", "trace", "--src", "10.0.0.1", "--dst", "10.0.0.2"]).code).toBe(2);
    expect(aksnet(["iptables", "trace", "--rules", "no-such.rules", "--src", "10.0.0.1", "--dst", "10.0.0.2"]).stderr).toContain("cannot read no-such.rules: no such file");
    const f = file("bad.csv", "src,dst,dport\n10.0.0.1,10.0.0.2,80\n10.0.0.1,10.0.0.300,80\n");
    const r = aksnet(["iptables", "flows", "--rules", RULES, "--flows", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.csv:3:10: parseFlows.*bad dst address "10\.0\.0\.300"/);
  });
});

// A flow file of FLOW_THREAD_MIN_BYTES or more is scanned, formatted and written on a second
// thread (flow-thread.ts): the same bytes as one thread, the same errors, a closed pipe ends it.
describe("aksnet iptables flows on two threads", () => {
  const dir = mkdtempSync(join(tmpdir(), "aksnet-flow-thread-"));
  const addrs = ["10.244.1.9", "10.224.0.77", "10.0.0.10", "10.0.12.34", "20.50.60.70", "10.224.0.4", "192.0.2.1", "10.244.1.20"];
  const lines = ["src,dst,proto,sport,dport"];
  let x = 7;
  const next = () => (x = (x * 1103515245 + 12345) >>> 0);
  // ~5 MiB: over the thread's threshold (4 MiB), a few chunks of the chunked run.
  while (lines.length < 150_000) lines.push(`${addrs[next() % 8]},${addrs[next() % 8]},${["tcp", "udp"][next() % 2]},${1024 + (next() % 60000)},${[53, 80, 443, 30080][next() % 4]}`);
  const big = join(dir, "big.csv");
  writeFileSync(big, lines.join("\n") + "\n");
  const args = ["iptables", "flows", "--rules", RULES, "--flows", big, "--mode", "kube-proxy-test"];
  const one = { AKSNET_THREADS: "1" };

  it("the same lines as one thread, and says it used two", () => {
    const two = aksnet(args);
    const single = aksnet(args, { env: one });
    expect(two.code, two.stderr).toBe(0);
    expect(single.code, single.stderr).toBe(0);
    expect(two.stdout.length).toBeGreaterThan(10_000_000);
    expect(two.stdout).toBe(single.stdout);
    expect(two.stdout.split("\n")).toHaveLength(150_000);
    // Two threads wherever there is a second core (on one, the thread would only cost).
    const threads = availableParallelism() >= 2 ? ", 2 threads" : "";
    expect(two.stderr).toMatch(new RegExp(`^149999 flows in [\\d.]+ ms \\([\\d,]+ flows/s, engine wasm${threads}\\)\\n$`));
    expect(single.stderr).toMatch(/^149999 flows in [\d.]+ ms \([\d,]+ flows\/s, engine wasm\)\n$/);
  });

  it("a flow the fast path does not take (IPv6, late in the file): the same lines, from one thread", () => {
    const f = join(dir, "v6.csv");
    writeFileSync(f, lines.join("\n") + "\nfd00::1,fd00::2,tcp,1,80\n");
    const a = ["iptables", "flows", "--rules", RULES, "--flows", f, "--mode", "kube-proxy-test"];
    const two = aksnet(a);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toBe(aksnet(a, { env: one }).stdout);
    expect(two.stdout.trim().split("\n").at(-1)).toContain('"src":"fd00::1"');
    expect(two.stderr).not.toContain("threads");
  });

  it("a broken line late in the file: the same located error, exit 2", () => {
    const f = join(dir, "broken.csv");
    writeFileSync(f, lines.join("\n") + "\n10.0.0.1,10.0.0.300,tcp,1,80\n");
    const a = ["iptables", "flows", "--rules", RULES, "--flows", f, "--mode", "kube-proxy-test"];
    const two = aksnet(a), single = aksnet(a, { env: one });
    expect(two.code).toBe(2);
    expect(two.stderr).toBe(single.stderr);
    expect(two.stderr).toMatch(/broken\.csv:150001:10: .*bad dst address "10\.0\.0\.300"/);
    expect(two.stdout).toBe("");
  });

  it("a thread the launcher started for the command line but the command does not take: stopped, the exit code kept", () => {
    // A usage error after the launcher has started the thread (the flags read later): exit 2, at once.
    const bad = aksnet([...args, "--format", "bogus"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format must be text or json, not "bogus"');
    expect(bad.stdout).toBe("");
    // kernel mode last on the line: the launcher's guess reads the last --mode, as the parser does; no thread.
    const kernel = aksnet([...args, "--mode", "kernel"]);
    expect(kernel.code, kernel.stderr).toBe(0);
    expect(kernel.stderr).not.toContain("threads");
  });

  it("a reader that stops early (| head -1) ends it quietly", () => {
    const r = spawnSync("sh", ["-c", `node "${bundlePath}" ${args.map((a) => `'${a}'`).join(" ")} | head -1`], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n")).toHaveLength(2);
    expect(JSON.parse(r.stdout).src).toBe(lines[1].split(",")[0]);
    expect(r.stderr).not.toMatch(/error|EPIPE/i);
  });
});
