// The fuzz soak (bench/fuzz/soak.ts), bundled with esbuild and run. Build first (npm run build).
//   node bench/fuzz/run.mjs                      2,000 mutants per kind, 60 of them through the CLI (10x larger)
//   node bench/fuzz/run.mjs --mutants 500 --cli 20 --seed 7
import { fileURLToPath } from "node:url";
import { bundleAndRun } from "../bundle-run.mjs";

process.env.AKSNET_REPO = fileURLToPath(new URL("../../", import.meta.url));
await bundleAndRun(new URL("./soak.ts", import.meta.url).pathname, "fuzz-soak", ["--max-old-space-size=4096"]);
