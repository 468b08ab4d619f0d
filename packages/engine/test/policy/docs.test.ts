// Every finding code policy lint can raise is in docs/policy.md's table, and the table lists no
// code lint doesn't raise.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";

const root = new URL("../../../../", import.meta.url);
const src = readFileSync(new URL("packages/engine/src/policy/lint.ts", root), "utf8");
const doc = readFileSync(new URL("docs/policy.md", root), "utf8");

describe("docs/policy.md", () => {
  const raised = new Set<string>();
  for (const m of src.matchAll(/"(?:error|warning|info)", "([A-Z][A-Za-z0-9]+)"/g)) raised.add(m[1]);
  for (const m of src.matchAll(/code: "([A-Z][A-Za-z0-9]+)"/g)) raised.add(m[1]);
  const table = doc.slice(doc.indexOf("## `policy lint`"), doc.indexOf("## What the cluster changes"));
  const documented = new Set([...table.matchAll(/^\|([^|]+)\|/gm)].flatMap((m) => [...m[1].matchAll(/`([A-Z][A-Za-z0-9]+)`/g)].map((x) => x[1])));
  it("documents every code lint raises", () => {
    expect(raised.size).toBeGreaterThan(15);
    for (const code of raised) expect(documented.has(code), code).toBe(true);
  });
  it("documents no code lint doesn't raise", () => {
    for (const code of documented) expect(raised.has(code), code).toBe(true);
  });
});
