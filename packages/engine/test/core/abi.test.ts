// The one test of the ABI mirror: every layout and status code lives in packages/wasm/assembly/abi/
// (cidr.ts, netfilter.ts, sweep.ts, dataplane.ts) and is mirrored one way in TypeScript (core/abi.ts ABI,
// netfilter NF_ABI / NK_ABI / LD_ABI, dataplane DP_ABI, sweep SW). Every global the .wasm exports belongs to exactly one
// mirror with the same value, every mirrored constant is exported, and the sweep layout (kept out
// of the globals) is reported by swLayout(i) in the order SW_LAYOUT_ORDER lists.
import { describe, it, expect } from "vitest";
import { ABI, STATUS_TEXT } from "../../src/core/abi.ts";
import { core } from "../../src/core/module.ts";
import { NF_ABI, NK_ABI } from "../../src/netfilter/index.ts";
import { LD_ABI } from "../../src/netfilter/kube-proxy/load.ts";
import { SW } from "../../src/sweep/index.ts";
import { DP_ABI } from "../../src/dataplane/format.ts";
import { SW_LAYOUT_ORDER } from "../../src/sweep/layout.ts";

const ex = core().exports as unknown as Record<string, unknown>;
const mirrors: Record<string, Record<string, number>> = { cidr: ABI, netfilter: NF_ABI, "netfilter kernel": NK_ABI, "netfilter dump loader": LD_ABI, dataplane: DP_ABI };
// Constants with the top bit set (u32 all-ones, markers): the global is an i32, so it reads back negative.
const U32_MAX_NAMES = new Set(["NF_NO_CHAIN", "NK_NONE", "NF_SCAN_NONE", "LD_NONE", "DS_NONE", "LD_FROM_STR", "LD_JUMP_STR", "LD_JUMP_DNAT", "LD_JUMP_TARGET"]);

describe("ABI mirror", () => {
  it("every exported global is mirrored once, with the same value", () => {
    const globals = Object.entries(ex).filter(([, v]) => v instanceof WebAssembly.Global);
    expect(globals.length).toBeGreaterThan(40);
    for (const [name, g] of globals) {
      const owners = Object.entries(mirrors).filter(([, m]) => name in m).map(([k]) => k);
      expect(owners, `${name} is mirrored by exactly one TypeScript table`).toHaveLength(1);
      const raw = (g as WebAssembly.Global).value;
      const got = typeof raw === "bigint" ? Number(raw) : U32_MAX_NAMES.has(name) ? raw >>> 0 : raw;
      expect([name, got]).toEqual([name, mirrors[owners[0]][name]]);
    }
  });

  it("every mirrored constant is exported by the .wasm", () => {
    for (const m of Object.values(mirrors)) {
      for (const name of Object.keys(m)) expect(ex[name], `wasm exports ${name}`).toBeInstanceOf(WebAssembly.Global);
    }
  });

  it("the sweep layout is what swLayout(i) reports", () => {
    const swLayout = ex.swLayout as (i: number) => number;
    SW_LAYOUT_ORDER.forEach((name, i) => expect(swLayout(i), name).toBe(SW[name]));
    expect(swLayout(SW_LAYOUT_ORDER.length)).toBe(-1);
  });

  it("has a reason for every status code", () => {
    expect(STATUS_TEXT.length).toBe(ABI.ST_COUNT);
    expect(new Set(STATUS_TEXT.map((s) => s.code)).size).toBe(ABI.ST_COUNT);
  });
});

describe("result block", () => {
  it("carries a verb's second result: the count needed when the output did not fit", async () => {
    const { cidr, ReferenceBackend, CidrEngine } = await import("../../src/cidr/index.ts");
    // ::/0 minus one address is 128 prefixes, more than the first guess of output capacity (4 per
    // range + 64), so the core reports the count it needs in the result block and the call runs again.
    const got = cidr().exclude(["::/0"], ["2001:db8::1"]).toStrings();
    expect(got).toHaveLength(128);
    expect(got).toEqual(new CidrEngine(new ReferenceBackend()).exclude(["::/0"], ["2001:db8::1"]).toStrings());
  });
});
