// Generates the policy benchmark's manifests (fixed seed): NS namespaces of PODS/NS Deployments
// each, and POLICIES NetworkPolicies shaped like real ones — a default deny per namespace, app
// ingress allows from pods of the same tier or from other namespaces' monitoring, egress allows
// with DNS, ipBlocks with except (which split the external ranges), named ports and endPort.
import { rng } from "../rng.mjs";

export function manifests({ namespaces = 20, pods = 1000, policies = 200, seed = 11 } = {}) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const docs = [];
  const perNs = Math.ceil(pods / namespaces);
  const tiers = ["web", "api", "db", "cache", "worker"];
  for (let n = 0; n < namespaces; n++) {
    docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-${n}\n  labels:\n    team: team-${n % 5}\n    env: ${n % 3 ? "prod" : "dev"}`);
  }
  let made = 0;
  for (let n = 0; n < namespaces && made < pods; n++) {
    for (let i = 0; i < perNs && made < pods; i++, made++) {
      const tier = pick(tiers);
      docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  namespace: ns-${n}
spec:
  replicas: ${1 + Math.floor(r() * 3)}
  template:
    metadata:
      labels:
        app: app-${i}
        tier: ${tier}
        version: v${1 + Math.floor(r() * 3)}
    spec:
      containers:
      - name: main
        ports:
        - {name: http, containerPort: ${pick([80, 8080, 8443, 9000])}}
        - {name: metrics, containerPort: 9100}`);
    }
  }
  let p = 0;
  const add = (ns, body) => docs.push(`apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np-${p++}\n  namespace: ns-${ns}\nspec:\n${body}`);
  for (let n = 0; n < namespaces && p < policies; n++) add(n, "  podSelector: {}\n  policyTypes: [Ingress]");
  while (p < policies) {
    const ns = Math.floor(r() * namespaces);
    const kind = r();
    if (kind < 0.55) {
      add(ns, `  podSelector:
    matchLabels: {tier: ${pick(tiers)}}
  ingress:
  - from:
    - podSelector:
        matchExpressions: [{key: tier, operator: In, values: [${pick(tiers)}, ${pick(tiers)}]}]
    - namespaceSelector: {matchLabels: {team: team-${Math.floor(r() * 5)}}}
      podSelector: {matchLabels: {tier: ${pick(tiers)}}}
    ports: [{port: http}, {protocol: TCP, port: ${8000 + Math.floor(r() * 100)}, endPort: ${8100 + Math.floor(r() * 100)}}]
  - from:
    - namespaceSelector: {matchExpressions: [{key: env, operator: NotIn, values: [dev]}]}
    ports: [{port: metrics}]`);
    } else if (kind < 0.8) {
      const a = 1 + Math.floor(r() * 200), b = Math.floor(r() * 256);
      add(ns, `  podSelector:
    matchLabels: {app: app-${Math.floor(r() * perNs)}}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {}
      podSelector: {matchLabels: {tier: ${pick(tiers)}}}
  - to:
    - ipBlock: {cidr: ${a}.${b}.0.0/16, except: [${a}.${b}.${Math.floor(r() * 256)}.0/24]}
    ports: [{protocol: TCP, port: 443}]
  - ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]`);
    } else {
      const a = 1 + Math.floor(r() * 200);
      add(ns, `  podSelector:
    matchLabels: {tier: ${pick(tiers)}, version: v${1 + Math.floor(r() * 3)}}
  ingress:
  - from:
    - ipBlock: {cidr: ${a}.0.0.0/8, except: [${a}.${Math.floor(r() * 256)}.0.0/16]}
    - podSelector: {}
    ports: [{port: http}]`);
    }
  }
  return docs.join("\n---\n") + "\n";
}
