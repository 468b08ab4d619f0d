// Rendering pieces shared by the workbench's views: parse errors, engine errors, address counts.
import { h } from "../dom.ts";
import type { WireParsedList, WireParseError } from "../protocol.ts";

/** Prefix length of "a/n", or the full length of a bare address. */
export function prefixLength(value: string): number {
  const slash = value.indexOf("/");
  if (slash >= 0) return Number(value.slice(slash + 1));
  return value.includes(":") ? 128 : 32;
}

/** Bits below the prefix length: 8 for a /24, 0 for an address. */
export function hostBits(value: string): number {
  return (value.includes(":") ? 128 : 32) - prefixLength(value);
}

/** 2^bits as an exact count while it stays readable, then as a power of two. */
export function formatSize(bits: number): Node {
  if (bits <= 48) return document.createTextNode((2n ** BigInt(bits)).toLocaleString("en-US"));
  return h("span", { title: (2n ** BigInt(bits)).toLocaleString("en-US") }, "2", h("sup", {}, bits));
}

/**
 * The engine's parse errors, each with its own message (source:line:column: ...) and a button that
 * selects the offending text in the textarea.
 */
export function errorList(parsed: WireParsedList, input: HTMLTextAreaElement, nextStep: string): Node[] {
  if (!parsed.errorCount) return [];
  const more = parsed.errorCount - parsed.errors.length;
  return [
    h(
      "div",
      { class: "errors", role: "alert" },
      h("p", { class: "errors-title" }, `${parsed.errorCount} ${parsed.errorCount === 1 ? "line" : "lines"} could not be parsed`),
      h("p", { class: "hint" }, nextStep),
      h("ul", {}, ...parsed.errors.map((e) => h(
        "li",
        { "data-line": e.line, "data-column": e.column },
        h("button", { type: "button", class: "link", title: "Select it in the text", onclick: () => selectAt(input, e) }, `Line ${e.line}, column ${e.column}`),
        " ",
        h("code", { class: "message" }, e.message),
      ))),
      more > 0 ? h("p", {}, `… and ${more.toLocaleString("en-US")} more`) : null,
    ),
  ];
}

/** Selects from the error's column to the end of its line and scrolls it into view. */
function selectAt(input: HTMLTextAreaElement, e: WireParseError): void {
  const lines = input.value.split("\n");
  let start = 0;
  for (let i = 0; i < e.line - 1 && i < lines.length; i++) start += lines[i].length + 1;
  const lineText = lines[e.line - 1] ?? "";
  const from = start + Math.min(e.column - 1, lineText.length);
  const to = start + lineText.replace(/\s*#.*$/, "").replace(/\s+$/, "").length;
  input.focus();
  input.setSelectionRange(from, Math.max(from, to));
  // Roughly scroll the line into view: textareas do not scroll to a selection made from script.
  const lineHeight = parseFloat(getComputedStyle(input).lineHeight) || 20;
  input.scrollTop = Math.max(0, (e.line - 3) * lineHeight);
}

/** An error raised by the engine or the worker, as a visible alert instead of a console trace. */
export function describeError(e: unknown): Node {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: string }).code;
  return h("div", { class: "errors", role: "alert" }, h("p", { class: "errors-title" }, code ?? err.name), h("code", { class: "message" }, err.message));
}
