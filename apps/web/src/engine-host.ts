// The worker's side of the protocol (protocol.ts), apart from the worker's globals so that Node
// tests drive it directly: requests in, responses and the buffers to transfer out. It holds the
// batches it parsed or computed, named by handles, so a second verb on the same input neither
// parses nor receives it again. Each call is recorded as a User Timing measure ("aksnet:merge"),
// visible in the browser's performance tools and to the browser tests.
import { UsageError } from "@aksnet/engine";
import { ABI } from "@aksnet/engine/core";
import { cidr, OutputBuffer, LINES, type CidrEngine, type PrefixBatch } from "@aksnet/engine/cidr";
import {
  WIRE_ERROR, isCidrMethod,
  type CidrWorkerApi, type EngineResponse, type WireBatch, type WireParsedList, type WireParseOptions, type WireRef,
} from "./protocol.ts";

/** Batches kept for later verbs; the oldest go first (a page holds a few inputs and their results). */
export const MAX_HELD = 16;
const MAX_MEASURES = 500;
/** Text the worker parses in one request: 32 MiB is about 2 million prefixes; more is refused, not parsed. */
export const MAX_TEXT_BYTES = 32 * 1024 * 1024;
/** Overlapping pairs sent to the page by default (it shows 1,000 rows); the rest are counted. */
export const DEFAULT_MAX_PAIRS = 1000;
/** Free prefixes one allocate request may ask for: the page lists at most 1,000; a bound keeps a typo (10^9) from filling the worker. */
export const MAX_ALLOCATE = 65_536;
const MODES = ["either", "prefix", "address"];
const NEWLINE = 0x0a;
const encoder = new TextEncoder();

export interface EngineHost {
  /** Answers one message: the response and the buffers to transfer with it. Never throws. */
  handle(message: unknown): { response: EngineResponse; transfer: ArrayBuffer[] };
  /** How many batches are held now. */
  readonly held: number;
}

const badRequest = (message: string) => new UsageError(message, "send a request made by engine-client.ts", WIRE_ERROR.badRequest);

type WireText = Pick<WireBatch, "text" | "starts">;

/** One "\n"-terminated UTF-8 buffer of `lines` lines, with the offset of each line (and the end). */
function withStarts(text: Uint8Array, lines: number): WireText {
  const starts = new Uint32Array(lines + 1);
  let k = 1;
  for (let i = 0; i < text.length; i++) if (text[i] === NEWLINE) starts[k++] = i + 1;
  return { text, starts };
}

/** Strings, one per record, as wire text. */
function toText(strings: readonly string[]): WireText {
  return withStarts(encoder.encode(strings.length ? strings.join("\n") + "\n" : ""), strings.length);
}

/**
 * A batch's values as wire text, formatted by the core's formatter (as the CLI prints them):
 * "addr/bits", or with bare a full-length prefix as its address; no JS string per record.
 */
function formatted(b: PrefixBatch, bare = false): WireText {
  const parts: Uint8Array[] = [];
  let bytes = 0;
  const out = new OutputBuffer((v) => { parts.push(v.slice()); bytes += v.length; });
  try {
    out.prefixes(b, LINES, bare);
  } finally {
    out.close();
  }
  const text = parts.length === 1 ? parts[0] : new Uint8Array(bytes);
  if (parts.length !== 1) parts.reduce((at, part) => (text.set(part, at), at + part.length), 0);
  return withStarts(text, b.length);
}

/** Records as text, as written: bare addresses stay bare, "10.1.2.3/16" keeps its host bits. */
function asWritten(batch: PrefixBatch): string[] {
  const s = batch.toStrings();
  for (let i = 0; i < s.length; i++) if (!(batch.flags(i) & ABI.FLAG_HAS_SLASH)) s[i] = s[i].slice(0, s[i].lastIndexOf("/"));
  return s;
}

export function createEngineHost(engine: CidrEngine = cidr()): EngineHost {
  const held = new Map<number, PrefixBatch>();
  let nextHandle = 1;

  const hold = (b: PrefixBatch): number => {
    const id = nextHandle++;
    held.set(id, b);
    while (held.size > MAX_HELD) {
      const [oldest, batch] = held.entries().next().value!;
      held.delete(oldest);
      if (![...held.values()].includes(batch)) batch.dispose();
    }
    return id;
  };

  const get = (ref: unknown, what: string): PrefixBatch => {
    const id = (ref as WireRef | null)?.batch;
    if (typeof ref !== "object" || !Number.isSafeInteger(id)) throw badRequest(`${what} must be a batch handle { batch: n }, not ${JSON.stringify(ref) ?? String(ref)}`);
    const b = held.get(id!);
    if (!b) throw new UsageError(`batch ${id} is no longer held by the engine worker`, "parse the input again", WIRE_ERROR.gone);
    held.delete(id!); // most recently used last
    held.set(id!, b);
    return b;
  };

  const wire = (b: PrefixBatch, text: WireText, id = hold(b)): WireBatch => ({ batch: id, length: b.length, ...text });

  const api: CidrWorkerApi = {
    parseList(bytes, opts) {
      if (!(bytes instanceof Uint8Array)) throw badRequest("parseList takes the text as a Uint8Array of UTF-8 bytes");
      if (bytes.length > MAX_TEXT_BYTES) throw new UsageError(`the text is ${bytes.length} bytes, more than the ${MAX_TEXT_BYTES} the page parses at once`, "use the command-line tool (aksnet cidr) for inputs this large", WIRE_ERROR.tooLarge);
      const o = (opts ?? {}) as WireParseOptions;
      if (typeof o !== "object") throw badRequest("parseList's options must be an object");
      if (o.mode !== undefined && !MODES.includes(o.mode)) throw badRequest(`unknown parse mode ${JSON.stringify(o.mode)}`);
      if (o.maxErrors !== undefined && !Number.isSafeInteger(o.maxErrors)) throw badRequest("maxErrors must be a whole number");
      if (o.source !== undefined && typeof o.source !== "string") throw badRequest("source must be a string");
      const r = engine.parseList(bytes, { mode: o.mode, source: o.source, maxErrors: o.maxErrors });
      const { values } = r;
      const lines = new Uint32Array(values.length);
      for (let i = 0; i < values.length; i++) lines[i] = values.line(i);
      // The per-line records only served the errors; the values are what later verbs read.
      if (r.records !== values) r.records.dispose();
      const result: WireParsedList = {
        batch: hold(values),
        length: values.length,
        lines,
        errors: r.errors.map((e) => ({
          code: e.code, message: e.message, reason: e.reason, input: e.input, line: e.line ?? 0, column: e.column, source: e.source,
        })),
        errorCount: r.errorCount,
      };
      return result;
    },
    batch(input) {
      const b = get(input, "batch's input");
      return wire(b, toText(asWritten(b)), (input as WireRef).batch);
    },
    merge: (input) => {
      const out = engine.merge(get(input, "merge's input"));
      return wire(out, formatted(out));
    },
    exclude: (a, b) => {
      const out = engine.exclude(get(a, "exclude's first list"), get(b, "exclude's second list"));
      return wire(out, formatted(out));
    },
    intersect: (a, b) => {
      const out = engine.intersect(get(a, "intersect's first list"), get(b, "intersect's second list"));
      return wire(out, formatted(out));
    },
    overlappingPairs(input, maxPairs = DEFAULT_MAX_PAIRS) {
      const values = get(input, "overlappingPairs' input");
      if (!Number.isSafeInteger(maxPairs) || maxPairs < 0) throw badRequest("overlappingPairs' maxPairs must be a whole number");
      const { pairs, total } = engine.overlappingPairsUpTo(values, maxPairs);
      const lines = new Uint32Array(pairs.length);
      for (let k = 0; k < pairs.length; k++) lines[k] = values.line(pairs[k]);
      return { length: pairs.length / 2, total, pairs, lines };
    },
    masked: (input) => {
      const out = engine.masked(get(input, "masked's input"));
      return wire(out, formatted(out));
    },
    firstAddresses: (input) => {
      const out = engine.firstAddresses(get(input, "firstAddresses' input"));
      return wire(out, formatted(out, true));
    },
    lastAddresses: (input) => {
      const out = engine.lastAddresses(get(input, "lastAddresses' input"));
      return wire(out, formatted(out, true));
    },
    allocate(space, used, bits, count, family) {
      const s = get(space, "allocate's space"), u = get(used, "allocate's used list");
      if (typeof bits !== "number") throw badRequest("allocate's prefix length must be a number");
      if (count !== undefined && typeof count !== "number") throw badRequest("allocate's count must be a number");
      if (count !== undefined && !(Number.isSafeInteger(count) && count >= 1 && count <= MAX_ALLOCATE)) throw badRequest(`allocate's count must be a whole number from 1 to ${MAX_ALLOCATE}`);
      if (family !== undefined && family !== 4 && family !== 6) throw badRequest("allocate's family must be 4 or 6");
      const got = engine.allocate(s, u, bits, count, family);
      const out = engine.batch(got);
      return wire(out, toText(got.map(String)));
    },
  };

  function handle(message: unknown): { response: EngineResponse; transfer: ArrayBuffer[] } {
    const start = performance.now();
    let id = -1;
    let method = "malformed";
    try {
      if (typeof message !== "object" || message === null) throw badRequest(`a request is an object { id, method, args }, not ${String(message)}`);
      const req = message as { id?: unknown; method?: unknown; args?: unknown };
      if (!Number.isSafeInteger(req.id)) throw badRequest("a request needs a whole-number id");
      id = req.id as number;
      if (!isCidrMethod(req.method)) throw badRequest(`unknown engine method ${JSON.stringify(req.method) ?? String(req.method)}`);
      method = req.method;
      if (!Array.isArray(req.args)) throw badRequest(`${method}'s arguments must be an array`);
      const fn = api[req.method] as (...args: unknown[]) => unknown;
      const result = fn(...req.args);
      return { response: { id, ok: true, result }, transfer: buffersOf(result) };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const code = (e as { code?: unknown } | null)?.code;
      return { response: { id, ok: false, error: { name: err.name, code: typeof code === "string" ? code : undefined, message: err.message } }, transfer: [] };
    } finally {
      if (performance.getEntriesByType("measure").length > MAX_MEASURES) performance.clearMeasures();
      performance.measure(`aksnet:${method}`, { start });
    }
  }

  return {
    handle,
    get held() {
      return held.size;
    },
  };
}

/** What the host needs of a port: the worker's global scope, or a MessagePort in Node tests. */
export interface HostPort {
  postMessage(message: EngineResponse, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent<unknown>) => void) | null;
}

/** Answers every message that arrives on port, transferring the result buffers. */
export function serve(port: HostPort, host: EngineHost = createEngineHost()): EngineHost {
  port.onmessage = (e) => {
    const { response, transfer } = host.handle(e.data);
    try {
      port.postMessage(response, transfer);
    } catch (err) {
      // A result that cannot be sent still answers the request, so the page's call ends.
      const id = (response as { id: number }).id;
      port.postMessage({ id, ok: false, error: { name: "EngineError", message: `the result could not be sent: ${(err as Error)?.message ?? String(err)}` } }, []);
    }
  };
  return host;
}

/** The buffers of a result's typed arrays, to transfer instead of copy (each is the result's own). */
function buffersOf(result: unknown): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  if (typeof result !== "object" || result === null) return out;
  for (const v of Object.values(result)) {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && !out.includes(v.buffer)) out.push(v.buffer);
  }
  return out;
}
