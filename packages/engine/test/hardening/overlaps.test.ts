// Overlapping pairs with a bound (issue 13, item 7): n copies of one prefix are n(n-1)/2 pairs, so
// the engine lists at most max and counts the rest, on both backends.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { backends } from "../backends.ts";


for (const [name, make] of backends) {
  describe(`overlappingPairsUpTo (${name})`, () => {
    const e = make();
    it("counts every pair and lists at most max, each a real pair, sorted", () => {
      fc.assert(fc.property(fc.array(fc.constantFrom("10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.2.0.0/16", "192.168.0.0/24", "::/0", "fd00::/8"), { maxLength: 40 }), fc.integer({ min: 0, max: 30 }), (xs, max) => {
        const all = e.overlappingPairs(xs);
        const r = e.overlappingPairsUpTo(xs, max);
        expect(r.total).toBe(all.length);
        expect(r.pairs.length).toBe(2 * Math.min(max, all.length));
        const set = new Set(all.map(([i, j]) => `${i},${j}`));
        for (let k = 0; k < r.pairs.length; k += 2) {
          expect(set.has(`${r.pairs[k]},${r.pairs[k + 1]}`)).toBe(true);
          if (k) expect(r.pairs[k - 2] * 1e6 + r.pairs[k - 1]).toBeLessThan(r.pairs[k] * 1e6 + r.pairs[k + 1]);
        }
      }), { numRuns: 150 });
    });
  });
}

describe("overlappingPairsUpTo on the wasm core: counting is not listing", () => {
  it("70,000 copies of one prefix: 2,449,965,000 pairs (past 2^31) counted, 10 listed", () => {
    const e = backends[0][1]();
    const n = 70_000;
    const r = e.overlappingPairsUpTo(Array(n).fill("10.0.0.0/8"), 10);
    expect(r.total).toBe((n * (n - 1)) / 2);
    expect(r.pairs.length).toBe(20);
  });
});

describe("overlappingPairsUpTo with no limit (--max-pairs 0): the output is sized by the pairs, not by the limit", () => {
  // The limit 2^31 - 1 once sized the output at 16 GiB: the heap wrapped and the pairs were written
  // over the input records (garbage such as /182 prefixes in the listing). 60 copies of 10.0.0.0/8
  // and 40 nested prefixes: more pairs than the first guess (4 per record + 1024).
  const xs = [...Array(60).fill("10.0.0.0/8"), ...Array.from({ length: 40 }, (_, i) => `10.${i}.0.0/16`), ...Array(30).fill("10.0.0.0/8")];
  const [[, ref], [, wasm]] = [backends.find(([n]) => n === "reference")!, backends.find(([n]) => n === "wasm")!].map(([n, m]) => [n, m()] as const);
  it("every pair, equal to the reference backend, with the input still intact", () => {
    const want = ref.overlappingPairs(xs).flat();
    for (const max of [0x7fffffff, want.length / 2, 10]) {
      const r = wasm.overlappingPairsUpTo(xs, max);
      expect(r.total).toBe(want.length / 2);
      if (max >= want.length / 2) expect(Array.from(r.pairs)).toEqual(want);
      else expect(r.pairs.length).toBe(2 * max);
    }
    expect(wasm.merge(xs).toStrings()).toEqual(["10.0.0.0/8"]);
  });
});
