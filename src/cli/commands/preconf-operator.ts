/**
 * `avs preconf operator register|commitment set|commitment update|deregister start|deregister finish|show`: an
 * EigenLayer operator joins the preconf registry (UniFiAVSManager) through the AVSDirectory, commits to a delegate key
 * and a set of chains, and leaves again. Every change that could break a promise made during the proposer lookahead (a
 * new commitment, the operator's deregistration) waits the registry's deregistration delay; the commands print the
 * block it ends at. Validators: preconf-validators.ts.
 */
import type { Command } from 'commander';
import type { Address, Hex } from 'viem';
import { IDelegationManagerAbi } from '../../core/chain/abis/generated/index.ts';
import { signAvsRegistration } from '../../runtime/registration.ts';
import { CommandFailedError, UsageError } from '../errors.ts';
import { printJson } from '../output.ts';
import {
  type KeyOptions,
  OPERATOR_KEY_ENV,
  type PreconfGlobals,
  type PreconfReader,
  type PreconfWriter,
  commitmentBitmap,
  commitmentView,
  formatCommitment,
  keyOptions,
  loadPreconf,
  loadPreconfWriter,
  operatorAddressOf,
  parseChainIdList,
  parseDelegateKey,
  printResult,
  readOptions,
} from '../preconf-context.ts';
import { sendRegistryWrite } from './preconf-errors.ts';
import { registerPreconfValidatorsCommands } from './preconf-validators.ts';

type CommitmentOptions = { delegateKey?: string; chains?: string };

/** Adds `operator …` under `preconf`. */
export function registerPreconfOperatorCommands(preconf: Command): void {
  const operator = preconf.command('operator').description('join or leave the preconf registry, commit to a delegate key and chains, register your EigenPod validators');
  registerRegister(operator);
  const commitment = operator.command('commitment').description('change your commitment: the delegate key that signs preconfirmations and the chains you preconfirm for');
  registerCommitmentSet(commitment);
  registerCommitmentUpdate(commitment);
  registerPreconfValidatorsCommands(operator);
  const deregister = operator.command('deregister').description('leave the preconf registry in two steps, the registry’s deregistration delay apart');
  registerDeregisterStart(deregister);
  registerDeregisterFinish(deregister);
  registerShow(operator);
}

function commitmentOptions(command: Command, required: boolean): Command {
  const when = required ? '' : ' (default: your latest one)';
  return command
    .option('--delegate-key <0x address|hex>', `the key that signs your validators’ preconfirmations: an address (the only kind isValidPreconfirmation checks) or other key bytes${when}`)
    .option('--chains <id,id,…>', `the chain ids you preconfirm for, each one the registry maps (\`avs preconf chains\`)${when}`);
}

function registerRegister(operator: Command): void {
  commitmentOptions(
    keyOptions(
      operator
        .command('register')
        .description(
          'register with the preconf registry (through the AVSDirectory; you must be an EigenLayer operator); with --delegate-key your commitment is in force at once, else set one later with `commitment set` (which waits the delay)',
        ),
      'the operator key',
      OPERATOR_KEY_ENV,
    ),
    false,
  ).action(async (_opts, cmd: Command) => {
    const opts = cmd.optsWithGlobals<PreconfGlobals & KeyOptions & CommitmentOptions>();
    if (opts.chains !== undefined && opts.delegateKey === undefined) {
      throw new UsageError('--chains needs --delegate-key: a commitment is a delegate key and its chains (or register without either and run `commitment set` later)');
    }
    const delegateKey = opts.delegateKey === undefined ? undefined : parseDelegateKey('--delegate-key', opts.delegateKey);
    const chainIds = opts.chains === undefined ? [] : parseChainIdList('--chains', opts.chains);
    const w = await loadPreconfWriter(opts);
    const { client, registry, account, wallet, deployment } = w;
    const chainIDBitMap = await commitmentBitmap(w, '--chains', chainIds);
    const isOperator = await client.readContract({ address: deployment.eigenlayer.delegationManager, abi: IDelegationManagerAbi, functionName: 'isOperator', args: [account.address] });
    if (!isOperator) {
      throw new CommandFailedError(`${account.address} is not an EigenLayer operator: register it with the DelegationManager (registerAsOperator, e.g. \`eigenlayer operator register\`) first`);
    }
    const signature = await signAvsRegistration({ client, avs: { eigenlayer: deployment.eigenlayer, serviceManager: registry.address }, operator: account });
    const ctx = { reader: w, operator: account.address };
    const receipt =
      delegateKey === undefined
        ? await sendRegistryWrite(ctx, 'registerOperator', () => wallet.writeContract({ ...registry, functionName: 'registerOperator', args: [signature] }))
        : await sendRegistryWrite(ctx, 'registerOperatorWithCommitment', () =>
            wallet.writeContract({ ...registry, functionName: 'registerOperatorWithCommitment', args: [signature, { delegateKey, chainIDBitMap }] }),
          );
    const after = await client.readContract({ ...registry, functionName: 'getOperator', args: [account.address], blockNumber: receipt.blockNumber });
    printResult(
      {
        operator: account.address,
        registered: after.isRegistered,
        commitment: delegateKey === undefined ? null : await commitmentView(w, after.commitment, receipt.blockNumber),
        next:
          delegateKey === undefined
            ? 'set a commitment (`avs preconf operator commitment set --delegate-key … --chains …`), then register validators once it is in force'
            : 'register your pod owners’ validators: `avs preconf operator validators register --pod-owner <address> <validator…>`',
        transactionHash: receipt.transactionHash,
      },
      opts.json,
    );
  });
}

function registerCommitmentSet(commitment: Command): void {
  commitmentOptions(
    keyOptions(
      commitment
        .command('set')
        .description(
          'ask for a new commitment; it is in force from the block printed (now + the registry’s deregistration delay) without anything more to send, and replaces a pending one not yet in force',
        ),
      'the operator key',
      OPERATOR_KEY_ENV,
    ),
    false,
  ).action(async (_opts, cmd: Command) => {
    const opts = cmd.optsWithGlobals<PreconfGlobals & KeyOptions & CommitmentOptions>();
    if (opts.delegateKey === undefined && opts.chains === undefined) throw new UsageError('give --delegate-key, --chains or both (what you leave out stays as in your latest commitment)');
    const givenKey = opts.delegateKey === undefined ? undefined : parseDelegateKey('--delegate-key', opts.delegateKey);
    const chainIds = opts.chains === undefined ? undefined : parseChainIdList('--chains', opts.chains);
    const w = await loadPreconfWriter(opts);
    const { client, registry, account, wallet } = w;
    const before = await client.readContract({ ...registry, functionName: 'getOperator', args: [account.address] });
    if (!before.isRegistered) {
      throw new CommandFailedError(`${account.address} is not registered with the preconf registry: \`avs preconf operator register --delegate-key … --chains …\` registers it with a commitment in force at once`);
    }
    // The latest commitment asked for: the pending one if any, else the one in force.
    const latest = before.commitmentValidAfter !== 0n ? before.pendingCommitment : before.commitment;
    const delegateKey: Hex = givenKey ?? latest.delegateKey;
    if (delegateKey === '0x') throw new UsageError('--delegate-key is required: you have no delegate key yet');
    const chainIDBitMap = chainIds === undefined ? latest.chainIDBitMap : await commitmentBitmap(w, '--chains', chainIds);
    const receipt = await sendRegistryWrite({ reader: w, operator: account.address }, 'setOperatorCommitment', () =>
      wallet.writeContract({ ...registry, functionName: 'setOperatorCommitment', args: [{ delegateKey, chainIDBitMap }] }),
    );
    const after = await client.readContract({ ...registry, functionName: 'getOperator', args: [account.address], blockNumber: receipt.blockNumber });
    printResult(
      {
        operator: account.address,
        pending: await commitmentView(w, after.pendingCommitment, receipt.blockNumber),
        validFromBlock: after.commitmentValidAfter,
        inForceUntilThen: await commitmentView(w, after.commitment, receipt.blockNumber),
        replacedPending: before.commitmentValidAfter !== 0n,
        next: `nothing: it is in force from block ${after.commitmentValidAfter} on its own (\`avs preconf operator commitment update\` then writes it down)`,
        transactionHash: receipt.transactionHash,
      },
      opts.json,
    );
  });
}

/**
 * A command sending one of the registry's argument-less operator calls with the operator key, then printing what
 * `report` reads back at the transaction's block.
 */
function registerOperatorCall(
  parent: Command,
  name: string,
  description: string,
  functionName: 'updateOperatorCommitment' | 'startDeregisterOperator' | 'finishDeregisterOperator',
  report: (w: PreconfWriter, receipt: { blockNumber: bigint }) => Promise<Record<string, unknown>>,
): void {
  keyOptions(parent.command(name).description(description), 'the operator key', OPERATOR_KEY_ENV).action(async (_opts, cmd: Command) => {
    const opts = cmd.optsWithGlobals<PreconfGlobals & KeyOptions>();
    const w = await loadPreconfWriter(opts);
    const { registry, account, wallet } = w;
    const receipt = await sendRegistryWrite({ reader: w, operator: account.address }, functionName, () =>
      wallet.writeContract({ ...registry, functionName, args: [] }),
    );
    printResult({ operator: account.address, ...(await report(w, receipt)), transactionHash: receipt.transactionHash }, opts.json);
  });
}

function registerCommitmentUpdate(commitment: Command): void {
  registerOperatorCall(
    commitment,
    'update',
    'write down your pending commitment once it is in force (updateOperatorCommitment): bookkeeping, since the registry reads it as in force from its block anyway',
    'updateOperatorCommitment',
    async (w, { blockNumber }) => {
      const after = await w.client.readContract({ ...w.registry, functionName: 'getOperator', args: [w.account.address], blockNumber });
      return { commitment: await commitmentView(w, after.commitment, blockNumber) };
    },
  );
}

function registerDeregisterStart(deregister: Command): void {
  registerOperatorCall(
    deregister,
    'start',
    'start leaving the registry (you must have no registered validators); finish after the deregistration delay; registering a validator before then cancels it',
    'startDeregisterOperator',
    async (w, { blockNumber }) => {
      const [after, delay] = await Promise.all([
        w.client.readContract({ ...w.registry, functionName: 'getOperator', args: [w.account.address], blockNumber }),
        w.client.readContract({ ...w.registry, functionName: 'getDeregistrationDelay', blockNumber }),
      ]);
      const finishBlock = after.startDeregisterOperatorBlock + delay;
      return {
        startedAtBlock: after.startDeregisterOperatorBlock,
        canFinishFromBlock: finishBlock,
        next: `\`avs preconf operator deregister finish\` from block ${finishBlock}`,
      };
    },
  );
}

function registerDeregisterFinish(deregister: Command): void {
  registerOperatorCall(
    deregister,
    'finish',
    'finish leaving the registry, the deregistration delay after `deregister start`: out of the AVSDirectory, your commitment deleted',
    'finishDeregisterOperator',
    async (w, { blockNumber }) => {
      const after = await w.client.readContract({ ...w.registry, functionName: 'getOperator', args: [w.account.address], blockNumber });
      return { registered: after.isRegistered };
    },
  );
}

function registerShow(operator: Command): void {
  readOptions(
    operator
      .command('show')
      .description('an operator as the registry sees it now: registered, its commitment in force (with chain ids), a pending one and when it is in force, validators, deregistration')
      .argument('[address]', 'the operator (default: the address of --key, $AVS_OPERATOR_KEY or --ecdsa-keystore)'),
  )
    .option('--key <hex>', 'show the operator of this key (default: $AVS_OPERATOR_KEY)')
    .option('--ecdsa-keystore <file>', 'show the operator of this keystore (its address field; no password needed)')
    .action(async (address: string | undefined, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<PreconfGlobals & KeyOptions>();
      const operatorAddress = await operatorAddressOf(address, opts);
      const reader = loadPreconf(opts);
      const result = await readOperator(reader, operatorAddress);
      if (opts.json) {
        printJson(result);
        return;
      }
      const out = (line: string) => process.stdout.write(`${line}\n`);
      out(`operator ${result.operator} at block ${result.block}: ${result.registered ? 'registered' : 'not registered'}`);
      out(`  validators:   ${result.validatorCount}`);
      out(`  commitment:   ${formatCommitment(result.commitment)}`);
      if (result.pending) out(`  pending:      ${formatCommitment(result.pending)}; in force from block ${result.pending.validFromBlock}`);
      if (result.deregistration) {
        const d = result.deregistration;
        out(`  deregistering: started at block ${d.startedAtBlock}; can finish from block ${d.canFinishFromBlock}${d.canFinishNow ? ' (now)' : ''}`);
      }
    });
}

/**
 * getOperator of `operator` at the latest block, with chain ids and the deregistration's finishing block.
 * @returns the fields `operator show` prints.
 */
export async function readOperator(reader: PreconfReader, operator: Address) {
  const { client, registry } = reader;
  const block = await client.getBlockNumber({ cacheTime: 0 });
  const [op, delay] = await Promise.all([
    client.readContract({ ...registry, functionName: 'getOperator', args: [operator], blockNumber: block }),
    client.readContract({ ...registry, functionName: 'getDeregistrationDelay', blockNumber: block }),
  ]);
  const start = op.startDeregisterOperatorBlock;
  return {
    block,
    operator,
    registered: op.isRegistered,
    validatorCount: op.validatorCount,
    commitment: await commitmentView(reader, op.commitment, block),
    pending: op.commitmentValidAfter === 0n ? null : { ...(await commitmentView(reader, op.pendingCommitment, block)), validFromBlock: op.commitmentValidAfter },
    deregistration: start === 0n ? null : { startedAtBlock: start, canFinishFromBlock: start + delay, canFinishNow: block + 1n >= start + delay },
    deregistrationDelay: delay,
  };
}
