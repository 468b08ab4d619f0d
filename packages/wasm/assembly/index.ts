// The aksnet WebAssembly core: numbers and records only. JS owns the layout of linear memory
// above heapBase(); every verb works on whole batches (one call per batch, never per element).
export * from "./abi/cidr";
export * from "./abi/core";
export { countLines, parseLines, compactValid, nextError } from "./parse";
export { scratchBytes, setRanges, rangesToPrefixes, excludeRanges, intersectRanges, overlappingPairs, allocate } from "./set";
export { maskedBatch, boundBatch, containsBatch, overlapsBatch } from "./prefix";
export { formatPrefixes, formatRanges, formatV4Keys, formatPairs } from "./format";
export { splitFamilies, v4SortScratchBytes, sortV4Keys, mergeV4Keys, unionV4Keys, v4KeysToRanges, unionRanges, pairSortScratchBytes, sortPairs } from "./merge";
export { lpmTableBytes, lpmScratchBytes, lpmBuild, lpmLookup } from "./lpm";
export * from "./netfilter";

/** First byte JS may use. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** Grows memory so that [heapBase(), heapBase() + bytes) exists. Returns false when it cannot. */
export function ensure(bytes: usize): bool {
  const need = heapBase() + bytes;
  const have = <usize>memory.size() << 16;
  if (need <= have) return true;
  const pages = <i32>((need - have + 0xffff) >>> 16);
  return memory.grow(pages) >= 0;
}

export * from "./abi/dataplane";
export { dpFormat } from "./dataplane_format";
export { dpScanFlows, dpRehash } from "./dataplane_scan";
export * from "./sweep";
export { swFormat } from "./sweep_format";
