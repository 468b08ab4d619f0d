// Prints bench/results/cidr.json as the README's markdown table.
import { readFileSync } from "node:fs";
const r = JSON.parse(readFileSync(new URL("./results/cidr.json", import.meta.url), "utf8"));
const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(1)}M/s` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k/s` : `${x.toFixed(0)}/s`);
for (const w of r.workloads) {
  const peer = w.peers.find((p) => p.name === w.fastestPeer);
  const base = w.baseline ? `${fmt(w.baseline.opsPerSec)}` : "—";
  const vb = w.ratioVsBaseline !== undefined && w.ratioVsBaseline !== null ? `${w.ratioVsBaseline.toFixed(2)}×` : "—";
  console.log(`| ${w.workload} | ${fmt(w.engine.opsPerSec)} | ${w.fastestPeer} ${fmt(peer.opsPerSec)}${peer.extrapolated ? "*" : ""} | ${w.ratioVsFastestPeer.toFixed(1)}× | ${base} | ${vb} |`);
}
console.log(`\n(${r.date.slice(0, 10)}, \`${r.command}\`; * = peer measured on a subset and scaled, as the output says.)`);
