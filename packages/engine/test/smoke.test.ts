import { describe, it, expect } from "vitest";
import { cidr, CidrEngine, ReferenceBackend, Prefix, Addr } from "../src/index.ts";
describe("smoke", () => {
  for (const e of [cidr(), new CidrEngine(new ReferenceBackend())]) {
    it(e.backend.name, () => {
      const r = e.parseList("10.0.0.0/24\n10.0.1.0/24\n\n10.0.0.256/8\n2001:db8::/32\n::ffff:1.2.3.4\n");
      expect(r.values.toStrings()).toEqual(["10.0.0.0/24", "10.0.1.0/24", "2001:db8::/32", "::ffff:1.2.3.4/128"]);
      expect(r.errors.map((x) => x.message)).toEqual(['input:4:8: parsePrefix("10.0.0.256/8"): IPv4 field has value >255 (at "256/8")']);
      expect(e.merge(r.values).toStrings()).toEqual(["10.0.0.0/23", "::ffff:1.2.3.4/128", "2001:db8::/32"]);
      expect(e.exclude(["10.0.0.0/16"], ["10.0.0.0/24"]).toStrings()).toEqual(["10.0.1.0/24","10.0.2.0/23","10.0.4.0/22","10.0.8.0/21","10.0.16.0/20","10.0.32.0/19","10.0.64.0/18","10.0.128.0/17"]);
      expect(e.allocate(["10.0.0.0/16"], ["10.0.0.0/24", "10.0.4.0/24"], 24, 3).map(String)).toEqual(["10.0.1.0/24","10.0.5.0/24","10.0.2.0/24"]);
      expect(e.overlappingPairs(["10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16", "10.1.2.0/24"])).toEqual([[0,1],[0,3],[1,3]]);
      const t = e.lpm([{ prefix: "10.0.0.0/8", value: 1 }, { prefix: "10.1.0.0/16", value: 2 }, { prefix: "::/0", value: 3 }]);
      expect(Array.from(t.lookupBatch(["10.1.2.3", "10.2.0.0", "11.0.0.0", "2001::1"]))).toEqual([2, 1, 0xffffffff, 3]);
      expect(t.lookup("10.1.9.9")).toBe(2);
      expect(Prefix.parse("10.1.2.3/16").masked().toString()).toBe("10.1.0.0/16");
      expect(Addr.parse("2001:0db8:0:0:0:0:0:1").toString()).toBe("2001:db8::1");
    });
  }
});
