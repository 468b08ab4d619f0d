// The parser's fast path (parse-fast.ts) against its general path: the same Ruleset (deep, strict
// equality) on every real fixture dump, the examples and generated dumps, and the same Ruleset or
// the same error (message, code, line, column) on random kube-proxy-like dumps with perturbations.
import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import fc from "fast-check";
import { parseRuleset, type Ruleset } from "../../src/netfilter/index.ts";
import { Scanner } from "../../src/netfilter/parse.ts";
import { fastLine, lazyStoreOf } from "../../src/netfilter/parse-fast.ts";
import { compileKernel, KernelProgram } from "../../src/netfilter/kernel/compile.ts";
import type { Chain, Table } from "../../src/netfilter/model.ts";

const here = (rel: string) => new URL(rel, import.meta.url);
const fixtures = readdirSync(here("./fixtures")).filter((f) => f.endsWith(".rules"));

type Outcome = { ok: Ruleset } | { error: { name: string; message: string; code?: string; line?: number; column?: number } };
function outcome(text: string, fast: boolean): Outcome {
  try {
    return { ok: parseRuleset(text, { source: "t.rules", fast }) };
  } catch (e) {
    const x = e as { name: string; message: string; code?: string; line?: number; column?: number };
    return { error: { name: x.name, message: x.message, code: x.code, line: x.line, column: x.column } };
  }
}
const same = (text: string) => expect(outcome(text, true)).toStrictEqual(outcome(text, false));

// Random dumps: kube-proxy rule pieces, some of them broken or unusual, on random lines.
const pieces = [
  "-d 10.96.0.1/32", "! -s 10.244.0.0/16", "-s 10.244.1.5/32", "-s 10.0.0.01", "-d 300.1.1.1", "-d fd00::1", "-p tcp", "-p UDP", "-p 6",
  "-p bogus", "-m tcp --dport 80", "-m udp --dport 53", "--dport 1:1024", "--dport 70000", "-m comment --comment \"ns/svc:p cluster IP\"",
  "-m comment --comment \"with \\\"escape\\\"\"", "-m comment --comment plain words", "-m comment --comment \"\"", "-m comment --comment \"!\"",
  "-m statistic --mode random --probability 0.33333", "-m statistic --mode nth --every 2", "--probability 2", "-m mark --mark 0x4000/0x4000",
  "-m conntrack --ctstate NEW", "-m addrtype --dst-type LOCAL", "!", "! !", "-m", "-d", "\t-p tcp", "-m comment --comment \"a\"b", "COMMIT", "#",
  "-A", ":X - [0:0]", "-m owner --uid-owner 0", "-i eth0",
];
const targets = [
  "-j KUBE-SVC-A", "-j KUBE-SEP-B", "-j KUBE-MARK-MASQ", "-j ACCEPT", "-j RETURN", "-j DROP", "-j REJECT", "-j DNAT --to-destination 10.244.1.5:8080",
  "-j DNAT --to-destination 10.244.1.5", "-j DNAT --to-destination 10.244.1.5:99999", "-j DNAT --to-destination [fd00::1]:80", "-j DNAT",
  "-j MARK --or-mark 0x4000", "-j MASQUERADE --random-fully", "-j NOPE", "-j COMMIT", "-j", "-g KUBE-SVC-A", "-j CT --notrack", "-j KUBE-SVC-A extra", "",
];
const chains = ["KUBE-SERVICES", "KUBE-SVC-A", "KUBE-SEP-B", "KUBE-MARK-MASQ", "PREROUTING", "MISSING"];
const ruleLine = fc.tuple(fc.constantFrom(...chains), fc.array(fc.constantFrom(...pieces), { maxLength: 5 }), fc.constantFrom(...targets), fc.constantFrom("", " ", "\r", "\t"))
  .map(([c, ps, t, tail]) => `-A ${c} ${ps.join(" ")} ${t}${tail}`.replace(/ +/g, " "));
const chainLine = fc.constantFrom(":KUBE-SVC-A - [0:0]", ":KUBE-SEP-B - [0:0]", ":KUBE-SVC-A - [0:0]", ":PREROUTING ACCEPT [0:0]", ":PREROUTING - [0:0]", ":KUBE-X ACCEPT [0:0]", ":KUBE-Y -", ":KUBE-Z - [1:x]", ":KUBE-W RETURN [0:0]");

describe("parser fast path == general path", () => {
  for (const f of fixtures) {
    it(`fixture ${f}`, () => {
      const text = readFileSync(here(`./fixtures/${f}`), "utf8");
      same(text);
      // CRLF line ends and trailing blanks take the same paths.
      same(text.replace(/\n/g, "\r\n"));
      same(text.replace(/\n/g, "  \n"));
    });
  }

  it("examples/iptables/kube-proxy-node.rules", () => {
    same(readFileSync(here("../../../../examples/iptables/kube-proxy-node.rules"), "utf8"));
  });

  it("generated kube-proxy dumps (1,000 services, with masq agent and NPM chains)", async () => {
    const gen = await import(here("../../../../bench/iptables/gen.mjs").href);
    const text: string = gen.kubeProxyDump({ services: gen.scaleServices(1000, 3, 7) });
    const a = parseRuleset(text, { fast: true });
    expect(a).toStrictEqual(parseRuleset(text, { fast: false }));
    expect(a.ruleCount).toBeGreaterThan(10_000);
    same(gen.showcase());
  });

  it("the fast path does take the common shapes, and leaves the others", () => {
    const text = "*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -d 10.0.0.1/32 -p tcp -m comment --comment \"x y\" -m tcp --dport 80 -j KUBE-SERVICES\nCOMMIT\n";
    const rs = parseRuleset(text, { fast: true });
    const r = rs.tables.get("nat")!.chains.get("PREROUTING")!.rules[0];
    expect(r.text).toBe('-A PREROUTING -d 10.0.0.1/32 -p tcp -m comment --comment "x y" -m tcp --dport 80 -j KUBE-SERVICES');
    expect(r.matches.map((m) => m.kind)).toEqual(["dst", "proto", "comment", "dport"]);
    expect(r.matches.map((m) => m.col)).toEqual([15, 30, 48, 71]);
    same(text);
    const takes = (line: string) => {
      const sc = new Scanner(line + "\n", "t");
      const table: Table = { name: "nat", line: 1, chains: new Map() };
      for (const c of ["PREROUTING", "KUBE-SERVICES", "KUBE-SVC-A", "KUBE-SEP-B", "KUBE-MARK-MASQ"]) table.chains.set(c, { name: c, builtin: c === "PREROUTING", policy: c === "PREROUTING" ? "ACCEPT" : undefined, packets: 0, bytes: 0, line: 1, rules: [] });
      const rs: Ruleset = { source: "t", family: 4, tables: new Map([["nat", table]]), issues: [], ruleCount: 0 };
      return sc.atLineStart() && fastLine(sc, { rs, table, familySeen: false });
    };
    for (const line of [
      '-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "ns0/svc0:p80 cluster IP" -m tcp --dport 80 -j KUBE-SVC-A',
      '-A KUBE-SVC-A ! -s 10.244.0.0/16 -d 10.96.37.18/32 -p tcp -m comment --comment "c" -m tcp --dport 5432 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-A -m comment --comment "x -> 10.244.50.114:8432" -m statistic --mode random --probability 0.33333333333 -j KUBE-SEP-B',
      '-A KUBE-SEP-B -s 10.244.200.10/32 -m comment --comment "ns43/svc8870:p9090" -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-B -p tcp -m comment --comment "ns43/svc8870:p9090" -m tcp -j DNAT --to-destination 10.244.200.10:8090',
      ":KUBE-SEP-C - [0:0]",
    ]) expect(takes(line), line).toBe(true);
    for (const line of [
      "-A KUBE-SEP-B -j MARK --or-mark 0x4000", '-A KUBE-SEP-B -m comment --comment "a\\"b" -j ACCEPT', "-A MISSING -j ACCEPT", "-A KUBE-SEP-B -p tcp",
      "-A KUBE-SEP-B -d fd00::1 -j ACCEPT", "-A KUBE-SEP-B\t-j ACCEPT", ":KUBE-SERVICES - [0:0]", ":KUBE-X ACCEPT [0:0]",
    ]) expect(takes(line), line).toBe(false);
  });


  it("random kube-proxy-like dumps: the same Ruleset or the same error", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 4, arbitrary: ruleLine }, { weight: 1, arbitrary: chainLine }), { maxLength: 12 }), fc.boolean(), (lines, oneLine) => {
        const head = "*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-SVC-A - [0:0]\n:KUBE-SEP-B - [0:0]\n";
        const body = lines.join(oneLine ? " " : "\n");
        same(`${head}${body}\nCOMMIT\n`);
      }),
      { numRuns: 3000 },
    );
  });
});

// Lazy rules (parseRuleset's lazy option): the same Ruleset once read, the same kernel program
// (word for word) compiled before anything is read, and the same errors.
const programWords = (p: KernelProgram) => {
  const q = p as unknown as { base: number; size: number; header: Uint32Array };
  const w = new Uint32Array(p.core.memory.buffer, q.base, q.size / 4);
  // Addresses inside the program (header, bucket tables) are made relative to its base.
  return { base: q.base, words: Array.from(w), header: Array.from(q.header) };
};
function sameLazy(text: string) {
  let lazy: Ruleset | undefined, eager: Ruleset | undefined, le: unknown, ee: unknown;
  try { lazy = parseRuleset(text, { source: "t.rules", lazy: true }); } catch (e) { le = (e as Error).message; }
  try { eager = parseRuleset(text, { source: "t.rules" }); } catch (e) { ee = (e as Error).message; }
  expect(le).toBe(ee);
  if (!lazy || !eager) return;
  sameProgram(lazy, eager);
  expect(lazy).toStrictEqual(eager);
}

function sameProgram(lazy: Ruleset, eager: Ruleset) {
  const pl = compileKernel(lazy), pe = compileKernel(eager);
  if (pl instanceof KernelProgram && pe instanceof KernelProgram) {
    const a = programWords(pl), b = programWords(pe);
    const d = (a.base - b.base) >>> 0;
    const rel = (x: number, y: number) => x === y || ((x - y) >>> 0) === d;
    expect(a.words.length).toBe(b.words.length);
    expect(a.words.every((x, i) => rel(x, b.words[i])) && a.header.every((x, i) => rel(x, b.header[i]))).toBe(true);
  } else expect(pl).toStrictEqual(pe);
}

describe("lazy rules == eager rules", () => {
  for (const f of fixtures) it(`fixture ${f}`, () => sameLazy(readFileSync(here(`./fixtures/${f}`), "utf8")));
  it("examples/iptables/kube-proxy-node.rules", () => sameLazy(readFileSync(here("../../../../examples/iptables/kube-proxy-node.rules"), "utf8")));
  it("generated kube-proxy dumps", async () => {
    const gen = await import(here("../../../../bench/iptables/gen.mjs").href);
    const text: string = gen.kubeProxyDump({ services: gen.scaleServices(300, 3, 7) });
    sameLazy(text);
    // Nearly every rule stays lazy (the test above would pass with none).
    const rs = parseRuleset(text, { lazy: true });
    expect(lazyStoreOf(rs)!.count).toBeGreaterThan(rs.ruleCount * 0.9);
    sameLazy(gen.showcase());
  });
  it("a chain read before the program is compiled, and one whose rules are replaced", () => {
    const text = "*nat\n:PREROUTING ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n-A PREROUTING -d 10.0.0.1/32 -p tcp -m tcp --dport 80 -j A\n-A A -m comment --comment \"x\" -j B\n-A A -j MARK --or-mark 0x4000\n-A A -j B\n-A B -p tcp -j DNAT --to-destination 10.1.0.1:80\nCOMMIT\n";
    const lazy = parseRuleset(text, { lazy: true });
    const a = lazy.tables.get("nat")!.chains.get("A")!;
    expect(a.rules.map((r) => [r.num, r.line, r.target?.kind])).toEqual([[1, 6, "jump"], [2, 7, "mark"], [3, 8, "jump"]]);
    // Compiled after one chain was read: the others still lazy, the same program.
    sameProgram(lazy, parseRuleset(text));
    expect(lazy).toStrictEqual(parseRuleset(text));
    const b = lazy.tables.get("nat")!.chains.get("B")!;
    b.rules = [];
    expect(b.rules).toEqual([]);
  });
  it("random kube-proxy-like dumps: the same Ruleset, program or error", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 4, arbitrary: ruleLine }, { weight: 1, arbitrary: chainLine }), { maxLength: 12 }), fc.boolean(), (lines, oneLine) => {
        const head = "*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-SVC-A - [0:0]\n:KUBE-SEP-B - [0:0]\n";
        sameLazy(`${head}${lines.join(oneLine ? " " : "\n")}\nCOMMIT\n`);
      }),
      { numRuns: 1500 },
    );
  });
});

// The jump-loop search (over the jump graph resolveTable builds) against a direct walk of the rules.
function loopsRef(rs: Ruleset) {
  const out: unknown[] = [];
  for (const table of rs.tables.values()) {
    const state = new Map<string, 1 | 2>();
    const path: string[] = [];
    const visit = (c: Chain): void => {
      state.set(c.name, 1);
      path.push(c.name);
      for (const r of c.rules) {
        if (r.target?.kind !== "jump") continue;
        const to = table.chains.get(r.target.chain);
        if (!to || to.builtin) continue;
        const s = state.get(to.name);
        if (s === 1) {
          const loop = [...path.slice(path.indexOf(to.name)), to.name].join(" -> ");
          out.push({ code: "JumpLoop", severity: "error", message: `jump loop: ${loop} (the kernel would refuse this table)`, line: r.line, col: r.target.col, table: table.name, chain: c.name, rule: r.num });
        } else if (s === undefined) visit(to);
      }
      path.pop();
      state.set(c.name, 2);
    };
    for (const c of table.chains.values()) if (!state.has(c.name)) visit(c);
  }
  return out;
}

describe("jump loops == a direct walk of the rules (fast-check)", () => {
  it("random chain graphs, with missing and built-in targets and gotos", () => {
    const names = ["INPUT", "A", "B", "C", "D", "E", "MISSING"];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 6 }), fc.boolean()), { maxLength: 25 }), (edges) => {
        const lines = ["*filter", ":INPUT ACCEPT [0:0]", ":A - [0:0]", ":B - [0:0]", ":C - [0:0]", ":D - [0:0]", ":E - [0:0]"];
        for (const [from, to, goto] of edges) lines.push(`-A ${names[from]} -s 10.0.0.1/32 ${goto ? "-g" : "-j"} ${names[to]}`);
        lines.push("COMMIT", "*nat", ":PREROUTING ACCEPT [0:0]", ":X - [0:0]", "-A X -j X", "-A PREROUTING -j X", "COMMIT");
        const rs = parseRuleset(lines.join("\n") + "\n");
        expect(rs.issues.filter((i) => i.code === "JumpLoop")).toStrictEqual(loopsRef(rs));
      }),
      { numRuns: 1000 },
    );
  });
});
