// Reading Kubernetes manifests: YAML (multi-document, flow style) or JSON, `kind: List` and the
// `*List` kinds `kubectl get -o yaml` prints. Each object comes back as a located view (reader.ts
// Node), so every later error can say file:line:col. Aliases are capped (a YAML bomb is an
// InputError, not an out-of-memory) and an alias with no anchor is a located error.
import { parseAllDocuments, parseDocument, LineCounter, visit, type Document } from "yaml";
import { InputError } from "../errors.ts";
import { Node, DOC_LIMITS, depthExceeds, type SourceDoc } from "../aks/reader.ts";
import type { Note } from "./model.ts";

/** Aliases per document before the input is refused (Kubernetes manifests rarely use any). */
export const MAX_ALIASES = 100;

export interface ManifestText {
  name: string;
  text: string;
}

export interface Manifest {
  kind: string;
  apiVersion: string;
  node: Node;
}

function located(name: string, lines: LineCounter, offset: number | undefined): string {
  if (offset === undefined) return name;
  const p = lines.linePos(offset);
  return `${name}:${p.line}:${p.col}`;
}

function checkAliases(name: string, doc: Document, lines: LineCounter): void {
  let count = 0;
  visit(doc, {
    Alias(_, alias) {
      count++;
      if (!alias.resolve(doc)) {
        throw new InputError(`${located(name, lines, alias.range?.[0])}: invalid YAML: alias *${alias.source} has no anchor before it`, "define the anchor (&name) before using it, or write the value out");
      }
      if (count > MAX_ALIASES) {
        throw new InputError(`${located(name, lines, alias.range?.[0])}: invalid YAML: more than ${MAX_ALIASES} aliases in one document`, "write the values out instead of aliasing them");
      }
    },
  });
}

function docs(file: ManifestText): SourceDoc[] {
  const { name, text } = file;
  const lines = new LineCounter();
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    // JSON: parsed as JSON (tabs and all), positions from the YAML parser (YAML 1.2 reads JSON).
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined; // fall through to the YAML parser, which locates the error
    }
    if (value !== undefined) {
      if (depthExceeds(value, DOC_LIMITS.maxDepth)) throw new InputError(`${name}: lists and objects are nested more than ${DOC_LIMITS.maxDepth} deep`, "docs/limits.md lists the bounds per input kind");
      const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
      return [{ name, value, doc: doc.errors.length ? undefined : doc, lines }];
    }
  }
  const out: SourceDoc[] = [];
  const tooDeep = (where: string) => new InputError(`${where}: invalid YAML: nested too deeply to read (more than ${DOC_LIMITS.maxDepth} levels are refused)`, "docs/limits.md lists the bounds per input kind");
  let all;
  try {
    all = parseAllDocuments(text, { lineCounter: lines });
  } catch (e) {
    if (e instanceof RangeError) throw tooDeep(name);
    throw e;
  }
  for (const doc of all) {
    if (doc.errors.length) {
      const e = doc.errors[0];
      const pos = e.linePos?.[0];
      const where = pos ? `${name}:${pos.line}:${pos.col}` : name;
      // The parser reports a stack overflow on deep nesting as this code, not as a RangeError.
      if (e.code === "RESOURCE_EXHAUSTION") throw tooDeep(where);
      throw new InputError(`${where}: invalid YAML: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
    }
    checkAliases(name, doc, lines);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      if (e instanceof ReferenceError) throw new InputError(`${located(name, lines, doc.contents?.range?.[0])}: invalid YAML: ${e.message}`);
      if (e instanceof RangeError) throw tooDeep(located(name, lines, doc.contents?.range?.[0]));
      throw e;
    }
    if (depthExceeds(value, DOC_LIMITS.maxDepth)) throw tooDeep(located(name, lines, doc.contents?.range?.[0]));
    if (value === null || value === undefined) continue; // an empty document ("---" at the end)
    out.push({ name, value, doc, lines });
  }
  return out;
}

/** Every object in the files, Lists expanded; objects without a kind are located errors. */
export function readManifests(files: readonly ManifestText[], notes: Note[]): Manifest[] {
  const out: Manifest[] = [];
  const take = (n: Node) => {
    if (!n.isObject()) n.fail(n.segs, "expected a Kubernetes object (a mapping with apiVersion and kind)");
    const kind = n.str("kind");
    if (!kind) n.fail(n.segs, "the object has no kind", "every Kubernetes object needs apiVersion and kind");
    const apiVersion = n.str("apiVersion") ?? "";
    if (kind === "List" || kind.endsWith("List")) {
      for (const item of n.list("items") ?? []) take(item);
      return;
    }
    out.push({ kind, apiVersion, node: n });
  };
  for (const f of files) {
    if (f.text.trim() === "") {
      notes.push({ at: f.name, message: "empty file skipped" });
      continue;
    }
    for (const src of docs(f)) {
      const root = new Node(src, src.value, []);
      if (Array.isArray(src.value)) {
        // A bare JSON array of objects.
        (src.value as unknown[]).forEach((v, i) => take(new Node(src, v, [i])));
      } else take(root);
    }
  }
  return out;
}
