// Deeply nested manifests (found by the fuzz suite: "Maximum call stack size exceeded" leaked into
// the message): refused with a location and the bound, in YAML and in JSON.
import { describe, expect, it } from "vitest";
import { loadPolicyInput } from "../../src/policy/index.ts";
import { InputError } from "../../src/errors.ts";
import { DOC_LIMITS } from "../../src/aks/reader.ts";

const refused = (name: string, text: string) => {
  let err: unknown;
  try { loadPolicyInput([{ name, text }]); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(InputError);
  const m = (err as Error).message;
  expect(m.startsWith(`${name}`)).toBe(true);
  expect(m).not.toMatch(/call stack/);
  expect(m).toMatch(new RegExp(`nested .*${DOC_LIMITS.maxDepth}`));
};

describe("manifests nested past the bound", () => {
  it("YAML flow style, 5,000 deep", () => refused("deep.yaml", `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: ${"[".repeat(5000)}${"]".repeat(5000)}\n`));
  it("YAML, 200 deep (parses, then the bound)", () => refused("d.yaml", `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: ${"[".repeat(200)}${"]".repeat(200)}\n`));
  it("JSON, 200 deep", () => refused("d.json", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":${"[".repeat(200)}${"]".repeat(200)}}`));
});
