// The flow thread of `aksnet iptables flows` (see flow-thread.ts): reads and scans the flow file
// with its own wasm core and posts the columns; then formats the lines of each chunk of results
// the main thread sends (from the columns it kept) and writes them, or writes the bytes it is
// sent, in order, until the end. build.mjs bundles this file on its own (only the scanner, the
// formatter and their readers: it starts in a fraction of the CLI bundle's time) into a string
// inside dist/aksnet.mjs, which starts it with { eval: true }.
import { parentPort, workerData } from "node:worker_threads";
import { scanFlowFile, packColumns, KpChunkLines, type PackedColumns, type ResidentColumns } from "@aksnet/engine/netfilter";
import { writeAll, openFile } from "./fd.ts";
import { DONE, ERR, ERR_EPIPE, ERR_OTHER, type FlowThreadInit, type ToThread } from "./flow-thread-messages.ts";

/** The texts joined in `text`, by their lengths. */
function split(text: string, lengths: Uint32Array): string[] {
  const out = new Array<string>(lengths.length);
  for (let i = 0, at = 0; i < lengths.length; at += lengths[i++]) out[i] = text.slice(at, at + lengths[i]);
  return out;
}

const toStdout = (b: Uint8Array) => writeAll(1, b, "standard output");

function serve(init: FlowThreadInit): void {
  const ctl = new Int32Array(init.ctl);
  let cols: ResidentColumns | undefined;
  let packed: PackedColumns | undefined;
  try {
    cols = scanFlowFile(openFile(init.path));
    packed = cols && packColumns(cols);
  } catch {
    // The main thread reads the file again and reports what is wrong with it, where it is.
    cols = packed = undefined;
  }
  parentPort!.postMessage({ packed }, packed ? [packed.bytes] : []);
  packed = undefined;
  let lines: KpChunkLines | undefined;
  let failed = false;
  parentPort!.on("message", (m: ToThread) => {
    if (!failed) {
      try {
        if (m.t === "bytes") toStdout(m.bytes);
        // (No columns: the scan failed and the main thread reads the file; no chunk follows.)
        else if (m.t === "start") lines = cols && new KpChunkLines(cols, split(m.text, m.lengths));
        else if (m.t === "chunk") lines!.write(m.chunk, toStdout);
      } catch (e) {
        failed = true;
        const epipe = (e as NodeJS.ErrnoException).code === "EPIPE";
        if (!epipe) init.errors.postMessage({ message: (e as Error).message, write: (e as { code?: string }).code === "WriteError" });
        Atomics.store(ctl, ERR, epipe ? ERR_EPIPE : ERR_OTHER);
      }
    }
    if (m.t === "end") {
      lines?.release();
      parentPort!.close();
      init.errors.close();
    }
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  });
}

serve(workerData as FlowThreadInit);
