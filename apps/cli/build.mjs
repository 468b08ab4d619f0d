// Bundles the CLI and the engine (wasm bytes included) into one file: dist/aksnet.mjs. The file is
// also the sweep's worker entry (src/sweep/worker.ts): nothing else needs to ship next to it.
import { build } from "esbuild";
await build({
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
