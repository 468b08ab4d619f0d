// The worker protocol in Node: the page's client (engine-client.ts) and the worker's host
// (engine-host.ts) joined by a MessageChannel, which transfers and clones as postMessage does
// between a page and its worker. The answers must be the engine's, computed in Node directly.
import { afterEach, describe, expect, it, vi } from "vitest";
import { cidr } from "@aksnet/engine/cidr";
import { connectEngine, EngineError, type EnginePort, type EngineWorker } from "../src/engine-client.ts";
import { MAX_HELD, createEngineHost, serve, type HostPort } from "../src/engine-host.ts";
import { CIDR_METHODS, TextLines, WIRE_ERROR, isCidrMethod, type WireBatch } from "../src/protocol.ts";

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);
const textOf = (b: WireBatch) => [...Array(b.length).keys()].map((i) => new TextLines(b).at(i));

/** The parsed values' input lines, as the engine reports them in Node. */
function valueLines(text: string): number[] {
  const r = cidr().parseList(text);
  const out: number[] = [];
  for (let i = 0; i < r.records.length; i++) if (r.records.family(i)) out.push(r.records.line(i));
  return out;
}

const open: MessagePort[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const p of open.splice(0)) p.close();
});

/** A client and a host on the two ends of a channel; `raw` posts on the client's end directly. */
function connected(): { engine: EngineWorker; raw: (m: unknown) => void; replies: unknown[] } {
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  serve(port2 as unknown as HostPort);
  const replies: unknown[] = [];
  const engine = connectEngine(port1 as unknown as EnginePort);
  const clientOnMessage = port1.onmessage!;
  port1.onmessage = (e) => {
    replies.push(e.data);
    clientOnMessage.call(port1, e);
  };
  return { engine, raw: (m) => port1.postMessage(m), replies };
}

const EXAMPLE = "10.0.0.0/24\n10.0.1.0/24   # adjacent\n\n# a comment\n10.0.0.128/25\n2001:db8::/48\r\n2001:db8::1\n192.168.1.7/16\n";

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

  it("takes the text as bytes, transferred, and answers with the engine's results as typed arrays", async () => {
    const { engine } = connected();
    const sent = bytes(EXAMPLE);
    const parsed = await engine.parseList(sent, { source: "prefixes" });
    // Transferred, not copied: the page's buffer is detached once posted.
    expect(sent.byteLength).toBe(0);
    const inNode = cidr().parseList(EXAMPLE);
    expect(parsed.errorCount).toBe(0);
    expect(parsed.length).toBe(inNode.values.length);
    expect(parsed.lines).toBeInstanceOf(Uint32Array);
    expect([...parsed.lines]).toEqual(valueLines(EXAMPLE));

    const merged = await engine.merge(parsed);
    expect(merged.text).toBeInstanceOf(Uint8Array);
    expect(merged.starts).toBeInstanceOf(Uint32Array);
    expect(merged.starts).toHaveLength(merged.length + 1);
    expect(merged.starts[merged.length]).toBe(merged.text.length);
    expect(textOf(merged)).toEqual(cidr().merge(inNode.values).toStrings());
    expect(new TextLines(merged).all()).toBe(cidr().merge(inNode.values).toStrings().join("\n"));

    // A result goes on to the next verb by its handle.
    const last = await engine.lastAddresses(merged);
    expect(textOf(last)).toEqual(cidr().lastAddresses(cidr().merge(inNode.values)).toStrings(true));

    // As written: host bits kept, bare addresses bare, CRLF and comments gone.
    expect(textOf(await engine.batch(parsed))).toEqual(["10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25", "2001:db8::/48", "2001:db8::1", "192.168.1.7/16"]);
    expect(textOf(await engine.masked(parsed))).toEqual(cidr().masked(inNode.values).toStrings());

    const found = await engine.overlappingPairs(parsed);
    expect(found.pairs).toBeInstanceOf(Uint32Array);
    expect(found.lines).toBeInstanceOf(Uint32Array);
    const expected = cidr().overlappingPairs(inNode.values);
    expect(expected.length).toBeGreaterThan(0);
    expect(found.length).toBe(expected.length);
    expect([...found.pairs]).toEqual(expected.flat());
    const lines = valueLines(EXAMPLE);
    expect([...found.lines]).toEqual(expected.flat().map((i) => lines[i]));
  });

  it("transfers the result buffers instead of copying them", () => {
    const host = createEngineHost();
    const parsed = host.handle({ id: 1, method: "parseList", args: [bytes(EXAMPLE)] });
    expect(parsed.response.ok).toBe(true);
    const ref = (parsed.response as { result: { batch: number; lines: Uint32Array } }).result;
    expect(parsed.transfer).toEqual([ref.lines.buffer]);
    const merged = host.handle({ id: 2, method: "merge", args: [{ batch: ref.batch }] });
    const result = (merged.response as { result: WireBatch }).result;
    expect(merged.transfer).toHaveLength(2);
    expect(merged.transfer).toContain(result.text.buffer);
    expect(merged.transfer).toContain(result.starts.buffer);
  });

  it("reports parse errors with the engine's line and column", async () => {
    const { engine } = connected();
    const text = "10.0.0.0/8\n# café, not an address\n10.0.0.256/8\n  2001:db8:::1/64\n172.16.0.0/33\n";
    const parsed = await engine.parseList(bytes(text), { source: "prefixes", maxErrors: 2 });
    const inNode = cidr().parseList(text, { source: "prefixes", maxErrors: 2 });
    expect(parsed.errorCount).toBe(3);
    expect(parsed.errors).toEqual(inNode.errors.map((e) => ({
      code: e.code, message: e.message, reason: e.reason, input: e.input, line: e.line, column: e.column, source: "prefixes",
    })));
    expect(parsed.errors.map((e) => [e.line, e.column])).toEqual(inNode.errors.map((e) => [e.line, e.column]));
  });

  it("answers a malformed message with an error, and the next request still works", async () => {
    const { engine, raw, replies } = connected();
    for (const bad of [null, 42, "merge", {}, { id: "x", method: "merge", args: [] }, { id: 7, method: "constructor", args: [] }, { id: 8, method: "merge", args: "no" }]) raw(bad);
    const parsed = await engine.parseList(bytes("10.0.0.0/25\n10.0.0.128/25\n"));
    expect(textOf(await engine.merge(parsed))).toEqual(["10.0.0.0/24"]);
    // Every malformed message got its own error reply (-1 when it had no usable id).
    const errors = replies.filter((r) => !(r as { ok: boolean }).ok) as { id: number; error: { code?: string; name: string } }[];
    expect(errors.map((r) => r.id)).toEqual([-1, -1, -1, -1, -1, 7, 8]);
    expect(errors.every((r) => r.error.code === WIRE_ERROR.badRequest)).toBe(true);

    // Arguments of the wrong shape are refused by name, not run into the engine.
    await expect(engine.parseList("10.0.0.0/8" as unknown as Uint8Array)).rejects.toMatchObject({ code: WIRE_ERROR.badRequest });
    await expect(engine.merge({ batch: "1" } as unknown as { batch: number })).rejects.toMatchObject({ code: WIRE_ERROR.badRequest });
    await expect(engine.merge(["10.0.0.0/8"] as unknown as { batch: number })).rejects.toBeInstanceOf(EngineError);
    await expect(engine.parseList(bytes("10.0.0.0/8"), { mode: "nonsense" as "prefix" })).rejects.toMatchObject({ code: WIRE_ERROR.badRequest });
    // An engine error passes through with its own name and message.
    const space = await engine.parseList(bytes("10.0.0.0/16"));
    await expect(engine.allocate(space, space, 40)).rejects.toMatchObject({ name: "RangeError", message: "prefix length 40 out of range for IPv4" });
    // And the worker still serves.
    expect(textOf(await engine.merge(parsed))).toEqual(["10.0.0.0/24"]);
  });

  it("parses an input once: later verbs on its handle do not parse again", async () => {
    const { engine } = connected();
    const parse = vi.spyOn(cidr(), "parseList");
    const parsed = await engine.parseList(bytes(EXAMPLE));
    expect(parse).toHaveBeenCalledTimes(1);
    expect(parse.mock.calls[0][0]).toBeInstanceOf(Uint8Array); // the bytes went to the bulk parser as they came
    const merged = await engine.merge(parsed);
    await engine.lastAddresses(merged);
    await engine.overlappingPairs(parsed);
    await engine.masked(parsed);
    await engine.lastAddresses(parsed);
    await engine.batch(parsed);
    await engine.exclude(parsed, merged);
    await engine.allocate(merged, parsed, 28, 2);
    expect(parse).toHaveBeenCalledTimes(1);
    // A new text is a new parse.
    await engine.merge(await engine.parseList(bytes("10.9.0.0/16\n")));
    expect(parse).toHaveBeenCalledTimes(2);
  });

  it("lets go of the oldest batches, and says so when one is asked for", async () => {
    const { engine } = connected();
    const first = await engine.parseList(bytes("10.0.0.0/8\n"));
    for (let k = 0; k < MAX_HELD; k++) await engine.parseList(bytes(`10.${k}.0.0/16\n`));
    await expect(engine.merge(first)).rejects.toMatchObject({ code: WIRE_ERROR.gone });
    const again = await engine.parseList(bytes("10.0.0.0/8\n"));
    expect(textOf(await engine.merge(again))).toEqual(["10.0.0.0/8"]);
  });
});
