// The engine's home in the browser: a module Web Worker that owns the WebAssembly core, so long
// batches never block the page. The protocol (bytes in, typed arrays out, batches held by handle)
// is served by engine-host.ts; this file only connects it to the worker's message port.
import { createEngineHost } from "./engine-host.ts";
import type { EngineResponse } from "./protocol.ts";

const host = createEngineHost();

const scope = self as unknown as {
  postMessage(m: EngineResponse, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent<unknown>) => void) | null;
};
scope.onmessage = (e) => {
  const { response, transfer } = host.handle(e.data);
  scope.postMessage(response, transfer);
};
