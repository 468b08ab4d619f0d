// The engine worker under hostile use (issue 13, item 15): a call that never ends is cancelled
// and the worker restarted; overlaps send a bounded list and the count; a malformed message
// answers an error and the engine goes on; text too large to parse is refused.
import { afterEach, describe, expect, it } from "vitest";
import { connectEngine, EngineError, type EnginePort } from "../src/engine-client.ts";
import { createEngineHost, serve, MAX_TEXT_BYTES, DEFAULT_MAX_PAIRS, MAX_ALLOCATE, type HostPort } from "../src/engine-host.ts";
import { WIRE_ERROR } from "../src/protocol.ts";

const open: MessagePort[] = [];
afterEach(() => { for (const p of open.splice(0)) p.close(); });
const bytes = (s: string) => new TextEncoder().encode(s);

function workerPort(): EnginePort {
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  serve(port2 as unknown as HostPort);
  return port1 as unknown as EnginePort;
}
/** A worker that never answers (stuck in a long request). */
function stuckPort(): EnginePort {
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  port2.onmessage = () => {};
  return port1 as unknown as EnginePort;
}

describe("engine worker hardening (item 15)", () => {
  it("a call that does not end is cancelled by its time limit; the next call goes to a fresh worker", async () => {
    const engine = connectEngine(stuckPort(), { timeoutMs: 50, restart: workerPort });
    const first = engine.parseList(bytes("10.0.0.0/8\n"));
    await expect(first).rejects.toMatchObject({ name: "EngineTimeout" });
    const parsed = await engine.parseList(bytes("10.0.0.0/8\n10.1.0.0/16\n"));
    expect(parsed.length).toBe(2);
  });
  it("cancel() ends what is pending and restarts", async () => {
    const engine = connectEngine(stuckPort(), { timeoutMs: 0, restart: workerPort });
    const p = engine.parseList(bytes("10.0.0.0/8\n"));
    engine.cancel();
    await expect(p).rejects.toBeInstanceOf(EngineError);
    expect((await engine.parseList(bytes("10.0.0.0/8\n"))).length).toBe(1);
  });
  it("allocate asks for a bounded number of prefixes: past the bound it is refused, not computed and sent", async () => {
    const engine = connectEngine(workerPort());
    const space = await engine.parseList(bytes("10.0.0.0/8\n"));
    const none = await engine.parseList(bytes("10.0.0.0/16\n"));
    await expect(engine.allocate(space, none, 32, MAX_ALLOCATE + 1)).rejects.toMatchObject({ message: expect.stringMatching(/count must be a whole number from 1 to 65536/) });
    await expect(engine.allocate(space, none, 32, 1.5)).rejects.toBeInstanceOf(EngineError);
    const ok = await engine.allocate(space, none, 24, 3);
    expect(ok.length).toBe(3);
  });
  it("overlaps send at most the page's rows, and the count of all", async () => {
    const engine = connectEngine(workerPort());
    const parsed = await engine.parseList(bytes(Array(2000).fill("10.0.0.0/8").join("\n")));
    const found = await engine.overlappingPairs(parsed);
    expect([found.length, found.total, found.pairs.length]).toEqual([DEFAULT_MAX_PAIRS, 1999000, 2 * DEFAULT_MAX_PAIRS]);
  });
  it("malformed messages answer errors and leave the engine working", () => {
    const host = createEngineHost();
    const weird: unknown[] = [null, 5, "x", [], { id: 1 }, { id: 1, method: "merge" }, { id: 1, method: "merge", args: [{ batch: "x" }] }, { id: 2, method: "__proto__", args: [] }, { id: 3, method: "allocate", args: [{ batch: 1e300 }, null, "x"] }, { id: 4, method: "parseList", args: [new Uint8Array([0xff, 0xfe, 0])] }];
    for (const m of weird) {
      const r = host.handle(m);
      if (!r.response.ok) expect(r.response.error.message).not.toMatch(/Cannot read properties|is not a function/);
    }
    const r = host.handle({ id: 9, method: "parseList", args: [bytes("10.0.0.0/8\n")] });
    expect(r.response.ok).toBe(true);
  });
  it("text beyond the size limit is refused without parsing", () => {
    const host = createEngineHost();
    const r = host.handle({ id: 1, method: "parseList", args: [new Uint8Array(MAX_TEXT_BYTES + 1)] });
    expect(r.response.ok).toBe(false);
    expect(!r.response.ok && r.response.error.code).toBe(WIRE_ERROR.tooLarge);
  });
});
