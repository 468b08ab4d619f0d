// The worker API's method names are CidrEngine's (checked at compile time in protocol.ts); this
// checks the same at run time, against the engine object the worker actually calls.
import { describe, expect, it } from "vitest";
import { cidr } from "@aksnet/engine/cidr";
import { CIDR_METHODS, isCidrMethod } from "../src/protocol.ts";

describe("worker protocol", () => {
  it("names only methods the engine has", () => {
    const engine = cidr() as unknown as Record<string, unknown>;
    const missing = CIDR_METHODS.filter((m) => typeof engine[m] !== "function");
    expect(missing).toEqual([]);
  });

  it("refuses names that are not engine verbs", () => {
    expect(isCidrMethod("merge")).toBe(true);
    for (const bad of ["constructor", "backend", "__proto__", "toString", 42, undefined]) expect(isCidrMethod(bad)).toBe(false);
  });
});
