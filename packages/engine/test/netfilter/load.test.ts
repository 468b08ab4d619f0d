// The flows loader (kube-proxy/load.ts) against the general path: wherever it reads a dump, the
// KpRules (chain by chain, rule by rule, texts in place of string ids) and the compiled program's
// outputs and protocols equal those of kpRulesOf(parseRuleset(text)); and it reads nothing the
// general path would refuse or flag (parse errors, IPv6, jumps to missing or built-in chains, loops).
import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import fc from "fast-check";
import { parseRuleset, RulesDump, traceFlowFile } from "../../src/netfilter/index.ts";
import { KpProgram, KR, NF_ABI, kpRulesOf, type KpRules } from "../../src/netfilter/kube-proxy/compile.ts";
import { kpRulesFromBytes, kpProgramFromBytes, gatherRanges } from "../../src/netfilter/kube-proxy/load.ts";
import { core } from "../../src/core/module.ts";
import { InputError } from "../../src/errors.ts";

const here = (rel: string) => new URL(rel, import.meta.url);
const fixtures = readdirSync(here("./fixtures")).filter((f) => f.endsWith(".rules"));
const bytes = (t: string) => new TextEncoder().encode(t);

/** KpRules with string ids replaced by their texts, so two producers' tables compare. */
function normalise(r: KpRules) {
  const str = (id: number) => (id ? r.strings[id - 1] : null);
  return r.chains.map((c) => ({
    table: c.table, name: c.name,
    rules: Array.from({ length: c.count }, (_, i) => {
      const w = (c.first + i) * KR.WORDS;
      const x = Array.from(r.rec.subarray(w, w + KR.WORDS)) as (number | string | null)[];
      x[KR.PROTO] = str(r.rec[w + KR.PROTO]);
      // A jump the producer resolved names its chain (CHAIN); else the compiler resolves JUMP by name.
      const chain = r.rec[w + KR.CHAIN];
      x[KR.JUMP] = chain ? r.chains[chain - 1].name : str(r.rec[w + KR.JUMP]);
      x[KR.CHAIN] = chain ? r.chains[chain - 1].table : null;
      x[KR.DNAT] = str(r.rec[w + KR.DNAT]);
      return x;
    }),
  }));
}

const REFUSED = new Set(["JumpToMissingChain", "JumpToBuiltinChain", "JumpLoop"]);

/** Dumps whose program the core built (nfKpBuild), not KpProgram's constructor. */
let builtInCore = 0;

/** "taken" when the loader read the dump (and then equals the general path), "left" when it gave it to the parser. */
function check(text: string): "taken" | "left" {
  const got = kpRulesFromBytes(bytes(text), "t.rules");
  if (!got) return "left";
  const rs = parseRuleset(text, { source: "t.rules" });
  expect(rs.family).toBe(4);
  expect(rs.issues.filter((i) => REFUSED.has(i.code))).toEqual([]);
  const want = kpRulesOf(rs);
  // A resolved jump stays in its own table (what the compiler's by-name lookup would find).
  const norm = normalise(got).map((c) => ({ ...c, rules: c.rules.map((x) => { if (x[KR.CHAIN] !== null) expect(x[KR.CHAIN]).toBe(c.table); x[KR.CHAIN] = null; return x; }) }));
  expect(norm).toStrictEqual(normalise(want));
  const a = new KpProgram(got), b = new KpProgram(want);
  expect(a.outputs).toStrictEqual(b.outputs);
  expect([...a.protoIds]).toStrictEqual([...b.protoIds]);
  expect(a.ruleCount).toBe(b.ruleCount);
  expect(a.indexedChains).toBe(b.indexedChains);
  // The compiled rule words themselves (flags, nets, protocol ids, ports, actions and their arguments).
  const words = (p: KpProgram) => Array.from(new Uint32Array(p.core.memory.buffer, p.base + NF_ABI.NF_PROG_SIZE, p.ruleCount * 12));
  expect(words(a)).toStrictEqual(words(b));
  // The program the core builds from the same bytes (nfKpBuild): KpProgram's block, word for word.
  const built = kpProgramFromBytes(bytes(text), "t.rules");
  expect(built).toBeDefined();
  expect(built!.outputs).toStrictEqual(b.outputs);
  expect([...built!.protoIds]).toStrictEqual([...b.protoIds]);
  expect(built!.indexedChains).toBe(b.indexedChains);
  expect(built!.ruleCount).toBe(b.ruleCount);
  expect(block(built!)).toStrictEqual(block(b));
  if (built!.builtInCore) builtInCore++;
  return "taken";
}

/** A program's whole block, its pointers (the header's tables, the chains' bucket tables) relative to the block. */
function block(p: KpProgram): number[] {
  const w = Array.from(new Uint32Array(p.core.memory.buffer, p.base, p.size / 4));
  const rel = (i: number) => { if (w[i]) w[i] -= p.base; };
  for (let i = 0; i < 5; i++) rel(i);
  const chains = w[1] / 4, post = w[2] / 4;
  for (let c = chains; c < post; c += NF_ABI.NF_CHAIN_SIZE / 4) rel(c + 2);
  return w;
}

describe("flows loader == parseRuleset + kpRulesOf", () => {
  it("kube-proxy's own TestTracePacket dump is read by the loader", () => {
    expect(check(readFileSync(here("./fixtures/kube-proxy-tracepacket.rules"), "utf8"))).toBe("taken");
  });

  for (const f of fixtures) {
    it(`fixture ${f} (read or left, never different)`, () => {
      const text = readFileSync(here(`./fixtures/${f}`), "utf8");
      check(text);
      check(text.replace(/\n/g, "\r\n"));
    });
  }

  it("a generated 1,000-service dump is read, odd lines (conntrack, mark, addrtype, MASQUERADE) included", async () => {
    const gen = await import(here("../../../../bench/iptables/gen.mjs").href);
    const text: string = gen.kubeProxyDump({ services: gen.scaleServices(1000, 3, 7) });
    expect(text).toMatch(/--ctstate/);
    const before = builtInCore;
    expect(check(text)).toBe("taken");
    // The core built this one's program itself (odd lines and all), not KpProgram's constructor.
    expect(builtInCore).toBe(before + 1);
    check(gen.showcase());
  });

  it("leaves to the parser what it would refuse or flag", () => {
    const head = "*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:A - [0:0]\n";
    for (const body of [
      "-A A -j MISSING", "-A A -j PREROUTING", "-A A -j A", "-A A -j KUBE-SERVICES\n-A KUBE-SERVICES -j A", "-A A -g A",
      "-A UNDECLARED -j ACCEPT", "-A A -d fd00::1/128 -j ACCEPT", "-N A", "junk",
    ]) {
      const text = `${head}${body}\nCOMMIT\n`;
      expect(kpRulesFromBytes(bytes(text)), body).toBeUndefined();
    }
    expect(kpRulesFromBytes(bytes("*nat\n:A - [0:0]\n-A A -j ACCEPT\n"))).toBeUndefined(); // no COMMIT
    // A line the core cannot split (a tab) for a chain declared only after it: the parser's RuleBeforeChain.
    expect(kpRulesFromBytes(bytes("*nat\n:A - [0:0]\n-A B -j ACCEPT\t\n:B - [0:0]\nCOMMIT\n"))).toBeUndefined();
    expect(() => parseRuleset("*nat\n:A - [0:0]\n-A B -j ACCEPT\t\n:B - [0:0]\nCOMMIT\n")).toThrow(/not declared/);
    // The same line after the declaration is read (through the parser, for its tab).
    expect(check("*nat\n:A - [0:0]\n:B - [0:0]\n-A B -j ACCEPT\t\nCOMMIT\n")).toBe("taken");
    expect(kpRulesFromBytes(bytes("\ufeff*nat\nCOMMIT\n"))).toBeUndefined(); // BOM
    expect(kpRulesFromBytes(bytes("# nothing\n"))).toBeUndefined(); // no table
    expect(kpRulesFromBytes(bytes("*nat :PREROUTING ACCEPT [0:0] COMMIT\n"))).toBeUndefined(); // one-line dump
  });

  it("the core builds the program, or leaves it to KpProgram, with the same result", () => {
    const head = "*nat\n:PREROUTING ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n";
    const built = (body: string) => {
      const before = builtInCore;
      expect(check(head + body + "COMMIT\n")).toBe("taken");
      return builtInCore > before;
    };
    // Odd lines (the parser's) among fast ones: their jumps, verdicts, DNATs and gotos.
    expect(built("-A PREROUTING -m mark --mark 0x1 -j A\n-A A -m conntrack --ctstate NEW -j REJECT\n-A A -j RETURN\n-A B -m mark --mark 1 -g A\n")).toBe(true);
    expect(built("-A PREROUTING -m mark --mark 0x1 -j DNAT --to-destination 10.0.0.1:80\n-A A -j KUBE-MARK-MASQ\n-A A -m mark --mark 1 -j KUBE-MARK-MASQ\n")).toBe(true);
    expect(built("-A PREROUTING -d 10.96.0.1/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.1:80\n-A PREROUTING -j DNAT --to-destination 10.0.0.2\n-A PREROUTING -j ACCEPT\n")).toBe(true);
    // Left to KpProgram (after the odd lines were put in the core's terms: they are read again).
    expect(built("-A PREROUTING -m mark --mark 0x1 -j A\n-A A -p UDP -j ACCEPT\n")).toBe(false);
    expect(built("-A PREROUTING -m mark --mark 0x1 -j A\n-A A -j DNAT --to-destination 10.0.0.0/24:80\n")).toBe(false);
    expect(built("-A PREROUTING -m mark --mark 0x1 -j A\n-A A -p sctp -m sctp --dport 9 -j DNAT --to-destination 10.0.0.1:9\n")).toBe(false);
    // A loop through an odd line's goto: the general parser's (it reports it).
    expect(kpProgramFromBytes(bytes(head + "-A A -j B\n-A B -m mark --mark 1 -g A\nCOMMIT\n"))).toBeUndefined();
    expect(kpProgramFromBytes(bytes(head + "-A A -j B\n-A B -j A\nCOMMIT\n"))).toBeUndefined();
  });

  it("many chains whose names differ only late or only in the middle: every jump finds its own chain", () => {
    // 3,000 chains (a hash table of 8,192 slots) named alike, each jumped to from KUBE-SERVICES,
    // and declared twice once: the duplicate is the parser's to report.
    const names = Array.from({ length: 3000 }, (_, i) => i % 2 ? `KUBE-SEP-${"A".repeat(12)}${i.toString(36).padStart(4, "0")}` : `KUBE-SVC-${i.toString(36).padStart(4, "0")}${"B".repeat(12)}`);
    const text = ["*nat", ":PREROUTING ACCEPT [0:0]", ":KUBE-SERVICES - [0:0]", ...names.map((n) => `:${n} - [0:0]`), "-A PREROUTING -j KUBE-SERVICES",
      ...names.map((n, i) => `-A KUBE-SERVICES -d 10.96.${i >> 8}.${i & 255}/32 -p tcp -m tcp --dport 80 -j ${n}`), ...names.map((n, i) => `-A ${n} -j DNAT --to-destination 10.244.${i >> 8}.${i & 255}:80`), "COMMIT", ""].join("\n");
    expect(check(text)).toBe("taken");
    const dup = text.replace(`:${names[7]} - [0:0]\n`, `:${names[7]} - [0:0]\n:${names[7]} - [0:0]\n`);
    expect(kpRulesFromBytes(bytes(dup), "t.rules")).toBeUndefined();
  });

  // Random dumps from kube-proxy rule pieces, some broken or unusual (as parse-fast.test.ts).
  const pieces = [
    "-d 10.96.0.1/32", "! -s 10.244.0.0/16", "-s 10.244.1.5/32", "-s 10.0.0.01", "-d 300.1.1.1", "-d fd00::1", "-p tcp", "-p UDP", "-p 6",
    "-p bogus", "-m tcp --dport 80", "-m udp --dport 53", "--dport 1:1024", "--dport 070", "--dport 70000", "--sport 99", "-m comment --comment \"ns/svc:p cluster IP\"",
    "-m comment --comment \"with \\\"escape\\\"\"", "-m comment --comment plain words", "-m comment --comment \"\"", "-m comment --comment \"!\"",
    "-m statistic --mode random --probability 0.33333", "-m statistic --mode nth --every 2", "-m statistic --probability 0.5", "--probability 2",
    "-m mark --mark 0x4000/0x4000", "-m conntrack --ctstate NEW", "-m addrtype --dst-type LOCAL", "-m addrtype ! --src-type LOCAL", "!", "! !", "-m", "-d",
    "\t-p tcp", "-m comment --comment \"a\"b", "COMMIT", "#", "-A", ":X - [0:0]", "-m owner --uid-owner 0", "-i eth0", "-m comment --comment \"é\"",
    "-m recent --rcheck", "-m dccp --dport 9",
    // Near misses of the words the core compares as numbers (length, first and last 8 bytes).
    "-mm tcp", "-m tcpx --dport 80", "--dportx 80", "--dpor 80", "-m statisticx --mode random", "-m statistic --probabilitx 0.5",
    "-m statistic --probabilityy 0.5", "-m statistic --modf random", "-m commentx --comment \"a\"", "-pp tcp", "-p tcq", "-m udplitf --dport 9",
  ];
  const targets = [
    "-j KUBE-SVC-A", "-j KUBE-SEP-B", "-j KUBE-MARK-MASQ", "-j ACCEPT", "-j RETURN", "-j DROP", "-j REJECT", "-j DNAT --to-destination 10.244.1.5:8080",
    "-j DNAT --to-destination 10.244.1.5", "-j DNAT --to-destination 10.244.1.5:99999", "-j DNAT --to-destination [fd00::1]:80", "-j DNAT",
    "-j MARK --or-mark 0x4000", "-j MASQUERADE --random-fully", "-j NOPE", "-j COMMIT", "-j", "-g KUBE-SVC-A", "-j CT --notrack", "-j KUBE-SVC-A extra", "",
    "-j DNATX --to-destination 10.244.1.5:80", "-j DNAT --to-destinatioN 10.244.1.5:80", "-j DNAT --to-destinationX 10.244.1.5:80", "-j ACCEPTT", "-j DRO", "-jj ACCEPT",
  ];
  const chains = ["KUBE-SERVICES", "KUBE-SVC-A", "KUBE-SEP-B", "KUBE-MARK-MASQ", "PREROUTING", "MISSING"];
  const ruleLine = fc.tuple(fc.constantFrom(...chains), fc.array(fc.constantFrom(...pieces), { maxLength: 5 }), fc.constantFrom(...targets), fc.constantFrom("", " ", "\r", "\t"), fc.boolean())
    .map(([c, ps, t, tail, counters]) => `${counters ? "[3:120] " : ""}-A ${c} ${ps.join(" ")} ${t}${tail}`.replace(/ +/g, " "));
  const chainLine = fc.constantFrom(":KUBE-SVC-A - [0:0]", ":KUBE-SEP-B - [0:0]", ":KUBE-X - [0:0]", ":PREROUTING ACCEPT [0:0]", ":KUBE-X ACCEPT [0:0]", ":KUBE-Y -", ":KUBE-Z - [1:x]", "# a comment", "", "  ");

  it("random kube-proxy-like dumps: read as the general path reads them, or left to it", () => {
    let taken = 0, runs = 0;
    builtInCore = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 4, arbitrary: ruleLine }, { weight: 1, arbitrary: chainLine }), { maxLength: 12 }), fc.boolean(), (lines, filter) => {
        const head = "*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-SVC-A - [0:0]\n:KUBE-SEP-B - [0:0]\n";
        const tail = filter ? "COMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n-A INPUT -j KUBE-SERVICES\n-A KUBE-SERVICES -d 10.96.0.9/32 -p tcp -m tcp --dport 9 -j REJECT\nCOMMIT\n" : "COMMIT\n";
        runs++;
        if (check(`${head}${lines.join("\n")}\n${tail}`) === "taken") taken++;
      }),
      { numRuns: Number(process.env.LOAD_RUNS ?? 3000) },
    );
    // The loader is not a wrapper that always gives up: it reads a good share of them; and the
    // core builds most of those programs itself.
    expect(taken / runs).toBeGreaterThan(0.1);
    expect(builtInCore).toBeGreaterThan(taken / 2);
  });
});

describe("flows refuse a dump the kernel would refuse, on every path", () => {
  const flows = new TextEncoder().encode("src,dst,proto,dport\n10.0.0.1,10.0.0.2,tcp,80\n");
  const input = () => { let done = false; return { name: "f.csv", read: (into: Uint8Array) => { if (done) return 0; done = true; into.set(flows); return flows.length; } }; };
  for (const [what, text] of [
    ["a jump loop", "*nat\n:PREROUTING ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n-A PREROUTING -j A\n-A A -j B\n-A B -j A\nCOMMIT\n"],
    ["a jump to a missing chain", "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -d 10.0.0.2/32 -j NOWHERE\nCOMMIT\n"],
  ] as const) {
    for (const mode of ["kube-proxy-test", "kernel"] as const) {
      for (const engine of ["auto", "ts"] as const) {
        it(`${what}: ${mode}, engine ${engine}`, () => {
          const dump = new RulesDump(bytes(text), "bad.rules");
          expect(() => traceFlowFile(dump, input(), { mode, engine }, () => {})).toThrow(/^bad\.rules:\d+:\d+: .*the kernel would refuse this table\); not traced$/);
        });
      }
    }
  }
});

describe("a flow file's unknown protocol is an error at its line and cell", () => {
  const dump = () => new RulesDump(bytes("*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n"), "n.rules");
  const input = (name: string, text: string) => { let done = false; const b = bytes(text); return { name, read: (into: Uint8Array) => { if (done) return 0; done = true; into.set(b); return b.length; } }; };
  it.each([
    ["f.csv", "src,dst,proto,dport\n10.0.0.1,10.0.0.2,tcp,80\n\n10.0.0.1,10.0.0.2,bogus,80\n", /^f\.csv:4:19: unknown protocol "bogus"$/],
    ["f.jsonl", '{"src":"10.0.0.1","dst":"10.0.0.2"}\n{"src":"10.0.0.1","dst":"10.0.0.2","proto":"bogus"}\n', /^f\.jsonl:2:45: unknown protocol "bogus"$/],
    ["f.csv", "src,dst,proto\n10.0.0.1,10.0.0.2,tc\u200fp\n", /^f\.csv:2:19: unknown protocol "tc\\u\{200F\}p"$/],
  ])("%s", (name, text, re) => {
    for (const mode of ["kernel", "kube-proxy-test"] as const) {
      let err: unknown;
      try { traceFlowFile(dump(), input(name, text), { mode }, () => {}); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(re);
    }
  });
});

describe("nfGather == gatherRanges (fast-check)", () => {
  it("random byte ranges, as separate start and end arrays and as interleaved pairs", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(40)), { maxLength: 30 }),
        fc.constantFrom(1, 2, 3),
        (data, picks, step) => {
          const ranges = picks.map(([a, l]) => { const s = a % data.length; return [s, Math.min(data.length, s + l)]; });
          const n = ranges.length;
          const starts = new Uint32Array(Math.max(1, n * step)), ends = new Uint32Array(Math.max(1, n * step));
          ranges.forEach(([a, b], i) => { starts[i * step] = a; ends[i * step] = b; });
          const want = gatherRanges(data, starts, ends, step, n);
          const c = core();
          const size = data.length + 16 + 8 * starts.length + want.length + 16;
          const blk = c.heap.alloc(size);
          try {
            const at = blk, st = (blk + data.length + 16 + 3) & ~3, en = st + 4 * starts.length, out = en + 4 * ends.length;
            c.u8().set(data, at);
            c.u32().set(starts, st / 4);
            c.u32().set(ends, en / 4);
            const got = c.exports.nfGather(at, st, en, step, n, out) >>> 0;
            expect(got).toBe(want.length);
            expect(Array.from(c.u8().subarray(out, out + got))).toEqual(Array.from(want));
          } finally {
            c.heap.release(blk, size);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
