// The CIDR workbench tab: a prefix list to merge, check for overlaps or describe, and a best-fit
// allocator for free prefixes. Every computation is an engine call in the worker; this file only
// reads the form, shows the engine's errors as it reported them, and renders tables. A textarea's
// text goes to the worker once per change, as bytes, and is parsed once there; the verbs then name
// the parsed batch by its handle, and their results come back as text buffers decoded row by row.
import { h, table, type Rows } from "../dom.ts";
import { EngineError, type EngineWorker } from "../engine-client.ts";
import { TextLines, WIRE_ERROR, type WireParsedList, type WireParseOptions } from "../protocol.ts";
import type { Tab } from "../tabs.ts";
import { EXAMPLE_BITS, EXAMPLE_COUNT, EXAMPLE_PREFIXES, EXAMPLE_SPACE, EXAMPLE_USED } from "./example.ts";
import { describeError, errorList, formatSize, hostBits, prefixLength } from "./render.ts";

type ListAction = "merge" | "overlaps" | "info";

/** Enough to fix a paste gone wrong; the rest are counted. */
const MAX_ERRORS_SHOWN = 50;

const ACTION_LABEL: Record<ListAction, string> = { merge: "Merge", overlaps: "Find overlaps", info: "Info" };
const ACTION_RESULT: Record<ListAction, string> = { merge: "merged list", overlaps: "overlapping pairs", info: "info table" };
const ACTION_HINT: Record<ListAction, string> = {
  merge: "the minimal prefix list covering the same addresses",
  overlaps: "every pair of lines that share addresses",
  info: "network, first and last address, size and host bits of each line",
};

export const cidrWorkbench: Tab = {
  id: "cidr",
  title: "CIDR workbench",
  mount(panel, { engine }) {
    panel.append(prefixListCard(engine), freeCard(engine));
  },
};

/**
 * Runs one async job at a time per output area; a newer run hides an older one's late answer.
 * Screen readers hear a one-line summary (the table caption or the error title) through the
 * live region, not the whole table.
 */
function runner(output: HTMLElement, live: HTMLElement) {
  let seq = 0;
  return async (job: (isCurrent: () => boolean) => Promise<Node[]>) => {
    const mine = ++seq;
    output.setAttribute("aria-busy", "true");
    try {
      const nodes = await job(() => mine === seq);
      if (mine === seq) output.replaceChildren(...nodes);
    } catch (e) {
      if (mine === seq) output.replaceChildren(describeError(e));
    } finally {
      if (mine === seq) {
        output.removeAttribute("aria-busy");
        const summary = output.querySelector("caption, .errors-title, .notice, .ok, .warn-box");
        live.textContent = summary?.textContent ?? "";
      }
    }
  };
}

const encoder = new TextEncoder();

/** A textarea's content as the worker holds it: encoded and sent once per change, parsed once there. */
class HeldInput {
  private sent?: string;
  private parsed?: Promise<WireParsedList>;
  constructor(private readonly engine: EngineWorker, private readonly input: HTMLTextAreaElement, private readonly opts: WireParseOptions) {}

  /** The parsed content, from the worker's last parse of this text or a new one. */
  get(): Promise<WireParsedList> {
    const text = this.input.value;
    if (this.parsed && text === this.sent) return this.parsed;
    this.sent = text;
    const p = this.engine.parseList(encoder.encode(text), this.opts);
    this.parsed = p;
    p.catch(() => { if (this.parsed === p) this.parsed = undefined; });
    return p;
  }

  forget(): void {
    this.parsed = undefined;
  }
}

/** Runs job; if the worker has let go of a batch it used (it keeps only recent ones), parses again once. */
async function withHeld<T>(inputs: HeldInput[], job: () => Promise<T>): Promise<T> {
  try {
    return await job();
  } catch (e) {
    if (!(e instanceof EngineError && e.code === WIRE_ERROR.gone)) throw e;
    for (const i of inputs) i.forget();
    return job();
  }
}

/** Row indices 0..n-1, for tables whose cells read several columns of one result. */
const indices = (n: number): Rows<number> => ({ length: n, at: (i) => i });

function prefixListCard(engine: EngineWorker): HTMLElement {
  const input = h("textarea", { id: "cidr-input", rows: 16, spellcheck: "false", autocomplete: "off", autocapitalize: "off", "aria-describedby": "cidr-input-hint" });
  input.value = EXAMPLE_PREFIXES;
  const output = h("div", { id: "cidr-result", class: "result" });
  const live = h("p", { id: "cidr-live", class: "visually-hidden", role: "status" });
  const run = runner(output, live);
  const held = new HeldInput(engine, input, { source: "prefixes", maxErrors: MAX_ERRORS_SHOWN });
  let current: ListAction = "merge";

  const buttons = (Object.keys(ACTION_LABEL) as ListAction[]).map((a) =>
    h("button", { type: "button", id: `cidr-${a}`, title: ACTION_HINT[a], onclick: () => act(a) }, ACTION_LABEL[a]),
  );

  const act = (action: ListAction) => {
    current = action;
    buttons.forEach((b) => b.classList.toggle("current", b.id === `cidr-${action}`));
    return run((isCurrent) => withHeld([held], async () => {
      const parsed = await held.get();
      if (!isCurrent()) return [];
      if (parsed.errorCount) return errorList(parsed, input, `Fix ${parsed.errorCount === 1 ? "it" : "them"} to see the ${ACTION_RESULT[action]}.`);
      if (!parsed.length) return [h("p", { class: "notice" }, "Enter at least one prefix or address.")];
      return action === "merge" ? mergeView(engine, parsed) : action === "overlaps" ? overlapsView(engine, parsed) : infoView(engine, parsed);
    }));
  };

  // A file's text goes straight into the textarea: pasting thousands of lines is slow in browsers.
  const file = h("input", { type: "file", id: "cidr-file", accept: ".txt,.list,text/plain", hidden: true, "aria-label": "Open a file of prefixes" });
  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    input.value = await chosen.text();
    file.value = "";
    void act(current);
  });

  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void act(current);
    }
  });

  void act("merge");
  return h(
    "article",
    { class: "card", "aria-labelledby": "cidr-list-title" },
    h("h2", { id: "cidr-list-title" }, "Prefix list"),
    h(
      "div",
      { class: "split" },
      h(
        "div",
        { class: "inputs" },
        h("div", { class: "label-row" },
          h("label", { for: "cidr-input" }, "Prefixes and addresses"),
          h("span", { class: "tools" },
            h("button", { type: "button", id: "cidr-open", class: "quiet small", onclick: () => file.click() }, "Open file…"),
            h("button", { type: "button", id: "cidr-reset", class: "quiet small", onclick: () => { input.value = EXAMPLE_PREFIXES; void act(current); } }, "Reset example"))),
        h("p", { id: "cidr-input-hint", class: "hint" }, "One per line, IPv4 or IPv6; # starts a comment. Ctrl+Enter repeats the last action."),
        input,
        h("div", { class: "actions", role: "group", "aria-label": "Prefix list actions" }, ...buttons),
        file,
      ),
      output,
    ),
    live,
  );
}

async function mergeView(engine: EngineWorker, parsed: WireParsedList): Promise<Node[]> {
  const result = await engine.merge(parsed);
  // Merged prefixes are masked, so the prefix shows the first address; the last one completes the range.
  const last = new TextLines(await engine.lastAddresses(result));
  const merged = new TextLines(result);
  const copy = h("button", { type: "button", class: "quiet small", onclick: () => copyText(copy, merged.all()) }, "Copy list");
  return [
    h("div", { class: "result-head" }, h("h3", {}, "Merged"), copy),
    table(
      `${plural(parsed.length, "line")} in, ${plural(merged.length, "prefix", "prefixes")} out`,
      [
        { title: "Prefix", kind: "addr", cell: (p) => p },
        { title: "Last address", kind: "addr", cell: (_, i) => last.at(i) },
        { title: "Addresses", kind: "number", cell: (p) => formatSize(hostBits(p)) },
      ],
      merged,
      { "data-result": "merge" },
    ),
  ];
}

async function overlapsView(engine: EngineWorker, parsed: WireParsedList): Promise<Node[]> {
  const found = await engine.overlappingPairs(parsed);
  const head = h("div", { class: "result-head" }, h("h3", {}, "Overlaps"));
  if (!found.length) return [head, h("p", { class: "ok", "data-result": "overlaps" }, `No overlaps among ${plural(parsed.length, "prefix", "prefixes")}.`)];
  const values = new TextLines(await engine.batch(parsed));
  const { pairs, lines } = found;
  // Two prefixes that share an address always nest, so the lengths say which holds which.
  const relation = (k: number) => {
    const a = prefixLength(values.at(pairs[2 * k])), b = prefixLength(values.at(pairs[2 * k + 1]));
    return a === b ? "same range as" : a < b ? "contains" : "is inside";
  };
  return [
    head,
    table(
      `${plural(found.total, "overlapping pair")} among ${plural(parsed.length, "prefix", "prefixes")}${found.total > found.length ? ` (the first ${found.length} listed)` : ""}`,
      [
        { title: "Line", kind: "number", cell: (k) => lines[2 * k] },
        { title: "Prefix", kind: "addr", cell: (k) => values.at(pairs[2 * k]) },
        { title: "", cell: (k) => h("span", { class: "relation" }, relation(k)) },
        { title: "Line", kind: "number", cell: (k) => lines[2 * k + 1] },
        { title: "Prefix", kind: "addr", cell: (k) => values.at(pairs[2 * k + 1]) },
      ],
      indices(found.length),
      { "data-result": "overlaps" },
    ),
  ];
}

async function infoView(engine: EngineWorker, parsed: WireParsedList): Promise<Node[]> {
  const { lines } = parsed;
  // The network's address is the first address, so one column shows both.
  const [values, network, last] = (await Promise.all([engine.batch(parsed), engine.masked(parsed), engine.lastAddresses(parsed)])).map((b) => new TextLines(b));
  const addrOf = (s: string) => s.split("/")[0];
  const hostBitsSet = (v: string, i: number) => addrOf(v) !== addrOf(network.at(i));
  return [
    h("div", { class: "result-head" }, h("h3", {}, "Info")),
    table(
      plural(values.length, "value"),
      [
        { title: "Line", kind: "number", cell: (_, i) => lines[i] },
        {
          title: "Network",
          kind: "addr",
          cell: (v, i) => hostBitsSet(v, i)
            ? [h("span", { class: "value" }, network.at(i)), h("span", { class: "note warn" }, `written ${v}`)]
            : h("span", { class: "value" }, network.at(i)),
        },
        { title: "Last address", kind: "addr", cell: (_, i) => last.at(i) },
        { title: "Addresses", kind: "number", cell: (v) => formatSize(hostBits(v)) },
        {
          title: "Host bits",
          kind: "number",
          cell: (v, i) => hostBitsSet(v, i)
            ? [h("span", { class: "value" }, String(hostBits(v))), " ", h("span", { class: "badge warn", title: `bits below /${prefixLength(v)} are set in ${v}` }, "set")]
            : h("span", { class: "value" }, String(hostBits(v))),
        },
      ],
      values,
      { "data-result": "info" },
    ),
  ];
}

function freeCard(engine: EngineWorker): HTMLElement {
  const space = h("textarea", { id: "free-space", rows: 3, spellcheck: "false", autocomplete: "off" });
  const used = h("textarea", { id: "free-used", rows: 6, spellcheck: "false", autocomplete: "off" });
  const bits = h("input", { id: "free-bits", type: "number", min: 0, max: 128, step: 1, required: true, inputmode: "numeric" });
  const count = h("input", { id: "free-count", type: "number", min: 1, max: 4096, step: 1, required: true, inputmode: "numeric" });
  const output = h("div", { id: "free-result", class: "result" });
  const live = h("p", { id: "free-live", class: "visually-hidden", role: "status" });
  const run = runner(output, live);
  const spaceHeld = new HeldInput(engine, space, { source: "space", maxErrors: MAX_ERRORS_SHOWN });
  const usedHeld = new HeldInput(engine, used, { source: "used", maxErrors: MAX_ERRORS_SHOWN });
  const reset = () => {
    space.value = EXAMPLE_SPACE;
    used.value = EXAMPLE_USED;
    bits.value = String(EXAMPLE_BITS);
    count.value = String(EXAMPLE_COUNT);
  };
  reset();

  const allocate = () =>
    run((isCurrent) => withHeld([spaceHeld, usedHeld], async () => {
      const [s, u] = await Promise.all([spaceHeld.get(), usedHeld.get()]);
      if (!isCurrent()) return [];
      if (s.errorCount || u.errorCount) return [...errorList(s, space, "Fix the address space to allocate."), ...errorList(u, used, "Fix the used prefixes to allocate.")];
      if (!s.length) return [h("p", { class: "notice" }, "Enter the address space to allocate from, e.g. the VNet's prefixes.")];
      const want = { bits: Number(bits.value), count: Number(count.value) };
      if (!bits.checkValidity() || bits.value === "") return [h("p", { class: "notice" }, "The prefix length must be a whole number from 0 to 128.")];
      if (!count.checkValidity() || count.value === "") return [h("p", { class: "notice" }, "How many must be a whole number from 1 to 4096.")];
      const allocated = await engine.allocate(s, u, want.bits, want.count);
      const [last, freeBefore] = (await Promise.all([engine.lastAddresses(allocated), engine.exclude(s, u)])).map((b) => new TextLines(b));
      const got = new TextLines(allocated);
      const nodes: Node[] = [h("div", { class: "result-head" }, h("h3", {}, "Allocated"))];
      if (got.length < want.count) {
        nodes.push(h("p", { class: "warn-box" }, `Only ${got.length} of ${want.count} free /${want.bits} prefixes fit.`));
      }
      if (got.length) {
        nodes.push(table(
          `${plural(got.length, `free /${want.bits} prefix`, `free /${want.bits} prefixes`)}, best fit (smallest free block first)`,
          [
            { title: "Prefix", kind: "addr", cell: (p) => p },
            { title: "Last address", kind: "addr", cell: (_, i) => last.at(i) },
            { title: "Addresses", kind: "number", cell: (p) => formatSize(hostBits(p)) },
          ],
          got,
          { "data-result": "free" },
        ));
      }
      nodes.push(h("p", { class: "hint" }, "Free before allocating: ", freeBefore.length ? h("code", {}, freeBefore.all().split("\n").join(", ")) : "none"));
      return nodes;
    }));

  const form = h(
    "form",
    { class: "inputs", "aria-labelledby": "free-title", onsubmit: (e: Event) => { e.preventDefault(); void allocate(); } },
    h("label", { for: "free-space" }, "Address space"),
    h("p", { class: "hint" }, "Where to allocate from, e.g. the VNet's address prefixes."),
    space,
    h("label", { for: "free-used" }, "Already used"),
    h("p", { class: "hint" }, "Subnets and ranges that are taken."),
    used,
    h(
      "div",
      { class: "row" },
      h("div", {}, h("label", { for: "free-bits" }, "Prefix length"), h("div", { class: "with-prefix" }, h("span", { "aria-hidden": "true" }, "/"), bits)),
      h("div", {}, h("label", { for: "free-count" }, "How many"), count),
    ),
    h("div", { class: "actions" },
      h("button", { type: "submit", id: "free-allocate" }, "Allocate"),
      h("button", { type: "button", id: "free-reset", class: "quiet", onclick: () => { reset(); void allocate(); } }, "Reset example")),
  );

  void allocate();
  return h(
    "article",
    { class: "card", "aria-labelledby": "free-title" },
    h("h2", { id: "free-title" }, "Free prefix allocation"),
    h("div", { class: "split" }, form, output),
    live,
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

async function copyText(button: HTMLButtonElement, text: string) {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Copy failed";
  }
  setTimeout(() => (button.textContent = label), 1500);
}
