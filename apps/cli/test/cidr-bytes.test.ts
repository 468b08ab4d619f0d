// The cidr verbs on the bytes-in / bytes-out path, end to end: inputs bigger than one read chunk,
// stdin, BOM and CRLF files, empty results in JSON, errors located past a chunk boundary.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aksnet } from "./run.ts";
import { CidrEngine, ReferenceBackend } from "@aksnet/engine/cidr";

let dir: string;
const ref = new CidrEngine(new ReferenceBackend());

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "aksnet-cidr-")); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, data: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

/** 150,000 /32s and /31s in 10.0.0.0/8, about 2 MB: more than one 1 MiB read chunk. */
function bigList(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 150_000; i++) {
    const a = (0x0a000000 + ((i * 2654435761) >>> 8)) >>> 0;
    out.push(`${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${i % 3 ? 32 : 31}`.replace(/\.(\d+)\/31$/, (_, d) => `.${Number(d) & ~1}/31`));
  }
  return out;
}

describe("cidr merge: bytes in, bytes out", () => {
  it("a file of several chunks merges as the reference does (text and JSON)", () => {
    const lines = bigList();
    const p = file("big.txt", lines.join("\n") + "\n");
    const expected = ref.merge(ref.parseStrict(lines.join("\n"))).toStrings();
    const t = aksnet(["cidr", "merge", p]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toBe(expected.join("\n") + "\n");
    expect(t.stderr).toBe(`${lines.length} in, ${expected.length} out\n`);
    const j = aksnet(["cidr", "merge", p, "--format", "json"]);
    expect(j.stdout).toBe(JSON.stringify({ input: lines.length, prefixes: expected }, null, 2) + "\n");
  });

  it("stdin streams the same way", () => {
    const lines = bigList().slice(0, 80_000);
    const r = aksnet(["cidr", "merge", "-"], { stdin: lines.join("\n") });
    expect(r.stdout).toBe(ref.merge(ref.parseStrict(lines.join("\n"))).toStrings().join("\n") + "\n");
  });

  it("an error past the first chunk names its line and column", () => {
    const lines = bigList();
    lines[120_000] = "10.1.2.300/32";
    const r = aksnet(["cidr", "merge", file("bad.txt", lines.join("\n"))]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: .*bad\.txt:120001:8: parsePrefix\("10\.1\.2\.300\/32"\): IPv4 field has value >255/);
  });

  it("a UTF-8 BOM and CRLF line ends (Windows files)", () => {
    const p = file("win.txt", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("10.0.0.0/25\r\n10.0.0.128/25\r\n2001:db8::/33\r\n2001:db8:8000::/33\r\n")]));
    const r = aksnet(["cidr", "merge", p]);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, "10.0.0.0/24\n2001:db8::/32\n", "4 in, 2 out\n"]);
  });

  it("empty input: a blank line in text, [] in JSON", () => {
    const p = file("empty.txt", "# nothing here\n\n");
    expect(aksnet(["cidr", "merge", p]).stdout).toBe("\n");
    expect(aksnet(["cidr", "merge", p, "--format", "json"]).stdout).toBe(JSON.stringify({ input: 0, prefixes: [] }, null, 2) + "\n");
    expect(aksnet(["cidr", "merge", file("zero.txt", "")]).stderr).toBe("0 in, 0 out\n");
  });

  it("literal arguments and files mix", () => {
    const p = file("two.txt", "10.0.1.0/24");
    const r = aksnet(["cidr", "merge", "10.0.0.0/24", p, "::ffff:10.0.0.0/120"]);
    expect(r.stdout).toBe("10.0.0.0/23\n::ffff:10.0.0.0/120\n");
  });
});

describe("cidr exclude and overlaps: bytes out", () => {
  it("exclude: nothing left is [] in JSON and a note on stderr in text", () => {
    const j = aksnet(["cidr", "exclude", "10.0.0.0/24", "--remove", "10.0.0.0/8", "--format", "json"]);
    expect(j.stdout).toBe(JSON.stringify({ prefixes: [] }, null, 2) + "\n");
    const t = aksnet(["cidr", "exclude", "10.0.0.0/24", "--remove", "10.0.0.0/8"]);
    expect([t.stdout, t.stderr]).toEqual(["", "nothing is left\n"]);
  });

  it("overlaps: no pairs is count 0 and [] in JSON", () => {
    const j = aksnet(["cidr", "overlaps", "10.0.0.0/24", "10.0.1.0/24", "--format", "json"]);
    expect([j.code, j.stdout]).toEqual([0, JSON.stringify({ count: 0, pairs: [] }, null, 2) + "\n"]);
  });

  it("overlaps: many pairs from a file and stdin, origins with line numbers, JSON escaping of names", () => {
    const lines = ["# header", ...Array.from({ length: 3000 }, (_, i) => `10.${i % 7}.${(i * 13) % 256}.0/${24 + (i % 5)}`), "10.0.0.0/8"];
    const p = file('we"ird.txt', lines.join("\n"));
    const j = aksnet(["cidr", "overlaps", p, "-", "--format", "json"], { stdin: "10.3.0.0/16\n" });
    expect(j.code).toBe(1);
    const parsed = JSON.parse(j.stdout);
    const pairs = ref.backend.overlappingPairs(ref.parseStrict([...lines.slice(1), "10.3.0.0/16"].join("\n")));
    expect(parsed.count).toBe(pairs.length / 2);
    expect(parsed.pairs.length).toBe(pairs.length / 2);
    const last = parsed.pairs[parsed.pairs.length - 1];
    expect(last.bOrigin).toBe("<stdin>:1");
    expect(parsed.pairs[0].aOrigin).toBe(`${p}:2`);
    const t = aksnet(["cidr", "overlaps", p, "-"], { stdin: "10.3.0.0/16\n" });
    expect(t.stdout.split("\n").length - 1).toBe(parsed.count);
    expect(t.stderr).toBe(`${parsed.count} overlapping pairs among ${lines.length} prefixes\n`);
  });
});

describe("cidr: stdin named twice", () => {
  it("both inputs read the same bytes (exclude - --remove -, contains - -)", () => {
    const e = aksnet(["cidr", "exclude", "-", "--remove", "-"], { stdin: "10.0.0.0/24\n" });
    expect([e.code, e.stdout, e.stderr]).toEqual([0, "", "nothing is left\n"]);
    const c = aksnet(["cidr", "contains", "-", "-"], { stdin: "10.0.0.0/24\n10.0.0.1\n" });
    expect(c.stdout).toBe("10.0.0.0/24  yes  (in 10.0.0.0/24)\n10.0.0.1  yes  (in 10.0.0.1/32)\n");
  });
});
