import { ABI } from "../core/abi.ts";
import { PrefixBatch } from "./records.ts";

/** One JS-owned batch holding the records of every batch in the list, in order. */
export function concatBatches(list: PrefixBatch[]): PrefixBatch {
  if (list.length === 1) return list[0];
  const n = list.reduce((s, b) => s + b.length, 0);
  const out = new Uint8Array(n * ABI.REC_SIZE);
  let o = 0;
  for (const b of list) {
    out.set(b.bytes.subarray(0, b.length * ABI.REC_SIZE), o);
    o += b.length * ABI.REC_SIZE;
  }
  return new PrefixBatch(out, n);
}

