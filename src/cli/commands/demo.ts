/**
 * `avs demo [state-proofs|multi-prover|automation|preconf] [--json]`: a fresh devnet, one service's whole lifecycle with a line per step,
 * tear down; exit 0 only if every step held. With `--json`, stdout carries exactly one JSON object
 * ({@link DemoReport}; the multi-prover's adds `confirmations`; automation's is `{ok, steps, runs, verdicts, rotation}`; preconf's `{ok, steps, lookahead, preconfs}`).
 */
import type { Command } from 'commander';
import { type DemoReport, demoFault, runDemo } from '../demo.ts';
import type { DemoStep } from '../demoSteps.ts';
import { ExitCode } from '../errors.ts';
import { printJson } from '../output.ts';
import { parseCount } from '../options.ts';
import { UsageError } from '../errors.ts';

/** The services `avs demo` walks through. */
const DEMO_SERVICES = ['state-proofs', 'multi-prover', 'automation', 'preconf'] as const;

/** How each service's demo beside state proofs is run (loaded on demand: each pulls in its service's stack). */
type ServiceDemo = {
  /** What its fixed 4 operators are, for the message refusing `--operators`. */
  operators: string;
  run(options: { logLevel: string; timeoutMs: number; onStepStart: (name: string) => void; onStep: (step: DemoStep) => void }): Promise<{ ok: boolean }>;
};

const SERVICE_DEMOS: Record<string, ServiceDemo> = {
  'multi-prover': {
    operators: '4 operators in 2 quorums',
    run: async ({ timeoutMs, ...hooks }) => (await import('../demoMultiProver.ts')).runMultiProverDemo({ ...hooks, confirmTimeoutMs: timeoutMs }),
  },
  automation: {
    operators: '4 operators, one of them faulty',
    run: async ({ timeoutMs, ...hooks }) => (await import('../demoAutomation.ts')).runAutomationDemo({ ...hooks, timeoutMs: Math.max(timeoutMs, 180_000) }),
  },
  preconf: {
    operators: 'the devnet’s 4 operators',
    run: async ({ timeoutMs, ...hooks }) => (await import('../demoPreconf.ts')).runPreconfDemo({ ...hooks, timeoutMs: Math.max(timeoutMs, 120_000) }),
  },
};

/** Adds `demo` to the program. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .argument('[service]', `which service's lifecycle: ${DEMO_SERVICES.join(' or ')}`, 'state-proofs')
    .description('start a fresh devnet, walk a service’s lifecycle (state proofs: prove a value across chains and dispute a wrong one; multi-prover: attest TEE provers, confirm a block with one BLS signature, refuse a lapsed prover, slash an equivocation; automation: run a vault’s workflows slot by slot, find a skipping executor at fault and slash it; preconf: register an operator and its EigenPod validators, read the proposer lookahead, get a preconfirmation signed and one refused, change a commitment and leave in two steps), tear down (exit 0 on success)')
    .option('--operators <n>', 'number of operators (at least 2, so a single signer is below the threshold)', '4')
    .option('--timeout <seconds>', 'how long to wait for the proof', '60')
    .option('--json', 'print one JSON object {ok, steps, proof, verifications, dispute} instead of step lines')
    .action(async (service: string, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ operators: string; timeout: string; json?: boolean }>();
      if (!(DEMO_SERVICES as readonly string[]).includes(service)) throw new UsageError(`unknown demo "${service}": expected ${DEMO_SERVICES.join(' or ')}`);
      const operators = parseCount('--operators', opts.operators, { min: 2, max: 100 });
      const timeoutMs = parseCount('--timeout', opts.timeout, { min: 1 }) * 1000;
      const tty = process.stdout.isTTY === true && !opts.json;
      const printStep = (step: { ok: boolean; name: string; detail: string }) => {
        if (opts.json) return;
        process.stdout.write(`${tty ? '\r\x1b[2K' : ''}${step.ok ? '✓' : '✗'} ${step.name}: ${step.detail}\n`);
      };
      const walk = SERVICE_DEMOS[service];
      if (walk) {
        if (operators !== 4) throw new UsageError(`the ${service} demo runs ${walk.operators}: drop --operators`);
        const report = await walk.run({
          logLevel: process.env.LOG_LEVEL ?? 'silent',
          timeoutMs,
          onStepStart: (name) => {
            if (tty) process.stdout.write(`… ${name}`);
          },
          onStep: printStep,
        });
        if (opts.json) printJson(report, false);
        else process.stdout.write(report.ok ? 'demo: every step held\n' : 'demo: FAILED\n');
        process.exitCode = report.ok ? ExitCode.ok : ExitCode.failure;
        return;
      }
      // Loaded on demand: the aggregator's HTTP stack is heavy and most commands do not need it.
      const { devnetServices } = await import('../../devnet/services.ts');
      const report: DemoReport = await runDemo({
        operators,
        proofTimeoutMs: timeoutMs,
        // Every seeded operator lies about the demo's fault key only, so the challenger has one wrong proof to catch.
        services: devnetServices({ logLevel: process.env.LOG_LEVEL ?? 'silent', faulty: { operators: operators, fault: demoFault } }),
        onStepStart: (name) => {
          if (tty) process.stdout.write(`… ${name}`);
        },
        onStep: (step) => {
          if (opts.json) return;
          process.stdout.write(`${tty ? '\r\x1b[2K' : ''}${step.ok ? '✓' : '✗'} ${step.name}: ${step.detail}\n`);
        },
      });
      if (opts.json) printJson(report, false);
      else process.stdout.write(report.ok ? 'demo: every step held\n' : 'demo: FAILED\n');
      process.exitCode = report.ok ? ExitCode.ok : ExitCode.failure;
    });
}
