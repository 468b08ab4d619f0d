// A heatmap as a standalone SVG: one panel per model, x and y the two swept parameters, colour
// the aggregated metric on one shared scale (viridis), with axes, labels, a title and a legend.
import { groupDigits } from "../text.ts";
import type { Heatmap } from "./aggregate.ts";

// Viridis at 9 stops (matplotlib's table, sampled): perceptually even and readable in greyscale.
const VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"];

function hex(c: string): [number, number, number] {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const a = hex(VIRIDIS[i]), b = hex(VIRIDIS[i + 1]);
  const f = x - i;
  const c = a.map((v, k) => Math.round(v + (b[k] - v) * f));
  return `#${c.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const num = (v: number) => groupDigits(v);

/** Labels to show on an axis of n cells of `size` px, so that they do not overlap. */
function every(n: number, size: number, labelPx: number): number {
  return Math.max(1, Math.ceil(labelPx / size));
}

export function heatmapSvg(h: Heatmap, title: string): string {
  const nx = h.xLabels.length, ny = h.yLabels.length;
  const cw = Math.max(3, Math.min(40, Math.floor(420 / nx)));
  const ch = Math.max(3, Math.min(28, Math.floor(300 / ny)));
  const pw = cw * nx, ph = ch * ny;
  const left = 64, top = 34, gapX = 90, gapY = 92;
  const cols = Math.min(3, h.panels.length);
  const rows = Math.ceil(h.panels.length / cols);
  const legendW = 110;
  const width = 24 + cols * (left + pw) + (cols - 1) * (gapX - left) + legendW + 40;
  const header = 58;
  const height = header + rows * (top + ph + gapY) + 10;
  let lo = Infinity, hi = -Infinity;
  for (const p of h.panels) for (const r of p.cells) for (const v of r) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const empty = lo > hi;
  const scale = (v: number) => (hi > lo ? (v - lo) / (hi - lo) : 0.5);
  const valueName = h.agg === "count" ? `rows (${h.of})` : `${h.agg} ${h.value}`;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="11">`);
  out.push(`<title>${esc(title)}: ${esc(valueName)} by ${esc(h.x)} and ${esc(h.y)}</title>`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="24" y="24" font-size="16" font-weight="bold">${esc(title)}</text>`);
  out.push(`<text x="24" y="44" font-size="12" fill="#333">${esc(valueName)} by ${esc(h.x)} (x) and ${esc(h.y)} (y)${h.agg !== "count" ? `, over ${h.of === "all" ? "all rows" : h.of + " rows"}` : ""}; grey: no row</text>`);
  const xStep = every(nx, cw, 26), yStep = every(ny, ch, 13);
  h.panels.forEach((p, i) => {
    const ox = 24 + (i % cols) * (pw + gapX + (left - gapX > 0 ? 0 : 0)) + left;
    const oy = header + Math.floor(i / cols) * (top + ph + gapY) + top;
    out.push(`<g>`);
    out.push(`<text x="${ox + pw / 2}" y="${oy - 10}" text-anchor="middle" font-size="13" font-weight="bold">${esc(p.model)}</text>`);
    for (let yi = 0; yi < ny; yi++) {
      for (let xi = 0; xi < nx; xi++) {
        const v = p.cells[yi][xi];
        // y grows upwards: the first value at the bottom.
        const x = ox + xi * cw, y = oy + (ny - 1 - yi) * ch;
        const fill = v === null ? "#d9d9d9" : viridis(scale(v));
        out.push(`<rect x="${x}" y="${y}" width="${cw}" height="${ch}" fill="${fill}"><title>${esc(p.model)}: ${esc(h.x)} ${esc(h.xLabels[xi])}, ${esc(h.y)} ${esc(h.yLabels[yi])}: ${v === null ? "no row" : num(v)}</title></rect>`);
        if (v !== null && cw >= 34 && ch >= 14) {
          out.push(`<text x="${x + cw / 2}" y="${y + ch / 2 + 4}" text-anchor="middle" font-size="9" fill="${scale(v) > 0.6 ? "#000" : "#fff"}">${esc(num(v))}</text>`);
        }
      }
    }
    out.push(`<rect x="${ox}" y="${oy}" width="${pw}" height="${ph}" fill="none" stroke="#333" stroke-width="1"/>`);
    for (let xi = 0; xi < nx; xi += xStep) {
      const x = ox + xi * cw + cw / 2;
      out.push(`<line x1="${x}" y1="${oy + ph}" x2="${x}" y2="${oy + ph + 4}" stroke="#333"/>`);
      out.push(`<text x="${x}" y="${oy + ph + 15}" text-anchor="middle">${esc(h.xLabels[xi])}</text>`);
    }
    for (let yi = 0; yi < ny; yi += yStep) {
      const y = oy + (ny - 1 - yi) * ch + ch / 2;
      out.push(`<line x1="${ox - 4}" y1="${y}" x2="${ox}" y2="${y}" stroke="#333"/>`);
      out.push(`<text x="${ox - 7}" y="${y + 4}" text-anchor="end">${esc(h.yLabels[yi])}</text>`);
    }
    out.push(`<text x="${ox + pw / 2}" y="${oy + ph + 32}" text-anchor="middle" font-size="12">${esc(h.x)}</text>`);
    out.push(`<text transform="translate(${ox - 46} ${oy + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(h.y)}</text>`);
    out.push(`</g>`);
  });
  // Legend: a vertical colour bar with five ticks.
  const lx = width - legendW - 10, ly = header + top, lh = Math.max(120, Math.min(260, rows * (top + ph + gapY) - gapY - top));
  out.push(`<text x="${lx}" y="${ly - 12}" font-size="12" font-weight="bold">${esc(valueName)}</text>`);
  const steps = 40;
  for (let s = 0; s < steps; s++) {
    out.push(`<rect x="${lx}" y="${ly + (lh * s) / steps}" width="18" height="${lh / steps + 0.5}" fill="${viridis(1 - s / (steps - 1))}"/>`);
  }
  out.push(`<rect x="${lx}" y="${ly}" width="18" height="${lh}" fill="none" stroke="#333"/>`);
  if (!empty) {
    for (let t = 0; t <= (hi > lo ? 4 : 0); t++) {
      const v = hi - ((hi - lo) * t) / 4;
      const y = ly + (lh * t) / 4;
      out.push(`<line x1="${lx + 18}" y1="${y}" x2="${lx + 23}" y2="${y}" stroke="#333"/>`);
      out.push(`<text x="${lx + 26}" y="${y + 4}">${esc(num(Math.round(v)))}</text>`);
    }
  }
  out.push(`<rect x="${lx}" y="${ly + lh + 14}" width="18" height="12" fill="#d9d9d9" stroke="#333"/>`);
  out.push(`<text x="${lx + 26}" y="${ly + lh + 24}">no row</text>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
