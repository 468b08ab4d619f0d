// Bundles a benchmark (TypeScript, importing the engine from source) with esbuild and runs it.
//   node bench/run.mjs            the CIDR benchmark (issue 2 workloads)
//   node bench/run.mjs --quick    smaller sizes, for a smoke run
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
await build({
  entryPoints: [`${here}src/cidr.ts`],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: `${here}dist/cidr.mjs`,
  logLevel: "warning",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const r = spawnSync(process.execPath, ["--max-old-space-size=8192", `${here}dist/cidr.mjs`, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);
