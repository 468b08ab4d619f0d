// The readable TypeScript twins of the core's formatters (assembly/format.ts): the same bytes,
// built from strings. Property tests compare the two; nothing on a bulk path uses these.
import type { PrefixBatch } from "./records.ts";
import type { SourceSpan } from "./stream.ts";
import type { ListStyle } from "./format.ts";

/** What a list of values looks like in a style (the twin of formatPrefixes/formatRanges/formatV4Keys). */
export function formatListRef(values: readonly string[], style: ListStyle, started = false): string {
  let s = "";
  values.forEach((v, i) => { s += (i === 0 && !started ? style.first : style.sep) + v + style.trail; });
  return s;
}

/** How two overlapping prefixes relate: the same range, the first contains the second, or it is inside it. */
export type OverlapRelation = "same" | "contains" | "inside";

/** The relation of two prefixes known to overlap follows from their lengths alone. */
export function overlapRelation(bitsA: number, bitsB: number): OverlapRelation {
  return bitsA === bitsB ? "same" : bitsA < bitsB ? "contains" : "inside";
}

export const RELATION_TEXT: Record<OverlapRelation, string> = {
  same: "is the same range as",
  contains: "contains",
  inside: "is inside",
};

/** "name:line" for a value read from a file or stdin, "name" for a literal argument. */
export function originOf(sources: readonly SourceSpan[], b: PrefixBatch, i: number): string {
  let s = sources[0];
  for (const x of sources) if (x.start <= i) s = x;
  return s.lines ? `${s.name}:${b.line(i)}` : s.name;
}

export interface OverlapItem {
  a: string;
  aOrigin: string;
  b: string;
  bOrigin: string;
  relation: OverlapRelation;
}

/** The overlap pairs as objects (the JSON form of the CLI's overlaps, and what the web app shows). */
export function overlapItems(pairs: Uint32Array, b: PrefixBatch, sources: readonly SourceSpan[]): OverlapItem[] {
  const out: OverlapItem[] = [];
  for (let k = 0; k < pairs.length; k += 2) {
    const i = pairs[k], j = pairs[k + 1];
    out.push({
      a: b.get(i)!.toString(), aOrigin: originOf(sources, b, i),
      b: b.get(j)!.toString(), bOrigin: originOf(sources, b, j),
      relation: overlapRelation(b.bits(i), b.bits(j)),
    });
  }
  return out;
}

/** The twin of formatPairs: text lines, or the items of the JSON "pairs" array (2-space indent, depth 2). */
export function formatPairsRef(pairs: Uint32Array, b: PrefixBatch, sources: readonly SourceSpan[], json: boolean): string {
  const items = overlapItems(pairs, b, sources);
  if (!json) return items.map((p) => `${p.a} (${p.aOrigin}) ${RELATION_TEXT[p.relation]} ${p.b} (${p.bOrigin})\n`).join("");
  return items
    .map((p, k) => (k ? "," : "") + "\n    " + JSON.stringify(p, null, 2).replace(/\n/g, "\n    "))
    .join("");
}
