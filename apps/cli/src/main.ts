// aksnet: the command-line entry. Builds the command tree, runs one command and maps errors to
// exit codes: 0 ok, 1 the input has errors (findings), 2 usage, unreadable or unsupported input
// (any AksnetError, by its kind), 70 a bug (anything else: "internal error", the stack only
// with AKSNET_DEBUG=1).
import { Command, CommanderError } from "commander";
import { AksnetError } from "@aksnet/engine";
import { EXIT_USAGE, EXIT_INTERNAL, errColor, cannotWrite } from "./io.ts";
import { commands } from "./commands/index.ts";
import { isSweepWorker, serveSweepWorker } from "./sweep/worker.ts";
import { launch } from "./launched.ts";

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
      return EXIT_USAGE;
    }
    return internalError(e);
  }
}

/** An exception no command meant to raise: a bug in aksnet, reported as one (exit 70). */
export function internalError(e: unknown): number {
  const debug = !!process.env.AKSNET_DEBUG && process.env.AKSNET_DEBUG !== "0";
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  process.stderr.write(`aksnet: internal error: ${what}\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write("(this is a bug in aksnet; run again with AKSNET_DEBUG=1 for the stack)\n");
  return EXIT_INTERNAL;
}

// The program: the launcher says so (dist/aksnet.mjs under any name); without the launcher (the
// CLI from its TypeScript sources, or main.ts bundled on its own, as tests do) the file's name.
const isEntry = launch()?.entry ?? (!!process.argv[1] && /aksnet(\.mjs)?$|main\.ts$/.test(process.argv[1]));
// The bundle is also the sweep's worker entry (sweep/pool.ts starts it in worker_threads, where
// process.argv is the parent's): there it serves chunks instead of running a command.
if (isSweepWorker()) serveSweepWorker();
else if (isEntry) {
  // A reader that stops early (aksnet ... | head) closes the pipe: stop quietly, as Unix tools do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      // Output that cannot be written (a full disk, /dev/full) is the user's to fix: exit 2.
      if (stream === process.stdout) {
        process.stderr.write(`error: ${cannotWrite("standard output", e).message}\n`);
        process.exit(EXIT_USAGE);
      }
      process.exit(EXIT_USAGE);
    });
  }
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => {
      process.exitCode = internalError(e);
    },
  );
}
