// The payload of dist/aksnet.mjs (payload.ts): the CLI bundle, its code cache and the flow
// thread's bundle in one comment after the launcher. They must read back exactly, whatever "*/"
// they hold, the comment must not end early, and a file without a whole payload is refused.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { Script } from "node:vm";
import { writePayload, readPayload, ESCAPED_END, PAYLOAD_MARK } from "../src/payload.ts";
import { bundlePath } from "./run.ts";

const launcher = "#!/usr/bin/env node\nconsole.log(1);\n";

describe("payload", () => {
  it("reads back what was written, comment ends inside the parts included", () => {
    const p = { body: "(function () { /* a */ return /x*/.test('**/'); })", cache: "QUJD+/=", thread: "a*/b*//c" };
    const file = launcher + writePayload(p);
    expect(readPayload(file)).toEqual(p);
    // The file is still a script whose only code is the launcher's: the parts are inside one comment.
    expect(() => new Script(file.replace(/^#!.*\n/, ""))).not.toThrow();
    expect(file.slice(launcher.length).split("*/").length).toBe(2);
  });

  it("empty parts, and a last part that ends in a star", () => {
    const p = { body: "", cache: "", thread: "x = 2 **" };
    expect(readPayload(launcher + writePayload(p))).toEqual(p);
  });

  it("refuses parts it could not read back: not ASCII, holding the escape, ending the comment where they meet", () => {
    expect(() => writePayload({ body: "// ×", cache: "", thread: "" })).toThrow(/not ASCII/);
    expect(() => writePayload({ body: `a${ESCAPED_END}`, cache: "", thread: "" })).toThrow(/contains/);
    expect(() => writePayload({ body: "a *", cache: "/b", thread: "" })).toThrow(/where they meet/);
  });

  it("refuses a file without a whole payload (cut short, or none)", () => {
    const file = launcher + writePayload({ body: "b", cache: "c", thread: "t" });
    expect(() => readPayload(launcher)).toThrow(/no payload/);
    expect(() => readPayload(file.slice(0, file.length - 20) + file.slice(-2))).toThrow(/no payload/);
    expect(() => readPayload(file.replace(`/*${PAYLOAD_MARK}`, "/*other"))).toThrow(/no payload/);
  });

  it("the built bundle carries one: an ASCII CLI body, a base64 cache, the thread", () => {
    const p = readPayload(readFileSync(bundlePath, "latin1"));
    expect(p.body.startsWith("(function (require, module, exports, __aksnet_url) {")).toBe(true);
    expect(p.cache).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(p.thread.length).toBeGreaterThan(1000);
    expect(p.body).not.toMatch(/[^\x00-\x7f]/);
  });
});
