// Errors with a stable code and a next step. Every error the engine raises on purpose is an
// AksnetError of one of three kinds, and apps map the kind, never the message, to an exit code:
// InputError (the input cannot be read or is wrong) and UsageError (wrong flags or arguments) and
// UnsupportedError (valid, but not modelled) all exit 2. Anything else reaching an app — a
// RangeError, a TypeError, a CoreAbort — is a bug in aksnet: "internal error", exit 70.
export type ErrorKind = "input" | "usage" | "unsupported";

export class AksnetError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly kind: ErrorKind;
  constructor(code: string, message: string, hint?: string, kind: ErrorKind = "input") {
    super(message);
    this.name = "AksnetError";
    this.code = code;
    this.hint = hint;
    this.kind = kind;
  }
}

/** The input cannot be read, or is not what it must be (a located message says where). */
export class InputError extends AksnetError {
  constructor(message: string, hint?: string, code = "InputError") {
    super(code, message, hint, "input");
    this.name = "InputError";
  }
}

/** Wrong flags or arguments. */
export class UsageError extends AksnetError {
  constructor(message: string, hint?: string, code = "UsageError") {
    super(code, message, hint, "usage");
    this.name = "UsageError";
  }
}

/** The input is valid, but what it asks for is not modelled (the message says what is). */
export class UnsupportedError extends AksnetError {
  constructor(message: string, hint?: string, code = "Unsupported") {
    super(code, message, hint, "unsupported");
    this.name = "UnsupportedError";
  }
}

/** A value that could not be parsed: names the input, the reason and where parsing stopped. */
export class ParseError extends InputError {
  readonly input: string;
  readonly reason: string;
  /** 1-based column (in characters) where parsing stopped. */
  readonly column: number;
  /** 1-based line number when the value came from a multi-line text. */
  readonly line?: number;
  readonly source?: string;
  constructor(opts: { code: string; what: string; input: string; reason: string; column: number; line?: number; source?: string }) {
    const shown = opts.input.length > 80 ? opts.input.slice(0, 77) + "..." : opts.input;
    const rest = opts.input.slice(opts.column - 1);
    const at = rest.length > 40 ? rest.slice(0, 37) + "..." : rest;
    const where = opts.line !== undefined ? `${opts.source ?? "input"}:${opts.line}:${opts.column}: ` : "";
    super(`${where}${opts.what}(${JSON.stringify(shown)}): ${opts.reason}${at ? ` (at ${JSON.stringify(at)})` : " (at end)"}`, undefined, opts.code);
    this.name = "ParseError";
    this.input = opts.input;
    this.reason = opts.reason;
    this.column = opts.column;
    this.line = opts.line;
    this.source = opts.source;
  }
}
