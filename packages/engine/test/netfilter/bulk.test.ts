// Bulk tracing needs no side-effect import: bulk.ts alone (nothing else of netfilter imported
// first) runs both modes on wasm. This file imports nothing else on purpose.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { traceFlows } from "../../src/netfilter/bulk.ts";
import { parseRuleset } from "../../src/netfilter/parse.ts";

describe("bulk tracing without a registry", () => {
  const rs = parseRuleset(readFileSync(new URL("../../../../examples/iptables/kube-proxy-node.rules", import.meta.url), "utf8"));
  const flows = [{ src: "10.244.1.9", dst: "10.0.0.10", proto: "udp", dport: 53 }];
  for (const mode of ["kernel", "kube-proxy-test"] as const) {
    it(`${mode}: engine wasm from bulk.ts alone`, () => {
      const r = traceFlows(rs, flows, { mode });
      expect(r.engine).toBe("wasm");
      expect(r.fallback).toBeUndefined();
      expect(traceFlows(rs, flows, { mode, engine: "wasm" }).results).toEqual(r.results);
    });
  }

  it("what wasm does not take is a typed result: ts under auto, an UnsupportedError under --engine wasm", () => {
    const v6 = [{ src: "fd00::1", dst: "fd00::2" }];
    expect(traceFlows(rs, v6, { mode: "kube-proxy-test" })).toMatchObject({ engine: "ts", fallback: expect.stringMatching(/IPv6/) });
    expect(() => traceFlows(rs, v6, { mode: "kernel", engine: "wasm" })).toThrow(expect.objectContaining({ name: "UnsupportedError", kind: "unsupported" }));
  });
});
