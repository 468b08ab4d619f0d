// Reads and writes on file descriptors, with errors in the CLI's words: used by io.ts and by the
// flow thread (flow-thread-entry.ts), which is bundled on its own and so imports only this.
import { writeSync, readSync, openSync, fstatSync, closeSync } from "node:fs";
import { InputError } from "@aksnet/engine";
import type { ByteInput } from "@aksnet/engine/cidr";

/** The error codes a blocking read or write can still meet on a non-blocking descriptor. */
const wouldBlock = (e: unknown) => (e as NodeJS.ErrnoException).code === "EAGAIN";
const pause = new Int32Array(new SharedArrayBuffer(4));

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

/** "cannot read FILE: no such file" (or the system's reason), the one wording of a failed open or read. */
export function cannotRead(path: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (e as Error).message;
  return new InputError(`cannot read ${path}: ${why}`);
}

/** Reads into `into` (EAGAIN retried; 0 at the end); a failed read is "cannot read NAME". */
export function readFd(fd: number, into: Uint8Array, name: string): number {
  for (;;) {
    try {
      return readSync(fd, into, 0, into.length, null);
    } catch (e) {
      if (wouldBlock(e)) { Atomics.wait(pause, 0, 0, 2); continue; }
      if ((e as NodeJS.ErrnoException).code === "EOF") return 0;
      throw new InputError(`cannot read ${name}: ${(e as Error).message}`);
    }
  }
}

/** A file (opened now, so a missing one fails before anything is read) as a byte input. */
export function openFile(path: string): ByteInput {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw cannotRead(path, e);
  }
  let open = true;
  let size: number | undefined;
  try { size = fstatSync(fd).size; } catch { size = undefined; }
  return {
    name: path,
    lines: true,
    size,
    read(into) {
      if (!open) return 0;
      const n = readFd(fd, into, path);
      if (n === 0) { closeSync(fd); open = false; }
      return n;
    },
  };
}
