// Lint on the manifests alone: each finding provoked by a small input written for it, and shown
// absent from the same input without the defect.
import { describe, expect, it } from "vitest";
import { lintPolicies, loadPolicyInput } from "../../src/policy/index.ts";
import { pod } from "./helpers.ts";

const np = (name: string, spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}}\nspec:\n${spec}`;
const lint = (docs: string[]) => lintPolicies(loadPolicyInput([{ name: "l.yaml", text: docs.join("\n---\n") }])).findings;
const codes = (docs: string[]) => lint(docs).map((f) => `${f.code} ${f.path}`);
const pods = [pod({ name: "web", labels: { app: "web" }, ports: [{ name: "http", port: 80 }] }), pod({ name: "db", labels: { app: "db" } })];

describe("lint without a cluster", () => {
  it("a policy selecting nothing, and not when it selects a pod", () => {
    const f = lint([...pods, np("p", "  podSelector: {matchLabels: {app: cache}}\n  policyTypes: [Ingress]")]);
    expect(f.map((x) => `${x.code} ${x.path}`)).toEqual(["PolicySelectsNoPods NetworkPolicy default/p spec.podSelector"]);
    expect(f[0].at).toMatch(/^l\.yaml:\d+:16$/); // the podSelector's value, not the policy
    expect(f[0].message).toMatch(/podSelector app=cache/);
    expect(codes([...pods, np("p", "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]")])).toEqual([]);
  });
  it("a peer matching nothing makes a rule that never matches; a namespaceSelector with no namespace says so", () => {
    const f = lint([...pods, np("p", "  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: ghost}}}, {namespaceSelector: {matchLabels: {team: none}}}]")]);
    expect(f.map((x) => `${x.code} ${x.path}`)).toEqual([
      "PolicyPeerMatchesNothing NetworkPolicy default/p spec.ingress[0].from[0]",
      "PolicyPeerMatchesNothing NetworkPolicy default/p spec.ingress[0].from[1]",
      "PolicyRuleNeverMatches NetworkPolicy default/p spec.ingress[0]",
    ]);
    expect(f[1].message).toMatch(/namespaceSelector \(team=none\) matches no namespace/);
    expect(f.every((x) => /^l\.yaml:\d+:\d+$/.test(x.at!) && x.fix)).toBe(true);
  });
  it("a named port no destination declares (name or protocol), and not when one does", () => {
    const rule = (port: string) => np("p", `  podSelector: {matchLabels: {app: web}}\n  ingress: [{ports: [${port}]}]`);
    expect(codes([...pods, rule("{port: https}")])).toEqual(["PolicyNamedPortUnresolved NetworkPolicy default/p spec.ingress[0].ports[0]"]);
    expect(codes([...pods, rule("{port: http, protocol: UDP}")])).toEqual(["PolicyNamedPortUnresolved NetworkPolicy default/p spec.ingress[0].ports[0]"]);
    expect(codes([...pods, rule("{port: http}")])).toEqual([]);
    // Egress: resolved on the rule's destinations (db has no http port, web has).
    const eg = (app: string) => np("p", `  podSelector: {matchLabels: {app: db}}\n  egress: [{to: [{podSelector: {matchLabels: {app: ${app}}}}], ports: [{port: http}]}]`);
    expect(codes([...pods, eg("db")])).toEqual(["PolicyNamedPortUnresolved NetworkPolicy default/p spec.egress[0].ports[0]"]);
    expect(codes([...pods, eg("web")])).toEqual([]);
  });
  it("rules of a type the policy doesn't list are ignored", () => {
    expect(codes([...pods, np("p", "  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]\n  egress: [{}]")])).toEqual(["PolicyRulesIgnored NetworkPolicy default/p spec.ingress"]);
  });
  it("a rule another covers (same direction, pods, peers and ports or more) is redundant; equal rules are reported once", () => {
    const wide = np("wide", "  podSelector: {}\n  ingress: [{from: [{podSelector: {}}], ports: [{port: 80}, {port: 443}]}]");
    const narrow = np("narrow", "  podSelector: {matchLabels: {app: web}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: db}}}], ports: [{port: 80}]}]");
    expect(codes([...pods, wide, narrow])).toEqual(["PolicyRuleRedundant NetworkPolicy default/narrow spec.ingress[0]"]);
    // Wider ports in the narrow one: no longer covered.
    const other = np("narrow", "  podSelector: {matchLabels: {app: web}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: db}}}], ports: [{port: 8080}]}]");
    expect(codes([...pods, wide, other])).toEqual([]);
    const twin = np("twin", "  podSelector: {}\n  ingress: [{from: [{podSelector: {}}], ports: [{port: 80}, {port: 443}]}]");
    expect(codes([...pods, wide, twin])).toEqual(["PolicyRuleRedundant NetworkPolicy default/twin spec.ingress[0]"]);
    // ipBlocks compared as sets: 10.1.0.0/16 inside 10.0.0.0/8 is covered, 11.0.0.0/8 is not.
    const ipWide = np("ipw", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}]}]");
    const ipIn = np("ipn", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.1.0.0/16}}]}]");
    const ipOut = np("ipo", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 11.0.0.0/8}}]}]");
    expect(codes([...pods, ipWide, ipIn])).toEqual(["PolicyRuleRedundant NetworkPolicy default/ipn spec.ingress[0]"]);
    expect(codes([...pods, ipWide, ipOut])).toEqual([]);
  });
});
