// Lint: policies that select nothing, rules that can never match, redundant rules, and — with a
// cluster — what its network model and policy engine do with the policies (aks-facts §6, §5.1).
// Every finding names the object and field (path), where it is written (at) and what to do (fix).
import { cidr } from "../cidr/engine.ts";
import { groupDigits } from "../text.ts";
import type { IPSet } from "../cidr/ipset.ts";
import { PolicyAnalysis, workloadName, type CompiledRule } from "./analysis.ts";
import { AZURE_NPM_POD_LIMIT, EXTERNAL_TRAFFIC_POLICY_ASSUMED, WINDOWS_NPM_GAPS, hasCluster, type PolicyContext } from "./context.ts";
import type { IpBlockPeer, Policy, PolicyFinding, PolicyInput, Rule, Severity } from "./model.ts";
import { hasNegative, selectorMatches, selectorText } from "./selectors.ts";

export interface LintResult {
  findings: PolicyFinding[];
  summary: { errors: number; warnings: number; infos: number; policies: number; workloads: number };
}

export function lintPolicies(input: PolicyInput, ctx?: PolicyContext): LintResult {
  const a = new PolicyAnalysis(input, ctx);
  const c = a.ctx;
  const out: PolicyFinding[] = [];
  const add = (severity: Severity, code: string, p: Policy, field: string, at: string | undefined, message: string, fix?: string) =>
    out.push({ code, severity, message, path: `NetworkPolicy ${p.namespace}/${p.name}${field ? ` ${field}` : ""}`, ...(at ? { at } : {}), ...(fix ? { fix } : {}) });
  const W = a.workloads.length;
  const haveWorkloads = W > 0;
  const selected = input.policies.map((p) => {
    const s = new Uint8Array(W);
    a.workloads.forEach((w, i) => { if (w.namespace === p.namespace && selectorMatches(p.podSelector, w.labels)) s[i] = 1; });
    return s;
  });

  // ---- The policies on their own ----
  input.policies.forEach((p, pi) => {
    if (haveWorkloads && !selected[pi].some((x) => x)) {
      add("warning", "PolicySelectsNoPods", p, "spec.podSelector", p.podSelectorAt, `selects no workload in namespace ${p.namespace} (podSelector ${selectorText(p.podSelector)}): it has no effect`, "check the podSelector against the labels of the pods it is meant for");
    }
    if (!p.types.ingress && p.ingress.length) add("warning", "PolicyRulesIgnored", p, "spec.ingress", p.ingress[0].where.at, "has ingress rules but policyTypes lacks Ingress: the rules are ignored", "add Ingress to policyTypes, or remove the rules");
    if (!p.types.egress && p.egress.length) add("warning", "PolicyRulesIgnored", p, "spec.egress", p.egress[0].where.at, "has egress rules but policyTypes lacks Egress: the rules are ignored", "add Egress to policyTypes, or remove the rules");
    for (const r of [...p.ingress, ...p.egress]) {
      const kind = r.direction === "ingress" ? "from" : "to";
      let dead = 0;
      (r.peers ?? []).forEach((peer, i) => {
        if (peer.kind !== "selector" || !haveWorkloads) return;
        const nsOk = !peer.namespaceSelector || input.namespaces.some((n) => selectorMatches(peer.namespaceSelector!, n.labels));
        const any = a.workloads.some((w) => a.peerMatches(p, peer, w));
        if (!any) {
          dead++;
          const hostOnly = a.workloads.filter((w) => a.peerMatches(p, peer, w, false, true)).map(workloadName);
          if (hostOnly.length) {
            add("warning", "CiliumHostNetworkPeer", p, `${r.where.path}.${kind}[${i}]`, peer.where.at, `matches only hostNetwork pods (${hostOnly.join(", ")}), whose traffic Cilium sees as the node's, not as these pods'`, "run the pods without hostNetwork, or allow them some other way (Cilium's host entity)");
          } else {
            add("warning", "PolicyPeerMatchesNothing", p, `${r.where.path}.${kind}[${i}]`, peer.where.at,
              nsOk ? "matches no workload in the manifests" : `its namespaceSelector (${selectorText(peer.namespaceSelector!)}) matches no namespace`,
              nsOk ? "check the selectors against the workloads' labels" : "label the namespace, or fix the selector (every namespace has kubernetes.io/metadata.name)");
          }
        }
      });
      if (r.peers && dead === r.peers.length && dead > 0) {
        add("warning", "PolicyRuleNeverMatches", p, r.where.path, r.where.at, `no ${kind} peer of this rule matches anything: the rule allows nothing`, "fix the peers, or remove the rule");
      }
      // Named ports: each must be declared by some pod the port applies to.
      for (const [i, ps] of (r.ports ?? []).entries()) {
        if (typeof ps.port !== "string" || !haveWorkloads) continue;
        const dsts = r.direction === "ingress"
          ? a.workloads.filter((_, wi) => selected[pi][wi])
          : a.workloads.filter((w) => !r.peers || r.peers.some((peer) => a.peerMatches(p, peer, w)));
        if (!dsts.some((w) => w.ports.some((cp) => cp.name === ps.port && cp.protocol === ps.protocol))) {
          add("warning", "PolicyNamedPortUnresolved", p, `${r.where.path}.ports[${i}]`, ps.where.at, `no ${r.direction === "ingress" ? "selected" : "destination"} pod declares a ${ps.protocol} container port named ${JSON.stringify(ps.port)}: this entry matches nothing`, "name the container port in the pod template, or use the port number");
        }
      }
    }
  });

  // ---- Redundant rules: another rule of the same direction allows all this one does, on at least the same pods ----
  lintRedundant(a, selected, add);

  // ---- The cluster's engine and model ----
  if (hasCluster(c)) lintEngine(a, input, selected, add, out);
  out.push(...c.plannerFindings);

  const count = (s: Severity) => out.filter((f) => f.severity === s).length;
  return { findings: out, summary: { errors: count("error"), warnings: count("warning"), infos: count("info"), policies: input.policies.length, workloads: W } };
}

const label = (e: string) => ({ azure: "Azure NPM", calico: "Calico", cilium: "Cilium" })[e] ?? e;

type Add = (severity: Severity, code: string, p: Policy, field: string, at: string | undefined, message: string, fix?: string) => void;

function subset(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] && !b[i]) return false;
  return true;
}

function setUnion(sets: IPSet[]): IPSet {
  const b = cidr().builder();
  for (const s of sets) b.addSet(s);
  return b.build();
}

function lintRedundant(a: PolicyAnalysis, selected: Uint8Array[], add: Add): void {
  interface Item { c: CompiledRule; p: Policy; pi: number; ips?: IPSet }
  const items: Item[] = [];
  const seen = new Set<CompiledRule>();
  for (const st of a.state) {
    for (const c of [...st.ingressRules, ...st.egressRules]) {
      if (seen.has(c) || !c.ports) continue; // named ports depend on the destination: not compared
      seen.add(c);
      items.push({ c, p: a.policies[c.policy], pi: c.policy });
    }
  }
  const ips = (it: Item) => (it.ips ??= setUnion(it.c.ipSets));
  const covers = (big: Item, small: Item): boolean => {
    if (big.c.rule.direction !== small.c.rule.direction) return false;
    if (!subset(selected[small.pi], selected[big.pi])) return false;
    if (!small.c.ports!.subsetOf(big.c.ports!)) return false;
    if (big.c.everywhere) return true;
    if (small.c.everywhere) return false;
    if (!subset(small.c.matchW, big.c.matchW)) return false;
    return small.c.ipSets.length === 0 || ips(small).difference(ips(big)).isEmpty;
  };
  for (let i = 0; i < items.length; i++) {
    for (let j = 0; j < items.length; j++) {
      if (i === j) continue;
      const small = items[i], big = items[j];
      if (!covers(big, small)) continue;
      // Two equal rules: report only the later one.
      if (covers(small, big) && j > i) continue;
      const r = small.c.rule;
      const by = `${big.p.namespace}/${big.p.name} spec.${big.c.rule.direction}[${big.c.rule.index}]`;
      add("info", "PolicyRuleRedundant", small.p, `spec.${r.direction}[${r.index}]`, r.where.at, `everything this rule allows is also allowed by ${by} (at ${big.c.rule.where.at}), on the same pods or more`, "remove one of the two rules, or narrow the other");
      break;
    }
  }
}

function ipBlocks(p: Policy): { r: Rule; i: number; peer: IpBlockPeer }[] {
  const out: { r: Rule; i: number; peer: IpBlockPeer }[] = [];
  for (const r of [...p.ingress, ...p.egress]) (r.peers ?? []).forEach((peer, i) => { if (peer.kind === "ipBlock") out.push({ r, i, peer }); });
  return out;
}

function lintEngine(a: PolicyAnalysis, input: PolicyInput, selected: Uint8Array[], add: Add, out: PolicyFinding[]): void {
  const c = a.ctx;
  const where = `cluster ${c.cluster ?? ""} ${c.enginePath ?? "networkPolicy"}`.replace(/\s+/g, " ");
  if (!a.enforced) {
    const why = c.engine === "none" ? "the cluster's networkPolicy is none: no engine enforces NetworkPolicies" : "Azure NPM is not supported on kubenet, so nothing enforces NetworkPolicies";
    for (const p of input.policies) add("warning", "NetworkPolicyNotEnforced", p, "", p.where.at, `${why}; this policy has no effect`, c.engine === "none" ? "enable an engine: az aks update --network-policy cilium (with the Cilium dataplane) or calico" : "use calico on kubenet, or migrate to Azure CNI Overlay");
    return;
  }
  const e = cidr();
  const nodes = e.set(c.nodeSubnets.map((x) => x.masked()));
  const pods = e.set(c.podCidrs.map((x) => x.masked()));
  const direct = e.set(c.directSources.map((x) => x.masked()));

  input.policies.forEach((p, pi) => {
    const targets = a.workloads.filter((_, wi) => selected[pi][wi]);
    for (const { r, i, peer } of ipBlocks(p)) {
      const field = `${r.where.path}.${r.direction === "ingress" ? "from" : "to"}[${i}].ipBlock`;
      if (c.engine === "cilium" && (peer.set.overlaps(nodes) || peer.set.overlaps(pods))) {
        add("warning", "CiliumIpBlockPodOrNodeIp", p, field, peer.where.at, `${peer.cidr} covers ${peer.set.overlaps(pods) ? "pod" : "node"} IPs, which Cilium's ipBlocks never match`, "select pods with podSelector/namespaceSelector; nodes can't be selected by ipBlock under Cilium");
      }
      if (c.engine !== "cilium" && peer.set.overlaps(pods)) {
        add("info", "PolicyIpBlockNamesPods", p, field, peer.where.at, `${peer.cidr} covers pod IPs (${c.podCidrs.join(", ")}): ${label(c.engine)} would match the pods holding them now, which change as pods come and go; aksnet matches pods by selectors only`, "select the pods with podSelector/namespaceSelector");
      }
      if (c.engine === "azure" && peer.cidr.family === 6) {
        add("error", "AzureNpmNoIpv6", p, field, peer.where.at, `Azure NPM has no IPv6 support: ${peer.cidr} is not enforced`, "use Cilium network policy for IPv6 and dual-stack");
      }
      if (r.direction === "ingress") {
        // Sources that arrive as a node IP: everything but the directly reachable ranges and the pods.
        const hidden = peer.set.difference(direct).difference(pods).difference(nodes);
        const coversNodes = c.nodeSubnets.length > 0 && c.nodeSubnets.every((n) => peer.set.contains(n.masked()));
        if (!hidden.isEmpty && (!coversNodes || c.engine === "cilium")) {
          const model = c.model === "kubenet" || c.model === "azure-cni-overlay" ? `on ${c.model} pod IPs can't be reached from outside the cluster` : "sources outside the VNet, peered VNets and on-premises come in through a load balancer";
          add("warning", "IpBlockSourceHiddenByNat", p, field, peer.where.at,
            `sources in ${hidden.equals(peer.set) ? peer.cidr.toString() : `${peer.cidr} outside the VNet, peered and on-premises ranges`} never reach these pods with their own address: ${model}, so they arrive through a Service SNATed to a node IP (externalTrafficPolicy ${EXTERNAL_TRAFFIC_POLICY_ASSUMED} assumed), which this ipBlock ${c.engine === "cilium" ? "can't match under Cilium" : "doesn't hold"}`,
            "set externalTrafficPolicy: Local on the Service to keep client IPs, or allow the node subnet");
        }
      }
    }
    if (c.engine === "cilium") {
      for (const w of targets) {
        if (w.hostNetwork) add("warning", "CiliumHostNetworkNotSubject", p, "spec.podSelector", p.podSelectorAt, `selects ${workloadName(w)}, a hostNetwork pod: Cilium applies no policy to it`, "protect the node instead (NSG, host firewall), or run the pod without hostNetwork");
      }
    }
    if (c.engine === "azure" && c.windowsPools.length) {
      const onWindows = targets.filter((w) => w.os === "windows");
      if (!onWindows.length) return;
      const names = onWindows.map(workloadName).join(", ");
      for (const r of [...p.ingress, ...p.egress]) {
        (r.ports ?? []).forEach((ps, i) => {
          if (typeof ps.port === "string") add("error", "AzureNpmWindowsNamedPort", p, `${r.where.path}.ports[${i}]`, ps.where.at, `Azure NPM on Windows doesn't support named ports (${names}): aksnet takes this entry as: ${WINDOWS_NPM_GAPS.namedPort}`, "use the port number");
          else if (ps.protocol === "SCTP") add("error", "AzureNpmWindowsSctp", p, `${r.where.path}.ports[${i}]`, ps.where.at, `Azure NPM on Windows doesn't support SCTP (${names}): this entry matches nothing`, "use Calico for SCTP on Windows, or Linux nodes");
        });
        (r.peers ?? []).forEach((peer, i) => {
          const field = `${r.where.path}.${r.direction === "ingress" ? "from" : "to"}[${i}]`;
          if (peer.kind === "ipBlock" && peer.except.length) add("error", "AzureNpmWindowsExcept", p, `${field}.ipBlock.except`, peer.where.at, `Azure NPM on Windows doesn't support except (${names}): aksnet takes the whole ${peer.cidr} as allowed`, "split the cidr into prefixes that leave the exception out");
          if (peer.kind === "selector" && (hasNegative(peer.podSelector) || hasNegative(peer.namespaceSelector))) add("error", "AzureNpmWindowsNegativeSelector", p, field, peer.where.at, `Azure NPM on Windows doesn't support NotIn or DoesNotExist (${names}): aksnet drops those requirements, so the peer matches more`, "select with In or Exists instead");
        });
      }
      if (hasNegative(p.podSelector)) add("error", "AzureNpmWindowsNegativeSelector", p, "spec.podSelector", p.podSelectorAt, `Azure NPM on Windows doesn't support NotIn or DoesNotExist (${names})`, "select with In or Exists instead");
    }
  });
  if (c.engine === "azure") {
    const pods = a.workloads.reduce((s, w) => s + w.replicas, 0);
    if (pods > AZURE_NPM_POD_LIMIT) out.push({ code: "AzureNpmScaleLimit", severity: "warning", path: where, message: `Azure NPM on Linux doesn't scale beyond ${groupDigits(AZURE_NPM_POD_LIMIT)} pods; the manifests run ${pods}`, fix: "use Cilium network policy" });
  }
  if (c.engine === "calico" && c.model === "kubenet" && c.windowsPools.length) {
    out.push({ code: "CalicoWindowsNotOnKubenet", severity: "error", path: where, message: `On kubenet Calico is the CNI and supports Linux only; Windows pools ${c.windowsPools.join(", ")} get no policy`, fix: "use Azure CNI (Calico supports Windows there)" });
  }
}
