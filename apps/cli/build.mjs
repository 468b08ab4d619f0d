// Builds dist/aksnet.mjs, the one file that ships: a small launcher (src/launch.ts) holding, as
// strings, the CLI and the engine bundled together (wasm bytes included), V8's code cache for that
// bundle, and the flow thread's own bundle (src/flow-thread-entry.ts). The file is also the
// sweep's worker entry (src/sweep/worker.ts): nothing else needs to ship next to it.
import { build } from "esbuild";
import { Script } from "node:vm";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chmodSync } from "node:fs";

const common = { bundle: true, platform: "node", target: "node20", write: false, logLevel: "warning" };
// The flow thread of `iptables flows` as a bundle of its own, started with { eval: true }: a
// worker that loaded the whole CLI bundle took 70 ms to start (150 ms on a busy machine), this
// one a fraction of that.
const thread = (await build({ ...common, entryPoints: ["src/flow-thread-entry.ts"], format: "cjs", minify: true })).outputFiles[0].text;
// The CLI as one function of (require, module, exports, __aksnet_url): CommonJS, so that
// node:vm compiles it with a code cache (an ES module cannot take one in Node 20).
const cli = (await build({ ...common, entryPoints: ["src/main.ts"], format: "cjs", define: { "import.meta.url": "__aksnet_url" } })).outputFiles[0].text;
const body = `(function (require, module, exports, __aksnet_url) {${cli}\n})`;
// The cache: the bundle compiled, and its top level run (commander's and the commands' set-up,
// no command: the entry test in main.ts is false here), so the functions that run at every start
// are in it. V8 takes it only with the same version and flags, else compiles the text.
const out = fileURLToPath(new URL("dist/aksnet.mjs", import.meta.url));
const script = new Script(body, { filename: out });
const mod = { exports: {} };
script.runInThisContext()(createRequire(out), mod, mod.exports, pathToFileURL(out).href);
const cache = script.createCachedData().toString("base64");
await build({
  ...common,
  write: true,
  entryPoints: ["src/launch.ts"],
  format: "esm",
  outfile: "dist/aksnet.mjs",
  define: { __AKSNET_BODY__: JSON.stringify(body), __AKSNET_CODE_CACHE__: JSON.stringify(cache), __AKSNET_FLOW_THREAD__: JSON.stringify(thread) },
  banner: { js: "#!/usr/bin/env node" },
});
// npm links bin/aksnet at install time, before this file exists: make it executable here.
chmodSync(out, 0o755);
