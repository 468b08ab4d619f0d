// @aksnet/engine/core: the one owner of the WebAssembly core (module, instance, heap, ABI mirror).
export { ABI, STATUS_TEXT, PARSE_MODE, type ParseMode } from "./abi.ts";
export { Core, CoreAbort, CoreMemoryError, MAX_MEMORY, core, coreModule, type CoreExports } from "./module.ts";
export { WasmHeap } from "./heap.ts";
export { readToHeap, type HeapBytes, type HeapReadable } from "./read.ts";
export { layStrings } from "./strings.ts";
