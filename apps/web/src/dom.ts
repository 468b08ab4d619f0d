// Tiny DOM helpers: elements are built with textContent only, so user input is never parsed as HTML.
type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(typeof c === "number" ? String(c) : c);
  }
}

export interface Column<Row> {
  title: string;
  cell(row: Row, index: number): Child;
  /** Right-aligned numbers, monospace addresses. */
  kind?: "number" | "addr";
}

/** Rows beyond this are counted, not drawn: a DOM table of 100,000 rows would freeze the page. */
export const MAX_TABLE_ROWS = 1000;

/** Rows a table reads one at a time: an array, or a long result decoded row by row (TextLines). */
export interface Rows<Row> {
  readonly length: number;
  at(i: number): Row | undefined;
}

/**
 * A table with a caption, header cells with scope, one row per item (the first MAX_TABLE_ROWS, then
 * a row saying how many more); scrolls sideways when narrow. Only the rows drawn are read.
 */
export function table<Row>(caption: string, columns: Column<Row>[], rows: Rows<Row>, attrs: Attrs = {}): HTMLElement {
  const shown: Row[] = [];
  for (let i = 0; i < rows.length && i < MAX_TABLE_ROWS; i++) shown.push(rows.at(i)!);
  const hidden = rows.length - shown.length;
  return h("div", { class: "table-scroll" }, h(
    "table",
    attrs,
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", { scope: "col", class: c.kind }, c.title)))),
    h("tbody", {}, ...shown.map((r, i) => h("tr", {}, ...columns.map((c) => h("td", { class: c.kind }, c.cell(r, i)))))),
    hidden > 0
      ? h("tfoot", {}, h("tr", {}, h("td", { colspan: columns.length, class: "more" }, `… and ${hidden.toLocaleString("en-US")} more rows not shown`)))
      : null,
  ));
}
