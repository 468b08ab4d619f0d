// NetworkPolicy v1 semantics, one corner per test, each checked against a reachability truth
// table written out by hand from the Kubernetes documentation's rules (not from the engine's
// output): rows are sources, columns destinations, on the port the test names.
import { describe, expect, it } from "vitest";
import { ConnSet, loadPolicyInput, PolicyAnalysis } from "../../src/policy/index.ts";
import { analyse, can, namespace, pod } from "./helpers.ts";

/** Checks every cell: table[src][dst] is "Y" (allowed) or "." (denied); the diagonal is skipped. */
function table(a: PolicyAnalysis, names: string[], rows: string[], port: number, proto: "TCP" | "UDP" | "SCTP" = "TCP") {
  const got: string[] = names.map((s) => names.map((d) => (s === d ? "-" : can(a, s, d, port, proto) ? "Y" : ".")).join(""));
  const want = rows.map((r, i) => r.split("").map((ch, j) => (i === j ? "-" : ch)).join(""));
  expect(got).toEqual(want);
}

const np = (body: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n${body}`;

describe("isolation and default deny", () => {
  const pods = [pod({ name: "a", labels: { app: "a" } }), pod({ name: "b", labels: { app: "b" } }), pod({ ns: "other", name: "c", labels: { app: "c" } })];
  const names = ["default/a", "default/b", "other/c"];

  it("no policy: everything reaches everything", () => {
    table(analyse(pods), names, ["-YY", "Y-Y", "YY-"], 80);
  });

  it("an empty podSelector denies ingress to every pod of its namespace, and only that namespace", () => {
    const deny = np("metadata: {name: deny, namespace: default}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]");
    // a and b (default) accept nothing; c (other) accepts everything; egress is untouched.
    table(analyse([...pods, deny]), names, ["-.Y", ".-Y", "..-"], 80);
  });

  it("default deny egress: the selected pods send nothing, and still receive", () => {
    const deny = np("metadata: {name: deny-egress}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]");
    table(analyse([...pods, deny]), names, ["-..", ".-.", "YY-"], 80);
  });

  it("a connection needs both the source's egress and the destination's ingress", () => {
    // a may send only to b on 80; b accepts only from c on 80.
    const eg = np("metadata: {name: a-out}\nspec:\n  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {matchLabels: {app: b}}}]\n    ports: [{port: 80}]");
    const ing = np("metadata: {name: b-in}\nspec:\n  podSelector: {matchLabels: {app: b}}\n  ingress:\n  - from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: c}}}]\n    ports: [{port: 80}]");
    // a->b: egress yes, ingress no (b accepts only c) => denied. c->b: allowed. a->c: a's egress denies.
    table(analyse([...pods, eg, ing]), names, ["-..", "Y-Y", "YY-"], 80);
  });

  it("the policies selecting a pod are united: either one's rule admits", () => {
    const p1 = np("metadata: {name: from-a}\nspec:\n  podSelector: {matchLabels: {app: b}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: a}}}]}]");
    const p2 = np("metadata: {name: from-c}\nspec:\n  podSelector: {matchLabels: {app: b}}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: other}}}]}]");
    table(analyse([...pods, p1, p2]), names, ["-YY", "Y-Y", "YY-"], 80);
    table(analyse([...pods, p1]), names, ["-YY", "Y-Y", "Y.-"], 80);
  });
});

describe("peers", () => {
  const pods = [
    namespace("prod", { team: "ops" }), namespace("dev", { team: "dev" }),
    pod({ ns: "prod", name: "mon", labels: { type: "monitoring" } }),
    pod({ ns: "prod", name: "app", labels: { type: "app" } }),
    pod({ ns: "dev", name: "mon", labels: { type: "monitoring" } }),
    pod({ name: "web", labels: { app: "web" } }),
  ];
  const names = ["prod/mon", "prod/app", "dev/mon", "default/web"];

  it("namespaceSelector and podSelector in one peer: monitoring pods in ops namespaces only", () => {
    const p = np("metadata: {name: web}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {team: ops}}\n      podSelector: {matchLabels: {type: monitoring}}");
    // To web: only prod/mon. Everyone else unrestricted.
    table(analyse([...pods, p]), names, ["-YYY", "Y-Y.", "YY-.", "YYY-"], 80);
  });

  it("the same selectors as two peers: any pod in ops namespaces, or monitoring pods in web's own namespace", () => {
    const p = np("metadata: {name: web}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {team: ops}}\n    - podSelector: {matchLabels: {type: monitoring}}");
    // prod/mon and prod/app (ops namespace) reach web; dev/mon does not (the podSelector peer is default-only).
    table(analyse([...pods, p]), names, ["-YYY", "Y-YY", "YY-.", "YYY-"], 80);
  });

  it("namespaceSelector: {} selects every namespace; a peer podSelector alone only the policy's own", () => {
    const all = np("metadata: {name: web}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {type: monitoring}}}]}]");
    table(analyse([...pods, all]), names, ["-YYY", "Y-Y.", "YY-Y", "YYY-"], 80);
  });

  it("matchExpressions: In, NotIn (which also matches pods without the key), Exists, DoesNotExist", () => {
    const base = [
      pod({ name: "x", labels: { tier: "front" } }), pod({ name: "y", labels: { tier: "back" } }), pod({ name: "z" }),
      pod({ name: "t", labels: { app: "target" } }),
    ];
    const names = ["default/x", "default/y", "default/z", "default/t"];
    const withOp = (expr: string) => np(`metadata: {name: t}\nspec:\n  podSelector: {matchLabels: {app: target}}\n  ingress: [{from: [{podSelector: {matchExpressions: [${expr}]}}]}]`);
    // Column t (last): who may reach t. Other columns unrestricted.
    table(analyse([...base, withOp("{key: tier, operator: In, values: [front]}")]), names, ["-YYY", "Y-Y.", "YY-.", "YYY-"], 80);
    table(analyse([...base, withOp("{key: tier, operator: NotIn, values: [front]}")]), names, ["-YY.", "Y-YY", "YY-Y", "YYY-"], 80);
    table(analyse([...base, withOp("{key: tier, operator: Exists}")]), names, ["-YYY", "Y-YY", "YY-.", "YYY-"], 80);
    table(analyse([...base, withOp("{key: tier, operator: DoesNotExist}")]), names, ["-YY.", "Y-Y.", "YY-Y", "YYY-"], 80);
  });

  it("the namespace's own name label (kubernetes.io/metadata.name) is implied, declared or not", () => {
    const p = np("metadata: {name: web}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: dev}}}]}]");
    // dev is declared with labels team=dev only; the name label is still there.
    table(analyse([...pods, p]), names, ["-YY.", "Y-Y.", "YY-Y", "YYY-"], 80);
  });
});

describe("ipBlock", () => {
  const docs = [pod({ name: "db", labels: { role: "db" } })];
  const p = np("metadata: {name: db}\nspec:\n  podSelector: {matchLabels: {role: db}}\n  ingress:\n  - from: [{ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}}]\n  - from: [{ipBlock: {cidr: 'fd00:1::/48', except: ['fd00:1:0:ff::/64']}}]");

  it("cidr minus except, IPv4 and IPv6, boundaries included", () => {
    const a = analyse([...docs, p]);
    const truth: [string, boolean][] = [
      ["172.16.255.255", false], ["172.17.0.0", true], ["172.17.0.255", true], ["172.17.1.0", false], ["172.17.1.255", false],
      ["172.17.2.0", true], ["172.17.255.255", true], ["172.18.0.0", false],
      ["fd00:1::1", true], ["fd00:1:0:fe:ffff:ffff:ffff:ffff", true], ["fd00:1:0:ff::", false], ["fd00:1:0:ff:ffff:ffff:ffff:ffff", false],
      ["fd00:1:0:100::", true], ["fd00:2::", false],
    ];
    for (const [ip, want] of truth) expect([ip, can(a, ip, "default/db", 6379)]).toEqual([ip, want]);
  });

  it("ipBlocks never match pods: a pod is matched by selectors only", () => {
    const docs2 = [pod({ name: "db", labels: { role: "db" } }), pod({ name: "c" })];
    const all = np("metadata: {name: db}\nspec:\n  podSelector: {matchLabels: {role: db}}\n  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]");
    const a = analyse([...docs2, all]);
    expect(can(a, "default/c", "default/db", 80)).toBe(false);
    expect(can(a, "8.8.8.8", "default/db", 80)).toBe(true);
  });
});

describe("ports", () => {
  it("port ranges with endPort: both ends included, one past each end excluded", () => {
    const docs = [
      pod({ name: "db", labels: { role: "db" } }),
      np("metadata: {name: out}\nspec:\n  podSelector: {matchLabels: {role: db}}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/24}}], ports: [{protocol: TCP, port: 32000, endPort: 32768}]}]"),
    ];
    const a = analyse(docs);
    const truth: [number, boolean][] = [[31999, false], [32000, true], [32500, true], [32768, true], [32769, false]];
    for (const [port, want] of truth) expect([port, can(a, "default/db", "10.0.0.7", port)]).toEqual([port, want]);
    expect(can(a, "default/db", "10.0.1.7", 32000)).toBe(false);
    expect(can(a, "default/db", "10.0.0.7", 32000, "UDP")).toBe(false);
  });

  it("named ports resolve on each destination pod: the same name, different numbers", () => {
    const docs = [
      pod({ name: "v1", labels: { app: "api" }, ports: [{ name: "http", port: 8080 }] }),
      pod({ name: "v2", labels: { app: "api" }, ports: [{ name: "http", port: 9090 }, { name: "metrics", port: 8080 }] }),
      pod({ name: "v3", labels: { app: "api" }, ports: [{ name: "http", port: 8080, protocol: "UDP" }] }),
      pod({ name: "client" }),
      np("metadata: {name: api}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress: [{ports: [{port: http}]}]"),
    ];
    const a = analyse(docs);
    // v1: TCP 8080 only. v2: TCP 9090 (its metrics port is 8080, not named http). v3: http is UDP, the rule TCP: nothing.
    const truth: [string, number, boolean][] = [
      ["default/v1", 8080, true], ["default/v1", 9090, false],
      ["default/v2", 9090, true], ["default/v2", 8080, false],
      ["default/v3", 8080, false], ["default/v3", 9090, false],
    ];
    for (const [dst, port, want] of truth) expect([dst, port, can(a, "default/client", dst, port)]).toEqual([dst, port, want]);
  });

  it("protocols are separate: a UDP 53 rule allows neither TCP 53 nor SCTP 53", () => {
    const docs = [
      pod({ name: "dns", labels: { app: "dns" } }), pod({ name: "c" }),
      np("metadata: {name: dns}\nspec:\n  podSelector: {matchLabels: {app: dns}}\n  ingress: [{ports: [{protocol: UDP, port: 53}, {protocol: SCTP}]}]"),
    ];
    const a = analyse(docs);
    expect(can(a, "default/c", "default/dns", 53, "UDP")).toBe(true);
    expect(can(a, "default/c", "default/dns", 53, "TCP")).toBe(false);
    expect(can(a, "default/c", "default/dns", 7, "SCTP")).toBe(true);
    expect(can(a, "default/c", "default/dns", 54, "UDP")).toBe(false);
  });
});

describe("egress-only DNS allow (ahmetb recipe 11, second variant)", () => {
  const docs = [
    namespace("kube-system"),
    pod({ ns: "kube-system", name: "coredns", labels: { "k8s-app": "kube-dns" } }),
    pod({ name: "foo", labels: { app: "foo" } }), pod({ name: "bar", labels: { app: "bar" } }),
    np("metadata: {name: foo-deny-egress}\nspec:\n  podSelector: {matchLabels: {app: foo}}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}\n      podSelector: {matchLabels: {k8s-app: kube-dns}}\n    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]"),
  ];
  it("foo reaches kube-dns on 53 UDP and TCP only, nothing else; others and foo's ingress are untouched", () => {
    const a = analyse(docs);
    const names = ["kube-system/coredns", "default/foo", "default/bar"];
    // foo -> coredns on 53 only; foo -> bar is not DNS, so denied even on 53.
    table(a, names, ["-YY", "Y-.", "YY-"], 53, "UDP");
    table(a, names, ["-YY", "Y-.", "YY-"], 53, "TCP");
    table(a, names, ["-YY", ".-.", "YY-"], 80);
    expect(can(a, "default/foo", "1.1.1.1", 53, "UDP")).toBe(false);
  });
});

describe("policyTypes", () => {
  const pods = [pod({ name: "a", labels: { app: "a" } }), pod({ name: "b", labels: { app: "b" } })];
  it("inferred: egress rules make it Ingress+Egress, so ingress is denied by default too", () => {
    const p = np("metadata: {name: a}\nspec:\n  podSelector: {matchLabels: {app: a}}\n  egress: [{to: [{podSelector: {matchLabels: {app: b}}}]}]");
    const a = analyse([...pods, p]);
    const pol = a.policies[0];
    expect(pol.types).toEqual({ ingress: true, egress: true, inferred: true });
    table(a, ["default/a", "default/b"], ["-Y", ".-"], 80);
  });
  it("inferred: `egress: []` is no egress rule at all, so the policy is Ingress only", () => {
    const p = np("metadata: {name: a}\nspec:\n  podSelector: {matchLabels: {app: a}}\n  egress: []");
    const a = analyse([...pods, p]);
    expect(a.policies[0].types).toEqual({ ingress: true, egress: false, inferred: true });
    table(a, ["default/a", "default/b"], ["-Y", ".-"], 80);
  });
  it("explicit Egress only: ingress rules written in the policy are ignored", () => {
    const p = np("metadata: {name: a}\nspec:\n  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  ingress: [{}]\n  egress: [{to: [{podSelector: {matchLabels: {app: b}}}], ports: [{port: 443}]}]");
    const a = analyse([...pods, p]);
    table(a, ["default/a", "default/b"], ["-.", "Y-"], 80);
    table(a, ["default/a", "default/b"], ["-Y", "Y-"], 443);
  });
  it("`from: []` and `ports: []` are the same as leaving them out: every source, every port", () => {
    const p = np("metadata: {name: a}\nspec:\n  podSelector: {matchLabels: {app: a}}\n  ingress: [{from: [], ports: []}]");
    const a = analyse([...pods, p]);
    expect(a.allowed({ kind: "workload", index: 1 }, { kind: "workload", index: 0 })).toBe(ConnSet.ALL);
    expect(can(a, "203.0.113.1", "default/a", 9, "SCTP")).toBe(true);
  });
  it("an empty rule (`ingress: [{}]`) admits everything, an absent one nothing", () => {
    const allowAll = np("metadata: {name: a}\nspec:\n  podSelector: {matchLabels: {app: a}}\n  ingress: [{}]");
    expect(analyse([...pods, allowAll]).allowed({ kind: "workload", index: 1 }, { kind: "workload", index: 0 })).toBe(ConnSet.ALL);
    const denyAll = np("metadata: {name: a}\nspec:\n  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Ingress]");
    expect(analyse([...pods, denyAll]).allowed({ kind: "workload", index: 1 }, { kind: "workload", index: 0 })).toBe(ConnSet.NONE);
  });
});

describe("workloads from templates and owners", () => {
  it("Deployments, StatefulSets, DaemonSets, Jobs and CronJobs become one workload each, from their templates", () => {
    const text = `apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec: {replicas: 3, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, ports: [{containerPort: 80, name: http}]}]}}}
- apiVersion: apps/v1
  kind: StatefulSetList
  items:
  - {apiVersion: apps/v1, kind: StatefulSet, metadata: {name: db, namespace: shop}, spec: {template: {metadata: {labels: {app: db}}}}}
- {apiVersion: apps/v1, kind: DaemonSet, metadata: {name: agent, namespace: kube-system}, spec: {template: {metadata: {labels: {app: agent}}, spec: {hostNetwork: true}}}}
- {apiVersion: batch/v1, kind: CronJob, metadata: {name: backup, namespace: shop}, spec: {jobTemplate: {spec: {template: {metadata: {labels: {app: backup}}}}}}}
- {apiVersion: v1, kind: Service, metadata: {name: web, namespace: shop}}
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-5d8f-abcde
    namespace: shop
    labels: {app: web}
    ownerReferences: [{kind: ReplicaSet, name: web-5d8f, controller: true}]
- {apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: web-5d8f, namespace: shop, ownerReferences: [{kind: Deployment, name: web, controller: true}]}, spec: {template: {metadata: {labels: {app: web}}}}}
`;
    const input = loadPolicyInput([{ name: "all.yaml", text }]);
    const names = input.workloads.map((w) => `${w.namespace}/${w.name}[${w.kind}]`).sort();
    expect(names).toEqual(["kube-system/agent[DaemonSet]", "shop/backup[CronJob]", "shop/db[StatefulSet]", "shop/web[Deployment]"]);
    const web = input.workloads.find((w) => w.name === "web")!;
    expect(web.ports).toEqual([{ name: "http", port: 80, protocol: "TCP" }]);
    expect(input.workloads.find((w) => w.name === "agent")!.hostNetwork).toBe(true);
    expect(input.notes.map((n) => n.message)).toEqual(["skipped kind Service (not a workload, Namespace or NetworkPolicy)"]);
    expect(input.notes[0].at).toMatch(/^all\.yaml:\d+:\d+$/);
  });
});
