// A first-fit free-list allocator over wasm linear memory (above heapBase()). Batches that the
// core produces live here, so a batch flows from one verb into the next without a copy and no
// fresh ArrayBuffer is made per call. Blocks are freed explicitly (temporaries) or when the
// owning batch is garbage-collected (FinalizationRegistry).
export class WasmHeap {
  /** Free blocks, sorted by start, coalesced: [start, size] pairs. */
  private free: number[] = [];
  private top: number;
  private readonly registry = new FinalizationRegistry<[number, number]>(([ptr, size]) => this.release(ptr, size));

  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
    private readonly grow: (top: number) => void,
  ) {
    this.top = (base + 15) & ~15;
  }

  /** Bytes in use or free below the top (for tests and diagnostics). */
  get extent(): number {
    return this.top;
  }

  get freeBytes(): number {
    let s = 0;
    for (let i = 1; i < this.free.length; i += 2) s += this.free[i];
    return s;
  }

  alloc(bytes: number): number {
    const size = Math.max(16, (bytes + 15) & ~15);
    for (let i = 0; i < this.free.length; i += 2) {
      if (this.free[i + 1] >= size) {
        const ptr = this.free[i];
        if (this.free[i + 1] === size) this.free.splice(i, 2);
        else { this.free[i] += size; this.free[i + 1] -= size; }
        return ptr;
      }
    }
    // Extend the top, absorbing a free block that ends there.
    let ptr = this.top;
    const n = this.free.length;
    if (n && this.free[n - 2] + this.free[n - 1] === this.top) {
      ptr = this.free[n - 2];
      this.free.length = n - 2;
    }
    this.grow(ptr + size);
    this.top = ptr + size;
    return ptr;
  }

  release(ptr: number, bytes: number): void {
    const size = Math.max(16, (bytes + 15) & ~15);
    // Insert sorted, then coalesce with the neighbours.
    let i = 0;
    while (i < this.free.length && this.free[i] < ptr) i += 2;
    this.free.splice(i, 0, ptr, size);
    if (i + 2 < this.free.length && ptr + size === this.free[i + 2]) {
      this.free[i + 1] += this.free[i + 3];
      this.free.splice(i + 2, 2);
    }
    if (i > 0 && this.free[i - 2] + this.free[i - 1] === ptr) {
      this.free[i - 1] += this.free[i + 1];
      this.free.splice(i, 2);
    }
  }

  /**
   * A block of `bytes` in place of [ptr, ptr + oldBytes), holding its first `keep` bytes; the old
   * block is released. For buffers that outgrow their block (a read past a file's stated size, an
   * arena that fills up).
   */
  enlarge(ptr: number, oldBytes: number, keep: number, bytes: number): number {
    if (keep > oldBytes || keep > bytes) throw new RangeError(`enlarge: keep ${keep} bytes of a ${oldBytes}-byte block in ${bytes}`);
    const bigger = this.alloc(bytes);
    new Uint8Array(this.memory.buffer).copyWithin(bigger, ptr, ptr + keep);
    this.release(ptr, oldBytes);
    return bigger;
  }

  /** Frees [ptr, ptr + bytes) when owner is garbage-collected. */
  own(owner: object, ptr: number, bytes: number): void {
    this.registry.register(owner, [ptr, bytes], owner);
  }

  /** Frees the block of owner now (it must not be used afterwards). */
  disown(owner: object, ptr: number, bytes: number): void {
    if (this.registry.unregister(owner)) this.release(ptr, bytes);
  }
}
