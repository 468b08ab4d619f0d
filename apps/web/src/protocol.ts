// The messages between the page and the engine worker. The worker API uses the engine's own method
// names (duckdb-wasm style: `engine.merge(x)` in Node is `await worker.merge(x)` in the browser);
// only the value types change, because class instances do not survive postMessage: prefixes and
// addresses travel as strings, parse errors as plain records.
import type { CidrEngine } from "@aksnet/engine/cidr";

/** A parse error as the engine reported it (ParseError's fields, nothing recomputed). */
export interface WireParseError {
  code: string;
  message: string;
  reason: string;
  input: string;
  line: number;
  column: number;
  source?: string;
}

/** CidrEngine.parseList's result: the parsed values as written, with the line each came from. */
export interface WireParsedList {
  values: string[];
  lines: number[];
  errors: WireParseError[];
  errorCount: number;
}

/** Prefixes or addresses as text ("10.0.0.0/8", "10.1.2.3", "2001:db8::/32"). */
export type WirePrefixes = readonly string[];

/** The engine verbs the worker serves, with CidrEngine's names and argument order. */
export interface CidrWorkerApi {
  parseList(text: string, opts?: { mode?: "either" | "prefix" | "address"; source?: string; maxErrors?: number }): WireParsedList;
  merge(input: WirePrefixes): string[];
  exclude(a: WirePrefixes, b: WirePrefixes): string[];
  intersect(a: WirePrefixes, b: WirePrefixes): string[];
  overlappingPairs(input: WirePrefixes): [number, number][];
  masked(input: WirePrefixes): string[];
  firstAddresses(input: WirePrefixes): string[];
  lastAddresses(input: WirePrefixes): string[];
  allocate(space: WirePrefixes, used: WirePrefixes, bits: number, count?: number, family?: 4 | 6): string[];
}

// Fails to compile if the worker API grows a name the engine does not have.
type NotInEngine = Exclude<keyof CidrWorkerApi, keyof CidrEngine>;
const sameNames: [NotInEngine] extends [never] ? true : never = true;
void sameNames;

export type CidrMethod = keyof CidrWorkerApi;

export const CIDR_METHODS = [
  "parseList", "merge", "exclude", "intersect", "overlappingPairs", "masked", "firstAddresses", "lastAddresses", "allocate",
] as const satisfies readonly CidrMethod[];

// And fails to compile if CIDR_METHODS misses one of the API's methods.
const allListed: [Exclude<CidrMethod, (typeof CIDR_METHODS)[number]>] extends [never] ? true : never = true;
void allListed;

export interface EngineRequest<M extends CidrMethod = CidrMethod> {
  id: number;
  method: M;
  args: Parameters<CidrWorkerApi[M]>;
}

export type EngineResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; code?: string; message: string } };

/** The promise-returning view of the API that the page uses. */
export type AsyncCidrEngine = {
  [M in CidrMethod]: (...args: Parameters<CidrWorkerApi[M]>) => Promise<ReturnType<CidrWorkerApi[M]>>;
};

export function isCidrMethod(m: unknown): m is CidrMethod {
  return typeof m === "string" && (CIDR_METHODS as readonly string[]).includes(m);
}
