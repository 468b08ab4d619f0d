// The launcher's guess of the flow file a command line runs on two threads (flow-thread-spawn.ts):
// it reads --flows, --mode and --engine as the command's parser does (the last of each counts,
// --flag=value too), and only for `iptables flows` in kube-proxy-test mode.
import { describe, it, expect } from "vitest";
import { flowsFileOf } from "../src/flow-thread-spawn.ts";

describe("flowsFileOf", () => {
  const base = ["iptables", "flows", "--rules", "kp.rules"];
  it("the flow file of a kube-proxy-test run", () => {
    expect(flowsFileOf([...base, "--flows", "f.csv", "--mode", "kube-proxy-test"])).toBe("f.csv");
    expect(flowsFileOf([...base, "--mode=kube-proxy-test", "--flows=f.csv"])).toBe("f.csv");
    expect(flowsFileOf([...base, "--flows", "a.csv", "--flows", "b.csv", "--mode", "kube-proxy-test", "--engine", "wasm"])).toBe("b.csv");
    // A value that looks like a flag is still the flag's value, as for the parser.
    expect(flowsFileOf([...base, "--flows", "--mode", "--mode", "kube-proxy-test"])).toBe("--mode");
  });
  it("none for another mode, the TypeScript engine, another command, or no file", () => {
    expect(flowsFileOf([...base, "--flows", "f.csv"])).toBeUndefined();
    expect(flowsFileOf([...base, "--flows", "f.csv", "--mode", "kube-proxy-test", "--mode", "kernel"])).toBeUndefined();
    expect(flowsFileOf([...base, "--flows", "f.csv", "--mode", "kube-proxy-test", "--engine=ts"])).toBeUndefined();
    expect(flowsFileOf(["iptables", "trace", "--flows", "f.csv", "--mode", "kube-proxy-test"])).toBeUndefined();
    expect(flowsFileOf(["sweep", "iptables", "flows", "--flows", "f.csv", "--mode", "kube-proxy-test"])).toBeUndefined();
    expect(flowsFileOf([...base, "--mode", "kube-proxy-test", "--flows"])).toBeUndefined();
    expect(flowsFileOf([...base, "--mode", "kube-proxy-test", "--", "--flows", "f.csv"])).toBeUndefined();
  });
});
