// Builds dist/aksnet.mjs, the one file that ships: a small launcher (src/launch.ts) followed by,
// in a comment it reads back (src/payload.ts), the CLI and the engine bundled together (wasm
// bytes included), V8's code cache for that bundle, and the flow thread's own bundle
// (src/flow-thread-entry.ts). The file is also the sweep's worker entry (src/sweep/worker.ts):
// nothing else needs to ship next to it.
import { build } from "esbuild";
import { Script } from "node:vm";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const common = { bundle: true, platform: "node", target: "node20", write: false, logLevel: "warning" };
// The flow thread of `iptables flows` as a bundle of its own, started with { eval: true }: a
// worker that loaded the whole CLI bundle took 70 ms to start (150 ms on a busy machine), this
// one a fraction of that.
const thread = (await build({ ...common, entryPoints: ["src/flow-thread-entry.ts"], format: "cjs", minify: true })).outputFiles[0].text;
// The CLI as one function of (require, module, exports, __aksnet_url): CommonJS, so that
// node:vm compiles it with a code cache (an ES module cannot take one in Node 20).
const cli = (await build({ ...common, entryPoints: ["src/main.ts"], format: "cjs", define: { "import.meta.url": "__aksnet_url" } })).outputFiles[0].text;
// esbuild escapes what is not ASCII in code but leaves it in the comments it keeps; escaped there
// too (it changes nothing), the payload is ASCII (src/payload.ts).
const ascii = (s) => s.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
const body = ascii(`(function (require, module, exports, __aksnet_url) {${cli}\n})`);
// The cache: the bundle compiled, and its top level run (commander's and the commands' set-up,
// no command: the entry test in main.ts is false here), so the functions that run at every start
// are in it. V8 takes it only with the same version and flags, else compiles the text.
const out = fileURLToPath(new URL("dist/aksnet.mjs", import.meta.url));
const script = new Script(body, { filename: out });
const mod = { exports: {} };
script.runInThisContext()(createRequire(out), mod, mod.exports, pathToFileURL(out).href);
const cache = script.createCachedData().toString("base64");
// The launcher's own code, then the payload in a comment after it (src/payload.ts has the format).
const launcher = (await build({ ...common, entryPoints: ["src/launch.ts"], format: "esm", banner: { js: "#!/usr/bin/env node" } })).outputFiles[0].text;
const payloadCode = (await build({ ...common, bundle: false, entryPoints: ["src/payload.ts"], format: "esm" })).outputFiles[0].text;
const { writePayload, readPayload } = await import(`data:text/javascript;base64,${Buffer.from(payloadCode).toString("base64")}`);
const file = launcher + writePayload({ body, cache, thread });
// What the launcher will read back: the same three texts.
const back = readPayload(file);
if (back.body !== body || back.cache !== cache || back.thread !== thread) throw new Error("build: the payload does not read back as written");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, file);
// npm links bin/aksnet at install time, before this file exists: make it executable here.
chmodSync(out, 0o755);
