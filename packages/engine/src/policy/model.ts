// The normalised inputs of the policy engine: namespaces, workloads (pods simulated from their
// templates) and NetworkPolicies, each remembering where in which file it was written. Values are
// validated once, when the manifests are loaded (load.ts); everything below trusts them.
import type { IPSet } from "../cidr/ipset.ts";
import type { Prefix } from "../ip/prefix.ts";
import type { Protocol } from "./conns.ts";

/** Where something was written: "file:line:col" and its path inside the object. */
export interface Located {
  /** "file:line:col" (or just "file" when positions are unknown). */
  at: string;
  /** Path inside the object, e.g. spec.ingress[0].from[1]. */
  path: string;
}

export type Operator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

/** A label selector: all requirements must hold; none at all selects everything. */
export interface Selector {
  matchLabels: Record<string, string>;
  matchExpressions: Requirement[];
}

export interface Namespace {
  name: string;
  labels: Record<string, string>;
  /** False when the namespace is only named by a workload or policy, not declared. */
  declared: boolean;
}

export interface ContainerPort {
  name?: string;
  port: number;
  protocol: Protocol;
}

export type WorkloadKind = "Pod" | "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "ReplicationController";

/** One workload: the pods one top owner creates, all with the same labels and ports. */
export interface Workload {
  namespace: string;
  name: string;
  kind: WorkloadKind;
  labels: Record<string, string>;
  ports: ContainerPort[];
  hostNetwork: boolean;
  /** The node OS the pods run on: "windows" when the template's nodeSelector asks for it. */
  os: "linux" | "windows";
  replicas: number;
  where: Located;
}

export interface PortSpec {
  protocol: Protocol;
  /** A number, a name (resolved per destination pod) or undefined (all ports of the protocol). */
  port?: number | string;
  endPort?: number;
  where: Located;
}

export interface IpBlockPeer {
  kind: "ipBlock";
  cidr: Prefix;
  except: Prefix[];
  /** cidr minus except, as a set. */
  set: IPSet;
  where: Located;
}

export interface SelectorPeer {
  kind: "selector";
  /** undefined: the policy's own namespace. */
  namespaceSelector?: Selector;
  /** undefined: all pods (of the selected namespaces). */
  podSelector?: Selector;
  where: Located;
}

export type Peer = IpBlockPeer | SelectorPeer;

export interface Rule {
  direction: "ingress" | "egress";
  index: number;
  /** undefined: from (to) everywhere. An empty list is also everywhere (the API treats both the same). */
  peers?: Peer[];
  /** undefined or empty: all ports and protocols. */
  ports?: PortSpec[];
  where: Located;
}

export interface Policy {
  namespace: string;
  name: string;
  podSelector: Selector;
  /** Where spec.podSelector is written (the spec when it is left out). */
  podSelectorAt: string;
  /** Ingress / Egress isolation, explicit or inferred as the API server defaults it. */
  types: { ingress: boolean; egress: boolean; inferred: boolean };
  ingress: Rule[];
  egress: Rule[];
  where: Located;
}

export interface Note {
  at: string;
  message: string;
}

/** Everything read from the manifests. */
export interface PolicyInput {
  namespaces: Namespace[];
  workloads: Workload[];
  policies: Policy[];
  /** Things skipped, with why (unknown kinds, ignored fields). */
  notes: Note[];
  files: string[];
}

export type Severity = "error" | "warning" | "info";

export interface PolicyFinding {
  code: string;
  severity: Severity;
  message: string;
  /** The object and field, e.g. NetworkPolicy default/web spec.ingress[0].from[1].ipBlock. */
  path: string;
  /** "file:line:col" where the field is written (absent for cluster-level findings). */
  at?: string;
  fix?: string;
}
