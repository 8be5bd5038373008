/**
 * `avs automation`: the automation AVS from the command line (docs/automation-cli.md). Operators join, name a delegated
 * signer and take turns as executor (`operator …`); vaults register and fund workflows (`workflow …`); anyone reads the
 * schedule (`executors`); `aggregator run` and `operator run` are the service's processes (automation-run.ts).
 */
import type { Command } from 'commander';
import { registerAutomationExecutorsCommand } from './automation-executors.ts';
import { registerAutomationOperatorCommands } from './automation-operator.ts';
import { registerAutomationRunCommands } from './automation-run.ts';
import { registerAutomationWorkflowCommands } from './automation-workflow.ts';

/** Adds `automation operator …` (with `run`), `automation workflow …`, `automation executors` and `automation aggregator run` to the program. */
export function registerAutomationCommands(program: Command): void {
  const automation = program.command('automation').description('the automation AVS: operators execute vaults’ workflows in turns, slot by slot');
  registerAutomationOperatorCommands(automation);
  registerAutomationWorkflowCommands(automation);
  registerAutomationExecutorsCommand(automation);
  registerAutomationRunCommands(automation);
}
