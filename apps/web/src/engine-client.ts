// The page's handle on the engine worker: an object with the engine's method names whose calls
// return promises. The page itself never loads the WebAssembly core.
import { CIDR_METHODS, type AsyncCidrEngine, type CidrMethod, type EngineRequest, type EngineResponse } from "./protocol.ts";

/** An error raised inside the worker, with the engine's name, code and message. */
export class EngineError extends Error {
  readonly code?: string;
  constructor(name: string, message: string, code?: string) {
    super(message);
    this.name = name;
    this.code = code;
  }
}

export interface EngineWorker extends AsyncCidrEngine {
  terminate(): void;
}

export function startEngineWorker(): EngineWorker {
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: "aksnet-engine" });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let broken: Error | undefined;

  worker.onmessage = (e: MessageEvent<EngineResponse>) => {
    const res = e.data;
    const p = pending.get(res.id);
    if (!p) return;
    pending.delete(res.id);
    if (res.ok) p.resolve(res.result);
    else p.reject(new EngineError(res.error.name, res.error.message, res.error.code));
  };
  // A worker that fails to load or crashes fails every call now and later, instead of hanging them.
  const fail = (why: string) => {
    broken = new EngineError("EngineUnavailable", `the engine worker stopped: ${why}`);
    for (const p of pending.values()) p.reject(broken);
    pending.clear();
  };
  worker.onerror = (e) => {
    e.preventDefault();
    fail(e.message || "it could not be loaded");
  };
  worker.onmessageerror = () => fail("a message could not be read");

  function call(method: CidrMethod, args: unknown[]): Promise<unknown> {
    if (broken) return Promise.reject(broken);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args } as EngineRequest);
    });
  }

  const client = { terminate: () => { worker.terminate(); fail("terminated"); } } as EngineWorker;
  for (const m of CIDR_METHODS) {
    (client as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => call(m, args);
  }
  return client;
}
