// applyFix(): a finding's patch applied to the cluster, so a fix can be checked the way the user
// would check it: plan again and see the finding gone (and no new error). The fields a patch
// names are the ones findings.ts writes; anything else is refused, not ignored.
import { Prefix } from "../ip/prefix.ts";
import { UsageError } from "../errors.ts";
import type { Cluster } from "./model.ts";
import type { Finding } from "./result.ts";

/**
 * A copy of `c` with `patch` applied. Fields: `podCidr` and `serviceCidr` (the IPv4 range is
 * replaced), `dnsServiceIp`, `subnet:NAME` (the subnet's IPv4 range), `allocatedOutboundPorts`.
 */
export function applyFix(c: Cluster, patch: NonNullable<Finding["patch"]>): Cluster {
  let out: Cluster = { ...c, provenance: [...c.provenance] };
  const written = (field: string) => { out.provenance = out.provenance.filter((p) => p.field !== field); };
  for (const { field, value } of patch) {
    if (field === "podCidr" || field === "serviceCidr") {
      const key = field === "podCidr" ? "podCidrs" : "serviceCidrs";
      const prefix = Prefix.parse(value);
      const list = out[key];
      const i = list.findIndex((x) => x.prefix.family === prefix.family);
      const path = i >= 0 ? list[i].path : c.paths[field];
      out = { ...out, [key]: i >= 0 ? list.map((x, k) => (k === i ? { prefix, path } : x)) : [...list, { prefix, path }] };
      written(field);
    } else if (field === "dnsServiceIp") {
      out = { ...out, dnsServiceIp: { addr: Prefix.parse(value, { allowBare: true }).addr, path: c.dnsServiceIp.path } };
      written("dnsServiceIP");
    } else if (field.startsWith("subnet:")) {
      const name = field.slice("subnet:".length);
      const prefix = Prefix.parse(value);
      if (!out.vnet.subnets.some((s) => s.name === name)) throw new UsageError(`applyFix: no subnet ${JSON.stringify(name)}`);
      out = { ...out, vnet: { ...out.vnet, subnets: out.vnet.subnets.map((s) => (s.name === name ? { ...s, prefixes: [prefix, ...s.prefixes.filter((p) => p.family !== prefix.family)], unknown: undefined } : s)) } };
    } else if (field === "allocatedOutboundPorts" && out.outbound.loadBalancer) {
      out = { ...out, outbound: { ...out.outbound, loadBalancer: { ...out.outbound.loadBalancer, allocatedOutboundPorts: Number(value) } } };
      written(field);
    } else {
      throw new UsageError(`applyFix: unknown patch field ${JSON.stringify(field)}`);
    }
  }
  return out;
}
