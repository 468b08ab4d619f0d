// Bundles ruleset.ts (the engine from source) and runs it: see there.
import { bundleAndRun } from "../bundle-run.mjs";
await bundleAndRun(new URL("./ruleset.ts", import.meta.url).pathname, "trace-ruleset");
