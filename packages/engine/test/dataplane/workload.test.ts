// The workload spec's plain shape ("services:" then one flow map per line) is read without a YAML
// document tree (plainSpec). It must give what the YAML reader gives — the same Services, or the
// same located error — and leave everything else to the reader: generated files close to the
// shape (and off it) are loaded both ways and compared.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadWorkload } from "../../src/dataplane/index.ts";
import { plainSpec } from "../../src/dataplane/workload.ts";

const outcome = (f: () => unknown) => { try { return { ok: f() }; } catch (e) { return { error: (e as Error).message }; } };

// Values as people write them, valid and not: words, numbers (some out of range, some YAML reads
// as floats, octal or booleans), lists, port maps, quoted strings, odd characters.
const scalar = fc.oneof(
  { weight: 60, arbitrary: fc.constantFrom("web", "api", "shop", "ns-1", "LoadBalancer", "ClusterIP", "NodePort", "Local", "Cluster", "ClientIP", "None",
    "80", "443", "8080", "0", "99999", "30080", "yes", "TCP", "udp", "SCTP", "10.0.0.50", "198.51.100.9", "203.0.113.0/24", "10.0.0.0/33", "apps/0/4", "pool0") },
  { weight: 1, arbitrary: fc.constantFrom("08080", "1.5", "1e3", "0x1F", "true", "null", '"quoted"', "a:b", "x#y", "-1", "", "~") },
);
const value = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }).map((xs) => `[${xs.join(", ")}]`) },
  { weight: 1, arbitrary: fc.array(fc.array(fc.tuple(fc.constantFrom("name", "port", "targetPort", "nodePort", "protocol"), scalar), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 2 }).map((ms) => `[${ms.map((m) => `{ ${m.map(([k, v]) => `${k}: ${v}`).join(", ")} }`).join(", ")}]`) },
);
const key = fc.constantFrom("name", "namespace", "type", "port", "ports", "targetPort", "endpoints", "externalTrafficPolicy", "sessionAffinity", "loadBalancerSourceRanges", "clusterIP", "loadBalancerIP", "pool", "bogus", "Name");
const service = fc.uniqueArray(fc.tuple(key, value), { minLength: 1, maxLength: 6, selector: ([k]) => k }).map((kv) => `{ ${kv.map(([k, v]) => `${k}: ${v}`).join(", ")} }`);
const line = fc.oneof(
  { weight: 40, arbitrary: service.map((s) => `  - ${s}`) },
  { weight: 1, arbitrary: fc.constantFrom("", "# a comment", "   ", "    - { name: x, port: 80 }", "  - name: block", "  - { name: y, port: 80 } # trailing", "  -  { name: z, port: 81 }", "  - { name: w, port: 80, port: 81 }") },
);
const file = fc.tuple(fc.constantFrom("services:", "services:", "services:", "services:  ", "# Services\nservices:", "service:", "services: []"), fc.array(line, { maxLength: 12 }), fc.boolean())
  .map(([h, ls, eol]) => [h, ...ls].join("\n") + (eol ? "\n" : ""));

describe("the workload spec's plain shape", () => {
  it("loads as the YAML reader loads it: the same Services or the same located error", () => {
    let plain = 0;
    fc.assert(fc.property(file, (text) => {
      if (plainSpec("w.yaml", text)) plain++;
      expect(outcome(() => loadWorkload({ name: "w.yaml", text }))).toEqual(outcome(() => loadWorkload({ name: "w.yaml", text }, { plain: false })));
    }), { numRuns: 600 });
    // The shape is met often enough for the comparison to mean something.
    expect(plain).toBeGreaterThan(80);
  });

  it("gives the reader's value for the benchmark's shape, and leaves other shapes to it", () => {
    const text = "services:\n  - { name: svc0, namespace: ns0, type: LoadBalancer, externalTrafficPolicy: Local, port: 80, targetPort: 8000, endpoints: 15 }\n  - { name: svc1, namespace: ns1, type: ClusterIP, port: 443, targetPort: 8000, endpoints: 15 }\n";
    expect(plainSpec("w.yaml", text)?.value).toEqual({ services: [
      { name: "svc0", namespace: "ns0", type: "LoadBalancer", externalTrafficPolicy: "Local", port: 80, targetPort: 8000, endpoints: 15 },
      { name: "svc1", namespace: "ns1", type: "ClusterIP", port: 443, targetPort: 8000, endpoints: 15 },
    ] });
    for (const other of ["services:\n  - name: web\n    port: 80\n", 'services:\n  - { name: "web", port: 80 }\n', "services:\n  - { name: web, port: 80 }\r\n", "services:\n  - { name: web, port: 80, port: 81 }\n", "services:\n  - { name: web, port: 1.5 }\n"])
      expect(plainSpec("w.yaml", other)).toBeUndefined();
  });

  it("an error in a plain file is located as the reader locates it", () => {
    const text = "services:\n  - { name: a, port: 80 }\n  - { name: b, port: 99999 }\n  - { name: a, port: 81 }\n";
    expect(plainSpec("w.yaml", text)).toBeDefined();
    expect(() => loadWorkload({ name: "w.yaml", text })).toThrow(/^w\.yaml:3:\d+: services\[1\]\.port: 99999 is out of range/);
    const dup = "services:\n  - { name: a, port: 80 }\n  - { name: a, port: 81 }\n";
    expect(outcome(() => loadWorkload({ name: "w.yaml", text: dup }))).toEqual(outcome(() => loadWorkload({ name: "w.yaml", text: dup }, { plain: false })));
    expect(() => loadWorkload({ name: "w.yaml", text: dup })).toThrow(/^w\.yaml:3:\d+: .*duplicate service default\/a/);
  });
});
