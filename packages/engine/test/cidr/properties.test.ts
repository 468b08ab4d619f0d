// Property tests: the wasm core against the reference backend (byte-identical records) and
// against ip-address, an independent library, on random IPv4 and IPv6 inputs.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { Address4, Address6 } from "ip-address";
import { CidrEngine, ReferenceBackend, WasmBackend, PrefixBatch } from "../../src/cidr/index.ts";
import { Prefix, Addr } from "../../src/index.ts";
import { anyPrefix, v4prefix, v6prefix, v4addr, v6addr, textForms, damagedText } from "./gen.ts";

const wasm = new CidrEngine(new WasmBackend());
const ref = new CidrEngine(new ReferenceBackend());
const RUNS = { numRuns: 300 };
const same = (a: PrefixBatch, b: PrefixBatch) => expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
const lib = (p: Prefix) => (p.family === 4 ? new Address4(p.toString()) : new Address6(p.toString()));
const list = fc.array(anyPrefix, { minLength: 0, maxLength: 60 });

describe("wasm core = reference backend", () => {
  it("parse: identical records for valid text forms and damaged text", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyPrefix.map((p) => fc.sample(fc.constantFrom(...textForms(p)), 1)[0]), damagedText), { maxLength: 30 }), (lines) => {
        const text = lines.join("\n");
        same(wasm.backend.parse(text, 0), ref.backend.parse(text, 0));
        same(wasm.backend.parse(text, 1), ref.backend.parse(text, 1));
      }),
      RUNS,
    );
  });

  it("masked, first, last", () => {
    fc.assert(
      fc.property(list, (ps) => {
        const b = PrefixBatch.from(ps);
        same(wasm.masked(b), ref.masked(b));
        same(wasm.firstAddresses(b), ref.firstAddresses(b));
        same(wasm.lastAddresses(b), ref.lastAddresses(b));
      }),
      RUNS,
    );
  });

  it("contains and overlaps, pairwise and broadcast", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyPrefix, anyPrefix), { maxLength: 60 }), (pairs) => {
        const a = PrefixBatch.from(pairs.map((p) => p[0]));
        const b = PrefixBatch.from(pairs.map((p) => p[1]));
        expect(Array.from(wasm.contains(a, b))).toEqual(Array.from(ref.contains(a, b)));
        expect(Array.from(wasm.overlaps(a, b))).toEqual(Array.from(ref.overlaps(a, b)));
        if (pairs.length) {
          const one = PrefixBatch.from([pairs[0][0]]);
          expect(Array.from(wasm.contains(one, b))).toEqual(Array.from(ref.contains(one, b)));
        }
      }),
      RUNS,
    );
  });

  it("merge, exclude, intersect", () => {
    fc.assert(
      fc.property(list, list, (xs, ys) => {
        same(wasm.merge(xs), ref.merge(xs));
        same(wasm.exclude(xs, ys), ref.exclude(xs, ys));
        same(wasm.intersect(xs, ys), ref.intersect(xs, ys));
      }),
      RUNS,
    );
  });

  it("all overlapping pairs", () => {
    fc.assert(fc.property(list, (xs) => { expect(wasm.overlappingPairs(xs)).toEqual(ref.overlappingPairs(xs)); }), RUNS);
  });

  it("longest-prefix match", () => {
    fc.assert(
      fc.property(list, fc.array(fc.oneof(v4addr, v6addr), { maxLength: 40 }), (xs, addrs) => {
        const entries = xs.map((prefix, value) => ({ prefix, value }));
        const probe = [...addrs, ...xs.map((p) => p.first), ...xs.map((p) => p.last)];
        const w = wasm.lpm(entries).lookupBatch(probe);
        const r = ref.lpm(entries).lookupBatch(probe);
        expect(Array.from(w)).toEqual(Array.from(r));
        const t = wasm.lpm(entries);
        probe.forEach((a, i) => expect(t.lookup(a) ?? 0xffffffff).toBe(w[i]));
      }),
      RUNS,
    );
  });

  it("best-fit allocation", () => {
    fc.assert(
      fc.property(fc.array(v4prefix, { minLength: 1, maxLength: 6 }), fc.array(v4prefix, { maxLength: 20 }), fc.integer({ min: 8, max: 32 }), fc.integer({ min: 1, max: 12 }), (space, used, bits, count) => {
        const w = wasm.allocate(space, used, bits, count, 4);
        expect(w.map(String)).toEqual(ref.allocate(space, used, bits, count, 4).map(String));
        // Every allocation is inside the space, outside used, and disjoint from the others.
        const free = wasm.set(space).difference(used);
        for (const p of w) expect(free.contains(p)).toBe(true);
        expect(wasm.overlappingPairs(w)).toEqual([]);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.array(v6prefix, { minLength: 1, maxLength: 4 }), fc.array(v6prefix, { maxLength: 10 }), fc.integer({ min: 0, max: 128 }), (space, used, bits) => {
        expect(wasm.allocate(space, used, bits, 3, 6).map(String)).toEqual(ref.allocate(space, used, bits, 3, 6).map(String));
      }),
      RUNS,
    );
  });
});

describe("against ip-address", () => {
  it("parses every text form to the same value and length", () => {
    fc.assert(
      fc.property(anyPrefix, (p) => {
        for (const t of textForms(p)) {
          const mine = wasm.parseStrict(t).get(0)!;
          const theirs = lib(Prefix.parse(t));
          expect(mine.addr.value).toBe(theirs.bigInt());
          expect(mine.bits).toBe(theirs.subnetMask);
        }
      }),
      RUNS,
    );
  });

  it("first, last and contains agree", () => {
    fc.assert(
      fc.property(fc.oneof(fc.tuple(v4prefix, v4addr), fc.tuple(v6prefix, v6addr)), ([p, a]) => {
        const theirs = lib(p);
        expect(wasm.firstAddresses([p]).addrValue(0)).toBe(theirs.startAddress().bigInt());
        expect(wasm.lastAddresses([p]).addrValue(0)).toBe(theirs.endAddress().bigInt());
        const addrLib = p.family === 4 ? new Address4(a.toString()) : new Address6(a.toString());
        expect(wasm.contains([p], [a])[0] === 1).toBe(addrLib.isInSubnet(theirs as never));
        // The first and last address are always inside.
        expect(Array.from(wasm.contains([p], [p.first, p.last]))).toEqual([1, 1]);
      }),
      RUNS,
    );
  });

  it("the merged list covers exactly the input addresses (sampled)", () => {
    fc.assert(
      fc.property(list, fc.array(fc.oneof(v4addr, v6addr), { maxLength: 30 }), (xs, probes) => {
        const merged = wasm.merge(xs).toPrefixes();
        const candidates = [...probes, ...xs.flatMap((p) => [p.first, p.last, p.first.prev(), p.last.next()]).filter((a): a is Addr => !!a)];
        for (const a of candidates) {
          const inInput = xs.some((p) => lib(p) && (a.family === p.family) && (a.family === 4 ? new Address4(a.toString()).isInSubnet(lib(p) as Address4) : new Address6(a.toString()).isInSubnet(lib(p) as Address6)));
          expect(merged.some((m) => m.contains(a))).toBe(inInput);
        }
        // Minimal: no two merged prefixes overlap, and no two adjacent siblings remain.
        expect(wasm.overlappingPairs(merged)).toEqual([]);
      }),
      RUNS,
    );
  });
});
