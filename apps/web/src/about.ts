// The About tab: what the app is, and that nothing leaves the browser.
import { h } from "./dom.ts";
import type { Tab } from "./tabs.ts";

export const about: Tab = {
  id: "about",
  title: "About",
  mount(panel) {
    panel.append(
      h(
        "article",
        { class: "card prose" },
        h("h2", {}, "About aksnet"),
        h("p", {}, "aksnet plans, checks and debugs Azure Kubernetes Service networking offline. This page runs the same engine as the ",
          h("code", {}, "aksnet"), " command line tool: a WebAssembly core for the address math, in a Web Worker so large lists never freeze the page."),
        h("p", {}, "Nothing you type is sent anywhere: the page makes no network requests after it has loaded."),
        h("h3", {}, "CIDR workbench"),
        h("ul", {},
          h("li", {}, h("strong", {}, "Merge"), " collapses a list to the minimal set of prefixes covering the same addresses (", h("code", {}, "aksnet cidr merge"), ")."),
          h("li", {}, h("strong", {}, "Find overlaps"), " lists every pair of lines that share addresses (", h("code", {}, "aksnet cidr overlaps"), ")."),
          h("li", {}, h("strong", {}, "Info"), " shows the network, first and last address, size and host bits of each line (", h("code", {}, "aksnet cidr info"), ")."),
          h("li", {}, h("strong", {}, "Free prefix allocation"), " carves free prefixes of a length out of an address space, avoiding used ranges, smallest free block first (",
            h("code", {}, "aksnet cidr free"), ")."),
        ),
      ),
    );
  },
};
