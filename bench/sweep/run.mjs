// Bundles the sweep benchmark (TypeScript, importing the engine from source) and runs it.
//   node bench/sweep/run.mjs           full size (after npm run build: it also runs the built CLI)
//   node bench/sweep/run.mjs --quick   smaller, a smoke run (writes an ignored .tmp.json)
import { bundleAndRun } from "../bundle-run.mjs";

await bundleAndRun(new URL("./bench.ts", import.meta.url).pathname, "sweep");
