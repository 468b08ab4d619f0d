// @aksnet/engine/cidr: batches of prefix records, the CIDR engine's bulk verbs, sets and LPM
// tables, on the WebAssembly core or the TypeScript reference backend.
export { PrefixBatch, RangeBatch, type Home } from "./records.ts";
export type { Backend, LpmHandle } from "./backend.ts";
export { WasmBackend } from "./backend-wasm.ts";
export { ReferenceBackend } from "./backend-ref.ts";
export { CidrEngine, cidr, concatBatches, type ParsedList, type PrefixInput } from "./engine.ts";
export { IPSet, IPSetBuilder } from "./ipset.ts";
export { LpmTable } from "./lpm.ts";
