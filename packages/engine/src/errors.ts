// Errors with a stable code and a next step. Apps map `kind` to exit codes: "usage" → 2,
// "input" (the input could not be read or parsed) → 2, findings of severity error → 1.
export class AksnetError extends Error {
  readonly code: string;
  readonly hint?: string;
  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = "AksnetError";
    this.code = code;
    this.hint = hint;
  }
}

/** A value that could not be parsed: names the input, the reason and where parsing stopped. */
export class ParseError extends AksnetError {
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
    super(
      opts.code,
      `${where}${opts.what}(${JSON.stringify(shown)}): ${opts.reason}${at ? ` (at ${JSON.stringify(at)})` : " (at end)"}`,
    );
    this.name = "ParseError";
    this.input = opts.input;
    this.reason = opts.reason;
    this.column = opts.column;
    this.line = opts.line;
    this.source = opts.source;
  }
}
