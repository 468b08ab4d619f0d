// Where sweep output goes: stdout or a file, written synchronously (in order, and nothing is lost
// on Ctrl-C). A file is written beside its target and renamed over it when complete (io.ts
// OutputFile): an interrupted run leaves FILE.partial and the old FILE untouched. A reader that
// stops early (aksnet sweep ... | head) ends the process quietly.
import { writeStdout, OutputFile } from "../io.ts";

export class Sink {
  private file?: OutputFile;
  /** Bytes written so far (what a partial output has). */
  bytes = 0;
  constructor(readonly path: string | undefined) {
    if (path && path !== "-") this.file = new OutputFile(path);
  }

  get name(): string {
    return this.file ? this.file.path : "standard output";
  }

  write(s: string | Uint8Array): void {
    if (!s.length) return;
    const b = typeof s === "string" ? Buffer.from(s) : s;
    this.bytes += b.length;
    if (this.file) this.file.write(b);
    else writeStdout(b);
  }

  /** The output is complete (it replaces the target file). */
  close(): void {
    this.file?.commit();
  }

  /** The output was cut short: a file is kept as FILE.partial; returns where it went. */
  closePartial(): string {
    return this.file ? this.file.commitPartial() : "standard output";
  }

  /** Nothing worth keeping: the target is left as it was. */
  discard(): void {
    this.file?.discard();
  }
}
