/**
 * The `avs` command (docs/architecture.md, "The user-facing contract"). {@link runCli} parses argv, runs one command and
 * returns its exit code: 0 ok, 1 failure, 2 usage. Errors print one line to stderr, never a stack trace
 * (set `AVS_DEBUG=1` to see it).
 */
import { Command, CommanderError } from 'commander';
import { registerAggregatorCommands } from './commands/aggregator.ts';
import { registerAutomationCommands } from './commands/automation.ts';
import { registerChallengerCommands } from './commands/challenger.ts';
import { registerConfigCommands } from './commands/config.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerDeployCommand } from './commands/deploy.ts';
import { registerDevnetCommand } from './commands/devnet.ts';
import { registerKeysCommands } from './commands/keys.ts';
import { registerMultiProverCommands } from './commands/multi-prover.ts';
import { registerOperatorCommands } from './commands/operator.ts';
import { registerPreconfCommands } from './commands/preconf.ts';
import { registerProofCommands } from './commands/proof.ts';
import { registerRelayerCommands } from './commands/relayer.ts';
import { registerRewardsCommands } from './commands/rewards.ts';
import { registerStateCommands } from './commands/state.ts';
import { ExitCode, UsageError, describeError, exitCodeOf } from './errors.ts';
import { COMMAND_EXAMPLES, formatExamples } from './examples.ts';
import { DEFAULT_DEPLOYMENT_PATH } from './options.ts';

/** Builds the command tree (exported for tests and docs). */
export function buildProgram(): Command {
  const program = new Command('avs')
    .description('run EigenLayer AVSs: devnet, state proofs, the multi-prover, operators and the aggregators')
    .option('--deployment <path>', 'deployment file', DEFAULT_DEPLOYMENT_PATH)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  registerDevnetCommand(program);
  registerDemoCommand(program);
  registerStateCommands(program);
  registerProofCommands(program);
  registerOperatorCommands(program);
  registerKeysCommands(program);
  registerAggregatorCommands(program);
  registerRelayerCommands(program);
  registerChallengerCommands(program);
  registerRewardsCommands(program);
  registerMultiProverCommands(program);
  registerAutomationCommands(program);
  registerPreconfCommands(program);
  registerDeployCommand(program);
  registerConfigCommands(program);
  program.addHelpText('after', ROOT_HELP_AFTER);
  for (const command of program.commands) applyDefaults(command, [command.name()]);
  return program;
}

/** What `avs --help` ends with: where to start, and what the exit codes mean (docs/cli.md). */
const ROOT_HELP_AFTER = `
Examples:
  avs demo                      the whole lifecycle on a fresh local devnet (about 10 s)
  avs devnet                    a local devnet to work against, until Ctrl-C
  avs <command> --help          every command's options, with an example

Exit codes: 0 success; 1 failure (a chain, the aggregator, a file or a check said no); 2 usage (bad or missing
argument). Errors are one line on stderr; AVS_DEBUG=1 adds the stack. Read commands take --json.
`;

/**
 * Every subcommand throws instead of exiting and prints no commander-formatted error of its own; a leaf command without
 * its own example gets the one from {@link COMMAND_EXAMPLES}.
 */
function applyDefaults(command: Command, path: readonly string[] = []): void {
  command.exitOverride().configureOutput({ outputError: () => {} });
  const example = COMMAND_EXAMPLES[path.join(' ')];
  if (command.commands.length === 0 && example) command.addHelpText('after', formatExamples(example));
  for (const sub of command.commands) applyDefaults(sub, [...path, sub.name()]);
}

/** Runs the `avs` command with `argv` (as in `process.argv`); resolves to the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with a CommanderError carrying exit code 0.
      if (error.exitCode === 0) return ExitCode.ok;
      process.stderr.write(`avs: ${error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')}\n`);
      return ExitCode.usage;
    }
    process.stderr.write(`avs: ${error instanceof UsageError ? '' : 'error: '}${describeError(error)}\n`);
    if (process.env.AVS_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    return exitCodeOf(error);
  }
}
