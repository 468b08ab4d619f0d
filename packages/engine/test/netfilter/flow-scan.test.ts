// The flow scanner (bytes into columns) against the readable reader (parseFlows on the decoded
// text): the same flows, or the same error (code, line, column, message), on edge cases and on
// random files; and the bytes written for a kube-proxy-test batch against flowJsonLine.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import {
  parseFlows, scanFlows, columnsToFlows, parseRuleset, traceColumns, traceFlowsTs, writeJsonl, flowJsonLine, traceKubeProxyCsv, RulesDump, type Flow,
} from "../../src/netfilter/index.ts";
import { core } from "../../src/core/module.ts";
import { ParseError, InputError } from "../../src/errors.ts";
import { countLf } from "../../src/netfilter/flow-scan.ts";

const enc = new TextEncoder();
// As the CLI read files before (readFileSync(path, "utf8")): a BOM is kept.
const dec = new TextDecoder("utf-8", { ignoreBOM: true });

type Outcome = { flows: Flow[] } | { error: { name: string; code: string; message: string; line?: number; column: number } };

function outcome(fn: () => Flow[]): Outcome {
  try {
    return { flows: fn() };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return { error: { name: e.name, code: e.code, message: e.message, line: e.line, column: e.column } };
  }
}

/** Both readers on one file (bytes); returns the common outcome. */
function same(bytes: Uint8Array, source = "flows.csv"): Outcome {
  const ref = outcome(() => parseFlows(dec.decode(bytes), { source }));
  const got = outcome(() => columnsToFlows(scanFlows(bytes, { source })));
  expect(got).toEqual(ref);
  return ref;
}
const sameText = (text: string, source?: string) => same(enc.encode(text), source);

const HEAD = "src,dst,proto,sport,dport,in_iface\n";
const ROW = "10.244.1.9,10.0.0.10,udp,40000,53,azv1";

describe("flow scanner: edge cases agree with parseFlows", () => {
  it("CRLF line ends, and a lone CR inside a cell", () => {
    const r = sameText(HEAD.replace("\n", "\r\n") + ROW + "\r\n" + ROW + "\r\n");
    expect("flows" in r && r.flows).toHaveLength(2);
    sameText(HEAD + "10.244.1.9,10.0.0.10,udp\r,40000,53\n");
  });

  it("a BOM before the header (CSV) and before a JSON line", () => {
    const r = same(new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode(HEAD + ROW + "\n")]));
    expect("flows" in r && r.flows[0]).toMatchObject({ src: "10.244.1.9", dport: 53, inIface: "azv1" });
    const j = same(new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('{"src":"10.0.0.1","dst":"10.0.0.2"}\n')]), "f.jsonl");
    expect("error" in j && j.error.code).toBe("BadJson");
  });

  it("no final newline, an empty file, a header only, blank and comment lines", () => {
    expect(sameText(HEAD + ROW)).toMatchObject({ flows: [{ src: "10.244.1.9" }] });
    expect(sameText("")).toEqual({ flows: [] });
    expect(same(new Uint8Array(0), "<stdin>")).toEqual({ flows: [] });
    expect(sameText(HEAD)).toEqual({ flows: [] });
    expect(sameText(HEAD.trim())).toEqual({ flows: [] });
    expect(sameText("\n\n# a comment\n  \t\n" + HEAD + "   # indented comment\n\n" + ROW + "\n\n")).toMatchObject({ flows: [{ dst: "10.0.0.10" }] });
  });

  it("whitespace and empty cells, extra and repeated columns, columns in another order", () => {
    sameText(HEAD + " 10.244.1.9 ,\t10.0.0.10\t, udp ,  , 53 , \n");
    sameText("dport,dst,extra,src,src\n80,10.0.0.1,whatever,10.0.0.2,10.0.0.3\n443,10.0.0.1,,10.0.0.2,\n");
    sameText("Source,Destination,Protocol,In-Iface,out_iface\n10.0.0.1,10.0.0.2,TCP,eth0,eth1\n10.0.0.1,10.0.0.2,,,\n");
    sameText(HEAD + "10.244.1.9,10.0.0.10,udp,40000,53,azv1,more,cells,than,the,header\n");
  });

  it("quoted cells are taken as today: quotes are part of the value", () => {
    const r = sameText(HEAD + '"10.244.1.9",10.0.0.10,udp,1,2\n');
    expect("error" in r && r.error.code).toBe("BadAddress");
    sameText(HEAD + '10.244.1.9,10.0.0.10,"udp",1,2,"azv1"\n');
  });

  it("IPv6, non-canonical IPv4 and non-ASCII rows go to the per-line reader", () => {
    sameText(HEAD + "fd00::1,fd00::2,tcp,1,80\n" + ROW + "\n");
    sameText(HEAD + "10.0.0.1,10.0.0.2,tcp,1,80,eth\u00e9\n");
    sameText(HEAD + "10.0.0.1,10.0.0.2,tcp,1,80\u00a0\n");
    sameText(HEAD + "\u00a0\n" + ROW + "\n");
  });

  it("errors: bad header, bad port, bad address, missing src, with the same line and column", () => {
    for (const text of [
      "a,b,c\n" + ROW,
      HEAD + ROW + "\n10.0.0.1,10.0.0.2,tcp,99999,80\n",
      HEAD + "10.0.0.1,10.0.0.2,tcp,1,0x50\n",
      HEAD + "10.0.0.1,10.0.0.256,tcp,1,80\n",
      HEAD + "10.0.0.1,010.0.0.2,tcp,1,80\n",
      HEAD + ",10.0.0.2,tcp,1,80\n",
      HEAD + "10.0.0.1\n",
    ]) {
      const r = sameText(text);
      expect("error" in r, text).toBe(true);
    }
  });

  it("JSON Lines, by name and sniffed", () => {
    const j = '{"src":"10.0.0.1","dst":"10.0.0.2","dport":80}\r\n\n# c\n{"src":"10.0.0.1","dst":"fd00::2","inIface":"eth0"}';
    expect(same(enc.encode(j), "f.jsonl")).toMatchObject({ flows: [{ dport: 80 }, { inIface: "eth0" }] });
    same(enc.encode("  " + j), "<stdin>");
    same(enc.encode('{"src":"10.0.0.1","dst":"10.0.0.2","dport":"x"}'), "f.ndjson");
    same(enc.encode('{"src":"10.0.0.1",'), "f.jsonl");
  });

  it("a line of 30,000 commas is read in linear time (the reader no longer re-splits per cell)", () => {
    const cells = Array.from({ length: 30_000 }, (_, i) => (i === 0 ? "10.0.0.1" : i === 1 ? "10.0.0.2" : ""));
    const header = ["src", "dst", ...Array.from({ length: 29_998 }, (_, i) => (i === 29_997 ? "dport" : "x"))].join(",");
    const r = sameText(header + "\n" + cells.join(",") + "\n" + cells.slice(0, -1).join(",") + ",bad\n");
    expect("error" in r && r.error).toMatchObject({ line: 3, code: "BadFlow" });
    expect("error" in r && r.error.column).toBe(cells.slice(0, -1).join(",").length + 2);
  });
});

const CELLS = ["10.0.0.1", "10.244.1.9", "192.0.2.1", "fd00::1", "10.0.0.256", "01.2.3.4", "", " ", "tcp", "UDP", "sctp", "icmp", "6", "80", "65535", "65536", "0080", "-1", "eth0", "azv1", '"q"', "#", "\r", "\t53 ", "é", "x y"];
const HEADERS = ["src", "dst", "proto", "sport", "dport", "in_iface", "out-iface", "Source", "DST", "other", ""];

describe("flow scanner: random files agree with parseFlows (fast-check)", () => {
  it("CSV", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...HEADERS), { minLength: 1, maxLength: 7 }),
        fc.array(fc.array(fc.constantFrom(...CELLS), { maxLength: 8 }), { maxLength: 12 }),
        fc.constantFrom("\n", "\r\n"),
        fc.boolean(),
        (header, rows, nl, finalNl) => {
          const h = ["src", "dst", ...header].join(",");
          const text = [h, ...rows.map((r) => r.join(","))].join(nl) + (finalNl ? nl : "");
          sameText(text);
          sameText(text, "<stdin>");
        },
      ),
      { numRuns: 400 },
    );
  });

  it("cells of digits and dots around the 16-byte reads (addresses, ports, long cells, the end of the file)", () => {
    // The core reads a cell from one 16-byte load where 16 bytes remain, byte by byte near the end:
    // near-miss addresses (leading zeros, 4-digit octets, 3 or 5 dots, 15-16 byte runs) on both sides.
    const digitsDots = fc.array(fc.constantFrom("0", "1", "2", "5", "9", "25", "255", "256", "00", "."), { maxLength: 9 }).map((a) => a.join(""));
    const octet = fc.nat(255).map(String);
    const nearOctet = fc.constantFrom("00", "01", "010", "256", "999", "1000", "");
    const quad = fc.array(octet, { minLength: 4, maxLength: 4 }).map((a) => a.join("."));
    // One octet off, or one octet too many or too few.
    const nearQuad = fc.tuple(fc.array(octet, { minLength: 3, maxLength: 5 }), fc.nat(4), fc.option(nearOctet)).map(([os, k, bad]) => {
      if (bad !== null) os[k % os.length] = bad;
      return os.join(".");
    });
    const port = fc.nat(65535).map(String);
    const nearPort = fc.constantFrom("", "0", "00080", "123456", "65535", "65536", "99999", "1.2", "8a");
    const proto = fc.constantFrom("tcp", "udp", "", "TCP");
    const nearProto = fc.oneof(fc.constantFrom("a-very-long-protocol-name", "sixteen-bytes-xx", "fifteen-bytes-x", 'q"', "x y", "é", "\t", "t\rp"), fc.string({ maxLength: 20 }));
    const valid = [quad, quad, proto, port, port, fc.constantFrom("", "eth0", "an-interface-name-of-20")] as const;
    const near = [fc.oneof(nearQuad, digitsDots), fc.oneof(nearQuad, digitsDots), nearProto, fc.oneof(nearPort, digitsDots), fc.oneof(nearPort, digitsDots), nearProto] as const;
    // A valid row with at most one cell replaced by a near miss.
    const row = fc.tuple(fc.tuple(...valid), fc.nat(6), fc.integer({ min: 0, max: 5 }).chain((k) => near[k].map((v) => [k, v] as const))).map(([cells, pick, [k, v]]) => {
      const r: string[] = [...cells];
      if (pick < 6) r[k] = v;
      return r.join(",");
    });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 8 }), fc.constantFrom("\n", "\r\n"), fc.boolean(), (rows, nl, finalNl) => {
        const head = HEAD.replace("\n", nl);
        // Each row on its own (the first bad row decides a file's outcome): followed by a full row
        // (its cells read 16 bytes at a time), and last in the file (byte by byte).
        for (const r of rows) {
          sameText(head + r + nl + ROW + nl);
          sameText(head + r + (finalNl ? nl : ""));
        }
        sameText(head + rows.join(nl) + (finalNl ? nl : ""));
      }),
      { numRuns: 400 },
    );
  });

  it("CSV of valid rows only (the scanner's own path)", () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((t) => t.join("."));
    const row = fc.tuple(v4, v4, fc.constantFrom("tcp", "udp", "", "sctp"), fc.option(fc.nat(65535)), fc.option(fc.nat(65535)), fc.constantFrom("", "eth0", "azv1"));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), (rows) => {
        const text = HEAD + rows.map(([s, d, p, sp, dp, i]) => [s, d, p, sp ?? "", dp ?? "", i].join(",")).join("\n");
        sameText(text);
      }),
      { numRuns: 200 },
    );
  });
});

describe("flow results written as bytes == flowJsonLine (fast-check)", () => {
  const RULES = new URL("../../../../examples/iptables/kube-proxy-node.rules", import.meta.url);
  const rs = parseRuleset(readFileSync(RULES, "utf8"), { source: "kube-proxy-node.rules" });
  const addrs = ["10.244.1.9", "10.224.0.77", "10.0.0.10", "10.0.12.34", "20.50.60.70", "10.224.0.4", "192.0.2.1", "10.0.20.5", "10.244.1.20", "93.184.216.34"];
  const flow = fc.record({
    src: fc.constantFrom(...addrs), dst: fc.constantFrom(...addrs), proto: fc.constantFrom("tcp", "udp", "", "TCP", "sctp"),
    sport: fc.option(fc.nat(65535)), dport: fc.option(fc.constantFrom(53, 80, 443, 30080, 8080, 9)),
  });
  const collect = (f: (sink: (c: Uint8Array) => void) => void) => {
    const parts: Uint8Array[] = [];
    f((c) => parts.push(c.slice()));
    return Buffer.concat(parts).toString("utf8");
  };

  for (const mode of ["kube-proxy-test", "kernel"] as const) {
    it(`${mode}: random flows`, () => {
      fc.assert(
        fc.property(fc.array(flow, { maxLength: 30 }), fc.constantFrom([], ["10.224.0.4"]), (fs, local) => {
          const text = HEAD + fs.map((f) => [f.src, f.dst, f.proto, f.sport ?? "", f.dport ?? "", ""].join(",")).join("\n") + "\n";
          const cols = scanFlows(enc.encode(text), { source: "f.csv" });
          const opts = { mode, local: [...local], nodeIp: local[0] };
          const r = traceColumns(rs, cols, opts);
          expect(r.engine).toBe("wasm");
          // Both modes stay in the core's memory from the columns to the bytes.
          expect(r.kind).toBe(mode === "kube-proxy-test" ? "kube-proxy-batch" : "kernel-batch");
          const flows = parseFlows(text, { source: "f.csv" });
          const ref = traceFlowsTs(rs, flows, opts);
          const want = flows.map((f, i) => flowJsonLine(f, ref[i]) + "\n").join("");
          expect(collect((sink) => writeJsonl(cols, r, sink))).toBe(want);
        }),
        { numRuns: 60 },
      );
    });
  }

  it("kube-proxy-test resident end to end (traceKubeProxyCsv) == columns, tracer and reference lines", () => {
    const dump = new RulesDump(new Uint8Array(readFileSync(RULES)), "kube-proxy-node.rules");
    const odd = fc.constantFrom("", "# note", "  10.244.1.9 , 10.0.0.10 ,udp,1,53", "10.244.1.9,10.0.0.10,Tcp,1,80\r", "fd00::1,fd00::2,tcp,1,80");
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 5, arbitrary: flow.map((f) => [f.src, f.dst, f.proto, f.sport ?? "", f.dport ?? "", ""].join(",")) }, { weight: 1, arbitrary: odd }), { maxLength: 30 }), (lines) => {
        const text = HEAD + lines.join("\n") + "\n";
        const bytes = enc.encode(text);
        const got = collect((sink) => {
          let inputDone = 0;
          const r = traceKubeProxyCsv(dump, bytes, "f.csv", { mode: "kube-proxy-test" }, sink, () => inputDone++);
          // The input is let go only by a run that will not hand it back to the general path.
          expect(inputDone).toBe(r ? 1 : 0);
          if (!r) sink(enc.encode("(not resident)"));
          else expect(r.n).toBe(parseFlows(text, { source: "f.csv" }).length);
        });
        const flows = parseFlows(text, { source: "f.csv" });
        // IPv6 rows leave the resident path (the TypeScript tracer takes them).
        if (flows.some((f) => f.src.includes(":"))) {
          expect(got).toBe("(not resident)");
          return;
        }
        const ref = traceFlowsTs(rs, flows, { mode: "kube-proxy-test" });
        expect(got).toBe(flows.map((f, i) => flowJsonLine(f, ref[i]) + "\n").join(""));
      }),
      { numRuns: 200 },
    );
    // JSON Lines are not scanned into resident columns.
    expect(traceKubeProxyCsv(dump, enc.encode('{"src":"10.244.1.9","dst":"10.0.0.10"}\n'), "f.jsonl", { mode: "kube-proxy-test" }, () => {})).toBeUndefined();
  });

  it("kernel mode: a flow the core leaves to the TypeScript tracer (too many choices) is written in its place", () => {
    // 300 probabilistic rules in a row: a path through all of them holds more choices than the core keeps.
    const rules = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"];
    for (let k = 0; k < 300; k++) rules.push(`-A FORWARD -d 10.9.0.0/16 -m statistic --mode random --probability 0.5 -j ${k % 2 ? "ACCEPT" : "DROP"}`);
    rules.push("COMMIT");
    const many = parseRuleset(rules.join("\n") + "\n", { source: "many.rules" });
    const text = HEAD + ["10.244.1.9,10.9.1.1,tcp,1,80", "10.244.1.9,10.0.0.10,udp,2,53", "10.244.1.9,10.9.2.2,tcp,3,443"].join("\n") + "\n";
    const cols = scanFlows(enc.encode(text), { source: "f.csv" });
    const opts = { mode: "kernel" as const, maxAlternatives: 1000 };
    const r = traceColumns(many, cols, opts);
    expect(r.kind).toBe("kernel-batch");
    if (r.kind === "kernel-batch") expect([...r.traced.keys()]).toEqual([0, 2]);
    const flows = parseFlows(text, { source: "f.csv" });
    const ref = traceFlowsTs(many, flows, opts);
    expect(collect((sink) => writeJsonl(cols, r, sink))).toBe(flows.map((f, i) => flowJsonLine(f, ref[i]) + "\n").join(""));
  });

  it("a batch larger than one output chunk is split across writes and still equal", () => {
    const n = 20_000;
    const rows = Array.from({ length: n }, (_, i) => `10.244.${(i >> 8) & 255}.${i & 255},10.0.12.34,tcp,${i % 65536},80`);
    const text = "src,dst,proto,sport,dport\n" + rows.join("\n");
    const cols = scanFlows(enc.encode(text), { source: "f.csv" });
    const r = traceColumns(rs, cols, { mode: "kube-proxy-test" });
    const chunks: number[] = [];
    const got = collect((sink) => writeJsonl(cols, r, (c) => { chunks.push(c.length); sink(c); }));
    expect(chunks.length).toBeGreaterThan(1);
    const flows = parseFlows(text, { source: "f.csv" });
    const ref = traceFlowsTs(rs, flows, { mode: "kube-proxy-test" });
    expect(got).toBe(flows.map((f, i) => flowJsonLine(f, ref[i]) + "\n").join(""));
  });
});

describe("countLf, the core's nfCountLf (the row bound of the CSV scan) and nfDumpCounts (the dump loader's) == byte-at-a-time counts (fast-check)", () => {
  it("any bytes, any start, any offset into the buffer", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(8), fc.nat(200), (bytes, shift, from0) => {
        // Mostly newlines and their neighbours (0x09, 0x0b, 0x8a) to stress the word test, and ":" (chain declarations).
        const mixed = bytes.map((b) => [10, 9, 11, 0x8a, 58, 0xff, b, 10][b & 7]);
        const buf = new Uint8Array(mixed.length + shift);
        buf.set(mixed, shift);
        const s = buf.subarray(shift);
        const from = Math.min(from0, s.length);
        let want = 0;
        for (let i = from; i < s.length; i++) if (s[i] === 10) want++;
        expect(countLf(s, from)).toBe(want);
        // The core's count (nfCountLf, 16 bytes at a time) on the same bytes in its memory.
        const c = core();
        const at = c.heap.alloc(Math.max(16, s.length - from));
        try {
          c.u8().set(s.subarray(from), at);
          expect(c.exports.nfCountLf(at, s.length - from)).toBe(want);
          // And nfDumpCounts: line feeds, lines that start with ":", a byte with its top bit set.
          const t = s.subarray(from);
          const out = c.heap.alloc(16);
          try {
            c.exports.nfDumpCounts(at, t.length, out);
            const decls = t.reduce((n, b, i) => n + (b === 58 && (i === 0 || t[i - 1] === 10) ? 1 : 0), 0);
            expect([...c.u32().subarray(out / 4, out / 4 + 3)]).toEqual([want, decls, t.some((b) => b >= 0x80) ? 1 : 0]);
          } finally {
            c.heap.release(out, 16);
          }
        } finally {
          c.heap.release(at, Math.max(16, s.length - from));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("flow scanner: its 16-bit name ids are a bound of the input", () => {
  it("more than 65,535 distinct interface names is an InputError naming the file, not a bug", () => {
    const rows = ["src,dst,proto,dport,in_iface"];
    for (let i = 0; i <= 65535; i++) rows.push(`10.0.0.1,10.0.0.2,tcp,80,eth${i}`);
    const bytes = new TextEncoder().encode(rows.join("\n") + "\n");
    expect(() => scanFlows(bytes, { source: "many.csv" })).toThrow(InputError);
    expect(() => scanFlows(bytes, { source: "many.csv" })).toThrow(/^many\.csv: more than 65,535 distinct interface names$/);
    // One name fewer fits.
    const fits = new TextEncoder().encode(rows.slice(0, -1).join("\n") + "\n");
    expect(scanFlows(fits, { source: "ok.csv" }).ifaces.length).toBe(65535);
  });
});
