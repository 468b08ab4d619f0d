// The input kinds the fuzz suite mutates: one entry per parser. Each has seed files (valid inputs
// from examples/), an in-process run (the engine calls a command makes, to the result it renders)
// and the CLI arguments the soak (bench/fuzz) runs the built bundle with. Adding an input kind is
// adding one entry here.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseDocument } from "yaml";
import { loadCluster, plan } from "../../src/aks/index.ts";
import { readPrefixes, bytesInput, cidr } from "../../src/cidr/index.ts";
import { parseRuleset, lintRuleset, tracePacket, parseIpsets, traceFlowFile, RulesDump } from "../../src/netfilter/index.ts";
import { readLive, liveReport } from "../../src/aks/index.ts";
import { loadPolicyInput, connectivityList } from "../../src/policy/index.ts";
import { dataplane, loadWorkload, loadNsgs, parseTraceFlowTable, traceBulk } from "../../src/dataplane/index.ts";
import { loadSweepSpec, gridSize, runSweep, partHeader, partTrailer, parsePart, mergeParts, partSpec, PartDigest } from "../../src/sweep/index.ts";
import { AksnetError, InputError } from "../../src/index.ts";

/** The repository (the soak, bundled into bench/dist, names it with AKSNET_REPO). */
export const repoRoot = (): URL => (process.env.AKSNET_REPO ? pathToFileURL(process.env.AKSNET_REPO.replace(/\/?$/, "/")) : new URL("../../../../", import.meta.url));
const read = (p: string) => readFileSync(new URL(p, repoRoot()), "utf8");
const utf8 = new TextEncoder();

export interface Seed {
  name: string;
  text: string;
}

export interface FuzzKind {
  name: string;
  seeds: () => Seed[];
  /** The engine calls of the command, in this process; returns what would be rendered. Throws an AksnetError for bad input. */
  run: (name: string, text: string) => unknown;
  /** The command line for the soak, given the mutant's file (the CLI reads it). */
  cli: (file: string) => string[];
  /** The file extension of a mutant, where the command chooses by it. */
  ext: string;
  /** Other inputs of the command (an error about how they fit together may name one of them instead). */
  others?: string[];
}

const RULES = "examples/iptables/kube-proxy-node.rules";
const rules = () => parseRuleset(read(RULES), { source: RULES });
const FLOW = { src: "10.244.1.5", dst: "10.0.0.10", proto: "udp", dport: 53 };

/** `iptables flows` as the CLI runs it (the dump's bytes, the flow file read into the core): the bytes written. */
function flowsRun(rulesText: string, rulesName: string, flowsText: string, flowsName: string, mode: "kernel" | "kube-proxy-test"): number {
  const b = utf8.encode(flowsText);
  let done = false;
  const input = { name: flowsName, read: (into: Uint8Array) => { if (done) return 0; done = true; into.set(b); return b.length; } };
  let written = 0;
  traceFlowFile(new RulesDump(utf8.encode(rulesText), rulesName), input, { mode, local: ["10.224.0.4"] }, (c) => (written += c.length));
  return written;
}

/** A spec, a sweep and its single shard written as a part (the seed of the sweep-part kind). */
function partSeed(show: "all" | "summary", format: "csv" | "json"): Seed {
  const specText = "name: tiny\nparameters:\n  model: [kubenet, azure-cni]\n  nodeSubnetPrefix: { from: 24, to: 26 }\n  maxPods: [30, 110]\n  nodeCount: [3, 10]\n";
  const spec = loadSweepSpec("tiny.yaml", specText);
  const total = gridSize(spec);
  const digest = new PartDigest();
  let rows = "";
  const run = runSweep(spec, { rows: show === "all" ? "all" : "none", format: "csv", heatmap: false, write: (b) => { digest.update(b); rows += new TextDecoder().decode(b); } });
  return { name: `tiny-${show}.part`, text: partHeader(spec, "tiny.yaml", specText, [0, 1], total, 0, total, show, format) + rows + partTrailer(run, digest) };
}

export const KINDS: FuzzKind[] = [
  {
    name: "cidr-list",
    seeds: () => ["examples/cidr/vnet-prefixes.txt", "examples/cidr/used-subnets.txt", "examples/cidr/route-table.txt"].map((p) => ({ name: p, text: read(p) })),
    run: (name, text) => {
      const r = readPrefixes([bytesInput(name, utf8.encode(text), true)]);
      if (r.errors.length) throw r.errors[0];
      return { merged: cidr().merge(r.values).toStrings(), pairs: cidr().overlappingPairsUpTo(r.values, 1000).total };
    },
    cli: (f) => ["cidr", "overlaps", f, "--format", "json"],
    ext: ".txt",
  },
  {
    name: "cluster-spec-yaml",
    seeds: () => ["examples/clusters/overlay-cilium.yaml", "examples/clusters/kubenet-legacy.yaml", "examples/clusters/static-block.yaml"].map((p) => ({ name: p, text: read(p) })),
    run: (name, text) => plan(loadCluster([{ name, text }])),
    cli: (f) => ["plan", f, "--format", "json"],
    ext: ".yaml",
  },
  {
    name: "cluster-spec-json",
    seeds: () => ["examples/clusters/overlay-cilium.yaml", "examples/clusters/static-block.yaml"].map((p) => ({ name: p.replace(/\.yaml$/, ".json"), text: JSON.stringify(parseDocument(read(p)).toJS(), null, 2) })),
    run: (name, text) => plan(loadCluster([{ name, text }])),
    cli: (f) => ["plan", f, "--format", "json"],
    ext: ".json",
  },
  {
    name: "az-json",
    seeds: () => [{ name: "aks-show.json", text: read("examples/clusters/az/aks-show.json") }],
    run: (name, text) => plan(loadCluster([{ name, text }], { vnet: { name: "vnet-show.json", text: read("examples/clusters/az/vnet-show.json") } })),
    cli: (f) => ["plan", "--cluster", f, "--vnet", "examples/clusters/az/vnet-show.json", "--format", "json"],
    ext: ".json",
    others: ["vnet-show.json"],
  },
  {
    name: "az-vnet-json",
    seeds: () => [{ name: "vnet-show.json", text: read("examples/clusters/az/vnet-show.json") }],
    run: (name, text) => plan(loadCluster([{ name: "aks-show.json", text: read("examples/clusters/az/aks-show.json") }], { vnet: { name, text } })),
    cli: (f) => ["plan", "--cluster", "examples/clusters/az/aks-show.json", "--vnet", f, "--format", "json"],
    ext: ".json",
    others: ["aks-show.json"],
  },
  {
    name: "arm",
    seeds: () => [{ name: "azuredeploy.json", text: read("examples/clusters/arm/azuredeploy.json") }],
    run: (name, text) => plan(loadCluster([{ name, text }])),
    cli: (f) => ["plan", f, "--format", "json"],
    ext: ".json",
  },
  {
    name: "iptables-save",
    seeds: () => [{ name: RULES, text: read(RULES) }],
    run: (name, text) => {
      const rs = parseRuleset(text, { source: name });
      return { lint: lintRuleset(rs), trace: tracePacket(rs, FLOW, { nodeIp: "10.224.0.4" }) };
    },
    cli: (f) => ["iptables", "trace", "--rules", f, "--src", FLOW.src, "--dst", FLOW.dst, "--proto", FLOW.proto, "--dport", String(FLOW.dport), "--format", "json"],
    ext: ".rules",
  },
  {
    name: "ipset-save",
    seeds: () => [{ name: "examples/iptables/ipsets.txt", text: read("examples/iptables/ipsets.txt") }],
    run: (name, text) => {
      const sets = parseIpsets(text, name);
      return tracePacket(rules(), FLOW, { ipsets: sets, nodeIp: "10.224.0.4" });
    },
    cli: (f) => ["iptables", "trace", "--rules", RULES, "--ipsets", f, "--src", FLOW.src, "--dst", FLOW.dst, "--proto", FLOW.proto, "--dport", String(FLOW.dport), "--format", "json"],
    ext: ".txt",
  },
  {
    name: "flows-csv",
    seeds: () => [{ name: "flows.csv", text: read("examples/iptables/flows.csv") }],
    run: (name, text) => flowsRun(read(RULES), RULES, text, name, "kube-proxy-test"),
    cli: (f) => ["iptables", "flows", "--rules", RULES, "--flows", f, "--mode", "kube-proxy-test"],
    ext: ".csv",
  },
  {
    name: "flows-jsonl",
    seeds: () => {
      const [head, ...rows] = read("examples/iptables/flows.csv").trimEnd().split("\n");
      const keys = head.split(",");
      const text = rows.map((r) => JSON.stringify(Object.fromEntries(r.split(",").map((v, i) => [keys[i], /^\d+$/.test(v) ? Number(v) : v]).filter(([, v]) => v !== "")))).join("\n") + "\n";
      return [{ name: "flows.jsonl", text }];
    },
    run: (name, text) => flowsRun(read(RULES), RULES, text, name, "kernel"),
    cli: (f) => ["iptables", "flows", "--rules", RULES, "--flows", f],
    ext: ".jsonl",
  },
  {
    name: "sweep-spec",
    seeds: () => ["examples/sweeps/small.yaml", "examples/sweeps/frontier.yaml"].map((p) => ({ name: p, text: read(p) })),
    run: (name, text) => {
      const spec = loadSweepSpec(name, text);
      // Only small grids are run here (a mutant may ask for 10^15 rows: the CLI's estimate refuses those).
      return gridSize(spec) <= 2_000 ? runSweep(spec, { rows: "none", format: "csv", heatmap: false }).evaluated : gridSize(spec);
    },
    cli: (f) => ["sweep", f, "--quiet", "--workers", "1", "--format", "json"],
    ext: ".yaml",
  },
  {
    name: "sweep-part",
    seeds: () => [partSeed("all", "csv"), partSeed("summary", "json")],
    run: (name, text) => {
      const p = parsePart(name, text);
      return mergeParts(partSpec(p), [p]).run.evaluated;
    },
    cli: (f) => ["sweep", "merge", f],
    ext: ".part",
  },
  {
    name: "iptables-save-flows",
    seeds: () => [{ name: RULES, text: read(RULES) }],
    // The flows loader (the dump's bytes into compiled records, or the parser on what it leaves).
    run: (name, text) => flowsRun(text, name, read("examples/iptables/flows.csv"), "flows.csv", "kube-proxy-test"),
    cli: (f) => ["iptables", "flows", "--rules", f, "--flows", "examples/iptables/flows.csv", "--mode", "kube-proxy-test"],
    ext: ".rules",
    others: ["flows.csv"],
  },
  {
    name: "terraform-plan",
    seeds: () => [{ name: "plan.json", text: read("examples/clusters/terraform/plan.json") }],
    run: (name, text) => plan(loadCluster([{ name, text }])),
    cli: (f) => ["plan", f, "--format", "json"],
    ext: ".json",
  },
  {
    name: "kubectl-nodes",
    seeds: () => ["examples/clusters/kubectl/nodes-overlay.json", "examples/clusters/kubectl/nnc.json"].map((p) => ({ name: p, text: read(p) })),
    run: (name, text) => {
      const c = loadCluster([{ name: "overlay-cilium.yaml", text: read("examples/clusters/overlay-cilium.yaml") }]);
      return liveReport(c, plan(c), readLive([{ name, text }]));
    },
    cli: (f) => ["plan", "examples/clusters/overlay-cilium.yaml", "--live", f, "--format", "json"],
    ext: ".json",
    others: ["overlay-cilium.yaml"],
  },
  {
    name: "k8s-manifests",
    seeds: () => ["examples/policy/app.yaml", "examples/policy/policies.yaml"].map((p) => ({ name: p, text: read(p) })),
    run: (name, text) => connectivityList(loadPolicyInput([{ name, text }])),
    cli: (f) => ["policy", "list", f, "--format", "json"],
    ext: ".yaml",
  },
  {
    name: "workload",
    seeds: () => [{ name: "workload.yaml", text: read("examples/dataplane/workload.yaml") }],
    run: (name, text) => dataplane(loadCluster([{ name: "kubenet.yaml", text: read("examples/dataplane/kubenet.yaml") }]), { workload: loadWorkload({ name, text }) }).result(),
    cli: (f) => ["dataplane", "examples/dataplane/kubenet.yaml", "--workload", f, "--format", "json"],
    ext: ".yaml",
    others: ["kubenet.yaml"],
  },
  {
    name: "nsg-json",
    seeds: () => [{ name: "nsg-vms.json", text: read("examples/dataplane/nsg-vms.json") }],
    run: (name, text) => dataplane(loadCluster([{ name: "kubenet.yaml", text: read("examples/dataplane/kubenet.yaml") }]), { nsgs: loadNsgs({ name, text }) }).result(),
    cli: (f) => ["dataplane", "examples/dataplane/kubenet.yaml", "--nsg", f, "--format", "json"],
    ext: ".json",
    others: ["kubenet.yaml"],
  },
  {
    name: "trace-flows",
    seeds: () => [{ name: "flows.csv", text: read("examples/dataplane/flows.csv") }],
    run: (name, text) => {
      const dp = dataplane(loadCluster([{ name: "kubenet.yaml", text: read("examples/dataplane/kubenet.yaml") }]), { workload: loadWorkload({ name: "workload.yaml", text: read("examples/dataplane/workload.yaml") }) });
      return traceBulk(dp, parseTraceFlowTable(new TextEncoder().encode(text), name), { source: name }).results;
    },
    cli: (f) => ["trace", "examples/dataplane/kubenet.yaml", "--workload", "examples/dataplane/workload.yaml", "--flows", f],
    ext: ".csv",
    others: ["kubenet.yaml", "workload.yaml"],
  },
];

/** Names the input in its message: "FILE: ...", "FILE:LINE: ..." or "FILE:LINE:COL: ...". */
export function located(e: InputError, names: readonly string[]): boolean {
  const first = e.message.split("\n")[0];
  return names.some((name) => first.startsWith(`${name}:`) || first.startsWith(`${name} `));
}

/** Words that mean JavaScript internals leaked into a message. */
export const LEAK = /\bundefined\b|\bNaN\b|\[object Object\]|is not a function|Cannot read properties|Invalid array length|Maximum call stack/;

export type Outcome = { ok: true; accepted: boolean } | { ok: false; why: string };

/** One mutant of one kind: accepted, refused well, or what went wrong. */
export function classify(run: (name: string, text: string) => unknown, name: string, text: string, others: readonly string[] = []): Outcome {
  try {
    const r = run(name, text);
    JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    return { ok: true, accepted: true };
  } catch (e) {
    if (!(e instanceof AksnetError)) return { ok: false, why: `${(e as Error)?.name}: ${(e as Error)?.message}` };
    if (e instanceof InputError && !located(e, [name, ...others])) return { ok: false, why: `not located: ${e.message}` };
    // A word the input itself holds (a mutant wrote "NaN") may be quoted back; others are leaks.
    const leak = LEAK.exec(e.message);
    if (leak && !text.includes(leak[0])) return { ok: false, why: `leaks internals: ${e.message}` };
    return { ok: true, accepted: false };
  }
}
