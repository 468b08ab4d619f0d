import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { groupDigits } from "../src/text.ts";

describe("groupDigits", () => {
  it("writes what toLocaleString('en-US') writes, for every integer", () => {
    fc.assert(fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, 999, 1000, -1000, 999999, 1000000)), (n) => {
      expect(groupDigits(n)).toBe(n.toLocaleString("en-US"));
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 130n), max: 2n ** 130n }), (n) => {
      expect(groupDigits(n)).toBe(n.toLocaleString("en-US"));
    }), { numRuns: 500 });
  });
  it("groups a /0 IPv6 size", () => {
    expect(groupDigits(2n ** 128n)).toBe("340,282,366,920,938,463,463,374,607,431,768,211,456");
  });
});
