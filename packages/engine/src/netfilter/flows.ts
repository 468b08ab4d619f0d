// Many flows at once: read from CSV (header row: src,dst,proto,sport,dport,in_iface,out_iface) or
// JSON Lines ({"src":..,"dst":..,"dport":..}), and traced in bulk. Errors name the line and column.
// This is the readable reference reader (a string in, Flow objects out); flow-scan.ts reads the
// same files from bytes into columns and defers to the per-line functions here for every line it
// does not take itself, so both give the same flows and the same errors (a property test checks it).
import { ParseError } from "../errors.ts";
import type { Flow } from "./types.ts";
import { parseNetAddr, quickV4 } from "./net.ts";

export const FLOW_FIELDS: Record<string, keyof Flow> = {
  src: "src", source: "src", dst: "dst", destination: "dst", proto: "proto", protocol: "proto",
  sport: "sport", dport: "dport", in_iface: "inIface", iniface: "inIface", "in-iface": "inIface",
  out_iface: "outIface", outiface: "outIface", "out-iface": "outIface",
};
const FIELDS = FLOW_FIELDS;

export type FlowFormat = "csv" | "jsonl";
export type CsvHeader = (keyof Flow | undefined)[];

function fail(source: string, line: number, col: number, input: string, reason: string, code = "BadFlow"): never {
  throw new ParseError({ code, what: "parseFlows", input, reason, column: col, line, source });
}

function checkAddrs(f: Partial<Flow>, source: string, line: number, input: string): void {
  for (const k of ["src", "dst"] as const) {
    if (quickV4(f[k]!) >= 0) continue;
    try {
      parseNetAddr(f[k]!);
    } catch (e) {
      fail(source, line, Math.max(1, input.indexOf(f[k]!) + 1), input, `bad ${k} address ${JSON.stringify(f[k])}: ${(e as ParseError).reason ?? (e as Error).message}`, "BadAddress");
    }
  }
}

function port(v: unknown, name: string, source: string, line: number, col: number, input: string): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  if (!/^\d{1,5}$/.test(s) || Number(s) > 65535) fail(source, line, col, input, `${name} must be a port from 0 to 65535, not ${JSON.stringify(s)}`);
  return Number(s);
}

/** The format of a flow file: from its name (.csv / .jsonl / .ndjson / .json), else sniffed from the text. */
export function flowFormat(source: string, text: () => string): FlowFormat {
  return /\.(jsonl|ndjson|json)$/i.test(source) ? "jsonl" : /\.csv$/i.test(source) ? "csv" : text().trimStart().startsWith("{") ? "jsonl" : "csv";
}

/** A line (without its "\n" and a trailing "\r") that holds no flow: blank or a "#" comment. */
export function isFlowFiller(line: string): boolean {
  return !line.trim() || line.trimStart().startsWith("#");
}

/** One JSON Lines flow (line is 1-based, text without the line break). */
export function parseJsonFlowLine(line: string, lineNo: number, source: string): Flow {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    return fail(source, lineNo, m ? Number(m[1]) + 1 : 1, line, `not valid JSON: ${(e as Error).message}`, "BadJson");
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) fail(source, lineNo, 1, line, "each line must be a JSON object");
  const f: Partial<Flow> = {};
  for (const [k, v] of Object.entries(o)) {
    const key = FIELDS[k.toLowerCase()] ?? FIELDS[k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase())];
    if (!key) continue;
    const col = line.indexOf(JSON.stringify(k)) + 1;
    if (key === "sport" || key === "dport") f[key] = port(v, k, source, lineNo, col, line);
    else if (v !== undefined && v !== null) (f as Record<string, unknown>)[key] = typeof v === "object" ? JSON.stringify(v) : String(v);
  }
  if (!f.src || !f.dst) fail(source, lineNo, 1, line, "a flow needs \"src\" and \"dst\"");
  checkAddrs(f, source, lineNo, line);
  return f as Flow;
}

/** The CSV header line: which flow field each column holds. */
export function parseCsvHeader(line: string, lineNo: number, source: string): CsvHeader {
  const header = line.split(",").map((c) => FIELDS[c.trim().toLowerCase()]);
  if (!header.includes("src") || !header.includes("dst")) {
    fail(source, lineNo, 1, line, "the first line must be a header naming the columns, with at least src and dst (e.g. src,dst,proto,dport)", "BadHeader");
  }
  return header;
}

/** One CSV flow. `raw` is the line as split on "\n" (its "\r" counts in no column: only cells before the last are measured). */
export function parseCsvFlowLine(line: string, header: CsvHeader, lineNo: number, source: string): Flow {
  const f: Partial<Flow> = {};
  let col = 1;
  let start = 0;
  for (let k = 0; ; k++) {
    const end = line.indexOf(",", start);
    const rawCell = line.slice(start, end < 0 ? line.length : end);
    const c = rawCell.trim();
    const key = header[k];
    if (key && c !== "") {
      if (key === "sport" || key === "dport") f[key] = port(c, key, source, lineNo, col, line);
      else (f as Record<string, unknown>)[key] = c;
    }
    col += rawCell.length + 1;
    if (end < 0) break;
    start = end + 1;
  }
  if (!f.src || !f.dst) fail(source, lineNo, 1, line, "a flow needs src and dst");
  checkAddrs(f, source, lineNo, line);
  return f as Flow;
}

/** Parses flows; `format` is taken from the file name (.csv / .jsonl / .ndjson) or sniffed. */
export function parseFlows(text: string, opts: { source?: string; format?: FlowFormat } = {}): Flow[] {
  const source = opts.source ?? "flows";
  const format = opts.format ?? flowFormat(source, () => text);
  const flows: Flow[] = [];
  const lines = text.split("\n");
  let header: CsvHeader | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    if (isFlowFiller(line)) continue;
    if (format === "jsonl") flows.push(parseJsonFlowLine(line, i + 1, source));
    else if (!header) header = parseCsvHeader(line, i + 1, source);
    else flows.push(parseCsvFlowLine(line, header, i + 1, source));
  }
  return flows;
}

/**
 * Where the first flow naming a protocol is (line, and the column of its cell or value), read as
 * parseFlows reads the file; undefined when no flow does. For the error of a protocol the
 * tracers refuse, which is found once per distinct name, after the scan.
 */
export function locateFlowProto(text: string, proto: string, opts: { source?: string; format?: FlowFormat } = {}): { line: number; col: number } | undefined {
  const source = opts.source ?? "flows";
  const format = opts.format ?? flowFormat(source, () => text);
  const lines = text.split("\n");
  let header: CsvHeader | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    if (isFlowFiller(line)) continue;
    if (format === "csv" && !header) { header = parseCsvHeader(line, i + 1, source); continue; }
    const f = format === "jsonl" ? parseJsonFlowLine(line, i + 1, source) : parseCsvFlowLine(line, header!, i + 1, source);
    if (f.proto === proto) return { line: i + 1, col: Math.max(1, line.indexOf(proto) + 1) };
  }
  return undefined;
}
