// Every command registers itself here: one line per command module.
import type { Command } from "commander";
import { registerCidr } from "./cidr.ts";

/** Adds a command to the program; setExit records the exit code the command decided on. */
export type Register = (program: Command, setExit: (code: number) => void) => void;

export const commands: Register[] = [registerCidr];
import { registerIptables } from "./iptables.ts"; commands.push(registerIptables);
