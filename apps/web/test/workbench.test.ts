// The built web app in headless Chromium, used as a person would: the answers on the page must be
// the ones the engine gives in Node for the same input, computed in the worker, not on the page.
// The tests share one page and run in order (load, merge, overlaps, info, errors, free, worker...).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { Prefix } from "@aksnet/engine";
import { cidr } from "@aksnet/engine/cidr";
import { EXAMPLE_PREFIXES } from "../src/cidr/example.ts";
import { DIST, assertBuilt, launchChromium, serveStatic, type Browser, type StaticServer } from "./harness.ts";

let server: StaticServer | undefined;
let browser: Browser | undefined;
let page: Page;
const consoleErrors: string[] = [];
const offSite: string[] = [];

/** Counts WebAssembly compilations on the page's main thread (workers have their own globals). */
function countMainThreadWasm() {
  const g = globalThis as unknown as { __mainThreadWasm: number; WebAssembly: Record<string, unknown> };
  g.__mainThreadWasm = 0;
  for (const name of ["Module", "Instance", "compile", "instantiate", "compileStreaming", "instantiateStreaming"]) {
    const original = g.WebAssembly[name];
    if (typeof original !== "function") continue;
    g.WebAssembly[name] = new Proxy(original, {
      construct(target, args, newTarget) {
        g.__mainThreadWasm++;
        return Reflect.construct(target, args, newTarget);
      },
      apply(target, self, args) {
        g.__mainThreadWasm++;
        return Reflect.apply(target, self, args);
      },
    });
  }
}

/** Cell texts per row; a cell's `.value` part when it also holds notes. */
const rowsOf = (selector: string) =>
  page.locator(`${selector} tbody tr`).evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => (td.querySelector(".value") ?? td).textContent ?? "")),
  );

/** Clicks a button and waits until the output area it fills is no longer busy. */
async function clickAndWait(button: string, output: string) {
  await page.click(button);
  await page.waitForSelector(`${output}:not([aria-busy])`);
}

/** Durations (ms) of the worker's User Timing measures of that name, oldest first. */
const workerMeasures = (name: string) =>
  page.workers()[0].evaluate((n) => performance.getEntriesByType("measure").filter((m) => m.name === n).map((m) => m.duration), name);

/**
 * Clicks a button inside the page and returns the milliseconds (performance.now() in the page)
 * until its result is in the DOM and the next frame has been drawn.
 */
function timeClick(button: string, result: string): Promise<number> {
  return page.evaluate(([button, result]) => new Promise<number>((done) => {
    const out = document.querySelector("#cidr-result")!;
    const t0 = performance.now();
    const shown = () => !out.hasAttribute("aria-busy") && out.querySelector(`[data-result=${result}]`);
    const obs = new MutationObserver(() => {
      if (!shown()) return;
      obs.disconnect();
      requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));
    });
    obs.observe(out, { attributes: true, childList: true, subtree: true });
    (document.querySelector(button) as HTMLButtonElement).click();
  }), [button, result] as const);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** n lines of IPv4 and IPv6 prefixes, some nested, some adjacent, a few comments (deterministic). */
function bigPaste(n: number): string {
  let x = 0x2545f491;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  const lines: string[] = [];
  for (let k = 0; k < n; k++) {
    const r = next();
    if (k % 10 === 9) {
      lines.push(`2001:db8:${(r >>> 16).toString(16)}:${(r & 0xffff).toString(16)}::/${48 + (r % 17)}`);
    } else {
      const bits = 16 + (r % 17);
      const a = next();
      lines.push(`${10 + (a >>> 29)}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${bits}${k % 1000 === 0 ? "  # a comment" : ""}`);
    }
  }
  return lines.join("\n");
}

/** Prefix text as the engine prints it, whether the page left an address bare or not. */
const canonical = (s: string) => Prefix.parse(s, { allowBare: true }).toString();

beforeAll(async () => {
  assertBuilt();
  server = await serveStatic(DIST);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(`${m.worker() ? "worker" : "page"}: ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleErrors.push(`uncaught: ${e.message}`));
  page.on("request", (r) => {
    if (!r.url().startsWith(server!.url)) offSite.push(r.url());
  });
  await page.addInitScript(countMainThreadWasm);
  await page.goto(server.url);
}, 120_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await server?.close();
  }
}, 60_000);

describe("web app in Chromium", () => {
  it("loads, starts the engine and shows the example merged", async () => {
    await page.waitForSelector("#engine-status[data-state=ready]");
    await page.waitForSelector("[data-result=merge]");
    expect(await page.title()).toContain("aksnet");
    expect(await page.getAttribute("#tab-cidr", "aria-selected")).toBe("true");
    expect(consoleErrors).toEqual([]);
  });

  it("merges the example to the prefixes the engine computes in Node", async () => {
    const text = await page.inputValue("#cidr-input");
    const values = cidr().parseList(text).values;
    const expected = cidr().merge(values).toStrings();
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(values.length); // the example really merges something
    const rows = await rowsOf("[data-result=merge]");
    expect(rows.map((r) => r[0])).toEqual(expected);
    expect(rows.map((r) => r[1])).toEqual(cidr().lastAddresses(cidr().merge(values)).toStrings(true));
    // Screen readers get the one-line summary, not the table.
    expect(await page.textContent("#cidr-live")).toBe(`${values.length} lines in, ${expected.length} prefixes out`);
  });

  it("lists overlapping pairs with their line numbers", async () => {
    await clickAndWait("#cidr-overlaps", "#cidr-result");
    const parsed = cidr().parseList(await page.inputValue("#cidr-input"));
    const lineOf: number[] = [];
    for (let i = 0; i < parsed.records.length; i++) if (parsed.records.family(i)) lineOf.push(parsed.records.line(i));
    const expected = cidr().overlappingPairs(parsed.values).map(([i, j]) => [
      String(lineOf[i]), parsed.values.get(i)!.toString(), String(lineOf[j]), parsed.values.get(j)!.toString(),
    ]);
    expect(expected.length).toBeGreaterThan(0);
    const rows = await rowsOf("[data-result=overlaps]");
    expect(rows.map((r) => [r[0], canonical(r[1]), r[3], canonical(r[4])])).toEqual(expected);
  });

  it("shows network, last address and host bits per line", async () => {
    await page.fill("#cidr-input", "10.1.2.3/16\n\n# a comment line\n2001:db8::1/64  # host bits too\n192.168.0.0/24");
    await clickAndWait("#cidr-info", "#cidr-result");
    const rows = await rowsOf("[data-result=info]");
    const values = cidr().parseList("10.1.2.3/16\n\n\n2001:db8::1/64\n192.168.0.0/24").values;
    expect(rows.map((r) => r[0])).toEqual(["1", "4", "5"]);
    expect(rows.map((r) => r[1])).toEqual(cidr().masked(values).toStrings());
    expect(rows.map((r) => r[2])).toEqual(cidr().lastAddresses(values).toStrings(true));
    expect(rows.map((r) => r[4])).toEqual(["16", "64", "8"]);
    // Host bits set in what was written are flagged, with the value as written.
    const notes = await page.locator("[data-result=info] tbody tr").evaluateAll((trs) => trs.map((tr) => tr.querySelector(".note")?.textContent ?? null));
    expect(notes).toEqual(["written 10.1.2.3/16", "written 2001:db8::1/64", null]);
  });

  it("sends and parses a text once: merge, overlaps and info on the same text do not parse it again", async () => {
    await page.fill("#cidr-input", "10.0.0.0/24\n10.0.0.0/25\n10.0.1.0/24\n");
    const before = await workerMeasures("aksnet:parseList");
    for (const action of ["merge", "overlaps", "info", "merge"]) await clickAndWait(`#cidr-${action}`, "#cidr-result");
    expect(await page.textContent("[data-result=merge] caption")).toBe("3 lines in, 1 prefix out");
    expect((await workerMeasures("aksnet:parseList")).length).toBe(before.length + 1);
    // A changed text is sent and parsed again, whether typed or set by a button.
    await page.fill("#cidr-input", "10.0.0.0/24\n10.0.2.0/24\n");
    await clickAndWait("#cidr-merge", "#cidr-result");
    expect(await page.textContent("[data-result=merge] caption")).toBe("2 lines in, 2 prefixes out");
    await clickAndWait("#cidr-reset", "#cidr-result");
    expect(await page.textContent("[data-result=merge] caption")).toBe(`${cidr().parseList(EXAMPLE_PREFIXES).values.length} lines in, ${cidr().merge(cidr().parseList(EXAMPLE_PREFIXES).values).length} prefixes out`);
    expect((await workerMeasures("aksnet:parseList")).length).toBe(before.length + 3);
  });

  it("shows a malformed line's error with the engine's line and column", async () => {
    const text = "10.0.0.0/8\n# fine so far\n10.0.0.256/8\n2001:db8:::1/64\n172.16.0.0/33\n";
    await page.fill("#cidr-input", text);
    await clickAndWait("#cidr-merge", "#cidr-result");
    const expected = cidr().parseList(text, { source: "prefixes" }).errors;
    expect(expected.map((e) => e.line)).toEqual([3, 4, 5]);
    const shown = await page.locator("#cidr-result .errors li").evaluateAll((lis) =>
      lis.map((li) => ({
        line: Number(li.getAttribute("data-line")),
        column: Number(li.getAttribute("data-column")),
        label: li.querySelector("button")?.textContent,
        message: li.querySelector(".message")?.textContent,
      })),
    );
    expect(shown).toEqual(expected.map((e) => ({ line: e.line, column: e.column, label: `Line ${e.line}, column ${e.column}`, message: e.message })));
    expect(await page.textContent("#cidr-result .errors-title")).toBe("3 lines could not be parsed");
    expect(await page.locator("[data-result=merge]").count()).toBe(0);

    // The error's link selects the bad text from the reported column on.
    await page.locator("#cidr-result .errors li button").first().click();
    const selectionStart = await page.$eval("#cidr-input", (el) => (el as HTMLTextAreaElement).selectionStart);
    expect(selectionStart).toBe("10.0.0.0/8\n# fine so far\n".length + expected[0].column - 1);
  });

  it("allocates the free prefixes the engine allocates in Node", async () => {
    const read = async () => ({
      space: cidr().parseList(await page.inputValue("#free-space")).values,
      used: cidr().parseList(await page.inputValue("#free-used")).values,
      bits: Number(await page.inputValue("#free-bits")),
      count: Number(await page.inputValue("#free-count")),
    });
    await clickAndWait("#free-allocate", "#free-result");
    const ex = await read();
    const expected = cidr().allocate(ex.space, ex.used, ex.bits, ex.count).map(String);
    expect(expected).toHaveLength(ex.count);
    expect((await rowsOf("[data-result=free]")).map((r) => r[0])).toEqual(expected);

    // Asking for more than fits: the page allocates what the engine does and says it is short.
    await page.fill("#free-bits", "14");
    await page.fill("#free-count", "9");
    await clickAndWait("#free-allocate", "#free-result");
    const short = await read();
    const some = cidr().allocate(short.space, short.used, 14, 9).map(String);
    expect(some.length).toBeGreaterThan(0);
    expect(some.length).toBeLessThan(9);
    expect((await rowsOf("[data-result=free]")).map((r) => r[0])).toEqual(some);
    expect(await page.textContent("#free-result")).toContain(`Only ${some.length} of 9 free /14 prefixes fit`);
    expect(await page.textContent("#free-live")).toBe(`Only ${some.length} of 9 free /14 prefixes fit.`);
  });

  it("reports an impossible prefix length from the engine instead of failing silently", async () => {
    await page.fill("#free-bits", "40");
    await page.fill("#free-count", "1");
    await clickAndWait("#free-allocate", "#free-result");
    expect(await page.textContent("#free-result [role=alert]")).toMatch(/prefix length 40 out of range for IPv4/);
  });

  it("draws the first 1,000 rows of a long result and counts the rest", async () => {
    // 3,000 /25s that neither touch nor overlap: nothing merges.
    const text = Array.from({ length: 3000 }, (_, k) => `10.${k >> 8}.${k & 255}.0/25`).join("\n");
    // Opened as a file (typing or pasting 3,000 lines goes through the browser's slow editing path).
    await page.setInputFiles("#cidr-file", { name: "many.txt", mimeType: "text/plain", buffer: Buffer.from(text) });
    await page.waitForFunction((n) => (document.querySelector("#cidr-input") as HTMLTextAreaElement).value.split("\n").length === n, 3000);
    await clickAndWait("#cidr-merge", "#cidr-result");
    const expected = cidr().merge(cidr().parseList(text).values).toStrings();
    expect(expected).toHaveLength(3000);
    const rows = await rowsOf("[data-result=merge]");
    expect(rows.map((r) => r[0])).toEqual(expected.slice(0, 1000));
    expect(await page.textContent("[data-result=merge] caption")).toBe("3,000 lines in, 3,000 prefixes out");
    expect(await page.textContent("[data-result=merge] tfoot")).toBe("… and 2,000 more rows not shown");
  });

  it("merges 100,000 prefixes pasted into the page (click-to-result time reported, not asserted)", async () => {
    const text = bigPaste(100_000);
    // Each round pastes a new text (one more comment line), so its first merge sends and parses it.
    const fresh: number[] = [], again: number[] = [], worker: Record<string, number[]> = { parseList: [], merge: [], lastAddresses: [] };
    for (let round = 0; round < 5; round++) {
      // What a paste does: the value changes and the textarea fires "input".
      await page.evaluate((t) => {
        const el = document.querySelector("#cidr-input") as HTMLTextAreaElement;
        el.value = t;
        el.dispatchEvent(new Event("input", { bubbles: true }));
      }, `${text}\n# round ${round}`);
      fresh.push(await timeClick("#cidr-merge", "merge"));
      for (const name of Object.keys(worker)) worker[name].push((await workerMeasures(`aksnet:${name}`)).at(-1) ?? NaN);
      again.push(await timeClick("#cidr-merge", "merge"));
    }
    const expected = cidr().merge(cidr().parseList(text).values).toStrings();
    expect(expected.length).toBeGreaterThan(1000);
    expect(expected.length).toBeLessThan(100_000);
    expect((await rowsOf("[data-result=merge]")).map((r) => r[0])).toEqual(expected.slice(0, 1000));
    expect(await page.textContent("[data-result=merge] caption")).toBe(`100,000 lines in, ${expected.length.toLocaleString("en-US")} prefixes out`);
    const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms`;
    console.info(
      `[web timing] merge of 100,000 pasted prefixes (${expected.length} out), click to result shown, median of 5: ${ms(fresh)} new text, ${ms(again)} same text again;` +
      ` in the worker: ${Object.entries(worker).map(([k, v]) => `${k} ${ms(v)}`).join(", ")} (all: new ${fresh.map((x) => x.toFixed(0)).join(" ")}; again ${again.map((x) => x.toFixed(0)).join(" ")})`,
    );
  });

  it("did the work in the worker, not on the page's main thread", async () => {
    const workers = page.workers();
    expect(workers).toHaveLength(1);
    expect(workers[0].url()).toMatch(/\/assets\/worker-[^/]*\.js$/);
    const inWorker = await workers[0].evaluate(() => performance.getEntriesByType("measure").map((m) => m.name));
    for (const verb of ["parseList", "merge", "overlappingPairs", "masked", "allocate", "exclude"]) expect(inWorker).toContain(`aksnet:${verb}`);
    const onPage = await page.evaluate(() => performance.getEntriesByType("measure").map((m) => m.name));
    expect(onPage.filter((n) => n.startsWith("aksnet:"))).toEqual([]);
    expect(await page.evaluate(() => (globalThis as unknown as { __mainThreadWasm: number }).__mainThreadWasm)).toBe(0);

    // The counter does see a compilation on the main thread (so the zero above means something).
    const after = await page.evaluate(() => {
      new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
      return (globalThis as unknown as { __mainThreadWasm: number }).__mainThreadWasm;
    });
    expect(after).toBe(1);

    // And the page's own bundle does not even contain the core ("AGFzbQ" is base64 of "\0asm").
    const assets = join(DIST, "assets");
    const pageScripts = readdirSync(assets).filter((f) => f.endsWith(".js") && !f.startsWith("worker"));
    expect(pageScripts.length).toBeGreaterThan(0);
    for (const f of pageScripts) expect(readFileSync(join(assets, f), "utf8")).not.toContain("AGFzbQ");
  });

  it("fits a narrow phone-sized screen without sideways scrolling", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await clickAndWait("#cidr-reset", "#cidr-result");
      await page.waitForSelector("[data-result=merge]");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBe(0);
      expect(await page.isVisible("#cidr-input")).toBe(true);
      const box = await page.locator("#cidr-input").boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it("switches tabs by click and by keyboard, keeping the tab in the URL", async () => {
    await page.click("#tab-about");
    expect(await page.isVisible("#panel-about")).toBe(true);
    expect(await page.isHidden("#panel-cidr")).toBe(true);
    expect(new URL(page.url()).hash).toBe("#about");
    await page.keyboard.press("ArrowLeft");
    expect(await page.getAttribute("#tab-cidr", "aria-selected")).toBe("true");
    expect(await page.isVisible("#panel-cidr")).toBe(true);
    expect(new URL(page.url()).hash).toBe("#cidr");
  });

  it("logged no console errors and requested nothing missing during the session", async () => {
    expect(consoleErrors).toEqual([]);
    expect(server!.requests.map((r) => r.path)).toContain("/");
    expect(server!.requests.filter((r) => r.status !== 200)).toEqual([]);
    expect(offSite).toEqual([]); // the About tab promises that nothing typed leaves the browser
  });
});
