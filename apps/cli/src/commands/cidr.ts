// aksnet cidr <verb>: IP planning on the engine's CIDR core (info, contains, merge, exclude,
// overlaps, lookup, free). Each verb parses flags, calls one engine function, renders.
import type { Command } from "commander";
import { cidr, concatBatches, PrefixBatch } from "@aksnet/engine/cidr";
import { Prefix, ParseError } from "@aksnet/engine";
import { type ParseMode } from "@aksnet/engine/core";
import { sourcesFrom, parseFormat, out, json, warn, color, UsageError, InputError, EXIT_FINDINGS, type Source } from "../io.ts";
import type { Register } from "./index.ts";

interface Parsed {
  values: PrefixBatch;
  /** "file:line" or "argument N" per value. */
  origins: string[];
}

const MAX_SHOWN_ERRORS = 10;

/** Parses every source; all errors are reported (up to 10), then the first is thrown (exit 2). */
export function parseSources(sources: Source[], mode: ParseMode = "either"): Parsed {
  const batches: PrefixBatch[] = [];
  const origins: string[] = [];
  const errors: ParseError[] = [];
  let errorCount = 0;
  for (const s of sources) {
    const r = cidr().parseList(s.text, { mode, source: s.name });
    errorCount += r.errorCount;
    errors.push(...r.errors);
    batches.push(r.values);
    for (let i = 0; i < r.records.length; i++) {
      if (r.records.family(i)) origins.push(s.isFile ? `${s.name}:${r.records.line(i)}` : s.name);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length) {
    // Every error (up to 10) in one message, in input order; exit 2 like any unreadable input.
    const shown = errors.slice(0, MAX_SHOWN_ERRORS).map((e) => e.message);
    if (errorCount > MAX_SHOWN_ERRORS) shown.push(`... and ${errorCount - MAX_SHOWN_ERRORS} more errors`);
    throw new InputError(shown.join("\nerror: "), `${errorCount} lines could not be parsed`);
  }
  return { values: concatBatches(batches.length ? batches : [PrefixBatch.empty()]), origins };
}

function parsePositiveInt(name: string, v: string, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new UsageError(`${name} must be an integer from 1 to ${max}, not ${JSON.stringify(v)}`);
  return Number(v);
}

function parseLength(v: string): number {
  const m = /^\/?(\d{1,3})$/.exec(v);
  if (!m || Number(m[1]) > 128) throw new UsageError(`--size must be a prefix length like 24 or /24, not ${JSON.stringify(v)}`);
  return Number(m[1]);
}

export const registerCidr: Register = (program, setExit) => {
  const cmd = program
    .command("cidr")
    .description("IP planning verbs on the CIDR core: info, contains, merge, exclude, overlaps, lookup, free")
    .addHelpText(
      "after",
      `
Values come as arguments, as files (one per line, "#" comments allowed) or "-" for stdin.
Examples:
  aksnet cidr info 10.240.0.0/12 2001:db8::/56
  aksnet cidr merge examples/cidr/vnet-prefixes.txt
  aksnet cidr free --space 10.224.0.0/12 --used examples/cidr/used-subnets.txt --size 24 --count 3`,
    );

  const fmt = "output format: text or json";

  cmd
    .command("info")
    .description("network, first and last address, size and host bits of each prefix or address")
    .argument("[values...]", "prefixes, addresses, files or -")
    .option("--format <format>", fmt, "text")
    .action((values: string[], o: { format: string }) => {
      const format = parseFormat(o.format);
      const { values: b, origins } = parseSources(sourcesFrom(values, "prefixes"));
      const e = cidr();
      const masked = e.masked(b), first = e.firstAddresses(b), last = e.lastAddresses(b);
      const rows = Array.from({ length: b.length }, (_, i) => {
        const p = b.get(i)!;
        return {
          input: p.toString(),
          prefix: masked.get(i)!.toString(),
          family: p.family === 4 ? "IPv4" : "IPv6",
          first: first.addr(i)!.toString(),
          last: last.addr(i)!.toString(),
          size: p.size.toString(),
          hostBitsSet: p.hasHostBits,
          origin: origins[i],
        };
      });
      if (format === "json") return json({ prefixes: rows });
      const c = color();
      for (const r of rows) {
        out(`${c.bold(r.prefix)}${r.hostBitsSet ? c.yellow(`  (written ${r.input}: host bits set)`) : ""}`);
        out(`  family ${r.family}   first ${r.first}   last ${r.last}   size ${BigInt(r.size).toLocaleString("en-US")}`);
      }
    });

  cmd
    .command("contains")
    .description("whether each value lies inside the container (a prefix, or a file of prefixes)")
    .argument("<container>", "prefix, file of prefixes, or -")
    .argument("[values...]", "addresses or prefixes to test, files or -")
    .option("--format <format>", fmt, "text")
    .action((container: string, values: string[], o: { format: string }) => {
      const format = parseFormat(o.format);
      const space = parseSources(sourcesFrom([container], "container")).values;
      const { values: b } = parseSources(sourcesFrom(values, "values to test"));
      const e = cidr();
      const set = e.set(space);
      const table = e.lpm(space.toPrefixes().map((prefix, value) => ({ prefix, value })));
      const firsts = table.lookupBatch(e.firstAddresses(b));
      const rows = Array.from({ length: b.length }, (_, i) => {
        const p = b.get(i)!;
        const inside = set.contains(p);
        return { value: p.bits === p.bitLength ? p.addr.toString() : p.toString(), contained: inside, by: inside ? space.get(firsts[i])?.toString() : undefined };
      });
      if (format === "json") return json({ container: set.prefixes().toStrings(), results: rows });
      const c = color();
      for (const r of rows) out(`${r.value}  ${r.contained ? c.green("yes") + c.dim(`  (in ${r.by})`) : c.red("no")}`);
    });

  cmd
    .command("merge")
    .description("collapse to the minimal sorted prefix list covering the same addresses")
    .argument("[values...]", "prefixes, files or -")
    .option("--format <format>", fmt, "text")
    .action((values: string[], o: { format: string }) => {
      const format = parseFormat(o.format);
      const { values: b } = parseSources(sourcesFrom(values, "prefixes"));
      const merged = cidr().merge(b);
      if (format === "json") return json({ input: b.length, prefixes: merged.toStrings() });
      out(merged.toStrings().join("\n"));
      warn(`${b.length} in, ${merged.length} out`);
    });

  cmd
    .command("exclude")
    .description("addresses of the inputs minus those of --remove, as the minimal prefix list")
    .argument("[values...]", "prefixes, files or -")
    .requiredOption("-r, --remove <values...>", "prefixes or files to subtract")
    .option("--format <format>", fmt, "text")
    .action((values: string[], o: { format: string; remove: string[] }) => {
      const format = parseFormat(o.format);
      const a = parseSources(sourcesFrom(values, "prefixes")).values;
      const b = parseSources(sourcesFrom(o.remove, "prefixes to remove", { stdinIfEmpty: false })).values;
      const rest = cidr().exclude(a, b);
      if (format === "json") return json({ prefixes: rest.toStrings() });
      if (rest.length) out(rest.toStrings().join("\n"));
      else warn("nothing is left");
    });

  cmd
    .command("overlaps")
    .description("every pair of inputs that share addresses (exit 1 when there is one)")
    .argument("[values...]", "prefixes, files or -")
    .option("--format <format>", fmt, "text")
    .action((values: string[], o: { format: string }) => {
      const format = parseFormat(o.format);
      const { values: b, origins } = parseSources(sourcesFrom(values, "prefixes"));
      const pairs = cidr().overlappingPairs(b);
      const items = pairs.map(([i, j]) => ({
        a: b.get(i)!.toString(), aOrigin: origins[i], b: b.get(j)!.toString(), bOrigin: origins[j],
        relation: b.get(i)!.bits === b.get(j)!.bits ? "same" : b.get(i)!.contains(b.get(j)!) ? "contains" : "inside",
      }));
      if (pairs.length) setExit(EXIT_FINDINGS);
      if (format === "json") return json({ count: items.length, pairs: items });
      const c = color();
      for (const p of items) {
        const verb = p.relation === "same" ? "is the same range as" : p.relation === "contains" ? "contains" : "is inside";
        out(`${c.bold(p.a)} ${c.dim(`(${p.aOrigin})`)} ${verb} ${c.bold(p.b)} ${c.dim(`(${p.bOrigin})`)}`);
      }
      warn(pairs.length ? `${pairs.length} overlapping pair${pairs.length > 1 ? "s" : ""} among ${b.length} prefixes` : `no overlaps among ${b.length} prefixes`);
    });

  cmd
    .command("lookup")
    .description("longest-prefix match of each address against a table of \"prefix [label]\" lines")
    .requiredOption("-t, --table <file>", "table file: one \"prefix label\" per line")
    .argument("[addresses...]", "addresses, files or -")
    .option("--format <format>", fmt, "text")
    .action((addresses: string[], o: { format: string; table: string }) => {
      const format = parseFormat(o.format);
      const [tableSrc] = sourcesFrom([o.table], "table");
      if (!tableSrc.isFile) throw new UsageError(`--table ${o.table}: no such file`);
      // Split "prefix label..." lines; the prefixes go through the core's parser with their line numbers.
      const lines = tableSrc.text.split("\n");
      const labels: string[] = [];
      const prefixText = lines
        .map((l) => {
          const t = l.replace(/(^|\s)#.*$/, "").trim();
          const sp = t.search(/\s/);
          labels.push(sp < 0 ? "" : t.slice(sp).trim());
          return sp < 0 ? t : t.slice(0, sp);
        })
        .join("\n");
      const parsed = cidr().parseList(prefixText, { mode: "prefix", source: tableSrc.name });
      if (parsed.errors.length) throw parsed.errors[0];
      const rows: number[] = [];
      for (let i = 0; i < parsed.records.length; i++) if (parsed.records.family(i)) rows.push(i);
      const entries = parsed.values;
      // Each entry's LPM value is its position, which maps back to its line (for the label).
      const table = cidr().lpm(entries.withValues(rows.map((_, k) => k)));
      const { values: b } = parseSources(sourcesFrom(addresses, "addresses"), "address");
      const hits = table.lookupBatch(b);
      const results = Array.from({ length: b.length }, (_, i) => {
        const k = hits[i];
        return k === 0xffffffff
          ? { address: b.addr(i)!.toString(), match: null, label: null }
          : { address: b.addr(i)!.toString(), match: entries.get(k)!.toString(), label: labels[rows[k]] || null };
      });
      if (format === "json") return json({ table: tableSrc.name, entries: entries.length, results });
      const c = color();
      for (const r of results) out(r.match ? `${r.address}  ${c.bold(r.match)}${r.label ? "  " + r.label : ""}` : `${r.address}  ${c.dim("no match")}`);
    });

  cmd
    .command("free")
    .description("allocate free prefixes of a size inside a space, avoiding used prefixes (best fit)")
    .requiredOption("-s, --space <values...>", "the space to allocate from (prefixes or files), e.g. the VNet address space")
    .option("-u, --used <values...>", "prefixes already taken (prefixes or files)", [])
    .requiredOption("--size <length>", "prefix length to allocate, e.g. 24")
    .option("-n, --count <n>", "how many prefixes", "1")
    .option("--format <format>", fmt, "text")
    .action((o: { space: string[]; used: string[]; size: string; count: string; format: string }) => {
      const format = parseFormat(o.format);
      const bits = parseLength(o.size);
      const count = parsePositiveInt("--count", o.count, 1_000_000);
      const space = parseSources(sourcesFrom(o.space, "space", { stdinIfEmpty: false })).values;
      const used = o.used.length ? parseSources(sourcesFrom(o.used, "used prefixes", { stdinIfEmpty: false })).values : PrefixBatch.empty();
      const family = space.length ? space.family(0) : 4;
      if (family === 4 && bits > 32) throw new UsageError(`--size ${bits} is longer than an IPv4 prefix can be`);
      const e = cidr();
      const got = e.allocate(space, used, bits, count, family as 4 | 6);
      const free = e.exclude(space, used);
      const short = got.length < count;
      if (short) setExit(EXIT_FINDINGS);
      if (format === "json") {
        return json({ size: bits, requested: count, allocated: got.map(String), complete: !short, freeBefore: free.toStrings() });
      }
      if (got.length) out(got.map(String).join("\n"));
      if (short) {
        warn(`${color().red("error")}: only ${got.length} of ${count} free /${bits} prefixes fit in ${space.toStrings().join(", ")}`);
        warn(`free space: ${free.length ? free.toStrings().join(", ") : "none"}`);
      }
    });
};
