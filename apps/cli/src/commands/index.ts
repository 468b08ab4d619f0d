// Every command registers itself here: one line per command module.
import type { Command } from "commander";
import { registerCidr } from "./cidr.ts";

/** Adds a command to the program; setExit records the exit code the command decided on. */
export type Register = (program: Command, setExit: (code: number) => void) => void;

export const commands: Register[] = [registerCidr];
import { registerIptables } from "./iptables.ts"; commands.push(registerIptables);
import { registerPlan } from "./plan.ts"; commands.push(registerPlan);
import { registerCheck } from "./check.ts"; commands.push(registerCheck);
import { registerCompare } from "./compare.ts"; commands.push(registerCompare);
import { registerFit } from "./fit.ts"; commands.push(registerFit);
import { registerDiff } from "./diff.ts"; commands.push(registerDiff);
import { registerSweep } from "../sweep/command.ts"; commands.push(registerSweep);
import { registerForecast } from "./forecast.ts"; commands.push(registerForecast);
import { registerPolicy } from "./policy.ts"; commands.push(registerPolicy);
import { registerDataplane } from "./dataplane.ts"; commands.push(registerDataplane);
import { registerTrace } from "./trace.ts"; commands.push(registerTrace);
