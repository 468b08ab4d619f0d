// Bundles the sweep benchmark (TypeScript, importing the engine from source) and runs it.
//   node bench/sweep/run.mjs           full size (after npm run build: it also runs the built CLI)
//   node bench/sweep/run.mjs --quick   smaller, a smoke run (writes an ignored .tmp.json)
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
await build({
  entryPoints: [`${here}bench.ts`],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: `${here}../dist/sweep.mjs`,
  logLevel: "warning",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const r = spawnSync(process.execPath, [`${here}../dist/sweep.mjs`, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);
