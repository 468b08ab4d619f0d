// The WebAssembly backend. Memory above heapBase() is laid out per call by a bump arena; views
// over memory.buffer are re-created after every ensure() because growth detaches them.
import { wasmBase64 } from "@aksnet/wasm";
import { ABI } from "./abi.ts";
import { PrefixBatch, RangeBatch } from "./records.ts";
import { sortPairs, type Backend, type LpmHandle } from "./backend.ts";

interface CoreExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  ensure(bytes: number): number;
  lastExtra(): number;
  countLines(ptr: number, len: number): number;
  parseLines(ptr: number, len: number, out: number, cap: number, mode: number, firstLine: number): number;
  scratchBytes(n: number): number;
  setRanges(inp: number, n: number, scratch: number, out: number): number;
  rangesToPrefixes(ranges: number, m: number, out: number, cap: number): number;
  excludeRanges(a: number, na: number, b: number, nb: number, out: number): number;
  intersectRanges(a: number, na: number, b: number, nb: number, out: number): number;
  overlappingPairs(inp: number, n: number, scratch: number, out: number, cap: number): number;
  allocate(space: number, ns: number, used: number, nu: number, fam: number, bits: number, count: number, scratch: number, out: number): number;
  maskedBatch(inp: number, n: number, out: number): void;
  boundBatch(inp: number, n: number, out: number, which: number): void;
  containsBatch(a: number, aStride: number, b: number, n: number, out: number): void;
  overlapsBatch(a: number, aStride: number, b: number, n: number, out: number): void;
  lpmTableBytes(n: number): number;
  lpmScratchBytes(n: number): number;
  lpmBuild(inp: number, n: number, scratch: number, table: number): void;
  lpmLookup(table: number, addrs: number, n: number, out: number): void;
  [abiGlobal: string]: unknown;
}

function decodeBase64(b64: string): Uint8Array {
  if (typeof Buffer !== "undefined") return Buffer.from(b64, "base64");
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let cachedModule: WebAssembly.Module | undefined;

/** The compiled core (synchronous; fine in Node and in a worker, see toolchain-notes.md). */
export function coreModule(): WebAssembly.Module {
  cachedModule ??= new WebAssembly.Module(decodeBase64(wasmBase64) as BufferSource);
  return cachedModule;
}

const R = ABI.REC_SIZE;
const RS = ABI.RANGE_SIZE;
const encoder = new TextEncoder();

class Arena {
  private top: number;
  constructor(private readonly core: WasmBackend, base: number) {
    this.top = base;
  }
  alloc(bytes: number): number {
    const p = this.top;
    this.top = (this.top + bytes + 15) & ~15;
    return p;
  }
  /** Makes every allocation so far exist; returns a fresh byte view of memory. */
  commit(): Uint8Array {
    this.core.grow(this.top);
    return this.core.u8();
  }
}

interface WasmLpm extends LpmHandle {
  readonly table: Uint8Array;
}

export class WasmBackend implements Backend {
  readonly name = "wasm" as const;
  readonly exports: CoreExports;
  private readonly base: number;

  constructor() {
    const instance = new WebAssembly.Instance(coreModule(), {
      env: {
        abort: (_msg: number, _file: number, line: number, col: number) => {
          throw new Error(`aksnet wasm core aborted at ${line}:${col}`);
        },
      },
    });
    this.exports = instance.exports as unknown as CoreExports;
    this.base = this.exports.heapBase() >>> 0;
  }

  u8(): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer);
  }

  grow(top: number): void {
    if (!this.exports.ensure(top - this.base)) throw new RangeError(`aksnet wasm core: cannot grow memory to ${top} bytes`);
  }

  private arena(): Arena {
    return new Arena(this, this.base);
  }

  private put(arena: Arena, bytes: Uint8Array): number {
    const p = arena.alloc(bytes.length);
    arena.commit().set(bytes, p);
    return p;
  }

  parse(text: Uint8Array | string, mode: number, firstLine = 1): PrefixBatch {
    const a = this.arena();
    let ptr: number, len: number;
    if (typeof text === "string") {
      // Encode straight into linear memory: no intermediate copy.
      ptr = a.alloc(text.length * 3);
      const mem = a.commit();
      len = encoder.encodeInto(text, mem.subarray(ptr, ptr + text.length * 3)).written;
    } else {
      ptr = this.put(a, text);
      len = text.length;
    }
    const n = this.exports.countLines(ptr, len);
    const out = a.alloc(n * R);
    a.commit();
    const got = this.exports.parseLines(ptr, len, out, n, mode, firstLine);
    return new PrefixBatch(this.u8().slice(out, out + got * R), got);
  }

  masked(b: PrefixBatch): PrefixBatch {
    const a = this.arena();
    const inp = this.put(a, b.bytes);
    const out = a.alloc(b.length * R);
    a.commit();
    this.exports.maskedBatch(inp, b.length, out);
    return new PrefixBatch(this.u8().slice(out, out + b.length * R), b.length);
  }

  bound(b: PrefixBatch, which: "first" | "last"): PrefixBatch {
    const a = this.arena();
    const inp = this.put(a, b.bytes);
    const out = a.alloc(b.length * R);
    a.commit();
    this.exports.boundBatch(inp, b.length, out, which === "last" ? 1 : 0);
    return new PrefixBatch(this.u8().slice(out, out + b.length * R), b.length);
  }

  private pairwise(fn: "containsBatch" | "overlapsBatch", x: PrefixBatch, y: PrefixBatch): Uint8Array {
    if (x.length !== 1 && x.length !== y.length) throw new RangeError(`batch lengths differ: ${x.length} vs ${y.length}`);
    const a = this.arena();
    const pa = this.put(a, x.bytes);
    const pb = this.put(a, y.bytes);
    const out = a.alloc(y.length);
    a.commit();
    this.exports[fn](pa, x.length === 1 ? 0 : R, pb, y.length, out);
    return this.u8().slice(out, out + y.length);
  }

  contains(x: PrefixBatch, y: PrefixBatch): Uint8Array {
    return this.pairwise("containsBatch", x, y);
  }

  overlaps(x: PrefixBatch, y: PrefixBatch): Uint8Array {
    return this.pairwise("overlapsBatch", x, y);
  }

  ranges(b: PrefixBatch): RangeBatch {
    const a = this.arena();
    const inp = this.put(a, b.bytes);
    const scratch = a.alloc(this.exports.scratchBytes(b.length));
    const out = a.alloc(b.length * RS);
    a.commit();
    const m = this.exports.setRanges(inp, b.length, scratch, out);
    return new RangeBatch(this.u8().slice(out, out + m * RS), m);
  }

  rangesToPrefixes(r: RangeBatch): PrefixBatch {
    let cap = r.length * 4 + 64;
    for (;;) {
      const a = this.arena();
      const inp = this.put(a, r.bytes);
      const out = a.alloc(cap * R);
      a.commit();
      const k = this.exports.rangesToPrefixes(inp, r.length, out, cap);
      if (k !== ABI.RET_OVERFLOW) return new PrefixBatch(this.u8().slice(out, out + k * R), k);
      cap = this.exports.lastExtra();
    }
  }

  private rangeOp(fn: "excludeRanges" | "intersectRanges", x: RangeBatch, y: RangeBatch): RangeBatch {
    const a = this.arena();
    const pa = this.put(a, x.bytes);
    const pb = this.put(a, y.bytes);
    const out = a.alloc((x.length + y.length + 1) * RS);
    a.commit();
    const m = this.exports[fn](pa, x.length, pb, y.length, out);
    return new RangeBatch(this.u8().slice(out, out + m * RS), m);
  }

  exclude(x: RangeBatch, y: RangeBatch): RangeBatch {
    return this.rangeOp("excludeRanges", x, y);
  }

  intersect(x: RangeBatch, y: RangeBatch): RangeBatch {
    return this.rangeOp("intersectRanges", x, y);
  }

  overlappingPairs(b: PrefixBatch): Uint32Array {
    let cap = b.length + 16;
    for (;;) {
      const a = this.arena();
      const inp = this.put(a, b.bytes);
      const scratch = a.alloc(this.exports.scratchBytes(b.length));
      const out = a.alloc(cap * 8);
      a.commit();
      const k = this.exports.overlappingPairs(inp, b.length, scratch, out, cap);
      if (k !== ABI.RET_OVERFLOW) {
        return sortPairs(new Uint32Array(this.u8().slice(out, out + k * 8).buffer));
      }
      cap = this.exports.lastExtra();
    }
  }

  lpmBuild(b: PrefixBatch): LpmHandle {
    const a = this.arena();
    const inp = this.put(a, b.bytes);
    const scratch = a.alloc(this.exports.lpmScratchBytes(b.length));
    const tableBytes = this.exports.lpmTableBytes(b.length);
    const table = a.alloc(tableBytes);
    a.commit();
    this.exports.lpmBuild(inp, b.length, scratch, table);
    const handle: WasmLpm = { backend: "wasm", table: this.u8().slice(table, table + tableBytes) };
    return handle;
  }

  lpmLookup(t: LpmHandle, addrs: PrefixBatch): Uint32Array {
    const table = (t as WasmLpm).table;
    if (t.backend !== "wasm" || !table) throw new TypeError("LPM table was built by another backend");
    const a = this.arena();
    const pt = this.put(a, table);
    const pa = this.put(a, addrs.bytes);
    const out = a.alloc(addrs.length * 4);
    a.commit();
    this.exports.lpmLookup(pt, pa, addrs.length, out);
    return new Uint32Array(this.u8().slice(out, out + addrs.length * 4).buffer);
  }

  allocate(space: PrefixBatch, used: PrefixBatch, family: 4 | 6, bits: number, count: number): PrefixBatch {
    const a = this.arena();
    const ps = this.put(a, space.bytes);
    const pu = this.put(a, used.bytes);
    const n = space.length + used.length + count + 2;
    const scratch = a.alloc(this.exports.scratchBytes(n) + n * RS * 3);
    const out = a.alloc(Math.max(count, 1) * R);
    a.commit();
    const got = this.exports.allocate(ps, space.length, pu, used.length, family, bits, count, scratch, out);
    return new PrefixBatch(this.u8().slice(out, out + got * R), got);
  }
}
