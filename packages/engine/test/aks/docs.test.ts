// Every finding code the checker can raise is documented in docs/findings.md, and nothing else is.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";

const root = new URL("../../../../", import.meta.url);
const src = readFileSync(new URL("packages/engine/src/aks/findings.ts", root), "utf8");
const doc = readFileSync(new URL("docs/findings.md", root), "utf8");

describe("docs/findings.md", () => {
  const raised = new Set<string>();
  for (const m of src.matchAll(/"(error|warning|info)", "([A-Z][A-Za-z0-9]+)"/g)) raised.add(m[2]);
  for (const m of src.matchAll(/\? "([A-Z][A-Za-z0-9]+)" : "([A-Z][A-Za-z0-9]+)"/g)) { raised.add(m[1]); raised.add(m[2]); }
  raised.add("HostBitsSet");
  it("lists every code the checker raises", () => {
    expect(raised.size).toBeGreaterThan(40);
    for (const code of raised) expect(doc, code).toContain("`" + code + "`");
  });
  it("lists no code the checker doesn't raise", () => {
    const documented = [...doc.matchAll(/^\| `([A-Za-z0-9]+)`(?:, `([A-Za-z0-9]+)`)?/gm)].flatMap((m) => [m[1], m[2]]).filter(Boolean);
    for (const code of documented) expect(raised.has(code), code).toBe(true);
  });
});
