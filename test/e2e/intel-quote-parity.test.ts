/**
 * The same verdicts on both sides: every shared case of test/helpers/intelQuoteVariants.ts (real Intel SGX and TDX
 * quotes inside, at the edges of and outside their windows, and tampered quotes and collateral) goes through the
 * TypeScript verifier (src/services/multi-prover/tee/intelQuote.ts) and through the contracts on anvil, with anvil's
 * clock set to the case's time: the IntelCollateralStore is given the case's collateral (each item it refuses is
 * recorded with its error), then IntelDcapAttestationVerifier.verifyQuote runs in a block at that time.
 *
 * Required: both accept with the same TCB status, advisories, measurements and report data, or both refuse. Refusals
 * carry the same name on both sides, except where the on-chain split of the work makes the first failure a different
 * one; those cases are listed in {@link ON_CHAIN_REASON} with why.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Collateral } from '@phala/dcap-qvl';
import {
  type Abi,
  type Hex,
  type PublicClient,
  type WalletClient,
  bytesToHex,
  createPublicClient,
  createWalletClient,
  http,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import {
  IntelCollateralJsonParserAbi,
  IntelCollateralStoreAbi,
  IntelCollateralStoreBytecode,
  IntelDcapAttestationVerifierAbi,
  IntelDcapAttestationVerifierBytecode,
  IntelPckChainParserAbi,
} from '../../src/core/chain/abis/generated/index.ts';
import { type AnvilChain, startAnvil } from '../../src/devnet/anvil.ts';
import { TCB_STATUSES } from '../../src/services/multi-prover/deployIntel.ts';
import { intelCollateralCalls } from '../../src/services/multi-prover/tee/intelCollateralStore.ts';
import { IntelQuoteError, verifyIntelQuote } from '../../src/services/multi-prover/tee/intelQuote.ts';
import { type IntelQuoteVariant, intelQuoteVariants } from '../helpers/intelQuoteVariants.ts';
import { contractErrorName } from '../helpers/revert.ts';

/** anvil's first dev account. */
const DEPLOYER = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
/** Every error the store, the verifier and their parsers can revert with. */
const ERRORS_ABI = [...IntelCollateralStoreAbi, ...IntelDcapAttestationVerifierAbi, ...IntelPckChainParserAbi, ...IntelCollateralJsonParserAbi] as Abi;
/** Genesis of the test chain: 2025-06-01, before every case's time. */
const GENESIS = BigInt(Date.parse('2025-06-01T00:00:00Z') / 1000);

/**
 * Cases whose first on-chain failure has another name than the off-chain one, and why. The store checks a collateral
 * item when it is submitted (Intel's signature first, then its content) and keeps only what verifies, so a tampered
 * item never reaches a quote check; off-chain, the whole bundle is checked with the quote.
 */
const ON_CHAIN_REASON: Record<string, { reason: string; why: string }> = {
  'tcb_info: nextUpdate a year earlier': {
    reason: 'CollateralSignatureInvalid',
    why: 'the store checks Intel signature when the item is submitted; off-chain, the window is checked before it',
  },
  'tcb_info: not JSON': { reason: 'CollateralSignatureInvalid', why: 'the store checks the signature before parsing: the cut text is not what Intel signed' },
  'PCK CRL and issuer chain of the other PCK CA': {
    reason: 'CrlMissing',
    why: "the store keeps that genuine CRL under the other CA's key; the quote's PCK CA then has none",
  },
  "TCB info of the other fixture's platform": { reason: 'TcbInfoMissing', why: "the store keeps that genuine TCB info under its own FMSPC; the quote's has none" },
  "QE identity of the other TEE's quoting enclave": { reason: 'QeIdentityMissing', why: "the store keeps that genuine QE identity under its own id; the quote's QE has none" },
};

/** What the chain says of a case: the items the store refused, then the quote check's verdict. */
type ChainVerdict = {
  refused: { item: string; error: string }[];
  verdict: { accept: true; tcbStatus: string; advisoryIds: string[]; reportData: Hex; measurements: Record<string, Hex> } | { accept: false; reason: string };
};


describe('Intel DCAP quotes: the TypeScript verifier and the contracts give the same verdicts', () => {
  let anvil: AnvilChain;
  let client: PublicClient;
  let wallet: WalletClient;
  /** Snapshot of the chain with the contracts deployed and the store empty. */
  let base: Hex;
  let store: Hex;
  const verifiers: Record<'sgx' | 'tdx', Hex> = { sgx: '0x', tdx: '0x' };

  before(async () => {
    anvil = await startAnvil({ chainId: 31337, mining: { mode: 'auto' }, timestamp: GENESIS });
    const chain = { ...foundry, rpcUrls: { default: { http: [anvil.rpcUrl] } } };
    // Each case reverts the chain to a snapshot, so a receipt often lands at a block number the client has seen before
    // and is found only by polling: at viem's default of 4 s, that was most of this file's two minutes.
    client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 }) as PublicClient;
    wallet = createWalletClient({ chain, transport: http(anvil.rpcUrl), account: DEPLOYER, pollingInterval: 50 });
    const deploy = async (abi: Abi, bytecode: Hex, args: unknown[]) => {
      const hash = await wallet.deployContract({ abi, bytecode, args, account: DEPLOYER, chain });
      return (await client.waitForTransactionReceipt({ hash })).contractAddress!;
    };
    store = await deploy(IntelCollateralStoreAbi as Abi, IntelCollateralStoreBytecode, []);
    // Every status but Revoked: the policy is not what these cases test (verifyQuote does not apply it anyway).
    const policy = { allowedTcbStatuses: 0x3f, maxCollateralAgeSeconds: 0 };
    verifiers.sgx = await deploy(IntelDcapAttestationVerifierAbi as Abi, IntelDcapAttestationVerifierBytecode, [DEPLOYER.address, store, 0, policy]);
    verifiers.tdx = await deploy(IntelDcapAttestationVerifierAbi as Abi, IntelDcapAttestationVerifierBytecode, [DEPLOYER.address, store, 0x81, policy]);
    base = await client.request({ method: 'evm_snapshot' as never }) as Hex;
  });

  after(async () => {
    await anvil?.stop();
  });

  /** Back to the empty store (a snapshot is used up by its revert: take a new one). */
  async function resetChain(): Promise<void> {
    await client.request({ method: 'evm_revert' as never, params: [base] as never });
    base = (await client.request({ method: 'evm_snapshot' as never })) as Hex;
  }

  async function submit(collateral: Collateral): Promise<ChainVerdict['refused']> {
    const refused: ChainVerdict['refused'] = [];
    const calls = intelCollateralCalls(collateral);
    for (const [functionName, args] of Object.entries(calls)) {
      const item = functionName.replace(/^update/, '');
      try {
        const { request } = await client.simulateContract({ account: DEPLOYER, address: store, abi: ERRORS_ABI, functionName, args });
        await client.waitForTransactionReceipt({ hash: await wallet.writeContract(request as never) });
      } catch (error) {
        refused.push({ item, error: contractErrorName(error) });
      }
    }
    return refused;
  }

  async function onChain(variant: IntelQuoteVariant): Promise<ChainVerdict> {
    await resetChain();
    const refused = await submit(variant.collateral);
    // The quote is checked in a block at the case's time.
    await client.request({ method: 'evm_setNextBlockTimestamp' as never, params: [variant.atSeconds] as never });
    await client.request({ method: 'evm_mine' as never });
    const block = await client.getBlock();
    assert.equal(Number(block.timestamp), variant.atSeconds, 'anvil mined at the case time');
    const verifier = variant.fixture === 'sgx' ? verifiers.sgx : verifiers.tdx;
    try {
      const v = (await client.readContract({
        address: verifier,
        abi: ERRORS_ABI,
        functionName: 'verifyQuote',
        args: [bytesToHex(variant.quote)],
        blockNumber: block.number,
      })) as { tcbStatus: number; advisoryIds: readonly string[]; mrEnclave: Hex; mrSigner: Hex; mrTd: Hex; reportData: Hex };
      const measurements: Record<string, Hex> =
        variant.fixture === 'sgx' ? { mrEnclave: v.mrEnclave, mrSigner: v.mrSigner } : { mrTd: v.mrTd };
      return { refused, verdict: { accept: true, tcbStatus: TCB_STATUSES[v.tcbStatus]!, advisoryIds: [...v.advisoryIds], reportData: v.reportData, measurements } };
    } catch (error) {
      return { refused, verdict: { accept: false, reason: contractErrorName(error) } };
    }
  }

  for (const variant of intelQuoteVariants()) {
    it(variant.name, async () => {
      let offChain: ChainVerdict['verdict'];
      try {
        const v = verifyIntelQuote(variant.quote, variant.collateral, variant.atSeconds);
        const measurements: Record<string, Hex> = v.teeType === 'sgx' ? { mrEnclave: v.measurements.mrEnclave!, mrSigner: v.measurements.mrSigner! } : { mrTd: v.measurements.mrTd! };
        offChain = { accept: true, tcbStatus: v.tcbStatus, advisoryIds: v.advisoryIds, reportData: v.reportData, measurements };
      } catch (error) {
        if (!(error instanceof IntelQuoteError)) throw error;
        offChain = { accept: false, reason: error.reason };
      }
      const chain = await onChain(variant);
      if (offChain.accept) {
        assert.deepEqual(chain.verdict, offChain, `refused on-chain items: ${JSON.stringify(chain.refused)}`);
        return;
      }
      assert.equal(chain.verdict.accept, false, `accepted on-chain, refused off-chain (${offChain.reason})`);
      const expected = ON_CHAIN_REASON[variant.name.slice(variant.fixture.length + 2)]?.reason ?? offChain.reason;
      const seen = chain.refused.length > 0 ? `${chain.refused.map((r) => `${r.item}: ${r.error}`).join(', ')}; quote: ${(chain.verdict as { reason: string }).reason}` : (chain.verdict as { reason: string }).reason;
      assert.ok(
        (chain.verdict as { reason: string }).reason === expected || chain.refused.some((r) => r.error === expected),
        `off-chain ${offChain.reason}, expected on-chain ${expected}, got ${seen}`,
      );
    });
  }
});
