// String tables in the core's heap, as the core's formatters read them (putString in
// packages/wasm/assembly/netfilter_format.ts): the bytes of every list back to back, and per
// list a (offset, length) u32 pair per string; and texts gathered back out of byte ranges of the heap.
import { core } from "./module.ts";

/** A list of byte strings back to back: string i is bytes[ends[i - 1], ends[i]) (from 0 for the first). */
export interface ByteList {
  bytes: Uint8Array;
  ends: Uint32Array;
}

/** Byte strings as one ByteList (one copy of each). */
export function byteListOf(parts: readonly Uint8Array[]): ByteList {
  const ends = new Uint32Array(parts.length), bytes = new Uint8Array(parts.reduce((k, x) => k + x.length, 0));
  for (let i = 0, at = 0; i < parts.length; i++) { bytes.set(parts[i], at); ends[i] = at += parts[i].length; }
  return { bytes, ends };
}

/**
 * Lays the lists out from strAt: the bytes of every list back to back (starting `from` bytes in),
 * and for each list, at its address, a (offset from strAt, length) u32 pair per string.
 */
export function layLists(strAt: number, lists: [number, ByteList][], from = 0): void {
  const c = core();
  const u8 = c.u8(), u32 = c.u32();
  let so = from;
  for (const [at, l] of lists) {
    u8.set(l.bytes, strAt + so);
    for (let k = 0, prev = 0; k < l.ends.length; prev = l.ends[k++]) {
      u32[at / 4 + k * 2] = so + prev;
      u32[at / 4 + k * 2 + 1] = l.ends[k] - prev;
    }
    so += l.bytes.length;
  }
}

/** layLists for lists of separate byte strings. */
export function layStrings(strAt: number, lists: [number, Uint8Array[]][], from = 0): void {
  layLists(strAt, lists.map(([at, xs]) => [at, byteListOf(xs)]), from);
}

/**
 * The texts of n byte ranges of the heap ([base + a, base + b), a and b u32 words at `starts` and
 * `ends`, `step` words apart), gathered one after another by the core (nfGather) and decoded as
 * one text, then cut at the ranges' lengths: the same strings as decoding each range.
 */
export function gatherTexts(base: number, starts: number, ends: number, step: number, n: number, dec: TextDecoder): string[] {
  const c = core();
  let u32 = c.u32();
  let total = 0;
  for (let i = 0; i < n; i++) total += (u32[ends / 4 + i * step] - u32[starts / 4 + i * step]) >>> 0;
  const out = c.heap.alloc(total + 16);
  try {
    const got = c.exports.nfGather(base, starts, ends, step, n, out) >>> 0;
    const all = dec.decode(c.u8().subarray(out, out + got));
    u32 = c.u32();
    const texts: string[] = new Array(n);
    for (let i = 0, o = 0; i < n; i++) {
      const l = (u32[ends / 4 + i * step] - u32[starts / 4 + i * step]) >>> 0;
      texts[i] = all.substring(o, o + l);
      o += l;
    }
    return texts;
  } finally {
    c.heap.release(out, total + 16);
  }
}
