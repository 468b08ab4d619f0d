// Addresses as the cluster would hold them: node IPs from the node subnet in the order Azure
// hands them out, pod IPs per the model's IPAM (per-node /24, the maxPods block reserved with the
// node, batches of 16, /28 blocks), Service IPs from the service CIDR. Pure arithmetic on numbers.
import { UnsupportedError, InputError } from "../errors.ts";
import { subnetRangeFix } from "../aks/findings.ts";
import type { Prefix } from "../ip/prefix.ts";
import { DYNAMIC_BATCH_SIZE, NODE_POD_BLOCK_LEN, STATIC_BLOCK_SIZE, staticBlocksPerNode, type Cluster, type ModelId } from "./cluster.ts";
import { FIRST_HOST_OFFSET, POD_HOST_OFFSET, STATIC_BLOCK_RESERVED_INDEX, STATIC_FIRST_BLOCK, VMSS_ID } from "./constants.ts";
import { fmt4, in4, p4, text4, type P4 } from "./net4.ts";
import type { DpNode } from "./result.ts";

/**
 * The first IPv4 prefix of a list, as numbers; IPv6-only ranges are not modelled. An empty list is
 * a range the input does not hold (a subnet named by an az document without its VNet): `missing`
 * says how to give it.
 */
export function firstV4(prefixes: readonly Prefix[], what: string, missing?: string): P4 {
  if (!prefixes.length) throw new InputError(`${what}: its address range is not in the input, and the dataplane needs it`, missing);
  const p = prefixes.find((x) => x.family === 4);
  if (!p) throw new UnsupportedError(`${what} has no IPv4 range: the dataplane models IPv4 only`);
  return p4(p);
}

/** VMSS instance name: aks-<pool>-<id>-vmss + 6 base-36 digits. [AKS node naming] */
export function nodeName(pool: string, index: number): string {
  return `aks-${pool}-${VMSS_ID}-vmss${index.toString(36).padStart(6, "0")}`;
}

interface PodIpam {
  /** The pod address of pod `index` on `node`, or undefined beyond the node's range. */
  podIp(node: DpNode, index: number): number | undefined;
  /** Where the node's pods come from, for messages. */
  describe(node: DpNode): string;
}

/** Node addresses: pools in order, each subnet handing out .4, .5, ... (Azure CNI: 1 + maxPods per node). */
export function allocateNodes(c: Cluster): DpNode[] {
  const next = new Map<string, number>();
  const nodes: DpNode[] = [];
  const podCidr = c.model === "kubenet" || c.model === "azure-cni-overlay" || c.model === "byo" ? firstV4(c.podCidrs.map((p) => p.prefix), "the pod CIDR") : undefined;
  for (const pool of c.pools) {
    const subnet = c.vnet.subnets.find((s) => s.name === pool.nodeSubnet);
    if (!subnet) throw new InputError(`node subnet ${pool.nodeSubnet} of pool ${pool.name} is not in the VNet`);
    const sp = firstV4(subnet.prefixes, `subnet ${subnet.name}`, subnetRangeFix(subnet.name));
    const size = 2 ** (32 - sp.bits);
    const per = c.model === "azure-cni" ? 1 + pool.maxPods : 1;
    for (let i = 0; i < pool.count; i++) {
      const off = next.get(subnet.name) ?? FIRST_HOST_OFFSET;
      if (off + per > size - 1) throw new InputError(`subnet ${subnet.name} (${text4(sp)}) is full at node ${i} of pool ${pool.name}: ${nodes.length} nodes placed`, "run aksnet plan: the node subnet is too small (SubnetIsFull)");
      next.set(subnet.name, off + per);
      const ip = (sp.net + off) >>> 0;
      const global = nodes.length;
      const node: DpNode = { name: nodeName(pool.name, i), pool: pool.name, index: i, global, subnet: subnet.name, address: fmt4(ip), ip, maxPods: pool.maxPods };
      if (podCidr) {
        const blocks = 2 ** (NODE_POD_BLOCK_LEN - podCidr.bits);
        if (global >= blocks) throw new InputError(`the pod CIDR ${text4(podCidr)} has ${blocks} /24 node blocks; node ${node.name} is number ${global + 1}`, "run aksnet plan: the pod CIDR is too small");
        node.podCidr = `${fmt4((podCidr.net + global * 256) >>> 0)}/24`;
      }
      nodes.push(node);
    }
  }
  return nodes;
}

export function podIpam(c: Cluster, nodes: DpNode[]): PodIpam {
  const model: ModelId = c.model;
  if (model === "kubenet" || model === "azure-cni-overlay" || model === "byo") {
    const pc = firstV4(c.podCidrs.map((p) => p.prefix), "the pod CIDR");
    return {
      podIp: (n, i) => (i < n.maxPods && POD_HOST_OFFSET + i < 255 ? (pc.net + n.global * 256 + POD_HOST_OFFSET + i) >>> 0 : undefined),
      describe: (n) => `${n.podCidr} (the node's /24 of the pod CIDR)`,
    };
  }
  if (model === "azure-cni") {
    return { podIp: (n, i) => (i < n.maxPods ? (n.ip + 1 + i) >>> 0 : undefined), describe: (n) => `the ${n.maxPods} addresses after ${n.address} in ${n.subnet}` };
  }
  // Pod subnet: each pool's pod subnet, nodes in cluster order among the nodes sharing it.
  const poolOf = new Map(c.pools.map((p) => [p.name, p]));
  const bySubnet = new Map<string, DpNode[]>();
  for (const n of nodes) {
    const ps = poolOf.get(n.pool)!.podSubnet;
    if (!ps) throw new InputError(`pool ${n.pool} has no pod subnet (the ${model} model needs podSubnet on every pool)`);
    (bySubnet.get(ps) ?? bySubnet.set(ps, []).get(ps)!).push(n);
  }
  const rank = new Map<string, { base: P4; i: number; of: number; static: boolean }>();
  for (const [name, list] of bySubnet) {
    const s = c.vnet.subnets.find((x) => x.name === name)!;
    const base = firstV4(s.prefixes, `pod subnet ${name}`, subnetRangeFix(name));
    list.forEach((n, i) => rank.set(n.name, { base, i, of: list.length, static: poolOf.get(n.pool)!.podIpAllocation === "StaticBlock" }));
  }
  return {
    podIp: (n, i) => {
      const r = rank.get(n.name)!;
      if (i >= n.maxPods) return undefined;
      let ip: number;
      if (r.static) {
        // Static blocks: the node's ceil((maxPods+1)/16) /28s in a row, one address reserved.
        const per = staticBlocksPerNode(n.maxPods);
        const first = STATIC_FIRST_BLOCK + r.i * per;
        const slot = i + (i >= STATIC_BLOCK_RESERVED_INDEX ? 1 : 0);
        ip = (r.base.net + first * STATIC_BLOCK_SIZE + slot) >>> 0;
      } else {
        // Dynamic: every node's first batch of 16 in node order, then every node's second, ...
        const batch = Math.floor(i / DYNAMIC_BATCH_SIZE);
        ip = (r.base.net + FIRST_HOST_OFFSET + (batch * r.of + r.i) * DYNAMIC_BATCH_SIZE + (i % DYNAMIC_BATCH_SIZE)) >>> 0;
      }
      const size = 2 ** (32 - r.base.bits);
      return in4(ip, r.base) && ip !== ((r.base.net + size - 1) >>> 0) ? ip : undefined;
    },
    describe: (n) => {
      const r = rank.get(n.name)!;
      return r.static ? `${staticBlocksPerNode(n.maxPods)} /28 block(s) of ${text4(r.base)}` : `batches of 16 from ${text4(r.base)}`;
    },
  };
}

/** Service IPs: given ones kept, the DNS IP reserved, the others in order from the range's .11 on. */
export class ServiceIpAllocator {
  private used = new Set<number>();
  private cursor: number;
  constructor(private readonly range: P4, reserved: number[]) {
    for (const r of reserved) this.used.add(r);
    this.used.add((range.net + 1) >>> 0); // default/kubernetes takes the first address
    this.cursor = (range.net + 11) >>> 0;
  }
  take(given?: number, what = "service"): number {
    if (given !== undefined) {
      if (!in4(given, this.range)) throw new InputError(`${what}: clusterIP ${fmt4(given)} is outside the service CIDR ${text4(this.range)}`);
      if (this.used.has(given)) throw new InputError(`${what}: clusterIP ${fmt4(given)} is already taken`);
      this.used.add(given);
      return given;
    }
    const end = (this.range.net + 2 ** (32 - this.range.bits) - 1) >>> 0;
    while (this.used.has(this.cursor)) this.cursor++;
    if (this.cursor >= end) throw new InputError(`the service CIDR ${text4(this.range)} is full`);
    this.used.add(this.cursor);
    return this.cursor++;
  }
}
