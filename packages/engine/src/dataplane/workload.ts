// loadWorkload(): the Services a dataplane holds, from our workload spec or from plain Kubernetes
// YAML (Service plus Deployment/StatefulSet/ReplicaSet/Pod, multi-document or a List). Types are
// checked at the boundary; every error names the file, line, column and field.
import { parseAllDocuments, parseDocument, LineCounter, type Document } from "yaml";
import { InputError } from "../errors.ts";
import { DOC_LIMITS } from "../aks/reader.ts";
import { Node, parseSource, type SourceDoc } from "./cluster.ts";
import { ip4, parseP4, text4 } from "./net4.ts";

export interface WorkloadPort {
  name: string;
  proto: "tcp" | "udp";
  port: number;
  targetPort: number;
  nodePort?: number;
}

export interface WorkloadService {
  namespace: string;
  name: string;
  type: "ClusterIP" | "NodePort" | "LoadBalancer";
  ports: WorkloadPort[];
  /** A count (placed by the dataplane's scheduler) or explicit pods "POOL/NODE/INDEX". */
  endpoints: number | string[];
  /**
   * From Kubernetes manifests: the workloads the selector matches (their replicas add up to
   * `endpoints`). The dataplane places each workload's pods once, so Services that select the
   * same pods get the same endpoints.
   */
  selects?: { workload: string; replicas: number }[];
  /** Restrict placement to one pool. */
  pool?: string;
  externalTrafficPolicy: "Cluster" | "Local";
  sessionAffinity: boolean;
  loadBalancerSourceRanges: string[];
  clusterIP?: string;
  loadBalancerIP?: string;
  path: string;
}

export interface Workload {
  services: WorkloadService[];
  source: string;
}

const TYPES = ["ClusterIP", "NodePort", "LoadBalancer"] as const;

function proto(n: Node, names: string[]): "tcp" | "udp" {
  const v = n.str(...names);
  if (v === undefined) return "tcp";
  const l = v.toLowerCase();
  if (l !== "tcp" && l !== "udp") n.fail(n.child(...names)!.segs, `protocol ${JSON.stringify(v)} is not modelled; expected TCP or UDP`);
  return l;
}

function prefixList(n: Node, name: string): string[] {
  const l = n.list(name);
  if (!l) return [];
  return l.map((x) => {
    if (typeof x.value !== "string") x.fail(x.segs, "expected a CIDR string");
    try {
      return text4(parseP4(x.value as string));
    } catch (e) {
      return x.fail(x.segs, `invalid IPv4 CIDR: ${(e as Error).message}`);
    }
  });
}

function address(n: Node, name: string): string | undefined {
  const v = n.str(name);
  if (v === undefined || v === "" || v === "None") return undefined;
  if (ip4(v) === undefined) n.fail(n.child(name)!.segs, `expected an IPv4 address, got ${JSON.stringify(v)}`);
  return v;
}

// ---- our spec -----------------------------------------------------------------------------------

function specPorts(s: Node): WorkloadPort[] {
  const list = s.list("ports");
  const one = (p: Node, i: number): WorkloadPort => {
    const port = p.int(["port"], 1, 65535) ?? p.fail([...p.segs, "port"], "missing port");
    return {
      name: p.str("name") ?? (i === 0 && !list ? "" : `p${port}`),
      proto: proto(p, ["protocol", "proto"]),
      port,
      targetPort: p.int(["targetPort"], 1, 65535) ?? port,
      nodePort: p.int(["nodePort"], 30000, 32767),
    };
  };
  if (list) {
    if (!list.length) s.fail([...s.segs, "ports"], "a service needs at least one port");
    return list.map(one);
  }
  if (!s.has("port")) s.fail([...s.segs, "port"], "missing port (or ports: [...])");
  return [one(s, 0)];
}

function specService(s: Node): WorkloadService {
  if (!s.isObject()) s.fail(s.segs, "expected a service object");
  const name = s.str("name") ?? s.fail([...s.segs, "name"], "missing service name");
  const ep = s.child("endpoints");
  let endpoints: number | string[] = 1;
  if (ep) {
    if (typeof ep.value === "number") endpoints = s.int(["endpoints"], 0, 100000)!;
    else if (Array.isArray(ep.value)) {
      endpoints = s.list("endpoints")!.map((e) => {
        if (typeof e.value !== "string" || !/^[^/\s]+\/\d+\/\d+$/.test(e.value)) e.fail(e.segs, `expected a pod "POOL/NODE/INDEX", got ${JSON.stringify(e.value)}`);
        return e.value as string;
      });
    } else ep.fail(ep.segs, "expected a number of endpoints or a list of pods POOL/NODE/INDEX");
  }
  return {
    namespace: s.str("namespace") ?? "default",
    name,
    type: s.oneOf(["type"], TYPES) ?? "ClusterIP",
    ports: specPorts(s),
    endpoints,
    pool: s.str("pool"),
    externalTrafficPolicy: s.oneOf(["externalTrafficPolicy"], ["Cluster", "Local"] as const) ?? "Cluster",
    sessionAffinity: (s.oneOf(["sessionAffinity"], ["None", "ClientIP"] as const) ?? "None") === "ClientIP",
    loadBalancerSourceRanges: prefixList(s, "loadBalancerSourceRanges"),
    clusterIP: address(s, "clusterIP"),
    loadBalancerIP: address(s, "loadBalancerIP"),
    path: s.path,
  };
}

// ---- Kubernetes YAML ------------------------------------------------------------------------------

/** A pod owner in the manifests: `key` is its kind, namespace and name (one set of pods each). */
interface K8sWorkload { key: string; namespace: string; labels: Record<string, string>; replicas: number; ports: Map<string, number> }

function labelsOf(n: Node | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!n?.isObject()) return out;
  for (const [k, v] of Object.entries(n.value as Record<string, unknown>)) out[k] = String(v);
  return out;
}

function k8sService(doc: Node, workloads: K8sWorkload[]): WorkloadService {
  const meta = doc.obj("metadata") ?? doc.fail([...doc.segs, "metadata"], "a Service needs metadata.name");
  const name = meta.str("name") ?? meta.fail([...meta.segs, "name"], "missing metadata.name");
  const namespace = meta.str("namespace") ?? "default";
  const spec = doc.obj("spec") ?? doc.fail([...doc.segs, "spec"], "a Service needs a spec");
  const selector = labelsOf(spec.obj("selector"));
  const matching = workloads.filter((w) => w.namespace === namespace && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => w.labels[k] === v));
  const portList = spec.list("ports") ?? spec.fail([...spec.segs, "ports"], "a Service needs spec.ports");
  if (!portList.length) spec.fail([...spec.segs, "ports"], "a Service needs at least one port");
  const ports = portList.map((p): WorkloadPort => {
    const port = p.int(["port"], 1, 65535) ?? p.fail([...p.segs, "port"], "missing port");
    const tp = p.child("targetPort");
    let targetPort = port;
    if (tp && typeof tp.value === "number") targetPort = p.int(["targetPort"], 1, 65535)!;
    else if (tp && typeof tp.value === "string") {
      const named = matching.map((w) => w.ports.get(tp.value as string)).find((x) => x !== undefined);
      if (/^\d+$/.test(tp.value)) targetPort = p.int(["targetPort"], 1, 65535)!;
      else if (named !== undefined) targetPort = named;
      else if (matching.length) tp.fail(tp.segs, `named targetPort ${JSON.stringify(tp.value)} is not a container port of the selected pods`);
    }
    return { name: p.str("name") ?? "", proto: proto(p, ["protocol"]), port, targetPort, nodePort: p.int(["nodePort"], 30000, 32767) };
  });
  return {
    namespace,
    name,
    type: spec.oneOf(["type"], TYPES) ?? "ClusterIP",
    ports,
    endpoints: matching.reduce((s, w) => s + w.replicas, 0),
    selects: matching.map((w) => ({ workload: w.key, replicas: w.replicas })),
    externalTrafficPolicy: spec.oneOf(["externalTrafficPolicy"], ["Cluster", "Local"] as const) ?? "Cluster",
    sessionAffinity: (spec.oneOf(["sessionAffinity"], ["None", "ClientIP"] as const) ?? "None") === "ClientIP",
    loadBalancerSourceRanges: prefixList(spec, "loadBalancerSourceRanges"),
    clusterIP: address(spec, "clusterIP"),
    loadBalancerIP: address(spec, "loadBalancerIP"),
    path: doc.path || `${name}`,
  };
}

const POD_OWNERS = new Set(["deployment", "statefulset", "replicaset", "replicationcontroller", "pod"]);

function k8sWorkload(doc: Node, i: number): K8sWorkload {
  const kind = (doc.str("kind") ?? "").toLowerCase();
  const meta = doc.obj("metadata");
  const namespace = meta?.str("namespace") ?? "default";
  // Unnamed owners (a manifest may leave the name to a generator) are told apart by their place.
  const key = `${kind}/${namespace}/${meta?.str("name") ?? `#${i}`}`;
  if (kind === "pod") {
    const ports = new Map<string, number>();
    for (const c of doc.obj("spec")?.list("containers") ?? []) for (const p of c.list("ports") ?? []) { const n = p.str("name"); const v = p.int(["containerPort"], 1, 65535); if (n && v) ports.set(n, v); }
    return { key, namespace, labels: labelsOf(meta?.obj("labels")), replicas: 1, ports };
  }
  const spec = doc.obj("spec") ?? doc.fail([...doc.segs, "spec"], `a ${doc.str("kind")} needs a spec`);
  const tmpl = spec.obj("template");
  const ports = new Map<string, number>();
  for (const c of tmpl?.obj("spec")?.list("containers") ?? []) for (const p of c.list("ports") ?? []) { const n = p.str("name"); const v = p.int(["containerPort"], 1, 65535); if (n && v) ports.set(n, v); }
  return { key, namespace, labels: labelsOf(tmpl?.obj("metadata")?.obj("labels")), replicas: spec.int(["replicas"], 0, 100000) ?? 1, ports };
}

function k8sDocs(name: string, text: string): Node[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: Node[] = [];
  for (const d of list) {
    if (d.errors.length) {
      const e = d.errors[0];
      const pos = e.linePos?.[0];
      throw new InputError(`${pos ? `${name}:${pos.line}:${pos.col}` : name}: invalid YAML: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
    }
    const src: SourceDoc = { name, value: d.toJS({ maxAliasCount: 100 }), doc: d, lines };
    if (src.value === null || src.value === undefined) continue;
    const root = new Node(src, src.value, []);
    if ((root.str("kind") ?? "").toLowerCase() === "list") out.push(...(root.list("items") ?? []));
    else out.push(root);
  }
  return out;
}

// ---- our spec's plainest shape, without a document tree -------------------------------------------

const WORD = /^[A-Za-z0-9][A-Za-z0-9_./-]*$/;
const KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const DECIMAL = /^(0|[1-9][0-9]{0,14})$/;
// What YAML 1.2's core schema reads as something other than a string (besides DECIMAL).
const NOT_STRING = /^([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|true|True|TRUE|false|False|FALSE|null|Null|NULL)$/;
const BAIL = Symbol("not the plain shape");

/** One flow value (a word, a decimal integer, a flow list or map of those) at s[i]: the value and where it ends. */
function flowValue(s: string, i: number): [unknown, number] {
  while (s[i] === " ") i++;
  if (s[i] === "{") return flowMap(s, i + 1);
  if (s[i] === "[") {
    const out: unknown[] = [];
    i++;
    while (s[i] === " ") i++;
    if (s[i] === "]") return [out, i + 1];
    for (;;) {
      const [v, j] = flowValue(s, i);
      out.push(v);
      i = j;
      while (s[i] === " ") i++;
      if (s[i] === "]") return [out, i + 1];
      if (s[i] !== ",") throw BAIL;
      i++;
    }
  }
  let j = i;
  while (j < s.length && s[j] !== "," && s[j] !== "}" && s[j] !== "]" && s[j] !== " ") j++;
  const w = s.slice(i, j);
  if (!WORD.test(w)) throw BAIL;
  if (DECIMAL.test(w)) return [Number(w), j];
  if (NOT_STRING.test(w)) throw BAIL;
  return [w, j];
}

/** A flow map's members from s[i] (just after "{"), up to its "}": the object and where it ends. */
function flowMap(s: string, i: number): [Record<string, unknown>, number] {
  const out: Record<string, unknown> = {};
  for (;;) {
    while (s[i] === " ") i++;
    let j = i;
    while (j < s.length && s[j] !== ":" && s[j] !== " ") j++;
    const k = s.slice(i, j);
    // "key: value": a colon then a space; duplicates go to the reader, which names them.
    if (!KEY.test(k) || s[j] !== ":" || s[j + 1] !== " " || Object.prototype.hasOwnProperty.call(out, k)) throw BAIL;
    const [v, e] = flowValue(s, j + 2);
    out[k] = v;
    i = e;
    while (s[i] === " ") i++;
    if (s[i] === "}") return [out, i + 1];
    if (s[i] !== ",") throw BAIL;
    i++;
  }
}

/**
 * Our spec in its plainest shape — "services:" and then one flow map per line
 * ("  - { name: web, port: 80, endpoints: 3 }") of plain words, decimal integers and flow lists
 * and maps of those, with whole-line comments and blank lines — read without a YAML document
 * tree (2,000 Services: ~0.3 s with the tree). The value is the one parseSource gives; the tree is
 * built on first use only, i.e. when an error needs a line and column, so the located errors are
 * parseSource's too. Anything else (quotes, block maps, anchors, other scalars, a comment after a
 * value, CR line ends, a BOM) is undefined: the caller goes to parseSource.
 */
export function plainSpec(name: string, text: string): SourceDoc | undefined {
  if (text.length > DOC_LIMITS.maxChars || text.includes("\r") || text.includes("\t") || text.charCodeAt(0) === 0xfeff) return undefined;
  const services: unknown[] = [];
  let header = false, indent = -1;
  try {
    for (let i = 0; i < text.length; ) {
      let e = text.indexOf("\n", i);
      if (e < 0) e = text.length;
      const line = text.slice(i, e);
      i = e + 1;
      let a = 0;
      while (line[a] === " ") a++;
      if (a === line.length || line[a] === "#") continue;
      if (!header) {
        if (a !== 0 || !/^services:\s*$/.test(line)) return undefined;
        header = true;
        continue;
      }
      if (line[a] !== "-" || line[a + 1] !== " " || (indent >= 0 && a !== indent)) return undefined;
      indent = a;
      let b = a + 2;
      while (line[b] === " ") b++;
      if (line[b] !== "{") return undefined;
      const [v, end] = flowMap(line, b + 1);
      if (line.slice(end).trim() !== "") return undefined;
      services.push(v);
    }
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
  if (!services.length) return undefined;
  const src: SourceDoc = { name, value: { services }, text };
  let tree: { doc: Document; lines: LineCounter } | undefined;
  const build = () => (tree ??= (() => { const lines = new LineCounter(); return { doc: parseDocument(text, { lineCounter: lines, uniqueKeys: false }), lines }; })());
  Object.defineProperty(src, "doc", { get: () => build().doc, enumerable: false, configurable: true });
  Object.defineProperty(src, "lines", { get: () => build().lines, enumerable: false, configurable: true });
  return src;
}

const WORKLOAD_HINT = "a workload is an aksnet spec (services: [{ name: web, port: 80, endpoints: 3 }]) or Kubernetes Service/Deployment manifests";

/** Reads a workload: our spec ({ services: [...] }) or Kubernetes manifests. `plain: false` always builds the YAML tree (tests compare). */
export function loadWorkload(input: { name: string; text: string }, opts: { plain?: boolean } = {}): Workload {
  const t = input.text.trimStart();
  const isK8s = /^(---\s*\n)?(#.*\n)*\s*(apiVersion|kind)\s*:/m.test(t) && /(^|\n)\s*kind\s*:\s*(Service|Deployment|StatefulSet|ReplicaSet|Pod|List)\b/.test(t) && !/(^|\n)services\s*:/.test(t);
  if (isK8s || (t.startsWith("{") && /"kind"\s*:/.test(t) && !/"services"\s*:/.test(t))) {
    const docs = t.startsWith("{") ? (() => { const s = parseSource(input.name, input.text, WORKLOAD_HINT); const r = new Node(s, s.value, []); return (r.str("kind") ?? "").toLowerCase() === "list" ? r.list("items") ?? [] : [r]; })() : k8sDocs(input.name, input.text);
    const workloads = docs.filter((d) => POD_OWNERS.has((d.str("kind") ?? "").toLowerCase())).map((d, i) => k8sWorkload(d, i));
    const services = docs.filter((d) => (d.str("kind") ?? "").toLowerCase() === "service").map((d) => k8sService(d, workloads));
    if (!services.length) throw new InputError(`${input.name}: no kind: Service in the manifests`, "a workload needs at least one Service");
    return { services, source: input.name };
  }
  const src = (opts.plain !== false ? plainSpec(input.name, input.text) : undefined) ?? parseSource(input.name, input.text, WORKLOAD_HINT);
  const root = new Node(src, src.value, []);
  if (!root.isObject()) throw new InputError(`${input.name}: a workload is an object with services: [...] or Kubernetes manifests`);
  const list = root.list("services") ?? root.fail(["services"], "missing: the workload has no services list", "services: [{ name: web, port: 80, endpoints: 3 }]");
  const services = list.map(specService);
  const seen = new Set<string>();
  for (let i = 0; i < services.length; i++) {
    const key = `${services[i].namespace}/${services[i].name}`;
    if (seen.has(key)) list[i].fail([...list[i].segs, "name"], `duplicate service ${key}`);
    seen.add(key);
  }
  return { services, source: input.name };
}
