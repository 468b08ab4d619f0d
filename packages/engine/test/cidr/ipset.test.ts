// IPSetBuilder fuzz against a model small enough to enumerate: random adds and removes inside
// 10.0.0.0/24 (and 2001:db8::/120) checked against a 256-entry boolean array, on both backends.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { Addr, Prefix } from "../../src/index.ts";
import { backends } from "../backends.ts";

const spaces = [
  { name: "10.0.0.0/24", base: Addr.parse("10.0.0.0"), width: 32 },
  { name: "2001:db8::/120", base: Addr.parse("2001:db8::"), width: 128 },
];

const op = fc.record({
  add: fc.boolean(),
  kind: fc.constantFrom("prefix", "range", "addr"),
  a: fc.integer({ min: 0, max: 255 }),
  b: fc.integer({ min: 0, max: 255 }),
  bits: fc.integer({ min: 0, max: 8 }), // host bits: /24../32 or /120../128
});

describe.each(backends)("IPSetBuilder against a 256-address model (%s)", (_n, make) => {
  const e = make();
  for (const space of spaces) {
    it(`random add/remove inside ${space.name}`, () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
          const model = new Array<boolean>(256).fill(false);
          const b = e.builder();
          const at = (i: number) => space.base.add(i)!;
          for (const o of ops) {
            let lo: number, hi: number;
            if (o.kind === "prefix") {
              const size = 1 << o.bits;
              lo = o.a & ~(size - 1);
              hi = lo + size - 1;
              const p = Prefix.of(at(o.a), space.width - o.bits); // written with host bits: the builder masks
              o.add ? b.add(p) : b.remove(p);
            } else if (o.kind === "range") {
              lo = Math.min(o.a, o.b);
              hi = Math.max(o.a, o.b);
              o.add ? b.addRange(at(lo), at(hi)) : b.removeRange(at(lo), at(hi));
            } else {
              lo = hi = o.a;
              o.add ? b.add(at(o.a)) : b.remove(at(o.a));
            }
            for (let i = lo; i <= hi; i++) model[i] = o.add;
          }
          const set = b.build();
          for (let i = 0; i < 256; i++) expect(set.contains(at(i)), `address ${i}`).toBe(model[i]);
          expect(set.size).toBe(BigInt(model.filter(Boolean).length));
          // Stored as sorted, non-overlapping, non-adjacent ranges.
          const r = set.ranges.toArray();
          for (let k = 1; k < r.length; k++) expect(r[k].first.value > r[k - 1].last.value + 1n).toBe(true);
          // The prefix list covers the same addresses.
          expect(e.set(set.prefixes()).equals(set)).toBe(true);
        }),
        { numRuns: 200 },
      );
    });
  }

  it("takeFreePrefix is best fit and returns the rest", () => {
    const vnet = e.set(["10.0.0.0/16"]).difference(["10.0.0.0/24", "10.0.2.0/24"]);
    const t = vnet.takeFreePrefix(24)!;
    expect(t.prefix.toString()).toBe("10.0.1.0/24");
    expect(t.rest.contains(Prefix.parse("10.0.1.0/24"))).toBe(false);
    expect(t.rest.size).toBe(vnet.size - 256n);
    expect(e.set(["10.0.0.0/30"]).takeFreePrefix(29)).toBeUndefined();
  });

  it("union, intersection, overlaps and contains of prefixes", () => {
    const a = e.set(["10.0.0.0/24", "2001:db8::/64"]);
    const b = e.set(["10.0.0.128/25", "10.0.1.0/24"]);
    expect(a.union(b).toString()).toBe("10.0.0.0/23, 2001:db8::/64");
    expect(a.intersection(b).toString()).toBe("10.0.0.128/25");
    expect(a.overlaps(b)).toBe(true);
    expect(a.overlaps(["10.0.2.0/24"])).toBe(false);
    expect(a.contains(Prefix.parse("10.0.0.0/25"))).toBe(true);
    expect(a.contains(Prefix.parse("10.0.0.0/23"))).toBe(false);
    expect(a.contains(Addr.parse("2001:db8::ffff"))).toBe(true);
    expect(e.set(["::/0"]).size).toBe(1n << 128n);
    expect(e.set(["0.0.0.0/0", "::/0"]).prefixes().toStrings()).toEqual(["0.0.0.0/0", "::/0"]);
  });
});
