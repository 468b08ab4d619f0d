// `cidr merge FILE` with cidr-tools' mergeCidr, the best JS peer (bench/e2e): read the file, drop
// blank lines and "#" comments, merge, print one prefix a line.
import { readFileSync, writeSync } from "node:fs";
import { mergeCidr } from "cidr-tools";

const path = process.argv[2];
if (!path) {
  process.stderr.write("usage: node cidr-tools-merge.mjs FILE\n");
  process.exit(2);
}
const values = [];
for (const raw of readFileSync(path, "utf8").split("\n")) {
  const line = raw.replace(/(^|[ \t])#.*$/, "").trim();
  if (line) values.push(line);
}
const merged = mergeCidr(values);
const text = merged.join("\n") + "\n";
const buf = Buffer.from(text);
for (let off = 0; off < buf.length; ) off += writeSync(1, buf, off);
