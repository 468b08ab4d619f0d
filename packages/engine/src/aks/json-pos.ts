// Positions in JSON text, computed only when a message needs one: JSON.parse is the fast path
// (linear, no positions), and these scanners run after it — the syntax checker when it failed
// (Node 20's messages often carry no position), the path locator when a field is wrong. Both are
// single passes with an explicit stack, so a 2 MB array or 100,000 nested brackets cost linear time
// and no call stack.

/** The first syntax error in text: its offset and a short reason; undefined when text is valid JSON. */
export function jsonSyntaxError(text: string): { offset: number; reason: string } | undefined {
  const n = text.length;
  let i = 0;
  const stack: number[] = []; // 123 '{' or 91 '['
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const fail = (offset: number, reason: string) => ({ offset, reason: offset >= n ? "unexpected end of input (is the JSON truncated?)" : reason });
  const show = (at: number) => (at < n ? `unexpected ${describeChar(text, at)}` : "unexpected end of input");
  // Scans a string starting at the quote at i; returns the error or undefined (i after the closing quote).
  const str = (): { offset: number; reason: string } | undefined => {
    i++;
    for (;;) {
      if (i >= n) return fail(n, "");
      const c = text.charCodeAt(i);
      if (c === 34) { i++; return undefined; }
      if (c < 32) return fail(i, "Bad control character in string literal (a line break inside a string?)");
      if (c === 92) {
        const e = text.charCodeAt(i + 1);
        if (e === 117) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail(i, "bad \\u escape in string literal");
          i += 6;
          continue;
        }
        if (!(e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116)) return fail(i, "bad escape in string literal");
        i += 2;
        continue;
      }
      i++;
    }
  };
  const num = (): { offset: number; reason: string } | undefined => {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = i;
    const r = m.exec(text);
    if (!r || r[0] === "-") return fail(i, "malformed number");
    i += r[0].length;
    const c = text.charCodeAt(i);
    if ((c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69) return fail(i, "malformed number");
    return undefined;
  };
  // The value grammar as a loop: after a value, the top of the stack says what may follow.
  for (;;) {
    ws();
    // Expect a value.
    if (i >= n) return fail(n, "");
    const c = text.charCodeAt(i);
    let err: { offset: number; reason: string } | undefined;
    if (c === 123 || c === 91) {
      stack.push(c);
      i++;
      ws();
      const close = c === 123 ? 125 : 93;
      if (text.charCodeAt(i) === close) { stack.pop(); i++; }
      else if (c === 123) {
        if (text.charCodeAt(i) !== 34) return fail(i, `${show(i)}; expected a quoted key or "}"`);
        if ((err = str())) return err;
        ws();
        if (text.charCodeAt(i) !== 58) return fail(i, `${show(i)}; expected ":" after the key`);
        i++;
        continue;
      } else continue;
    } else if (c === 34) { if ((err = str())) return err; }
    else if (c === 45 || (c >= 48 && c <= 57)) { if ((err = num())) return err; }
    else if (text.startsWith("true", i)) i += 4;
    else if (text.startsWith("false", i)) i += 5;
    else if (text.startsWith("null", i)) i += 4;
    else return fail(i, `${show(i)}; expected a value`);
    // After a value: a separator, a close, or the end.
    for (;;) {
      ws();
      if (!stack.length) {
        if (i < n) return fail(i, `${show(i)} after the JSON value`);
        return undefined;
      }
      const top = stack[stack.length - 1];
      const d = text.charCodeAt(i);
      if (i >= n) return fail(n, "");
      if (d === 44) {
        i++;
        ws();
        if (top === 123) {
          if (text.charCodeAt(i) !== 34) return fail(i, `${show(i)}; expected a quoted key (a trailing comma?)`);
          if ((err = str())) return err;
          ws();
          if (text.charCodeAt(i) !== 58) return fail(i, `${show(i)}; expected ":" after the key`);
          i++;
        } else if (text.charCodeAt(i) === 93) return fail(i, `${show(i)}; expected a value (a trailing comma?)`);
        break;
      }
      if ((top === 123 && d === 125) || (top === 91 && d === 93)) { stack.pop(); i++; continue; }
      return fail(i, `${show(i)}; expected "," or "${top === 123 ? "}" : "]"}"`);
    }
  }
}

/** A character for a message: printable as itself, anything invisible or odd as U+XXXX. */
export function describeChar(text: string, at: number): string {
  const cp = text.codePointAt(at)!;
  return cp >= 0x21 && cp < 0x7f ? JSON.stringify(String.fromCodePoint(cp)) : `character U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** 1-based line and column (in UTF-16 units) of an offset. */
export function lineColOf(text: string, offset: number): { line: number; col: number } {
  let line = 1, last = -1;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf("\n"); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) { line++; last = i; }
  return { line, col: end - last };
}

/** Skips one JSON value of valid text starting at i (after whitespace); returns the offset after it. */
function skipValue(text: string, i: number): number {
  let depth = 0;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      i++;
      for (;;) {
        const d = text.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === 34) { i++; break; }
        else i++;
      }
    } else if (c === 123 || c === 91) { depth++; i++; }
    else if (c === 125 || c === 93) { depth--; i++; }
    else if (depth > 0) i++;
    else {
      while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
      return i;
    }
    if (depth === 0) return i;
  }
}

function skipWs(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i])) i++;
  return i;
}

/**
 * Offsets of the value at a path in valid JSON text (and of its key, when the last step is an
 * object member); the last of duplicate keys, as JSON.parse keeps. Undefined when not there.
 */
export function jsonPathOffset(text: string, segs: readonly (string | number)[]): { value: number; key?: number } | undefined {
  let at = skipWs(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  let key: number | undefined;
  for (const seg of segs) {
    const c = text.charCodeAt(at);
    if (c === 123 && typeof seg === "string") {
      let i = skipWs(text, at + 1);
      let hit: { value: number; key: number } | undefined;
      while (text.charCodeAt(i) === 34) {
        const k0 = i;
        const k1 = skipValue(text, i);
        const name = JSON.parse(text.slice(k0, k1)) as string;
        i = skipWs(text, k1) + 1; // past ':'
        i = skipWs(text, i);
        if (name === seg) hit = { value: i, key: k0 };
        i = skipWs(text, skipValue(text, i));
        if (text.charCodeAt(i) === 44) i = skipWs(text, i + 1);
      }
      if (!hit) return undefined;
      at = hit.value;
      key = hit.key;
    } else if (c === 91 && typeof seg === "number") {
      let i = skipWs(text, at + 1);
      for (let k = 0; k < seg; k++) {
        if (text.charCodeAt(i) === 93) return undefined;
        i = skipWs(text, skipValue(text, i));
        if (text.charCodeAt(i) !== 44) return undefined;
        i = skipWs(text, i + 1);
      }
      if (text.charCodeAt(i) === 93) return undefined;
      at = i;
      key = undefined;
    } else return undefined;
  }
  return { value: at, key };
}
