// Exit codes by error kind: every AksnetError (input, usage, unsupported) exits 2 with its message
// and hint; anything else is a bug, reported as "internal error" with exit 70 and no stack unless
// AKSNET_DEBUG asks for one.
import { describe, it, expect, vi, afterEach } from "vitest";
import { InputError, UsageError, UnsupportedError, ParseError, AksnetError } from "@aksnet/engine";
import { CoreAbort } from "@aksnet/engine/core";
import { internalError } from "../src/main.ts";
import { aksnet } from "./run.ts";

function captureStderr(fn: () => number): { code: number; err: string } {
  let err = "";
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => { err += String(s); return true; });
  try {
    return { code: fn(), err };
  } finally {
    spy.mockRestore();
  }
}

describe("error kinds", () => {
  afterEach(() => { delete process.env.AKSNET_DEBUG; });

  it("are AksnetErrors with a kind and a stable code", () => {
    expect(new InputError("x").kind).toBe("input");
    expect(new UsageError("x").kind).toBe("usage");
    expect(new UnsupportedError("x", undefined, "IPv6Bulk").code).toBe("IPv6Bulk");
    const p = new ParseError({ code: "IPv4FieldRange", what: "parsePrefix", input: "1.2.3.256/8", reason: "r", column: 7 });
    expect(p).toBeInstanceOf(InputError);
    expect(p).toBeInstanceOf(AksnetError);
    expect(p.code).toBe("IPv4FieldRange");
  });

  it("a RangeError, TypeError or core abort is an internal error: exit 70, stack only with AKSNET_DEBUG=1", () => {
    for (const e of [new RangeError("index 7 out of range"), new TypeError("x is not a function"), new CoreAbort(12, 3)]) {
      const r = captureStderr(() => internalError(e));
      expect(r.code).toBe(70);
      expect(r.err).toContain("internal error");
      expect(r.err).toContain(e.message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    process.env.AKSNET_DEBUG = "1";
    const r = captureStderr(() => internalError(new RangeError("boom")));
    expect(r.err).toMatch(/\n\s+at /);
  });

  it("the CLI exits 2 for bad input and bad usage, never 70", () => {
    const bad = aksnet(["cidr", "merge", "10.0.0.256/8"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain("internal error");
    const usage = aksnet(["cidr", "free", "--space", "10.0.0.0/8", "--size", "40"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--size/);
  });
});
