// Bundles a benchmark (TypeScript, importing the engine from source) with esbuild and runs it.
//   node bench/run.mjs            the CIDR benchmark (issue 2 workloads)
//   node bench/run.mjs --quick    smaller sizes, for a smoke run
import { bundleAndRun } from "./bundle-run.mjs";

await bundleAndRun(new URL("./src/cidr.ts", import.meta.url).pathname, "cidr", ["--max-old-space-size=8192"]);
