#!/usr/bin/env node
// The `aksnet` command npm links (package.json "bin"; `npx aksnet` in the repository): the built
// CLI is dist/aksnet.mjs, which does not exist until `npm run build`, and npm links a bin only to
// a file that is there when it installs. This file is, and runs the build.
import("../dist/aksnet.mjs").catch((e) => {
  if (e?.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes("dist/aksnet.mjs")) {
    process.stderr.write("aksnet: the CLI is not built yet: run npm run build\n");
    process.exit(2);
  }
  throw e;
});
