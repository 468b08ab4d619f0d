// Bundles the sweep-kernel-vs-C benchmark (TypeScript, importing the engine from source) and runs it.
//   node bench/sweep/c-port.mjs             the whole of examples/sweeps/large-250m.yaml, 5 rounds
//   node bench/sweep/c-port.mjs --quick     a tenth of it, one round (writes an ignored .tmp.json)
//   node bench/sweep/c-port.mjs --heatmap   with the heatmap cells (the CLI's --heatmap; writes sweep-c-heatmap.json)
// Needs `npm run build` first (it also runs the built CLI); builds bench/c/sweep.c with cc -O2.
import { bundleAndRun } from "../bundle-run.mjs";

await bundleAndRun(new URL("./c-port.ts", import.meta.url).pathname, "sweep-c-port");
