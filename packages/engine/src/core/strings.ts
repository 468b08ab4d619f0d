// String tables in the core's heap, as the core's formatters read them (putString in
// packages/wasm/assembly/netfilter_format.ts): the bytes of every list back to back, and per
// list a (offset, length) u32 pair per string.
import { core } from "./module.ts";

/**
 * Lays the lists out from strAt: the bytes of every list back to back (starting `from` bytes in),
 * and for each list, at its address, a (offset from strAt, length) u32 pair per string.
 */
export function layStrings(strAt: number, lists: [number, Uint8Array[]][], from = 0): void {
  const c = core();
  const u8 = c.u8(), u32 = c.u32();
  let so = from;
  for (const [at, xs] of lists) {
    xs.forEach((x, k) => {
      u8.set(x, strAt + so);
      u32[at / 4 + k * 2] = so;
      u32[at / 4 + k * 2 + 1] = x.length;
      so += x.length;
    });
  }
}
