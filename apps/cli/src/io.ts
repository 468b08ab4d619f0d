// Input and output for every command: files or stdin ("-"), --format, NO_COLOR, exit codes.
// Commands only parse flags, call the engine and render; only main.ts touches process.exit.
import { readFileSync, statSync, fstatSync, openSync, readSync, closeSync, writeSync } from "node:fs";
import pc from "picocolors";
import { Option } from "commander";
import { InputError, UsageError } from "@aksnet/engine";
import { bytesInput, type ByteInput } from "@aksnet/engine/cidr";

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

/** "cannot read FILE: no such file" (or the system's reason), the one wording of a failed open or read. */
function cannotRead(path: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (e as Error).message;
  return new InputError(`cannot read ${path}: ${why}`);
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
  process.stdout.write(s.endsWith("\n") ? s : s + "\n");
}

export function json(value: unknown): void {
  process.stdout.write(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
}

export function warn(s: string): void {
  process.stderr.write(s.endsWith("\n") ? s : s + "\n");
}

// Bytes in and out for the bulk commands: inputs are read with readSync straight into the core's
// memory by the engine (it only sees a reader function), output is written with writeSync from
// views of the core's output buffer, one system call per buffer.

/** The error codes a blocking read or write can still meet on a non-blocking descriptor. */
const wouldBlock = (e: unknown) => (e as NodeJS.ErrnoException).code === "EAGAIN";
const pause = new Int32Array(new SharedArrayBuffer(4));

function readFd(fd: number, into: Uint8Array, name: string): number {
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
  if (path === "-") return stdinInput();
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

/** Like sourcesFrom, as byte inputs: each argument is a file, "-" (stdin) or a literal value. */
export function inputsFrom(args: readonly string[], what: string, opts: { stdinIfEmpty?: boolean } = {}): ByteInput[] {
  if (args.length === 0) {
    if (opts.stdinIfEmpty !== false && !process.stdin.isTTY) return [openInput("-")];
    throw new UsageError(`no ${what} given`, `pass ${what} as arguments, as files (one per line), or "-" for stdin`);
  }
  return args.map((a, i) => (a === "-" || isFile(a) ? openInput(a) : bytesInput(`argument ${i + 1}`, a)));
}

// fd 1 is often a non-blocking pipe: a write into a full pipe fails with EAGAIN. The reader
// empties 64 KiB in microseconds, so the retry waits 50 µs (a 2 ms wait cost 0.4 s wall on a
// 20 MB merge; handing the rest to process.stdout kept copies of every buffer alive instead).
const RETRY_MS = 0.05;

/** Writes bytes to stdout with writeSync (a reader that closed the pipe ends the process quietly, via main's handler). */
export function writeStdout(bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(1, bytes, at, bytes.length - at);
    } catch (e) {
      if (wouldBlock(e)) { Atomics.wait(pause, 0, 0, RETRY_MS); continue; }
      if ((e as NodeJS.ErrnoException).code === "EPIPE") {
        process.stdout.emit("error", e);
        return;
      }
      throw e;
    }
  }
}

/** Whether path names a regular file (what makes an argument a file rather than a literal value). */
export const isFilePath = (path: string): boolean => isFile(path);
