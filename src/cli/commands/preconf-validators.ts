/**
 * `avs preconf operator validators register|deregister` and `avs preconf validator show`: the EigenPod validators an
 * operator preconfirms for. An operator registers ACTIVE validators of pods whose owners delegate to it; a deregistered
 * validator stays registered, and its operator liable for its promises, for the registry's deregistration delay.
 */
import type { Command } from 'commander';
import { type Hex, getAddress, parseEventLogs, zeroAddress } from 'viem';
import { IEigenPodManagerAbi } from '../../core/chain/abis/generated/index.ts';
import { printJson } from '../output.ts';
import { parseAddress } from '../options.ts';
import {
  type KeyOptions,
  OPERATOR_KEY_ENV,
  type PreconfGlobals,
  commitmentView,
  keyOptions,
  loadPreconf,
  loadPreconfWriter,
  parseValidatorKeys,
  parseValidatorRef,
  printResult,
  readOptions,
} from '../preconf-context.ts';
import { MAX_UINT64, VALIDATOR_STATUS, sendRegistryWrite } from './preconf-errors.ts';

const VALIDATOR_ARGUMENT = 'the validators: each a 48-byte 0x BLS pubkey or its 32-byte 0x pubkey hash, sha256(pubkey ‖ 16 zero bytes)';

/** Adds `validators register|deregister` under `preconf operator`. */
export function registerPreconfValidatorsCommands(operator: Command): void {
  const validators = operator.command('validators').description('register or deregister EigenPod validators you preconfirm for');
  registerValidatorsRegister(validators);
  registerValidatorsDeregister(validators);
}

/** Adds `validator show` under `preconf`. */
export function registerPreconfValidatorCommands(preconf: Command): void {
  const validator = preconf.command('validator').description('one validator as the registry sees it');
  registerValidatorShow(validator);
}

function registerValidatorsRegister(validators: Command): void {
  keyOptions(
    validators
      .command('register')
      .description(
        'register validators of a pod owner delegated to you; each must be ACTIVE in its EigenPod, and your commitment in force must have a delegate key; cancels a started deregistration',
      )
      .argument('<validator...>', VALIDATOR_ARGUMENT)
      .requiredOption('--pod-owner <address>', 'the owner of the EigenPod the validators restake in (delegated to you)'),
    'the operator key',
    OPERATOR_KEY_ENV,
  ).action(async (texts: string[], _opts, cmd: Command) => {
    const opts = cmd.optsWithGlobals<PreconfGlobals & KeyOptions & { podOwner: string }>();
    const podOwner = parseAddress('--pod-owner', opts.podOwner);
    const refs = parseValidatorKeys('<validator>', texts);
    const w = await loadPreconfWriter(opts);
    const { client, registry, account, wallet, deployment } = w;
    const labels = new Map(refs.map((r) => [r.hash, r.text.trim()] as const));
    const before = await client.readContract({ ...registry, functionName: 'getOperator', args: [account.address] });
    const receipt = await sendRegistryWrite({ reader: w, operator: account.address, podOwner, labels }, 'registerValidators', () =>
      wallet.writeContract({ ...registry, functionName: 'registerValidators', args: [podOwner, refs.map((r) => r.hash)] }),
    );
    const [after, eigenPod] = await Promise.all([
      client.readContract({ ...registry, functionName: 'getOperator', args: [account.address], blockNumber: receipt.blockNumber }),
      client.readContract({ address: deployment.preconf.eigenPodManager, abi: IEigenPodManagerAbi, functionName: 'getPod', args: [podOwner], blockNumber: receipt.blockNumber }),
    ]);
    const events = parseEventLogs({ abi: registry.abi, eventName: 'ValidatorRegistered', logs: receipt.logs });
    printResult(
      {
        operator: account.address,
        podOwner,
        eigenPod: getAddress(eigenPod),
        registered: events.map((e) => ({ validator: labels.get(e.args.blsPubKeyHash) ?? e.args.blsPubKeyHash, blsPubKeyHash: e.args.blsPubKeyHash, validatorIndex: e.args.validatorIndex })),
        validatorCount: after.validatorCount,
        deregistrationCancelled: before.startDeregisterOperatorBlock !== 0n && after.startDeregisterOperatorBlock === 0n,
        transactionHash: receipt.transactionHash,
      },
      opts.json,
    );
  });
}

function registerValidatorsDeregister(validators: Command): void {
  keyOptions(
    validators
      .command('deregister')
      .description(
        'deregister validators: their operator may always; anyone may for a validator no longer ACTIVE in its pod or whose pod owner left its operator. Each stays registered, and its operator liable for it, until the block printed',
      )
      .argument('<validator...>', VALIDATOR_ARGUMENT),
    'the sending key: the validators’ operator, or anyone for validators no longer backed by stake',
    OPERATOR_KEY_ENV,
  ).action(async (texts: string[], _opts, cmd: Command) => {
    const opts = cmd.optsWithGlobals<PreconfGlobals & KeyOptions>();
    const refs = parseValidatorKeys('<validator>', texts);
    const w = await loadPreconfWriter(opts);
    const { registry, account, wallet } = w;
    const labels = new Map(refs.map((r) => [r.hash, r.text.trim()] as const));
    const receipt = await sendRegistryWrite({ reader: w, operator: account.address, labels }, 'deregisterValidators', () =>
      wallet.writeContract({ ...registry, functionName: 'deregisterValidators', args: [refs.map((r) => r.hash)] }),
    );
    const events = parseEventLogs({ abi: registry.abi, eventName: 'ValidatorDeregistered', logs: receipt.logs });
    const until = events.reduce((max, e) => (e.args.registeredUntil > max ? e.args.registeredUntil : max), 0n);
    printResult(
      {
        sentBy: account.address,
        deregistered: events.map((e) => ({
          validator: labels.get(e.args.blsPubKeyHash) ?? e.args.blsPubKeyHash,
          blsPubKeyHash: e.args.blsPubKeyHash,
          operator: getAddress(e.args.operator),
          liableUntilBlock: e.args.registeredUntil,
        })),
        liability: `each stays registered, and its operator liable for the preconfirmations it signed, until block ${until}; from then it may be registered again`,
        transactionHash: receipt.transactionHash,
      },
      opts.json,
    );
  });
}

function registerValidatorShow(validator: Command): void {
  readOptions(
    validator
      .command('show')
      .description('a validator as the registry sees it: its operator and pod, status in the pod, whether it is backed by stake, the commitment in force (delegate key, chains), and until when it is registered')
      .argument('<validator>', 'a 48-byte 0x BLS pubkey, its 32-byte 0x pubkey hash, or a decimal beacon-chain index (0 is a validator)'),
  ).action(async (text: string, _opts, cmd: Command) => {
    const opts = cmd.optsWithGlobals<PreconfGlobals>();
    const ref = parseValidatorRef('<validator>', text);
    const reader = loadPreconf(opts);
    const { client, registry } = reader;
    const block = await client.getBlockNumber({ cacheTime: 0 });
    const v =
      ref.kind === 'index'
        ? await client.readContract({ ...registry, functionName: 'getValidator', args: [ref.index], blockNumber: block })
        : await client.readContract({ ...registry, functionName: 'getValidator', args: [ref.hash], blockNumber: block });
    const identity = {
      validator: text.trim(),
      ...(ref.kind === 'pubkey' ? { pubkey: ref.pubkey } : {}),
      ...(ref.kind === 'index' ? {} : { blsPubKeyHash: ref.hash }),
    };
    const known = v.operator !== zeroAddress;
    const result = known
      ? {
          block,
          ...identity,
          known: true,
          registered: v.registered,
          operator: getAddress(v.operator),
          eigenPod: getAddress(v.eigenPod),
          validatorIndex: v.validatorIndex,
          status: VALIDATOR_STATUS[v.status] ?? `unknown (${v.status})`,
          backedByStake: v.backedByStake,
          // A registered validator's registeredUntil is type(uint64).max; a deregistered one's is the end of its liability.
          liableUntilBlock: v.registeredUntil === MAX_UINT64 ? null : v.registeredUntil,
          commitment: await commitmentView(reader, v, block),
        }
      : { block, ...identity, known: false, registered: false };
    if (opts.json) {
      printJson(result);
      return;
    }
    const out = (line: string) => process.stdout.write(`${line}\n`);
    const name = ref.kind === 'index' ? `validator at beacon index ${ref.index}` : `validator ${result.validator}`;
    if (!('operator' in result)) {
      out(`${name}: not registered (the registry has never registered it${ref.kind === 'index' ? ' under this index' : ''})`);
      return;
    }
    const state = result.registered
      ? result.liableUntilBlock === null
        ? 'registered'
        : `deregistered, still liable until block ${result.liableUntilBlock}`
      : `not registered (deregistered; liable until block ${result.liableUntilBlock})`;
    out(`${name} at block ${block}: ${state}`);
    if (ref.kind === 'pubkey') out(`  pubkey hash:  ${ref.hash}`);
    out(`  operator:     ${result.operator}`);
    out(`  eigenPod:     ${result.eigenPod} (beacon index ${result.validatorIndex}, ${result.status})`);
    out(`  backed:       ${result.backedByStake ? 'yes' : 'no (exited, or the pod owner is no longer delegated to the operator)'}`);
    out(`  delegate key: ${result.commitment.delegateKey ?? '(none)'}`);
    out(`  chains:       ${result.commitment.chainIds.length ? result.commitment.chainIds.join(', ') : '(none)'}`);
  });
}
