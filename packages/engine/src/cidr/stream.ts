// Bytes in: lists of prefixes read as bytes straight into the core's linear memory, a chunk at a
// time, the partial last line of a chunk carried to the next. Nothing is decoded into a JS string
// except the lines that have errors (for their messages). The reader is injected, so this file
// runs in a browser as well as in Node (the CLI passes an fs.readSync-based reader).
import { ABI, PARSE_MODE, STATUS_TEXT, type ParseMode } from "../core/abi.ts";
import { core, type Core } from "../core/module.ts";
import { ParseError } from "../errors.ts";
import { PrefixBatch } from "./records.ts";

const R = ABI.REC_SIZE;
/** parseLines reads up to 32 bytes past the sentinel (SIMD loads). */
const SIMD_PAD = 32;
export const DEFAULT_CHUNK_BYTES = 1 << 20;
const MAX_ERRORS = 1000;

/** Fills `into` from the start with up to into.length bytes; returns how many (0 at the end). */
export type ReadInto = (into: Uint8Array) => number;

/** One input: its name (for messages and origins), a reader, and whether origins carry ":line". */
export interface ByteInput {
  name: string;
  read: ReadInto;
  /** true for files and stdin (origins "name:line"), false for a literal argument (origin "name"). */
  lines: boolean;
  /** Total bytes when known (a regular file): buffers are sized from the first chunk's lines. */
  size?: number;
}

/** A ByteInput over bytes (or text, encoded as UTF-8) already in memory. */
export function bytesInput(name: string, data: Uint8Array | string, lines = false): ByteInput {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let at = 0;
  return {
    name,
    lines,
    read(into) {
      const n = Math.min(into.length, bytes.length - at);
      into.set(bytes.subarray(at, at + n));
      at += n;
      return n;
    },
  };
}

export interface ScanOptions {
  mode?: ParseMode;
  /** Bytes read per chunk (tests use tiny chunks; a line longer than a chunk grows it). */
  chunkBytes?: number;
  /** Errors kept with their messages; errorCount counts them all. */
  maxErrors?: number;
}

/** Errors of a scan, in input order. */
export class ScanErrors {
  readonly errors: ParseError[] = [];
  count = 0;
  constructor(readonly max: number) {}
}

const decoder = new TextDecoder();

/**
 * Calls onLines(ptr, len, firstLine) for consecutive regions of whole lines of the input. The
 * byte at ptr + len is "\n" (the sentinel parseLines needs) and 32 readable bytes follow it. A
 * UTF-8 byte order mark at the start of the input is skipped.
 */
export function scanLines(c: Core, input: ByteInput, chunkBytes: number, onLines: (ptr: number, len: number, firstLine: number) => void): void {
  let cap = Math.max(4, chunkBytes | 0);
  let block = c.heap.alloc(cap + 1 + SIMD_PAD);
  let carry = 0;
  let line = 1;
  let first = true;
  try {
    for (;;) {
      // Fill the chunk (a pipe hands out less than asked for).
      let filled = carry;
      let eof = false;
      while (filled < cap) {
        const n = input.read(new Uint8Array(c.memory.buffer, block + filled, cap - filled));
        if (n <= 0) { eof = true; break; }
        filled += n;
      }
      const m = c.u8();
      if (first) {
        first = false;
        if (filled >= 3 && m[block] === 0xef && m[block + 1] === 0xbb && m[block + 2] === 0xbf) {
          m.copyWithin(block, block + 3, block + filled);
          filled -= 3;
        }
      }
      if (eof) {
        if (filled > 0) {
          m[block + filled] = 0x0a;
          onLines(block, filled, line);
        }
        return;
      }
      const nl = m.subarray(block, block + filled).lastIndexOf(0x0a);
      if (nl < 0) {
        // A line longer than the chunk: grow the chunk and read on.
        block = c.heap.enlarge(block, cap + 1 + SIMD_PAD, filled, cap * 2 + 1 + SIMD_PAD);
        cap *= 2;
        carry = filled;
        continue;
      }
      const end = block + nl; // the last "\n" of the chunk
      const len = nl + 1;
      // parseLines needs "\n" right after the text: the byte after the last newline belongs to the
      // carried line, so it is saved and put back.
      const after = m[end + 1];
      m[end + 1] = 0x0a;
      const lines = c.exports.countLines(block, len);
      onLines(block, len, line);
      const mm = c.u8();
      mm[end + 1] = after;
      line += lines;
      carry = block + filled - (end + 1);
      mm.copyWithin(block, end + 1, block + filled);
    }
  } finally {
    c.heap.release(block, cap + 1 + SIMD_PAD);
  }
}

/**
 * Parses the lines of one region into records at recs (capacity for countLines(ptr, len)) and
 * records its errors. Returns [records written, records that are not values].
 */
export function parseRegion(c: Core, ptr: number, len: number, firstLine: number, recs: number, n: number, modeCode: number, mode: ParseMode, source: string, errs: ScanErrors): [number, number] {
  const x = c.exports;
  const got = x.parseLines(ptr, len, recs, n, modeCode, firstLine, c.res);
  const nonOk = c.result(ABI.RES_A);
  if (nonOk === 0) return [got, 0];
  // Errors, located on demand: walk the region's lines forward to each failed record.
  let i = x.nextError(recs, 0, got);
  let pos = 0; // byte offset of line `at` in the region
  let at = 0;
  while (i >= 0) {
    errs.count++;
    if (errs.errors.length < errs.max) {
      const mem = c.u8();
      const text = mem.subarray(ptr, ptr + len);
      while (at < i) {
        const e = text.indexOf(0x0a, pos);
        pos = e < 0 ? len : e + 1;
        at++;
      }
      let e = text.indexOf(0x0a, pos);
      if (e < 0) e = len;
      const raw = text.subarray(pos, e);
      const st = mem[recs + i * R + ABI.OFF_STATUS];
      const col = new Uint32Array(mem.buffer, recs + i * R + ABI.OFF_COL, 1)[0];
      const lineNo = new Uint32Array(mem.buffer, recs + i * R + ABI.OFF_LINE, 1)[0];
      const lineText = decoder.decode(raw).replace(/\r$/, "");
      errs.errors.push(
        new ParseError({
          code: STATUS_TEXT[st].code,
          what: mode === "address" ? "parseAddr" : "parsePrefix",
          input: lineText,
          reason: STATUS_TEXT[st].reason,
          column: decoder.decode(raw.subarray(0, col)).length + 1,
          line: lineNo,
          source,
        }),
      );
    }
    i = x.nextError(recs, i + 1, got);
  }
  return [got, nonOk];
}

/** Where the records of one input start in a batch read from several. */
export interface SourceSpan {
  name: string;
  lines: boolean;
  /** Index of the input's first value in the batch. */
  start: number;
  count: number;
}

export interface ReadResult {
  /** The values (blank, comment and failed lines dropped), resident, each with its line number. */
  values: PrefixBatch;
  sources: SourceSpan[];
  errors: ParseError[];
  errorCount: number;
}

/** A growable block of records on the core's heap. */
class RecordBuffer {
  ptr = 0;
  cap = 0;
  n = 0;
  constructor(private readonly c: Core) {}
  reserve(more: number): void {
    if (this.n + more <= this.cap) return;
    const cap = Math.max(this.n + more, this.cap * 2, 1024);
    const p = this.c.heap.alloc(cap * R);
    if (this.n) this.c.u8().copyWithin(p, this.ptr, this.ptr + this.n * R);
    if (this.cap) this.c.heap.release(this.ptr, this.cap * R);
    this.ptr = p;
    this.cap = cap;
  }
  free(): void {
    if (this.cap) this.c.heap.release(this.ptr, this.cap * R);
    this.cap = 0;
    this.n = 0;
  }
}

/**
 * Reads every input as bytes, chunk by chunk, into one resident batch of values. Every error is
 * counted and the first maxErrors kept, in input order; values of good lines are kept either way.
 */
export function readPrefixes(inputs: readonly ByteInput[], opts: ScanOptions = {}, c: Core = core()): ReadResult {
  const mode = opts.mode ?? "either";
  const code = PARSE_MODE[mode];
  const errs = new ScanErrors(opts.maxErrors ?? MAX_ERRORS);
  const buf = new RecordBuffer(c);
  const sources: SourceSpan[] = [];
  for (const input of inputs) {
    const start = buf.n;
    let first = true;
    scanLines(c, input, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES, (ptr, len, firstLine) => {
      const n = c.exports.countLines(ptr, len);
      // One allocation for the whole input, estimated from its first chunk, instead of doublings.
      if (first && input.size && input.size > len) buf.reserve(Math.ceil((n * input.size * 1.05) / len) + 16);
      first = false;
      buf.reserve(n);
      const dst = buf.ptr + buf.n * R;
      const [got, nonOk] = parseRegion(c, ptr, len, firstLine, dst, n, code, mode, input.name, errs);
      buf.n += nonOk ? c.exports.compactValid(dst, got, dst) : got;
    });
    sources.push({ name: input.name, lines: input.lines, start, count: buf.n - start });
  }
  // The batch owns exactly its records; the unused tail goes back to the heap.
  const n = buf.n;
  let values: PrefixBatch;
  if (n === 0) {
    buf.free();
    values = PrefixBatch.empty();
  } else {
    shrink(c, buf.ptr, buf.cap * R, n * R);
    values = residentBatch(c, buf.ptr, n);
  }
  return { values, sources, errors: errs.errors, errorCount: errs.count };
}

/** The block at ptr (allocated for exactly n records) becomes a resident batch owned by the heap. */
export function residentBatch(c: Core, ptr: number, n: number): PrefixBatch {
  let released = false;
  const home = {
    memory: c.memory,
    ptr,
    release: () => {
      if (!released) { released = true; c.heap.disown(batch, ptr, n * R); }
    },
  };
  const batch = PrefixBatch.resident(home, n);
  c.heap.own(batch, ptr, n * R);
  return batch;
}

/** Gives the tail of a heap block back: [ptr, ptr + oldBytes) becomes [ptr, ptr + newBytes). */
export function shrink(c: Core, ptr: number, oldBytes: number, newBytes: number): void {
  const keep = newBytes === 0 ? 0 : Math.max(16, (newBytes + 15) & ~15);
  const had = Math.max(16, (oldBytes + 15) & ~15);
  if (had > keep) c.heap.release(ptr + keep, had - keep);
}
