// The WebAssembly backend of the CIDR verbs, on the thread's one core instance (core/module.ts).
// Temporaries of a call come from the core's heap and go back when the call ends; views over
// memory.buffer are re-created after anything that may grow memory, because growth detaches them.
import { ABI } from "../core/abi.ts";
import { core, type Core, type CoreExports } from "../core/module.ts";
import type { WasmHeap } from "../core/heap.ts";
import { PrefixBatch, RangeBatch } from "./records.ts";
import type { Backend, LpmHandle } from "./backend.ts";
import { mergeBatch, prefixSetOp } from "./merged.ts";

const R = ABI.REC_SIZE;
const RS = ABI.RANGE_SIZE;
const encoder = new TextEncoder();
const hasBuffer = typeof Buffer !== "undefined";
/** parseLines reads up to 32 bytes past the sentinel (SIMD loads). */
const SIMD_PAD = 32;

/** Temporary blocks of one call, all released when the call ends. */
class Scope {
  private blocks: [number, number][] = [];
  constructor(private readonly heap: WasmHeap) {}
  alloc(bytes: number): number {
    const p = this.heap.alloc(bytes);
    this.blocks.push([p, bytes]);
    return p;
  }
  close(): void {
    for (const [p, b] of this.blocks) this.heap.release(p, b);
    this.blocks = [];
  }
}

interface WasmLpm extends LpmHandle {
  readonly ptr: number;
}

export class WasmBackend implements Backend {
  readonly name = "wasm" as const;
  readonly exports: CoreExports;
  readonly heap: WasmHeap;

  readonly core: Core;

  constructor(c: Core = core()) {
    this.core = c;
    this.exports = c.exports;
    this.heap = c.heap;
  }

  /** A fresh view of all of linear memory (views go stale when memory grows). */
  u8(): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer);
  }

  private run<T>(fn: (scope: Scope) => T): T {
    const scope = new Scope(this.heap);
    try {
      return fn(scope);
    } finally {
      scope.close();
    }
  }

  /** Pointer to the batch's records in linear memory: in place when resident here, else a copy. */
  private input(scope: Scope, b: PrefixBatch | RangeBatch): number {
    if (b instanceof PrefixBatch && b.home?.memory === this.exports.memory) return b.home.ptr;
    const bytes = b.bytes.subarray(0, b.length * (b instanceof PrefixBatch ? R : RS));
    const p = scope.alloc(bytes.length);
    this.u8().set(bytes, p);
    return p;
  }

  /** n records at src (a temporary) become a resident batch in a block of their own. */
  private keep(src: number, n: number): PrefixBatch {
    const bytes = n * R;
    const ptr = this.heap.alloc(bytes);
    this.u8().copyWithin(ptr, src, src + bytes);
    return this.own(ptr, n);
  }

  /** The block at ptr (allocated for exactly n records) becomes a resident batch. */
  private own(ptr: number, n: number): PrefixBatch {
    let released = false;
    const home = {
      memory: this.exports.memory,
      ptr,
      release: () => {
        if (!released) { released = true; this.heap.disown(batch, ptr, n * R); }
      },
    };
    const batch = PrefixBatch.resident(home, n);
    this.heap.own(batch, ptr, n * R);
    return batch;
  }

  private ranges_(ptr: number, m: number): RangeBatch {
    return new RangeBatch(this.u8().slice(ptr, ptr + m * RS), m);
  }

  /** Copies text into linear memory followed by the "\n" sentinel and the padding parseLines needs; returns [ptr, len]. */
  private putText(scope: Scope, text: Uint8Array | string): [number, number] {
    if (typeof text !== "string") {
      const ptr = scope.alloc(text.length + 1 + SIMD_PAD);
      const mem = this.u8();
      mem.set(text, ptr);
      mem[ptr + text.length] = 0x0a;
      return [ptr, text.length];
    }
    // ASCII text (the common case) is copied as Latin-1 by Node's Buffer, much faster than
    // TextEncoder; anything else is encoded as UTF-8 straight into linear memory.
    const ascii = hasBuffer && Buffer.byteLength(text, "utf8") === text.length;
    const cap = ascii ? text.length : text.length * 3;
    const ptr = scope.alloc(cap + 1 + SIMD_PAD);
    const mem = this.u8();
    const len = ascii
      ? Buffer.from(mem.buffer, ptr, cap).write(text, 0, cap, "latin1")
      : encoder.encodeInto(text, mem.subarray(ptr, ptr + cap)).written;
    mem[ptr + len] = 0x0a;
    return [ptr, len];
  }

  parse(text: Uint8Array | string, mode: number, firstLine = 1): PrefixBatch {
    return this.parseWithValues(text, mode, firstLine).records;
  }

  parseWithValues(text: Uint8Array | string, mode: number, firstLine = 1): { records: PrefixBatch; values: PrefixBatch; nonOk: number } {
    return this.run((scope) => {
      const [ptr, len] = this.putText(scope, text);
      const n = this.exports.countLines(ptr, len);
      const out = this.heap.alloc(n * R);
      const got = this.exports.parseLines(ptr, len, out, n, mode, firstLine, this.core.res);
      const records = this.own(out, got);
      const nonOk = this.core.result(ABI.RES_A);
      if (nonOk === 0) return { records, values: records, nonOk };
      const vals = this.heap.alloc((got - nonOk) * R);
      const m = this.exports.compactValid(out, got, vals);
      return { records, values: this.own(vals, m), nonOk };
    });
  }

  masked(b: PrefixBatch): PrefixBatch {
    return this.run((scope) => {
      const inp = this.input(scope, b);
      const out = this.heap.alloc(b.length * R);
      this.exports.maskedBatch(inp, b.length, out);
      return this.own(out, b.length);
    });
  }

  bound(b: PrefixBatch, which: "first" | "last"): PrefixBatch {
    return this.run((scope) => {
      const inp = this.input(scope, b);
      const out = this.heap.alloc(b.length * R);
      this.exports.boundBatch(inp, b.length, out, which === "last" ? 1 : 0);
      return this.own(out, b.length);
    });
  }

  private pairwise(fn: "containsBatch" | "overlapsBatch", x: PrefixBatch, y: PrefixBatch, into?: Uint8Array): Uint8Array {
    if (x.length !== 1 && x.length !== y.length) throw new RangeError(`batch lengths differ: ${x.length} vs ${y.length}`);
    if (into && into.length < y.length) throw new RangeError(`output holds ${into.length} results, ${y.length} needed`);
    return this.run((scope) => {
      const pa = this.input(scope, x);
      const pb = this.input(scope, y);
      const out = scope.alloc(y.length);
      this.exports[fn](pa, x.length === 1 ? 0 : R, pb, y.length, out);
      const result = this.u8().subarray(out, out + y.length);
      if (!into) return result.slice();
      into.set(result);
      return into;
    });
  }

  contains(x: PrefixBatch, y: PrefixBatch, out?: Uint8Array): Uint8Array {
    return this.pairwise("containsBatch", x, y, out);
  }

  overlaps(x: PrefixBatch, y: PrefixBatch, out?: Uint8Array): Uint8Array {
    return this.pairwise("overlapsBatch", x, y, out);
  }

  adopt(b: PrefixBatch): PrefixBatch {
    if (b.home?.memory === this.exports.memory) return b;
    const ptr = this.heap.alloc(b.length * R);
    this.u8().set(b.bytes.subarray(0, b.length * R), ptr);
    return this.own(ptr, b.length);
  }

  /** By family with small keys (merged.ts): IPv4 as u64 keys sorted on 32 bits, IPv6 records on their own. */
  ranges(b: PrefixBatch): RangeBatch {
    const m = mergeBatch(b, this.core);
    try {
      return m.ranges();
    } finally {
      m.dispose();
    }
  }

  rangesToPrefixes(r: RangeBatch): PrefixBatch {
    let cap = r.length * 4 + 64;
    for (;;) {
      const result = this.run((scope) => {
        const inp = this.input(scope, r);
        const out = scope.alloc(cap * R);
        const k = this.exports.rangesToPrefixes(inp, r.length, out, cap, this.core.res);
        return k === ABI.RET_OVERFLOW ? undefined : this.keep(out, k);
      });
      if (result) return result;
      cap = this.core.result(ABI.RES_A);
    }
  }

  private rangeOp(fn: "excludeRanges" | "intersectRanges", x: RangeBatch, y: RangeBatch): RangeBatch {
    return this.run((scope) => {
      const pa = this.input(scope, x);
      const pb = this.input(scope, y);
      const out = scope.alloc((x.length + y.length + 1) * RS);
      const m = this.exports[fn](pa, x.length, pb, y.length, out);
      return this.ranges_(out, m);
    });
  }

  exclude(x: RangeBatch, y: RangeBatch): RangeBatch {
    return this.rangeOp("excludeRanges", x, y);
  }

  prefixSetOp(op: "exclude" | "intersect", a: PrefixBatch, b: PrefixBatch): PrefixBatch {
    return prefixSetOp(op, a, b, this.core);
  }

  mergePrefixes(b: PrefixBatch): PrefixBatch {
    const m = mergeBatch(b, this.core);
    try {
      return m.prefixes();
    } finally {
      m.dispose();
    }
  }

  intersect(x: RangeBatch, y: RangeBatch): RangeBatch {
    return this.rangeOp("intersectRanges", x, y);
  }

  overlappingPairs(b: PrefixBatch): Uint32Array {
    let cap = b.length + 16;
    for (;;) {
      const result = this.run((scope) => {
        const inp = this.input(scope, b);
        const scratch = scope.alloc(this.exports.scratchBytes(b.length));
        const out = scope.alloc(cap * 8);
        const k = this.exports.overlappingPairs(inp, b.length, scratch, out, cap, this.core.res);
        if (k === ABI.RET_OVERFLOW) return undefined;
        // Sorted by (i, j) in the core: a radix sort on i << 32 | j (twin: sortPairs in backend.ts).
        const sorted = this.exports.sortPairs(out, k, scope.alloc(this.exports.pairSortScratchBytes(k))) >>> 0;
        return new Uint32Array(this.u8().slice(sorted, sorted + k * 8).buffer);
      });
      if (result) return result;
      cap = this.core.result(ABI.RES_A);
    }
  }

  overlappingPairsUpTo(b: PrefixBatch, max: number): { pairs: Uint32Array; total: number } {
    const cap = Math.max(0, Math.min(max, 0x7fffffff));
    return this.run((scope) => {
      const inp = this.input(scope, b);
      const scratch = scope.alloc(this.exports.scratchBytes(b.length));
      // The output is sized for what there is, not for the cap (no limit is 2^31 pairs, 16 GiB):
      // a first guess, and once more at the count the core reports when it is short.
      let room = Math.min(cap, 4 * b.length + 1024);
      let out: number, total: number;
      for (;;) {
        out = scope.alloc(Math.max(room, 1) * 8);
        const ret = this.exports.overlappingPairs(inp, b.length, scratch, out, room, this.core.res);
        total = ret === ABI.RET_OVERFLOW ? new Float64Array(this.exports.memory.buffer, this.core.res + ABI.RES_TOTAL, 1)[0] : ret;
        if (total <= room || room >= cap) break;
        room = Math.min(cap, total);
      }
      const k = Math.min(room, total);
      const sorted = this.exports.sortPairs(out, k, scope.alloc(this.exports.pairSortScratchBytes(k))) >>> 0;
      return { pairs: new Uint32Array(this.u8().slice(sorted, sorted + k * 8).buffer), total };
    });
  }

  lpmBuild(b: PrefixBatch): LpmHandle {
    return this.run((scope) => {
      const inp = this.input(scope, b);
      const scratch = scope.alloc(this.exports.lpmScratchBytes(b.length));
      const tableBytes = this.exports.lpmTableBytes(b.length);
      const ptr = this.heap.alloc(tableBytes);
      this.exports.lpmBuild(inp, b.length, scratch, ptr);
      // The table stays in linear memory until the handle is garbage-collected.
      const handle: WasmLpm = { backend: "wasm", ptr };
      this.heap.own(handle, ptr, tableBytes);
      return handle;
    });
  }

  lpmLookup(t: LpmHandle, addrs: PrefixBatch): Uint32Array {
    if (t.backend !== "wasm") throw new TypeError("LPM table was built by another backend");
    return this.run((scope) => {
      const pa = this.input(scope, addrs);
      const out = scope.alloc(addrs.length * 4);
      this.exports.lpmLookup((t as WasmLpm).ptr, pa, addrs.length, out);
      return new Uint32Array(this.u8().slice(out, out + addrs.length * 4).buffer);
    });
  }

  allocate(space: PrefixBatch, used: PrefixBatch, family: 4 | 6, bits: number, count: number): PrefixBatch {
    return this.run((scope) => {
      const ps = this.input(scope, space);
      const pu = this.input(scope, used);
      const n = space.length + used.length + count + 2;
      const scratch = scope.alloc(this.exports.scratchBytes(n) + n * RS * 3);
      const out = scope.alloc(Math.max(count, 1) * R);
      const got = this.exports.allocate(ps, space.length, pu, used.length, family, bits, count, scratch, out);
      return this.keep(out, got);
    });
  }
}
