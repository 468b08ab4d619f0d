// Where sweep output goes: stdout or a file, written synchronously (in order, and nothing is lost
// on Ctrl-C). A reader that stops early (aksnet sweep ... | head) ends the process quietly.
import { openSync, writeSync, closeSync } from "node:fs";
import { InputError } from "../io.ts";

export class Sink {
  private fd: number;
  constructor(readonly path: string | undefined) {
    try {
      this.fd = path && path !== "-" ? openSync(path, "w") : 1;
    } catch (e) {
      throw new InputError(`cannot write ${path}: ${(e as Error).message}`);
    }
  }

  write(s: string | Uint8Array): void {
    if (!s.length) return;
    const b = typeof s === "string" ? Buffer.from(s) : s;
    for (let off = 0; off < b.length; ) {
      try {
        off += writeSync(this.fd, b, off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") continue;
        if ((e as NodeJS.ErrnoException).code === "EPIPE") process.exit(process.exitCode ?? 0);
        throw e;
      }
    }
  }

  close(): void {
    if (this.fd !== 1) closeSync(this.fd);
  }
}
