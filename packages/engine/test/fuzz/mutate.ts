// Seeded mutations of a valid input, the way a hostile user (or a broken pipe, an editor, a copy
// from a web page) damages one: byte flips, truncation, lost and repeated lines, huge and
// non-finite numbers, wrong types, unicode look-alikes, CRLF, BOM, NUL, deep nesting, YAML alias
// bombs, long lines. Deterministic by seed: a failure names its seed and mutator, and reproduces.

/** mulberry32: the same stream of numbers in [0, 1) for a seed, everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const at = (r: Rand, n: number) => Math.floor(r() * Math.max(1, n));
const lines = (s: string) => s.split("\n");

/** Look-alikes of characters that matter in our inputs (Cyrillic a, minus sign, fullwidth colon, ...). */
const LOOKALIKES: Record<string, string[]> = {
  a: ["\u0430"], e: ["\u0435"], o: ["\u043e"], "-": ["\u2212", "\u2010"], ":": ["\uff1a"], ".": ["\u2024"],
  "/": ["\u2215"], "0": ["\u04e8", "\uff10"], "1": ["\u0661"], ",": ["\u201a"], '"': ["\u201c"], " ": ["\u00a0", "\u200b", "\u200f"],
};
const NUMBERS = ["1e999", "-1e999", "NaN", "Infinity", "-0", "9007199254740993", "1e308", "0x10", "1.5", "-1", "99999999999999999999", "4294967296", "1_000"];
const TYPES = ["[]", "{}", "null", "true", '"x"', "[1, [2, [3]]]", "{ a: 1 }", '""'];

/** Sizes of the large mutants: small in npm test, larger through the CLI in the soak (scale 10). */
let LONG_LINE = 30_000;
let MANY_LINES = 3_000;

export interface Mutator {
  name: string;
  apply(text: string, r: Rand): string;
}

export const MUTATORS: Mutator[] = [
  { name: "flip-byte", apply: (t, r) => { const i = at(r, t.length); return t.slice(0, i) + String.fromCharCode(t.charCodeAt(i) ^ (1 << at(r, 7))) + t.slice(i + 1); } },
  { name: "random-char", apply: (t, r) => { const i = at(r, t.length); return t.slice(0, i) + String.fromCharCode(at(r, 128)) + t.slice(i + 1); } },
  { name: "truncate", apply: (t, r) => t.slice(0, at(r, t.length)) },
  { name: "delete-line", apply: (t, r) => { const l = lines(t); l.splice(at(r, l.length), 1); return l.join("\n"); } },
  { name: "duplicate-line", apply: (t, r) => { const l = lines(t); const i = at(r, l.length); l.splice(i, 0, l[i]); return l.join("\n"); } },
  { name: "swap-lines", apply: (t, r) => { const l = lines(t); const i = at(r, l.length), j = at(r, l.length); [l[i], l[j]] = [l[j], l[i]]; return l.join("\n"); } },
  { name: "number", apply: (t, r) => { const ms = [...t.matchAll(/-?\d+(\.\d+)?/g)]; if (!ms.length) return t; const m = pick(r, ms); return t.slice(0, m.index) + pick(r, NUMBERS) + t.slice(m.index! + m[0].length); } },
  { name: "wrong-type", apply: (t, r) => { const ms = [...t.matchAll(/(:\s*)("[^"\n]*"|[^\s,}\]\n]+)/g)]; if (!ms.length) return t; const m = pick(r, ms); return t.slice(0, m.index! + m[1].length) + pick(r, TYPES) + t.slice(m.index! + m[0].length); } },
  { name: "lookalike", apply: (t, r) => { const cands = [...t].map((c, i) => [c, i] as const).filter(([c]) => c in LOOKALIKES); if (!cands.length) return t; const [c, i] = pick(r, cands); return t.slice(0, i) + pick(r, LOOKALIKES[c]) + t.slice(i + 1); } },
  { name: "crlf", apply: (t) => t.replace(/\n/g, "\r\n") },
  { name: "bom", apply: (t) => "\ufeff" + t },
  { name: "nul", apply: (t, r) => { const i = at(r, t.length); return t.slice(0, i) + "\0" + t.slice(i); } },
  { name: "deep-nesting", apply: (t, r) => { const n = 1000 + at(r, 20000); const i = at(r, t.length); return t.slice(0, i) + "[".repeat(n) + "]".repeat(n) + t.slice(i); } },
  { name: "yaml-alias", apply: (t, r) => pick(r, ["a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n", "x: *nowhere\n", "x: &s [*s]\n"]) + t },
  { name: "long-line", apply: (t, r) => { const l = lines(t); const i = at(r, l.length); l[i] = l[i] + pick(r, ["x", "9", ",", " ", "a,"]).repeat(LONG_LINE); return l.join("\n"); } },
  { name: "many-lines", apply: (t, r) => { const l = lines(t); const i = at(r, l.length); return [...l.slice(0, i), ...Array(Math.min(MANY_LINES, Math.floor(1e7 / (l[i].length + 1)))).fill(l[i]), ...l.slice(i)].join("\n"); } },
  { name: "empty", apply: () => "" },
  { name: "binary", apply: (t, r) => Array.from({ length: 64 + at(r, 512) }, () => String.fromCharCode(at(r, 256))).join("") + t.slice(at(r, t.length)) },
];

/** The n-th mutant of a seed text: a mutator (sometimes two) chosen by the seed. */
export function mutant(text: string, seed: number, scale = 1): { text: string; how: string } {
  LONG_LINE = 30_000 * scale;
  MANY_LINES = 3_000 * scale;
  const r = rng(seed);
  const m1 = pick(r, MUTATORS);
  let out = m1.apply(text, r);
  let how = m1.name;
  if (r() < 0.25) {
    const m2 = pick(r, MUTATORS);
    out = m2.apply(out, r);
    how += "+" + m2.name;
  }
  return { text: out, how };
}
