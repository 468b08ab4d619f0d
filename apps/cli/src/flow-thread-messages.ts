// What `iptables flows` and its flow thread (flow-thread.ts, the main side; flow-thread-entry.ts,
// the thread) say to each other: the messages to the thread and the control words both read.
import type { MessagePort } from "node:worker_threads";
import type { KpChunk } from "@aksnet/engine/netfilter";

/** Int32 indexes into the control words: messages the thread has handled; its write error, if any. */
export const DONE = 0, ERR = 1;
export const CTL_WORDS = 2;
export const ERR_EPIPE = 1, ERR_OTHER = 2;

export interface FlowThreadInit {
  path: string;
  ctl: SharedArrayBuffer;
  /** Where the thread posts the message of a failed write (read synchronously by the main side). */
  errors: MessagePort;
}

/**
 * To the thread, in order: bytes to write as they are; the output texts of a kube-proxy-test run
 * (joined, with each one's length) whose lines the thread formats from its own columns, then the run's chunks; the end.
 */
export type ToThread =
  | { t: "bytes"; bytes: Uint8Array }
  | { t: "start"; text: string; lengths: Uint32Array }
  | { t: "chunk"; chunk: KpChunk }
  | { t: "end" };
