// Bytes in: chunked reading into the core. Every case is checked against parsing the whole text
// at once (parseList), at chunk sizes that put the boundary everywhere.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  CidrEngine, ReferenceBackend, WasmBackend, PrefixBatch, bytesInput, readPrefixes, mergeInputs, mergeBatch,
  type ByteInput,
} from "../../src/cidr/index.ts";
import { ABI } from "../../src/core/abi.ts";
import { anyPrefix, v4prefix, damagedText } from "./gen.ts";

const wasm = new CidrEngine(new WasmBackend());
const ref = new CidrEngine(new ReferenceBackend());
const enc = new TextEncoder();

/** A reader that hands out at most `step` bytes per call (a pipe), over the bytes. */
function trickle(name: string, bytes: Uint8Array, step: number): ByteInput {
  let at = 0;
  return {
    name, lines: true,
    read(into) {
      const n = Math.min(into.length, step, bytes.length - at);
      into.set(bytes.subarray(at, at + n));
      at += n;
      return n;
    },
  };
}

/** The records of a batch without the fields chunking may not change (all of them: value, line...). */
const recs = (b: PrefixBatch) => Array.from(b.bytes.subarray(0, b.length * ABI.REC_SIZE));

function expectSameAsWhole(text: string | Uint8Array, chunkBytes: number, step = 1 << 30) {
  const bytes = typeof text === "string" ? enc.encode(text) : text;
  const whole = wasm.parseList(bytes, { source: "f" });
  const got = readPrefixes([trickle("f", bytes, step)], { chunkBytes });
  expect(got.errorCount).toBe(whole.errorCount);
  expect(got.errors.map((e) => e.message)).toEqual(whole.errors.map((e) => e.message));
  expect(recs(got.values)).toEqual(recs(whole.values));
  return got;
}

const sizes = [4, 5, 6, 7, 8, 11, 13, 16, 17, 31, 64, 1 << 20];

describe("bytes in: chunk boundaries", () => {
  it("a line split across two chunks", () => {
    const text = "10.0.0.0/8\n192.168.100.0/24\n2001:db8:abcd::/48\n";
    for (const n of sizes) expectSameAsWhole(text, n);
    // The boundary inside the second line: 11 bytes of line 1, then 5 of line 2.
    const r = expectSameAsWhole(text, 16);
    expect(r.values.toStrings()).toEqual(["10.0.0.0/8", "192.168.100.0/24", "2001:db8:abcd::/48"]);
    expect([r.values.line(0), r.values.line(1), r.values.line(2)]).toEqual([1, 2, 3]);
  });

  it("CRLF split across chunks: \\r at a chunk end, \\n at the next start", () => {
    const text = "10.0.0.0/8\r\n10.1.0.0/16\r\n10.2.0.0/16\r\n";
    // "10.0.0.0/8\r" is 11 bytes: a chunk of 11 ends on the "\r".
    for (const n of [11, 12, 13, ...sizes]) {
      const r = expectSameAsWhole(text, n);
      expect(r.values.toStrings()).toEqual(["10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16"]);
    }
  });

  it("skips a UTF-8 byte order mark at the start of the input", () => {
    const body = "10.0.0.0/8\n10.1.0.0/16\n";
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode(body)]);
    for (const n of [4, 5, 14, 1 << 20]) {
      const r = readPrefixes([trickle("f", withBom, 1 << 30)], { chunkBytes: n });
      expect(r.errorCount).toBe(0);
      expect(recs(r.values)).toEqual(recs(wasm.parseList(body).values));
    }
    // Only at the start: a BOM inside the text is an error on its line.
    const later = readPrefixes([bytesInput("f", new Uint8Array([...enc.encode("10.0.0.0/8\n"), 0xef, 0xbb, 0xbf, ...enc.encode("10.1.0.0/16\n")]), true)]);
    expect(later.errorCount).toBe(1);
    expect(later.errors[0].line).toBe(2);
  });

  it("a file exactly one chunk long, with and without the final newline", () => {
    const text = "10.0.0.0/8\n10.1.0.0/16\n";
    expectSameAsWhole(text, text.length);
    expectSameAsWhole(text.slice(0, -1), text.length - 1);
    expectSameAsWhole(text, text.length - 1);
    expectSameAsWhole(text, text.length + 1);
  });

  it("an empty file, a file of blank lines and comments", () => {
    const r = readPrefixes([bytesInput("f", "", true)]);
    expect([r.values.length, r.errorCount, r.sources[0].count]).toEqual([0, 0, 0]);
    for (const n of sizes) expectSameAsWhole("\n\n# only a comment\n   \n", n);
  });

  it("no final newline", () => {
    for (const n of sizes) {
      const r = expectSameAsWhole("10.0.0.0/8\n10.1.0.0/16", n);
      expect(r.values.toStrings()).toEqual(["10.0.0.0/8", "10.1.0.0/16"]);
    }
  });

  it("errors are located at the right line and column after a chunk boundary", () => {
    const text = "10.0.0.0/8\n10.0.0.0/8\n\n10.0.0.256/8\n# c\n2001:db8::g/64\n10.0.0.0/33";
    for (const n of sizes) {
      const r = expectSameAsWhole(text, n);
      expect(r.errors.map((e) => [e.line, e.column])).toEqual([[4, 8], [6, 11], [7, 10]]);
      expect(r.errors[0].message).toBe('f:4:8: parsePrefix("10.0.0.256/8"): IPv4 field has value >255 (at "256/8")');
    }
  });

  it("a line longer than the chunk grows the chunk", () => {
    const text = "10.0.0.0/8\n" + " ".repeat(300) + "10.1.0.0/16\n10.2.0.0/16\n";
    for (const n of [4, 16, 64]) expectSameAsWhole(text, n);
  });

  it("readers that return a few bytes at a time (pipes)", () => {
    const text = "10.0.0.0/8\n192.168.1.0/24\n::/0\n";
    for (const step of [1, 2, 3, 7]) for (const n of [4, 8, 64]) expectSameAsWhole(text, n, step);
  });

  it("property: any list, any chunk size, any read size, the same records and errors as the whole text", () => {
    const line = fc.oneof(anyPrefix.map(String), damagedText, fc.constantFrom("", "# comment", "  10.0.0.1  ", "\r"));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.boolean(), fc.boolean(), fc.integer({ min: 4, max: 200 }), fc.integer({ min: 1, max: 300 }), (lines, crlf, finalNl, chunk, step) => {
        const text = lines.join(crlf ? "\r\n" : "\n") + (finalNl ? "\n" : "");
        expectSameAsWhole(text, chunk, step);
      }),
      { numRuns: 300 },
    );
  });

  it("several inputs: spans say where each input's values start", () => {
    const r = readPrefixes([bytesInput("a", "10.0.0.0/8\n\n10.1.0.0/16\n", true), bytesInput("argument 2", "192.168.0.0/16")], { chunkBytes: 8 });
    expect(r.sources).toEqual([
      { name: "a", lines: true, start: 0, count: 2 },
      { name: "argument 2", lines: false, start: 2, count: 1 },
    ]);
    expect([r.values.line(0), r.values.line(1), r.values.line(2)]).toEqual([1, 3, 1]);
  });
});

describe("streamed merge", () => {
  const refMerge = (ps: string[]) => ref.merge(ref.parseStrict(ps.join("\n"))).toStrings();

  it("property: chunked, folded merge == the reference merge", () => {
    fc.assert(
      fc.property(fc.array(anyPrefix.map(String), { maxLength: 60 }), fc.integer({ min: 4, max: 100 }), fc.integer({ min: 1, max: 20 }), (ps, chunk, foldAt) => {
        const r = mergeInputs([bytesInput("f", ps.join("\n"), true)], { chunkBytes: chunk, foldAt });
        expect(r.errorCount).toBe(0);
        expect(r.count).toBe(ps.length);
        expect(r.merged.prefixes().toStrings()).toEqual(refMerge(ps));
        r.merged.dispose();
      }),
      { numRuns: 300 },
    );
  });

  it("property: IPv4 only, dense, with folds (the u64 key path and its union)", () => {
    fc.assert(
      fc.property(fc.array(v4prefix.map(String), { maxLength: 200 }), fc.integer({ min: 1, max: 50 }), (ps, foldAt) => {
        const r = mergeInputs([bytesInput("f", ps.join("\n"))], { chunkBytes: 64, foldAt });
        expect(r.merged.ranges().toArray().map((x) => `${x.first}-${x.last}`)).toEqual(
          ref.backend.ranges(ref.parseStrict(ps.join("\n"))).toArray().map((x) => `${x.first}-${x.last}`),
        );
        r.merged.dispose();
      }),
      { numRuns: 200 },
    );
  });

  it("the edges of the IPv4 space: 0.0.0.0/0, 255.255.255.255/32, adjacency at the top", () => {
    for (const ps of [["0.0.0.0/0", "10.0.0.0/8"], ["255.255.255.255/32", "255.255.255.254/32"], ["128.0.0.0/1", "0.0.0.0/1"], ["0.0.0.0/32"]]) {
      expect(mergeBatch(wasm.parseStrict(ps.join("\n"))).prefixes().toStrings()).toEqual(refMerge(ps));
    }
  });

  it("bad lines are counted and located; good lines still merge", () => {
    const r = mergeInputs([bytesInput("f", "10.0.0.0/25\nnope\n10.0.0.128/25\n", true)], { chunkBytes: 6 });
    expect(r.errorCount).toBe(1);
    expect(r.errors[0].message).toMatch(/^f:2:1: /);
    expect(r.merged.prefixes().toStrings()).toEqual(["10.0.0.0/24"]);
  });
});
