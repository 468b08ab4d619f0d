// aksnet policy list|eval|explain|lint PATH...: Kubernetes NetworkPolicies on this cluster's model
// and engine. PATHs are manifest files, directories (read recursively: .yaml, .yml, .json) or "-".
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Option, type Command } from "commander";
import {
  connectivityList, streamConnectivityList, explainConnection, lintPolicies, loadPolicyContext, loadPolicyInput, PROTOCOLS,
  type ManifestText, type PolicyContext, type PolicyInput, type Protocol,
} from "@aksnet/engine/policy";
import { EXIT_FINDINGS, UsageError, InputError, json, out, parseFormat, readSource, warn, writeStdout } from "../io.ts";
import { listWriter, renderDecision, renderLint, renderList, type ListFormat } from "../render/policy.ts";
import type { Register } from "./index.ts";

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

function walk(dir: string, into: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new InputError(`cannot read ${dir}: ${(e as Error).message}`);
  }
  for (const n of names) {
    const p = join(dir, n);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, into);
    else if (MANIFEST_EXT.test(n)) into.push(p);
  }
}

/** Manifest files and directories (read recursively), or "-" for stdin, as the policy commands read them. */
export function readManifestPaths(paths: string[]): ManifestText[] {
  if (!paths.length) throw new UsageError("no manifests given", "pass manifest files or directories (read recursively), or - for stdin");
  const files: string[] = [];
  for (const p of paths) {
    let dir = false;
    if (p !== "-") {
      try {
        dir = statSync(p).isDirectory();
      } catch {
        dir = false; // readSource reports the missing file
      }
    }
    if (dir) walk(p, files);
    else files.push(p);
  }
  return files.map((f) => {
    const s = readSource(f);
    return { name: s.name, text: s.text };
  });
}

interface Common {
  cluster?: string;
  vnet?: string;
  format?: string;
}

function load(paths: string[], o: Common): { input: PolicyInput; ctx?: PolicyContext } {
  const input = loadPolicyInput(readManifestPaths(paths));
  for (const n of input.notes) warn(`note: ${n.at}: ${n.message}`);
  if (o.vnet && !o.cluster) throw new UsageError("--vnet needs --cluster");
  const read = (p: string) => { const s = readSource(p); return { name: s.name, text: s.text }; };
  const ctx = o.cluster ? loadPolicyContext([read(o.cluster)], o.vnet ? { vnet: read(o.vnet) } : {}) : undefined;
  return { input, ctx };
}

function common(cmd: Command, formats = "text or json"): Command {
  return cmd
    .argument("[paths...]", "manifest files or directories (YAML or JSON; directories recursively); - for stdin")
    .option("--cluster <file>", "apply this cluster's network model and policy engine (spec, az aks show JSON or ARM)")
    .option("--vnet <file>", "the cluster's VNet (az network vnet show JSON), with --cluster")
    .addOption(new Option("--format <format>", `output format: ${formats}`).default("text"));
}

function connOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--from <workload|ip>", "source: namespace/name[Kind], namespace/name, name or an IP address")
    .requiredOption("--to <workload|ip>", "destination, as --from")
    .requiredOption("--port <n>", "destination port")
    .option("--proto <protocol>", "TCP, UDP or SCTP", "TCP");
}

function portArg(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new UsageError(`--port must be a number from 1 to 65535, not ${JSON.stringify(v)}`);
  return Number(v);
}

function protoArg(v: string): Protocol {
  const p = PROTOCOLS.find((x) => x === v.toUpperCase());
  if (!p) throw new UsageError(`--proto must be TCP, UDP or SCTP, not ${JSON.stringify(v)}`);
  return p;
}

export const registerPolicy: Register = (program, setExit) => {
  const policy = program.command("policy").description("Kubernetes NetworkPolicies on the cluster's network model and policy engine: list, eval, explain, lint");

  common(policy.command("list").description("the connectivity list: one line per allowed connection, SRC => DST : CONN (netpol-analyzer's format)"), "text, json, csv, md or dot")
    .addHelpText("after", `
Examples:
  aksnet policy list manifests/
  aksnet policy list app.yaml policies.yaml --cluster examples/clusters/kubenet-legacy.yaml
  aksnet policy list manifests/ --format json`)
    .action((paths: string[], o: Common) => {
      const format = (o.format ?? "text") as ListFormat;
      if (!["text", "json", "csv", "md", "dot"].includes(format)) throw new UsageError(`--format must be text, json, csv, md or dot, not ${JSON.stringify(o.format)}`);
      const { input, ctx } = load(paths, o);
      if (format === "dot") {
        const l = connectivityList(input, ctx);
        for (const n of l.notes) warn(`note: ${n}`);
        return writeStdout(Buffer.from(renderList(l, format)));
      }
      // The other forms stream: the engine emits the lines in order, the writer flushes chunks.
      const w = listWriter(format, writeStdout);
      const { notes } = streamConnectivityList(input, ctx, w.line);
      w.end();
      for (const n of notes) warn(`note: ${n}`);
    });

  for (const [name, explain] of [["eval", false], ["explain", true]] as const) {
    connOptions(common(policy.command(name).description(explain
      ? "allowed or denied, with the deciding rules: the policies selecting each side, the rule that allows, or the default deny"
      : "is this connection allowed? exit 0 when allowed, 1 when denied")))
      .action((paths: string[], o: Common & { from: string; to: string; port: string; proto: string }) => {
        const format = parseFormat(o.format);
        const { input, ctx } = load(paths, o);
        const d = explainConnection(input, ctx, o.from, o.to, portArg(o.port), protoArg(o.proto));
        if (!d.allowed) setExit(EXIT_FINDINGS);
        if (format === "json") return json(d);
        process.stdout.write(renderDecision(d, explain));
      });
  }

  common(policy.command("lint").description("policies that select nothing, rules that never match, redundant rules; with --cluster, what its engine and model do with them"))
    .action((paths: string[], o: Common) => {
      const format = parseFormat(o.format);
      const { input, ctx } = load(paths, o);
      const r = lintPolicies(input, ctx);
      if (r.summary.errors) setExit(EXIT_FINDINGS);
      if (format === "json") return json(r);
      out(renderLint(r));
    });
};
