// @aksnet/engine: the one API the CLI, the web app and scripts use.
export { ABI, STATUS_TEXT, PARSE_MODE, type ParseMode } from "./abi.ts";
export { AksnetError, ParseError } from "./errors.ts";
export { Addr, formatAddr, formatV4, type Family } from "./addr.ts";
export { Prefix } from "./prefix.ts";
export { PrefixBatch, RangeBatch } from "./records.ts";
export type { Backend, LpmHandle } from "./backend.ts";
export { WasmBackend, coreModule } from "./backend-wasm.ts";
export { ReferenceBackend } from "./backend-ref.ts";
export { CidrEngine, IPSet, IPSetBuilder, LpmTable, cidr, concatBatches, type ParsedList, type PrefixInput } from "./cidr.ts";
export * from "./netfilter/index.ts";
export * from "./aks/index.ts";
export * from "./sweep/index.ts";
