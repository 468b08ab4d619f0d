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
  /** Stops what the worker is doing (its pending calls fail with EngineCancelled) and starts a fresh one. */
  cancel(): void;
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

export interface ConnectOptions {
  /** A call still running after this long is cancelled (the worker restarted); 0: no limit. */
  timeoutMs?: number;
  /** A fresh port after a cancel, a timeout or a crash; without it the engine stays stopped. */
  restart?: () => EnginePort;
}

/** The default time limit of one call: the CIDR verbs take milliseconds; a minute is a hung worker. */
export const CALL_TIMEOUT_MS = 60_000;

export function startEngineWorker(): EngineWorker {
  const start = () => new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: "aksnet-engine" });
  return connectEngine(start(), { restart: start });
}

export function connectEngine(first: EnginePort, opts: ConnectOptions = {}): EngineWorker {
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer?: ReturnType<typeof setTimeout> }>();
  let nextId = 1;
  let broken: Error | undefined;
  let port = first;
  const timeoutMs = opts.timeoutMs ?? CALL_TIMEOUT_MS;

  const settle = (id: number) => {
    const p = pending.get(id);
    if (p) { clearTimeout(p.timer); pending.delete(id); }
    return p;
  };
  const rejectAll = (e: Error) => {
    for (const [id, p] of [...pending]) { settle(id); p.reject(e); }
  };
  // Ends the current worker; with a restart, later calls go to a fresh one (batches held by the
  // old one are gone: the host answers BatchGone and the page parses again).
  const stop = (e: Error, restart: boolean) => {
    port.onmessage = null;
    port.terminate?.();
    port.close?.();
    rejectAll(e);
    if (restart && opts.restart) { port = opts.restart(); attach(port); broken = undefined; }
    else broken = e;
  };
  function attach(p: EnginePort): void {
    p.onmessage = (e: MessageEvent<EngineResponse>) => {
      const res = e.data;
      const w = typeof res?.id === "number" ? settle(res.id) : undefined;
      if (!w) return;
      if (res.ok) w.resolve(res.result);
      else w.reject(new EngineError(res.error.name, res.error.message, res.error.code));
    };
    // A worker that fails to load or crashes fails every pending call instead of hanging them.
    if ("onerror" in p) {
      p.onerror = (e) => {
        e.preventDefault();
        stop(new EngineError("EngineUnavailable", `the engine worker stopped: ${e.message || "it could not be loaded"}`), true);
      };
    }
    p.onmessageerror = () => stop(new EngineError("EngineUnavailable", "the engine worker stopped: a message could not be read"), true);
  }
  attach(port);

  function call(method: CidrMethod, args: unknown[]): Promise<unknown> {
    if (broken) return Promise.reject(broken);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const entry: { resolve(v: unknown): void; reject(e: Error): void; timer?: ReturnType<typeof setTimeout> } = { resolve, reject };
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => stop(new EngineError("EngineTimeout", `${method} took more than ${timeoutMs / 1000} s; the engine worker was restarted`), true), timeoutMs);
      }
      pending.set(id, entry);
      try {
        const wire = args.map(asArgument);
        port.postMessage({ id, method, args: wire } as EngineRequest, transferablesOf(wire));
      } catch (e) {
        settle(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  const client = {
    terminate: () => stop(new EngineError("EngineUnavailable", "the engine worker stopped: terminated"), false),
    cancel: () => stop(new EngineError("EngineCancelled", "cancelled; the engine worker was restarted"), true),
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
