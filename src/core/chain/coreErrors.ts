/**
 * The custom errors of EigenLayer's core contracts as of release v1.12.0, so that a revert of the real core is named
 * (`AllocationManager reverted: CurrentlyPaused()`) instead of shown as a 4-byte selector.
 *
 * Each contract's list is every error in its v1.12.0 compiled ABI: its interface's errors, plus those of the mixins it
 * inherits (Pausable, PermissionControllerMixin, SignatureUtilsMixin and its ShortStrings) and of the libraries it
 * calls (Snapshots, SlashingLib, DoubleEndedQueue, Merkle). They are written from the v1.12.0 signatures rather than
 * taken from the devnet core's ABIs: the devnet core declares only the errors it raises (and a few of its own), and
 * decoding the real core must not depend on it. test/unit/core-errors.test.ts checks every selector.
 */
import { type Abi, type Hex, decodeErrorResult, toFunctionSelector } from 'viem';

/** A custom error's ABI item. */
export type AbiError = Extract<Abi[number], { type: 'error' }>;

/** A v1.12.0 core error without parameters (all of them but ShortStrings' `StringTooLong(string)`). */
const error = <const name extends string>(name: name) => ({ type: 'error', name, inputs: [] }) as const;

/** Pausable (IPausable): every core contract but the PermissionController. */
export const pausableErrorsAbi = [
  error('OnlyPauser'),
  error('OnlyUnpauser'),
  error('CurrentlyPaused'),
  error('InvalidNewPausedStatus'),
  error('InputAddressZero'),
] as const;

/** PermissionControllerMixin: AllocationManager, DelegationManager, RewardsCoordinator. */
export const permissionControllerMixinErrorsAbi = [error('InvalidPermissions')] as const;

/** SignatureUtilsMixin with its SemVerMixin's ShortStrings: DelegationManager, StrategyManager, AVSDirectory. */
export const signatureUtilsMixinErrorsAbi = [
  error('InvalidSignature'),
  error('SignatureExpired'),
  error('InvalidShortString'),
  { type: 'error', name: 'StringTooLong', inputs: [{ name: 'str', type: 'string' }] },
] as const;

/** IAllocationManagerErrors, Snapshots, and DoubleEndedQueue (`Empty`; `OutOfBounds` from the AllocationManagerView half). */
export const allocationManagerErrorsAbi = [
  error('InvalidWadToSlash'),
  error('InputArrayLengthMismatch'),
  error('InvalidAVSRegistrar'),
  error('InvalidStrategy'),
  error('InvalidRedistributionRecipient'),
  error('OperatorSetAlreadyMigrated'),
  error('InvalidCaller'),
  error('InvalidOperator'),
  error('NonexistentAVSMetadata'),
  error('UninitializedAllocationDelay'),
  error('OperatorNotSlashable'),
  error('AlreadyMemberOfSet'),
  error('NotMemberOfSet'),
  error('InvalidOperatorSet'),
  error('StrategiesMustBeInAscendingOrder'),
  error('StrategyAlreadyInOperatorSet'),
  error('StrategyNotInOperatorSet'),
  error('SameMagnitude'),
  error('ModificationAlreadyPending'),
  error('InsufficientMagnitude'),
  error('SlasherNotSet'),
  error('InvalidSnapshotOrdering'),
  error('Empty'),
  error('OutOfBounds'),
] as const;

/** IDelegationManagerErrors, SlashingLib and Snapshots. */
export const delegationManagerErrorsAbi = [
  error('OnlyStrategyManagerOrEigenPodManager'),
  error('OnlyEigenPodManager'),
  error('OnlyAllocationManager'),
  error('OperatorsCannotUndelegate'),
  error('ActivelyDelegated'),
  error('NotActivelyDelegated'),
  error('OperatorNotRegistered'),
  error('WithdrawalNotQueued'),
  error('CallerCannotUndelegate'),
  error('InputArrayLengthMismatch'),
  error('InputArrayLengthZero'),
  error('FullySlashed'),
  error('SaltSpent'),
  error('WithdrawalDelayNotElapsed'),
  error('WithdrawerNotCaller'),
  error('InvalidDepositScalingFactor'),
  error('InvalidSnapshotOrdering'),
] as const;

/** IStrategyManagerErrors. */
export const strategyManagerErrorsAbi = [
  error('MaxStrategiesExceeded'),
  error('OnlyDelegationManager'),
  error('OnlyStrategyWhitelister'),
  error('SharesAmountTooHigh'),
  error('SharesAmountZero'),
  error('StakerAddressZero'),
  error('StrategyNotFound'),
  error('StrategyNotWhitelisted'),
  error('StrategyAlreadyInSlash'),
] as const;

/** IAVSDirectoryErrors. */
export const avsDirectoryErrorsAbi = [
  error('OperatorNotRegisteredToEigenLayer'),
  error('OperatorNotRegisteredToAVS'),
  error('OperatorAlreadyRegisteredToAVS'),
  error('SaltSpent'),
] as const;

/** IRewardsCoordinatorErrors and Merkle. */
export const rewardsCoordinatorErrorsAbi = [
  error('UnauthorizedCaller'),
  error('InvalidEarner'),
  error('InvalidAddressZero'),
  error('InvalidRoot'),
  error('InvalidRootIndex'),
  error('InputArrayLengthZero'),
  error('InputArrayLengthMismatch'),
  error('NewRootMustBeForNewCalculatedPeriod'),
  error('RewardsEndTimestampNotElapsed'),
  error('InvalidOperatorSet'),
  error('AmountIsZero'),
  error('AmountExceedsMax'),
  error('SplitExceedsMax'),
  error('PreviousSplitPending'),
  error('DurationExceedsMax'),
  error('DurationIsZero'),
  error('InvalidDurationRemainder'),
  error('InvalidGenesisRewardsTimestampRemainder'),
  error('InvalidCalculationIntervalSecondsRemainder'),
  error('InvalidStartTimestampRemainder'),
  error('StartTimestampTooFarInFuture'),
  error('StartTimestampTooFarInPast'),
  error('StrategyNotWhitelisted'),
  error('StrategiesNotInAscendingOrder'),
  error('OperatorsNotInAscendingOrder'),
  error('SubmissionNotRetroactive'),
  error('InvalidClaimProof'),
  error('InvalidTokenLeafIndex'),
  error('InvalidEarnerLeafIndex'),
  error('EarningsNotGreaterThanClaimed'),
  error('RootDisabled'),
  error('RootNotActivated'),
  error('RootAlreadyActivated'),
  error('EmptyRoot'),
  error('InvalidIndex'),
  error('InvalidProofLength'),
] as const;

/** IPermissionControllerErrors. */
export const permissionControllerErrorsAbi = [
  error('NotAdmin'),
  error('AdminNotSet'),
  error('AppointeeAlreadySet'),
  error('AppointeeNotSet'),
  error('CannotHaveZeroAdmins'),
  error('AdminAlreadySet'),
  error('AdminNotPending'),
  error('AdminAlreadyPending'),
] as const;

/** IStrategyErrors (StrategyBase and the strategies built on it). */
export const strategyErrorsAbi = [
  error('OnlyStrategyManager'),
  error('NewSharesZero'),
  error('TotalSharesExceedsMax'),
  error('WithdrawalAmountExceedsTotalDeposits'),
  error('OnlyUnderlyingToken'),
  error('MaxPerDepositExceedsMax'),
  error('BalanceExceedsMaxTotalDeposits'),
] as const;

/** Every error each v1.12.0 core contract can revert with (its compiled ABI's errors). */
export const CORE_CONTRACT_ERRORS = {
  AllocationManager: [...allocationManagerErrorsAbi, ...pausableErrorsAbi, ...permissionControllerMixinErrorsAbi],
  DelegationManager: [...delegationManagerErrorsAbi, ...pausableErrorsAbi, ...permissionControllerMixinErrorsAbi, ...signatureUtilsMixinErrorsAbi],
  StrategyManager: [...strategyManagerErrorsAbi, ...pausableErrorsAbi, ...signatureUtilsMixinErrorsAbi],
  AVSDirectory: [...avsDirectoryErrorsAbi, ...pausableErrorsAbi, ...signatureUtilsMixinErrorsAbi],
  RewardsCoordinator: [...rewardsCoordinatorErrorsAbi, ...pausableErrorsAbi, ...permissionControllerMixinErrorsAbi],
  PermissionController: [...permissionControllerErrorsAbi],
  StrategyBase: [...strategyErrorsAbi, ...pausableErrorsAbi],
} as const satisfies Record<string, readonly AbiError[]>;

/** A core contract, by its v1.12.0 name. */
export type CoreContractName = keyof typeof CORE_CONTRACT_ERRORS;

/** The core contracts' names. */
export const CORE_CONTRACT_NAMES = Object.keys(CORE_CONTRACT_ERRORS) as CoreContractName[];

/** The signature of an error, e.g. `CurrentlyPaused()`: what its selector is the keccak-256 of (core errors take elementary types only). */
export function errorSignature(item: AbiError): string {
  return `${item.name}(${item.inputs.map((input) => input.type).join(',')})`;
}

/** Every core error once (errors shared by several contracts, such as `CurrentlyPaused()`, appear once). */
export const coreErrorsAbi: readonly AbiError[] = (() => {
  const bySignature = new Map<string, AbiError>();
  for (const items of Object.values(CORE_CONTRACT_ERRORS)) for (const item of items) bySignature.set(errorSignature(item), item);
  return [...bySignature.values()];
})();

/** Which core contracts declare each error, by 4-byte selector. */
const declarersBySelector: ReadonlyMap<Hex, readonly CoreContractName[]> = (() => {
  const map = new Map<Hex, CoreContractName[]>();
  for (const name of CORE_CONTRACT_NAMES) {
    for (const item of CORE_CONTRACT_ERRORS[name]) {
      const selector = toFunctionSelector(errorSignature(item));
      const names = map.get(selector) ?? [];
      if (!names.includes(name)) names.push(name);
      map.set(selector, names);
    }
  }
  return map;
})();

/**
 * What to do about the core errors an operator or an AVS team meets in avs-stack's flows (registration, allocation,
 * deployment, slashing, rewards), from the v1.12.0 source's conditions.
 */
export const CORE_ERROR_HINTS: Readonly<Partial<Record<string, string>>> = {
  CurrentlyPaused: 'EigenLayer has paused this function; retry once its pausers unpause it',
  InvalidPermissions: 'the sender may not act for this account: send it from the account itself or from an appointee set in the PermissionController',
  InvalidOperator: 'the address is not an EigenLayer operator (DelegationManager.registerAsOperator first)',
  OperatorNotRegistered: 'the address is not an EigenLayer operator (DelegationManager.registerAsOperator first)',
  OperatorNotRegisteredToEigenLayer: 'the address is not an EigenLayer operator (DelegationManager.registerAsOperator first)',
  OperatorAlreadyRegisteredToAVS: 'the operator is already registered with this AVS in the AVSDirectory',
  ActivelyDelegated: 'the account is already delegated (an operator is delegated to itself)',
  UninitializedAllocationDelay:
    'the operator has no allocation delay yet: set one with AllocationManager.setAllocationDelay, which takes ALLOCATION_CONFIGURATION_DELAY + 1 blocks to apply',
  InsufficientMagnitude: 'the allocation asks for more magnitude than the operator has left unallocated in this strategy',
  ModificationAlreadyPending: 'an allocation change for this operator set and strategy is still pending: retry once it has taken effect',
  SameMagnitude: 'the operator already allocates this magnitude to the operator set',
  AlreadyMemberOfSet: 'the operator is already registered in this operator set',
  NotMemberOfSet: 'the operator is not registered in this operator set',
  InvalidOperatorSet: 'no such operator set (check the AVS address and the set id)',
  OperatorNotSlashable: 'the operator is not registered in the operator set, nor still slashable after leaving it',
  NonexistentAVSMetadata: 'the AVS has not set its metadata URI in the AllocationManager yet',
  StrategyNotInOperatorSet: 'the strategy is not one of the operator set’s strategies',
  StrategyNotWhitelisted: 'the strategy is not whitelisted in the StrategyManager',
  SaltSpent: 'this signature’s salt was already used: sign again with a new salt',
  SignatureExpired: 'the signature expired: sign again',
  InvalidSignature: 'the signature does not match the signer (wrong key, chain or contract address)',
  InvalidAVSRegistrar: 'the AVS registrar does not accept this AVS (supportsAVS returned false)',
  SlasherNotSet: 'the operator set has no slasher',
};

/** A revert of the core, decoded. */
export type CoreRevert = {
  errorName: string;
  args: readonly unknown[];
  /** e.g. `CurrentlyPaused()`. */
  signature: string;
  /** The core contracts that declare this error (several for shared ones such as `CurrentlyPaused()`). */
  declaredBy: readonly CoreContractName[];
  hint?: string;
};

/**
 * Decodes revert data as a v1.12.0 core error.
 * @returns undefined when `data` is not one (too short, or an unknown selector).
 */
export function decodeCoreError(data: Hex): CoreRevert | undefined {
  if (data.length < 10) return undefined;
  const declaredBy = declarersBySelector.get(data.slice(0, 10).toLowerCase() as Hex);
  if (!declaredBy) return undefined;
  try {
    const decoded = decodeErrorResult({ abi: coreErrorsAbi, data });
    const item = coreErrorsAbi.find((e) => e.name === decoded.errorName && e.inputs.length === (decoded.args?.length ?? 0));
    return {
      errorName: decoded.errorName,
      args: decoded.args ?? [],
      signature: item ? errorSignature(item) : `${decoded.errorName}()`,
      declaredBy,
      hint: CORE_ERROR_HINTS[decoded.errorName],
    };
  } catch {
    return undefined;
  }
}

/** The core contracts that declare the error with this 4-byte selector (empty when none does). */
export function coreContractsDeclaring(selector: Hex): readonly CoreContractName[] {
  return declarersBySelector.get(selector.toLowerCase() as Hex) ?? [];
}
