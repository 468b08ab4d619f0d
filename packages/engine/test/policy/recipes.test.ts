// Real policies with documented intent (fixtures/SOURCES.md): each recipe page's pods rebuilt, and
// each documented `wget` result ("timed out" = denied, the page = allowed) checked.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { connectivityList, loadPolicyInput, PolicyAnalysis } from "../../src/policy/index.ts";
import { can, namespace, pod } from "./helpers.ts";

const fx = (p: string) => readFileSync(fileURLToPath(new URL(`./fixtures/netpol-real/${p}`, import.meta.url)), "utf8");
const recipe = (n: string) => fx(`ahmetb-recipes/${n}.yaml`);
function with_(policyText: string | string[], docs: string[]): PolicyAnalysis {
  const texts = (Array.isArray(policyText) ? policyText : [policyText]).map((t, i) => ({ name: `policy${i}.yaml`, text: t }));
  return new PolicyAnalysis(loadPolicyInput([...texts, { name: "pods.yaml", text: docs.join("\n---\n") }]));
}

describe("ahmetb/kubernetes-network-policy-recipes", () => {
  it("01 deny all traffic to an application: nothing reaches app=web", () => {
    const a = with_(recipe("01-deny-all-traffic-to-an-application"), [pod({ name: "web", labels: { app: "web" } }), pod({ name: "test" })]);
    expect(can(a, "test", "web", 80)).toBe(false);
    expect(can(a, "web", "test", 80)).toBe(true);
  });

  it("02 limit traffic: only app=bookstore pods reach the api", () => {
    const a = with_(recipe("02-limit-traffic-to-an-application"), [
      pod({ name: "apiserver", labels: { app: "bookstore", role: "api" } }), pod({ name: "test" }), pod({ name: "front", labels: { app: "bookstore", role: "frontend" } }),
    ]);
    expect(can(a, "test", "apiserver", 80)).toBe(false);
    expect(can(a, "front", "apiserver", 80)).toBe(true);
  });

  it("02a allow all (`ingress: - {}`) even with a deny-all policy beside it", () => {
    const a = with_([recipe("01-deny-all-traffic-to-an-application"), recipe("02a-allow-all-traffic-to-an-application")], [pod({ name: "web", labels: { app: "web" } }), pod({ name: "test" })]);
    expect(can(a, "test", "web", 80)).toBe(true);
  });

  it("03 deny all non-whitelisted traffic in the namespace", () => {
    const a = with_(recipe("03-deny-all-non-whitelisted-traffic-in-the-namespace"), [pod({ name: "web", labels: { app: "web" } }), pod({ name: "test" })]);
    expect(can(a, "test", "web", 80)).toBe(false);
    expect(can(a, "web", "test", 80)).toBe(false);
  });

  it("04 deny from other namespaces (podSelector with a null matchLabels selects all pods)", () => {
    const a = with_(recipe("04-deny-traffic-from-other-namespaces"), [namespace("foo"), pod({ name: "web", labels: { app: "web" } }), pod({ name: "test" }), pod({ ns: "foo", name: "test" })]);
    expect(can(a, "foo/test", "default/web", 80)).toBe(false);
    expect(can(a, "default/test", "default/web", 80)).toBe(true);
  });

  it("05 allow from all namespaces", () => {
    const a = with_([recipe("01-deny-all-traffic-to-an-application"), recipe("05-allow-traffic-from-all-namespaces")], [namespace("secondary"), pod({ name: "web", labels: { app: "web" } }), pod({ ns: "secondary", name: "test" })]);
    expect(can(a, "secondary/test", "default/web", 80)).toBe(true);
  });

  it("06 allow from a namespace labelled purpose=production: prod yes, dev no", () => {
    const a = with_(recipe("06-allow-traffic-from-a-namespace"), [
      namespace("dev", { purpose: "testing" }), namespace("prod", { purpose: "production" }),
      pod({ name: "web", labels: { app: "web" } }), pod({ ns: "dev", name: "test" }), pod({ ns: "prod", name: "test" }),
    ]);
    expect(can(a, "dev/test", "default/web", 80)).toBe(false);
    expect(can(a, "prod/test", "default/web", 80)).toBe(true);
  });

  it("07 allow some pods of another namespace: type=monitoring in team=operations only", () => {
    const a = with_(recipe("07-allow-traffic-from-some-pods-in-another-namespace"), [
      namespace("other", { team: "operations" }), pod({ name: "web", labels: { app: "web" } }),
      pod({ ns: "other", name: "mon", labels: { type: "monitoring" } }), pod({ ns: "other", name: "plain" }), pod({ name: "mon", labels: { type: "monitoring" } }),
    ]);
    expect(can(a, "other/mon", "default/web", 80)).toBe(true);
    expect(can(a, "other/plain", "default/web", 80)).toBe(false);
    expect(can(a, "default/mon", "default/web", 80)).toBe(false);
  });

  it("08 allow external clients: any address outside the cluster reaches app=web", () => {
    const a = with_([recipe("01-deny-all-traffic-to-an-application"), recipe("08-allow-external-traffic")], [pod({ name: "web", labels: { app: "web" } })]);
    expect(can(a, "203.0.113.9", "default/web", 80)).toBe(true);
  });

  it("09 allow only port 5000 from role=monitoring; 8000 stays closed", () => {
    const a = with_(recipe("09-allow-traffic-only-to-a-port"), [pod({ name: "apiserver", labels: { app: "apiserver" } }), pod({ name: "test" }), pod({ name: "mon", labels: { role: "monitoring" } })]);
    expect([can(a, "test", "apiserver", 8000), can(a, "test", "apiserver", 5000)]).toEqual([false, false]);
    expect([can(a, "mon", "apiserver", 8000), can(a, "mon", "apiserver", 5000)]).toEqual([false, true]);
  });

  it("10 multiple selectors: inventory/web reaches the db, app=other does not", () => {
    const a = with_(recipe("10-allowing-traffic-with-multiple-selectors"), [
      pod({ name: "db", labels: { app: "bookstore", role: "db" } }), pod({ name: "inv", labels: { app: "inventory", role: "web" } }), pod({ name: "other", labels: { app: "other" } }),
    ]);
    expect(can(a, "inv", "db", 6379)).toBe(true);
    expect(can(a, "other", "db", 6379)).toBe(false);
  });

  it("11 deny egress, and its DNS variant: foo reaches nothing, or only kube-dns on 53", () => {
    const pods = [namespace("kube-system"), pod({ ns: "kube-system", name: "dns", labels: { "k8s-app": "kube-dns" } }), pod({ name: "foo", labels: { app: "foo" } }), pod({ name: "web", labels: { app: "web" } })];
    const deny = with_(recipe("11-deny-egress-traffic-from-an-application"), pods);
    expect([can(deny, "default/foo", "default/web", 80), can(deny, "default/foo", "kube-system/dns", 53, "UDP")]).toEqual([false, false]);
    const dns = with_(recipe("11-deny-egress-traffic-from-an-application-2"), pods);
    expect([can(dns, "default/foo", "default/web", 80), can(dns, "default/foo", "kube-system/dns", 53, "UDP"), can(dns, "default/foo", "kube-system/dns", 53, "TCP")]).toEqual([false, true, true]);
  });

  it("12 deny all non-whitelisted egress from the namespace", () => {
    const a = with_(recipe("12-deny-all-non-whitelisted-traffic-from-the-namespace"), [namespace("other"), pod({ name: "a" }), pod({ ns: "other", name: "b" })]);
    expect(can(a, "default/a", "other/b", 80)).toBe(false);
    expect(can(a, "other/b", "default/a", 80)).toBe(true);
  });

  it("14 deny external egress: external blocked as documented; the page's foo -> web:80 is not what the policy says", () => {
    const a = with_(recipe("14-deny-external-egress-traffic"), [namespace("kube-system"), pod({ ns: "kube-system", name: "dns", labels: { "k8s-app": "kube-dns" } }), pod({ name: "foo", labels: { app: "foo" } }), pod({ name: "web", labels: { app: "web" } })]);
    expect(can(a, "default/foo", "93.184.216.34", 80)).toBe(false);
    expect(can(a, "default/foo", "kube-system/dns", 53, "UDP")).toBe(true);
    // The page shows the wget to web:80 succeeding; the policy as printed allows only kube-dns:53.
    expect(can(a, "default/foo", "default/web", 80)).toBe(false);
  });
});

describe("Kubernetes documentation examples", () => {
  const docs = [
    namespace("myproject", { project: "myproject" }), pod({ name: "db", labels: { role: "db" } }), pod({ name: "frontend", labels: { role: "frontend" } }),
    pod({ ns: "myproject", name: "client" }), pod({ name: "other" }),
  ];
  it("test-network-policy: the three ingress peers on TCP 6379 and the egress to 10.0.0.0/24:5978", () => {
    const a = with_(fx("k8s-docs/networkpolicy.yaml"), docs);
    expect(can(a, "default/frontend", "default/db", 6379)).toBe(true);
    expect(can(a, "myproject/client", "default/db", 6379)).toBe(true);
    expect(can(a, "default/other", "default/db", 6379)).toBe(false);
    expect(can(a, "default/frontend", "default/db", 6380)).toBe(false);
    expect([can(a, "172.17.0.1", "default/db", 6379), can(a, "172.17.1.1", "default/db", 6379)]).toEqual([true, false]);
    expect([can(a, "default/db", "10.0.0.5", 5978), can(a, "default/db", "10.0.0.5", 5979), can(a, "default/db", "default/frontend", 80)]).toEqual([true, false, false]);
  });

  it("the flow-style default-deny files (unquoted keys, trailing commas) read as written", () => {
    const ingress = with_(fx("k8s-docs/network-policy-default-deny-ingress.yaml"), docs);
    expect([can(ingress, "default/other", "default/db", 80), can(ingress, "default/db", "8.8.8.8", 53, "UDP")]).toEqual([false, true]);
    const all = with_(fx("k8s-docs/network-policy-default-deny-all.yaml"), docs);
    expect([can(all, "myproject/client", "default/db", 80), can(all, "default/db", "8.8.8.8", 53, "UDP"), can(all, "myproject/client", "8.8.8.8", 53, "UDP")]).toEqual([false, false, true]);
  });

  it("the list splits external addresses at the ipBlock boundaries, per direction", () => {
    const l = connectivityList(loadPolicyInput([{ name: "np.yaml", text: fx("k8s-docs/networkpolicy.yaml") }, { name: "p.yaml", text: docs.join("\n---\n") }]));
    const toDb = l.connections.filter((c) => c.dst === "default/db[Pod]" && c.src.endsWith("[External]")).map((c) => `${c.src} ${c.conn}`);
    // 172.17.0.0/16 minus 172.17.1.0/24: two pieces admitted on TCP 6379, the hole and the rest not at all.
    expect(toDb).toEqual(["172.17.0.0-172.17.0.255[External] TCP 6379", "172.17.2.0-172.17.255.255[External] TCP 6379"]);
    const fromDb = l.connections.filter((c) => c.src === "default/db[Pod]").map((c) => `${c.dst} ${c.conn}`);
    expect(fromDb).toEqual(["10.0.0.0-10.0.0.255[External] TCP 5978"]);
    const srcRanges = new Set(l.connections.filter((c) => c.src.endsWith("[External]")).map((c) => c.src));
    expect([...srcRanges].sort()).toEqual([
      "0.0.0.0-172.16.255.255[External]", "172.17.0.0-172.17.0.255[External]", "172.17.1.0-172.17.1.255[External]",
      "172.17.2.0-172.17.255.255[External]", "172.18.0.0-255.255.255.255[External]",
    ]);
  });
});
