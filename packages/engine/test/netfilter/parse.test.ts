import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { parseRuleset, lintRuleset, getChain, type Ruleset } from "../../src/netfilter/index.ts";
import { ParseError } from "../../src/errors.ts";

const fixture = (f: string) => readFileSync(new URL(`./fixtures/${f}`, import.meta.url), "utf8");
const load = (f: string) => parseRuleset(fixture(f), { source: f });
const rulesPerTable = (rs: Ruleset) =>
  Object.fromEntries([...rs.tables.values()].map((t) => [t.name, [...t.chains.values()].reduce((n, c) => n + c.rules.length, 0)]));
const codes = (rs: Ruleset) => {
  const out: Record<string, number> = {};
  for (const f of lintRuleset(rs)) out[f.code] = (out[f.code] ?? 0) + 1;
  return out;
};

describe("real iptables-save dumps", () => {
  const pins: [string, Record<string, number>, Record<string, number>][] = [
    ["B-aks-npm-v2.rules", { mangle: 0, nat: 226, filter: 41, security: 3 }, { UnusedChain: 7, ShadowedRule: 2, UnknownIpset: 9, UnknownMatch: 1 }],
    ["B-aks-npm-v1-oneline.rules", { mangle: 0, nat: 231, security: 3, filter: 48 }, { UnusedChain: 7, ShadowedRule: 2, UnknownMatch: 1, UnknownIpset: 9 }],
    ["B-aks-npm-filter-2021.rules", { filter: 80 }, { UnusedChain: 2, UnknownIpset: 36, ShadowedRule: 4 }],
    ["B-calico-fv-kubeproxy-docker-2019.rules", { filter: 25, nat: 19 }, { UnusedChain: 6, RuleWithoutTarget: 1 }],
    ["B-calico-fv-felix-only-2025.rules", { raw: 13, nat: 8, filter: 26, mangle: 10 }, { UnknownTarget: 2, UnknownMatch: 2 }],
    ["kube-proxy-tracepacket.rules", { filter: 16, nat: 54 }, { UnusedChain: 2, RuleWithoutTarget: 1 }],
  ];
  for (const [file, tables, lint] of pins) {
    it(`${file}: tables, rule counts and lint findings`, () => {
      const rs = load(file);
      expect(rulesPerTable(rs)).toEqual(tables);
      expect(codes(rs)).toEqual(lint);
      expect(rs.family).toBe(4);
    });
  }

  it("reports what is not modelled by line and column", () => {
    const at = (f: string) => lintRuleset(load(f)).filter((x) => ["UnknownMatch", "UnknownTarget", "RuleWithoutTarget"].includes(x.code)).map((x) => `${x.line}:${x.col} ${x.code}`);
    expect(at("B-aks-npm-v2.rules")).toEqual(["408:47 UnknownMatch"]); // -m owner --uid-owner 0
    expect(at("B-aks-npm-v1-oneline.rules")).toEqual(["1:35061 UnknownMatch"]); // the same rule, on the one line
    expect(at("B-calico-fv-felix-only-2025.rules")).toEqual(["14:91 UnknownTarget", "17:95 UnknownTarget", "20:108 UnknownMatch", "20:120 UnknownMatch"]);
    expect(at("B-calico-fv-kubeproxy-docker-2019.rules")).toEqual(["76:1 RuleWithoutTarget"]);
    const owner = lintRuleset(load("B-aks-npm-v2.rules")).find((x) => x.code === "UnknownMatch")!;
    expect(owner.message).toContain("-m owner --uid-owner 0");
    expect(owner.path).toBe("security/OUTPUT#2");
  });

  it("the flattened one-line dump reads like its multi-line sibling", () => {
    const one = load("B-aks-npm-v1-oneline.rules");
    const chain = getChain(one, "nat", "IP-MASQ-AGENT")!;
    expect(chain.rules.map((r) => r.text)).toEqual([
      '-A IP-MASQ-AGENT -d 10.224.0.0/12 -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN',
      '-A IP-MASQ-AGENT -d 10.224.0.0/16 -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN',
      '-A IP-MASQ-AGENT -d 10.0.0.0/16 -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN',
      '-A IP-MASQ-AGENT -m comment --comment "ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)" -j MASQUERADE',
    ]);
    expect(new Set(chain.rules.map((r) => r.line))).toEqual(new Set([1]));
    expect(one.tables.get("filter")!.chains.get("FORWARD")!.policy).toBe("ACCEPT");
  });

  it("reads the quirks: negated set match, ! --ctstate DNAT, goto, wildcards, two comments, multiport", () => {
    const npm = load("B-aks-npm-filter-2021.rules");
    const negSet = [...npm.tables.get("filter")!.chains.values()].flatMap((c) => c.rules).flatMap((r) => r.matches).find((m) => m.kind === "set" && m.neg);
    expect(negSet).toMatchObject({ kind: "set", neg: true, dirs: ["dst"] });
    const felix = load("B-calico-fv-felix-only-2025.rules");
    const input = getChain(felix, "filter", "cali-INPUT")!.rules;
    expect(input[0].matches.filter((m) => m.kind === "comment").map((m) => (m as { text: string }).text)).toEqual(["cali:EDCNTTxYfggApx8C", "Drop IPv4 VXLAN packets from non-allowed hosts"]);
    expect(input[0].matches.find((m) => m.kind === "multiport")).toMatchObject({ which: "dports", ranges: [[4789, 4789]] });
    expect(input[1].target).toMatchObject({ kind: "jump", chain: "cali-wl-to-host", goto: true });
    expect(input[1].matches[0]).toMatchObject({ kind: "inIface", name: "cali+" });
    const ct = getChain(felix, "filter", "cali-OUTPUT")!.rules[3].matches.find((m) => m.kind === "ctstate");
    expect(ct).toMatchObject({ neg: true, states: ["DNAT"] });
    const v2 = load("B-aks-npm-v2.rules");
    const masq = getChain(v2, "nat", "KUBE-POSTROUTING")!.rules[2].target;
    expect(masq).toMatchObject({ kind: "masquerade", randomFully: true });
    const stat = getChain(v2, "nat", "KUBE-SVC-TCOU7JCQXEZGVUNU")!.rules[0].matches.find((m) => m.kind === "statistic");
    expect(stat).toMatchObject({ mode: "random", probability: 0.5 });
  });
});

describe("bad dumps: an error with line and column", () => {
  const err = (text: string): ParseError => {
    try {
      parseRuleset(text, { source: "bad.rules" });
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      return e as ParseError;
    }
    throw new Error("expected a ParseError");
  };

  it("missing COMMIT at the end", () => {
    const e = err("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j ACCEPT\n");
    expect(e.code).toBe("MissingCommit");
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/^bad\.rules:4:1: .*COMMIT is missing/);
  });

  it("missing COMMIT before the next table", () => {
    const e = err("*nat\n:PREROUTING ACCEPT [0:0]\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n");
    expect([e.code, e.line, e.column]).toEqual(["MissingCommit", 3, 1]);
  });

  it("rule before its chain", () => {
    const e = err("*filter\n:INPUT ACCEPT [0:0]\n-A KUBE-FORWARD -j ACCEPT\nCOMMIT\n");
    expect([e.code, e.line, e.column]).toEqual(["RuleBeforeChain", 3, 4]);
    expect(e.message).toContain("KUBE-FORWARD");
  });

  it("unterminated quote", () => {
    const e = err('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment "open -j ACCEPT\nCOMMIT\n');
    expect([e.code, e.line, e.column]).toEqual(["UnterminatedQuote", 3, 31]);
  });

  it("bad address, bad port, bad policy, restore-only commands", () => {
    expect(err("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.256/8 -j DROP\nCOMMIT\n")).toMatchObject({ line: 3, column: 13 });
    expect(err("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 99999 -j DROP\nCOMMIT\n")).toMatchObject({ code: "BadPort", line: 3, column: 25 });
    expect(err("*filter\n:INPUT MAYBE [0:0]\nCOMMIT\n")).toMatchObject({ code: "BadChainPolicy", line: 2, column: 8 });
    expect(err("*filter\n-N FOO\nCOMMIT\n")).toMatchObject({ code: "NotSaveFormat", line: 2, column: 1 });
  });

  it("100 MB of junk fails at once, on its first token", () => {
    const junk = "x".repeat(1 << 20).repeat(100);
    const e = err(junk);
    expect([e.code, e.line, e.column]).toEqual(["UnexpectedToken", 1, 1]);
    const lines = ("hello world ".repeat(10) + "\n").repeat(1 << 20);
    expect(err(lines)).toMatchObject({ line: 1, column: 1 });
    expect(err("\u0000\u0001binary")).toMatchObject({ code: "BinaryData", line: 1, column: 1 });
    // 100 MB of blank lines and spaces: no table, said at once, without a line table in memory.
    expect(() => parseRuleset("\n".repeat(50 << 20) + " ".repeat(50 << 20))).toThrow(/no "\*table" found/);
  });

  it("an empty input is not a dump", () => {
    expect(() => parseRuleset("# nothing here\n")).toThrow(/no "\*table" found/);
  });
});

describe("what the kernel would refuse", () => {
  it("reports jumps to missing chains, to built-in chains, and jump loops", () => {
    const rs = parseRuleset([
      "*filter", ":INPUT ACCEPT [0:0]", ":A - [0:0]", ":B - [0:0]",
      "-A INPUT -j A", "-A INPUT -j NOPE", "-A A -j B", "-A B -p tcp -j A", "-A B -j INPUT", "COMMIT", "",
    ].join("\n"));
    const f = lintRuleset(rs).filter((x) => x.severity === "error").map((x) => `${x.line}:${x.code}`);
    expect(f).toEqual(["6:JumpToMissingChain", "8:JumpLoop", "9:JumpToBuiltinChain"]);
    expect(lintRuleset(rs).find((x) => x.code === "JumpLoop")!.message).toContain("A -> B -> A");
  });

  it("finds unreachable and shadowed rules", () => {
    const rs = parseRuleset([
      "*filter", ":INPUT ACCEPT [0:0]", ":C - [0:0]",
      "-A INPUT -j C",
      "-A C -s 10.0.0.0/8 -p tcp -j DROP",
      "-A C -s 10.1.0.0/16 -p tcp --dport 80 -j ACCEPT",
      "-A C -s 10.1.0.0/16 -p udp -j ACCEPT",
      "-A C -m comment --comment everything -j RETURN",
      "-A C -j ACCEPT",
      "COMMIT", "",
    ].join("\n"));
    const f = lintRuleset(rs).map((x) => `${x.line}:${x.code}:${x.path}`);
    expect(f).toEqual(["6:ShadowedRule:filter/C#2", "9:UnreachableRule:filter/C#5"]);
  });
});
