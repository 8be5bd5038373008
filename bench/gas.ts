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
 * The same is measured for the batched sigData (docs/attestation-batches.md) in batches of 1, 64 and 1,024 digests: the
 * measured digest plus distinct others, so its proof has 0, 6 and 10 nodes. The signers sign `batchDigest(root)`; the
 * extra over the single form for the same signers is the tag, the proof's calldata and the Merkle path's hashing.
 *
 * The devnet deploys the bytecode in src/core/chain/abis/generated/ (gitignored, written by `npm run build:abis` from
 * contracts/out/), not the sources: the bench first checks that this bytecode is the forge artifact of the contract
 * sources on disk, and refuses to measure a stale build (a stale one once reported a per-signer cost far from the
 * contract's).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Hex, encodeFunctionData, hexToBytes, keccak256, toBytes } from 'viem';
import { ECDSAStakeRegistryAbi, ECDSAStakeRegistryBytecode } from '../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../src/core/chain/clients.ts';
import { mainChainOf } from '../src/core/chain/deployment.ts';
import { buildAttestationBatch } from '../src/core/crypto/attestation-batch.ts';
import { signDigest, signingKeyFromPrivateKey } from '../src/core/crypto/ecdsa.ts';
import { startDevnet } from '../src/devnet/devnet.ts';
import {
  ERC1271_MAGIC_VALUE,
  attestationDigest,
  encodeBatchedSigData,
  encodeSigData,
} from '../src/services/state-proofs/attestation.ts';

/** Gas figures for one signer count. */
export type GasPoint = { signers: number; total: number; execution: number };

/** Gas figures of a batched sigData for one signer count and batch size, and its extra over the single form. */
export type BatchedGasPoint = GasPoint & {
  /** Digests in the batch. */
  batchSize: number;
  /** Nodes in the measured digest's Merkle proof. */
  proofLength: number;
  /** `total` minus the single form's for the same signers. */
  extraTotal: number;
  /** `execution` minus the single form's for the same signers. */
  extraExecution: number;
};

/** isValidSignature gas of both sigData forms: `single` per signer count, `batched` per signer count and batch size. */
export type SignatureGas = { single: GasPoint[]; batched: BatchedGasPoint[] };

/** Signer counts the bench reports. */
export const SIGNER_COUNTS = [1, 2, 5, 10, 20, 50] as const;

/** Batch sizes of the batched form: proofs of 0, 6 and 10 nodes. */
export const BATCH_SIZES = [1, 64, 1024] as const;

/**
 * Measures isValidSignature gas for each of `counts` signers, in the single form and in the batched form for each of
 * `batchSizes` digests per batch, all on one devnet.
 * @throws {Error} when the registry bytecode is stale, or a proof does not verify or its transaction reverts.
 */
export async function measureIsValidSignatureGas(
  counts: readonly number[] = SIGNER_COUNTS,
  log: (line: string) => void = () => {},
  batchSizes: readonly number[] = BATCH_SIZES,
): Promise<SignatureGas> {
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
    /** Checks `sigData` verifies (eth_call), then sends it as a transaction and splits the receipt's gas. */
    const measure = async (what: string, sigData: Hex) => {
      const result = await client.readContract({ address: registry, abi: ECDSAStakeRegistryAbi, functionName: 'isValidSignature', args: [digest, sigData] });
      if (result !== ERC1271_MAGIC_VALUE) throw new Error(`${what} did not verify (${result})`);
      const data = encodeFunctionData({ abi: ECDSAStakeRegistryAbi, functionName: 'isValidSignature', args: [digest, sigData] });
      const hash = await wallet.sendTransaction({ to: registry, data, gas: 5_000_000n });
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`${what}: the isValidSignature transaction reverted`);
      return splitTransactionGas(what, Number(receipt.gasUsed), data);
    };
    // The other digests only need to be distinct from the measured one: the batch's other attestations.
    const batches = batchSizes.map((size) => {
      const others = Array.from({ length: size - 1 }, (_, i) => keccak256(toBytes(`bench batch digest ${i}`)));
      const batch = buildAttestationBatch([digest, ...others]);
      return { size, batchDigest: batch.batchDigest, proof: batch.proofOf(digest) };
    });
    const single: GasPoint[] = [];
    const batched: BatchedGasPoint[] = [];
    for (const n of counts) {
      const operators = devnet.operators.slice(0, n);
      const keys = operators.map((o) => signingKeyFromPrivateKey(o.signingKey));
      const signers = operators.map((o, i) => ({ operator: o.address, signature: signDigest(keys[i], digest) }));
      const s = { signers: n, ...(await measure(`a proof of ${n} signers`, encodeSigData(signers, epoch))) };
      single.push(s);
      log(`  ${n} signers: ${s.total} gas`);
      for (const b of batches) {
        const sigData = encodeBatchedSigData({
          operators: operators.map((o) => o.address),
          signatures: keys.map((k) => signDigest(k, b.batchDigest)),
          referenceEpoch: epoch,
          proof: b.proof,
        });
        const g = await measure(`a batched proof of ${n} signers in a batch of ${b.size}`, sigData);
        batched.push({
          signers: n,
          batchSize: b.size,
          proofLength: b.proof.length,
          ...g,
          extraTotal: g.total - s.total,
          extraExecution: g.execution - s.execution,
        });
        log(`  ${n} signers, batch of ${b.size}: ${g.total} gas`);
      }
    }
    return { single, batched };
  } finally {
    await devnet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Gas per Merkle proof node of the batched form: the slope of its extra over the single form between the smallest and
 * the largest batch measured, averaged over the signer counts; rounded gas.
 * @throws {Error} when `batched` has no two proof lengths to compare.
 */
export function gasPerProofNode(batched: readonly BatchedGasPoint[]): { total: number; execution: number } {
  const lengths = batched.map((p) => p.proofLength);
  const [shortest, longest] = [Math.min(...lengths), Math.max(...lengths)];
  if (!(longest > shortest)) throw new Error('gas per proof node needs batches with proofs of two lengths');
  const slopes = batched
    .filter((p) => p.proofLength === longest)
    .map((p) => {
      const base = batched.find((q) => q.signers === p.signers && q.proofLength === shortest)!;
      const nodes = longest - shortest;
      return { total: (p.extraTotal - base.extraTotal) / nodes, execution: (p.extraExecution - base.extraExecution) / nodes };
    });
  const mean = (f: (x: { total: number; execution: number }) => number) => Math.round(slopes.reduce((a, x) => a + f(x), 0) / slopes.length);
  return { total: mean((x) => x.total), execution: mean((x) => x.execution) };
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
