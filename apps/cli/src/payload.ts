// The payload of dist/aksnet.mjs: the CLI bundle, its code cache and the flow thread's bundle,
// kept in one block comment after the launcher's code (launch.ts). build.mjs writes it with
// writePayload, the launcher reads it with readPayload, from its own file's text.
//
// Layout: "/*" PAYLOAD_MARK, then each part's text with every "*/" written as ESCAPED_END (so the
// comment does not end early), then "*/", and a last line "//" PAYLOAD_MARK and the escaped
// lengths: "<body> <cache> <thread>". The parts must be ASCII (esbuild writes ASCII; the cache
// is base64) and must not contain ESCAPED_END themselves: writePayload refuses them.

export const PAYLOAD_MARK = "aksnet-payload";
/** How "*\/" is written inside the comment. */
export const ESCAPED_END = "*\\aksnet-end/";

export interface Payload {
  /** The CLI as `(function (require, module, exports, __aksnet_url) { ... })`. */
  body: string;
  /** V8's code cache of body, base64 ("" for none). */
  cache: string;
  /** The flow thread's bundle (flow-thread-entry.ts). */
  thread: string;
}

const PARTS = ["body", "cache", "thread"] as const;

/** The comment and trailer to append to the launcher's code. */
export function writePayload(p: Payload): string {
  const escaped = PARTS.map((k) => {
    const s = p[k];
    if (/[^\x00-\x7f]/.test(s)) throw new Error(`payload: the ${k} is not ASCII`);
    if (s.includes(ESCAPED_END)) throw new Error(`payload: the ${k} contains ${JSON.stringify(ESCAPED_END)}`);
    return s.replaceAll("*/", ESCAPED_END);
  });
  // (A part ending in "*" before one starting with "/" would end it too.)
  if (escaped.join("").includes("*/")) throw new Error("payload: the parts would end the comment where they meet");
  return `/*${PAYLOAD_MARK}\n${escaped.join("")}*/\n//${PAYLOAD_MARK} ${escaped.map((s) => s.length).join(" ")}\n`;
}

/** The payload from the text of the file writePayload's output ends (read as latin1: one character per byte). */
export function readPayload(file: string): Payload {
  const lastLine = file.lastIndexOf("\n//" + PAYLOAD_MARK + " ");
  const lengths = lastLine < 0 ? [] : file.slice(lastLine + 4 + PAYLOAD_MARK.length).trim().split(" ").map(Number);
  const total = lengths.reduce((a, b) => a + b, 0);
  // "*/" ends the comment just before the last line's "\n".
  let at = lastLine - 2 - total;
  if (lengths.length !== PARTS.length || !lengths.every((n) => Number.isInteger(n) && n >= 0) || at < 0 || file.slice(at - PAYLOAD_MARK.length - 3, at) !== `/*${PAYLOAD_MARK}\n`) {
    throw new Error("aksnet: this file has no payload (a damaged or partial dist/aksnet.mjs?): run npm run build");
  }
  const out = {} as Payload;
  PARTS.forEach((k, i) => {
    const s = file.slice(at, (at += lengths[i]));
    out[k] = s.includes(ESCAPED_END) ? s.replaceAll(ESCAPED_END, "*/") : s;
  });
  return out;
}
