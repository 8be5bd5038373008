/**
 * `avs automation workflow register|cancel|deposit|withdraw|list|show`: a vault (the sending key's address) registers
 * workflows with DittoEntryPoint, keeps the ether deposit that pays their runs, and reads them back.
 */
import type { Command } from 'commander';
import { type Address, type PublicClient, formatEther, parseEther } from 'viem';
import { DittoEntryPointAbi } from '../../core/chain/abis/generated/index.ts';
import {
  TriggerKind,
  WorkflowParamsError,
  type WorkflowInput,
  type WorkflowView,
  describeWorkflow,
  parseWorkflowParams,
  registeredWorkflowId,
} from '../../services/automation/workflowParams.ts';
import {
  type AutomationGlobals,
  type KeyOptions,
  keyOptions,
  loadAutomation,
  loadAutomationWriter,
  printResult,
  readOptions,
  sendAndWait,
} from '../automation-context.ts';
import { CommandFailedError, UsageError } from '../errors.ts';
import { parseAddress, parseUint } from '../options.ts';
import { printJson } from '../output.ts';

const VAULT_KEY_ENV = 'AVS_VAULT_KEY';

/** The option each {@link WorkflowInput} field comes from, to name it in errors. */
const OPTION_OF: Record<keyof WorkflowInput, string> = {
  target: '--target',
  callData: '--calldata',
  maxGasLimit: '--max-gas-limit',
  maxGasPrice: '--max-gas-price',
  every: '--every',
  start: '--start',
  checker: '--checker',
  checkData: '--check-data',
};

/** Adds `workflow …` under `automation`. */
export function registerAutomationWorkflowCommands(automation: Command): void {
  const workflow = automation.command('workflow').description('register, fund, cancel and read a vault’s workflows in the DittoEntryPoint');
  registerRegister(workflow);
  registerCancel(workflow);
  registerDeposit(workflow);
  registerWithdraw(workflow);
  registerList(workflow);
  registerShow(workflow);
}

function registerRegister(workflow: Command): void {
  keyOptions(
    workflow
      .command('register')
      .description('register a workflow for your vault (the sending key’s address) and print its id; a time trigger (--every) or a condition trigger (--checker with --check-data)'),
    'the vault key',
    VAULT_KEY_ENV,
  )
    .option('--target <address>', 'contract each run calls')
    .option('--calldata <hex>', 'calldata of each run of a time workflow (default 0x)')
    .option('--max-gas-limit <gas>', `gas units given to each call, 1 to 15000000; also the most gas a run is billed`)
    .option('--max-gas-price <price>', 'highest gas price a run may be sent at, with its unit: e.g. 20gwei or 20000000000wei')
    .option('--every <seconds>', 'time trigger: period in seconds')
    .option('--start <unix|now>', 'time trigger: first due time, unix seconds or now (default now)')
    .option('--checker <address>', 'condition trigger: contract static-called with --check-data, returning (bool canExec, bytes execPayload)')
    .option('--check-data <hex>', 'condition trigger: calldata of the check')
    .option('--deposit <ether>', 'also add this much ether to the vault’s deposit (pays the runs)')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<
        AutomationGlobals &
          KeyOptions & { target?: string; calldata?: string; maxGasLimit?: string; maxGasPrice?: string; every?: string; start?: string; checker?: string; checkData?: string; deposit?: string }
      >();
      const input: WorkflowInput = {
        target: opts.target,
        callData: opts.calldata,
        maxGasLimit: opts.maxGasLimit,
        maxGasPrice: opts.maxGasPrice,
        every: opts.every,
        start: opts.start,
        checker: opts.checker,
        checkData: opts.checkData,
      };
      const deposit = opts.deposit === undefined ? undefined : parseEtherOption('--deposit', opts.deposit);
      // Checked once without the chain (so bad flags cost no RPC), then with the chain's time for `now`.
      workflowParams(input, 0n);
      const { deployment, client, account, wallet } = await loadAutomationWriter(opts, VAULT_KEY_ENV);
      const entryPoint = { address: deployment.automation.entryPoint, abi: DittoEntryPointAbi } as const;
      const now = (await client.getBlock({ blockTag: 'latest' })).timestamp;
      const params = workflowParams(input, now, deployment.automation.entryPoint);
      const receipt = await sendAndWait(client, 'registerWorkflow', () => wallet.writeContract({ ...entryPoint, functionName: 'registerWorkflow', args: [params] }));
      const id = registeredWorkflowId(receipt.logs, deployment.automation.entryPoint, account.address);
      if (id === undefined) throw new CommandFailedError(`registerWorkflow transaction ${receipt.transactionHash} emitted no WorkflowRegistered event for ${account.address}`);
      let depositTransactionHash: string | undefined;
      if (deposit !== undefined) {
        const funded = await sendAndWait(client, 'deposit', () => wallet.writeContract({ ...entryPoint, functionName: 'deposit', args: [account.address], value: deposit }));
        depositTransactionHash = funded.transactionHash;
      }
      const balance = await client.readContract({ ...entryPoint, functionName: 'depositOf', args: [account.address] });
      printResult(
        {
          vault: account.address,
          id,
          target: params.target,
          trigger: params.trigger.kind === TriggerKind.Time ? `every ${params.trigger.interval}s from ${params.trigger.start}` : `when ${params.trigger.checker} says so`,
          maxGasLimit: params.maxGasLimit,
          maxGasPriceWei: params.maxGasPrice,
          deposit: formatEther(balance),
          transactionHash: receipt.transactionHash,
          depositTransactionHash,
        },
        opts.json,
      );
    });
}

function registerCancel(workflow: Command): void {
  keyOptions(workflow.command('cancel').description('cancel one of your vault’s workflows, for good').argument('<id>', 'the workflow id (0, 1, 2, …)'), 'the vault key', VAULT_KEY_ENV).action(
    async (idText: string, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AutomationGlobals & KeyOptions>();
      const id = parseUint('<id>', idText);
      const { deployment, client, account, wallet } = await loadAutomationWriter(opts, VAULT_KEY_ENV);
      const receipt = await sendAndWait(client, 'cancelWorkflow', () =>
        wallet.writeContract({ address: deployment.automation.entryPoint, abi: DittoEntryPointAbi, functionName: 'cancelWorkflow', args: [id] }),
      );
      printResult({ vault: account.address, id, status: 'cancelled', transactionHash: receipt.transactionHash }, opts.json);
    },
  );
}

function registerDeposit(workflow: Command): void {
  keyOptions(
    workflow.command('deposit').description('add ether to a vault’s deposit, which pays its workflows’ runs').argument('<ether>', 'amount in ether, e.g. 0.5'),
    'the paying key',
    VAULT_KEY_ENV,
  )
    .option('--vault <address>', 'the vault credited (default: the key’s own address)')
    .action(async (amountText: string, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AutomationGlobals & KeyOptions & { vault?: string }>();
      const amount = parseEtherOption('<ether>', amountText);
      const vaultAddress = opts.vault === undefined ? undefined : parseAddress('--vault', opts.vault);
      const { deployment, client, account, wallet } = await loadAutomationWriter(opts, VAULT_KEY_ENV);
      const vault = vaultAddress ?? account.address;
      const entryPoint = { address: deployment.automation.entryPoint, abi: DittoEntryPointAbi } as const;
      const receipt = await sendAndWait(client, 'deposit', () => wallet.writeContract({ ...entryPoint, functionName: 'deposit', args: [vault], value: amount }));
      const balance = await client.readContract({ ...entryPoint, functionName: 'depositOf', args: [vault], blockNumber: receipt.blockNumber });
      printResult({ vault, from: account.address, amount: formatEther(amount), deposit: formatEther(balance), transactionHash: receipt.transactionHash }, opts.json);
    });
}

function registerWithdraw(workflow: Command): void {
  keyOptions(
    workflow.command('withdraw').description('take ether out of your vault’s deposit').argument('<ether>', 'amount in ether, e.g. 0.5'),
    'the vault key',
    VAULT_KEY_ENV,
  )
    .option('--to <address>', 'where the ether goes (default: the vault)')
    .action(async (amountText: string, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AutomationGlobals & KeyOptions & { to?: string }>();
      const amount = parseEtherOption('<ether>', amountText);
      const toAddress = opts.to === undefined ? undefined : parseAddress('--to', opts.to);
      const { deployment, client, account, wallet } = await loadAutomationWriter(opts, VAULT_KEY_ENV);
      const to = toAddress ?? account.address;
      const entryPoint = { address: deployment.automation.entryPoint, abi: DittoEntryPointAbi } as const;
      const receipt = await sendAndWait(client, 'withdraw', () => wallet.writeContract({ ...entryPoint, functionName: 'withdraw', args: [amount, to] }));
      const balance = await client.readContract({ ...entryPoint, functionName: 'depositOf', args: [account.address], blockNumber: receipt.blockNumber });
      printResult({ vault: account.address, to, amount: formatEther(amount), deposit: formatEther(balance), transactionHash: receipt.transactionHash }, opts.json);
    });
}

function registerList(workflow: Command): void {
  keyOptions(workflow.command('list').description('every workflow a vault registered (ids 0 … workflowCount − 1) and its deposit'), 'the vault key (only its address is used)', VAULT_KEY_ENV)
    .option('--vault <address>', 'the vault (default: the vault key’s address)')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AutomationGlobals & KeyOptions & { vault?: string }>();
      const given = opts.vault === undefined ? undefined : parseAddress('--vault', opts.vault);
      const { deployment, client } = loadAutomation(opts);
      const vault = given ?? (await loadAutomationWriter(opts, VAULT_KEY_ENV)).account.address;
      const entryPoint = { address: deployment.automation.entryPoint, abi: DittoEntryPointAbi } as const;
      const blockNumber = await client.getBlockNumber({ cacheTime: 0 });
      const [count, deposit] = await Promise.all([
        client.readContract({ ...entryPoint, functionName: 'workflowCount', args: [vault], blockNumber }),
        client.readContract({ ...entryPoint, functionName: 'depositOf', args: [vault], blockNumber }),
      ]);
      const workflows = await Promise.all(Array.from({ length: Number(count) }, (_, i) => readWorkflow(client, deployment.automation.entryPoint, vault, BigInt(i), blockNumber)));
      if (opts.json) {
        printJson({ vault, deposit: formatEther(deposit), count, workflows });
        return;
      }
      process.stdout.write(`vault ${vault}: ${count} workflow${count === 1n ? '' : 's'}, deposit ${formatEther(deposit)} ether\n`);
      for (const w of workflows) process.stdout.write(`  ${w.id}  ${w.status.padEnd(9)}  ${w.target}  ${w.trigger}\n`);
    });
}

function registerShow(workflow: Command): void {
  readOptions(
    workflow
      .command('show')
      .description('one workflow: trigger, status, next run, whether it is due now, and the vault’s deposit')
      .argument('<vault>', 'the vault that registered it')
      .argument('<id>', 'its id'),
  ).action(async (vaultText: string, idText: string, _opts, cmd: Command) => {
    const opts = cmd.optsWithGlobals<AutomationGlobals>();
    const vault = parseAddress('<vault>', vaultText);
    const id = parseUint('<id>', idText);
    const { deployment, client } = loadAutomation(opts);
    const entryPoint = { address: deployment.automation.entryPoint, abi: DittoEntryPointAbi } as const;
    const block = await client.getBlock({ blockTag: 'latest' });
    const view = await readWorkflow(client, deployment.automation.entryPoint, vault, id, block.number);
    if (view.status === 'none') throw new CommandFailedError(`vault ${vault} has no workflow ${id}`);
    const [[due], deposit] = await Promise.all([
      client.readContract({ ...entryPoint, functionName: 'isDue', args: [vault, id], blockNumber: block.number }),
      client.readContract({ ...entryPoint, functionName: 'depositOf', args: [vault], blockNumber: block.number }),
    ]);
    printResult({ ...view, dueNow: due, atBlock: block.number, chainTime: block.timestamp, deposit: formatEther(deposit) }, opts.json);
  });
}

async function readWorkflow(client: PublicClient, entryPoint: Address, vault: Address, id: bigint, blockNumber: bigint): Promise<WorkflowView> {
  const workflow = await client.readContract({ address: entryPoint, abi: DittoEntryPointAbi, functionName: 'workflow', args: [vault, id], blockNumber });
  return describeWorkflow(vault, id, workflow);
}

/** {@link parseWorkflowParams}, its errors as usage errors naming the option. */
function workflowParams(input: WorkflowInput, now: bigint, entryPoint?: Address) {
  try {
    return parseWorkflowParams(input, now, entryPoint);
  } catch (error) {
    if (error instanceof WorkflowParamsError) throw new UsageError(`${OPTION_OF[error.field]}: ${error.message}`);
    throw error;
  }
}

/** An ether amount (decimal, up to 18 decimals), above 0. */
function parseEtherOption(name: string, text: string): bigint {
  if (!/^\s*\d+(\.\d{1,18})?\s*$/.test(text)) throw new UsageError(`${name} must be an amount of ether like 0.5, got "${text}"`);
  const wei = parseEther(text.trim());
  if (wei === 0n) throw new UsageError(`${name} must be above 0`);
  return wei;
}
