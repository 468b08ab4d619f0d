// The netfilter benchmark: bundles bench/iptables/bench.ts (which imports the engine from source)
// with esbuild and runs it. Build first (`npm run build`: the wasm core).
//   node bench/iptables/run.mjs              10,000 services x 3 endpoints, 1,000,000 flows
//   node bench/iptables/run.mjs --quick      1,000 services, 100,000 flows (a smoke run)
import { bundleAndRun } from "../bundle-run.mjs";

await bundleAndRun(new URL("./bench.ts", import.meta.url).pathname, "iptables", ["--max-old-space-size=4096"]);
