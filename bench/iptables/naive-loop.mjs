// The reference for `aksnet iptables flows`: a plain Node loop that traces nothing. It reads the
// flows CSV, splits lines and cells, and writes one JSON line per flow (JSON.stringify of an object).
//   node bench/iptables/naive-loop.mjs FLOWS.csv > out.jsonl
import { readFileSync } from "node:fs";

const text = readFileSync(process.argv[2], "utf8");
const lines = text.split("\n");
const head = lines[0].split(",").map((c) => c.trim());
const out = [];
for (let i = 1; i < lines.length; i++) {
  const line = lines[i];
  if (!line) continue;
  const cells = line.split(",");
  const o = {};
  for (let k = 0; k < head.length; k++) {
    const v = cells[k];
    o[head[k]] = head[k] === "sport" || head[k] === "dport" ? Number(v) : v;
  }
  out.push(JSON.stringify(o));
}
process.stdout.write(out.join("\n") + "\n");
