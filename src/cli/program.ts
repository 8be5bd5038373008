/**
 * The `avs` command (ARCHITECTURE.md, "The user-facing contract"). {@link runCli} parses argv, runs one command and
 * returns its exit code: 0 ok, 1 failure, 2 usage. Errors print one line to stderr, never a stack trace
 * (set `AVS_DEBUG=1` to see it).
 */
import { Command, CommanderError } from 'commander';
import { registerAggregatorCommands } from './commands/aggregator.ts';
import { registerChallengerCommands } from './commands/challenger.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerDeployCommand } from './commands/deploy.ts';
import { registerDevnetCommand } from './commands/devnet.ts';
import { registerKeysCommands } from './commands/keys.ts';
import { registerOperatorCommands } from './commands/operator.ts';
import { registerProofCommands } from './commands/proof.ts';
import { registerRelayerCommands } from './commands/relayer.ts';
import { registerRewardsCommands } from './commands/rewards.ts';
import { registerStateCommands } from './commands/state.ts';
import { ExitCode, UsageError, describeError, exitCodeOf } from './errors.ts';
import { DEFAULT_DEPLOYMENT_PATH } from './options.ts';

/** Builds the command tree (exported for tests and docs). */
export function buildProgram(): Command {
  const program = new Command('avs')
    .description('run EigenLayer AVSs: devnet, state proofs, operators and the aggregator')
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
  registerDeployCommand(program);
  for (const command of program.commands) applyDefaults(command);
  return program;
}

/** Every subcommand throws instead of exiting, and prints no commander-formatted error of its own. */
function applyDefaults(command: Command): void {
  command.exitOverride().configureOutput({ outputError: () => {} });
  for (const sub of command.commands) applyDefaults(sub);
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
