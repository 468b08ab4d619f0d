// Renderers of the cidr verbs, one per command: text or JSON on stdout, the summary on stderr.
// Bulk lists (merge, exclude, overlaps) are formatted by the core into an output buffer and written
// with one system call per buffer; the JSON around them is written as the JSON.stringify(v, null, 2)
// of the same value would print it (the goldens pin that down).
import { groupDigits } from "@aksnet/engine";
import {
  OutputBuffer, LINES, jsonStrings, overlapItems, RELATION_TEXT,
  type MergedSet, type PrefixBatch, type InfoRow, type SourceSpan,
} from "@aksnet/engine/cidr";
import { out, json, warn, color, writeStdout, type Format } from "../io.ts";

/** A list of strings under a key at depth 1 of a JSON object: `"key": [ ... ]` (or `[]`). */
function jsonList(buf: OutputBuffer, key: string, items: (style: ReturnType<typeof jsonStrings>) => number): void {
  buf.text(`  ${JSON.stringify(key)}: [`);
  const n = items(jsonStrings(2));
  buf.text(n ? "\n  ]" : "]");
}

export function renderInfo(rows: InfoRow[], format: Format): void {
  if (format === "json") return json({ prefixes: rows });
  const c = color();
  for (const r of rows) {
    out(`${c.bold(r.prefix)}${r.hostBitsSet ? c.yellow(`  (written ${r.input}: host bits set)`) : ""}`);
    out(`  family ${r.family}   first ${r.first}   last ${r.last}   size ${groupDigits(BigInt(r.size))}`);
  }
}

export interface ContainsRow {
  value: string;
  contained: boolean;
  by?: string;
}

export function renderContains(container: string[], rows: ContainsRow[], format: Format): void {
  if (format === "json") return json({ container, results: rows });
  const c = color();
  for (const r of rows) out(`${r.value}  ${r.contained ? c.green("yes") + c.dim(`  (in ${r.by})`) : c.red("no")}`);
}

export function renderMerge(merged: MergedSet, inputCount: number, format: Format): void {
  const buf = new OutputBuffer(writeStdout);
  try {
    if (format === "json") {
      buf.text(`{\n  "input": ${inputCount},\n`);
      jsonList(buf, "prefixes", (style) => buf.merged(merged, style));
      buf.text("\n}\n");
      return;
    }
    const n = buf.merged(merged, LINES);
    if (n === 0) buf.text("\n");
    buf.close();
    warn(`${inputCount} in, ${n} out`);
  } finally {
    buf.close();
  }
}

export function renderExclude(rest: PrefixBatch, format: Format): void {
  const buf = new OutputBuffer(writeStdout);
  try {
    if (format === "json") {
      buf.text("{\n");
      jsonList(buf, "prefixes", (style) => buf.prefixes(rest, style));
      buf.text("\n}\n");
      return;
    }
    if (rest.length) buf.prefixes(rest, LINES);
    else { buf.close(); warn("nothing is left"); }
  } finally {
    buf.close();
  }
}

export function renderOverlaps(pairs: Uint32Array, b: PrefixBatch, sources: readonly SourceSpan[], format: Format, total = pairs.length / 2): void {
  const k = total;
  const shown = pairs.length / 2;
  const more = total - shown;
  const c = color();
  const colored = format === "text" && c.isColorSupported;
  if (colored) {
    // A terminal: a person reads it, so the readable path with colours.
    for (const p of overlapItems(pairs, b, sources)) {
      out(`${c.bold(p.a)} ${c.dim(`(${p.aOrigin})`)} ${RELATION_TEXT[p.relation]} ${c.bold(p.b)} ${c.dim(`(${p.bOrigin})`)}`);
    }
  } else {
    const buf = new OutputBuffer(writeStdout);
    try {
      if (format === "json") {
        buf.text(`{\n  "count": ${k},${more ? `\n  "listed": ${shown},\n  "truncated": true,` : ""}\n  "pairs": [`);
        buf.pairs(pairs, b, sources, true);
        buf.text(shown ? "\n  ]\n}\n" : "]\n}\n");
        return;
      }
      buf.pairs(pairs, b, sources, false);
    } finally {
      buf.close();
    }
  }
  warn(k ? `${k} overlapping pair${k > 1 ? "s" : ""} among ${b.length} prefixes` : `no overlaps among ${b.length} prefixes`);
  if (more) warn(`${more} more pair${more > 1 ? "s" : ""} not listed (${shown} are; --max-pairs N lists more, 0 all)`);
}

export interface LookupRow {
  address: string;
  match: string | null;
  label: string | null;
}

export function renderLookup(table: string, entries: number, results: LookupRow[], format: Format): void {
  if (format === "json") return json({ table, entries, results });
  const c = color();
  for (const r of results) out(r.match ? `${r.address}  ${c.bold(r.match)}${r.label ? "  " + r.label : ""}` : `${r.address}  ${c.dim("no match")}`);
}

export interface FreeResult {
  size: number;
  requested: number;
  allocated: string[];
  complete: boolean;
  freeBefore: string[];
  space: string[];
}

export function renderFree(r: FreeResult, format: Format): void {
  if (format === "json") {
    return json({ size: r.size, requested: r.requested, allocated: r.allocated, complete: r.complete, freeBefore: r.freeBefore });
  }
  if (r.allocated.length) out(r.allocated.join("\n"));
  if (!r.complete) {
    warn(`${color().red("error")}: only ${r.allocated.length} of ${r.requested} free /${r.size} prefixes fit in ${r.space.join(", ")}`);
    warn(`free space: ${r.freeBefore.length ? r.freeBefore.join(", ") : "none"}`);
  }
}
