// The (dst, proto, dport) index both bulk compilers build for long chains (kube-proxy's
// KUBE-SERVICES): an open-addressed bucket table with the hash of packages/wasm/assembly/nf_hash.ts.

/** The bucket hash of (dst, proto << 16 | dport); packages/wasm/assembly/nf_hash.ts computes the same. */
export const hashKey = (dst: number, pp: number): number => {
  let h = (Math.imul(dst, 0x9e3779b1) ^ Math.imul(pp, 0x85ebca77)) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h = (h ^ (h >>> 12)) >>> 0;
  return h;
};

/**
 * The open-addressed bucket table of an indexed chain (both bulk modes share its layout: 4 words
 * a bucket: dst, proto << 16 | dport, postings offset, postings count; count 0 = empty). Each
 * key's rule list is appended to `postings`. Returns the words and the probe mask.
 */
export function bucketTable(keyed: Iterable<{ dst: number; pp: number; list: number[] }>, size: number, postings: number[]): { words: Uint32Array; mask: number } {
  let nb = 4;
  while (nb < size * 2) nb *= 2;
  const words = new Uint32Array(nb * 4);
  for (const e of keyed) {
    let h = hashKey(e.dst, e.pp) & (nb - 1);
    while (words[h * 4 + 3] !== 0) h = (h + 1) & (nb - 1);
    words.set([e.dst, e.pp, postings.length, e.list.length], h * 4);
    for (const x of e.list) postings.push(x);
  }
  return { words, mask: nb - 1 };
}
