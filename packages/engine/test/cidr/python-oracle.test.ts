// Differential test against Python 3's ipaddress module (an independent implementation present on
// every machine here): at least 10,000 random cases per verb for parse, merge, exclude and
// overlaps, zero mismatches allowed. Inputs are generated with a fixed seed (reproducible).
import { describe, it, expect, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { cidr } from "../../src/cidr/index.ts";
import { Prefix } from "../../src/index.ts";
import { anyPrefix, damagedText, textForms } from "./gen.ts";

const CASES = 10_000;
const SEED = 20261126;
const oracle = fileURLToPath(new URL("./oracle.py", import.meta.url));

// Known, deliberate differences from Python (documented in docs/cidr.md): we trim blanks and
// "#" comments, refuse zones ("%eth0"), and refuse leading zeros in a prefix length ("/08").
const comparable = (s: string) => s === s.trim() && !/[%#]/.test(s) && !/\/0\d/.test(s) && !/\s/.test(s);

type Triple = [number, string, number];
const triple = (p: Prefix): Triple => [p.family, p.first.value.toString(), p.bits];

let parseInputs: string[], mergeInputs: string[][], excludeInputs: [string[], string[]][], overlapInputs: string[][];
let answers: { parse: ([number, string, number, string] | null)[]; merge: Triple[][]; exclude: Triple[][]; overlaps: [number, number][][] };

beforeAll(() => {
  const text = fc.oneof(anyPrefix.chain((p) => fc.constantFrom(...textForms(p))), damagedText);
  parseInputs = fc.sample(text, { numRuns: CASES * 2, seed: SEED }).filter(comparable).slice(0, CASES);
  const strList = fc.array(anyPrefix.map(String), { minLength: 1, maxLength: 12 });
  mergeInputs = fc.sample(strList, { numRuns: CASES, seed: SEED + 1 });
  excludeInputs = fc.sample(fc.tuple(strList, strList), { numRuns: CASES, seed: SEED + 2 });
  overlapInputs = fc.sample(strList, { numRuns: CASES, seed: SEED + 3 });
  const r = spawnSync("python3", [oracle], {
    input: JSON.stringify({ parse: parseInputs, merge: mergeInputs, exclude: excludeInputs, overlaps: overlapInputs }),
    maxBuffer: 1 << 30,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`python3 oracle failed: ${r.error ?? r.stderr}`);
  answers = JSON.parse(r.stdout);
}, 120_000);

describe("differential against Python's ipaddress", () => {
  it(`parse: ${CASES} inputs, valid and damaged`, () => {
    expect(parseInputs.length).toBe(CASES);
    const e = cidr();
    const records = e.parseList(parseInputs.join("\n"), { mode: "either" }).records;
    const mismatches: string[] = [];
    let valid = 0;
    parseInputs.forEach((s, i) => {
      const want = answers.parse[i];
      const got = records.get(i);
      if (want) valid++;
      const ok = want === null
        ? got === undefined
        : got !== undefined && got.family === want[0] && got.addr.value.toString() === want[1] && got.bits === want[2] &&
          // RFC 5952 text matches Python's compressed form, except IPv4-mapped (dotted here).
          (got.addr.toString().startsWith("::ffff:") && got.addr.toString().includes(".") ? true : got.addr.toString() === want[3]);
      if (!ok) mismatches.push(`${JSON.stringify(s)}: python ${JSON.stringify(want)}, aksnet ${got ?? records.statusCode(i)}`);
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
    // Both outcomes are well represented.
    expect(valid).toBeGreaterThan(CASES / 4);
    expect(CASES - valid).toBeGreaterThan(CASES / 10);
  });

  it(`merge: ${CASES} lists`, () => {
    const mismatches = mergeInputs.filter((c, i) => JSON.stringify(cidr().merge(c).toPrefixes().map(triple)) !== JSON.stringify(answers.merge[i]));
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it(`exclude: ${CASES} pairs of lists`, () => {
    const mismatches = excludeInputs.filter(([a, b], i) => JSON.stringify(cidr().exclude(a, b).toPrefixes().map(triple)) !== JSON.stringify(answers.exclude[i]));
    expect(mismatches.slice(0, 5)).toEqual([]);
    // Not a trivial corpus: most cases really cut something.
    expect(answers.exclude.filter((x, i) => x.length !== answers.merge[i]?.length).length).toBeGreaterThan(0);
  });

  it(`overlaps: ${CASES} lists`, () => {
    const mismatches = overlapInputs.filter((c, i) => JSON.stringify(cidr().overlappingPairs(c)) !== JSON.stringify(answers.overlaps[i]));
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(answers.overlaps.filter((x) => x.length > 0).length).toBeGreaterThan(CASES / 10);
  });
});
