// Small builders for policy tests: pods and namespaces as YAML, an analysis over them, and a
// "can A reach B on proto/port" question answered by the engine.
import { loadPolicyInput, PolicyAnalysis, type PolicyContext, type Protocol } from "../../src/policy/index.ts";

export interface PodDef {
  ns?: string;
  name: string;
  labels?: Record<string, string>;
  ports?: { name?: string; port: number; protocol?: string }[];
  hostNetwork?: boolean;
  windows?: boolean;
}

export function pod(p: PodDef): string {
  const labels = Object.entries(p.labels ?? {}).map(([k, v]) => `    ${k}: "${v}"`).join("\n");
  const ports = (p.ports ?? []).map((x) => `    - containerPort: ${x.port}${x.name ? `\n      name: ${x.name}` : ""}${x.protocol ? `\n      protocol: ${x.protocol}` : ""}`).join("\n");
  return [
    "apiVersion: v1", "kind: Pod", "metadata:", `  name: ${p.name}`, `  namespace: ${p.ns ?? "default"}`,
    ...(labels ? ["  labels:", labels] : []),
    "spec:",
    ...(p.hostNetwork ? ["  hostNetwork: true"] : []),
    ...(p.windows ? ["  nodeSelector:", "    kubernetes.io/os: windows"] : []),
    "  containers:", "  - name: c", "    image: x",
    ...(ports ? ["    ports:", ports.replace(/^ {4}/gm, "    ")] : []),
  ].join("\n");
}

export function namespace(name: string, labels: Record<string, string> = {}): string {
  const l = Object.entries(labels).map(([k, v]) => `    ${k}: "${v}"`).join("\n");
  return ["apiVersion: v1", "kind: Namespace", "metadata:", `  name: ${name}`, ...(l ? ["  labels:", l] : [])].join("\n");
}

export function analyse(docs: string[], ctx?: PolicyContext): PolicyAnalysis {
  return new PolicyAnalysis(loadPolicyInput([{ name: "test.yaml", text: docs.join("\n---\n") }]), ctx);
}

/** Whether `from` reaches `to` on proto/port ("ns/name" of a Pod, or an IP address). */
export function can(a: PolicyAnalysis, from: string, to: string, port: number, proto: Protocol = "TCP"): boolean {
  const ep = (t: string) => a.endpoint(t.includes("/") || /^[\d.:a-f]+$/.test(t) && /[.:]/.test(t) ? t : `default/${t}`, "test");
  return a.allowed(ep(from), ep(to)).has(proto, port);
}
