// The bucket hash and probe shared by both netfilter bulk modes (netfilter.ts, netfilter_kernel.ts).
// A bucket is 16 bytes: dst, proto << 16 | dport, postings offset, postings count (0 = empty);
// packages/engine/src/netfilter/buckets.ts builds the tables with the same hash.

@inline export function hashKey(dst: u32, pp: u32): u32 {
  let h = (dst * 0x9e3779b1) ^ (pp * 0x85ebca77);
  h ^= h >>> 15;
  h *= 0x2c1b3c6d;
  h ^= h >>> 12;
  return h;
}

/** The bucket of (dst, pp) in an open-addressed table of mask + 1 buckets, or 0 when absent. */
@inline export function probeBucket(buckets: usize, mask: u32, dst: u32, pp: u32): usize {
  let h = hashKey(dst, pp) & mask;
  let b = buckets + (<usize>h << 4);
  while (load<u32>(b, 12) != 0) {
    if (load<u32>(b) == dst && load<u32>(b, 4) == pp) return b;
    h = (h + 1) & mask;
    b = buckets + (<usize>h << 4);
  }
  return 0;
}
