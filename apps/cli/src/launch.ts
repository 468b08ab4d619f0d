// The file users run (dist/aksnet.mjs): a small launcher in front of the CLI. build.mjs appends
// the CLI's bundle to it, with V8's code cache for it and the flow thread's bundle, inside one
// block comment at the end of the file (payload.ts: a comment costs V8 a fraction of what the
// same bytes cost as string literals when the module is parsed, at every start); the launcher
// reads them back from its own file. So the CLI is compiled from the cache instead of parsed, and
// for a command line whose run a flow thread helps (flow-thread-spawn.ts), the thread starts
// before the CLI is even compiled. The one file is also the sweep's worker entry; nothing else
// ships next to it.
import { createRequire } from "node:module";
import { Script } from "node:vm";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";
import { spawnFlowThread, flowThreadPays, flowsFileOf } from "./flow-thread-spawn.ts";
import { setLaunch } from "./launched.ts";
import { readPayload } from "./payload.ts";

const self = fileURLToPath(import.meta.url);
const payload = readPayload(readFileSync(self, "latin1"));

const flows = isMainThread ? flowsFileOf(process.argv.slice(2)) : undefined;
const early = flows !== undefined && flowThreadPays(flows) ? spawnFlowThread(payload.thread, flows) : undefined;
// Until the command takes it, the thread does not keep the process alive (a usage error exits).
early?.worker.unref();
// The launcher is only ever run as a program (by any name: a copy, a link, bin/aksnet.mjs), never
// imported as a library: on the main thread, the CLI runs the command line. (In a sweep worker it
// serves chunks; build.mjs runs the CLI's body without the launcher, to make the code cache.)
setLaunch({ entry: isMainThread, flowThreadSource: payload.thread, early });

// A cache V8 does not accept (another Node, other V8 flags) is ignored: the CLI is compiled from its text.
const cachedData = payload.cache ? Buffer.from(payload.cache, "base64") : undefined;
const cli = new Script(payload.body, { filename: self, cachedData });
const mod = { exports: {} };
(cli.runInThisContext() as (req: NodeJS.Require, m: object, e: object, url: string) => void)(createRequire(import.meta.url), mod, mod.exports, import.meta.url);
