// The page's handle on the engine worker: an object with the engine's method names whose calls
// return promises. The page itself never loads the WebAssembly core. Typed arrays in a request's
// arguments are transferred to the worker (the caller's copy is detached), not cloned; a batch
// the worker returned can be passed straight back, and only its handle goes over.
import { CIDR_METHODS, type AsyncCidrEngine, type CidrMethod, type EngineRequest, type EngineResponse, type WireRef } from "./protocol.ts";

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

/** What the client needs of a Worker (a MessagePort has the same shape, which the Node tests use). */
export interface EnginePort {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
  onmessageerror: ((e: MessageEvent) => void) | null;
  onerror?: ((e: ErrorEvent) => void) | null;
  terminate?(): void;
  close?(): void;
}

export function startEngineWorker(): EngineWorker {
  return connectEngine(new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: "aksnet-engine" }));
}

export function connectEngine(port: EnginePort): EngineWorker {
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let broken: Error | undefined;

  port.onmessage = (e: MessageEvent<EngineResponse>) => {
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
  if ("onerror" in port) {
    port.onerror = (e) => {
      e.preventDefault();
      fail(e.message || "it could not be loaded");
    };
  }
  port.onmessageerror = () => fail("a message could not be read");

  function call(method: CidrMethod, args: unknown[]): Promise<unknown> {
    if (broken) return Promise.reject(broken);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      try {
        const wire = args.map(asArgument);
        port.postMessage({ id, method, args: wire } as EngineRequest, transferablesOf(wire));
      } catch (e) {
        pending.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  const client = {
    terminate: () => {
      port.terminate?.();
      port.close?.();
      fail("terminated");
    },
  } as EngineWorker;
  for (const m of CIDR_METHODS) {
    (client as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => call(m, args);
  }
  return client;
}

/**
 * A batch passed on to another verb travels as its handle alone: `engine.lastAddresses(merged)`
 * sends { batch }, not the merged text the page already has.
 */
function asArgument(a: unknown): unknown {
  if (typeof a === "object" && a !== null && !ArrayBuffer.isView(a) && typeof (a as WireRef).batch === "number") return { batch: (a as WireRef).batch };
  return a;
}

/** The buffers of the typed arrays among the arguments (the text bytes of parseList). */
function transferablesOf(args: unknown[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const a of args) if (ArrayBuffer.isView(a) && a.buffer instanceof ArrayBuffer && !out.includes(a.buffer)) out.push(a.buffer);
  return out;
}
