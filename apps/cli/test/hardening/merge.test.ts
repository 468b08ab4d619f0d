// aksnet sweep merge on parts that do not add up (issue 13, items 4 and 5): a part carries its row
// count and a content hash, its header is checked field by field and against its shard range, and
// merge refuses (exit 2, naming the file and line) instead of printing wrong output.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aksnet } from "../run.ts";

const dir = mkdtempSync(join(tmpdir(), "aksnet-merge-"));
const SMALL = "examples/sweeps/small.yaml";

function parts(show: string, format: string): string[] {
  return [0, 1].map((i) => {
    const p = join(dir, `${show}-${i}.part`);
    const r = aksnet(["sweep", SMALL, "--quiet", "--show", show, "--format", format, "--shard", `${i}/2`, "-o", p]);
    expect(r.code, r.stderr).toBe(0);
    return p;
  });
}

/** Merges part 0 edited by f, with part 1 as written. */
function mergeEdited(ps: string[], f: (lines: string[]) => string[]): { code: number; stderr: string; stdout: string } {
  const lines = readFileSync(ps[0], "utf8").trimEnd().split("\n");
  const bad = join(dir, "edited.part");
  writeFileSync(bad, f(lines).join("\n") + "\n");
  return aksnet(["sweep", "merge", bad, ps[1]]);
}
const header = (lines: string[], edit: (h: Record<string, unknown>) => void) => { const h = JSON.parse(lines[0]); edit(h); return [JSON.stringify(h), ...lines.slice(1)]; };
const trailer = (lines: string[], edit: (t: Record<string, unknown>) => void) => { const t = JSON.parse(lines.at(-1)!); edit(t); return [...lines.slice(0, -1), JSON.stringify(t)]; };

describe("merge checks rows and aggregates (item 4)", () => {
  const rows = parts("all", "csv");
  const summary = parts("summary", "json");
  it("unedited parts merge (exit 0)", () => {
    expect(aksnet(["sweep", "merge", ...rows]).code).toBe(0);
    expect(aksnet(["sweep", "merge", ...summary]).code).toBe(0);
  });
  const refused: [string, string[], (l: string[]) => string[], RegExp][] = [
    ["a row deleted", rows, (l) => [...l.slice(0, 5), ...l.slice(6)], /edited\.part: \d+ row lines, but the part was written with \d+: lines were lost or repeated/],
    ["a row duplicated", rows, (l) => [...l.slice(0, 5), l[4], ...l.slice(5)], /lines were lost or repeated/],
    ["a row edited", rows, (l) => [l[0], l[1].replace(/,(\d+),/, (_m, d) => `,${Number(d) + 1},`), ...l.slice(2)], /edited\.part: the rows or aggregates are not what the shard wrote/],
    ["an aggregate edited", summary, (l) => trailer(l, (t) => { (t.aggregates as number[])[0] = 999999; }), /the rows or aggregates are not what the shard wrote/],
  ];
  for (const [what, ps, f, err] of refused) {
    it(`${what}: refused, exit 2`, () => {
      const r = mergeEdited(ps, f);
      expect(r.stderr).toMatch(err);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
    });
  }
});

describe("merge checks headers field by field (item 5)", () => {
  const ps = parts("summary", "text");
  const cases: [string, (l: string[]) => string[], RegExp][] = [
    ["a missing field", (l) => header(l, (h) => { delete h.total; }), /^error: .*edited\.part:1: header field total: expected a whole number from 0 to \d+, got undefined/],
    ["specText not a string", (l) => header(l, (h) => { h.specText = 5; }), /edited\.part:1: header field specText: expected a string, got 5/],
    ["a huge shard count", (l) => header(l, (h) => { h.shard = [0, 1e15]; }), /edited\.part:1: header field shard: expected \[i, n\] with 0 <= i < n <= 1000000/],
    ["start outside the shard's range", (l) => header(l, (h) => { h.start = 1; }), /edited\.part:1: header start 1 and end \d+ are not shard 0\/2 of 6552 rows \(0 to 3276\)/],
    ["a short aggregates list", (l) => trailer(l, (t) => { t.aggregates = [1, 2]; }), /edited\.part: (the rows or aggregates|2 aggregates)/],
    ["aggregates not a list", (l) => trailer(l, (t) => { t.aggregates = "x"; }), /edited\.part:2: end line field aggregates: expected a list of numbers and nulls/],
    ["a header that is a list", (l) => ["[1]", ...l.slice(1)], /edited\.part:1: not a sweep part/],
  ];
  for (const [what, f, err] of cases) {
    it(`${what}: exit 2 naming the field, no JavaScript internals`, () => {
      const r = mergeEdited(ps, f);
      expect(r.stderr).toMatch(err);
      expect(r.stderr).not.toMatch(/Cannot read properties|is not a function|Invalid array length|internal error/);
      expect(r.code).toBe(2);
    });
  }
});
