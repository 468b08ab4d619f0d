// aksnet cidr <verb>: IP planning on the engine's CIDR core (info, contains, merge, exclude,
// overlaps, lookup, free). Each verb parses flags, calls the engine, renders (render/cidr.ts).
// Inputs are read as bytes into the core (io.ts inputsFrom); bulk output is formatted by the core.
import type { Command } from "commander";
import {
  cidr, readPrefixes, mergeInputs, infoRows, originOf, parseLabelledTable, PrefixBatch,
  type ByteInput, type ReadResult,
} from "@aksnet/engine/cidr";
import { ParseError } from "@aksnet/engine";
import { type ParseMode } from "@aksnet/engine/core";
import { inputsFrom, readSource, isFilePath, parseFormat, UsageError, InputError, EXIT_FINDINGS, formatOption } from "../io.ts";
import { renderInfo, renderContains, renderMerge, renderExclude, renderOverlaps, renderLookup, renderFree } from "../render/cidr.ts";
import type { Register } from "./index.ts";

const MAX_SHOWN_ERRORS = 10;

/** All errors (up to 10) in one message, in input order, then exit 2 like any unreadable input. */
function throwErrors(errors: ParseError[], errorCount: number): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length) {
    const shown = errors.slice(0, MAX_SHOWN_ERRORS).map((e) => e.message);
    if (errorCount > MAX_SHOWN_ERRORS) shown.push(`... and ${errorCount - MAX_SHOWN_ERRORS} more errors`);
    throw new InputError(shown.join("\nerror: "), `${errorCount} lines could not be parsed`);
  }
}

/** Reads every input as bytes into one resident batch; any bad line stops the command (exit 2). */
export function readValues(inputs: readonly ByteInput[], mode: ParseMode = "either"): ReadResult {
  const r = readPrefixes(inputs, { mode });
  throwErrors(r.errors, r.errorCount);
  return r;
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

/**
 * Pairs listed by default: n copies of one prefix are n(n-1)/2 pairs (20,000 lines: 2 × 10^8,
 * gigabytes of output), so past this many the rest are counted, not listed.
 */
export const DEFAULT_MAX_PAIRS = 100_000;

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


  cmd
    .command("info")
    .description("network, first and last address, size and host bits of each prefix or address")
    .argument("[values...]", "prefixes, addresses, files or -")
    .addOption(formatOption())
    .action((values: string[], o: { format: string }) => {
      const format = parseFormat(o.format);
      const { values: b, sources } = readValues(inputsFrom(values, "prefixes"));
      renderInfo(infoRows(cidr(), b, (i) => originOf(sources, b, i)), format);
    });

  cmd
    .command("contains")
    .description("whether each value lies inside the container (a prefix, or a file of prefixes)")
    .argument("<container>", "prefix, file of prefixes, or -")
    .argument("[values...]", "addresses or prefixes to test, files or -")
    .addOption(formatOption())
    .action((container: string, values: string[], o: { format: string }) => {
      const format = parseFormat(o.format);
      const space = readValues(inputsFrom([container], "container")).values;
      const { values: b } = readValues(inputsFrom(values, "values to test"));
      const e = cidr();
      const set = e.set(space);
      const table = e.lpm(space.toPrefixes().map((prefix, value) => ({ prefix, value })));
      const firsts = table.lookupBatch(e.firstAddresses(b));
      const rows = Array.from({ length: b.length }, (_, i) => {
        const p = b.get(i)!;
        const inside = set.contains(p);
        return { value: p.bits === p.bitLength ? p.addr.toString() : p.toString(), contained: inside, by: inside ? space.get(firsts[i])?.toString() : undefined };
      });
      renderContains(set.prefixes().toStrings(), rows, format);
    });

  cmd
    .command("merge")
    .description("collapse to the minimal sorted prefix list covering the same addresses")
    .argument("[values...]", "prefixes, files or -")
    .addOption(formatOption())
    .action((values: string[], o: { format: string }) => {
      const format = parseFormat(o.format);
      // Streamed: each chunk is parsed and folded into the running set of ranges.
      const r = mergeInputs(inputsFrom(values, "prefixes"));
      throwErrors(r.errors, r.errorCount);
      renderMerge(r.merged, r.count, format);
      r.merged.dispose();
    });

  cmd
    .command("exclude")
    .description("addresses of the inputs minus those of --remove, as the minimal prefix list")
    .argument("[values...]", "prefixes, files or -")
    .requiredOption("-r, --remove <values...>", "prefixes or files to subtract")
    .addOption(formatOption())
    .action((values: string[], o: { format: string; remove: string[] }) => {
      const format = parseFormat(o.format);
      const a = readValues(inputsFrom(values, "prefixes")).values;
      const b = readValues(inputsFrom(o.remove, "prefixes to remove", { stdinIfEmpty: false })).values;
      renderExclude(cidr().exclude(a, b), format);
    });

  cmd
    .command("overlaps")
    .description("every pair of inputs that share addresses (exit 1 when there is one)")
    .argument("[values...]", "prefixes, files or -")
    .option("--max-pairs <n>", `list at most n pairs, then count the rest (0: no limit)`, String(DEFAULT_MAX_PAIRS))
    .addOption(formatOption())
    .action((values: string[], o: { format: string; maxPairs: string }) => {
      const format = parseFormat(o.format);
      if (!/^\d+$/.test(o.maxPairs) || Number(o.maxPairs) > 0x7fffffff) throw new UsageError(`--max-pairs must be a whole number up to 2147483647 (0: no limit), not ${JSON.stringify(o.maxPairs)}`);
      const max = Number(o.maxPairs) || 0x7fffffff;
      const { values: b, sources } = readValues(inputsFrom(values, "prefixes"));
      const { pairs, total } = cidr().overlappingPairsUpTo(b, max);
      if (total) setExit(EXIT_FINDINGS);
      renderOverlaps(pairs, b, sources, format, total);
    });

  cmd
    .command("lookup")
    .description("longest-prefix match of each address against a table of \"prefix [label]\" lines")
    .requiredOption("-t, --table <file>", "table file: one \"prefix label\" per line")
    .argument("[addresses...]", "addresses, files or -")
    .addOption(formatOption())
    .action((addresses: string[], o: { format: string; table: string }) => {
      const format = parseFormat(o.format);
      if (o.table !== "-" && !isFilePath(o.table)) throw new UsageError(`--table ${o.table}: no such file`);
      const tableSrc = readSource(o.table);
      // Each entry's LPM value is its position in the table, which maps back to its label.
      const { entries, labels } = parseLabelledTable(cidr(), tableSrc.text, tableSrc.name);
      const table = cidr().lpm(entries);
      const { values: b } = readValues(inputsFrom(addresses, "addresses"), "address");
      const hits = table.lookupBatch(b);
      const results = Array.from({ length: b.length }, (_, i) => {
        const k = hits[i];
        return k === 0xffffffff
          ? { address: b.addr(i)!.toString(), match: null, label: null }
          : { address: b.addr(i)!.toString(), match: entries.get(k)!.toString(), label: labels[k] || null };
      });
      renderLookup(tableSrc.name, entries.length, results, format);
    });

  cmd
    .command("free")
    .description("allocate free prefixes of a size inside a space, avoiding used prefixes (best fit)")
    .requiredOption("-s, --space <values...>", "the space to allocate from (prefixes or files), e.g. the VNet address space")
    .option("-u, --used <values...>", "prefixes already taken (prefixes or files)", [])
    .requiredOption("--size <length>", "prefix length to allocate, e.g. 24")
    .option("-n, --count <n>", "how many prefixes", "1")
    .addOption(formatOption())
    .action((o: { space: string[]; used: string[]; size: string; count: string; format: string }) => {
      const format = parseFormat(o.format);
      const bits = parseLength(o.size);
      const count = parsePositiveInt("--count", o.count, 1_000_000);
      const space = readValues(inputsFrom(o.space, "space", { stdinIfEmpty: false })).values;
      const used = o.used.length ? readValues(inputsFrom(o.used, "used prefixes", { stdinIfEmpty: false })).values : PrefixBatch.empty();
      const family = space.length ? space.family(0) : 4;
      if (family === 4 && bits > 32) throw new UsageError(`--size ${bits} is longer than an IPv4 prefix can be`);
      const e = cidr();
      const got = e.allocate(space, used, bits, count, family as 4 | 6);
      const free = e.exclude(space, used);
      const short = got.length < count;
      if (short) setExit(EXIT_FINDINGS);
      renderFree({ size: bits, requested: count, allocated: got.map(String), complete: !short, freeBefore: free.toStrings(), space: space.toStrings() }, format);
    });
};
