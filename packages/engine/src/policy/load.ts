// From manifests to the policy model: namespaces, workloads (pods simulated from their templates,
// one workload per top owner) and NetworkPolicies, validated as the API server validates them, so
// a bad selector operator, a port out of range or a broken CIDR is a located InputError.
import { InputError, ParseError } from "../errors.ts";
import { cidr } from "../cidr/engine.ts";
import { Prefix } from "../ip/prefix.ts";
import { Node, pathText, type Seg } from "../aks/reader.ts";
import { PROTOCOLS, MIN_PORT, MAX_PORT, type Protocol } from "./conns.ts";
import { readManifests, type ManifestText } from "./manifests.ts";
import type {
  ContainerPort, Located, Namespace, Note, Operator, Peer, Policy, PolicyInput, PortSpec, Requirement, Rule, Selector, Workload, WorkloadKind,
} from "./model.ts";

/** The label every namespace carries with its own name (Kubernetes ≥ 1.21 sets it). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
/** The node label a pod template's nodeSelector uses to ask for Windows nodes. */
export const OS_LABEL = "kubernetes.io/os";
export const DEFAULT_NAMESPACE = "default";

const OPERATORS: readonly Operator[] = ["In", "NotIn", "Exists", "DoesNotExist"];
/** Kinds whose pods are simulated from a template (the path to it) — kubectl's workload kinds. */
const TEMPLATE_AT: Record<string, Seg[]> = {
  Deployment: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  ReplicationController: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};
/** The API versions a Kubernetes NetworkPolicy was served under (the beta ones read as v1). */
const K8S_POLICY_APIS = new Set(["networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1"]);
const OWNER_KINDS = new Set<string>(["Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet", "Job", "CronJob"]);
/** IANA service names, as Kubernetes validates a port name: ≤ 15 of [a-z0-9-], a letter, no "--", no edge "-". */
const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;

/** One object being read: its located root and a label for messages ("NetworkPolicy default/web"). */
class Obj {
  label: string;
  constructor(readonly root: Node, readonly kind: string) {
    this.label = kind;
  }
  rel(n: Node): Seg[] {
    return n.segs.slice(this.root.segs.length);
  }
  where(n: Node, extra: Seg[] = []): Located {
    return { at: n.where([...n.segs, ...extra]).replace(/: $/, ""), path: pathText([...this.rel(n), ...extra]) };
  }
  fail(n: Node, what: string, hint?: string, extra: Seg[] = []): never {
    const w = this.where(n, extra);
    throw new InputError(`${w.at}: ${this.label}${w.path ? ` ${w.path}` : ""}: ${what}`, hint);
  }
}

function strMap(o: Obj, n: Node | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!n) return out;
  if (!n.isObject()) o.fail(n, "expected a mapping of labels");
  for (const k of Object.keys(n.value as object)) {
    const v = (n.value as Record<string, unknown>)[k];
    if (v === null || v === undefined) continue;
    if (typeof v !== "string" && typeof v !== "number") o.fail(n, `label ${JSON.stringify(k)} must be a string, got ${typeof v}`, undefined, [k]);
    out[k] = String(v);
  }
  return out;
}

function selector(o: Obj, n: Node): Selector {
  if (!n.isObject()) o.fail(n, "expected a label selector (matchLabels and/or matchExpressions)");
  const matchLabels = strMap(o, n.child("matchLabels"));
  const matchExpressions: Requirement[] = [];
  for (const e of n.list("matchExpressions") ?? []) {
    if (!e.isObject()) o.fail(e, "expected {key, operator, values}");
    const key = e.str("key");
    if (!key) o.fail(e, "a requirement needs a key");
    const opNode = e.child("operator");
    if (!opNode) o.fail(e, "a requirement needs an operator (In, NotIn, Exists or DoesNotExist)");
    const op = typeof opNode.value === "string" ? OPERATORS.find((x) => x === opNode.value) : undefined;
    if (!op) o.fail(opNode, `invalid selector operator ${JSON.stringify(opNode.value)}; expected In, NotIn, Exists or DoesNotExist`, "operators are case-sensitive");
    const valuesNode = e.child("values");
    const values = (e.list("values") ?? []).map((v) => {
      if (typeof v.value !== "string" && typeof v.value !== "number") o.fail(v, "a value must be a string");
      return String(v.value);
    });
    if ((op === "In" || op === "NotIn") && values.length === 0) o.fail(valuesNode ?? e, `operator ${op} needs at least one value`);
    if ((op === "Exists" || op === "DoesNotExist") && values.length > 0) o.fail(valuesNode!, `operator ${op} takes no values`);
    matchExpressions.push({ key, operator: op, values });
  }
  return { matchLabels, matchExpressions };
}

function prefixAt(o: Obj, n: Node): Prefix {
  if (typeof n.value !== "string") o.fail(n, `expected a CIDR string like "10.0.0.0/16"`);
  try {
    return Prefix.parse((n.value as string).trim());
  } catch (e) {
    if (e instanceof ParseError) o.fail(n, `invalid CIDR: ${e.message}`);
    throw e;
  }
}

function peer(o: Obj, n: Node): Peer {
  if (!n.isObject()) o.fail(n, "expected a peer (podSelector, namespaceSelector or ipBlock)");
  const ip = n.child("ipBlock");
  const ps = n.child("podSelector"), ns = n.child("namespaceSelector");
  if (ip) {
    if (ps || ns) o.fail(n, "a peer with ipBlock can't also have podSelector or namespaceSelector", "write them as two peers");
    if (!ip.isObject()) o.fail(ip, "expected {cidr, except}");
    const cidrNode = ip.child("cidr");
    if (!cidrNode) o.fail(ip, "ipBlock needs a cidr");
    const block = prefixAt(o, cidrNode).masked();
    const except = (ip.list("except") ?? []).map((x) => {
      const p = prefixAt(o, x).masked();
      if (p.family !== block.family) o.fail(x, `except ${p} is IPv${p.family} but cidr ${block} is IPv${block.family}`);
      if (!block.contains(p) || p.bits <= block.bits) o.fail(x, `except ${p} must be a strict subset of cidr ${block}`);
      return p;
    });
    const set = cidr().builder().add(block).removeAll(except).build();
    return { kind: "ipBlock", cidr: block, except, set, where: o.where(ip) };
  }
  if (!ps && !ns) {
    // `- {}` or a peer whose selectors are null: the API rejects it.
    o.fail(n, "a peer must have podSelector, namespaceSelector or ipBlock");
  }
  return {
    kind: "selector",
    podSelector: ps ? selector(o, ps) : undefined,
    namespaceSelector: ns ? selector(o, ns) : undefined,
    where: o.where(n),
  };
}

function protocolOf(o: Obj, n: Node): Protocol {
  const pn = n.child("protocol");
  if (!pn) return "TCP";
  const p = PROTOCOLS.find((x) => x === pn.value);
  if (!p) o.fail(pn, `unsupported protocol ${JSON.stringify(pn.value)}; expected TCP, UDP or SCTP`, "protocols are upper case");
  return p;
}

function portNumber(o: Obj, n: Node, what: string): number {
  const v = n.value;
  if (typeof v !== "number" || !Number.isInteger(v)) o.fail(n, `${what} must be an integer, got ${JSON.stringify(v)}`);
  if (v < MIN_PORT || v > MAX_PORT) o.fail(n, `${what} ${v} is out of range; expected ${MIN_PORT} to ${MAX_PORT}`);
  return v;
}

function portSpec(o: Obj, n: Node): PortSpec {
  if (!n.isObject()) o.fail(n, "expected {protocol, port, endPort}");
  const protocol = protocolOf(o, n);
  const pn = n.child("port");
  let port: number | string | undefined;
  if (pn) {
    if (typeof pn.value === "string") {
      if (/^\d+$/.test(pn.value)) {
        port = portNumber(o, new Node(pn.src, Number(pn.value), pn.segs), "port");
      } else {
        if (!PORT_NAME.test(pn.value)) o.fail(pn, `invalid port name ${JSON.stringify(pn.value)}: at most 15 lower-case letters, digits and "-", with a letter`);
        port = pn.value;
      }
    } else port = portNumber(o, pn, "port");
  }
  const en = n.child("endPort");
  let endPort: number | undefined;
  if (en) {
    endPort = portNumber(o, en, "endPort");
    if (typeof port !== "number") o.fail(en, port === undefined ? "endPort needs a port" : "endPort can't be used with a named port");
    if (endPort < port) o.fail(en, `endPort ${endPort} is below port ${port}`);
  }
  return { protocol, port, endPort, where: o.where(n) };
}

function rules(o: Obj, spec: Node, direction: "ingress" | "egress"): Rule[] {
  const peersKey = direction === "ingress" ? "from" : "to";
  return (spec.list(direction) ?? []).map((r, index) => {
    if (r.value === null || r.value === undefined) return { direction, index, where: o.where(r) };
    if (!r.isObject()) o.fail(r, `expected a rule with ${peersKey} and ports`);
    const peerList = r.list(peersKey);
    const portList = r.list("ports");
    return {
      direction,
      index,
      peers: peerList && peerList.length ? peerList.map((p) => peer(o, p)) : undefined,
      ports: portList && portList.length ? portList.map((p) => portSpec(o, p)) : undefined,
      where: o.where(r),
    };
  });
}

function meta(o: Obj, n: Node): { name: string; namespace: string; labels: Record<string, string>; node?: Node } {
  const m = n.obj("metadata");
  const name = m?.str("name") ?? m?.str("generateName");
  if (!name) o.fail(m ?? n, "metadata.name is missing", "every object needs metadata.name");
  return { name, namespace: m?.str("namespace") || DEFAULT_NAMESPACE, labels: strMap(o, m?.child("labels")), node: m };
}

function policy(o: Obj, n: Node): Policy {
  const md = meta(o, n);
  o.label = `NetworkPolicy ${md.namespace}/${md.name}`;
  const spec = n.obj("spec");
  if (!spec) o.fail(n, "spec is missing");
  const ps = spec.child("podSelector");
  const podSelector = ps ? selector(o, ps) : { matchLabels: {}, matchExpressions: [] };
  const ingress = rules(o, spec, "ingress");
  const egress = rules(o, spec, "egress");
  const typesNode = spec.list("policyTypes");
  let types: Policy["types"];
  if (typesNode && typesNode.length) {
    types = { ingress: false, egress: false, inferred: false };
    for (const t of typesNode) {
      if (t.value === "Ingress") types.ingress = true;
      else if (t.value === "Egress") types.egress = true;
      else o.fail(t, `invalid policy type ${JSON.stringify(t.value)}; expected Ingress or Egress`);
    }
  } else {
    // The API server's default: Ingress always, Egress when the policy has egress rules.
    types = { ingress: true, egress: egress.length > 0, inferred: true };
  }
  return { namespace: md.namespace, name: md.name, podSelector, podSelectorAt: o.where(ps ?? spec).at, types, ingress, egress, where: o.where(n) };
}

interface PodTemplate {
  labels: Record<string, string>;
  ports: ContainerPort[];
  hostNetwork: boolean;
  os: "linux" | "windows";
}

function podTemplate(o: Obj, tmpl: Node | undefined): PodTemplate {
  const labels = strMap(o, tmpl?.obj("metadata")?.child("labels"));
  const spec = tmpl?.obj("spec");
  const ports: ContainerPort[] = [];
  for (const key of ["containers", "initContainers"]) {
    for (const c of spec?.list(key) ?? []) {
      for (const p of c.list("ports") ?? []) {
        const cp = p.child("containerPort");
        if (!cp) o.fail(p, "a container port needs containerPort");
        const name = p.str("name");
        ports.push({ name, port: portNumber(o, cp, "containerPort"), protocol: protocolOf(o, p) });
      }
    }
  }
  const hostNetwork = spec?.bool("hostNetwork") ?? false;
  const os = strMap(o, spec?.child("nodeSelector"))[OS_LABEL] === "windows" ? "windows" : "linux";
  return { labels, ports, hostNetwork, os };
}

interface RawWorkload {
  key: string;
  w: Workload;
}

/** Reads manifests into the policy model; InputError (located) on anything the API would reject. */
export function loadPolicyInput(files: readonly ManifestText[]): PolicyInput {
  const notes: Note[] = [];
  const manifests = readManifests(files, notes);
  const namespaces = new Map<string, Namespace>();
  const policies: Policy[] = [];
  const workloads = new Map<string, Workload>();
  // Owners seen in the input, so a Pod (or ReplicaSet) is reported under its top owner.
  const owners = new Map<string, { kind: string; name: string }>();
  const pods: { o: Obj; n: Node; ns: string; name: string; owner?: { kind: string; name: string } }[] = [];

  const ownerOf = (n: Node): { kind: string; name: string } | undefined => {
    const refs = n.obj("metadata")?.list("ownerReferences") ?? [];
    const ctl = refs.find((r) => r.bool("controller")) ?? refs[0];
    const kind = ctl?.str("kind"), name = ctl?.str("name");
    return kind && name && OWNER_KINDS.has(kind) ? { kind, name } : undefined;
  };
  const top = (ns: string, ref: { kind: string; name: string }): { kind: string; name: string } => {
    let cur = ref;
    for (let i = 0; i < 5; i++) {
      const up = owners.get(`${ns}/${cur.kind}/${cur.name}`);
      if (!up) break;
      cur = up;
    }
    return cur;
  };
  const add = (r: RawWorkload) => {
    const have = workloads.get(r.key);
    if (have) {
      have.replicas += r.w.replicas;
    } else workloads.set(r.key, r.w);
  };

  const templated: { o: Obj; n: Node; ns: string; name: string }[] = [];
  for (const m of manifests) {
    const o = new Obj(m.node, m.kind);
    if (m.kind === "NetworkPolicy" && m.apiVersion && !K8S_POLICY_APIS.has(m.apiVersion)) {
      // Calico's projectcalico.org/v3 NetworkPolicy shares the kind, not the schema.
      notes.push({ at: o.where(m.node).at, message: `skipped NetworkPolicy of apiVersion ${m.apiVersion} (not a Kubernetes networking.k8s.io/v1 NetworkPolicy)` });
    } else if (m.kind === "NetworkPolicy") {
      if (m.apiVersion && m.apiVersion !== "networking.k8s.io/v1") {
        notes.push({ at: o.where(m.node).at, message: `NetworkPolicy with apiVersion ${m.apiVersion} read as networking.k8s.io/v1` });
      }
      policies.push(policy(o, m.node));
    } else if (m.kind === "Namespace") {
      const md = meta(o, m.node);
      namespaces.set(md.name, { name: md.name, labels: { ...md.labels, [NAMESPACE_NAME_LABEL]: md.name }, declared: true });
    } else if (m.kind === "Pod" || TEMPLATE_AT[m.kind]) {
      const md = meta(o, m.node);
      o.label = `${m.kind} ${md.namespace}/${md.name}`;
      const owner = ownerOf(m.node);
      if (m.kind === "Pod") pods.push({ o, n: m.node, ns: md.namespace, name: md.name, owner });
      else {
        if (owner) owners.set(`${md.namespace}/${m.kind}/${md.name}`, owner);
        templated.push({ o, n: m.node, ns: md.namespace, name: md.name });
      }
    } else {
      notes.push({ at: o.where(m.node).at, message: `skipped kind ${m.kind} (not a workload, Namespace or NetworkPolicy)` });
    }
  }
  for (const t of templated) {
    const kind = t.o.kind;
    const own = owners.get(`${t.ns}/${kind}/${t.name}`);
    const ref = own ? top(t.ns, own) : { kind, name: t.name };
    let tmpl: Node | undefined = t.n;
    for (const s of TEMPLATE_AT[kind]) tmpl = tmpl?.child(s as string);
    const pt = podTemplate(t.o, tmpl);
    const spec = t.n.obj("spec");
    const replicas = kind === "DaemonSet" || kind === "CronJob" || kind === "Job" ? 1 : spec?.int(["replicas"], 0, 1_000_000) ?? 1;
    add({
      key: `${t.ns}/${ref.name}[${ref.kind}]`,
      w: { namespace: t.ns, name: ref.name, kind: ref.kind as WorkloadKind, ...pt, replicas, where: t.o.where(t.n) },
    });
  }
  for (const p of pods) {
    const ref = p.owner ? top(p.ns, p.owner) : { kind: "Pod", name: p.name };
    const pt = podTemplate(p.o, p.n);
    pt.labels = strMap(p.o, p.n.obj("metadata")?.child("labels"));
    add({
      key: `${p.ns}/${ref.name}[${ref.kind}]`,
      w: { namespace: p.ns, name: ref.name, kind: ref.kind as WorkloadKind, ...pt, replicas: 1, where: p.o.where(p.n) },
    });
  }
  // Namespaces named by workloads or policies exist even when not declared.
  const ensure = (name: string) => {
    if (!namespaces.has(name)) namespaces.set(name, { name, labels: { [NAMESPACE_NAME_LABEL]: name }, declared: false });
  };
  for (const w of workloads.values()) ensure(w.namespace);
  for (const p of policies) ensure(p.namespace);
  return {
    namespaces: [...namespaces.values()],
    workloads: [...workloads.values()],
    policies,
    notes,
    files: files.map((f) => f.name),
  };
}
