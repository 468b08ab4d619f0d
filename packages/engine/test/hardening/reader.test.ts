// Hostile documents for the one JSON/YAML reader (cluster files and sweep specs): each case is a
// minimal repro of a crash, hang or wrong position, and must end as a located InputError.
import { describe, expect, it } from "vitest";
import { loadCluster } from "../../src/aks/index.ts";
import { loadSweepSpec } from "../../src/sweep/index.ts";
import { InputError } from "../../src/index.ts";

const load = (text: string, name = "in.yaml") => loadCluster([{ name, text }]);
const inputError = (f: () => unknown): InputError => {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(InputError); return e as InputError; }
  throw new Error("expected an InputError");
};
const POOLS = "nodePools:\n  - name: a\n    count: 3\n";

describe("YAML aliases (issue 13, item 1)", () => {
  it("an alias with no anchor is located, not a ReferenceError", () => {
    expect(inputError(() => load("name: *x\n" + POOLS)).message).toBe("in.yaml:1:7: invalid YAML: alias *x refers to no anchor &x written before it");
  });
  it("an alias before its anchor is located", () => {
    expect(inputError(() => load("name: *x\nother: &x a\n" + POOLS)).message).toMatch(/^in\.yaml:1:7: invalid YAML: alias \*x/);
  });
  it("a billion-laughs bomb is refused", () => {
    let bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n';
    for (const [p, q] of [["b", "a"], ["c", "b"], ["d", "c"], ["e", "d"], ["f", "e"], ["g", "f"]]) bomb += `${p}: &${p} [${Array(9).fill("*" + q).join(",")}]\n`;
    expect(inputError(() => load(bomb + POOLS)).message).toMatch(/^in\.yaml: invalid YAML: the aliases expand too far/);
  });
  it("an alias inside its own anchor (a cycle) is refused", () => {
    expect(inputError(() => load("name: &x [*x]\n" + POOLS)).message).toMatch(/^in\.yaml: invalid YAML: .*nested more than \d+ deep/);
  });
  it("a few aliases that expand a little still load", () => {
    const c = load("network: { plugin: kubenet }\nnodePools:\n  - &p { name: a, count: 3 }\n  - { name: b, count: 2 }\n");
    expect(c.pools.map((p) => p.name)).toEqual(["a", "b"]);
  });
  it("sweep specs share the reader", () => {
    expect(inputError(() => loadSweepSpec("s.yaml", "name: *n\nparameters: { model: [kubenet] }\n")).message).toMatch(/^s\.yaml:1:7: invalid YAML: alias \*n/);
  });
});

describe("JSON syntax errors at their real position (issue 13, item 12)", () => {
  it("a misspelt literal is reported where it is, not as a truncated file", () => {
    const e = inputError(() => load('{\n  "name": "a",\n  "enabled": tru,\n  "x": 1\n}\n', "a.json"));
    expect(e.message).toBe('a.json:3:14: invalid JSON: unexpected "t"; expected a value');
  });
  it("a trailing comma", () => {
    expect(inputError(() => load('{\n  "name": "a",\n}\n', "a.json")).message).toMatch(/^a\.json:3:1: invalid JSON: unexpected "}"; expected a quoted key \(a trailing comma\?\)/);
  });
  it("a truncated file is still called truncated, at its end", () => {
    expect(inputError(() => load('{\n  "name": "a",\n  "x": [1, 2', "a.json")).message).toBe("a.json:3:13: invalid JSON: unexpected end of input (is the JSON truncated?)");
  });
  it("an invisible character is named by its code point", () => {
    expect(inputError(() => load('{"name": \u200f"a"}', "a.json")).message).toBe('a.json:1:10: invalid JSON: unexpected character U+200F; expected a value');
  });
  it("a UTF-8 byte order mark is accepted (JSON and YAML)", () => {
    const az = { name: "a", networkProfile: { networkPlugin: "kubenet" }, agentPoolProfiles: [{ name: "s", mode: "System", count: 3 }] };
    expect(load("\ufeff" + JSON.stringify(az), "a.json").name).toBe("a");
    expect(load("\ufeffname: b\nnetwork: { plugin: kubenet }\n" + POOLS).name).toBe("b");
  });
  it("a field error in JSON is located from the text (the last of duplicate keys, as JSON.parse keeps)", () => {
    const text = '{\n  "name": "a",\n  "agentPoolProfiles": [\n    { "name": "s", "count": 1 },\n    { "name": "t", "count": 1, "count": "lots" }\n  ]\n}\n';
    expect(inputError(() => load(text, "a.json")).message).toMatch(/^a\.json:5:41: agentPoolProfiles\[1\]\.count: expected an integer/);
  });
});

describe("parse cost and depth (issue 13, item 13)", () => {
  it("duplicate YAML keys are still refused (the reader checks them itself, in one pass)", () => {
    expect(inputError(() => load("name: a\nname: b\n" + POOLS)).message).toBe('in.yaml:2:1: invalid YAML: duplicate key "name"');
  });
  it("deep nesting is refused with a bound, not a stack overflow", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expect(inputError(() => load(deep, "d.json")).message).toMatch(/^d\.json: lists and objects are nested more than \d+ deep/);
    expect(inputError(() => load("a: " + "[".repeat(5000) + "]".repeat(5000) + "\n")).message).toMatch(/^in\.yaml:1:\d+: invalid YAML: nested too deeply/);
  });
  it("a JSON document is not parsed a second time as YAML", () => {
    // 30,000 keys in one object: read by JSON.parse and located from the text only on error.
    const o: Record<string, number> = {};
    for (let i = 0; i < 30_000; i++) o[`k${i}`] = i;
    const e = inputError(() => load(JSON.stringify({ ...o, agentPoolProfiles: [{ name: "s", count: "x" }] }), "big.json"));
    expect(e.message).toMatch(/^big\.json:1:\d+: agentPoolProfiles\[0\]\.count: expected an integer/);
  });
});
