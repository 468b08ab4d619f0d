// Bundles the CLI and the engine (wasm bytes included) into one file: dist/aksnet.mjs. The file is
// also the sweep's worker entry (src/sweep/worker.ts), and holds the flow thread's own bundle as a
// string (src/flow-thread-entry.ts): nothing else needs to ship next to it.
import { build } from "esbuild";
// The flow thread of `iptables flows` (src/flow-thread-entry.ts) as a bundle of its own, kept
// in the CLI bundle as a string and started with { eval: true }: a worker that loaded the whole
// CLI bundle took 70 ms to start (150 ms on a busy machine), this one a fraction of that.
const thread = await build({
  entryPoints: ["src/flow-thread-entry.ts"],
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  write: false,
  minify: true,
  logLevel: "warning",
});
await build({
  define: { __AKSNET_FLOW_THREAD__: JSON.stringify(thread.outputFiles[0].text) },
  entryPoints: ["src/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: "dist/aksnet.mjs",
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
});
// npm links bin/aksnet at install time, before this file exists: make it executable here.
await import("node:fs").then((fs) => fs.chmodSync("dist/aksnet.mjs", 0o755));
