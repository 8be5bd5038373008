/**
 * `avs preconf`: the preconfirmation registry (UniFiAVSManager) from the command line (docs/preconf-cli.md). Operators
 * join, commit to a delegate key and chains, and register their EigenPod validators (`operator …`,
 * preconf-operator.ts and preconf-validators.ts); anyone reads a validator (`validator show`), the registry's chains
 * (`chains`) and a gateway's lookahead (`lookahead`, preconf-lookahead.ts).
 */
import type { Command } from 'commander';
import { printJson } from '../output.ts';
import { type PreconfGlobals, loadPreconf, readOptions, readRegistryChains } from '../preconf-context.ts';
import { registerPreconfGatewayCommands } from './preconf-gateway-run.ts';
import { registerPreconfLookaheadCommand } from './preconf-lookahead.ts';
import { registerPreconfOperatorCommands } from './preconf-operator.ts';
import { registerPreconfValidatorCommands } from './preconf-validators.ts';

/** Adds `preconf operator …`, `preconf validator show`, `preconf chains` and `preconf lookahead` to the program. */
export function registerPreconfCommands(program: Command): void {
  const preconf = program
    .command('preconf')
    .description('the preconfirmation registry: operators commit a delegate key and chains for their EigenPod validators, gateways preconfirm in their slots');
  registerPreconfOperatorCommands(preconf);
  registerPreconfValidatorCommands(preconf);
  registerChains(preconf);
  registerPreconfLookaheadCommand(preconf);
  registerPreconfGatewayCommands(preconf);
}

function registerChains(preconf: Command): void {
  readOptions(
    preconf
      .command('chains')
      .description('the chains operators can commit to: each bitmap position (1–255) the registry’s owner mapped, with its chain id, and the registry’s deregistration delay'),
  ).action(async (_opts, cmd: Command) => {
    const opts = cmd.optsWithGlobals<PreconfGlobals>();
    const reader = loadPreconf(opts);
    const { client, registry } = reader;
    const block = await client.getBlockNumber({ cacheTime: 0 });
    const [chains, delay] = await Promise.all([
      readRegistryChains(reader, block),
      client.readContract({ ...registry, functionName: 'getDeregistrationDelay', blockNumber: block }),
    ]);
    if (opts.json) {
      printJson({ block, registry: registry.address, deregistrationDelayBlocks: delay, chains });
      return;
    }
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(`registry ${registry.address} at block ${block}: ${chains.length} chain${chains.length === 1 ? '' : 's'}; changes wait ${delay} blocks`);
    if (chains.length === 0) out('  none mapped yet (the registry’s owner maps positions with setChainID)');
    for (const c of chains) out(`  position ${String(c.position).padStart(3)}  chain ${c.chainId}`);
  });
}
