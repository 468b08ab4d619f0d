import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { quickV4, plainV4Prefix } from "../../src/netfilter/net.ts";
import { Prefix } from "../../src/ip/prefix.ts";
import { Addr } from "../../src/ip/addr.ts";

describe("quickV4, the bulk fast path, agrees with the strict address parser", () => {
  it("on dotted quads, near-misses and junk", () => {
    const part = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom("00", "01", "007", "", "1a", "-1", "255", "256"));
    const text = fc.oneof(
      fc.array(part, { minLength: 3, maxLength: 5 }).map((p) => p.join(".")),
      fc.string({ maxLength: 16 }),
      fc.constantFrom("::1", "fd00::1", "::ffff:1.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4/32"),
    );
    fc.assert(
      fc.property(text, (t) => {
        let expected = -1;
        try {
          const a = Addr.parse(t);
          if (a.family === 4) expected = a.toNumber();
        } catch { /* invalid */ }
        // The strict parser tolerates surrounding blanks; the fast path does not (those flows
        // take the slow path, with the same answer).
        if (t !== t.trim()) expect([-1, expected]).toContain(quickV4(t));
        else expect(quickV4(t)).toBe(expected);
      }),
      { numRuns: 5000, seed: 11 },
    );
  });
});

describe("plainV4Prefix, the rule parser's fast path, agrees with the strict prefix parser", () => {
  it("on prefixes, bare addresses, near-misses and junk", () => {
    const part = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom("00", "01", "", "1a", "255", "256"));
    const bits = fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), fc.constantFrom("", "00", "08", "032", "-1", "x", "1/2"));
    const text = fc.oneof(
      fc.tuple(fc.array(part, { minLength: 3, maxLength: 5 }), fc.option(bits)).map(([p, b]) => p.join(".") + (b === null ? "" : "/" + b)),
      fc.string({ maxLength: 20 }),
      fc.constantFrom("::1/128", "fd00::/8", "10.0.0.1/8", "0.0.0.0/0", "1.2.3.4 /32", "1.2.3.4/ 32"),
    );
    fc.assert(
      fc.property(text, (t) => {
        const fast = plainV4Prefix(t);
        if (!fast) return;
        // What the fast path takes, the strict parser takes with the same network, mask and bits.
        const p = Prefix.parse(t, { allowBare: true });
        expect(p.family).toBe(4);
        const mask = p.bits === 0 ? 0 : (0xffffffff << (32 - p.bits)) >>> 0;
        expect(fast).toEqual({ family: 4, text: t, bits: p.bits, v4net: (Number(p.addr.value) & mask) >>> 0, v4mask: mask, v6net: 0n, v6mask: 0n });
      }),
      { numRuns: 5000, seed: 12 },
    );
    // And it takes the common forms.
    for (const t of ["10.0.0.0/8", "10.96.0.1/32", "10.96.0.1", "0.0.0.0/0"]) expect(plainV4Prefix(t)).toBeDefined();
  });
});
