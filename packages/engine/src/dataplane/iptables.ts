// One node's `iptables-save` in kube-proxy's iptables-mode layout (v1.28+: KUBE-SERVICES,
// KUBE-SVC-*, KUBE-SEP-*, KUBE-EXT-*, KUBE-FW-*, KUBE-SVL-*, KUBE-NODEPORTS, KUBE-MARK-MASQ,
// KUBE-POSTROUTING, KUBE-PROXY-FIREWALL, REJECT for Services without endpoints) plus
// azure-ip-masq-agent's IP-MASQ-AGENT chain, so a user can diff it against a real node and the
// netfilter engine can trace it. The same layout as bench/iptables/gen.mjs, which the netfilter
// tests already trace. [kubernetes pkg/proxy/iptables/proxier.go; Azure/ip-masq-agent-v2]
import { chainHash } from "./chain-names.ts";
import { KUBE_MARK_DROP, KUBE_MARK_MASQ } from "./constants.ts";
import type { DpNode, DpService } from "./result.ts";

export interface RulesetInput {
  node: DpNode;
  services: readonly DpService[];
  /** kube-proxy --cluster-cidr: traffic from outside it to a ClusterIP is masqueraded. */
  clusterCidr: string;
  nonMasqueradeCidrs: readonly string[];
  /** ip-masq-agent-v2 returns link-local unless masqLinkLocal is set. [IMA2] */
  masqLinkLocal?: boolean;
}

const DATE = "Thu Jan  1 00:00:00 2026";

/** " -m statistic --mode random --probability 1/n" as kube-proxy prints it, by n (n = 1: none). */
const probs: string[] = ["", ""];
function probability(n: number): string {
  let p = probs[n];
  if (p === undefined) probs[n] = p = ` -m statistic --mode random --probability ${(1 / n).toFixed(11)}`;
  return p;
}

/**
 * The text being generated. Chains' rules are added as they are made and printed in declaration
 * order at the end. Bytes: rule lines go to a UTF-8 buffer, 64 KB at a time, as they are made, so no
 * string per line lives until the end (100,000 lines of strings were most of the generator's
 * garbage collection); Strings: the same text from strings, for non-ASCII inputs (the bytes'
 * offsets are counted in characters, and a lone surrogate would not survive UTF-8).
 */
interface TextOut {
  /** Appends lines (each ending in "\n") to chain c's rules. */
  add(c: string, lines: string): void;
  /** Appends text to the output. */
  put(t: string): void;
  /** Appends chain c's rules to the output. */
  putChain(c: string): void;
  done(): string;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * UTF-8 bytes, written in pieces of about 64 KB (one encode per piece, not per line). Offsets are
 * counted in characters, which are bytes while the text is ASCII; `ascii` says whether it was.
 */
class ByteBuf {
  a: Uint8Array;
  n = 0;
  /** `size`: the room to start with (the buffer doubles when it is full). */
  constructor(size = 1 << 16) {
    this.a = new Uint8Array(size);
  }
  ascii = true;
  private pend = "";
  /** The offset the next write starts at (while ascii). */
  get pos(): number {
    return this.n + this.pend.length;
  }
  room(k: number): void {
    if (this.n + k <= this.a.length) return;
    const b = new Uint8Array(Math.max(this.a.length * 2, this.n + k));
    b.set(this.a.subarray(0, this.n));
    this.a = b;
  }
  write(t: string): void {
    this.pend += t;
    if (this.pend.length >= 1 << 16) this.flush();
  }
  flush(): void {
    const t = this.pend;
    if (!t) return;
    this.room(t.length * 3);
    const w = utf8.encodeInto(t, this.a.subarray(this.n)).written;
    if (w !== t.length) this.ascii = false;
    this.n += w;
    this.pend = "";
  }
}

/** One buffer: the chains' rules first (every add comes before the first put), then the output, which copies them within it. */
class BytesOut implements TextOut {
  private readonly b: ByteBuf;
  constructor(size?: number) {
    this.b = new ByteBuf(size);
  }
  /** Where the output starts (-1: still adding rules). */
  private outStart = -1;
  /** Each chain's ranges in the rules: start, end, start, end, ... */
  private readonly ranges = new Map<string, number[]>();
  add(c: string, lines: string): void {
    if (this.outStart >= 0) throw new Error("internal: a chain's rules added after the output started");
    const a = this.b.pos;
    this.b.write(lines);
    const e = this.b.pos;
    const r = this.ranges.get(c);
    if (r === undefined) this.ranges.set(c, [a, e]);
    else if (r[r.length - 1] === a) r[r.length - 1] = e;
    else r.push(a, e);
  }
  private start(): void {
    if (this.outStart >= 0) return;
    this.b.flush();
    this.outStart = this.b.n;
    // Room for the rules' copy and the rest (declarations and the rules written in order: under
    // half the chains' rules on kube-proxy's layout), so the buffer grows at most once more. (A
    // fixed 1 MiB here cost each of a bulk run's hundred small rulesets a fresh megabyte.)
    this.b.room(this.b.n + (this.b.n >> 1) + OUT_FIXED);
  }
  put(t: string): void {
    this.start();
    this.b.write(t);
  }
  putChain(c: string): void {
    const r = this.ranges.get(c);
    if (r === undefined) return;
    this.start();
    const b = this.b;
    b.flush();
    for (let i = 0; i < r.length; i += 2) {
      const len = r[i + 1] - r[i];
      b.room(len);
      b.a.copyWithin(b.n, r[i], r[i + 1]);
      b.n += len;
    }
  }
  /** Whether the text was all ASCII (else the offsets were not bytes, and a lone surrogate would not have come through). */
  ascii(): boolean {
    this.b.flush();
    return this.b.ascii;
  }
  done(): string {
    this.start();
    this.b.flush();
    return fromUtf8.decode(this.b.a.subarray(this.outStart, this.b.n));
  }
}

class StringsOut implements TextOut {
  private readonly byChain = new Map<string, string>();
  private readonly out: string[] = [];
  add(c: string, lines: string): void {
    const t = this.byChain.get(c);
    this.byChain.set(c, t === undefined ? lines : t + lines);
  }
  put(t: string): void {
    this.out.push(t);
  }
  putChain(c: string): void {
    const t = this.byChain.get(c);
    if (t !== undefined) this.out.push(t);
  }
  done(): string {
    return this.out.join("");
  }
}

/** The output's part that does not grow with the Services (headers, built-in chains, ip-masq-agent's rules), with room to spare. */
const OUT_FIXED = 32 << 10;

/**
 * Room for the text twice (the chains' rules, then the output that copies them), estimated from
 * the Services with some to spare: growing by doubling copied ~2x the final size and touched fresh
 * memory each time (a 14 MB ruleset wrote 64 MB), while room never written costs next to nothing.
 * (Measured on generated rulesets: ~480 bytes a Service endpoint, ~900 a Service port, ~8 KB fixed.)
 */
function textRoom(inp: RulesetInput): number {
  let bytes = OUT_FIXED;
  for (const s of inp.services) bytes += s.ports.length * (1200 + 600 * s.endpoints.length) + 200 * s.loadBalancerSourceRanges.length;
  return 2 * bytes;
}

/** `strings`: build the text from strings only (the path taken for non-ASCII inputs; tests compare the two). */
export function nodeRuleset(inp: RulesetInput, opts: { strings?: boolean } = {}): string {
  if (!opts.strings) {
    const bytes = new BytesOut(textRoom(inp));
    generate(inp, bytes);
    if (bytes.ascii()) return bytes.done();
  }
  const strings = new StringsOut();
  generate(inp, strings);
  return strings.done();
}

function generate(inp: RulesetInput, tx: TextOut): void {
  const { node, services, clusterCidr } = inp;
  const natChains = new Set<string>();
  const nat: string[] = [];
  const filt: string[] = [];
  const svcRules: string[] = [];
  const nodePortRules: string[] = [];
  const add = (c: string, r: string) => tx.add(c, r + "\n");
  let needDrop = false;
  for (const s of services) {
    const eps = s.endpoints;
    const local = s.externalTrafficPolicy === "Local";
    let localEps: typeof eps | undefined;
    for (const p of s.ports) {
      const key = p.name ? `${s.namespace}/${s.name}:${p.name}` : `${s.namespace}/${s.name}`;
      // SVC, EXT, FW and SVL chains of a Service port share one hash (kube-proxy's portProtoHash).
      const hash = chainHash(key + p.proto);
      const svc = "KUBE-SVC-" + hash;
      const m = `-p ${p.proto} -m comment --comment`;
      const hasExternal = p.nodePort !== undefined || s.loadBalancerIP !== undefined;
      if (!eps.length) {
        filt.push(`-A KUBE-SERVICES -d ${s.clusterIP}/32 ${m} "${key} has no endpoints" -m ${p.proto} --dport ${p.port} -j REJECT --reject-with icmp-port-unreachable`);
        if (s.loadBalancerIP) filt.push(`-A KUBE-EXTERNAL-SERVICES -d ${s.loadBalancerIP}/32 ${m} "${key} has no endpoints" -m ${p.proto} --dport ${p.port} -j REJECT --reject-with icmp-port-unreachable`);
        if (p.nodePort !== undefined) filt.push(`-A KUBE-EXTERNAL-SERVICES ${m} "${key} has no endpoints" -m addrtype --dst-type LOCAL -m ${p.proto} --dport ${p.nodePort} -j REJECT --reject-with icmp-port-unreachable`);
        continue;
      }
      if (local && hasExternal) localEps ??= eps.filter((e) => e.node === node.name);
      if (local && hasExternal && !localEps!.length) {
        if (s.loadBalancerIP) filt.push(`-A KUBE-EXTERNAL-SERVICES -d ${s.loadBalancerIP}/32 ${m} "${key} has no local endpoints" -m ${p.proto} --dport ${p.port} -j DROP`);
        if (p.nodePort !== undefined) filt.push(`-A KUBE-EXTERNAL-SERVICES ${m} "${key} has no local endpoints" -m addrtype --dst-type LOCAL -m ${p.proto} --dport ${p.nodePort} -j DROP`);
      }
      natChains.add(svc);
      svcRules.push(`-A KUBE-SERVICES -d ${s.clusterIP}/32 ${m} "${key} cluster IP" -m ${p.proto} --dport ${p.port} -j ${svc}`);
      const ext = "KUBE-EXT-" + hash;
      if (s.loadBalancerIP) {
        if (s.loadBalancerSourceRanges.length) {
          const fw = "KUBE-FW-" + hash;
          natChains.add(fw);
          svcRules.push(`-A KUBE-SERVICES -d ${s.loadBalancerIP}/32 ${m} "${key} loadbalancer IP" -m ${p.proto} --dport ${p.port} -j ${fw}`);
          for (const r of s.loadBalancerSourceRanges) add(fw, `-A ${fw} -s ${r} -m comment --comment "${key} loadbalancer IP" -j ${ext}`);
          add(fw, `-A ${fw} -m comment --comment "other traffic to ${key} will be dropped by KUBE-PROXY-FIREWALL"`);
          filt.push(`-A KUBE-PROXY-FIREWALL -d ${s.loadBalancerIP}/32 ${m} "${key} traffic not accepted by ${fw}" -m ${p.proto} --dport ${p.port} -j DROP`);
        } else {
          svcRules.push(`-A KUBE-SERVICES -d ${s.loadBalancerIP}/32 ${m} "${key} loadbalancer IP" -m ${p.proto} --dport ${p.port} -j ${ext}`);
        }
      }
      if (p.nodePort !== undefined) nodePortRules.push(`-A KUBE-NODEPORTS ${m} "${key}" -m ${p.proto} --dport ${p.nodePort} -j ${ext}`);
      const sepKey = key + p.proto;
      const sepTail = ":" + p.targetPort;
      const sepOf = (ip: string) => "KUBE-SEP-" + chainHash(sepKey + ip + sepTail);
      if (hasExternal) {
        natChains.add(ext);
        if (local) {
          const svl = "KUBE-SVL-" + hash;
          const le = localEps!;
          add(ext, `-A ${ext} -s ${clusterCidr} -m comment --comment "pod traffic for ${key} external destinations" -j ${svc}`);
          add(ext, `-A ${ext} -m comment --comment "masquerade LOCAL traffic for ${key} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
          add(ext, `-A ${ext} -m comment --comment "route LOCAL traffic for ${key} external destinations" -m addrtype --src-type LOCAL -j ${svc}`);
          add(ext, `-A ${ext} -j ${svl}`);
          natChains.add(svl);
          if (!le.length) {
            needDrop = true;
            add(svl, `-A ${svl} -m comment --comment "${key} has no local endpoints" -j KUBE-MARK-DROP`);
          }
          for (let i = 0; i < le.length; i++) {
            const e = le[i];
            add(svl, `-A ${svl} -m comment --comment "${key} -> ${e.address}${sepTail}"${probability(le.length - i)} -j ${sepOf(e.address)}`);
          }
        } else {
          add(ext, `-A ${ext} -m comment --comment "masquerade traffic for ${key} external destinations" -j KUBE-MARK-MASQ`);
          add(ext, `-A ${ext} -j ${svc}`);
        }
      }
      // The SVC chain's lines (one text, written at once), then each SEP chain's.
      let svcText = `-A ${svc} ! -s ${clusterCidr} -d ${s.clusterIP}/32 ${m} "${key} cluster IP" -m ${p.proto} --dport ${p.port} -j KUBE-MARK-MASQ\n`;
      const seps = eps.map((e) => sepOf(e.address));
      if (s.sessionAffinity) {
        for (let i = 0; i < eps.length; i++) svcText += `-A ${svc} -m comment --comment "${key} -> ${eps[i].address}${sepTail}" -m recent --name ${seps[i]} --mask 255.255.255.255 --rsource --rcheck --seconds 10800 --reap -j ${seps[i]}\n`;
      }
      for (let i = 0; i < eps.length; i++) svcText += `-A ${svc} -m comment --comment "${key} -> ${eps[i].address}${sepTail}"${probability(eps.length - i)} -j ${seps[i]}\n`;
      tx.add(svc, svcText);
      const rec = s.sessionAffinity ? " -m recent --set --name " : "";
      for (let i = 0; i < eps.length; i++) {
        const a = eps[i].address, sep = seps[i];
        natChains.add(sep);
        tx.add(sep, `-A ${sep} -s ${a}/32 -m comment --comment "${key}" -j KUBE-MARK-MASQ\n-A ${sep} ${m} "${key}"${rec && rec + sep + " --mask 255.255.255.255 --rsource"} -m ${p.proto} -j DNAT --to-destination ${a}${sepTail}\n`);
      }
    }
  }
  const natDecl = ["KUBE-MARK-MASQ", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-SERVICES"];
  if (needDrop) natDecl.push("KUBE-MARK-DROP");
  natDecl.push(...[...natChains].sort(), "IP-MASQ-AGENT");
  nat.push(`-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`);
  nat.push(`-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`);
  nat.push(`-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING`);
  nat.push(`-A POSTROUTING -m comment --comment "ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom IP-MASQ-AGENT chain" -m addrtype ! --dst-type LOCAL -j IP-MASQ-AGENT`);
  const nonMasq = [...inp.nonMasqueradeCidrs, ...(inp.masqLinkLocal ? [] : ["169.254.0.0/16"])];
  for (const c of nonMasq) nat.push(`-A IP-MASQ-AGENT -d ${c} -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN`);
  nat.push(`-A IP-MASQ-AGENT -m comment --comment "ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)" -j MASQUERADE --random-fully`);
  if (needDrop) nat.push(`-A KUBE-MARK-DROP -j MARK --set-xmark ${KUBE_MARK_DROP}/${KUBE_MARK_DROP}`);
  nat.push(`-A KUBE-MARK-MASQ -j MARK --or-mark ${KUBE_MARK_MASQ}`);
  nat.push(...nodePortRules);
  nat.push(`-A KUBE-POSTROUTING -m mark ! --mark ${KUBE_MARK_MASQ}/${KUBE_MARK_MASQ} -j RETURN`);
  nat.push(`-A KUBE-POSTROUTING -j MARK --xor-mark ${KUBE_MARK_MASQ}`);
  nat.push(`-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`);
  nat.push(...svcRules);
  nat.push(`-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`);

  const filtDecl = ["KUBE-EXTERNAL-SERVICES", "KUBE-FIREWALL", "KUBE-FORWARD", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL", "KUBE-SERVICES"];
  const filtHead = [
    `-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`,
    `-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS`,
    `-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`,
    `-A INPUT -j KUBE-FIREWALL`,
    `-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`,
    `-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD`,
    `-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
    `-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`,
    `-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`,
    `-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
    `-A OUTPUT -j KUBE-FIREWALL`,
  ];
  filt.push(
    `-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    `-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP`,
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${KUBE_MARK_MASQ}/${KUBE_MARK_MASQ} -j ACCEPT`,
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  );
  const chainOf = (r: string) => r.slice(3, r.indexOf(" ", 3));
  const order = new Map(filtDecl.map((c, i) => [c, i]));
  const filtSorted = filt.map((r, i) => [order.get(chainOf(r)) ?? 99, i, r] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]);
  const head = `# Generated by aksnet for node ${node.name} (${node.address}), in iptables-save v1.8.7 layout on ${DATE}\n`;
  tx.put(head);
  tx.put("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n");
  for (const c of natDecl) tx.put(`:${c} - [0:0]\n`);
  for (const r of nat) tx.put(r + "\n");
  // iptables-save prints each chain's rules together, in the order the chains are declared.
  for (const c of natDecl) tx.putChain(c);
  tx.put(`COMMIT\n# Completed on ${DATE}\n`);
  tx.put(head);
  tx.put("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
  for (const c of filtDecl) tx.put(`:${c} - [0:0]\n`);
  for (const r of filtHead) tx.put(r + "\n");
  for (const r of filtSorted) tx.put(r + "\n");
  tx.put(`COMMIT\n# Completed on ${DATE}\n`);
}
