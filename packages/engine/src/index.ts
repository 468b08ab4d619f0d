// @aksnet/engine: the value types and errors every layer shares. Each domain is its own subpath
// export — @aksnet/engine/core, /ip, /cidr, /aks, /netfilter, /sweep — so a consumer imports
// what it uses by its own name, with no barrel of renames.
export { AksnetError, InputError, UsageError, UnsupportedError, ParseError, type ErrorKind } from "./errors.ts";
export { Addr, Prefix, formatAddr, formatV4, type Family } from "./ip/index.ts";
export { groupDigits } from "./text.ts";
