/**
 * `avs multi-prover quote verify <file> --collateral <file> [--at <time>]`: verifies an Intel SGX or TDX DCAP quote
 * off-chain (@phala/dcap-qvl, Intel's root CA) against its collateral at a time, and prints its TEE type, TCB status,
 * advisories, measurements and report data. Exit 1 when it does not verify, naming why.
 *
 * `avs multi-prover quote verify <file> --on-chain`: the same quote through the deployment's
 * IntelDcapAttestationVerifier for its TEE type at the main chain's latest block (a call, no transaction), against the
 * collateral its IntelCollateralStore holds (`avs multi-prover collateral submit` puts it there).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CommandFailedError, UsageError } from '../errors.ts';
import { printFields, printJson } from '../output.ts';

/** Adds `quote verify` under `multi-prover`. */
export function registerQuoteCommands(multiProver: Command): void {
  const quote = multiProver.command('quote').description('Intel SGX/TDX attestation quotes');
  quote
    .command('verify')
    .description('verify a DCAP quote against its collateral (Intel root CA, certificate chain, CRLs, TCB level) at a time')
    .argument('<file>', 'the raw quote (binary), or a file holding its 0x hex')
    .option('--collateral <file>', 'the collateral JSON (Intel PCS/PCCS format: tcb_info, qe_identity, CRLs, issuer chains)')
    .option('--at <time>', 'verify as of this time: unix seconds or ISO 8601 (default now)')
    .option('--on-chain', "verify with the deployment's on-chain verifier and collateral store instead, at the latest block")
    .option('--rpc <url>', 'with --on-chain: main chain RPC endpoint (default: the deployment’s)')
    .option('--json', 'print the verdict as JSON')
    .action(async (file: string, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ collateral?: string; at?: string; onChain?: boolean; rpc?: string; deployment?: string; json?: boolean }>();
      const quoteBytes = readQuote(file);
      if (opts.onChain) {
        if (opts.collateral !== undefined || opts.at !== undefined) throw new UsageError('--on-chain uses the chain’s collateral and time: drop --collateral and --at');
        const { verifyQuoteOnChain } = await import('../multi-prover-quote-chain.ts');
        await verifyQuoteOnChain(quoteBytes, { deployment: opts.deployment, rpc: opts.rpc, json: opts.json });
        return;
      }
      if (opts.collateral === undefined) throw new UsageError('give --collateral <file> (or --on-chain)');
      const atSeconds = parseTime(opts.at);
      let collateralJson: unknown;
      try {
        collateralJson = JSON.parse(readFileSync(opts.collateral, 'utf8'));
      } catch (error) {
        throw new CommandFailedError(`cannot read the collateral ${opts.collateral}: ${(error as Error).message.split('\n')[0]}`);
      }
      const { parseIntelCollateral, verifyIntelQuote } = await import('../../services/multi-prover/tee/intelQuote.ts');
      let verdict;
      try {
        verdict = verifyIntelQuote(quoteBytes, parseIntelCollateral(collateralJson), atSeconds);
      } catch (error) {
        throw new CommandFailedError(`the quote does not verify at ${new Date(atSeconds * 1000).toISOString()}: ${(error as Error).message}`);
      }
      if (opts.json) {
        printJson({ ok: true, at: atSeconds, ...verdict }, false);
        return;
      }
      printFields({
        verified: `yes, at ${new Date(atSeconds * 1000).toISOString()}`,
        'tee type': verdict.teeType,
        'quote version': verdict.version,
        'tcb status': verdict.tcbStatus,
        advisories: verdict.advisoryIds.join(', ') || 'none',
        ...Object.fromEntries(Object.entries(verdict.measurements).map(([k, v]) => [k, v])),
        'report data': verdict.reportData,
        debug: verdict.debug,
      });
    });
}

/** Unix seconds from `--at` (unix seconds or ISO 8601), or now. @throws {UsageError} naming the flag. */
function parseTime(text: string | undefined): number {
  if (text === undefined) return Math.floor(Date.now() / 1000);
  if (/^[0-9]{1,12}$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--at: expected unix seconds or an ISO 8601 time, got "${text}"`);
  return Math.floor(ms / 1000);
}

/** The quote's bytes: the file as is, or the 0x hex it holds. */
function readQuote(file: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new CommandFailedError(`cannot read the quote ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const text = bytes.toString('utf8').trim();
  return /^0x([0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text.slice(2), 'hex') : bytes;
}
