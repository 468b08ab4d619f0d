// The sweep spec: which parameters to sweep (lists and ranges), which constraints a row must meet,
// and what to output. Read from YAML (or JSON) with errors that name the file, line and field; the
// constraints are parsed by a small tokenizer (`pods >= 20000`), never evaluated as code.
import { parseSource, inputError, pathText, positionOf, keyPositionOf, isQuoted, type Seg, type SourceDoc } from "../aks/reader.ts";
import {
  DEFAULT_MAX_SURGE, LB_MANAGED_IPS_MAX, LB_PORT_MULTIPLE, LB_PORTS_PER_IP, MAX_PODS_MAX, MAX_PODS_MIN, MODEL_IDS, SMALLEST_SUBNET_LEN,
} from "../aks/constants.ts";

/**
 * The swept parameters, outermost first: this order is the mixed-radix order of the grid (the last
 * one varies fastest), so it is part of the output contract. Every grid has all twelve; a parameter
 * the spec leaves out has one default value.
 */
export const PARAMS = [
  "model", "pools", "nodeSubnetPrefix", "podRangePrefix", "serviceCidrPrefix", "maxPods",
  "outboundType", "outboundIps", "allocatedPorts", "surge", "autoscaleMax", "nodeCount",
] as const;
export type ParamName = (typeof PARAMS)[number];
export const PARAM_INDEX = Object.fromEntries(PARAMS.map((p, i) => [p, i])) as Record<ParamName, number>;

/** outboundType codes; only loadBalancer (0) pre-allocates SNAT ports per node. */
export const OUTBOUND_TYPES = ["loadBalancer", "managedNATGateway", "userAssignedNATGateway", "userDefinedRouting", "none"] as const;

/** A surge value is encoded in one integer: a node count, or this flag plus a percentage. */
export const SURGE_PERCENT_FLAG = 0x40000000;

/**
 * Numbers a row can be filtered, ranked or mapped by. The first twelve ids are the parameters
 * (surge excluded from comparisons: it mixes counts and percentages); the rest are computed.
 */
export const METRICS = [
  ...PARAMS,
  "nodes", "pods", "maxNodes", "podCapacity", "vnetAddresses", "surgeNodes",
  "nodeSubnetRequired", "podRangeRequired", "services", "fits",
] as const;
export type MetricName = (typeof METRICS)[number];
export const METRIC_INDEX = Object.fromEntries(METRICS.map((m, i) => [m, i])) as Record<MetricName, number>;
export const METRIC_TEXT: Record<string, string> = {
  nodes: "planned nodes of all pools (pools × max(nodeCount, autoscaleMax))",
  pods: "planned pods: nodes × maxPods",
  maxNodes: "the most nodes the cluster can have keeping its pool mix: pools × the largest size every pool fits at",
  podCapacity: "maxNodes × maxPods",
  vnetAddresses: "VNet addresses taken: the node subnet, plus the pod subnet for pod-subnet models",
  surgeNodes: "upgrade surge nodes of all pools",
  nodeSubnetRequired: "node-subnet addresses the planned nodes and their surge take",
  podRangeRequired: "pod-range addresses the planned nodes and their surge take",
  services: "addresses in the service CIDR",
  fits: "1 when the planned nodes fit every limit, else 0",
};

export const OPS = [">=", "<=", ">", "<", "==", "!="] as const;
export type Op = (typeof OPS)[number];

export interface Constraint {
  text: string;
  metric: MetricName;
  op: Op;
  value: number;
}

export const SHOW = ["all", "feasible", "frontier", "summary"] as const;
export type Show = (typeof SHOW)[number];
export const OBJECTIVES = ["nodes", "pods", "maxNodes", "podCapacity"] as const;
export type Objective = (typeof OBJECTIVES)[number];
export const AGGS = ["max", "min", "count"] as const;
export const HEAT_OF = ["all", "fit", "feasible"] as const;

export interface HeatmapSpec {
  x: ParamName;
  y: ParamName;
  value: MetricName;
  agg: (typeof AGGS)[number];
  of: (typeof HEAT_OF)[number];
}

export interface SweepSpec {
  name: string;
  /** Integer codes of every parameter's values, in PARAMS order. */
  values: number[][];
  constraints: Constraint[];
  show: Show;
  maximize: Objective;
  heatmap: HeatmapSpec;
}

interface Bounds {
  min: number;
  max: number;
  /** Also allowed outside [min, max]: 0 meaning "not constrained" or "the model's default". */
  zero?: boolean;
  prefix?: boolean;
  multiple?: number;
}

const BOUNDS: Partial<Record<ParamName, Bounds>> = {
  pools: { min: 1, max: 100 },
  nodeSubnetPrefix: { min: 2, max: SMALLEST_SUBNET_LEN, prefix: true },
  podRangePrefix: { min: 2, max: 32, zero: true, prefix: true },
  serviceCidrPrefix: { min: 2, max: 32, zero: true, prefix: true },
  maxPods: { min: MAX_PODS_MIN, max: MAX_PODS_MAX, zero: true },
  outboundIps: { min: 1, max: LB_MANAGED_IPS_MAX },
  allocatedPorts: { min: 0, max: LB_PORTS_PER_IP, multiple: LB_PORT_MULTIPLE },
  autoscaleMax: { min: 0, max: 5000 },
  nodeCount: { min: 0, max: 5000 },
};

const DEFAULTS: Partial<Record<ParamName, unknown>> = {
  pools: 1, podRangePrefix: 0, serviceCidrPrefix: 0, maxPods: 0, outboundType: "loadBalancer",
  outboundIps: 1, allocatedPorts: 0, surge: DEFAULT_MAX_SURGE, autoscaleMax: 0,
};

const REQUIRED_HINT: Partial<Record<ParamName, string>> = {
  model: `e.g. model: [kubenet, azure-cni-overlay] (one or more of ${MODEL_IDS.join(", ")})`,
  nodeSubnetPrefix: "e.g. nodeSubnetPrefix: { from: 16, to: 28 }",
  nodeCount: "e.g. nodeCount: { from: 0, to: 1000, step: 50 } (nodes per pool)",
};

/** The most rows a grid may have (exact integer indices in JS numbers). */
export const MAX_GRID_SIZE = 2 ** 52;

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}

function closest(name: string, options: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const hit = options.find((o) => o.toLowerCase() === lower);
  if (hit) return hit;
  let best: string | undefined, bestD = 4;
  for (const o of options) {
    const d = editDistance(lower, o.toLowerCase());
    if (d < bestD) { bestD = d; best = o; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

class Located {
  readonly name: string;
  constructor(readonly src: SourceDoc) { this.name = src.name; }
  pos(segs: readonly Seg[]): { line: number; col: number } | undefined {
    return positionOf(this.src, segs);
  }
  /** Where a key itself is written (for unknown keys). */
  keyPos(segs: readonly Seg[], key: string): { line: number; col: number } | undefined {
    return keyPositionOf(this.src, segs, key);
  }
  fail(segs: readonly Seg[], what: string, hint?: string, at?: { line: number; col: number }, colOffset = 0): never {
    const p = at ?? this.pos(segs);
    const where = p ? `${this.name}:${p.line}:${p.col + colOffset}: ` : `${this.name}: `;
    throw inputError(`${where}${segs.length ? pathText(segs) + ": " : ""}${what}`, hint);
  }
}

function asObject(loc: Located, v: unknown, segs: Seg[], allowed: readonly string[], what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) loc.fail(segs, `expected an object, got ${typeName(v)}`);
  const obj = v as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      const near = closest(k, allowed);
      loc.fail([...segs, k], `unknown ${what} ${JSON.stringify(k)}${near ? `; did you mean ${near}?` : ""}`, `${what}s are: ${allowed.join(", ")}`, loc.keyPos(segs, k));
    }
  }
  return obj;
}

function oneOf<T extends string>(loc: Located, v: unknown, segs: Seg[], allowed: readonly T[]): T {
  if (typeof v !== "string") loc.fail(segs, `expected one of ${allowed.join(", ")}, got ${typeName(v)}`);
  const hit = allowed.find((a) => a.toLowerCase() === (v as string).trim().toLowerCase());
  if (!hit) {
    const near = closest((v as string).trim(), allowed);
    loc.fail(segs, `unknown value ${JSON.stringify(v)}${near ? `; did you mean ${near}?` : ""}`, `expected one of ${allowed.join(", ")}`);
  }
  return hit;
}

/** One scalar value of a parameter → its integer code. */
function scalar(loc: Located, p: ParamName, v: unknown, segs: Seg[]): number {
  if (p === "model") return MODEL_IDS.indexOf(oneOf(loc, v, segs, MODEL_IDS));
  if (p === "outboundType") return OUTBOUND_TYPES.indexOf(oneOf(loc, v, segs, OUTBOUND_TYPES));
  if (p === "surge") {
    if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 1000) return v;
    const m = typeof v === "string" ? /^\s*(\d+)\s*(%?)\s*$/.exec(v) : null;
    if (!m) loc.fail(segs, `expected a node count or a percentage like "33%", got ${typeName(v)}`);
    const n = Number(m[1]);
    if (m[2] === "%") {
      if (n > 100) loc.fail(segs, `surge ${n}% is out of range; expected 0% to 100%`);
      return SURGE_PERCENT_FLAG | n;
    }
    if (n > 1000) loc.fail(segs, `surge ${n} is out of range; expected 0 to 1000 nodes`);
    return n;
  }
  const b = BOUNDS[p]!;
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "string" && (b.prefix ? /^\s*\/?\d+\s*$/ : /^\s*\d+\s*$/).test(v)) n = Number(v.trim().replace("/", ""));
  else loc.fail(segs, `expected ${b.prefix ? "a prefix length like 24 or /24" : "an integer"}, got ${typeName(v)}`);
  if (!Number.isInteger(n)) loc.fail(segs, `expected an integer, got ${n}`);
  if (!(n >= b.min && n <= b.max) && !(b.zero && n === 0)) {
    loc.fail(segs, `${n} is out of range; expected ${b.zero ? "0 (" + (p === "maxPods" ? "the model's default" : "not constrained") + ") or " : ""}${b.min} to ${b.max}`);
  }
  if (b.multiple && n % b.multiple !== 0) loc.fail(segs, `${n} is not a multiple of ${b.multiple}`, `AKS accepts allocatedOutboundPorts in steps of ${b.multiple}`);
  return n;
}

/** A range {from, to, step} → the integer codes it covers. */
function range(loc: Located, p: ParamName, v: Record<string, unknown>, segs: Seg[]): number[] {
  const obj = asObject(loc, v, segs, ["from", "to", "step"], "range field");
  if (obj.from === undefined || obj.to === undefined) loc.fail(segs, "a range needs both from and to", "e.g. { from: 16, to: 28 } or { from: 10, to: 250, step: 10 }");
  if (p === "model" || p === "outboundType") loc.fail(segs, `${p} takes a list of names, not a range`);
  const from = scalar(loc, p, obj.from, [...segs, "from"]);
  const to = scalar(loc, p, obj.to, [...segs, "to"]);
  const pct = p === "surge" ? (from & SURGE_PERCENT_FLAG) : 0;
  if (p === "surge" && (from & SURGE_PERCENT_FLAG) !== (to & SURGE_PERCENT_FLAG)) loc.fail(segs, "from and to must both be counts or both percentages");
  let step = 1;
  if (obj.step !== undefined) {
    const s = typeof obj.step === "string" ? obj.step.trim().replace(/%$/, "") : obj.step;
    const n = typeof s === "string" && /^\d+$/.test(s) ? Number(s) : s;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1) loc.fail([...segs, "step"], `step must be a positive integer, got ${typeName(obj.step)}`);
    step = n as number;
  }
  const a = from & ~SURGE_PERCENT_FLAG, b = to & ~SURGE_PERCENT_FLAG;
  if (a > b) loc.fail([...segs, "from"], `bad range: from ${a} is greater than to ${b}`, "write ranges from the smaller value to the larger");
  if ((b - a) / step > 10_000_000) loc.fail(segs, "range has more than 10,000,000 values");
  const out: number[] = [];
  for (let x = a; x <= b; x += step) out.push(x | pct);
  return out;
}

function paramValues(loc: Located, p: ParamName, v: unknown, segs: Seg[]): number[] {
  let out: number[];
  if (Array.isArray(v)) {
    if (v.length === 0) loc.fail(segs, "the list is empty; give at least one value");
    out = v.flatMap((x, i) => (typeof x === "object" && x !== null && !Array.isArray(x) ? range(loc, p, x as Record<string, unknown>, [...segs, i]) : [scalar(loc, p, x, [...segs, i])]));
  } else if (typeof v === "object" && v !== null) {
    out = range(loc, p, v as Record<string, unknown>, segs);
  } else {
    out = [scalar(loc, p, v, segs)];
  }
  const seen = new Set<number>();
  for (const x of out) {
    if (seen.has(x)) loc.fail(segs, `value ${valueLabel(p, x)} is listed twice`, "each value may appear once, or rows would repeat");
    seen.add(x);
  }
  return out;
}

/** Human text of a parameter's code (0 prefixes and maxPods keep their numeric 0). */
export function valueLabel(p: ParamName, code: number): string {
  if (p === "model") return MODEL_IDS[code];
  if (p === "outboundType") return OUTBOUND_TYPES[code];
  if (p === "surge") return code & SURGE_PERCENT_FLAG ? `${code & ~SURGE_PERCENT_FLAG}%` : String(code);
  return String(code);
}

/** Parses `metric op value` (value an integer, or a name for model and outboundType). */
export function parseConstraint(text: string, fail: (what: string, col: number, hint?: string) => never): Constraint {
  const re = /\s*(?:([A-Za-z_][A-Za-z0-9_-]*)|([<>=!]+)|(-?\d[\d_,]*(?:\.\d+)?)|(\S))/y;
  const toks: { kind: "name" | "op" | "num" | "bad"; text: string; col: number }[] = [];
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    const t = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (t === undefined) break;
    const col = m.index + m[0].length - t.length + 1;
    toks.push({ kind: m[1] ? "name" : m[2] ? "op" : m[3] ? "num" : "bad", text: t, col });
  }
  const end = text.length + 1;
  const metrics = METRICS.filter((x) => x !== "surge");
  const [a, op, b, extra] = toks;
  if (!a) fail("empty constraint", 1, "write e.g. pods >= 20000");
  if (a.kind !== "name") fail(`expected a metric name, got ${JSON.stringify(a.text)}`, a.col, `metrics: ${metrics.join(", ")}`);
  const metric = metrics.find((x) => x.toLowerCase() === a.text.toLowerCase());
  if (!metric) {
    const near = closest(a.text, metrics);
    fail(`unknown metric ${JSON.stringify(a.text)}${near ? `; did you mean ${near}?` : ""}`, a.col, `metrics: ${metrics.join(", ")}`);
  }
  if (!op) fail(`expected an operator after ${metric}`, end, `one of ${OPS.join(" ")}`);
  if (op.kind !== "op") fail(`expected an operator (${OPS.join(" ")}), got ${JSON.stringify(op.text)}`, op.col);
  if (!(OPS as readonly string[]).includes(op.text) && op.text !== "=") fail(`unknown operator ${JSON.stringify(op.text)}`, op.col, `one of ${OPS.join(" ")}`);
  const opText = (op.text === "=" ? "==" : op.text) as Op;
  if (!b) fail(`expected a value after ${opText}`, end);
  let value: number;
  if (metric === "model" || metric === "outboundType") {
    const names: readonly string[] = metric === "model" ? MODEL_IDS : OUTBOUND_TYPES;
    if (opText !== "==" && opText !== "!=") fail(`${metric} can only be compared with == or !=`, op.col);
    const full = text.slice(b.col - 1).trim();
    const hit = names.find((x) => x.toLowerCase() === full.toLowerCase());
    if (!hit) fail(`unknown ${metric} ${JSON.stringify(full)}`, b.col, `expected one of ${names.join(", ")}`);
    return { text: text.trim(), metric, op: opText, value: names.indexOf(hit) };
  }
  if (b.kind !== "num") fail(`expected a number, got ${JSON.stringify(b.text)}`, b.col);
  value = Number(b.text.replace(/[_,]/g, ""));
  if (!Number.isInteger(value) || !Number.isSafeInteger(value)) fail(`expected an integer, got ${b.text}`, b.col);
  if (extra) fail(`unexpected ${JSON.stringify(extra.text)} after the value; write one comparison per list item`, extra.col, "constraints:\n  - pods >= 20000\n  - nodes >= 300");
  return { text: text.trim(), metric, op: opText, value };
}

const TOP = ["name", "parameters", "constraints", "output"] as const;
const OUTPUT = ["show", "maximize", "heatmap"] as const;
const HEAT = ["x", "y", "value", "agg", "of"] as const;

/** Reads a sweep spec; any mistake is an InputError naming the file, line and field. */
export function loadSweepSpec(name: string, text: string): SweepSpec {
  if (text.trim() === "") throw inputError(`${name}: the sweep spec is empty`, "a sweep spec has parameters: (model, nodeSubnetPrefix, nodeCount, …); see examples/sweeps/");
  const src = parseSource(name, text);
  const loc = new Located(src);
  const top = asObject(loc, src.value, [], TOP, "top-level key");
  if (top.parameters === undefined) loc.fail([], "no parameters given", "a sweep spec has parameters: (model, nodeSubnetPrefix, nodeCount, …), and optionally constraints: and output:");
  const params = asObject(loc, top.parameters, ["parameters"], PARAMS, "parameter");
  const values: number[][] = PARAMS.map((p) => {
    const v = params[p];
    if (v === undefined || v === null) {
      if (!(p in DEFAULTS)) loc.fail(["parameters"], `${p} is required`, REQUIRED_HINT[p]);
      return [scalar(loc, p, DEFAULTS[p], ["parameters", p])];
    }
    return paramValues(loc, p, v, ["parameters", p]);
  });
  let size = 1;
  for (const v of values) size *= v.length;
  if (size > MAX_GRID_SIZE) loc.fail(["parameters"], `the grid has ${size.toExponential(2)} configurations, more than 2^52`);

  const constraints: Constraint[] = [];
  if (top.constraints !== undefined && top.constraints !== null) {
    const list = Array.isArray(top.constraints) ? top.constraints : [top.constraints];
    list.forEach((c, i) => {
      const segs: Seg[] = Array.isArray(top.constraints) ? ["constraints", i] : ["constraints"];
      if (typeof c !== "string") loc.fail(segs, `expected a comparison like "pods >= 20000", got ${typeName(c)}`);
      // Column inside the YAML line: the scalar starts at the node; a quoted scalar has one more.
      const quoted = isQuoted(src, segs) ? 1 : 0;
      constraints.push(parseConstraint(c as string, (what, col, hint) => loc.fail(segs, `${JSON.stringify(c)}: ${what}`, hint, undefined, col - 1 + quoted)));
    });
    if (constraints.length > 8) loc.fail(["constraints"], `at most 8 constraints, got ${constraints.length}`);
  }

  let show: Show = "summary", maximize: Objective = "maxNodes";
  let heatmap: HeatmapSpec = { x: "nodeSubnetPrefix", y: "maxPods", value: "maxNodes", agg: "max", of: "fit" };
  if (top.output !== undefined && top.output !== null) {
    if (typeof top.output === "string") show = oneOf(loc, top.output, ["output"], SHOW);
    else {
      const o = asObject(loc, top.output, ["output"], OUTPUT, "output key");
      if (o.show !== undefined) show = oneOf(loc, o.show, ["output", "show"], SHOW);
      if (o.maximize !== undefined) maximize = oneOf(loc, o.maximize, ["output", "maximize"], OBJECTIVES);
      if (o.heatmap !== undefined && o.heatmap !== null) {
        const h = asObject(loc, o.heatmap, ["output", "heatmap"], HEAT, "heatmap key");
        const axes = PARAMS.filter((p) => p !== "model");
        heatmap = {
          x: h.x !== undefined ? oneOf(loc, h.x, ["output", "heatmap", "x"], axes) : heatmap.x,
          y: h.y !== undefined ? oneOf(loc, h.y, ["output", "heatmap", "y"], axes) : heatmap.y,
          value: h.value !== undefined ? oneOf(loc, h.value, ["output", "heatmap", "value"], METRICS.filter((m) => m !== "surge")) : heatmap.value,
          agg: h.agg !== undefined ? oneOf(loc, h.agg, ["output", "heatmap", "agg"], AGGS) : heatmap.agg,
          of: h.of !== undefined ? oneOf(loc, h.of, ["output", "heatmap", "of"], HEAT_OF) : heatmap.of,
        };
        if (heatmap.x === heatmap.y) loc.fail(["output", "heatmap"], `x and y are both ${heatmap.x}; pick two different parameters`);
      }
    }
  }
  const nameV = top.name;
  if (nameV !== undefined && typeof nameV !== "string") loc.fail(["name"], `expected a string, got ${typeName(nameV)}`);
  return { name: (nameV as string | undefined) ?? name, values, constraints, show, maximize, heatmap };
}

/** Rows in the grid. */
export function gridSize(spec: Pick<SweepSpec, "values">): number {
  return spec.values.reduce((n, v) => n * v.length, 1);
}

/** A stable fingerprint of what a sweep computes (FNV-1a 64 over its canonical JSON), for shard parts. */
export function specFingerprint(spec: SweepSpec): string {
  const canon = JSON.stringify({ v: spec.values, c: spec.constraints.map((c) => [c.metric, c.op, c.value]), m: spec.maximize, h: spec.heatmap });
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < canon.length; i++) h = ((h ^ BigInt(canon.charCodeAt(i))) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, "0");
}
