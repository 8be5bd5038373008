/**
 * `avs multi-prover quote verify <file> --on-chain`: an Intel quote through the deployment's on-chain verifier of its
 * TEE type (IntelDcapAttestationVerifier.verifyQuote, then verifyAttestation for the policy) at the main chain's
 * latest block. Prints the verdict, or exits 1 naming the contract's error.
 */
import { type Abi, BaseError, ContractFunctionRevertedError, type Hex, bytesToHex } from 'viem';
import {
  IntelCollateralStoreAbi,
  IntelDcapAttestationVerifierAbi,
  IntelPckChainParserAbi,
} from '../core/chain/abis/generated/index.ts';
import { makePublicClient } from '../core/chain/clients.ts';
import { mainChainOf } from '../core/chain/deployment.ts';
import { TCB_STATUSES } from '../services/multi-prover/deployIntel.ts';
import { readMultiProverDeployment } from '../services/multi-prover/deployment.ts';
import { parseIntelQuoteLayout } from '../services/multi-prover/tee/intelQuote.ts';
import { CommandFailedError } from './errors.ts';
import { DEFAULT_DEPLOYMENT_PATH } from './options.ts';
import { printFields, printJson } from './output.ts';

/** Every error the verifier, its chain parser and the store revert with, to name a refusal. */
const ABI = [...IntelDcapAttestationVerifierAbi, ...IntelPckChainParserAbi, ...IntelCollateralStoreAbi] as Abi;

/**
 * Verifies `quote` with the deployment's verifier and prints the verdict.
 * @throws {CommandFailedError} when the deployment has no verifier for the quote's TEE type, the quote is not a DCAP
 * quote, or the contract refuses it (naming its custom error and arguments).
 */
export async function verifyQuoteOnChain(quote: Uint8Array, options: { deployment?: string; rpc?: string; json?: boolean }): Promise<void> {
  const deployment = readMultiProverDeployment(options.deployment ?? DEFAULT_DEPLOYMENT_PATH);
  let teeType: 'sgx' | 'tdx';
  try {
    teeType = parseIntelQuoteLayout(quote).teeType;
  } catch (error) {
    throw new CommandFailedError(`not an Intel DCAP quote: ${(error as Error).message}`);
  }
  const verifier = deployment.multiProver.attestationVerifiers[teeType];
  if (!verifier) throw new CommandFailedError(`the deployment accepts no ${teeType} quotes (services.multi-prover.attestationVerifiers.${teeType})`);
  const main = mainChainOf(deployment);
  const client = makePublicClient(main.chainId, options.rpc ?? main.rpcUrl);
  const block = await client.getBlock({ blockTag: 'latest' });
  const call = (functionName: 'verifyQuote' | 'verifyAttestation') =>
    client.readContract({ address: verifier, abi: ABI, functionName, args: [bytesToHex(quote)], blockNumber: block.number });
  let verdict: { tcbStatus: number; advisoryIds: readonly string[]; mrEnclave: Hex; mrSigner: Hex; mrTd: Hex; reportData: Hex };
  let policy: string;
  try {
    verdict = (await call('verifyQuote')) as typeof verdict;
  } catch (error) {
    throw new CommandFailedError(`the ${teeType} verifier ${verifier} refuses the quote at block ${block.number} (${iso(block.timestamp)}): ${reason(error)}`);
  }
  try {
    await call('verifyAttestation');
    policy = 'accepted';
  } catch (error) {
    policy = `refused: ${reason(error)}`;
  }
  const result = {
    verified: `yes, by ${verifier} at block ${block.number} (${iso(block.timestamp)})`,
    'tee type': teeType,
    'tcb status': TCB_STATUSES[verdict.tcbStatus] ?? String(verdict.tcbStatus),
    advisories: verdict.advisoryIds.join(', ') || 'none',
    ...(teeType === 'sgx' ? { mrEnclave: verdict.mrEnclave, mrSigner: verdict.mrSigner } : { mrTd: verdict.mrTd }),
    'report data': verdict.reportData,
    'deployment policy': policy,
  };
  if (options.json) printJson({ ok: true, verifier, block: Number(block.number), ...result }, false);
  else printFields(result);
}

/** A revert as `ErrorName(args)`. */
function reason(error: unknown): string {
  const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
  if (reverted instanceof ContractFunctionRevertedError && reverted.data) {
    const args = (reverted.data.args ?? []).map((a) => String(a)).join(', ');
    return `${reverted.data.errorName}(${args})`;
  }
  throw error;
}

function iso(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString();
}
