/**
 * A prover registered live with a real Intel SGX quote (test/fixtures/tee/sgx_quote, recorded on SGX hardware) on
 * anvil at a time inside the quote's collateral window: the collateral goes into an IntelCollateralStore through
 * `submitIntelCollateral`, the IntelDcapAttestationVerifier for SGX checks the quote, and the liveness verifier checks
 * its measurement allowlist and report data. The recorded quote binds its own report data ("Hello, world!"), not a
 * liveness report, so the liveness verifier here is the devnet-only RecordedQuoteLivenessVerifier, which expects that
 * report data instead (every other check is the production TEELivenessVerifier's).
 *
 * Shown: refused while its MRENCLAVE is not allowlisted; refused by a liveness verifier expecting other report data;
 * refused under the default policy (its TCB status is ConfigurationAndSWHardeningNeeded); accepted and live under a
 * test policy that allows that status, with its MRENCLAVE allowlisted; refused when replayed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
  bytesToHex,
  createPublicClient,
  createWalletClient,
  http,
  stringToHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import {
  IntelCollateralStoreAbi,
  IntelCollateralStoreBytecode,
  IntelDcapAttestationVerifierAbi,
  IntelDcapAttestationVerifierBytecode,
  PermissionControllerAbi,
  PermissionControllerBytecode,
  RecordedQuoteLivenessVerifierAbi,
  RecordedQuoteLivenessVerifierBytecode,
} from '../../src/core/chain/abis/generated/index.ts';
import { type AnvilChain, startAnvil } from '../../src/devnet/anvil.ts';
import { INTEL_QUOTE_TEE_TYPES, intelPolicyArgs } from '../../src/services/multi-prover/deployIntel.ts';
import { submitIntelCollateral } from '../../src/services/multi-prover/tee/intelCollateralStore.ts';
import { parseIntelCollateral, verifyIntelQuote } from '../../src/services/multi-prover/tee/intelQuote.ts';
import { MeasurementKind, TeeType } from '../../src/services/multi-prover/tee/liveness.ts';
import { INTEL_QUOTE_WINDOWS, intelQuoteFixture } from '../helpers/intelQuoteVariants.ts';
import { contractErrorName } from '../helpers/revert.ts';

/** anvil's dev accounts 0 (deployer, owner) and 1 (the operator). */
const OWNER = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const OPERATOR = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const PROVER_KEY: Address = '0x00000000000000000000000000000000000c0ffe';
const ERRORS_ABI = [...RecordedQuoteLivenessVerifierAbi, ...IntelDcapAttestationVerifierAbi, ...IntelCollateralStoreAbi] as Abi;


describe('a prover made live with a real Intel SGX quote', () => {
  const { quote, collateral } = intelQuoteFixture('sgx');
  const at = INTEL_QUOTE_WINDOWS.sgx.from + 86_400;
  const verified = verifyIntelQuote(quote, parseIntelCollateral(collateral), at);
  let anvil: AnvilChain;
  let client: PublicClient;
  let owner: WalletClient;
  let operator: WalletClient;
  let sgxVerifier: Address;
  let liveness: Address;
  let otherLiveness: Address;

  before(async () => {
    anvil = await startAnvil({ chainId: 31337, mining: { mode: 'auto' }, timestamp: BigInt(at) });
    const chain = { ...foundry, rpcUrls: { default: { http: [anvil.rpcUrl] } } };
    client = createPublicClient({ chain, transport: http(anvil.rpcUrl) }) as PublicClient;
    owner = createWalletClient({ chain, transport: http(anvil.rpcUrl), account: OWNER });
    operator = createWalletClient({ chain, transport: http(anvil.rpcUrl), account: OPERATOR });
    const deploy = async (abi: Abi, bytecode: Hex, args: unknown[]) => {
      const hash = await owner.deployContract({ abi, bytecode, args, account: OWNER, chain });
      return (await client.waitForTransactionReceipt({ hash })).contractAddress!;
    };
    const permissionController = await deploy(PermissionControllerAbi as Abi, PermissionControllerBytecode, []);
    const store = await deploy(IntelCollateralStoreAbi as Abi, IntelCollateralStoreBytecode, []);
    // The default policy: UpToDate and SWHardeningNeeded only.
    sgxVerifier = await deploy(IntelDcapAttestationVerifierAbi as Abi, IntelDcapAttestationVerifierBytecode, [
      OWNER.address,
      store,
      INTEL_QUOTE_TEE_TYPES.sgx,
      intelPolicyArgs(),
    ]);
    liveness = await deploy(RecordedQuoteLivenessVerifierAbi as Abi, RecordedQuoteLivenessVerifierBytecode, [OWNER.address, permissionController, 3600n, verified.reportData]);
    otherLiveness = await deploy(RecordedQuoteLivenessVerifierAbi as Abi, RecordedQuoteLivenessVerifierBytecode, [
      OWNER.address,
      permissionController,
      3600n,
      stringToHex('another enclave', { size: 64 }),
    ]);
    for (const verifier of [liveness, otherLiveness]) {
      await write(owner, verifier, 'setAttestationVerifier', [TeeType.INTEL_SGX, sgxVerifier]);
    }
    const submitted = await submitIntelCollateral({ publicClient: client, walletClient: owner, store, collateral: parseIntelCollateral(collateral) });
    assert.deepEqual(Object.values(submitted).map((s) => s.action), ['submitted', 'submitted', 'submitted', 'submitted']);
    const again = await submitIntelCollateral({ publicClient: client, walletClient: owner, store, collateral: parseIntelCollateral(collateral) });
    assert.deepEqual(Object.values(again).map((s) => s.action), ['current', 'current', 'current', 'current'], 'nothing is sent twice');
  });

  after(async () => {
    await anvil?.stop();
  });

  async function write(wallet: WalletClient, address: Address, functionName: string, args: readonly unknown[]): Promise<void> {
    const { request } = await client.simulateContract({ account: wallet.account!, address, abi: ERRORS_ABI, functionName, args });
    const receipt = await client.waitForTransactionReceipt({ hash: await wallet.writeContract(request as never) });
    assert.equal(receipt.status, 'success');
  }

  /** The operator submits the recorded quote as its prover's SGX liveness proof to `verifier`. */
  async function submitProof(verifier: Address): Promise<void> {
    // A block before the one the call runs in (a simulation runs on the latest block itself).
    const block = await client.getBlock({ blockNumber: (await client.getBlockNumber()) - 1n });
    const report = { proverKey: PROVER_KEY, operator: OPERATOR.address, referenceBlockNumber: block.number, referenceBlockHash: block.hash };
    await write(operator, verifier, 'submitLivenessProof', [TeeType.INTEL_SGX, report, bytesToHex(quote)]);
  }

  const refusal = (call: Promise<void>) => call.then(() => 'accepted', contractErrorName);

  it('the off-chain verdict is the recorded quote: MRENCLAVE and "Hello, world!"', () => {
    assert.equal(verified.measurements.mrEnclave, '0x33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb');
    assert.equal(verified.reportData, stringToHex('Hello, world!', { size: 64 }));
  });

  it('is refused under the default policy (its TCB status is ConfigurationAndSWHardeningNeeded)', async () => {
    await write(owner, liveness, 'setMeasurementAllowed', [TeeType.INTEL_SGX, MeasurementKind.MRENCLAVE, verified.measurements.mrEnclave!, true]);
    assert.equal(await refusal(submitProof(liveness)), 'TcbStatusNotAllowed');
    await write(owner, sgxVerifier, 'setPolicy', [intelPolicyArgs({ allowedTcbStatuses: ['UpToDate', 'SWHardeningNeeded', 'ConfigurationAndSWHardeningNeeded'] })]);
  });

  it('is refused while its measurement is not on the allowlist', async () => {
    await write(owner, liveness, 'setMeasurementAllowed', [TeeType.INTEL_SGX, MeasurementKind.MRENCLAVE, verified.measurements.mrEnclave!, false]);
    assert.equal(await refusal(submitProof(liveness)), 'MeasurementNotAllowed');
  });

  it('is refused by a liveness verifier that expects other report data', async () => {
    await write(owner, otherLiveness, 'setMeasurementAllowed', [TeeType.INTEL_SGX, MeasurementKind.MRENCLAVE, verified.measurements.mrEnclave!, true]);
    assert.equal(await refusal(submitProof(otherLiveness)), 'ReportDataMismatch');
  });

  it('makes the prover live once its measurement is allowed, and only once', async () => {
    await write(owner, liveness, 'setMeasurementAllowed', [TeeType.INTEL_SGX, MeasurementKind.MRENCLAVE, verified.measurements.mrEnclave!, true]);
    await submitProof(liveness);
    const live = await client.readContract({ address: liveness, abi: RecordedQuoteLivenessVerifierAbi, functionName: 'isProverLive', args: [OPERATOR.address, TeeType.INTEL_SGX, (await client.getBlock()).timestamp] });
    assert.equal(live, true);
    assert.equal(await refusal(submitProof(liveness)), 'AttestationAlreadyUsed');
  });
});
