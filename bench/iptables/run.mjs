// The netfilter benchmark: bundles bench/iptables/bench.ts (which imports the engine from source)
// with esbuild and runs it. Build first (`npm run build`: the wasm core).
//   node bench/iptables/run.mjs              10,000 services x 3 endpoints, 1,000,000 flows
//   node bench/iptables/run.mjs --quick      1,000 services, 100,000 flows (a smoke run)
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
  outfile: `${here}../dist/iptables.mjs`,
  logLevel: "warning",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const r = spawnSync(process.execPath, ["--max-old-space-size=4096", `${here}../dist/iptables.mjs`, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);
