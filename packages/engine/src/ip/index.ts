// @aksnet/engine/ip: addresses and prefixes as immutable values, with the strict text parser.
export { Addr, formatAddr, formatV4, formatV6Words, byteToColumn, type Family } from "./addr.ts";
export { Prefix } from "./prefix.ts";
export { parseValueBytes, type ParsedValue } from "./parser.ts";
