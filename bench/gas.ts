/**
 * Gas of `ECDSAStakeRegistry.isValidSignature` for valid proofs of 1..50 signers, on a devnet deployment.
 *
 * A devnet with 50 operators and a 1 bps threshold (so that one signer is already a valid proof) is
 * deployed; for each signer count the bench signs one StateAttestation digest with that many signing keys, checks the
 * proof verifies, and sends isValidSignature as a transaction to read the gas used from its receipt. Reported per count:
 * - `total`: what a transaction calling isValidSignature directly pays (intrinsic 21,000 + calldata + execution);
 * - `execution`: total minus intrinsic and calldata gas, i.e. what a contract calling it pays for the check itself.
 * Marginal gas per signer is the slope between 1 and 50 signers.
 *
 * The devnet deploys the bytecode in src/core/chain/abis/generated/ (gitignored, written by `npm run build:abis` from
 * contracts/out/), not the sources: the bench first checks that this bytecode is the forge artifact of the contract
 * sources on disk, and refuses to measure a stale build (a stale one once reported ~14,900 gas per signer for a
 * contract that costs ~8,700).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Hex, encodeFunctionData, hexToBytes, keccak256 } from 'viem';
import { ECDSAStakeRegistryAbi, ECDSAStakeRegistryBytecode } from '../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../src/core/chain/clients.ts';
import { mainChainOf } from '../src/core/chain/deployment.ts';
import { signDigest, signingKeyFromPrivateKey } from '../src/core/crypto/ecdsa.ts';
import { startDevnet } from '../src/devnet/devnet.ts';
import { ERC1271_MAGIC_VALUE, attestationDigest, encodeSigData } from '../src/services/state-proofs/attestation.ts';

/** Gas figures for one signer count. */
export type GasPoint = { signers: number; total: number; execution: number };

/** Signer counts the bench reports. */
export const SIGNER_COUNTS = [1, 2, 5, 10, 20, 50] as const;

/** Measures isValidSignature gas for each of `counts` signers. */
export async function measureIsValidSignatureGas(
  counts: readonly number[] = SIGNER_COUNTS,
  log: (line: string) => void = () => {},
): Promise<GasPoint[]> {
  assertFreshRegistryBytecode();
  const operators = Math.max(...counts);
  const dir = mkdtempSync(join(tmpdir(), 'avs-gas-'));
  const devnet = await startDevnet({
    operators,
    remoteChains: 0,
    dir,
    thresholdBps: 1,
    onProgress: (m) => log(`  devnet: ${m}`),
  });
  try {
    const client = devnet.clients.get(devnet.deployment.mainChainId)!;
    const registry = devnet.deployment.stateProofs.stakeRegistry;
    const epoch = devnet.seed.activeEpoch;
    const digest = attestationDigest(
      { chainId: devnet.deployment.mainChainId, verifyingContract: devnet.deployment.stateProofs.serviceManager },
      {
        user: devnet.user.address,
        chainId: BigInt(devnet.deployment.mainChainId),
        blockNumber: 1n,
        timestamp: 1n,
        key: 1n,
        value: 42n,
        exists: true,
        epoch,
      },
    );
    const wallet = makeWalletClient(devnet.deployment.mainChainId, mainChainOf(devnet.deployment).rpcUrl, devnet.user);
    const points: GasPoint[] = [];
    for (const n of counts) {
      const signers = devnet.operators.slice(0, n).map((o) => ({
        operator: o.address,
        signature: signDigest(signingKeyFromPrivateKey(o.signingKey), digest),
      }));
      const sigData = encodeSigData(signers, epoch);
      const result = await client.readContract({ address: registry, abi: ECDSAStakeRegistryAbi, functionName: 'isValidSignature', args: [digest, sigData] });
      if (result !== ERC1271_MAGIC_VALUE) throw new Error(`a proof of ${n} signers did not verify (${result})`);
      const data = encodeFunctionData({ abi: ECDSAStakeRegistryAbi, functionName: 'isValidSignature', args: [digest, sigData] });
      const hash = await wallet.sendTransaction({ to: registry, data, gas: 5_000_000n });
      const total = Number((await client.waitForTransactionReceipt({ hash })).gasUsed);
      points.push({ signers: n, ...splitTransactionGas(`${n} signers`, total, data) });
      log(`  ${n} signers: ${total} gas`);
    }
    return points;
  } finally {
    await devnet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** EIP-2028 calldata cost of `data`: 16 gas per non-zero byte, 4 per zero byte. */
export function calldataGas(data: Hex): number {
  return 4 * calldataTokens(data);
}

/** EIP-7623 calldata tokens of `data`: 4 per non-zero byte, 1 per zero byte. */
export function calldataTokens(data: Hex): number {
  let tokens = 0;
  for (const byte of hexToBytes(data)) tokens += byte === 0 ? 1 : 4;
  return tokens;
}

/**
 * Gas of a transaction with calldata `data` that used `total` gas (receipt gasUsed), split into what it pays in total
 * and its execution (total minus the 21,000 intrinsic gas and the EIP-2028 calldata cost).
 * @throws {Error} naming `what` when `total` is at the EIP-7623 calldata floor (Prague; anvil's default hardfork is the
 *   latest): there, gasUsed says nothing about execution.
 */
export function splitTransactionGas(what: string, total: number, data: Hex): { total: number; execution: number } {
  if (total <= 21_000 + 10 * calldataTokens(data)) throw new Error(`${what}: gasUsed ${total} is the EIP-7623 calldata floor`);
  return { total, execution: total - 21_000 - calldataGas(data) };
}

/**
 * Throws unless the generated ECDSAStakeRegistry bytecode is the one in its forge artifact and every source the
 * artifact was compiled from (its metadata's keccak256 per file) is unchanged on disk.
 */
export function assertFreshRegistryBytecode(): void {
  assertFreshBytecode('ECDSAStakeRegistry', ECDSAStakeRegistryBytecode);
}

/**
 * Throws unless `bytecode` (the generated creation bytecode of `contract`, which the devnet deploys) is the one in the
 * forge artifact `contracts/out/<contract>.sol/<contract>.json` and every source that artifact was compiled from (its
 * metadata's keccak256 per file) is unchanged on disk: a bench must not measure a stale build.
 * @throws {Error} naming the contract, the changed source or the missing artifact, and the command that fixes it.
 */
export function assertFreshBytecode(contract: string, bytecode: Hex): void {
  const contracts = fileURLToPath(new URL('../contracts', import.meta.url));
  const fix = 'run `npm run build:contracts && npm run build:abis`';
  let artifact: { bytecode?: { object?: string }; metadata?: { sources?: Record<string, { keccak256: string }> } };
  try {
    artifact = JSON.parse(readFileSync(join(contracts, 'out', `${contract}.sol`, `${contract}.json`), 'utf8'));
  } catch {
    throw new Error(`no forge artifact for ${contract} under contracts/out: ${fix}`);
  }
  if (artifact.bytecode?.object !== bytecode) {
    throw new Error(`the generated ${contract} bytecode is not the one in contracts/out: ${fix}`);
  }
  for (const [path, { keccak256: built }] of Object.entries(artifact.metadata?.sources ?? {})) {
    let onDisk: Hex;
    try {
      onDisk = keccak256(readFileSync(join(contracts, path)));
    } catch {
      throw new Error(`contracts/${path}, a source of ${contract}, is missing: ${fix}`);
    }
    if (onDisk !== built) throw new Error(`contracts/${path} changed since ${contract} was built: ${fix}`);
  }
}
