// Connection sets: which (protocol, port) pairs a rule or a pair of workloads allows. NetworkPolicy
// speaks of three protocols (TCP, UDP, SCTP) and ports 1-65535; a set keeps, per protocol, sorted,
// non-overlapping, non-adjacent port intervals. Port sets are tiny (a few intervals), so plain
// arrays beat any cleverness here; address sets, which can be large, go through the cidr engine.

export const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/** Flat [lo0, hi0, lo1, hi1, ...] intervals of one protocol. */
type Intervals = readonly number[];

const FULL: Intervals = [MIN_PORT, MAX_PORT];
const EMPTY: Intervals = [];

function unionIv(a: Intervals, b: Intervals): Intervals {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  if (a === FULL || b === FULL) return FULL;
  const all: [number, number][] = [];
  for (let i = 0; i < a.length; i += 2) all.push([a[i], a[i + 1]]);
  for (let i = 0; i < b.length; i += 2) all.push([b[i], b[i + 1]]);
  all.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [lo, hi] of all) {
    const n = out.length;
    if (n && lo <= out[n - 1] + 1) out[n - 1] = Math.max(out[n - 1], hi);
    else out.push(lo, hi);
  }
  return out.length === 2 && out[0] === MIN_PORT && out[1] === MAX_PORT ? FULL : out;
}

function intersectIv(a: Intervals, b: Intervals): Intervals {
  if (a.length === 0 || b.length === 0) return EMPTY;
  if (a === FULL) return b;
  if (b === FULL) return a;
  const out: number[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i], b[j]), hi = Math.min(a[i + 1], b[j + 1]);
    if (lo <= hi) out.push(lo, hi);
    if (a[i + 1] < b[j + 1]) i += 2;
    else j += 2;
  }
  return out.length === 2 && out[0] === MIN_PORT && out[1] === MAX_PORT ? FULL : out;
}

function subsetIv(a: Intervals, b: Intervals): boolean {
  if (a.length === 0 || b === FULL) return true;
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    while (j < b.length && b[j + 1] < a[i]) j += 2;
    if (j >= b.length || b[j] > a[i] || b[j + 1] < a[i + 1]) return false;
  }
  return true;
}

function equalIv(a: Intervals, b: Intervals): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function containsIv(a: Intervals, port: number): boolean {
  for (let i = 0; i < a.length; i += 2) if (port >= a[i] && port <= a[i + 1]) return true;
  return false;
}

/** An immutable set of (protocol, port) pairs. */
export class ConnSet {
  private constructor(readonly tcp: Intervals, readonly udp: Intervals, readonly sctp: Intervals) {}

  static readonly ALL = new ConnSet(FULL, FULL, FULL);
  static readonly NONE = new ConnSet(EMPTY, EMPTY, EMPTY);

  /** Ports lo..hi of one protocol (the whole range when lo and hi are omitted). */
  static of(protocol: Protocol, lo = MIN_PORT, hi = lo === MIN_PORT ? MAX_PORT : lo): ConnSet {
    const iv = lo === MIN_PORT && hi === MAX_PORT ? FULL : [lo, hi];
    return new ConnSet(protocol === "TCP" ? iv : EMPTY, protocol === "UDP" ? iv : EMPTY, protocol === "SCTP" ? iv : EMPTY);
  }

  private static make(tcp: Intervals, udp: Intervals, sctp: Intervals): ConnSet {
    if (tcp === FULL && udp === FULL && sctp === FULL) return ConnSet.ALL;
    if (!tcp.length && !udp.length && !sctp.length) return ConnSet.NONE;
    return new ConnSet(tcp, udp, sctp);
  }

  ports(p: Protocol): Intervals {
    return p === "TCP" ? this.tcp : p === "UDP" ? this.udp : this.sctp;
  }

  get isAll(): boolean {
    return this === ConnSet.ALL;
  }

  get isEmpty(): boolean {
    return this === ConnSet.NONE;
  }

  union(o: ConnSet): ConnSet {
    if (this.isAll || o.isEmpty) return this;
    if (o.isAll || this.isEmpty) return o;
    return ConnSet.make(unionIv(this.tcp, o.tcp), unionIv(this.udp, o.udp), unionIv(this.sctp, o.sctp));
  }

  intersect(o: ConnSet): ConnSet {
    if (this.isAll || o.isEmpty) return o;
    if (o.isAll || this.isEmpty) return this;
    return ConnSet.make(intersectIv(this.tcp, o.tcp), intersectIv(this.udp, o.udp), intersectIv(this.sctp, o.sctp));
  }

  /** Whether every pair of this set is in o. */
  subsetOf(o: ConnSet): boolean {
    return subsetIv(this.tcp, o.tcp) && subsetIv(this.udp, o.udp) && subsetIv(this.sctp, o.sctp);
  }

  equals(o: ConnSet): boolean {
    return equalIv(this.tcp, o.tcp) && equalIv(this.udp, o.udp) && equalIv(this.sctp, o.sctp);
  }

  has(protocol: Protocol, port: number): boolean {
    return containsIv(this.ports(protocol), port);
  }

  /**
   * netpol-analyzer's text: "All Connections", "No Connections", or one "PROTO ports" group per
   * protocol with ports, the groups sorted as strings (so SCTP, TCP, UDP) and joined by ",", each
   * group's intervals ascending as "a" or "a-b" joined by "," — e.g. "TCP 80,8080-8090,UDP 53".
   */
  toString(): string {
    if (this.isAll) return "All Connections";
    if (this.isEmpty) return "No Connections";
    const groups: string[] = [];
    for (const p of PROTOCOLS) {
      const iv = this.ports(p);
      if (!iv.length) continue;
      const parts: string[] = [];
      for (let i = 0; i < iv.length; i += 2) parts.push(iv[i] === iv[i + 1] ? `${iv[i]}` : `${iv[i]}-${iv[i + 1]}`);
      groups.push(`${p} ${parts.join(",")}`);
    }
    return groups.sort().join(",");
  }
}
