// The app is a row of tabs, one per tool; a later tool (plan a cluster, trace iptables) is one more
// entry in main.ts's list. A tab's panel is built the first time it is shown; the URL hash names the
// open tab so links and reloads keep it. Keyboard use follows the WAI-ARIA tabs pattern.
import { h } from "./dom.ts";
import type { EngineWorker } from "./engine-client.ts";

export interface AppContext {
  engine: EngineWorker;
}

export interface Tab {
  /** Used in the URL hash (#cidr) and element ids. */
  id: string;
  title: string;
  mount(panel: HTMLElement, ctx: AppContext): void;
}

export function mountTabs(nav: HTMLElement, main: HTMLElement, tabs: readonly Tab[], ctx: AppContext): void {
  const buttons: HTMLButtonElement[] = [];
  const panels: HTMLElement[] = [];
  const mounted = new Set<string>();
  nav.setAttribute("role", "tablist");
  nav.setAttribute("aria-label", "Tools");

  const show = (index: number, focus = false) => {
    tabs.forEach((t, i) => {
      const on = i === index;
      buttons[i].setAttribute("aria-selected", String(on));
      buttons[i].tabIndex = on ? 0 : -1;
      panels[i].hidden = !on;
      if (on && !mounted.has(t.id)) {
        mounted.add(t.id);
        t.mount(panels[i], ctx);
      }
    });
    if (focus) buttons[index].focus();
    if (location.hash !== `#${tabs[index].id}`) history.replaceState(null, "", `#${tabs[index].id}`);
  };

  tabs.forEach((t, i) => {
    const button = h("button", {
      type: "button", role: "tab", id: `tab-${t.id}`, "aria-controls": `panel-${t.id}`,
      onclick: () => show(i),
      onkeydown: (e: Event) => {
        const key = (e as KeyboardEvent).key;
        const next = key === "ArrowRight" ? i + 1 : key === "ArrowLeft" ? i - 1 : key === "Home" ? 0 : key === "End" ? tabs.length - 1 : -2;
        if (next === -2) return;
        e.preventDefault();
        show((next + tabs.length) % tabs.length, true);
      },
    }, t.title);
    const panel = h("section", { role: "tabpanel", id: `panel-${t.id}`, "aria-labelledby": `tab-${t.id}`, class: "panel" });
    buttons.push(button);
    panels.push(panel);
    nav.append(button);
    main.append(panel);
  });

  const fromHash = () => Math.max(0, tabs.findIndex((t) => `#${t.id}` === location.hash));
  addEventListener("hashchange", () => show(fromHash()));
  show(fromHash());
}
