// @aksnet/engine/cidr: batches of prefix records, the CIDR engine's bulk verbs, sets and LPM
// tables, on the WebAssembly core or the TypeScript reference backend.
export { PrefixBatch, RangeBatch, type Home } from "./records.ts";
export type { Backend, LpmHandle } from "./backend.ts";
export { WasmBackend } from "./backend-wasm.ts";
export { ReferenceBackend } from "./backend-ref.ts";
export { CidrEngine, cidr, concatBatches, type ParsedList, type PrefixInput } from "./engine.ts";
export { IPSet, IPSetBuilder } from "./ipset.ts";
export { LpmTable } from "./lpm.ts";
export { bytesInput, readPrefixes, scanLines, DEFAULT_CHUNK_BYTES, type ByteInput, type ReadInto, type ReadResult, type ScanOptions, type SourceSpan } from "./stream.ts";
export { MergedSet, MergeAccumulator, mergeInputs, mergeBatch, type MergeResult, type MergeOptions } from "./merged.ts";
export { OutputBuffer, LINES, jsonStrings, collectBytes, DEFAULT_OUTPUT_BYTES, MIN_OUTPUT_BYTES, type ListStyle, type WriteBytes } from "./format.ts";
export { formatListRef, formatPairsRef, overlapItems, overlapRelation, originOf, RELATION_TEXT, type OverlapItem, type OverlapRelation } from "./format-ref.ts";
export { infoRows, parseLabelledTable, type InfoRow, type LabelledTable } from "./report.ts";
