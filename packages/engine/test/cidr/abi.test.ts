import { describe, it, expect } from "vitest";
import { ABI, STATUS_TEXT } from "../../src/core/index.ts";
import { WasmBackend } from "../../src/cidr/index.ts";

describe("ABI mirror", () => {
  const ex = new WasmBackend().exports as unknown as Record<string, unknown>;
  it("every TypeScript constant equals the global the .wasm exports", () => {
    for (const [name, value] of Object.entries(ABI)) {
      const g = ex[name] as WebAssembly.Global | undefined;
      expect(g, `wasm exports ${name}`).toBeInstanceOf(WebAssembly.Global);
      expect(g!.value, name).toBe(value);
    }
  });
  it("every CIDR ABI global the .wasm exports is mirrored", () => {
    // Other modules of the core (netfilter, sweep) export their own constants under their own
    // prefixes and mirror them in their own tests; these are the CIDR core's name families.
    const cidrFamily = /^(REC_|OFF_|RANGE_|ROFF_|FLAG_|MODE_|ST_|RET_)/;
    const globals = Object.entries(ex).filter(([k, v]) => v instanceof WebAssembly.Global && cidrFamily.test(k)).map(([k]) => k);
    const mirrored = new Set(Object.keys(ABI));
    expect(globals.length).toBeGreaterThanOrEqual(mirrored.size);
    expect(globals.filter((g) => !mirrored.has(g))).toEqual([]);
  });
  it("has a reason for every status code", () => {
    expect(STATUS_TEXT.length).toBe(ABI.ST_COUNT);
    expect(new Set(STATUS_TEXT.map((s) => s.code)).size).toBe(ABI.ST_COUNT);
  });
});
