// Writes to a file descriptor, all or an error in the CLI's words: used by io.ts and by the flow
// thread (flow-thread-entry.ts), which is bundled on its own and so imports only this.
import { writeSync } from "node:fs";
import { InputError } from "@aksnet/engine";

/** The error codes a blocking read or write can still meet on a non-blocking descriptor. */
export const wouldBlock = (e: unknown) => (e as NodeJS.ErrnoException).code === "EAGAIN";
export const pause = new Int32Array(new SharedArrayBuffer(4));

// fd 1 is often a non-blocking pipe: a write into a full pipe fails with EAGAIN. The reader
// empties 64 KiB in microseconds, so the retry waits 50 µs (a 2 ms wait cost 0.4 s wall on a
// 20 MB merge; handing the rest to process.stdout kept copies of every buffer alive instead).
const RETRY_MS = 0.05;

/** The system's reason for a failed write, without Node's "CODE: " prefix and ", write" suffix. */
function writeReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const m = /^[A-Z]+: (.*?)(?:, \w+(?: '.*')?)?$/.exec(err.message ?? "");
  return m ? m[1] : String(err.message ?? e);
}

/** "cannot write FILE: reason": a failed write is an input error (exit 2), never a stack trace. */
export function cannotWrite(name: string, e: unknown): InputError {
  return new InputError(`cannot write ${name}: ${writeReason(e)}`, undefined, "WriteError");
}

/** Writes all of bytes to fd (EAGAIN retried); an error other than EPIPE is cannotWrite(name). */
export function writeAll(fd: number, bytes: Uint8Array, name: string): void {
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (e) {
      if (wouldBlock(e)) { Atomics.wait(pause, 0, 0, RETRY_MS); continue; }
      if ((e as NodeJS.ErrnoException).code === "EPIPE") throw e;
      throw cannotWrite(name, e);
    }
  }
}
