// ARM template expressions a hostile or broken template holds (issue 13, item 11): each is an
// InputError at the field's line, and evaluation is bounded (each variable evaluated once, strings
// and calls capped).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { loadCluster } from "../../src/aks/index.ts";
import { InputError } from "../../src/index.ts";

const base = JSON.parse(readFileSync(new URL("../../../../examples/clusters/arm/azuredeploy.json", import.meta.url), "utf8"));
/** The example template with its variables replaced and edited, as pretty JSON (so lines mean something). */
function template(variables: Record<string, unknown>, edit: (t: any) => void = () => {}): string {
  const t = structuredClone(base);
  t.variables = { ...t.variables, ...variables };
  edit(t);
  return JSON.stringify(t, null, 2);
}
const inputError = (f: () => unknown): InputError => {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(InputError); return e as InputError; }
  throw new Error("expected an InputError");
};
const load = (text: string) => loadCluster([{ name: "t.json", text }]);
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split("\n").length;

describe("ARM expressions (item 11)", () => {
  it("the example still loads", () => {
    expect(load(template({})).name).toBe("aks-data-eus2");
  });
  it("30 variables doubling each other: bounded, refused at the field", () => {
    const v: Record<string, string> = { d0: "ab" };
    for (let k = 1; k <= 30; k++) v[`d${k}`] = `[concat(variables('d${k - 1}'), variables('d${k - 1}'))]`;
    v.nodeSubnetName = "[variables('d30')]";
    const text = template(v);
    expect(inputError(() => load(text)).message).toMatch(/^t\.json:\d+:\d+: .*template expression \[variables\('nodeSubnetName'\)\]|the value grows past 65536 characters/);
  });
  it("a variable cycle is named, not evaluated into swapped subnet roles", () => {
    const text = template({ nodeSubnetName: "[variables('podSubnetName')]", podSubnetName: "[variables('nodeSubnetName')]" });
    const e = inputError(() => load(text));
    expect(e.message).toMatch(/variables\('(node|pod)SubnetName'\) -> variables\('(node|pod)SubnetName'\) -> variables\('(node|pod)SubnetName'\): the value refers to itself/);
    expect(e.message).not.toMatch(/InsufficientSubnetSize/);
    expect(e.message).toMatch(/^t\.json:\d+:\d+: /);
  });
  it("a self-reference is located", () => {
    const text = template({ nodeSubnetName: "[variables('nodeSubnetName')]" });
    expect(inputError(() => load(text)).message).toMatch(/^t\.json:\d+:\d+: .*variables\('nodeSubnetName'\) -> variables\('nodeSubnetName'\): the value refers to itself/);
  });
  it("an unterminated concat( is an error, not a subnet name", () => {
    const text = template({ nodeSubnetName: "[concat('snet-', 'nodes']" });
    expect(inputError(() => load(text)).message).toMatch(/concat\( is not closed/);
  });
  it("format() with a missing argument is an error, not 'aundefinedundefined'", () => {
    const text = template({ nodeSubnetName: "[format('{0}{1}{2}', 'a')]" });
    const e = inputError(() => load(text));
    expect(e.message).toMatch(/format\('\{0\}\{1\}\{2\}'\): \{1\} has no argument \(1 given\)/);
    expect(e.message).not.toMatch(/undefined/);
  });
  it("the error is at the line of the field that uses it", () => {
    const text = template({}, (t) => { t.resources[0].properties.addressSpace.addressPrefixes = ["[format('{0}/{1}', '10.0.0.0')]"]; });
    expect(inputError(() => load(text)).message).toMatch(new RegExp(`^t\\.json:${lineOf(text, "[format(")}:\\d+: `));
  });
});
