// Bundles stages.ts (the engine from source) and runs it: see there.
import { bundleAndRun } from "../bundle-run.mjs";
await bundleAndRun(new URL("./stages.ts", import.meta.url).pathname, "trace-stages", ["--max-old-space-size=8192"]);
