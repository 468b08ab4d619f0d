// The same workloads and policies (fixtures/app) on four clusters that differ only in network
// model and policy engine (fixtures/clusters): the answers differ as aks-facts §6 and §5.1/§5.5
// say they must. Each expected cell is derived by hand in the comment above its row.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { connectivityList, explainConnection, lintPolicies, loadPolicyContext, loadPolicyInput, type PolicyContext } from "../../src/policy/index.ts";

const dir = fileURLToPath(new URL("./fixtures/", import.meta.url));
const appFiles = readdirSync(join(dir, "app")).sort().map((f) => ({ name: `app/${f}`, text: readFileSync(join(dir, "app", f), "utf8") }));
const input = loadPolicyInput(appFiles);
const cluster = (m: string): PolicyContext => loadPolicyContext([{ name: `${m}.yaml`, text: readFileSync(join(dir, "clusters", `${m}.yaml`), "utf8") }]);

const CLUSTERS = ["spec", "kubenet-calico", "azure-cni-npm", "overlay-cilium", "overlay-none"] as const;
const ctxOf = (m: (typeof CLUSTERS)[number]) => (m === "spec" ? undefined : cluster(m));

// [from, to, port, expected per cluster in CLUSTERS order]
const QUESTIONS: [string, string, number, string][] = [
  // On-premises client to web (web-from-onprem allows 172.16.0.0/12 on 8080). spec: the ipBlock
  // holds it. kubenet: on-prem can't reach pod IPs, it comes through a Service as a node IP
  // (10.42.0.0/22), which the ipBlock doesn't hold. Azure CNI node subnet: pod IPs are VNet IPs,
  // on-prem reaches them directly: allowed. Overlay: hidden as on kubenet (and Cilium's ipBlocks
  // never match node IPs anyway). none: nothing enforced.
  ["172.16.5.5", "shop/web", 8080, "Y.Y.Y"],
  // hostNetwork agent to web (web-from-cluster allows app=agent on http=8080). Only Cilium
  // differs: a hostNetwork pod's traffic has the node's identity, not matched by podSelector.
  ["shop/agent", "shop/web", 8080, "YYY.Y"],
  // client to web on the named port http (8080): allowed everywhere.
  ["shop/client", "shop/web", 8080, "YYYYY"],
  // client to winapp on the named port web (9000): winapp runs on Windows (nodeSelector); Azure NPM
  // on Windows has no named ports, so the entry matches nothing there.
  ["shop/client", "shop/winapp", 9000, "YY.YY"],
  // 10.5.0.1 (outside the VNet) to winapp on 9000 (ipBlock 10.0.0.0/8 except 10.99.0.0/16): spec:
  // inside. kubenet / Azure CNI: from outside the VNet it arrives as a node IP (10.42.0.0/22),
  // which 10.0.0.0/8 holds. Cilium: its ipBlocks never match node IPs. none: allowed.
  ["10.5.0.1", "shop/winapp", 9000, "YYY.Y"],
  // 10.99.0.1 is in the except: spec denies. Arriving as a node IP (kubenet, Azure CNI) the except
  // no longer applies: allowed. Cilium: denied. none: allowed.
  ["10.99.0.1", "shop/winapp", 9000, ".YY.Y"],
  // client to agent: default-deny-ingress selects agent too; under Cilium a hostNetwork pod gets no
  // policy at all, so it is allowed there (and with none).
  ["shop/client", "shop/agent", 9100, "...YY"],
];

describe("the same app on different models and engines", () => {
  for (const [from, to, port, want] of QUESTIONS) {
    it(`${from} -> ${to}:${port} is ${want} across ${CLUSTERS.join(", ")}`, () => {
      const got = CLUSTERS.map((m) => (explainConnection(input, ctxOf(m), from, to, port).allowed ? "Y" : ".")).join("");
      expect(got).toBe(want);
    });
  }

  it("networkPolicy none: the list allows every pair and says why", () => {
    const l = connectivityList(input, cluster("overlay-none"));
    const W = input.workloads.length;
    // Every ordered pair of different workloads, plus one external range each way per workload.
    expect(l.connections.length).toBe(W * (W - 1) + 2 * W);
    expect(l.connections.every((c) => c.conn === "All Connections")).toBe(true);
    expect(l.notes[0]).toMatch(/not enforced.*networkPolicy is none/);
  });
});

describe("lint on each cluster", () => {
  const codes = (m: (typeof CLUSTERS)[number]) => lintPolicies(input, ctxOf(m)).findings.map((f) => f.code).filter((c) => c !== "RetiredOption" && c !== "RetiringOption").sort();
  it("spec: nothing to say", () => expect(codes("spec")).toEqual([]));
  it("kubenet + Calico: the on-premises ipBlock is hidden behind the node IP", () => expect(codes("kubenet-calico")).toEqual(["IpBlockSourceHiddenByNat"]));
  it("Azure CNI + Azure NPM with a Windows pool: the named port and the except on the Windows workload", () => {
    expect(codes("azure-cni-npm")).toEqual(["AzureNpmWindowsExcept", "AzureNpmWindowsNamedPort"]);
  });
  it("Overlay + Cilium: hostNetwork agent (target and peer), node-IP ipBlock, NAT-hidden sources", () => {
    expect(codes("overlay-cilium")).toEqual(["CiliumHostNetworkNotSubject", "CiliumHostNetworkPeer", "CiliumIpBlockPodOrNodeIp", "IpBlockSourceHiddenByNat", "IpBlockSourceHiddenByNat"]);
  });
  it("none: every policy is reported as not enforced, with a fix", () => {
    const f = lintPolicies(input, cluster("overlay-none")).findings;
    expect(f.map((x) => x.code)).toEqual(Array(input.policies.length).fill("NetworkPolicyNotEnforced"));
    expect(f.every((x) => x.fix && x.at?.startsWith("app/policies.yaml:"))).toBe(true);
  });
  it("every finding names the object, the field and where it is written", () => {
    for (const m of CLUSTERS) {
      for (const f of lintPolicies(input, ctxOf(m)).findings) {
        if (f.path.startsWith("cluster ")) continue;
        expect(f.path).toMatch(/^NetworkPolicy shop\/[a-z-]+/);
        expect(f.at).toMatch(/^app\/policies\.yaml:\d+:\d+$/);
      }
    }
  });
});

describe("cluster-only findings and questions", () => {
  const extra = loadPolicyInput([...appFiles, { name: "pods-cidr.yaml", text: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: by-ip, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress: [{from: [{ipBlock: {cidr: 192.168.4.0/24}}]}]\n" }]);
  it("an ipBlock over the pod CIDR: info on Calico (pods are matched by their current IPs), warning on Cilium (never)", () => {
    const on = (m: string) => lintPolicies(extra, cluster(m)).findings.filter((f) => f.path.includes("by-ip")).map((f) => `${f.severity} ${f.code}`);
    expect(on("kubenet-calico")).toContain("info PolicyIpBlockNamesPods");
    expect(on("overlay-cilium")).toContain("warning CiliumIpBlockPodOrNodeIp");
    expect(on("overlay-cilium")).not.toContain("info PolicyIpBlockNamesPods");
  });
  it("two addresses are not a question policies answer", () => {
    expect(() => explainConnection(input, undefined, "10.0.0.1", "10.0.0.2", 80)).toThrow(/both addresses/);
  });
});

describe("engine limits, from contexts written out", () => {
  const base = { ...cluster("azure-cni-npm"), plannerFindings: [] };
  const load = (text: string) => loadPolicyInput([{ name: "x.yaml", text }]);
  const codesOf = (text: string, ctx: PolicyContext) => lintPolicies(load(text), ctx).findings.map((f) => f.code);
  it("Azure NPM: an IPv6 ipBlock is not enforced (error)", () => {
    const t = "kind: Pod\nmetadata: {name: a}\n---\nkind: NetworkPolicy\nmetadata: {name: v6}\nspec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 'fd00::/8'}}]}]\n";
    expect(codesOf(t, base)).toContain("AzureNpmNoIpv6");
    expect(codesOf(t, cluster("overlay-cilium"))).not.toContain("AzureNpmNoIpv6");
  });
  it("Azure NPM: more than 20,000 pods (replicas counted)", () => {
    const t = (n: number) => `kind: Deployment\nmetadata: {name: big}\nspec: {replicas: ${n}, template: {metadata: {labels: {app: big}}}}\n`;
    expect(codesOf(t(20_001), base)).toContain("AzureNpmScaleLimit");
    expect(codesOf(t(20_000), base)).not.toContain("AzureNpmScaleLimit");
  });
  it("Azure NPM on kubenet enforces nothing; Calico on kubenet with Windows pools is an error", () => {
    const t = "kind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: b}\n---\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n";
    const npmKubenet: PolicyContext = { ...base, model: "kubenet" };
    expect(codesOf(t, npmKubenet)).toEqual(["NetworkPolicyNotEnforced"]);
    expect(explainConnection(load(t), npmKubenet, "default/a", "default/b", 80).allowed).toBe(true);
    expect(explainConnection(load(t), base, "default/a", "default/b", 80).allowed).toBe(false);
    const calicoKubenet: PolicyContext = { ...cluster("kubenet-calico"), windowsPools: ["win"], plannerFindings: [] };
    expect(codesOf(t, calicoKubenet)).toEqual(["CalicoWindowsNotOnKubenet"]);
  });
  it("Azure NPM on a Windows pod: a negative selector requirement is dropped, so the peer matches more", () => {
    const t = [
      "kind: Pod\nmetadata: {name: win, labels: {app: win}}\nspec: {nodeSelector: {kubernetes.io/os: windows}}",
      "kind: Pod\nmetadata: {name: lin, labels: {app: win}}",
      "kind: Pod\nmetadata: {name: dev, labels: {env: dev}}",
      "kind: NetworkPolicy\nmetadata: {name: not-dev}\nspec:\n  podSelector: {matchLabels: {app: win}}\n  ingress: [{from: [{podSelector: {matchExpressions: [{key: env, operator: NotIn, values: [dev]}]}}]}]",
    ].join("\n---\n");
    // Spec: dev is excluded from both. NPM: still excluded on the Linux pod, admitted on the Windows one.
    expect(explainConnection(load(t), undefined, "default/dev", "default/win", 80).allowed).toBe(false);
    expect(explainConnection(load(t), base, "default/dev", "default/win", 80).allowed).toBe(true);
    expect(explainConnection(load(t), base, "default/dev", "default/lin", 80).allowed).toBe(false);
    expect(codesOf(t, base)).toContain("AzureNpmWindowsNegativeSelector");
  });
});

describe("egress ipBlocks and Cilium's node IPs", () => {
  const t = "kind: Pod\nmetadata: {name: a}\n---\nkind: NetworkPolicy\nmetadata: {name: out}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 10.42.0.0/16}}]}]\n";
  const inp = loadPolicyInput([{ name: "e.yaml", text: t }]);
  it("a node address (10.42.0.0/22 holds the nodes) is never matched under Cilium; another VNet address is", () => {
    const q = (ctx: PolicyContext | undefined, ip: string) => explainConnection(inp, ctx, "default/a", ip, 443).allowed;
    expect([q(undefined, "10.42.0.5"), q(undefined, "10.42.8.1")]).toEqual([true, true]);
    expect([q(cluster("overlay-cilium"), "10.42.0.5"), q(cluster("overlay-cilium"), "10.42.8.1")]).toEqual([false, true]);
    // Egress is decided at the pod, before any SNAT: kubenet + Calico matches both.
    expect([q(cluster("kubenet-calico"), "10.42.0.5"), q(cluster("kubenet-calico"), "10.42.8.1")]).toEqual([true, true]);
  });
});

describe("explain", () => {
  it("a denial names the default deny proper and says what each rule doesn't match", () => {
    const d = explainConnection(input, undefined, "shop/client", "shop/web", 9999);
    const ing = d.sides.find((s) => s.direction === "ingress")!;
    expect(ing.reason).toBe("no rule allows it: default deny of shop/default-deny-ingress");
    expect(ing.notMatching.map((r) => `${r.policy} ${r.rule}: ${r.why}`)).toEqual([
      "shop/web-from-onprem spec.ingress[0]: the source is not in its from",
      "shop/web-from-cluster spec.ingress[0]: TCP/9999 is not in its ports (TCP 8080)",
    ]);
    expect(d.conn).toBe("TCP 8080");
  });
});
