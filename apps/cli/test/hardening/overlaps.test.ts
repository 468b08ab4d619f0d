// aksnet cidr overlaps on hostile input (issue 13, item 7): 20,000 identical lines are 2 × 10^8
// pairs; by default the first --max-pairs are listed and the rest counted.
import { describe, expect, it } from "vitest";
import { aksnet } from "../run.ts";

describe("cidr overlaps --max-pairs", () => {
  const same = Array(20_000).fill("10.0.0.0/8").join("\n") + "\n";
  it("20,000 identical lines: every pair counted, 100,000 listed, exit 1", () => {
    const r = aksnet(["cidr", "overlaps", "-"], { stdin: same });
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split("\n").length).toBe(100_000);
    expect(r.stderr).toBe("199990000 overlapping pairs among 20000 prefixes\n199890000 more pairs not listed (100000 are; --max-pairs N lists more, 0 all)\n");
  });
  it("JSON says the list is truncated and how many pairs there are", () => {
    const r = aksnet(["cidr", "overlaps", "-", "--max-pairs", "3", "--format", "json"], { stdin: same });
    const doc = JSON.parse(r.stdout);
    expect([doc.count, doc.listed, doc.truncated, doc.pairs.length]).toEqual([199990000, 3, true, 3]);
  });
  it("--max-pairs 0 lists all; a small input is not truncated", () => {
    const r = aksnet(["cidr", "overlaps", "10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16", "--max-pairs", "0", "--format", "json"]);
    const doc = JSON.parse(r.stdout);
    expect([doc.count, doc.truncated, doc.pairs.length]).toEqual([2, undefined, 2]);
  });
  it("a bad --max-pairs is a usage error", () => {
    const r = aksnet(["cidr", "overlaps", "10.0.0.0/8", "--max-pairs", "-1"]);
    expect([r.code, r.stderr]).toEqual([2, 'error: --max-pairs must be a whole number up to 2147483647 (0: no limit), not "-1"\n']);
  });
});
