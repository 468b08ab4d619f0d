// The one owner of the WebAssembly core. The module is compiled once per process (or worker) and
// instantiated once per thread: cidr, netfilter and sweep all allocate their blocks from the same
// instance's heap, through the same abort handler and the same grow-or-throw. The typed exports
// are generated from the AssemblyScript sources by `asc --bindings` (packages/wasm/build/exports.d.ts).
import { wasmBase64 } from "@aksnet/wasm";
import type { CoreExports } from "@aksnet/wasm/exports";
import { WasmHeap } from "./heap.ts";
import { ABI } from "./abi.ts";

export type { CoreExports };

/** wasm32 linear memory tops out at 4 GiB (65,536 pages of 64 KiB). */
export const MAX_MEMORY = 65536 * 65536 - 65536;

/** The core stopped on an assertion of its own: a bug in aksnet, never a fault of the input. */
export class CoreAbort extends Error {
  constructor(line: number, col: number) {
    super(`aksnet wasm core aborted at ${line}:${col}`);
    this.name = "CoreAbort";
  }
}

/** Linear memory cannot grow as far as a call needs (the 4 GiB wasm32 limit, or the host refuses). */
export class CoreMemoryError extends RangeError {
  constructor(readonly bytes: number) {
    super(`aksnet wasm core: cannot grow memory to ${bytes} bytes`);
    this.name = "CoreMemoryError";
  }
}

function decodeBase64(b64: string): Uint8Array {
  if (typeof Buffer !== "undefined") return Buffer.from(b64, "base64");
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let cachedModule: WebAssembly.Module | undefined;

/**
 * The compiled core (synchronous; fine in Node and in a worker, see toolchain-notes.md). In Node
 * the optimising compiler is used from the first call: a one-shot CLI run would otherwise spend
 * its big batch in V8's baseline tier (measured: 4x slower on the first 1M-line parse).
 */
export function coreModule(): WebAssembly.Module {
  if (!cachedModule) {
    const proc = (globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } }).process;
    const v8 = proc?.getBuiltinModule?.("node:v8") as { setFlagsFromString(f: string): void } | undefined;
    v8?.setFlagsFromString("--no-liftoff");
    cachedModule = new WebAssembly.Module(decodeBase64(wasmBase64) as BufferSource);
  }
  return cachedModule;
}

/** One instance of the core: its exports, its heap, and fresh views of its memory. */
export class Core {
  readonly exports: CoreExports;
  readonly heap: WasmHeap;
  readonly base: number;
  /**
   * The result block (ABI.RES_SIZE bytes) this instance passes as `res` to every verb that gives
   * more than one number; read it with result() right after the call.
   */
  readonly res: number;

  constructor() {
    const instance = new WebAssembly.Instance(coreModule(), {
      env: { abort: (_msg: number, _file: number, line: number, col: number) => { throw new CoreAbort(line, col); } },
    });
    this.exports = instance.exports as unknown as CoreExports;
    this.base = this.exports.heapBase() >>> 0;
    this.heap = new WasmHeap(this.exports.memory, this.base, (top) => this.growTo(top));
    this.res = this.heap.alloc(ABI.RES_SIZE);
  }

  /** Word `at` (ABI.RES_A, ABI.RES_B) of the result block, as the last verb given `res` wrote it. */
  result(at: number): number {
    return new Int32Array(this.exports.memory.buffer, this.res + at, 1)[0];
  }

  get memory(): WebAssembly.Memory {
    return this.exports.memory;
  }

  /**
   * Makes [0, top) exist, or throws CoreMemoryError. Growing linear memory is slow (new pages, and
   * V8 may copy the buffer), so it grows geometrically: a doubling at most every few calls, then
   * freed blocks are reused.
   */
  growTo(top: number): void {
    const have = this.exports.memory.buffer.byteLength;
    if (top <= have) return;
    if (top > MAX_MEMORY) throw new CoreMemoryError(top);
    const want = Math.min(Math.max(top, have * 2), MAX_MEMORY);
    if (this.exports.ensure(want - this.base) || this.exports.ensure(top - this.base)) return;
    throw new CoreMemoryError(top);
  }

  /** A fresh byte view of all of linear memory (views go stale when memory grows). */
  u8(): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer);
  }

  u32(): Uint32Array {
    return new Uint32Array(this.exports.memory.buffer);
  }

  /** The value of an exported i32 global (the ABI constants). */
  global(name: keyof CoreExports): number {
    return (this.exports[name] as WebAssembly.Global).value as number;
  }
}

let shared: Core | undefined;

/** The core instance of this thread (created on first use). */
export function core(): Core {
  shared ??= new Core();
  return shared;
}
