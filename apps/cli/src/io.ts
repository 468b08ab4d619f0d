// Input and output for every command: files or stdin ("-"), --format, NO_COLOR, exit codes.
// Commands only parse flags, call the engine and render; only main.ts touches process.exit.
import { readFileSync, statSync, openSync, closeSync, renameSync, unlinkSync, fsyncSync, realpathSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import pc from "picocolors";
import { Option } from "commander";
import { InputError, UsageError } from "@aksnet/engine";
import { bytesInput, type ByteInput } from "@aksnet/engine/cidr";
import { writeAll, cannotWrite, cannotRead, readFd, openFile } from "./fd.ts";

export { writeAll, cannotWrite };

// The engine's error kinds, re-exported for the commands (usage and input errors exit 2).
export { InputError, UsageError };

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
/** A bug in aksnet (an exception no command meant to raise). */
export const EXIT_INTERNAL = 70;

export type Format = "text" | "json";

/** The one --format option of every command that prints text or JSON (read it with parseFormat). */
export function formatOption(): Option {
  return new Option("--format <format>", "output format: text or json").default("text");
}

export function parseFormat(v: string | undefined): Format {
  if (v === undefined || v === "text" || v === "json") return v ?? "text";
  throw new UsageError(`--format must be text or json, not ${JSON.stringify(v)}`);
}

const colorOn = () => !process.env.NO_COLOR && !!process.stdout.isTTY && process.env.TERM !== "dumb";
export const color = () => pc.createColors(colorOn());
export const errColor = () => pc.createColors(!process.env.NO_COLOR && !!process.stderr.isTTY);

export interface Source {
  /** "-" for stdin, the path for a file, "argument N" for a literal value. */
  name: string;
  text: string;
  isFile: boolean;
}

let stdinCache: string | undefined;

export function readStdin(): string {
  if (stdinCache === undefined && stdinRecorded?.done) stdinCache = new TextDecoder().decode(Buffer.concat(stdinRecorded.chunks));
  if (stdinCache === undefined) {
    try {
      stdinCache = readFileSync(0, "utf8");
    } catch (e) {
      throw new InputError(`cannot read standard input: ${(e as Error).message}`);
    }
  }
  return stdinCache;
}


/** A whole file, or stdin for "-", as bytes (stdin is read once, so two "-" inputs share it). */
export function readBytes(path: string): { name: string; bytes: Uint8Array } {
  if (path === "-") return { name: "<stdin>", bytes: Buffer.from(readStdin()) };
  try {
    return { name: path, bytes: readFileSync(path) };
  } catch (e) {
    throw cannotRead(path, e);
  }
}

/** Reads a file, or stdin for "-"; a missing or unreadable file is an InputError naming it. */
export function readSource(path: string): Source {
  if (path === "-") return { name: "<stdin>", text: readStdin(), isFile: true };
  try {
    return { name: path, text: readFileSync(path, "utf8"), isFile: true };
  } catch (e) {
    throw cannotRead(path, e);
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Each argument is a file (read, one value per line), "-" (stdin) or a literal value.
 * With no arguments, stdin is read when it is not a terminal.
 */
export function sourcesFrom(args: readonly string[], what: string, opts: { stdinIfEmpty?: boolean } = {}): Source[] {
  if (args.length === 0) {
    if (opts.stdinIfEmpty !== false && !process.stdin.isTTY) return [readSource("-")];
    throw new UsageError(`no ${what} given`, `pass ${what} as arguments, as files (one per line), or "-" for stdin`);
  }
  return args.map((a, i) =>
    a === "-" || isFile(a) ? readSource(a) : { name: `argument ${i + 1}`, text: a, isFile: false },
  );
}

export function out(s: string): void {
  writeStdout(Buffer.from(s.endsWith("\n") ? s : s + "\n"));
}

export function json(value: unknown): void {
  writeStdout(Buffer.from(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n"));
}




/**
 * An output file written to a temporary file beside it and renamed over it only when complete,
 * so the old file is never destroyed before the new one is whole. An output cut short is kept
 * under FILE.partial (and the target left alone); a process killed outright leaves only the
 * temporary file, never a truncated FILE.
 */
export class OutputFile {
  private fd: number;
  /** The temporary file, or undefined when the target is not a regular file (a device, a pipe, /proc) and is written in place. */
  readonly tmp?: string;
  private open = true;
  private static live = new Set<OutputFile>();
  constructor(readonly path: string) {
    // A symbolic link is followed (the file it names is replaced, not the link); a target that
    // exists and is not a regular file (/dev/null, a FIFO) is written in place: renaming over
    // it would replace the device.
    let real = path;
    try {
      const st = statSync(path);
      real = realpathSync(path);
      if (!st.isFile()) real = "";
    } catch { /* a new file */ }
    try {
      if (!real) this.fd = openSync(path, "w");
      else {
        this.tmp = join(dirname(real), `.${basename(real)}.${process.pid}.tmp`);
        this.fd = openSync(this.tmp, "w");
      }
    } catch (e) {
      throw cannotWrite(path, e);
    }
    this.target = real || path;
    if (OutputFile.live.size === 0) process.on("exit", OutputFile.cleanup);
    OutputFile.live.add(this);
  }
  private readonly target: string;
  /** Removes the temporary files of outputs never finished (an exception, process.exit). */
  private static cleanup = () => { for (const f of OutputFile.live) f.discard(); };

  write(bytes: Uint8Array): void {
    try {
      writeAll(this.fd, bytes, this.path);
    } catch (e) {
      this.discard();
      throw e instanceof InputError ? e : cannotWrite(this.path, e);
    }
  }

  private finish(to: string | undefined): void {
    try {
      if (this.tmp) fsyncSync(this.fd);
      closeSync(this.fd);
      this.open = false;
      if (this.tmp && to) renameSync(this.tmp, to);
    } catch (e) {
      this.discard();
      throw cannotWrite(to ?? this.path, e);
    }
    OutputFile.live.delete(this);
  }

  /** The output is complete: it replaces FILE. */
  commit(): void {
    this.finish(this.target);
  }

  /** The output was cut short: it is kept as FILE.partial, and FILE is left as it was. Returns that name. */
  commitPartial(): string {
    if (!this.tmp) { this.finish(undefined); return this.path; }
    const to = `${this.target}.partial`;
    this.finish(to);
    return to;
  }

  /** Drops the output: the temporary file is removed, FILE is left as it was. */
  discard(): void {
    if (this.open) { try { closeSync(this.fd); } catch { /* already closed */ } this.open = false; }
    if (this.tmp) { try { unlinkSync(this.tmp); } catch { /* already gone */ } }
    OutputFile.live.delete(this);
  }
}

/** Writes a whole file at once through an OutputFile (temporary file, then rename). */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const f = new OutputFile(path);
  f.write(typeof content === "string" ? Buffer.from(content) : content);
  f.commit();
}

export function warn(s: string): void {
  process.stderr.write(s.endsWith("\n") ? s : s + "\n");
}

// Bytes in and out for the bulk commands: inputs are read with readSync straight into the core's
// memory by the engine (it only sees a reader function), output is written with writeSync from
// views of the core's output buffer, one system call per buffer.



// Standard input can be named twice in one command line (exclude - --remove -): the second reader
// then gets the same bytes. Only then are the bytes kept (a streamed merge of stdin keeps none).
interface StdinRecord { chunks: Buffer[]; done: boolean }
let stdinRecorded: StdinRecord | undefined;
const stdinNamedTwice = () => process.argv.slice(2).filter((a) => a === "-").length > 1;

function stdinInput(): ByteInput {
  const name = "<stdin>";
  if (stdinCache !== undefined) return bytesInput(name, stdinCache, true);
  if (stdinRecorded) {
    const rec = stdinRecorded;
    if (!rec.done) throw new UsageError("standard input is read by two inputs at once");
    return bytesInput(name, Buffer.concat(rec.chunks), true);
  }
  let rec: StdinRecord | undefined;
  if (stdinNamedTwice()) rec = stdinRecorded = { chunks: [], done: false };
  return {
    name,
    lines: true,
    read(into) {
      const n = readFd(0, into, "standard input");
      if (rec) { if (n > 0) rec.chunks.push(Buffer.from(into.subarray(0, n))); else rec.done = true; }
      return n;
    },
  };
}

/** A file (opened now, so a missing one fails before anything is read) or stdin ("-") as a byte input. */
export function openInput(path: string): ByteInput {
  return path === "-" ? stdinInput() : openFile(path);
}

/** Like sourcesFrom, as byte inputs: each argument is a file, "-" (stdin) or a literal value. */
export function inputsFrom(args: readonly string[], what: string, opts: { stdinIfEmpty?: boolean } = {}): ByteInput[] {
  if (args.length === 0) {
    if (opts.stdinIfEmpty !== false && !process.stdin.isTTY) return [openInput("-")];
    throw new UsageError(`no ${what} given`, `pass ${what} as arguments, as files (one per line), or "-" for stdin`);
  }
  return args.map((a, i) => (a === "-" || isFile(a) ? openInput(a) : bytesInput(`argument ${i + 1}`, a)));
}


/**
 * Writes bytes to stdout with writeSync (a reader that closed the pipe ends the process quietly,
 * via main's handler); any other failure (a full disk, /dev/full) is "cannot write standard output".
 */
export function writeStdout(bytes: Uint8Array): void {
  try {
    writeAll(1, bytes, "standard output");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EPIPE") {
      process.stdout.emit("error", e);
      return;
    }
    throw e;
  }
}

/** Whether path names a regular file (what makes an argument a file rather than a literal value). */
export const isFilePath = (path: string): boolean => isFile(path);
