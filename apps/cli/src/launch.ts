// The file users run (dist/aksnet.mjs): a small launcher in front of the CLI. build.mjs puts the
// CLI's bundle in it as a string, with V8's code cache for it, so the CLI is compiled from the
// cache instead of parsed (less start-up for every command), and so that, for a command line
// whose run a flow thread helps (flow-thread-spawn.ts), the thread starts before the CLI is even
// compiled. The one file is also the sweep's worker entry; nothing else ships next to it.
import { createRequire } from "node:module";
import { Script } from "node:vm";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";
import { spawnFlowThread, flowThreadPays, flowsFileOf } from "./flow-thread-spawn.ts";
import { setLaunch } from "./launched.ts";

/** Put here by build.mjs: the CLI as `(function (require, module, exports, __aksnet_url) { ... })`, its code cache (base64), the flow thread's bundle. */
declare const __AKSNET_BODY__: string;
declare const __AKSNET_CODE_CACHE__: string;
declare const __AKSNET_FLOW_THREAD__: string;

const flows = isMainThread ? flowsFileOf(process.argv.slice(2)) : undefined;
const early = flows !== undefined && flowThreadPays(flows) ? spawnFlowThread(__AKSNET_FLOW_THREAD__, flows) : undefined;
// Until the command takes it, the thread does not keep the process alive (a usage error exits).
early?.worker.unref();
setLaunch({ flowThreadSource: __AKSNET_FLOW_THREAD__, early });

// A cache V8 does not accept (another Node, other V8 flags) is ignored: the CLI is compiled from its text.
const cachedData = __AKSNET_CODE_CACHE__ ? Buffer.from(__AKSNET_CODE_CACHE__, "base64") : undefined;
const cli = new Script(__AKSNET_BODY__, { filename: fileURLToPath(import.meta.url), cachedData });
const mod = { exports: {} };
(cli.runInThisContext() as (req: NodeJS.Require, m: object, e: object, url: string) => void)(createRequire(import.meta.url), mod, mod.exports, import.meta.url);
