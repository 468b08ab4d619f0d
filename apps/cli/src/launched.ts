// What the launcher (launch.ts, which dist/aksnet.mjs is) hands the CLI it runs: the flow
// thread's bundle and a flow thread it may have started already. Absent when the CLI runs from
// its TypeScript sources (tests that import it): then there is no flow thread.
import type { SpawnedFlowThread } from "./flow-thread-spawn.ts";

export interface Launch {
  /** The CLI is the program (the launcher ran as one, on the main thread): main.ts runs the command line. */
  entry: boolean;
  /** The flow thread's bundle (flow-thread-entry.ts), started with { eval: true }. */
  flowThreadSource: string;
  /** A thread the launcher started for the command line's flow file, not yet taken. */
  early?: SpawnedFlowThread;
}

const KEY = Symbol.for("aksnet.launch");

export function setLaunch(l: Launch): void {
  (globalThis as Record<symbol, unknown>)[KEY] = l;
}

export function launch(): Launch | undefined {
  return (globalThis as Record<symbol, unknown>)[KEY] as Launch | undefined;
}
