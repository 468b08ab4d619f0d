// aksnet: the command-line entry. Builds the command tree, runs one command and maps errors to
// exit codes: 0 ok, 1 the input has errors (findings), 2 usage or unreadable input.
import { Command, CommanderError } from "commander";
import { AksnetError, ParseError } from "@aksnet/engine";
import { EXIT_USAGE, errColor } from "./io.ts";
import { commands } from "./commands/index.ts";

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command("aksnet")
    .description("Plan, check and debug AKS cluster networking offline.")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  for (const register of commands) register(program, (c) => { code = c; });
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const c = errColor();
    if (e instanceof AksnetError) {
      process.stderr.write(`${c.red("error")}: ${e.message}\n`);
      if (e.hint) process.stderr.write(`${c.dim("hint")}: ${e.hint}\n`);
      return e instanceof ParseError || e.code === "UsageError" || e.code === "InputError" ? EXIT_USAGE : (e as { exitCode?: number }).exitCode ?? EXIT_USAGE;
    }
    if (e instanceof RangeError || e instanceof TypeError) {
      process.stderr.write(`${c.red("error")}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}

const isEntry = process.argv[1] && /aksnet(\.mjs)?$|main\.ts$/.test(process.argv[1]);
if (isEntry) {
  // A reader that stops early (aksnet ... | head) closes the pipe: stop quietly, as Unix tools do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => {
      process.stderr.write(`aksnet: internal error: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 70;
    },
  );
}
