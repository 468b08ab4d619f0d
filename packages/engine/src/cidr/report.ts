// Domain answers the CLI and the web app both show: the rows of `cidr info`, the labelled
// prefix table of `cidr lookup`. Renderers turn these into text, JSON or HTML.
import type { CidrEngine } from "./engine.ts";
import type { PrefixBatch } from "./records.ts";

export interface InfoRow {
  /** As written (host bits kept). */
  input: string;
  /** The network it really covers (host bits cleared). */
  prefix: string;
  family: "IPv4" | "IPv6";
  first: string;
  last: string;
  /** Number of addresses, in decimal (exact: up to 2^128). */
  size: string;
  hostBitsSet: boolean;
  origin: string;
}

/** One row per value: network, first and last address, size, host bits; origin(i) says where it came from. */
export function infoRows(e: CidrEngine, b: PrefixBatch, origin: (i: number) => string): InfoRow[] {
  const masked = e.masked(b), first = e.firstAddresses(b), last = e.lastAddresses(b);
  return Array.from({ length: b.length }, (_, i) => {
    const p = b.get(i)!;
    return {
      input: p.toString(),
      prefix: masked.get(i)!.toString(),
      family: p.family === 4 ? "IPv4" : "IPv6",
      first: first.addr(i)!.toString(),
      last: last.addr(i)!.toString(),
      size: p.size.toString(),
      hostBitsSet: p.hasHostBits,
      origin: origin(i),
    };
  });
}

export interface LabelledTable {
  /** The table's prefixes, in line order; record k's LPM value is k. */
  entries: PrefixBatch;
  /** labels[k]: the label of entry k ("" when the line has none). */
  labels: string[];
}

/**
 * A table of "prefix [label...]" lines ("#" comments and blank lines allowed); the prefixes go
 * through the core's parser with their line numbers, so an error names the line and column.
 */
export function parseLabelledTable(e: CidrEngine, text: string, source: string): LabelledTable {
  const lineLabels: string[] = [];
  const prefixText = text
    .split("\n")
    .map((l) => {
      const t = l.replace(/(^|\s)#.*$/, "").trim();
      const sp = t.search(/\s/);
      lineLabels.push(sp < 0 ? "" : t.slice(sp).trim());
      return sp < 0 ? t : t.slice(0, sp);
    })
    .join("\n");
  const parsed = e.parseList(prefixText, { mode: "prefix", source });
  if (parsed.errors.length) throw parsed.errors[0];
  const rows: number[] = [];
  for (let i = 0; i < parsed.records.length; i++) if (parsed.records.family(i)) rows.push(i);
  return { entries: parsed.values.withValues(rows.map((_, k) => k)), labels: rows.map((r) => lineLabels[r]) };
}

