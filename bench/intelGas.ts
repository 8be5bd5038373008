/**
 * Gas of Intel DCAP attestation on-chain, measured on anvil with the real quotes and collateral of test/fixtures/tee:
 *
 * - each collateral update of the IntelCollateralStore (transaction receipts: root CA CRL, the PCK CRLs of the SGX
 *   processor CA with 0 revoked serials and of the TDX platform CA with 44, the SGX TCB info with 11 levels, the TDX one
 *   with 2, both QE identities);
 * - IntelDcapAttestationVerifier.verifyQuote of the SGX v3 and TDX v4 quotes as a transaction would pay it
 *   (eth_estimateGas: 21,000 + calldata + execution), at a time inside each quote's window;
 * - the same on a chain without the EIP-7951 P256VERIFY precompile (anvil `--hardfork prague`), where OpenZeppelin's
 *   P256 falls back to its Solidity implementation.
 *
 * Run alone: `node --import tsx bench/intelGas.ts`.
 */
import { pathToFileURL } from 'node:url';
import { type Abi, type Hex, type PublicClient, bytesToHex, createPublicClient, createWalletClient, encodeFunctionData, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import {
  IntelCollateralStoreAbi,
  IntelCollateralStoreBytecode,
  IntelDcapAttestationVerifierAbi,
  IntelDcapAttestationVerifierBytecode,
} from '../src/core/chain/abis/generated/index.ts';
import { startAnvil } from '../src/devnet/anvil.ts';
import { intelCollateralCalls } from '../src/services/multi-prover/tee/intelCollateralStore.ts';
import { INTEL_QUOTE_WINDOWS, intelQuoteFixture } from '../test/helpers/intelQuoteVariants.ts';

const DEPLOYER = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');

/** Gas figures, by what was measured. */
export type IntelGasResult = {
  /** Collateral updates (transaction gasUsed). */
  updates: Record<string, number>;
  /** verifyQuote as a transaction (estimateGas), with the precompile. */
  verifyQuote: Record<'sgx' | 'tdx', number>;
  /** verifyQuote without the precompile (OpenZeppelin's Solidity P-256). */
  verifyQuoteWithoutPrecompile: Record<'sgx' | 'tdx', number>;
};

/** Deploys the store and both verifiers on a fresh anvil of `hardfork`, loads the collateral, measures. */
async function measureOn(hardfork: string | undefined): Promise<{ updates: Record<string, number>; verifyQuote: Record<'sgx' | 'tdx', number> }> {
  // Both 2025 windows overlap on 2025-06-20: one chain at that time serves both quotes.
  const at = Math.max(INTEL_QUOTE_WINDOWS.sgx.from, INTEL_QUOTE_WINDOWS.tdx.from) + 86_400;
  const anvil = await startAnvil({ chainId: 31337, mining: { mode: 'auto' }, timestamp: BigInt(at), ...(hardfork ? { hardfork } : {}) });
  try {
    const chain = { ...foundry, rpcUrls: { default: { http: [anvil.rpcUrl] } } };
    const client = createPublicClient({ chain, transport: http(anvil.rpcUrl) }) as PublicClient;
    const wallet = createWalletClient({ chain, transport: http(anvil.rpcUrl), account: DEPLOYER });
    const deploy = async (abi: Abi, bytecode: Hex, args: unknown[]) =>
      (await client.waitForTransactionReceipt({ hash: await wallet.deployContract({ abi, bytecode, args, account: DEPLOYER, chain }) })).contractAddress!;
    const store = await deploy(IntelCollateralStoreAbi as Abi, IntelCollateralStoreBytecode, []);
    const policy = { allowedTcbStatuses: 0x3f, maxCollateralAgeSeconds: 0 };
    const verifiers = {
      sgx: await deploy(IntelDcapAttestationVerifierAbi as Abi, IntelDcapAttestationVerifierBytecode, [DEPLOYER.address, store, 0, policy]),
      tdx: await deploy(IntelDcapAttestationVerifierAbi as Abi, IntelDcapAttestationVerifierBytecode, [DEPLOYER.address, store, 0x81, policy]),
    };
    const updates: Record<string, number> = {};
    const send = async (label: string, functionName: string, args: readonly unknown[]) => {
      const hash = await wallet.sendTransaction({ to: store, data: encodeFunctionData({ abi: IntelCollateralStoreAbi as Abi, functionName, args }), account: DEPLOYER, chain });
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`${label} reverted`);
      updates[label] = Number(receipt.gasUsed);
    };
    const sgx = intelCollateralCalls(intelQuoteFixture('sgx').collateral);
    const tdx = intelCollateralCalls(intelQuoteFixture('tdx').collateral);
    await send('root CA CRL', 'updateRootCaCrl', sgx.updateRootCaCrl);
    await send('PCK CRL, processor CA (0 revoked)', 'updatePckCrl', sgx.updatePckCrl);
    await send('PCK CRL, platform CA (44 revoked)', 'updatePckCrl', tdx.updatePckCrl);
    await send('TCB info, SGX (11 levels)', 'updateTcbInfo', sgx.updateTcbInfo);
    await send('TCB info, TDX (2 levels)', 'updateTcbInfo', tdx.updateTcbInfo);
    await send('QE identity, SGX QE', 'updateQeIdentity', sgx.updateQeIdentity);
    await send('QE identity, TDX TD_QE', 'updateQeIdentity', tdx.updateQeIdentity);
    const verifyQuote = {} as Record<'sgx' | 'tdx', number>;
    for (const kind of ['sgx', 'tdx'] as const) {
      const data = encodeFunctionData({ abi: IntelDcapAttestationVerifierAbi as Abi, functionName: 'verifyQuote', args: [bytesToHex(intelQuoteFixture(kind).quote)] });
      verifyQuote[kind] = Number(await client.estimateGas({ account: DEPLOYER, to: verifiers[kind], data }));
    }
    return { updates, verifyQuote };
  } finally {
    await anvil.stop();
  }
}

/** Measures with and without the P-256 precompile. */
export async function measureIntelGas(): Promise<IntelGasResult> {
  const withPrecompile = await measureOn(undefined);
  const without = await measureOn('prague');
  return { updates: withPrecompile.updates, verifyQuote: withPrecompile.verifyQuote, verifyQuoteWithoutPrecompile: without.verifyQuote };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await measureIntelGas();
  for (const [what, gas] of Object.entries(result.updates)) console.log(`update ${what}: ${gas.toLocaleString('en-US')} gas`);
  for (const kind of ['sgx', 'tdx'] as const) {
    console.log(`verifyQuote ${kind}: ${result.verifyQuote[kind].toLocaleString('en-US')} gas (without the precompile: ${result.verifyQuoteWithoutPrecompile[kind].toLocaleString('en-US')})`);
  }
}
