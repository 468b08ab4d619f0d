// Many flows at once: read from CSV (header row: src,dst,proto,sport,dport,in_iface,out_iface) or
// JSON Lines ({"src":..,"dst":..,"dport":..}), and traced in bulk. Errors name the line and column.
import { ParseError } from "../errors.ts";
import type { Flow } from "./trace.ts";
import { parseNetAddr, quickV4 } from "./net.ts";

const FIELDS: Record<string, keyof Flow> = {
  src: "src", source: "src", dst: "dst", destination: "dst", proto: "proto", protocol: "proto",
  sport: "sport", dport: "dport", in_iface: "inIface", iniface: "inIface", "in-iface": "inIface",
  out_iface: "outIface", outiface: "outIface", "out-iface": "outIface",
};

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
  const s = String(v);
  if (!/^\d{1,5}$/.test(s) || Number(s) > 65535) fail(source, line, col, input, `${name} must be a port from 0 to 65535, not ${JSON.stringify(s)}`);
  return Number(s);
}

/** Parses flows; `format` is taken from the file name (.csv / .jsonl / .ndjson) or sniffed. */
export function parseFlows(text: string, opts: { source?: string; format?: "csv" | "jsonl" } = {}): Flow[] {
  const source = opts.source ?? "flows";
  const format = opts.format ?? (/\.(jsonl|ndjson|json)$/i.test(source) ? "jsonl" : /\.csv$/i.test(source) ? "csv" : text.trimStart().startsWith("{") ? "jsonl" : "csv");
  const flows: Flow[] = [];
  const lines = text.split("\n");
  if (format === "jsonl") {
    lines.forEach((raw, i) => {
      const line = raw.replace(/\r$/, "");
      if (!line.trim() || line.trimStart().startsWith("#")) return;
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line);
      } catch (e) {
        const m = /position (\d+)/.exec((e as Error).message);
        return fail(source, i + 1, m ? Number(m[1]) + 1 : 1, line, `not valid JSON: ${(e as Error).message}`, "BadJson");
      }
      if (typeof o !== "object" || o === null || Array.isArray(o)) fail(source, i + 1, 1, line, "each line must be a JSON object");
      const f: Partial<Flow> = {};
      for (const [k, v] of Object.entries(o)) {
        const key = FIELDS[k.toLowerCase()] ?? FIELDS[k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase())];
        if (!key) continue;
        const col = line.indexOf(JSON.stringify(k)) + 1;
        if (key === "sport" || key === "dport") f[key] = port(v, k, source, i + 1, col, line);
        else if (v !== undefined && v !== null) (f as Record<string, unknown>)[key] = String(v);
      }
      if (!f.src || !f.dst) fail(source, i + 1, 1, line, "a flow needs \"src\" and \"dst\"");
      checkAddrs(f, source, i + 1, line);
      flows.push(f as Flow);
    });
    return flows;
  }
  let header: (keyof Flow | undefined)[] | undefined;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (!line.trim() || line.trimStart().startsWith("#")) return;
    const cells = line.split(",").map((c) => c.trim());
    if (!header) {
      header = cells.map((c) => FIELDS[c.toLowerCase()]);
      if (!header.includes("src") || !header.includes("dst")) {
        fail(source, i + 1, 1, line, "the first line must be a header naming the columns, with at least src and dst (e.g. src,dst,proto,dport)", "BadHeader");
      }
      return;
    }
    const f: Partial<Flow> = {};
    let col = 1;
    cells.forEach((c, k) => {
      const key = header![k];
      if (key && c !== "") {
        if (key === "sport" || key === "dport") f[key] = port(c, key, source, i + 1, col, line);
        else (f as Record<string, unknown>)[key] = c;
      }
      col += raw.split(",")[k].length + 1;
    });
    if (!f.src || !f.dst) fail(source, i + 1, 1, line, "a flow needs src and dst");
    checkAddrs(f, source, i + 1, line);
    flows.push(f as Flow);
  });
  return flows;
}
