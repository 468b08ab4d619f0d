// Bad manifests: every one an InputError naming file:line:col and the field, never a TypeError or
// RangeError; unknown kinds are skipped with a located note.
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.ts";
import { connectivityList, lintPolicies, loadPolicyInput, MAX_ALIASES } from "../../src/policy/index.ts";

function fails(text: string, name = "bad.yaml"): InputError {
  try {
    loadPolicyInput([{ name, text }]);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

const np = (spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  namespace: ns\nspec:\n${spec}`;

describe("bad manifests are located errors", () => {
  const cases: [string, string, RegExp][] = [
    ["YAML syntax", "kind: Pod\nmetadata: {name: x\n", /^bad\.yaml:3:1: invalid YAML: /],
    ["bad selector operator", np("  podSelector:\n    matchExpressions:\n    - {key: app, operator: Equals, values: [a]}\n"), /^bad\.yaml:9:28: NetworkPolicy ns\/p spec\.podSelector\.matchExpressions\[0\]\.operator: invalid selector operator "Equals"/],
    ["In without values", np("  podSelector:\n    matchExpressions:\n    - {key: app, operator: In}\n"), /^bad\.yaml:9:7: .*operator In needs at least one value/],
    ["Exists with values", np("  podSelector:\n    matchExpressions:\n    - {key: app, operator: Exists, values: [a]}\n"), /^bad\.yaml:9:44: .*operator Exists takes no values/],
    ["port out of range", np("  podSelector: {}\n  ingress:\n  - ports:\n    - port: 0\n"), /^bad\.yaml:10:13: NetworkPolicy ns\/p spec\.ingress\[0\]\.ports\[0\]\.port: port 0 is out of range; expected 1 to 65535/],
    ["endPort below port", np("  podSelector: {}\n  ingress:\n  - ports:\n    - {port: 90, endPort: 80}\n"), /^bad\.yaml:10:27: .*endPort 80 is below port 90/],
    ["endPort with a named port", np("  podSelector: {}\n  ingress:\n  - ports:\n    - {port: http, endPort: 80}\n"), /endPort can't be used with a named port/],
    ["bad port name", np("  podSelector: {}\n  ingress:\n  - ports:\n    - {port: Http_Port}\n"), /^bad\.yaml:10:14: .*invalid port name "Http_Port"/],
    ["bad protocol", np("  podSelector: {}\n  ingress:\n  - ports:\n    - {protocol: ICMP, port: 1}\n"), /^bad\.yaml:10:18: .*unsupported protocol "ICMP"/],
    ["CIDR syntax", np("  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.300/8}\n"), /^bad\.yaml:10:23: NetworkPolicy ns\/p spec\.ingress\[0\]\.from\[0\]\.ipBlock\.cidr: invalid CIDR: /],
    ["except outside cidr", np("  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}\n"), /^bad\.yaml:10:45: .*except 10\.1\.0\.0\/24 must be a strict subset of cidr 10\.0\.0\.0\/16/],
    ["except of another family", np("  podSelector: {}\n  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, except: ['fd00::/8']}\n"), /IPv6 but cidr 10\.0\.0\.0\/8 is IPv4/],
    ["ipBlock with a selector", np("  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/8}\n      podSelector: {}\n"), /^bad\.yaml:10:7: .*a peer with ipBlock can't also have podSelector/],
    ["empty peer", np("  podSelector: {}\n  ingress:\n  - from:\n    - {}\n"), /^bad\.yaml:10:7: .*a peer must have podSelector, namespaceSelector or ipBlock/],
    ["bad policy type", np("  podSelector: {}\n  policyTypes: [ingress]\n"), /^bad\.yaml:8:17: .*invalid policy type "ingress"/],
    ["no kind", "apiVersion: v1\nmetadata: {name: x}\n", /^bad\.yaml:1:1: .*the object has no kind/],
    ["alias without anchor", "kind: Pod\nmetadata: {name: *x}\n", /^bad\.yaml:2:18: invalid YAML: alias \*x has no anchor/],
    ["containerPort out of range", "kind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - name: c\n    ports: [{containerPort: 70000}]\n", /^bad\.yaml:6:29: Pod default\/x spec\.containers\[0\]\.ports\[0\]\.containerPort: containerPort 70000 is out of range/],
  ];
  for (const [what, text, want] of cases) {
    it(what, () => expect(fails(text).message).toMatch(want));
  }

  it("a YAML alias bomb is refused, not expanded", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < MAX_ALIASES + 5; i++) lines.push(`k${i}: *a`);
    expect(fails(`kind: Pod\nmetadata: {name: x}\n${lines.join("\n")}\n`).message).toMatch(new RegExp(`more than ${MAX_ALIASES} aliases`));
  });

  it("errors in the second document of a multi-document file name its own line", () => {
    const text = "kind: Pod\nmetadata: {name: a}\n---\n" + np("  podSelector: {}\n  ingress:\n  - ports:\n    - port: 99999\n");
    expect(fails(text).message).toMatch(/^bad\.yaml:13:13: /);
  });

  it("errors inside a List item name the item's path", () => {
    const text = "apiVersion: v1\nkind: List\nitems:\n- kind: NetworkPolicy\n  metadata: {name: p}\n  spec:\n    podSelector: {}\n    ingress: [{ports: [{port: -1}]}]\n";
    expect(fails(text).message).toMatch(/^bad\.yaml:8:31: NetworkPolicy default\/p spec\.ingress\[0\]\.ports\[0\]\.port: port -1 is out of range/);
  });
});

describe("unknown kinds and odd shapes", () => {
  it("unknown kinds are skipped with a note naming where they are", () => {
    const r = loadPolicyInput([{ name: "mix.yaml", text: "kind: ConfigMap\nmetadata: {name: c}\n---\nkind: Pod\nmetadata: {name: p}\n---\nkind: Gateway\napiVersion: gateway.networking.k8s.io/v1\nmetadata: {name: g}\n" }]);
    expect(r.workloads.map((w) => w.name)).toEqual(["p"]);
    expect(r.notes).toEqual([
      { at: "mix.yaml:1:1", message: "skipped kind ConfigMap (not a workload, Namespace or NetworkPolicy)" },
      { at: "mix.yaml:7:1", message: "skipped kind Gateway (not a workload, Namespace or NetworkPolicy)" },
    ]);
  });

  it("JSON (kubectl -o json), a bare array, empty documents and a trailing ---", () => {
    const json = JSON.stringify({ apiVersion: "v1", kind: "PodList", items: [{ kind: "Pod", metadata: { name: "a", namespace: "x", labels: { app: "a" } } }] }, null, "\t");
    const r = loadPolicyInput([
      { name: "pods.json", text: json },
      { name: "arr.json", text: '[{"kind": "Namespace", "metadata": {"name": "x", "labels": {"team": "t"}}}]' },
      { name: "empty.yaml", text: "---\n---\nkind: Pod\nmetadata: {name: b}\n---\n" },
    ]);
    expect(r.workloads.map((w) => `${w.namespace}/${w.name}`)).toEqual(["x/a", "default/b"]);
    expect(r.namespaces.find((n) => n.name === "x")!.labels).toEqual({ team: "t", "kubernetes.io/metadata.name": "x" });
  });
});

describe("NetworkPolicies of other API groups", () => {
  it("Calico's projectcalico.org/v3 NetworkPolicy is skipped with a note; the beta Kubernetes groups are read", () => {
    const r = loadPolicyInput([{ name: "np.yaml", text: [
      "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: calico}\nspec:\n  selector: app == 'web'\n  ingress: [{action: Allow}]",
      "apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata: {name: old}\nspec:\n  podSelector: {}",
    ].join("\n---\n") }]);
    expect(r.policies.map((p) => p.name)).toEqual(["old"]);
    expect(r.notes.map((n) => n.message)).toEqual([
      "skipped NetworkPolicy of apiVersion projectcalico.org/v3 (not a Kubernetes networking.k8s.io/v1 NetworkPolicy)",
      "NetworkPolicy with apiVersion extensions/v1beta1 read as networking.k8s.io/v1",
    ]);
  });
});

describe("robustness: any value in any place", () => {
  it("replacing any node of real manifests with a value of another shape gives a result (that lists and lints) or an InputError, never another exception", async () => {
    const fc = (await import("fast-check")).default;
    const { parseAllDocuments } = await import("yaml");
    const { readFileSync } = await import("node:fs");
    const fx = (p: string) => readFileSync(new URL(`./fixtures/${p}`, import.meta.url), "utf8");
    const docs = [fx("netpol-real/k8s-docs/networkpolicy.yaml"), fx("app/app.yaml"), fx("app/policies.yaml"), fx("netpol-real/ahmetb-recipes/11-deny-egress-traffic-from-an-application-2.yaml")]
      .flatMap((t) => parseAllDocuments(t).map((d) => d.toJS()));
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, at: (string | number)[]) => {
      paths.push(at);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
      else if (v && typeof v === "object") for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], [...at, k]);
    };
    walk(docs, []);
    const odd = [null, 0, -1, 70000, 1.5, "x", "", "Http", "10.0.0.0/33", [], {}, true, [1], { a: 1 }, [{}], "*", "::/0"];
    fc.assert(fc.property(fc.integer({ min: 1, max: paths.length - 1 }), fc.constantFrom(...odd), (pi, value) => {
      const copy = structuredClone(docs);
      const at = paths[pi];
      let parent: Record<string | number, unknown> = copy as unknown as Record<string | number, unknown>;
      for (const k of at.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
      parent[at[at.length - 1]] = value;
      const text = copy.map((d) => JSON.stringify(d)).join("\n---\n");
      try {
        const input = loadPolicyInput([{ name: "m.yaml", text }]);
        // What loads must also list and lint.
        connectivityList(input);
        lintPolicies(input);
      } catch (e) {
        if (!(e instanceof InputError)) throw new Error(`${at.join(".")} = ${JSON.stringify(value)}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }), { numRuns: 500 });
  });
});
