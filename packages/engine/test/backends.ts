// Every CIDR suite is a function of a backend: run once on the wasm core, once on the reference.
import { CidrEngine, ReferenceBackend, WasmBackend } from "../src/cidr/index.ts";

export const backends: [string, () => CidrEngine][] = [
  ["wasm", () => new CidrEngine(new WasmBackend())],
  ["reference", () => new CidrEngine(new ReferenceBackend())],
];
