// Set contents for `-m set --match-set NAME src|dst`: read from `ipset save` output, or from a
// JSON map { "name": ["10.0.0.1", "10.1.0.0/16", "10.0.0.2,tcp:80", ...] }. A rule naming a set
// that is not given never matches (the kernel would not have loaded it) and the trace says so.
import { ParseError } from "../errors.ts";
import { inPrefix, parseNetPrefix, type NetAddr } from "./net.ts";
import type { NetPrefix } from "./model.ts";

export interface IpsetEntry {
  prefix?: NetPrefix;
  /** Second dimension of hash:ip,port / hash:net,port sets. */
  proto?: number;
  port?: number;
  /** Member set of a list:set. */
  member?: string;
  /** hash:net "nomatch" entries carve holes. */
  nomatch: boolean;
}

export interface Ipset {
  name: string;
  type: string;
  entries: IpsetEntry[];
  line: number;
}

export type IpsetDb = Map<string, Ipset>;

const PROTO: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58, udplite: 136 };

function parseEntry(text: string, type: string, where: () => { line: number; col: number; input: string; source: string }): IpsetEntry {
  const nomatch = false;
  if (type === "list:set") return { member: text, nomatch };
  const [addr, second] = text.split(",");
  let prefix: NetPrefix | undefined;
  try {
    prefix = parseNetPrefix(addr);
  } catch (e) {
    const w = where();
    if (e instanceof ParseError) throw new ParseError({ code: e.code, what: "parseIpsets", input: w.input, reason: `bad member ${JSON.stringify(addr)}: ${e.reason}`, column: w.col, line: w.line, source: w.source });
    throw e;
  }
  const entry: IpsetEntry = { prefix, nomatch };
  if (second !== undefined) {
    const m = /^(?:([a-z0-9]+):)?(\d{1,5})$/.exec(second);
    if (!m) {
      const w = where();
      throw new ParseError({ code: "BadSetMember", what: "parseIpsets", input: w.input, reason: `bad port part ${JSON.stringify(second)} (expected tcp:80 or 80)`, column: w.col, line: w.line, source: w.source });
    }
    entry.proto = m[1] ? PROTO[m[1]] ?? -1 : 6;
    entry.port = Number(m[2]);
  }
  return entry;
}

/** `ipset save` text ("create NAME TYPE ..." / "add NAME MEMBER [nomatch]") or a JSON object map. */
export function parseIpsets(text: string, source = "ipsets"): IpsetDb {
  const db: IpsetDb = new Map();
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{")) {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw new ParseError({ code: "BadJson", what: "parseIpsets", input: trimmed.slice(0, 80), reason: (e as Error).message, column: 1, line: 1, source });
    }
    for (const [name, members] of Object.entries(obj as Record<string, unknown>)) {
      if (!Array.isArray(members)) throw new ParseError({ code: "BadSetMember", what: "parseIpsets", input: name, reason: `set ${name}: expected an array of members`, column: 1, line: 1, source });
      const set: Ipset = { name, type: "hash:net", entries: [], line: 1 };
      for (const m of members) set.entries.push(parseEntry(String(m), "hash:net", () => ({ line: 1, col: 1, input: String(m), source })));
      db.set(name, set);
    }
    return db;
  }
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    const t = line.trim();
    if (!t || t.startsWith("#")) return;
    const words = t.split(/\s+/);
    const where = (k: number) => () => ({ line: i + 1, col: line.indexOf(words[k]) + 1, input: line, source });
    if (words[0] === "create" || words[0] === "-N") {
      if (words.length < 3) throw new ParseError({ code: "BadIpset", what: "parseIpsets", input: line, reason: "create needs a name and a type", column: 1, line: i + 1, source });
      db.set(words[1], { name: words[1], type: words[2], entries: [], line: i + 1 });
    } else if (words[0] === "add" || words[0] === "-A") {
      if (words.length < 3) throw new ParseError({ code: "BadIpset", what: "parseIpsets", input: line, reason: "add needs a set name and a member", column: 1, line: i + 1, source });
      const set = db.get(words[1]);
      if (!set) throw new ParseError({ code: "SetNotCreated", what: "parseIpsets", input: line, reason: `set ${words[1]} is added to before its "create" line`, column: line.indexOf(words[1]) + 1, line: i + 1, source });
      if (!words[2]) throw new ParseError({ code: "BadIpset", what: "parseIpsets", input: line, reason: "add needs a member", column: line.length + 1, line: i + 1, source });
      const e = parseEntry(words[2], set.type, where(2));
      e.nomatch = words.includes("nomatch");
      set.entries.push(e);
    } else {
      throw new ParseError({ code: "BadIpset", what: "parseIpsets", input: line, reason: `expected "create" or "add" (ipset save format), not ${JSON.stringify(words[0])}`, column: line.indexOf(words[0]) + 1, line: i + 1, source });
    }
  });
  return db;
}

export interface SetProbe {
  src: NetAddr;
  dst: NetAddr;
  proto: number;
  sport: number;
  dport: number;
}

/** Whether the packet is in the set, each dimension taken from src or dst as the rule's flags say. */
export function setMatches(db: IpsetDb, name: string, dirs: ("src" | "dst")[], p: SetProbe, depth = 0): boolean {
  const set = db.get(name);
  if (!set || depth > 8) return false;
  const addr = dirs[0] === "dst" ? p.dst : p.src;
  const port = dirs[1] === "src" ? p.sport : p.dport;
  let hit = false;
  let bestBits = -1;
  for (const e of set.entries) {
    if (e.member !== undefined) {
      if (setMatches(db, e.member, dirs, p, depth + 1)) return true;
      continue;
    }
    if (!e.prefix || !inPrefix(addr, e.prefix)) continue;
    if (e.port !== undefined && (dirs.length < 2 || e.port !== port || e.proto !== p.proto)) continue;
    // hash:net: the most specific entry decides, so a "nomatch" /28 carves a hole in a /24.
    if (e.prefix.bits > bestBits) {
      bestBits = e.prefix.bits;
      hit = !e.nomatch;
    }
  }
  return hit;
}
