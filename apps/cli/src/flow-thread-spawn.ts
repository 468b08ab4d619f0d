// Starting the flow thread of `aksnet iptables flows` (flow-thread.ts is the main side that uses
// it). Kept apart, with nothing of the engine in it, because the launcher (launch.ts) starts the
// thread too: before the CLI's code is even compiled, when the command line asks for a run the
// thread helps, so the thread's own start-up (~60 ms, most of it Node's bootstrap of a thread)
// overlaps the CLI's. The command then takes that thread if it is for the same file, or stops it.
import { Worker, MessageChannel, type MessagePort } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { statSync } from "node:fs";
import type { PackedColumns } from "@aksnet/engine/netfilter";
import { CTL_WORDS, type FlowThreadInit } from "./flow-thread-messages.ts";

/**
 * Flow files smaller than this are scanned on the main thread: starting the thread costs 30-60 ms
 * of the second core, about what reading and scanning 4 MiB of CSV (~100,000 flows) costs the first.
 */
export const FLOW_THREAD_MIN_BYTES = 4 << 20;

/** A started thread: its worker, control words and error port, and its scan's columns when they come. */
export interface SpawnedFlowThread {
  path: string;
  worker: Worker;
  ctl: SharedArrayBuffer;
  errors: MessagePort;
  /** The columns (undefined: the thread could not make them, or stopped). */
  got: Promise<PackedColumns | undefined>;
  /** The thread has failed or ended. */
  failed: boolean;
}

/** True when a thread would pay for this flow file: two cores, AKSNET_THREADS not 1, a regular file of FLOW_THREAD_MIN_BYTES or more. */
export function flowThreadPays(path: string): boolean {
  if (process.env.AKSNET_THREADS === "1" || availableParallelism() < 2 || path === "-") return false;
  try {
    const st = statSync(path);
    return st.isFile() && st.size >= FLOW_THREAD_MIN_BYTES;
  } catch {
    return false;
  }
}

/** Starts the thread (its bundle's source) on a flow file; it begins to read and scan at once. */
export function spawnFlowThread(source: string, path: string): SpawnedFlowThread {
  const ctl = new SharedArrayBuffer(4 * CTL_WORDS);
  const { port1, port2 } = new MessageChannel();
  const init: FlowThreadInit = { path, ctl, errors: port2 };
  const worker = new Worker(source, { eval: true, workerData: init, transferList: [port2] });
  const t: SpawnedFlowThread = { path, worker, ctl, errors: port1, failed: false, got: undefined! };
  // Listening from the start: the columns may come before the command takes the thread.
  t.got = new Promise((resolve) => {
    worker.once("message", (m: { packed?: PackedColumns }) => resolve(m.packed));
    worker.once("error", () => { t.failed = true; resolve(undefined); });
    worker.once("exit", () => { t.failed = true; resolve(undefined); });
  });
  return t;
}

/**
 * The flow file of a command line the thread would help: `iptables flows ... --flows F ...
 * --mode kube-proxy-test`, without `--engine ts` (the last of each flag counts, as for the
 * parser; `--flag=value` too). A guess made before the command line is parsed: the command takes
 * the thread only for the file it is then given.
 */
export function flowsFileOf(args: readonly string[]): string | undefined {
  if (args[0] !== "iptables" || args[1] !== "flows") return undefined;
  const seen = new Map<string, string>();
  for (let i = 2; i < args.length; i++) {
    const a = args[i];
    if (a === "--") break;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (name !== "--flows" && name !== "--mode" && name !== "--engine") continue;
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value !== undefined) seen.set(name, value);
  }
  const flows = seen.get("--flows");
  return seen.get("--mode") === "kube-proxy-test" && seen.get("--engine") !== "ts" && flows ? flows : undefined;
}
