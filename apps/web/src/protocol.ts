// The messages between the page and the engine worker. The worker API uses the engine's own method
// names (duckdb-wasm style: `engine.merge(x)` in Node is `await worker.merge(x)` in the browser);
// only the value types change, because class instances do not survive postMessage and because a
// list of 100,000 prefixes must not cross as 100,000 strings:
// - in: a textarea's content goes over once, as UTF-8 bytes (transferred, not copied), and the
//   worker parses it once with the engine's bulk parser;
// - held: the parsed values and every batch a verb returns stay in the worker, named by a handle
//   (`{ batch: 3 }`), so merge, overlaps and info on the same input never parse or send it again;
// - out: batches come back as one UTF-8 text buffer plus line offsets, index pairs and line numbers
//   as Uint32Arrays (all transferred); parse errors as plain records with the engine's line and column.
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

/** A batch the worker holds: parsed values or a verb's result. */
export interface WireRef {
  batch: number;
}

/** CidrEngine.parseList's result: a handle on the parsed values, the line each came from, the errors. */
export interface WireParsedList extends WireRef {
  /** How many values parsed (blank, comment and failed lines are not values). */
  length: number;
  /** lines[i] is the 1-based input line of value i. */
  lines: Uint32Array;
  errors: WireParseError[];
  errorCount: number;
}

/**
 * A batch as text, one record per line, each line ended by "\n": record i is the UTF-8 bytes
 * text[starts[i], starts[i + 1] - 1). Also a handle, so the batch can go on to another verb.
 */
export interface WireBatch extends WireRef {
  length: number;
  text: Uint8Array;
  /** length + 1 byte offsets; the last one is text.length. */
  starts: Uint32Array;
}

/** CidrEngine.overlappingPairs' result: pair k is values (pairs[2k], pairs[2k+1]), from lines (lines[2k], lines[2k+1]). */
export interface WirePairs {
  /** Pairs listed (at most the request's maxPairs, 1,000 by default: the page shows 1,000 rows). */
  length: number;
  /** Pairs in all (2 × 10^8 for 20,000 copies of one prefix: counted, not sent). */
  total: number;
  pairs: Uint32Array;
  lines: Uint32Array;
}

export interface WireParseOptions {
  mode?: "either" | "prefix" | "address";
  source?: string;
  maxErrors?: number;
}

/** The engine verbs the worker serves, with CidrEngine's names and argument order. */
export interface CidrWorkerApi {
  /** UTF-8 text, one value per line; send the bytes' buffer in the transfer list. */
  parseList(bytes: Uint8Array, opts?: WireParseOptions): WireParsedList;
  /** The batch as text, values as written ("10.1.2.3/16" keeps its host bits, a bare address stays bare). */
  batch(input: WireRef): WireBatch;
  merge(input: WireRef): WireBatch;
  exclude(a: WireRef, b: WireRef): WireBatch;
  intersect(a: WireRef, b: WireRef): WireBatch;
  overlappingPairs(input: WireRef, maxPairs?: number): WirePairs;
  masked(input: WireRef): WireBatch;
  firstAddresses(input: WireRef): WireBatch;
  lastAddresses(input: WireRef): WireBatch;
  allocate(space: WireRef, used: WireRef, bits: number, count?: number, family?: 4 | 6): WireBatch;
}

// Fails to compile if the worker API grows a name the engine does not have.
type NotInEngine = Exclude<keyof CidrWorkerApi, keyof CidrEngine>;
const sameNames: [NotInEngine] extends [never] ? true : never = true;
void sameNames;

export type CidrMethod = keyof CidrWorkerApi;

export const CIDR_METHODS = [
  "parseList", "batch", "merge", "exclude", "intersect", "overlappingPairs", "masked", "firstAddresses", "lastAddresses", "allocate",
] as const satisfies readonly CidrMethod[];

// And fails to compile if CIDR_METHODS misses one of the API's methods.
const allListed: [Exclude<CidrMethod, (typeof CIDR_METHODS)[number]>] extends [never] ? true : never = true;
void allListed;

export interface EngineRequest<M extends CidrMethod = CidrMethod> {
  id: number;
  method: M;
  args: Parameters<CidrWorkerApi[M]>;
}

/** id is -1 when the request had no usable id (a malformed message). */
export type EngineResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; code?: string; message: string } };

/** Error codes of the protocol itself (the engine's own codes pass through unchanged). */
export const WIRE_ERROR = {
  /** The message is not a request: no id, an unknown method, arguments of the wrong shape. */
  badRequest: "BadRequest",
  /** The handle names a batch the worker no longer holds (it keeps the most recent ones): send the input again. */
  gone: "BatchGone",
  /** The text is larger than the worker takes (MAX_TEXT_BYTES). */
  tooLarge: "TooLarge",
} as const;

/** The promise-returning view of the API that the page uses. */
export type AsyncCidrEngine = {
  [M in CidrMethod]: (...args: Parameters<CidrWorkerApi[M]>) => Promise<ReturnType<CidrWorkerApi[M]>>;
};

export function isCidrMethod(m: unknown): m is CidrMethod {
  return typeof m === "string" && (CIDR_METHODS as readonly string[]).includes(m);
}

const decoder = new TextDecoder();

/** A WireBatch's records as strings, decoded one at a time: a table shows 1,000 of 100,000. */
export class TextLines {
  readonly length: number;
  constructor(private readonly b: Pick<WireBatch, "length" | "text" | "starts">) {
    this.length = b.length;
  }
  at(i: number): string {
    return decoder.decode(this.b.text.subarray(this.b.starts[i], this.b.starts[i + 1] - 1));
  }
  /** Every record, one per line, no final newline (for copying). */
  all(): string {
    return decoder.decode(this.b.text.subarray(0, Math.max(0, this.b.text.length - 1)));
  }
}
