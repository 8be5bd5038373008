/**
 * The EigenLayer core's errors (src/core/chain/coreErrors.ts) against eigenlayer-contracts v1.12.0: each contract's
 * list is its compiled ABI's errors, each selector is the one computed from the v1.12.0 signature, and a revert of the
 * core reads `AllocationManager reverted: CurrentlyPaused()` wherever the CLI reports errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractFunctionExecutionError, ContractFunctionRevertedError, type Hex, RawContractError, encodeErrorResult, toFunctionSelector } from 'viem';
import { formatAbiItem } from 'viem/utils';
import * as generated from '../../src/core/chain/abis/generated/index.ts';
import { CORE_CONTRACT_ERRORS, type CoreContractName, coreErrorsAbi, decodeCoreError } from '../../src/core/chain/coreErrors.ts';
import { contractNameOfAbi, decodeRevertData, formatRevert } from '../../src/core/chain/revertReason.ts';
import { describeRevert } from '../../src/core/chain/transactions.ts';
import { describeError } from '../../src/cli/errors.ts';

const PAUSABLE = ['OnlyPauser()', 'OnlyUnpauser()', 'CurrentlyPaused()', 'InvalidNewPausedStatus()', 'InputAddressZero()'];
const SIGNATURE_UTILS = ['InvalidSignature()', 'SignatureExpired()', 'InvalidShortString()', 'StringTooLong(string)'];

/** The errors of each contract's ABI at eigenlayer-contracts v1.12.0 (its interface, mixins and libraries). */
const V1_12_0_ERRORS: Record<CoreContractName, readonly string[]> = {
  AllocationManager: [
    'InvalidWadToSlash()', 'InputArrayLengthMismatch()', 'InvalidAVSRegistrar()', 'InvalidStrategy()', 'InvalidRedistributionRecipient()',
    'OperatorSetAlreadyMigrated()', 'InvalidCaller()', 'InvalidOperator()', 'NonexistentAVSMetadata()', 'UninitializedAllocationDelay()',
    'OperatorNotSlashable()', 'AlreadyMemberOfSet()', 'NotMemberOfSet()', 'InvalidOperatorSet()', 'StrategiesMustBeInAscendingOrder()',
    'StrategyAlreadyInOperatorSet()', 'StrategyNotInOperatorSet()', 'SameMagnitude()', 'ModificationAlreadyPending()', 'InsufficientMagnitude()',
    'SlasherNotSet()', 'InvalidSnapshotOrdering()', 'Empty()', 'OutOfBounds()', ...PAUSABLE, 'InvalidPermissions()',
  ],
  DelegationManager: [
    'OnlyStrategyManagerOrEigenPodManager()', 'OnlyEigenPodManager()', 'OnlyAllocationManager()', 'OperatorsCannotUndelegate()',
    'ActivelyDelegated()', 'NotActivelyDelegated()', 'OperatorNotRegistered()', 'WithdrawalNotQueued()', 'CallerCannotUndelegate()',
    'InputArrayLengthMismatch()', 'InputArrayLengthZero()', 'FullySlashed()', 'SaltSpent()', 'WithdrawalDelayNotElapsed()',
    'WithdrawerNotCaller()', 'InvalidDepositScalingFactor()', 'InvalidSnapshotOrdering()', ...PAUSABLE, 'InvalidPermissions()', ...SIGNATURE_UTILS,
  ],
  StrategyManager: [
    'MaxStrategiesExceeded()', 'OnlyDelegationManager()', 'OnlyStrategyWhitelister()', 'SharesAmountTooHigh()', 'SharesAmountZero()',
    'StakerAddressZero()', 'StrategyNotFound()', 'StrategyNotWhitelisted()', 'StrategyAlreadyInSlash()', ...PAUSABLE, ...SIGNATURE_UTILS,
  ],
  AVSDirectory: [
    'OperatorNotRegisteredToEigenLayer()', 'OperatorNotRegisteredToAVS()', 'OperatorAlreadyRegisteredToAVS()', 'SaltSpent()', ...PAUSABLE, ...SIGNATURE_UTILS,
  ],
  RewardsCoordinator: [
    'UnauthorizedCaller()', 'InvalidEarner()', 'InvalidAddressZero()', 'InvalidRoot()', 'InvalidRootIndex()', 'InputArrayLengthZero()',
    'InputArrayLengthMismatch()', 'NewRootMustBeForNewCalculatedPeriod()', 'RewardsEndTimestampNotElapsed()', 'InvalidOperatorSet()',
    'AmountIsZero()', 'AmountExceedsMax()', 'SplitExceedsMax()', 'PreviousSplitPending()', 'DurationExceedsMax()', 'DurationIsZero()',
    'InvalidDurationRemainder()', 'InvalidGenesisRewardsTimestampRemainder()', 'InvalidCalculationIntervalSecondsRemainder()',
    'InvalidStartTimestampRemainder()', 'StartTimestampTooFarInFuture()', 'StartTimestampTooFarInPast()', 'StrategyNotWhitelisted()',
    'StrategiesNotInAscendingOrder()', 'OperatorsNotInAscendingOrder()', 'SubmissionNotRetroactive()', 'InvalidClaimProof()',
    'InvalidTokenLeafIndex()', 'InvalidEarnerLeafIndex()', 'EarningsNotGreaterThanClaimed()', 'RootDisabled()', 'RootNotActivated()',
    'RootAlreadyActivated()', 'EmptyRoot()', 'InvalidIndex()', 'InvalidProofLength()', ...PAUSABLE, 'InvalidPermissions()',
  ],
  PermissionController: [
    'NotAdmin()', 'AdminNotSet()', 'AppointeeAlreadySet()', 'AppointeeNotSet()', 'CannotHaveZeroAdmins()', 'AdminAlreadySet()',
    'AdminNotPending()', 'AdminAlreadyPending()',
  ],
  StrategyBase: [
    'OnlyStrategyManager()', 'NewSharesZero()', 'TotalSharesExceedsMax()', 'WithdrawalAmountExceedsTotalDeposits()', 'OnlyUnderlyingToken()',
    'MaxPerDepositExceedsMax()', 'BalanceExceedsMaxTotalDeposits()', ...PAUSABLE,
  ],
};

/** keccak256(signature)[0..4] of every v1.12.0 signature, computed independently of viem (@noble/hashes keccak_256). */
const SELECTORS: Record<string, Hex> = {
  'ActivelyDelegated()': '0x77e56a06', 'AdminAlreadyPending()': '0x3357dbc6', 'AdminAlreadySet()': '0x980b0728',
  'AdminNotPending()': '0xbed8295f', 'AdminNotSet()': '0xe2db0360', 'AlreadyMemberOfSet()': '0xd8d8dc4e', 'AmountExceedsMax()': '0x1c2d69bc',
  'AmountIsZero()': '0x43ad20fc', 'AppointeeAlreadySet()': '0xad8efeb7', 'AppointeeNotSet()': '0x262118cd',
  'BalanceExceedsMaxTotalDeposits()': '0xd86bae67', 'CallerCannotUndelegate()': '0x3c933446', 'CannotHaveZeroAdmins()': '0x86744958',
  'CurrentlyPaused()': '0x840a48d5', 'DurationExceedsMax()': '0x3742e7d4', 'DurationIsZero()': '0xcb3f434d',
  'EarningsNotGreaterThanClaimed()': '0xaa385e81', 'Empty()': '0x3db2a12a', 'EmptyRoot()': '0x53ce4ece', 'FullySlashed()': '0x28cef1a4',
  'InputAddressZero()': '0x73632176', 'InputArrayLengthMismatch()': '0x43714afd', 'InputArrayLengthZero()': '0x796cc525',
  'InsufficientMagnitude()': '0x6c9be0bf', 'InvalidAVSRegistrar()': '0xe8589e08', 'InvalidAddressZero()': '0x10c748a6',
  'InvalidCalculationIntervalSecondsRemainder()': '0x4478f672', 'InvalidCaller()': '0x48f5c3ed', 'InvalidClaimProof()': '0x69ca16c9',
  'InvalidDepositScalingFactor()': '0xb9676398', 'InvalidDurationRemainder()': '0xee664705', 'InvalidEarner()': '0xfb494ea1',
  'InvalidEarnerLeafIndex()': '0x6361ce80', 'InvalidGenesisRewardsTimestampRemainder()': '0x0e06bd31', 'InvalidIndex()': '0x63df8171',
  'InvalidNewPausedStatus()': '0xc61dca5d', 'InvalidOperator()': '0xccea9e6f', 'InvalidOperatorSet()': '0x7ec5c154',
  'InvalidPermissions()': '0x932d94f7', 'InvalidProofLength()': '0x4dc5f6a4', 'InvalidRedistributionRecipient()': '0xc97c347e',
  'InvalidRoot()': '0x504570e3', 'InvalidRootIndex()': '0x94a8d389', 'InvalidShortString()': '0xb3512b0c', 'InvalidSignature()': '0x8baa579f',
  'InvalidSnapshotOrdering()': '0x2a371c7e', 'InvalidStartTimestampRemainder()': '0xf06a53c4', 'InvalidStrategy()': '0x4e236e9a',
  'InvalidTokenLeafIndex()': '0xa9fe9be0', 'InvalidWadToSlash()': '0x13536031', 'MaxPerDepositExceedsMax()': '0x14ac1edc',
  'MaxStrategiesExceeded()': '0x0d0a21c8', 'ModificationAlreadyPending()': '0xd8fcbe30', 'NewRootMustBeForNewCalculatedPeriod()': '0x729f942c',
  'NewSharesZero()': '0x18725da6', 'NonexistentAVSMetadata()': '0x48f7dbb9', 'NotActivelyDelegated()': '0xa5c7c445', 'NotAdmin()': '0x7bfa4b9f',
  'NotMemberOfSet()': '0x25131d4f', 'OnlyAllocationManager()': '0x23d871a5', 'OnlyDelegationManager()': '0xf739589b',
  'OnlyEigenPodManager()': '0xc84e9984', 'OnlyPauser()': '0x75df51dc', 'OnlyStrategyManager()': '0x48da714f',
  'OnlyStrategyManagerOrEigenPodManager()': '0x11481a94', 'OnlyStrategyWhitelister()': '0x82e8ffe4', 'OnlyUnderlyingToken()': '0xc4aaf740',
  'OnlyUnpauser()': '0x794821ff', 'OperatorAlreadyRegisteredToAVS()': '0x354a5176', 'OperatorNotRegistered()': '0x25ec6c1f',
  'OperatorNotRegisteredToAVS()': '0x52df45c9', 'OperatorNotRegisteredToEigenLayer()': '0x9f88c8af', 'OperatorNotSlashable()': '0xebbff497',
  'OperatorSetAlreadyMigrated()': '0x25c0ba74', 'OperatorsCannotUndelegate()': '0x8e5199a8', 'OperatorsNotInAscendingOrder()': '0x87da3f88',
  'OutOfBounds()': '0xb4120f14', 'PreviousSplitPending()': '0x7b1e25c5', 'RewardsEndTimestampNotElapsed()': '0x0d2af922',
  'RootAlreadyActivated()': '0x30dbd994', 'RootDisabled()': '0x1b14174b', 'RootNotActivated()': '0xa1bd15d8', 'SaltSpent()': '0x35313244',
  'SameMagnitude()': '0x8c0c2f26', 'SharesAmountTooHigh()': '0x4b18b193', 'SharesAmountZero()': '0x840c364a', 'SignatureExpired()': '0x0819bdcd',
  'SlasherNotSet()': '0x255b0f41', 'SplitExceedsMax()': '0x891c63df', 'StakerAddressZero()': '0x16f2ccc9',
  'StartTimestampTooFarInFuture()': '0x7ee2b443', 'StartTimestampTooFarInPast()': '0x08354eae', 'StrategiesMustBeInAscendingOrder()': '0x9f1c8053',
  'StrategiesNotInAscendingOrder()': '0xdfad9ca1', 'StrategyAlreadyInOperatorSet()': '0x585cfb2f', 'StrategyAlreadyInSlash()': '0xca354fa3',
  'StrategyNotFound()': '0x5be2b482', 'StrategyNotInOperatorSet()': '0x6378684e', 'StrategyNotWhitelisted()': '0x5dfb2ca2',
  'StringTooLong(string)': '0x305a27a9', 'SubmissionNotRetroactive()': '0x540d6284', 'TotalSharesExceedsMax()': '0x5e29d146',
  'UnauthorizedCaller()': '0x5c427cd9', 'UninitializedAllocationDelay()': '0xfa55fc81', 'WithdrawalAmountExceedsTotalDeposits()': '0xb469df30',
  'WithdrawalDelayNotElapsed()': '0xf1ecf5c2', 'WithdrawalNotQueued()': '0x87c9d219', 'WithdrawerNotCaller()': '0x584434d4',
};

const PAUSED: Hex = '0x840a48d5';

/** A revert as viem reports a failed contract call (`readContract`, `writeContract`, `simulateContract`). */
function contractCallError(abi: readonly unknown[], functionName: string, data: Hex): ContractFunctionExecutionError {
  const cause = new ContractFunctionRevertedError({ abi: abi as never, data, functionName });
  return new ContractFunctionExecutionError(cause, { abi: abi as never, functionName, args: [], contractAddress: '0x00000000000000000000000000000000000000a1' });
}

describe('EigenLayer core errors (v1.12.0)', () => {
  it('lists, for every core contract, exactly the errors of its v1.12.0 ABI', () => {
    for (const [contract, expected] of Object.entries(V1_12_0_ERRORS)) {
      const actual = CORE_CONTRACT_ERRORS[contract as CoreContractName].map((item) => formatAbiItem(item));
      assert.deepEqual([...actual].sort(), [...expected].sort(), contract);
      assert.equal(new Set(actual).size, actual.length, `${contract} lists an error twice`);
    }
  });

  it('gives every error the selector computed from its v1.12.0 signature', () => {
    const signatures = new Set(Object.values(V1_12_0_ERRORS).flat());
    assert.equal(signatures.size, Object.keys(SELECTORS).length);
    for (const signature of signatures) assert.equal(toFunctionSelector(signature), SELECTORS[signature], signature);
    for (const item of coreErrorsAbi) assert.equal(toFunctionSelector(formatAbiItem(item)), SELECTORS[formatAbiItem(item)], formatAbiItem(item));
  });

  it('agrees with the devnet core on every error both declare', () => {
    for (const contract of ['AllocationManager', 'DelegationManager', 'StrategyManager', 'AVSDirectory', 'RewardsCoordinator', 'StrategyBase'] as const) {
      const devnet = (generated as unknown as Record<string, readonly { type: string; name?: string }[]>)[`${contract}Abi`];
      const real = new Map<string, string>(CORE_CONTRACT_ERRORS[contract].map((item) => [item.name, formatAbiItem(item)]));
      for (const item of devnet.filter((i) => i.type === 'error' && real.has(i.name!))) {
        assert.equal(formatAbiItem(item as never), real.get(item.name!), `${contract}.${item.name}`);
      }
    }
  });

  it('decodes a core revert with the contracts that declare it and a hint', () => {
    const paused = decodeCoreError(PAUSED);
    assert.equal(paused?.errorName, 'CurrentlyPaused');
    assert.deepEqual([...paused!.declaredBy].sort(), ['AVSDirectory', 'AllocationManager', 'DelegationManager', 'RewardsCoordinator', 'StrategyBase', 'StrategyManager']);
    assert.match(paused!.hint!, /paused/);
    assert.deepEqual(decodeCoreError(SELECTORS['UninitializedAllocationDelay()'])?.declaredBy, ['AllocationManager']);
    const tooLong = encodeErrorResult({ abi: coreErrorsAbi, errorName: 'StringTooLong', args: ['a very long version string'] });
    assert.deepEqual(decodeCoreError(tooLong)?.args, ['a very long version string']);
    assert.equal(decodeCoreError('0x12345678'), undefined);
    assert.equal(decodeCoreError('0x'), undefined);
  });

  it('names the contract: the called one if it declares the error, else the only declarer, else the core', () => {
    assert.equal(formatRevert(decodeRevertData(PAUSED, 'AllocationManager')!), `AllocationManager reverted: CurrentlyPaused() (${decodeCoreError(PAUSED)!.hint})`);
    assert.equal(decodeRevertData(SELECTORS['NonexistentAVSMetadata()'], 'StateProofsServiceManager')?.contract, 'AllocationManager');
    assert.equal(decodeRevertData(PAUSED, 'StateProofsServiceManager')?.contract, 'EigenLayer core');
    assert.equal(decodeRevertData(PAUSED)?.contract, 'EigenLayer core');
    // An error only the devnet core declares still names its contract.
    const invalidSlasher = encodeErrorResult({ abi: generated.AllocationManagerAbi, errorName: 'InvalidSlasher' });
    assert.equal(formatRevert(decodeRevertData(invalidSlasher)!), 'AllocationManager reverted: InvalidSlasher()');
  });

  it('keeps the project’s own errors as Name(args), and string reverts as their text', () => {
    const notRegistered = encodeErrorResult({ abi: generated.ECDSAStakeRegistryAbi, errorName: 'CheckpointIndexOutOfBounds', args: [3n, 2n] });
    const decoded = decodeRevertData(notRegistered)!;
    assert.equal(decoded.core, false);
    assert.equal(formatRevert(decoded), 'CheckpointIndexOutOfBounds(3, 2)');
    const ownable = encodeErrorResult({ abi: [{ type: 'error', name: 'Error', inputs: [{ name: 'message', type: 'string' }] }], errorName: 'Error', args: ['Ownable: caller is not the owner'] });
    assert.equal(formatRevert(decodeRevertData(ownable)!), 'Ownable: caller is not the owner');
    assert.equal(decodeRevertData('0x12345678'), undefined);
  });

  it('names a generated ABI by identity', () => {
    assert.equal(contractNameOfAbi(generated.AllocationManagerAbi), 'AllocationManager');
    assert.equal(contractNameOfAbi([]), undefined);
  });

  it('prints a core revert in the CLI as "<function>: AllocationManager reverted: CurrentlyPaused()", one line', () => {
    const line = describeError(contractCallError(generated.AllocationManagerAbi, 'registerForOperatorSets', PAUSED));
    assert.equal(line, `registerForOperatorSets: AllocationManager reverted: CurrentlyPaused() (${decodeCoreError(PAUSED)!.hint})`);
    assert.doesNotMatch(line, /\n/);
    // Raised by the AllocationManager under the ServiceManager: not in the called ABI, decoded all the same.
    const nested = describeError(contractCallError(generated.StateProofsServiceManagerAbi, 'createOperatorSets', SELECTORS['NonexistentAVSMetadata()']));
    assert.match(nested, /^createOperatorSets: AllocationManager reverted: NonexistentAVSMetadata\(\) \(the AVS has not set its metadata URI/);
    // The project's errors read as before.
    const own = encodeErrorResult({ abi: generated.ECDSAStakeRegistryAbi, errorName: 'CheckpointIndexOutOfBounds', args: [3n, 2n] });
    assert.equal(describeError(contractCallError(generated.ECDSAStakeRegistryAbi, 'getOperatorWeightAt', own)), 'getOperatorWeightAt reverted: CheckpointIndexOutOfBounds(3, 2)');
    assert.equal(describeError(contractCallError(generated.ECDSAStakeRegistryAbi, 'getOperatorWeightAt', '0x12345678')), 'getOperatorWeightAt reverted: 0x12345678');
  });

  it('decodes raw revert data in setup-step errors (describeRevert)', () => {
    assert.equal(describeRevert(new RawContractError({ data: SELECTORS['NotMemberOfSet()'] })), `AllocationManager reverted: NotMemberOfSet() (${decodeCoreError(SELECTORS['NotMemberOfSet()'])!.hint})`);
    const own = encodeErrorResult({ abi: generated.ECDSAStakeRegistryAbi, errorName: 'CheckpointIndexOutOfBounds', args: [3n, 2n] });
    assert.equal(describeRevert(new RawContractError({ data: own })), 'CheckpointIndexOutOfBounds(3, 2)');
  });
});
