// Generates iptables-save dumps shaped like kube-proxy's iptables mode (v1.28+ rule layout: KUBE-SVC,
// KUBE-SEP, KUBE-EXT, KUBE-FW, KUBE-SVL, KUBE-NODEPORTS, KUBE-PROXY-FIREWALL, REJECT for services
// without endpoints), plus azure-ip-masq-agent and Azure NPM-style network-policy chains. The
// chain names are kube-proxy's: prefix + first 16 chars of base32(sha256(ns/name:port + proto)).
//
//   node bench/iptables/gen.mjs showcase            > examples/iptables/kube-proxy-node.rules
//   node bench/iptables/gen.mjs scale 10000 3       > /tmp/kp-10k.rules
import { createHash } from "node:crypto";
import { rng } from "../rng.mjs";

export { rng };

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function base32(buf) {
  let bits = 0, value = 0, out = "";
  for (const b of buf) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}
const chainName = (prefix, key) => prefix + base32(createHash("sha256").update(key).digest()).slice(0, 16);
const v4 = (n) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

/**
 * services: [{ ns, name, port: {name, proto, port, targetPort}, clusterIP, nodePort?, lbIP?,
 *   sourceRanges?, local? (externalTrafficPolicy Local), affinity?, endpoints: [{ip, local}] }]
 */
export function kubeProxyDump({ services, podCidr = "10.244.0.0/16", nodeIp = "10.224.0.4", masqAgent = null, npm = false, date = "Mon Nov 23 10:00:00 2026" }) {
  const nat = { chains: ["KUBE-MARK-MASQ", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-SERVICES"], rules: [] };
  const filt = { chains: ["KUBE-EXTERNAL-SERVICES", "KUBE-FIREWALL", "KUBE-FORWARD", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL", "KUBE-SERVICES"], rules: [] };
  const N = (r) => nat.rules.push(r);
  const F = (r) => filt.rules.push(r);
  const svcRules = [], sepRules = [], extRules = [], nodePortRules = [];
  const natChains = new Set();
  for (const s of services) {
    const p = s.port;
    const key = `${s.ns}/${s.name}:${p.name}`;
    const svc = chainName("KUBE-SVC-", key + p.proto);
    const ext = chainName("KUBE-EXT-", key + p.proto);
    const fw = chainName("KUBE-FW-", key + p.proto);
    const svl = chainName("KUBE-SVL-", key + p.proto);
    const m = `-p ${p.proto} -m comment --comment`;
    const eps = s.endpoints;
    const hasExternal = s.nodePort !== undefined || s.lbIP !== undefined;
    const localEps = eps.filter((e) => e.local);
    if (!eps.length) {
      F(`-A KUBE-SERVICES -d ${s.clusterIP}/32 ${m} "${key} has no endpoints" -m ${p.proto} --dport ${p.port} -j REJECT --reject-with icmp-port-unreachable`);
      if (s.lbIP) F(`-A KUBE-EXTERNAL-SERVICES -d ${s.lbIP}/32 ${m} "${key} has no endpoints" -m ${p.proto} --dport ${p.port} -j REJECT --reject-with icmp-port-unreachable`);
      if (s.nodePort !== undefined) F(`-A KUBE-EXTERNAL-SERVICES ${m} "${key} has no endpoints" -m addrtype --dst-type LOCAL -m ${p.proto} --dport ${s.nodePort} -j REJECT --reject-with icmp-port-unreachable`);
      continue;
    }
    if (s.local && hasExternal && !localEps.length) {
      if (s.lbIP) F(`-A KUBE-EXTERNAL-SERVICES -d ${s.lbIP}/32 ${m} "${key} has no local endpoints" -m ${p.proto} --dport ${p.port} -j DROP`);
      if (s.nodePort !== undefined) F(`-A KUBE-EXTERNAL-SERVICES ${m} "${key} has no local endpoints" -m addrtype --dst-type LOCAL -m ${p.proto} --dport ${s.nodePort} -j DROP`);
    }
    natChains.add(svc);
    svcRules.push(`-A KUBE-SERVICES -d ${s.clusterIP}/32 ${m} "${key} cluster IP" -m ${p.proto} --dport ${p.port} -j ${svc}`);
    const extTarget = s.local ? ext : ext;
    if (s.lbIP) {
      if (s.sourceRanges?.length) {
        natChains.add(fw);
        svcRules.push(`-A KUBE-SERVICES -d ${s.lbIP}/32 ${m} "${key} loadbalancer IP" -m ${p.proto} --dport ${p.port} -j ${fw}`);
        for (const r of s.sourceRanges) extRules.push([fw, `-A ${fw} -s ${r} -m comment --comment "${key} loadbalancer IP" -j ${extTarget}`]);
        extRules.push([fw, `-A ${fw} -m comment --comment "other traffic to ${key} will be dropped by KUBE-PROXY-FIREWALL"`]);
        F(`-A KUBE-PROXY-FIREWALL -d ${s.lbIP}/32 ${m} "${key} traffic not accepted by ${fw}" -m ${p.proto} --dport ${p.port} -j DROP`);
      } else {
        svcRules.push(`-A KUBE-SERVICES -d ${s.lbIP}/32 ${m} "${key} loadbalancer IP" -m ${p.proto} --dport ${p.port} -j ${ext}`);
      }
    }
    if (s.nodePort !== undefined) nodePortRules.push(`-A KUBE-NODEPORTS ${m} "${key}" -m ${p.proto} --dport ${s.nodePort} -j ${ext}`);
    if (hasExternal) {
      natChains.add(ext);
      if (s.local) {
        extRules.push([ext, `-A ${ext} -s ${podCidr} -m comment --comment "pod traffic for ${key} external destinations" -j ${svc}`]);
        extRules.push([ext, `-A ${ext} -m comment --comment "masquerade LOCAL traffic for ${key} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`]);
        extRules.push([ext, `-A ${ext} -m comment --comment "route LOCAL traffic for ${key} external destinations" -m addrtype --src-type LOCAL -j ${svc}`]);
        extRules.push([ext, `-A ${ext} -j ${svl}`]);
        natChains.add(svl);
        if (!localEps.length) extRules.push([svl, `-A ${svl} -m comment --comment "${key} has no local endpoints" -j KUBE-MARK-DROP`]);
        localEps.forEach((e, i) => {
          const sep = chainName("KUBE-SEP-", key + p.proto + `${e.ip}:${p.targetPort}`);
          const prob = i < localEps.length - 1 ? ` -m statistic --mode random --probability ${(1 / (localEps.length - i)).toFixed(11)}` : "";
          extRules.push([svl, `-A ${svl} -m comment --comment "${key} -> ${e.ip}:${p.targetPort}"${prob} -j ${sep}`]);
        });
      } else {
        extRules.push([ext, `-A ${ext} -m comment --comment "masquerade traffic for ${key} external destinations" -j KUBE-MARK-MASQ`]);
        extRules.push([ext, `-A ${ext} -j ${svc}`]);
      }
    }
    sepRules.push([svc, `-A ${svc} ! -s ${podCidr} -d ${s.clusterIP}/32 ${m} "${key} cluster IP" -m ${p.proto} --dport ${p.port} -j KUBE-MARK-MASQ`]);
    const seps = eps.map((e) => chainName("KUBE-SEP-", key + p.proto + `${e.ip}:${p.targetPort}`));
    if (s.affinity) {
      eps.forEach((e, i) => sepRules.push([svc, `-A ${svc} -m comment --comment "${key} -> ${e.ip}:${p.targetPort}" -m recent --name ${seps[i]} --mask 255.255.255.255 --rsource --rcheck --seconds 10800 --reap -j ${seps[i]}`]));
    }
    eps.forEach((e, i) => {
      const prob = i < eps.length - 1 ? ` -m statistic --mode random --probability ${(1 / (eps.length - i)).toFixed(11)}` : "";
      sepRules.push([svc, `-A ${svc} -m comment --comment "${key} -> ${e.ip}:${p.targetPort}"${prob} -j ${seps[i]}`]);
      natChains.add(seps[i]);
      const rec = s.affinity ? ` -m recent --set --name ${seps[i]} --mask 255.255.255.255 --rsource` : "";
      sepRules.push([seps[i], `-A ${seps[i]} -s ${e.ip}/32 -m comment --comment "${key}" -j KUBE-MARK-MASQ`]);
      sepRules.push([seps[i], `-A ${seps[i]} ${m} "${key}"${rec} -m ${p.proto} -j DNAT --to-destination ${e.ip}:${p.targetPort}`]);
    });
  }
  if (services.some((s) => s.local)) nat.chains.push("KUBE-MARK-DROP");
  nat.chains.push(...[...natChains].sort());
  if (masqAgent) nat.chains.push("IP-MASQ-AGENT");
  N(`-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`);
  N(`-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`);
  N(`-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING`);
  if (masqAgent) {
    N(`-A POSTROUTING -m comment --comment "ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom IP-MASQ-AGENT chain" -m addrtype ! --dst-type LOCAL -j IP-MASQ-AGENT`);
    for (const c of masqAgent) N(`-A IP-MASQ-AGENT -d ${c} -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN`);
    N(`-A IP-MASQ-AGENT -m comment --comment "ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)" -j MASQUERADE --random-fully`);
  }
  if (services.some((s) => s.local)) N(`-A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000`);
  N(`-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000`);
  nodePortRules.forEach(N);
  N(`-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN`);
  N(`-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000`);
  N(`-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`);
  svcRules.forEach(N);
  N(`-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`);
  // iptables-save prints chains' rules grouped by chain, in chain-declaration order.
  const byChain = new Map();
  for (const [c, r] of [...extRules, ...sepRules]) (byChain.get(c) ?? byChain.set(c, []).get(c)).push(r);
  for (const c of [...byChain.keys()].sort()) byChain.get(c).forEach(N);

  F(`-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`);
  F(`-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS`);
  F(`-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`);
  F(`-A INPUT -j KUBE-FIREWALL`);
  F(`-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`);
  F(`-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD`);
  F(`-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`);
  F(`-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`);
  // Real AKS nodes with Azure NPM v1 jump to AZURE-NPM first in FORWARD, and AZURE-NPM-ACCEPT then
  // ACCEPTs before kube-proxy's chains run (the real dumps in the tests show it). Here it comes last,
  // so the kube-proxy behaviours stay visible.
  if (npm) F(`-A FORWARD -m conntrack --ctstate NEW -j AZURE-NPM`);
  F(`-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`);
  F(`-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`);
  F(`-A OUTPUT -j KUBE-FIREWALL`);
  F(`-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);
  F(`-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP`);
  F(`-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT`);
  F(`-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  if (npm) {
    filt.chains.push(...npm.chains);
    npm.rules.forEach(F);
  }
  // Group filter rules by chain in declaration order, builtins first, as iptables-save does.
  const order = ["INPUT", "FORWARD", "OUTPUT", ...filt.chains];
  const fr = filt.rules.map((r, i) => [r.split(" ")[1], i, r]).sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]) || a[1] - b[1]).map((x) => x[2]);
  const lines = [];
  lines.push(`# Generated by iptables-save v1.8.7 on ${date}`, "*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]");
  for (const c of nat.chains) lines.push(`:${c} - [0:0]`);
  lines.push(...nat.rules, "COMMIT", `# Completed on ${date}`);
  lines.push(`# Generated by iptables-save v1.8.7 on ${date}`, "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]");
  for (const c of filt.chains) lines.push(`:${c} - [0:0]`);
  lines.push(...fr, "COMMIT", `# Completed on ${date}`);
  return lines.join("\n") + "\n";
}

/** The kube-proxy shape at scale: n ClusterIP services × k endpoints (service CIDR 10.0.0.0/16.. , pods 10.244/16). */
export function scaleServices(n, k, seed = 1) {
  const r = rng(seed);
  const services = [];
  for (let i = 0; i < n; i++) {
    const proto = r() < 0.8 ? "tcp" : "udp";
    const port = [80, 443, 8080, 53, 9090, 5432][Math.floor(r() * 6)];
    const endpoints = [];
    for (let j = 0; j < k; j++) endpoints.push({ ip: v4(((10 << 24) | (244 << 16)) + 2 + Math.floor(r() * 65000)), local: false });
    services.push({ ns: `ns${i % 97}`, name: `svc${i}`, port: { name: "p" + port, proto, port, targetPort: 8000 + (port % 1000) }, clusterIP: v4(((10 << 24) | (96 << 16)) + 10 + i), endpoints });
  }
  return services;
}

/** A node with one of every kube-proxy shape, ip-masq-agent and Azure NPM-style policy chains. */
export function showcase() {
  const services = [
    { ns: "kube-system", name: "kube-dns", port: { name: "dns", proto: "udp", port: 53, targetPort: 53 }, clusterIP: "10.0.0.10", endpoints: [{ ip: "10.244.1.5" }, { ip: "10.244.2.7" }] },
    { ns: "kube-system", name: "kube-dns", port: { name: "dns-tcp", proto: "tcp", port: 53, targetPort: 53 }, clusterIP: "10.0.0.10", endpoints: [{ ip: "10.244.1.5" }, { ip: "10.244.2.7" }] },
    { ns: "default", name: "kubernetes", port: { name: "https", proto: "tcp", port: 443, targetPort: 443 }, clusterIP: "10.0.0.1", endpoints: [{ ip: "10.224.0.100" }] },
    { ns: "shop", name: "web", port: { name: "http", proto: "tcp", port: 80, targetPort: 8080 }, clusterIP: "10.0.12.34", nodePort: 30080, endpoints: [{ ip: "10.244.1.20", local: true }, { ip: "10.244.2.21" }, { ip: "10.244.3.22" }] },
    { ns: "shop", name: "api", port: { name: "https", proto: "tcp", port: 443, targetPort: 8443 }, clusterIP: "10.0.20.1", nodePort: 31443, lbIP: "20.50.60.70", sourceRanges: ["203.0.113.0/24", "198.51.100.7/32"], endpoints: [{ ip: "10.244.2.30" }, { ip: "10.244.3.31" }] },
    { ns: "shop", name: "edge", port: { name: "http", proto: "tcp", port: 80, targetPort: 8080 }, clusterIP: "10.0.20.2", nodePort: 30081, lbIP: "20.50.60.71", local: true, endpoints: [{ ip: "10.244.1.40", local: true }, { ip: "10.244.3.41" }] },
    { ns: "shop", name: "batch", port: { name: "http", proto: "tcp", port: 80, targetPort: 8080 }, clusterIP: "10.0.20.3", nodePort: 30082, lbIP: "20.50.60.72", local: true, endpoints: [{ ip: "10.244.2.50" }] },
    { ns: "shop", name: "cart", port: { name: "http", proto: "tcp", port: 80, targetPort: 8080 }, clusterIP: "10.0.20.4", affinity: true, endpoints: [{ ip: "10.244.1.60" }, { ip: "10.244.2.61" }, { ip: "10.244.3.62" }] },
    { ns: "shop", name: "legacy", port: { name: "http", proto: "tcp", port: 80, targetPort: 80 }, clusterIP: "10.0.20.5", nodePort: 30083, endpoints: [] },
  ];
  const npm = {
    chains: ["AZURE-NPM", "AZURE-NPM-ACCEPT", "AZURE-NPM-EGRESS", "AZURE-NPM-INGRESS", "AZURE-NPM-INGRESS-ALLOW-MARK", "AZURE-NPM-INGRESS-1111111111"],
    rules: [
      `-A AZURE-NPM -j AZURE-NPM-INGRESS`,
      `-A AZURE-NPM -j AZURE-NPM-EGRESS`,
      `-A AZURE-NPM -j AZURE-NPM-ACCEPT`,
      `-A AZURE-NPM-ACCEPT -m comment --comment CLEAR-AZURE-NPM-MARKS -j MARK --set-xmark 0x0/0xffffffff`,
      `-A AZURE-NPM-ACCEPT -j ACCEPT`,
      `-A AZURE-NPM-EGRESS -m mark --mark 0x20000 -m comment --comment ACCEPT-ON-INGRESS-ALLOW-MARK-0x20000 -j AZURE-NPM-ACCEPT`,
      `-A AZURE-NPM-INGRESS -m set --match-set azure-npm-1234567890 dst -m comment --comment "INGRESS-POLICY-shop/db-only-from-api-TO-podlabel-app:db-IN-ns-shop" -j AZURE-NPM-INGRESS-1111111111`,
      `-A AZURE-NPM-INGRESS -m mark --mark 0x40000 -m comment --comment DROP-ON-INGRESS-DROP-MARK-0x40000 -j DROP`,
      `-A AZURE-NPM-INGRESS-1111111111 -p tcp -m tcp --dport 5432 -m set --match-set azure-npm-2222222222 src -m comment --comment "ALLOW-FROM-podlabel-app:api-ON-TCP-TO-PORT-5432" -j AZURE-NPM-INGRESS-ALLOW-MARK`,
      `-A AZURE-NPM-INGRESS-1111111111 -m comment --comment DROP-ALL -j MARK --set-xmark 0x40000/0xffffffff`,
      `-A AZURE-NPM-INGRESS-ALLOW-MARK -m comment --comment SET-INGRESS-ALLOW-MARK-0x20000 -j MARK --set-xmark 0x20000/0xffffffff`,
      `-A AZURE-NPM-INGRESS-ALLOW-MARK -j AZURE-NPM-EGRESS`,
    ],
  };
  return kubeProxyDump({ services, podCidr: "10.244.0.0/16", masqAgent: ["10.244.0.0/16", "10.224.0.0/12"], npm });
}

export const SHOWCASE_IPSETS = `create azure-npm-1234567890 hash:net family inet hashsize 1024 maxelem 65536
add azure-npm-1234567890 10.244.2.80
add azure-npm-1234567890 10.244.3.81
create azure-npm-2222222222 hash:net family inet hashsize 1024 maxelem 65536
add azure-npm-2222222222 10.244.2.30
add azure-npm-2222222222 10.244.3.31
`;

if (process.argv[1]?.endsWith("gen.mjs")) {
  const [what, a, b] = process.argv.slice(2);
  if (what === "showcase") process.stdout.write(showcase());
  else if (what === "ipsets") process.stdout.write(SHOWCASE_IPSETS);
  else if (what === "scale") process.stdout.write(kubeProxyDump({ services: scaleServices(Number(a ?? 10000), Number(b ?? 3)) }));
  else {
    process.stderr.write("usage: gen.mjs showcase | ipsets | scale [services] [endpoints]\n");
    process.exitCode = 2;
  }
}
