// Bytes out: the core's formatters (assembly/format.ts) against their TypeScript twins
// (format-ref.ts, records.ts toStrings, ip/addr.ts formatAddr) and against ip-address.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { Address6 } from "ip-address";
import {
  CidrEngine, ReferenceBackend, WasmBackend, PrefixBatch, OutputBuffer, LINES, jsonStrings, collectBytes,
  formatListRef, formatPairsRef, overlapItems, mergeBatch, readPrefixes, bytesInput, MIN_OUTPUT_BYTES,
  type ListStyle, type SourceSpan,
} from "../../src/cidr/index.ts";
import { Addr, Prefix } from "../../src/index.ts";
import { anyPrefix, v4prefix, v6prefix, v6addr } from "./gen.ts";

const wasm = new CidrEngine(new WasmBackend());
const ref = new CidrEngine(new ReferenceBackend());

function run(fn: (buf: OutputBuffer) => void, size?: number): string {
  const sink = collectBytes();
  const buf = new OutputBuffer(sink.write, undefined, size);
  fn(buf);
  buf.close();
  return sink.text();
}

const styles: [string, ListStyle][] = [["lines", LINES], ["json", jsonStrings(2)], ["odd", { first: "<", sep: "|", trail: ">\n" }]];

/** Addresses where RFC 5952 text goes wrong: ::, v4-mapped, zero runs at the start, the end, ties. */
const edgeV6 = [
  0n, 1n, (1n << 128n) - 1n, 0xffff00000000n, 0xffff0a000001n, 0xfffe0a000001n, 1n << 112n,
  0x20010db8000000000000000000000001n, 0x20010db8000000010000000000000001n, 0x20010db8000100000000000100000001n,
  0x00010000000000000000000000000000n, 0x00000000000000000000000000010000n, 0x20010db800000000000000010000ffffn,
  0x000100000001000000010000000000000n >> 4n, 0xabcd0000ef0000000000000012340000n,
  0x20010db8000000000001000000000001n,
].map((v) => Addr.fromBigInt(6, v));

describe("bytes out: prefixes", () => {
  for (const [name, style] of styles) {
    it(`property: formatPrefixes == toStrings + the list style (${name})`, () => {
      fc.assert(
        fc.property(fc.array(anyPrefix, { maxLength: 50 }), fc.boolean(), (ps, bare) => {
          const b = PrefixBatch.from(ps);
          expect(run((buf) => buf.prefixes(b, style, bare))).toBe(formatListRef(b.toStrings(bare), style));
        }),
        { numRuns: 300 },
      );
    });
  }

  it("RFC 5952 edge cases: ::, v4-mapped, leading and trailing zero groups, /0, /128, ties", () => {
    const ps = [...edgeV6.flatMap((a) => [Prefix.of(a, 0), Prefix.of(a, 64), Prefix.of(a, 128)]), Prefix.parse("0.0.0.0/0"), Prefix.parse("255.255.255.255/32")];
    const b = PrefixBatch.from(ps);
    const text = run((buf) => buf.prefixes(b, LINES));
    expect(text).toBe(formatListRef(ps.map(String), LINES));
    expect(text).toContain("::/0\n");
    expect(text).toContain("::ffff:10.0.0.1/128\n");
    expect(text).toContain("::fffe:a00:1/128\n");
    expect(text).toContain("2001:db8::1:0:0:1/128\n");
  });

  it("property: IPv6 addresses agree with ip-address's RFC 5952 form", () => {
    fc.assert(
      fc.property(fc.array(v6addr, { minLength: 1, maxLength: 20 }), (as) => {
        const text = run((buf) => buf.prefixes(PrefixBatch.from(as), LINES, true));
        const expected = as.map((a) => {
          const s = Address6.fromBigInt(a.value).correctForm();
          // ip-address leaves IPv4-mapped in hex; RFC 5952 section 5 (and formatAddr) uses dotted.
          return a.value >> 32n === 0xffffn ? a.toString() : s;
        });
        expect(text).toBe(expected.map((s) => s + "\n").join(""));
      }),
      { numRuns: 200 },
    );
  });

  it("a batch longer than the output buffer is written in several flushes, byte-identical", () => {
    const ps = fc.sample(anyPrefix, 3000);
    const b = PrefixBatch.from(ps);
    let writes = 0;
    const sink = collectBytes();
    const buf = new OutputBuffer((v) => { writes++; sink.write(v); }, undefined, MIN_OUTPUT_BYTES);
    buf.prefixes(b, jsonStrings(2));
    buf.close();
    expect(writes).toBeGreaterThan(1);
    expect(sink.text()).toBe(formatListRef(b.toStrings(), jsonStrings(2)));
  });

  it("skips records without a value and resident batches are read in place", () => {
    const parsed = wasm.parseList("10.0.0.0/8\nbad\n\n::1");
    expect(run((buf) => buf.prefixes(parsed.records, LINES, true))).toBe("10.0.0.0/8\n::1\n");
  });
});

describe("bytes out: merged ranges", () => {
  for (const [name, style] of styles) {
    it(`property: formatV4Keys/formatRanges == the reference merge's strings (${name})`, () => {
      fc.assert(
        fc.property(fc.array(fc.oneof(v4prefix, v6prefix, anyPrefix), { maxLength: 60 }), (ps) => {
          const m = mergeBatch(PrefixBatch.from(ps));
          const expected = ref.merge(PrefixBatch.from(ps)).toStrings();
          expect(run((buf) => buf.merged(m, style))).toBe(formatListRef(expected, style));
          m.dispose();
        }),
        { numRuns: 300 },
      );
    });
  }

  it("whole spaces: 0.0.0.0/0 and ::/0, and ranges that split into many blocks", () => {
    const ps = ["0.0.0.0/0", "::/0", "10.0.0.1/32"].map((s) => Prefix.parse(s));
    expect(run((buf) => buf.merged(mergeBatch(PrefixBatch.from(ps)), LINES))).toBe("0.0.0.0/0\n::/0\n");
    // 0.0.0.1 - 255.255.255.254 is 62 prefixes; ::1 - ffff:...:fffe is 254.
    const r = wasm.rangeToPrefixes(Addr.v4(1), Addr.v4(0xfffffffe));
    const r6 = wasm.rangeToPrefixes(Addr.fromBigInt(6, 1n), Addr.fromBigInt(6, (1n << 128n) - 2n));
    const m = mergeBatch(PrefixBatch.from([...r.toPrefixes(), ...r6.toPrefixes()]));
    const text = run((buf) => buf.merged(m, LINES), MIN_OUTPUT_BYTES);
    expect(text).toBe(formatListRef([...r.toStrings(), ...r6.toStrings()], LINES));
    expect(text.split("\n").length - 1).toBe(62 + 254);
  });
});

describe("bytes out: overlap pairs", () => {
  const sourcesGen = fc.array(fc.tuple(fc.constantFrom("a.txt", 'we"ird\\name', "argument 1", "<stdin>", "ü.txt"), fc.boolean(), fc.array(fc.oneof(v4prefix, v6prefix).map(String), { maxLength: 12 })), { minLength: 1, maxLength: 4 });

  for (const json of [false, true]) {
    it(`property: formatPairs == formatPairsRef (${json ? "json" : "text"})`, () => {
      fc.assert(
        fc.property(sourcesGen, (srcs) => {
          const r = readPrefixes(srcs.map(([name, lines, ps]) => bytesInput(name, ["# header", ...ps].join("\n"), lines)));
          const pairs = wasm.backend.overlappingPairs(r.values);
          const got = run((buf) => buf.pairs(pairs, r.values, r.sources, json));
          expect(got).toBe(formatPairsRef(pairs, r.values, r.sources, json));
          if (json && pairs.length) {
            expect(JSON.parse(`[${got}]`)).toEqual(overlapItems(pairs, r.values, r.sources));
          }
        }),
        { numRuns: 200 },
      );
    });
  }

  it("origins: file:line for files, the name alone for arguments; relations by length", () => {
    const sources: SourceSpan[] = [{ name: "f.txt", lines: true, start: 0, count: 2 }, { name: "argument 2", lines: false, start: 2, count: 1 }];
    const r = readPrefixes([bytesInput("f.txt", "\n10.0.0.0/8\n10.1.0.0/16\n", true), bytesInput("argument 2", "10.0.0.0/8")]);
    expect(r.sources).toEqual(sources);
    const pairs = wasm.backend.overlappingPairs(r.values);
    expect(run((buf) => buf.pairs(pairs, r.values, r.sources, false))).toBe(
      "10.0.0.0/8 (f.txt:2) contains 10.1.0.0/16 (f.txt:3)\n" +
      "10.0.0.0/8 (f.txt:2) is the same range as 10.0.0.0/8 (argument 2)\n" +
      "10.1.0.0/16 (f.txt:3) is inside 10.0.0.0/8 (argument 2)\n",
    );
  });
});

describe("sortPairs (wasm) == sortPairs (TypeScript twin)", () => {
  it("property: random index pairs sort by i, then j", async () => {
    const { core } = await import("../../src/core/module.ts");
    const { sortPairs } = await import("../../src/cidr/backend.ts");
    const c = core();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(fc.nat(40), fc.nat(0xffffffff)), fc.oneof(fc.nat(40), fc.nat(0xffffffff))), { maxLength: 300 }), (ps) => {
        const flat = Uint32Array.from(ps.flat());
        const k = ps.length;
        const p = c.heap.alloc(Math.max(16, k * 8));
        const sb = c.exports.pairSortScratchBytes(k);
        const scratch = c.heap.alloc(sb);
        c.u8().set(new Uint8Array(flat.buffer), p);
        const at = c.exports.sortPairs(p, k, scratch) >>> 0;
        const got = new Uint32Array(c.u8().slice(at, at + k * 8).buffer);
        c.heap.release(p, Math.max(16, k * 8));
        c.heap.release(scratch, sb);
        expect(Array.from(got)).toEqual(Array.from(sortPairs(flat.slice())));
      }),
      { numRuns: 200 },
    );
  });

  it("putDec: line numbers of every length in origins", () => {
    const lines = ["10.0.0.0/8", ...Array.from({ length: 1200 }, () => "")];
    const r = readPrefixes([bytesInput("f", [...lines, "10.1.0.0/16"].join("\n"), true)]);
    const pairs = wasm.backend.overlappingPairs(r.values);
    expect(run((buf) => buf.pairs(pairs, r.values, r.sources, false))).toBe("10.0.0.0/8 (f:1) contains 10.1.0.0/16 (f:1202)\n");
    for (const n of [9, 10, 99, 100, 999, 1000, 12345, 999999, 1000000, 4294967295]) {
      const b = PrefixBatch.from([Prefix.parse("10.0.0.0/8"), Prefix.parse("10.0.0.0/9")]);
      const bytes = b.bytes.slice();
      new DataView(bytes.buffer).setUint32(32 + 28, n, true);
      const withLine = new PrefixBatch(bytes, 2);
      expect(run((buf) => buf.pairs(Uint32Array.from([0, 1]), withLine, [{ name: "f", lines: true, start: 0, count: 2 }], false))).toBe(`10.0.0.0/8 (f:0) contains 10.0.0.0/9 (f:${n})\n`);
    }
  });
});
