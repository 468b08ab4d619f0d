// The endpoint syntax of `aksnet trace`: pod:POOL/NODE/INDEX, node:POOL/NODE, svc:NAME[:PORT]
// (NAME or NAMESPACE/NAME; PORT a number or a port name), ip:ADDRESS.
import { UsageError } from "../errors.ts";
import { ip4 } from "./net4.ts";

export type Endpoint =
  | { kind: "pod"; pool: string; node: number; index: number; text: string }
  | { kind: "node"; pool: string; node: number; text: string }
  | { kind: "service"; name: string; port?: string; text: string }
  | { kind: "ip"; ip: number; text: string };

export const ENDPOINT_SYNTAX = "pod:POOL/NODE/INDEX, node:POOL/NODE, svc:NAME[:PORT] or ip:ADDRESS";

export function parseEndpoint(text: string, what = "endpoint"): Endpoint {
  const t = text.trim();
  const bad = (why: string): never => { throw new UsageError(`${what} ${JSON.stringify(text)}: ${why}`, `endpoints are ${ENDPOINT_SYNTAX}`); };
  const colon = t.indexOf(":");
  if (colon < 0) bad("no kind (pod:, node:, svc:, ip:)");
  const kind = t.slice(0, colon), rest = t.slice(colon + 1);
  if (kind === "pod") {
    const m = /^([^/\s]+)\/(\d{1,5})\/(\d{1,3})$/.exec(rest) ?? bad("expected pod:POOL/NODE/INDEX, e.g. pod:apps/0/0");
    return { kind: "pod", pool: m[1], node: Number(m[2]), index: Number(m[3]), text: t };
  }
  if (kind === "node") {
    const m = /^([^/\s]+)\/(\d{1,5})$/.exec(rest) ?? bad("expected node:POOL/NODE, e.g. node:apps/1");
    return { kind: "node", pool: m[1], node: Number(m[2]), text: t };
  }
  if (kind === "svc") {
    const m = /^([a-z0-9][-a-z0-9.]*(?:\/[a-z0-9][-a-z0-9.]*)?)(?::([a-z0-9][-a-z0-9]*))?$/i.exec(rest) ?? bad("expected svc:NAME or svc:NAMESPACE/NAME, optionally :PORT");
    return { kind: "service", name: m[1], port: m[2], text: t };
  }
  if (kind === "ip") {
    const ip = ip4(rest) ?? bad("expected an IPv4 address, e.g. ip:10.42.9.4");
    return { kind: "ip", ip, text: t };
  }
  return bad(`unknown kind ${JSON.stringify(kind)}`);
}
