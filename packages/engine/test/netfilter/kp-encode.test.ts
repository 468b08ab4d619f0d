// The core's per-flow loops between the scan, the evaluation and the formatter (nfKpEncode,
// nfKpMaxCount in packages/wasm/assembly/netfilter_kp_encode.ts) against their readable twins
// (kpEncodeRows, kpMaxCount in kube-proxy/compile.ts), on random columns and results.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { core } from "../../src/core/module.ts";
import { kpEncodeRows, kpMaxCount } from "../../src/netfilter/kube-proxy/compile.ts";
import { escapedTexts } from "../../src/netfilter/jsonl.ts";

/** Typed arrays copied into the core's heap; returns each one's address and a release. */
function inHeap(arrays: (Uint32Array | Int32Array | Uint16Array)[]): { at: number[]; release: () => void } {
  const c = core();
  const blocks = arrays.map((a) => [c.heap.alloc(Math.max(16, a.byteLength)), Math.max(16, a.byteLength)] as const);
  arrays.forEach((a, i) => new Uint8Array(c.memory.buffer, blocks[i][0], a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)));
  return { at: blocks.map((b) => b[0]), release: () => blocks.forEach(([p, n]) => c.heap.release(p, n)) };
}

describe("nfKpEncode == kpEncodeRows, nfKpMaxCount == kpMaxCount", () => {
  it("random columns: the same flow records", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: -1, max: 6 }), fc.integer({ min: -1, max: 65535 })), { maxLength: 200 }), (nProtos, rows) => {
        const n = rows.length;
        const src = Uint32Array.from(rows, (r) => r[0]), dst = Uint32Array.from(rows, (r) => r[1]);
        // A column id below nProtos, or none (0xffff).
        const proto = Uint16Array.from(rows, (r) => (r[2] < 0 || r[2] >= nProtos ? 0xffff : r[2]));
        const dport = Int32Array.from(rows, (r) => r[3]);
        const ids = Uint32Array.from({ length: nProtos + 1 }, (_, i) => (i * 7 + 3) % 0xfffe);
        const want = kpEncodeRows(src, dst, proto, dport, ids, nProtos);
        const c = core();
        const h = inHeap([src, dst, proto, dport, ids]);
        const out = c.heap.alloc(Math.max(16, n * 16));
        try {
          c.exports.nfKpEncode(h.at[0], h.at[1], h.at[2], h.at[3], n, h.at[4], nProtos, out);
          expect(Array.from(new Uint32Array(c.memory.buffer, out, n * 4))).toStrictEqual(Array.from(want));
        } finally {
          c.heap.release(out, Math.max(16, n * 16));
          h.release();
        }
      }),
      { numRuns: 300 },
    );
  });

  it("random results: the same widest output count", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 1 })), { maxLength: 200 }), (rows) => {
        const res = Uint32Array.from(rows.flat());
        const h = inHeap([res]);
        try {
          expect(core().exports.nfKpMaxCount(h.at[0], rows.length) >>> 0).toBe(kpMaxCount(res));
        } finally {
          h.release();
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("escapedTexts: each text as JSON.stringify writes it inside its quotes", () => {
  it("plain and unusual texts (quotes, backslashes, controls, non-ASCII)", () => {
    const text = fc.oneof(fc.constantFrom("ACCEPT", "10.244.1.5:8080", "", "REJECT"), fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }));
    fc.assert(
      fc.property(fc.array(text, { maxLength: 20 }), (texts) => {
        const { bytes, spans, longest } = escapedTexts(texts);
        let most = 0;
        texts.forEach((t, k) => {
          const want = new TextEncoder().encode(JSON.stringify(t).slice(1, -1));
          const got = bytes.subarray(spans[2 * k], spans[2 * k] + spans[2 * k + 1]);
          expect(Array.from(got)).toStrictEqual(Array.from(want));
          most = Math.max(most, want.length);
        });
        expect(longest).toBe(most);
      }),
      { numRuns: 500 },
    );
  });
});
