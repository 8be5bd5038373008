/**
 * `avs devnet`: start chains, deploy, seed operators, run the aggregator and operator nodes of state proofs, of the
 * multi-prover and of the automation service, the preconf beacon node and gateway, print the endpoints, write the deployment file, and run until Ctrl-C.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { devPrivateKey } from '../../devnet/accounts.ts';
import { type Devnet, startDevnet } from '../../devnet/devnet.ts';
import { type MultiProverContracts, multiProverDeployment } from '../../services/multi-prover/deployment.ts';
import { createProgress, printJson } from '../output.ts';
import { UsageError } from '../errors.ts';
import { parseCount, parseUint } from '../options.ts';

type DevnetOptions = {
  deployment: string;
  operators: string;
  remoteChains: string;
  blockTime: string;
  dir: string;
  aggregatorPort: string;
  services: boolean;
  multiProver: boolean;
  automation: boolean;
  preconf: boolean;
  faultyOperators: string;
  faultKey?: string;
  json?: boolean;
};

/** Adds `devnet` to the program. */
export function registerDevnetCommand(program: Command): void {
  program
    .command('devnet')
    .description('run a local devnet (chains, contracts, operators, aggregator) until Ctrl-C; writes the deployment file')
    .option('--operators <n>', 'number of operators', '4')
    .option('--remote-chains <n>', 'number of remote chains besides the main chain 31337', '1')
    .option('--block-time <seconds>', 'interval between blocks (transactions are also mined at once)', '1')
    .option('--dir <path>', 'directory for the devnet databases', '.avs')
    .option('--aggregator-port <port>', 'aggregator HTTP port (0: any free port)', '8080')
    .option('--no-services', 'chains, contracts and registrations only (no aggregator, operator nodes, relayer or challenger)')
    .option('--no-multi-prover', 'neither deploy nor run the multi-prover')
    .option('--no-automation', 'neither deploy nor run the automation service')
    .option('--no-preconf', 'neither deploy nor run the preconf registry, beacon node and gateway')
    .option('--faulty-operators <n>', 'fault injection: the first <n> operator nodes sign value + 1 for --fault-key', '0')
    .option('--fault-key <key>', 'the history key the faulty operators lie about (watch the challenger catch them)')
    .option('--json', 'print the devnet description as one JSON object once it is up')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DevnetOptions>();
      const operators = parseCount('--operators', opts.operators, { min: 1, max: 200 });
      const remoteChains = parseCount('--remote-chains', opts.remoteChains, { min: 0, max: 16 });
      const blockTime = parseCount('--block-time', opts.blockTime, { min: 1, max: 60 });
      const aggregatorPort = parseCount('--aggregator-port', opts.aggregatorPort, { min: 0, max: 65535 });
      const faultyOperators = parseCount('--faulty-operators', opts.faultyOperators, { min: 0, max: operators });
      if ((faultyOperators > 0) !== (opts.faultKey !== undefined)) throw new UsageError('give --faulty-operators and --fault-key together');
      const faultKey = opts.faultKey === undefined ? undefined : parseUint('--fault-key', opts.faultKey);
      const progress = createProgress();
      const started = Date.now();
      const devnet = await startDevnet({
        operators,
        remoteChains,
        mining: { mode: 'mixed', blockTime },
        dir: opts.dir,
        writeDeployment: opts.deployment,
        multiProver: opts.multiProver,
        automation: opts.automation,
        preconf: opts.preconf,
        // Loaded on demand: the aggregator's HTTP stack is heavy and no other command needs it.
        services: opts.services
          ? (await import('../../devnet/services.ts')).devnetServices({
              logLevel: process.env.LOG_LEVEL ?? 'info',
              aggregatorPort,
              faulty: faultKey === undefined ? undefined : { operators: faultyOperators, fault: { signsWrongValue: (q) => q.key === faultKey } },
              multiProver: opts.multiProver,
              automation: opts.automation,
              preconf: opts.preconf,
            })
          : undefined,
        onProgress: (m) => progress.step(m),
      });
      progress.done();
      addMultiProverUrl(devnet);
      progress.info(`devnet up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      if (opts.json) printJson(describeDevnet(devnet), false);
      else printDevnet(devnet);
      await runUntilSignal(devnet);
    });
}

/** The multi-prover aggregator's URL of a running devnet, when it runs one. */
function multiProverUrlOf(devnet: Devnet): string | undefined {
  return devnet.services?.multiProver?.aggregator.url;
}

/** The multi-prover contracts of a devnet, when it deployed them. */
function multiProverContractsOf(devnet: Devnet): MultiProverContracts | undefined {
  return devnet.multiProver ? multiProverDeployment(devnet.deployment, 'devnet').multiProver : undefined;
}

/**
 * Adds the multi-prover aggregator's URL to the deployment file as `aggregator.multiProverUrl` (beside state proofs'
 * `aggregator.url`, under the extension key readers of the schema skip), where the `multi-prover` commands find it.
 */
function addMultiProverUrl(devnet: Devnet): void {
  const url = multiProverUrlOf(devnet);
  if (!url || !devnet.deploymentPath || !existsSync(devnet.deploymentPath)) return;
  const json = JSON.parse(readFileSync(devnet.deploymentPath, 'utf8')) as { aggregator?: Record<string, unknown> };
  json.aggregator = { ...json.aggregator, multiProverUrl: url };
  writeFileSync(devnet.deploymentPath, JSON.stringify(json, null, 2) + '\n');
}

/** A JSON description of a running devnet (what `--json` prints). */
export function describeDevnet(devnet: Devnet) {
  const multiProver = multiProverContractsOf(devnet);
  return {
    deploymentFile: devnet.deploymentPath,
    chains: devnet.chains.map((c) => ({ chainId: c.chainId, rpcUrl: c.rpcUrl, wsUrl: c.wsUrl })),
    deployment: devnet.deployment,
    token: devnet.token,
    user: devnet.user.address,
    publisher: devnet.publisher.address,
    relayer: devnet.relayer.address,
    challenger: devnet.challenger.address,
    operators: devnet.operators.map((o) => ({ address: o.address, signingKey: o.signingKeyAddress, weight: o.weight })),
    activeEpoch: devnet.seed.activeEpoch,
    thresholdWeight: devnet.seed.thresholdWeight,
    endpoints: devnet.services?.endpoints ?? {},
    multiProver: multiProver
      ? {
          aggregatorUrl: multiProverUrlOf(devnet) ?? null,
          contracts: multiProver,
          activeEpoch: devnet.multiProver!.activeEpoch,
          operators: devnet.multiProver!.operators.map((o) => ({ index: o.index, address: o.address, blsKeyHash: o.operatorId, quorums: o.quorums, weights: o.weights })),
        }
      : null,
    automation: devnet.automation
      ? {
          aggregatorUrl: devnet.services?.automation?.aggregator.url ?? null,
          contracts: devnet.automation.section,
          activeEpoch: devnet.automation.activeEpoch,
          operators: devnet.automation.operators.map((o) => ({ index: o.index, address: o.address, delegatedSigner: o.signer?.address ?? null, stake: o.stake })),
        }
      : null,
    preconf: devnet.preconf
      ? {
          gatewayUrl: devnet.services?.preconf?.gateway.url ?? null,
          beaconUrl: devnet.services?.preconf?.beacon.url ?? null,
          contracts: devnet.preconf.section,
          delegateKey: devnet.preconf.delegateKey.address,
          pods: devnet.preconf.pods.map((p) => ({ operatorIndex: p.operatorIndex, operator: p.operator, owner: p.owner.address, pod: p.pod, validators: p.validators.map((v) => v.index) })),
          registered: devnet.preconf.registered,
        }
      : null,
  };
}

function printDevnet(devnet: Devnet): void {
  const lines: string[] = [];
  lines.push('chains');
  for (const c of devnet.chains) lines.push(`  ${c.chainId}  ${c.rpcUrl}  StateManager ${devnet.deployment.chains.find((d) => d.chainId === c.chainId)?.stateManager}`);
  lines.push('contracts (main chain)');
  const { eigenlayer, stateProofs } = devnet.deployment;
  lines.push(`  ServiceManager      ${stateProofs.serviceManager}`);
  lines.push(`  ECDSAStakeRegistry  ${stateProofs.stakeRegistry}`);
  lines.push(`  EpochManager        ${stateProofs.epochManager}`);
  if (stateProofs.registryStateSender) lines.push(`  RegistryStateSender ${stateProofs.registryStateSender}`);
  if (stateProofs.stateDisputeResolver) lines.push(`  StateDisputeResolver ${stateProofs.stateDisputeResolver}`);
  if (stateProofs.mainChainVerifier) lines.push(`  MainChainVerifier   ${stateProofs.mainChainVerifier}`);
  lines.push(`  DelegationManager   ${eigenlayer.delegationManager}`);
  lines.push(`  AVSDirectory        ${eigenlayer.avsDirectory}`);
  lines.push(`  strategy / token    ${eigenlayer.strategies[0]} / ${devnet.token}`);
  for (const c of devnet.deployment.chains.filter((d) => d.lightStakeRegistry)) {
    lines.push(`contracts (chain ${c.chainId})`);
    lines.push(`  LightStakeRegistry  ${c.lightStakeRegistry}`);
    lines.push(`  RegistryStateReceiver ${c.registryStateReceiver}`);
    if (c.remoteChainVerifier) lines.push(`  RemoteChainVerifier ${c.remoteChainVerifier}`);
    if (c.bridge) lines.push(`  bridge endpoints    ${c.bridge.local} ↔ ${c.bridge.main} (on ${devnet.deployment.mainChainId})`);
  }
  const multiProver = multiProverContractsOf(devnet);
  if (multiProver) {
    lines.push('contracts (multi-prover, main chain)');
    lines.push(`  ServiceManager      ${multiProver.serviceManager}`);
    lines.push(`  MultiProverRegistry ${multiProver.registry}`);
    lines.push(`  EpochManager        ${multiProver.epochManager}`);
    lines.push(`  TEELivenessVerifier ${multiProver.livenessVerifier}`);
    lines.push(`  proven chains       ${multiProver.provenChains.join(', ') || 'none'}   committees ${multiProver.committees.map((c) => `${c.id} (quorums ${c.quorumNumbers.join(', ')})`).join('; ')}`);
  }
  if (devnet.automation) {
    const a = devnet.automation.section;
    lines.push('contracts (automation, main chain)');
    lines.push(`  ServiceManager      ${a.serviceManager}`);
    lines.push(`  DittoEntryPoint     ${a.entryPoint}`);
    lines.push(`  ExecutorSchedule    ${a.executorSchedule}   slots of ${a.slotBlocks} blocks`);
    lines.push(`  SlotVerdicts        ${a.slotVerdicts}`);
  }
  if (devnet.preconf) {
    lines.push('contracts (preconf, main chain)');
    lines.push(`  UniFiAVSManager     ${devnet.preconf.section.registry}`);
    lines.push(`  EigenPodManager     ${devnet.preconf.section.eigenPodManager}   (devnet: validators activated by ${devnet.preconf.section.devnet?.beaconChainOracle})`);
  }
  lines.push('accounts');
  lines.push(`  publisher ${devnet.publisher.address}   relayer ${devnet.relayer.address}   challenger ${devnet.challenger.address}`);
  lines.push(`operators (active from epoch ${devnet.seed.activeEpoch}, threshold weight ${devnet.seed.thresholdWeight})`);
  for (const o of devnet.operators) lines.push(`  ${o.address}  signing key ${o.signingKeyAddress}  weight ${o.weight}`);
  if (devnet.multiProver) {
    lines.push(`multi-prover operators (active from epoch ${devnet.multiProver.activeEpoch})`);
    for (const o of devnet.multiProver.operators) {
      lines.push(`  ${o.address}  BLS key ${o.operatorId}  quorums ${o.quorums.join(', ')}  weights ${Object.values(o.weights).join(', ')}`);
    }
  }
  if (devnet.automation) {
    lines.push(`automation executors (active from epoch ${devnet.automation.activeEpoch})`);
    for (const o of devnet.automation.operators) lines.push(`  ${o.address}  delegated signer ${o.signer?.address ?? 'none'}  stake ${o.stake}`);
  }
  if (devnet.preconf) {
    lines.push(`preconf pods (delegate key ${devnet.preconf.delegateKey.address})`);
    for (const p of devnet.preconf.pods) {
      const r = devnet.preconf.registered.find((x) => x.operatorIndex === p.operatorIndex);
      lines.push(`  ${p.pod}  operator ${p.operator}  validators ${p.validators.map((v) => v.index).join(', ')}  ${r ? `chains ${r.chainIds.join(', ')}` : 'not registered'}`);
    }
  }
  const endpoints = devnet.services?.endpoints ?? {};
  if (Object.keys(endpoints).length > 0) {
    lines.push('endpoints');
    const width = Math.max(...Object.keys(endpoints).map((name) => name.length));
    for (const [name, url] of Object.entries(endpoints)) lines.push(`  ${name.padEnd(width)}  ${url}`);
  }
  if (devnet.deploymentPath) lines.push(`deployment file     ${devnet.deploymentPath}`);
  lines.push('');
  lines.push('try it (a funded devnet user key, anvil dev account 1):');
  lines.push(`  export AVS_PRIVATE_KEY=${devPrivateKey(1)}`);
  lines.push(`  avs state set 1 42 --chain ${devnet.chains[1]?.chainId ?? devnet.chains[0].chainId}`);
  lines.push(`  avs state get ${devnet.user.address} 1 --chain ${devnet.chains[1]?.chainId ?? devnet.chains[0].chainId}`);
  const proven = multiProver?.provenChains[0];
  if (multiProverUrlOf(devnet) && proven !== undefined) lines.push(`  avs multi-prover task request --chain ${proven} --wait`);
  if (devnet.automation) lines.push('  avs automation executors');
  lines.push('Ctrl-C stops everything.');
  process.stdout.write(lines.join('\n') + '\n');
}


/** Waits for SIGINT or SIGTERM, stops the devnet, and removes the deployment file it wrote (it would point nowhere). */
async function runUntilSignal(devnet: Devnet): Promise<void> {
  const written = devnet.deploymentPath && existsSync(devnet.deploymentPath) ? readFileSync(devnet.deploymentPath, 'utf8') : undefined;
  // The chains are unref'd child processes; this timer keeps the process alive until a signal arrives.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  clearInterval(keepAlive);
  // A second Ctrl-C while stopping exits at once (the anvil guards still take the chains down).
  process.once('SIGINT', () => process.exit(130));
  const progress = createProgress();
  progress.step(`${signal}: stopping the devnet`);
  await devnet.stop();
  if (devnet.deploymentPath && written !== undefined && existsSync(devnet.deploymentPath)) {
    if (readFileSync(devnet.deploymentPath, 'utf8') === written) rmSync(devnet.deploymentPath);
  }
  progress.done('devnet stopped');
}
