// The engine's home in the browser: a module Web Worker that owns the WebAssembly core, so long
// batches never block the page. The protocol (bytes in, typed arrays out, batches held by handle)
// is served by engine-host.ts; this file only hands it the worker's own message port.
import { serve, type HostPort } from "./engine-host.ts";

serve(self as unknown as HostPort);
