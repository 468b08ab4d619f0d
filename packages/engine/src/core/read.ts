// A whole input read straight into the core's heap: readSync-style calls into views of linear
// memory, no JS Buffer of the whole input and no copy (a file's known size sizes the block at once).
import { core } from "./module.ts";

/** What the reader needs of an input: a read into the given bytes (0 at the end) and, when known, the size. */
export interface HeapReadable {
  read(into: Uint8Array): number;
  size?: number;
}

/** Bytes in the core's heap: [ptr, ptr + len), in a block of `size` bytes the caller releases (heap.release(ptr, size)); at least 16 bytes past the end are free. */
export interface HeapBytes {
  ptr: number;
  len: number;
  size: number;
}

const CHUNK = 1 << 20;

export function readToHeap(input: HeapReadable): HeapBytes {
  const c = core();
  const heap = c.heap;
  let size = Math.max(64, (input.size ?? CHUNK) + 32);
  let ptr = heap.alloc(size);
  let len = 0;
  try {
    for (;;) {
      if (len + 16 >= size) {
        // More than the size said (a growing file, stdin): a block twice as large.
        ptr = heap.enlarge(ptr, size, len, size * 2);
        size *= 2;
      }
      const n = input.read(c.u8().subarray(ptr + len, ptr + Math.min(size - 16, len + 16 * CHUNK)));
      if (n <= 0) break;
      len += n;
    }
    return { ptr, len, size };
  } catch (e) {
    heap.release(ptr, size);
    throw e;
  }
}
