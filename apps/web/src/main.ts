// Entry point: start the engine worker, then build the tabs. Adding a tool means adding a Tab here.
import { about } from "./about.ts";
import { cidrWorkbench } from "./cidr/workbench.ts";
import { startEngineWorker } from "./engine-client.ts";
import { mountTabs, type Tab } from "./tabs.ts";

const TABS: Tab[] = [cidrWorkbench, about];

const engine = startEngineWorker();
const status = document.getElementById("engine-status")!;
// The first call loads the WebAssembly core in the worker; its outcome is the engine's status.
engine.parseList(new Uint8Array(0)).then(
  () => {
    status.textContent = "Engine ready · WebAssembly in a Web Worker";
    status.dataset.state = "ready";
  },
  (e: Error) => {
    status.textContent = `Engine failed to start: ${e.message}`;
    status.dataset.state = "failed";
  },
);

mountTabs(document.getElementById("tabs")!, document.getElementById("app")!, TABS, { engine });
