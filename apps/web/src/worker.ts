// The engine's home in the browser: a module Web Worker that owns the WebAssembly core, so long
// batches never block the page. Each request names a CidrEngine method; the answer is its result
// in wire form (see protocol.ts). Each call is recorded as a User Timing measure ("aksnet:merge"),
// visible in the browser's performance tools and to the browser tests.
import { ABI } from "@aksnet/engine/core";
import { cidr, type PrefixBatch } from "@aksnet/engine/cidr";
import { isCidrMethod, type CidrWorkerApi, type EngineRequest, type EngineResponse, type WireParsedList } from "./protocol.ts";

/** Records as text, as written: bare addresses stay bare, "10.1.2.3/16" keeps its host bits. */
function asWritten(batch: PrefixBatch): string[] {
  const withLength = batch.toStrings();
  const bare = batch.toStrings(true);
  return withLength.map((s, i) => (batch.flags(i) & ABI.FLAG_HAS_SLASH ? s : bare[i]));
}

const api: CidrWorkerApi = {
  parseList(text, opts): WireParsedList {
    const r = cidr().parseList(text, opts);
    const lines: number[] = [];
    for (let i = 0; i < r.records.length; i++) if (r.records.family(i) !== 0) lines.push(r.records.line(i));
    return {
      values: asWritten(r.values),
      lines,
      errors: r.errors.map((e) => ({
        code: e.code, message: e.message, reason: e.reason, input: e.input, line: e.line ?? 0, column: e.column, source: e.source,
      })),
      errorCount: r.errorCount,
    };
  },
  merge: (input) => cidr().merge(input).toStrings(),
  exclude: (a, b) => cidr().exclude(a, b).toStrings(),
  intersect: (a, b) => cidr().intersect(a, b).toStrings(),
  overlappingPairs: (input) => cidr().overlappingPairs(input),
  masked: (input) => cidr().masked(input).toStrings(),
  firstAddresses: (input) => cidr().firstAddresses(input).toStrings(true),
  lastAddresses: (input) => cidr().lastAddresses(input).toStrings(true),
  allocate: (space, used, bits, count, family) => cidr().allocate(space, used, bits, count, family).map(String),
};

const MAX_MEASURES = 500;

function handle(req: EngineRequest): EngineResponse {
  if (!isCidrMethod(req.method)) {
    return { id: req.id, ok: false, error: { name: "TypeError", message: `unknown engine method ${JSON.stringify(req.method)}` } };
  }
  const start = performance.now();
  try {
    const fn = api[req.method] as (...args: unknown[]) => unknown;
    const result = fn(...(req.args as unknown[]));
    return { id: req.id, ok: true, result };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const code = (e as { code?: unknown }).code;
    return { id: req.id, ok: false, error: { name: err.name, code: typeof code === "string" ? code : undefined, message: err.message } };
  } finally {
    if (performance.getEntriesByType("measure").length > MAX_MEASURES) performance.clearMeasures();
    performance.measure(`aksnet:${req.method}`, { start });
  }
}

const scope = self as unknown as { postMessage(m: EngineResponse): void; onmessage: ((e: MessageEvent<EngineRequest>) => void) | null };
scope.onmessage = (e) => scope.postMessage(handle(e.data));
