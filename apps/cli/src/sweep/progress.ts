// Progress of a sweep on stderr: a bar when stderr is a terminal, a plain line every 5 s
// otherwise, nothing with --quiet; and the closing line with the rate.
import { groupDigits } from "@aksnet/engine";

export const fmt = (x: number) => groupDigits(x);

function rate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(1)}M` : r >= 1e3 ? `${(r / 1e3).toFixed(1)}k` : r.toFixed(0);
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export class Progress {
  private t0 = performance.now();
  private last = 0;
  private timer?: NodeJS.Timeout;
  private tty = !!process.stderr.isTTY;
  done = 0;

  constructor(readonly total: number, readonly quiet: boolean, readonly workers: number) {
    if (!quiet) this.timer = setInterval(() => this.draw(), this.tty ? 100 : 5000);
    this.timer?.unref();
  }

  private line(): string {
    const s = (performance.now() - this.t0) / 1000;
    const r = this.done / Math.max(s, 1e-9);
    const left = r > 0 ? (this.total - this.done) / r : Infinity;
    const pct = this.total ? (100 * this.done) / this.total : 100;
    return `${pct.toFixed(1).padStart(5)}% ${fmt(this.done)}/${fmt(this.total)} rows  ${rate(r)} rows/s  ${duration(left)} left`;
  }

  draw(): void {
    if (this.quiet) return;
    if (this.tty) {
      const width = 28;
      const fill = this.total ? Math.round((width * this.done) / this.total) : width;
      process.stderr.write(`\r\x1b[2Ksweep [${"█".repeat(fill)}${"░".repeat(width - fill)}] ${this.line()}`);
    } else if (this.done !== this.last) {
      process.stderr.write(`sweep: ${this.line()}\n`);
    }
    this.last = this.done;
  }

  end(interrupted: boolean): void {
    clearInterval(this.timer);
    if (this.quiet) return;
    const s = (performance.now() - this.t0) / 1000;
    if (this.tty) process.stderr.write("\r\x1b[2K");
    process.stderr.write(`sweep: ${fmt(this.done)} of ${fmt(this.total)} rows in ${s.toFixed(1)} s (${rate(this.done / Math.max(s, 1e-9))} rows/s, ${this.workers} worker${this.workers === 1 ? "" : "s"})${interrupted ? " — interrupted, writing what finished" : ""}\n`);
  }
}
