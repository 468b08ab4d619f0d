// Shared by the benchmark runners: bundle a TypeScript benchmark (it imports the engine from
// source) with esbuild into bench/dist/NAME.mjs, run it with the caller's arguments, exit with
// its status.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const dist = fileURLToPath(new URL("./dist/", import.meta.url));

export async function bundleAndRun(entry, name, nodeArgs = []) {
  const outfile = `${dist}${name}.mjs`;
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "warning",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const r = spawnSync(process.execPath, [...nodeArgs, outfile, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
