/**
 * `avs automation executors`: who executes when. The upcoming slots under the arrangements made so far (from the latest
 * block), and the executors active now (in the next arrangement) with their delegated signers.
 */
import type { Command } from 'commander';
import { getAddress, zeroAddress } from 'viem';
import { EpochManagerAbi, ExecutorScheduleAbi } from '../../core/chain/abis/generated/index.ts';
import { readArrangements } from '../../services/automation/arrangements.ts';
import { upcomingSlots } from '../../services/automation/schedule.ts';
import { type AutomationGlobals, loadAutomation, readOptions } from '../automation-context.ts';
import { parseCount } from '../options.ts';
import { printJson } from '../output.ts';

/** Adds `executors` under `automation`. */
export function registerAutomationExecutorsCommand(automation: Command): void {
  readOptions(
    automation
      .command('executors')
      .description('the upcoming slots (start and end blocks, executor, epoch of their arrangement) from the latest block, and the active executors with their delegated signers'),
  )
    .option('--count <n>', 'how many slots to show', '8')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AutomationGlobals & { count: string }>();
      const count = parseCount('--count', opts.count, { min: 1, max: 10_000 });
      const { deployment, client } = loadAutomation(opts);
      const section = deployment.automation;
      const schedule = { address: section.executorSchedule, abi: ExecutorScheduleAbi } as const;
      const blockNumber = await client.getBlockNumber({ cacheTime: 0 });
      const [arrangements, active, epoch] = await Promise.all([
        readArrangements(client, section.executorSchedule, blockNumber),
        client.readContract({ ...schedule, functionName: 'activeExecutors', blockNumber }),
        client.readContract({ address: section.epochManager, abi: EpochManagerAbi, functionName: 'currentEpoch', blockNumber }),
      ]);
      const signers = await Promise.all(active.map((operator) => client.readContract({ ...schedule, functionName: 'delegatedSigner', args: [operator], blockNumber })));
      const slots = upcomingSlots(arrangements, blockNumber, count, BigInt(section.slotBlocks));
      const latest = arrangements.at(-1);
      const result = {
        block: blockNumber,
        epoch,
        slotBlocks: section.slotBlocks,
        lastArrangedEpoch: latest?.epoch ?? null,
        slots: slots.map((s) => ({ slot: s.slot, startBlock: s.startBlock, endBlock: s.endBlock, executor: s.executor, epoch: s.epoch })),
        activeExecutors: active.map((operator, i) => ({
          operator: getAddress(operator),
          delegatedSigner: signers[i] === zeroAddress ? null : getAddress(signers[i]!),
        })),
      };
      if (opts.json) {
        printJson(result);
        return;
      }
      const out = (line: string) => process.stdout.write(`${line}\n`);
      out(`block ${blockNumber}, epoch ${epoch}; slots of ${section.slotBlocks} blocks; last arranged epoch: ${latest?.epoch ?? 'none'}`);
      if (slots.length === 0) out('no slots: no arrangement yet (anyone may call ExecutorSchedule.arrangeExecutors once per epoch)');
      for (const s of slots) out(`  slot ${s.slot}  blocks ${s.startBlock}–${s.endBlock - 1n}  epoch ${s.epoch}  ${s.executor ?? '(no executor)'}`);
      out(`active executors (in the next arrangement): ${active.length}`);
      for (const e of result.activeExecutors) out(`  ${e.operator}  signer ${e.delegatedSigner ?? '(none)'}`);
    });
}
