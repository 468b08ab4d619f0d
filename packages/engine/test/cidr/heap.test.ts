import { describe, it, expect } from "vitest";
import { WasmBackend, CidrEngine, PrefixBatch } from "../../src/cidr/index.ts";
import { WasmHeap } from "../../src/core/heap.ts";

describe("WasmHeap", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const heap = new WasmHeap(memory, 1024, (top) => {
    const need = Math.ceil(top / 65536) - memory.buffer.byteLength / 65536;
    if (need > 0) memory.grow(need);
  });

  it("reuses freed blocks first-fit and coalesces neighbours", () => {
    const a = heap.alloc(100), b = heap.alloc(100), c = heap.alloc(100);
    expect([a % 16, b - a, c - b]).toEqual([0, 112, 112]);
    heap.release(b, 100);
    expect(heap.alloc(50)).toBe(b);
    heap.release(a, 100);
    heap.release(b, 50);
    // a and b's first 64 bytes are one free block now; the rest of b is another, then merged.
    expect(heap.alloc(160)).toBe(a);
    heap.release(a, 160);
    heap.release(c, 100);
    expect(heap.freeBytes).toBe(heap.extent - a);
    expect(heap.alloc(300)).toBe(a);
  });

  it("enlarge moves a block's first bytes into a bigger one and frees the old", () => {
    const a = heap.alloc(64);
    new Uint8Array(memory.buffer).set([1, 2, 3, 4, 5], a);
    const b = heap.enlarge(a, 64, 4, 4096);
    expect(b).not.toBe(a);
    expect([...new Uint8Array(memory.buffer, b, 4)]).toEqual([1, 2, 3, 4]);
    // The old block is free again: the next small block takes it.
    expect(heap.alloc(64)).toBe(a);
    expect(() => heap.enlarge(b, 4096, 5000, 8192)).toThrow(RangeError);
  });

  it("grows memory past the first page", () => {
    const p = heap.alloc(1 << 20);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(p + (1 << 20));
  });
});

describe("resident batches", () => {
  it("keep their records when a later call grows memory (views are refreshed)", () => {
    const be = new WasmBackend();
    const e = new CidrEngine(be);
    const small = e.parseList("10.0.0.0/24\n10.0.1.0/24").values;
    expect(small.home?.memory).toBe(be.exports.memory);
    const before = be.exports.memory.buffer.byteLength;
    const big = e.parseList(Array.from({ length: 200_000 }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32`).join("\n")).values;
    expect(be.exports.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(small.toStrings()).toEqual(["10.0.0.0/24", "10.0.1.0/24"]);
    expect(big.length).toBe(200_000);
    // Verbs read resident batches in place, and a copy is JS-owned.
    expect(e.merge(small).toStrings()).toEqual(["10.0.0.0/23"]);
    const copy = small.copy();
    expect(copy.home).toBeUndefined();
    expect(copy.toStrings()).toEqual(small.toStrings());
  });

  it("dispose returns the block, and the heap reuses it", () => {
    const be = new WasmBackend();
    const e = new CidrEngine(be);
    const a = e.parseList("10.0.0.0/8\n".repeat(1000)).records;
    const ptr = a.home!.ptr;
    a.dispose();
    a.dispose(); // twice is harmless
    const b = e.parseList("10.0.0.0/8\n".repeat(1000)).records;
    expect(b.home!.ptr).toBe(ptr);
    expect(PrefixBatch.from([]).length).toBe(0);
  });
});

describe("resident() and output buffers", () => {
  it("a JS batch moved into the core gives the same answers, read in place", () => {
    const be = new WasmBackend();
    const e = new CidrEngine(be);
    const nets = PrefixBatch.fromV4Numbers([0x0a000000, 0x0a000000, 0xc0a80000], 8);
    const addrs = PrefixBatch.fromV4Numbers([0x0a010203, 0x0b000000, 0xc0ffffff]);
    const r = e.resident(nets);
    expect(r.home?.memory).toBe(be.exports.memory);
    expect(e.resident(r)).toBe(r);
    const out = new Uint8Array(3).fill(9);
    expect(e.contains(r, addrs, out)).toBe(out);
    expect(Array.from(out)).toEqual([1, 0, 1]);
    expect(Array.from(e.contains(nets, addrs))).toEqual([1, 0, 1]);
    expect(() => e.contains(r, addrs, new Uint8Array(2))).toThrow(/output holds 2 results, 3 needed/);
  });
});

describe("building batches", () => {
  it("fromV4Numbers takes one length or one per record, and payload values; withValues copies", () => {
    const b = PrefixBatch.fromV4Numbers([0x0a000000, 0xc0a80100], [8, 24], [7, 9]);
    expect(b.toStrings()).toEqual(["10.0.0.0/8", "192.168.1.0/24"]);
    expect([b.value(0), b.value(1)]).toEqual([7, 9]);
    const c = b.withValues([1, 2]);
    expect([c.value(0), c.value(1), b.value(0)]).toEqual([1, 2, 7]);
    expect(c.toStrings()).toEqual(b.toStrings());
    expect(PrefixBatch.fromV4Numbers([0x0a000001]).toStrings(true)).toEqual(["10.0.0.1"]);
  });
});
