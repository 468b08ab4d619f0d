// Input and output for every command: files or stdin ("-"), --format, NO_COLOR, exit codes.
// Commands only parse flags, call the engine and render; only main.ts touches process.exit.
import { readFileSync, statSync } from "node:fs";
import pc from "picocolors";
import { InputError, UsageError } from "@aksnet/engine";

// The engine's error kinds, re-exported for the commands (usage and input errors exit 2).
export { InputError, UsageError };

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
/** A bug in aksnet (an exception no command meant to raise). */
export const EXIT_INTERNAL = 70;


export type Format = "text" | "json";

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
  if (stdinCache === undefined) {
    try {
      stdinCache = readFileSync(0, "utf8");
    } catch (e) {
      throw new InputError(`cannot read standard input: ${(e as Error).message}`);
    }
  }
  return stdinCache;
}

/** Reads a file, or stdin for "-"; a missing or unreadable file is an InputError naming it. */
export function readSource(path: string): Source {
  if (path === "-") return { name: "<stdin>", text: readStdin(), isFile: true };
  try {
    return { name: path, text: readFileSync(path, "utf8"), isFile: true };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (e as Error).message;
    throw new InputError(`cannot read ${path}: ${why}`);
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
