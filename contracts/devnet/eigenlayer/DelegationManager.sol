// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IStrategy} from "../../src/eigenlayer/IStrategy.sol";
import {IStrategyManager} from "./IStrategyManager.sol";
import {IAllocationManager} from "../../src/eigenlayer/IAllocationManager.sol";
import {IDelegationManager} from "../../src/eigenlayer/IDelegationManager.sol";
import {ISignatureUtilsMixin} from "../../src/eigenlayer/ISignatureUtilsMixin.sol";
import {IPermissionController} from "../../src/eigenlayer/IPermissionController.sol";
import {PermissionControllerMixin} from "./PermissionControllerMixin.sol";

/// @title DelegationManager: operators, stakers' delegation, withdrawals, and the share side of slashing
/// @notice Accounting (all wads are 1e18 = 100%):
///         - A staker's *deposit shares* live in the StrategyManager and never change with slashing.
///         - Its *withdrawable shares* = depositShares × depositScalingFactor × maxMagnitude(operator), where
///           maxMagnitude (from the AllocationManager; 1e18 when undelegated or never slashed) only falls when the
///           operator is slashed. The deposit scaling factor is set on every deposit so that slashing that happened
///           before a deposit does not reduce it.
///         - `operatorShares` is the sum of the withdrawable shares delegated to an operator. Slashing reduces it
///           by (1 - newMaxMagnitude / prevMaxMagnitude) and hands those strategy shares to the StrategyManager
///           to burn, which keeps every other holder's share price unchanged.
///         - A queued withdrawal stores *scaled shares* (depositShares × depositScalingFactor). On completion it
///           pays scaledShares × maxMagnitude at the block the delay ends, so stake stays slashable while queued;
///           the shares slashed in the queue are burned at completion.
///         Withdrawals can be completed after more than `minWithdrawalDelayBlocks` blocks, by the staker.
contract DelegationManager is IDelegationManager, EIP712, ReentrancyGuard, PermissionControllerMixin {
    using EnumerableSet for EnumerableSet.Bytes32Set;

    uint256 internal constant WAD = 1e18;

    /// @inheritdoc IDelegationManager
    bytes32 public constant DELEGATION_APPROVAL_TYPEHASH = keccak256(
        "DelegationApproval(address delegationApprover,address staker,address operator,bytes32 salt,uint256 expiry)"
    );

    /// @notice The StrategyManager (set once by `initialize`).
    IStrategyManager public strategyManager;
    /// @notice The AllocationManager (set once by `initialize`).
    IAllocationManager public allocationManager;

    uint32 internal immutable _minWithdrawalDelayBlocks;
    address internal immutable _deployer;

    /// @inheritdoc IDelegationManager
    mapping(address staker => address operator) public delegatedTo;
    /// @inheritdoc IDelegationManager
    mapping(address operator => mapping(IStrategy strategy => uint256)) public operatorShares;
    /// @inheritdoc IDelegationManager
    mapping(address approver => mapping(bytes32 salt => bool)) public delegationApproverSaltIsSpent;
    /// @inheritdoc IDelegationManager
    mapping(bytes32 withdrawalRoot => bool) public pendingWithdrawals;
    /// @inheritdoc IDelegationManager
    mapping(address staker => uint256) public cumulativeWithdrawalsQueued;

    mapping(address operator => address) internal _delegationApprover;
    /// @dev Zero means 1e18 (the default).
    mapping(address staker => mapping(IStrategy strategy => uint256)) internal _depositScalingFactor;
    mapping(bytes32 withdrawalRoot => Withdrawal) internal _queuedWithdrawals;
    /// @dev Withdrawable shares at queue time; what the queue's slashing took is burned at completion.
    mapping(bytes32 withdrawalRoot => uint256[]) internal _sharesAtQueue;
    mapping(address staker => EnumerableSet.Bytes32Set) internal _stakerQueuedWithdrawalRoots;

    modifier onlyStrategyManager() {
        if (msg.sender != address(strategyManager)) revert OnlyStrategyManager();
        _;
    }

    modifier onlyAllocationManager() {
        if (msg.sender != address(allocationManager)) revert OnlyAllocationManager();
        _;
    }

    /// @param permissionController_ The PermissionController that says who may act for an operator.
    /// @param minWithdrawalDelayBlocks_ Blocks a queued withdrawal stays slashable before it can be completed.
    constructor(IPermissionController permissionController_, uint32 minWithdrawalDelayBlocks_)
        EIP712("EigenLayer", "v1")
        PermissionControllerMixin(permissionController_)
    {
        if (address(permissionController_) == address(0)) revert InvalidAddressZero();
        _minWithdrawalDelayBlocks = minWithdrawalDelayBlocks_;
        _deployer = msg.sender;
    }

    /// @notice Wires the StrategyManager and AllocationManager (which both need this contract's address first).
    ///         Callable once, by the deployer.
    /// @param _strategyManager The StrategyManager.
    /// @param _allocationManager The AllocationManager.
    function initialize(IStrategyManager _strategyManager, IAllocationManager _allocationManager) external {
        if (msg.sender != _deployer || address(strategyManager) != address(0)) revert AlreadyInitialized();
        if (address(_strategyManager) == address(0) || address(_allocationManager) == address(0)) {
            revert InvalidAddressZero();
        }
        strategyManager = _strategyManager;
        allocationManager = _allocationManager;
    }

    // ---------------------------------------------------------------- operators

    /// @inheritdoc IDelegationManager
    function registerAsOperator(address initDelegationApprover, uint32 allocationDelay, string calldata metadataURI)
        external
        nonReentrant
    {
        if (delegatedTo[msg.sender] != address(0)) revert ActivelyDelegated();
        _delegationApprover[msg.sender] = initDelegationApprover;
        emit DelegationApproverUpdated(msg.sender, initDelegationApprover);
        _delegate(msg.sender, msg.sender);
        emit OperatorRegistered(msg.sender, initDelegationApprover);
        emit OperatorMetadataURIUpdated(msg.sender, metadataURI);
        allocationManager.setAllocationDelay(msg.sender, allocationDelay);
    }

    /// @inheritdoc IDelegationManager
    function modifyOperatorDetails(address operator, address newDelegationApprover) external {
        _checkOperatorCaller(operator);
        _delegationApprover[operator] = newDelegationApprover;
        emit DelegationApproverUpdated(operator, newDelegationApprover);
    }

    /// @inheritdoc IDelegationManager
    function updateOperatorMetadataURI(address operator, string calldata metadataURI) external {
        _checkOperatorCaller(operator);
        emit OperatorMetadataURIUpdated(operator, metadataURI);
    }

    // ---------------------------------------------------------------- delegation

    /// @inheritdoc IDelegationManager
    function delegateTo(
        address operator,
        ISignatureUtilsMixin.SignatureWithExpiry memory approverSignatureAndExpiry,
        bytes32 approverSalt
    ) external nonReentrant {
        if (delegatedTo[msg.sender] != address(0)) revert ActivelyDelegated();
        if (!isOperator(operator)) revert OperatorNotRegistered();
        address approver = _delegationApprover[operator];
        if (approver != address(0) && msg.sender != approver) {
            if (approverSignatureAndExpiry.expiry < block.timestamp) revert SignatureExpired();
            if (delegationApproverSaltIsSpent[approver][approverSalt]) revert SaltSpent();
            delegationApproverSaltIsSpent[approver][approverSalt] = true;
            bytes32 digest = calculateDelegationApprovalDigestHash(
                msg.sender, operator, approver, approverSalt, approverSignatureAndExpiry.expiry
            );
            if (!SignatureChecker.isValidSignatureNow(approver, digest, approverSignatureAndExpiry.signature)) {
                revert InvalidSignature();
            }
        }
        _delegate(msg.sender, operator);
    }

    /// @inheritdoc IDelegationManager
    function undelegate(address staker) external nonReentrant returns (bytes32[] memory withdrawalRoots) {
        address operator = delegatedTo[staker];
        if (operator == address(0)) revert NotActivelyDelegated();
        if (operator == staker) revert OperatorsCannotUndelegate();
        if (msg.sender != staker) {
            if (!_canCall(operator) && msg.sender != _delegationApprover[operator]) revert CallerCannotUndelegate();
            emit StakerForceUndelegated(staker, operator);
        }
        emit StakerUndelegated(staker, operator);
        delegatedTo[staker] = address(0);

        (IStrategy[] memory strategies, uint256[] memory depositShares) = strategyManager.getDeposits(staker);
        withdrawalRoots = new bytes32[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            IStrategy[] memory one = new IStrategy[](1);
            uint256[] memory oneShares = new uint256[](1);
            one[0] = strategies[i];
            oneShares[0] = depositShares[i];
            withdrawalRoots[i] = _removeSharesAndQueueWithdrawal(staker, operator, one, oneShares);
            // Everything was withdrawn: an undelegated staker starts again at a scaling factor of 1e18.
            delete _depositScalingFactor[staker][strategies[i]];
            emit DepositScalingFactorUpdated(staker, strategies[i], WAD);
        }
    }

    // ---------------------------------------------------------------- withdrawals

    /// @inheritdoc IDelegationManager
    function queueWithdrawals(QueuedWithdrawalParams[] calldata params)
        external
        nonReentrant
        returns (bytes32[] memory roots)
    {
        address operator = delegatedTo[msg.sender];
        roots = new bytes32[](params.length);
        for (uint256 i = 0; i < params.length; ++i) {
            if (params[i].strategies.length != params[i].depositShares.length) revert InputArrayLengthMismatch();
            roots[i] =
                _removeSharesAndQueueWithdrawal(msg.sender, operator, params[i].strategies, params[i].depositShares);
        }
    }

    /// @inheritdoc IDelegationManager
    function completeQueuedWithdrawal(Withdrawal calldata withdrawal, IERC20[] calldata tokens, bool receiveAsTokens)
        external
        nonReentrant
    {
        bytes32 root = calculateWithdrawalRoot(withdrawal);
        if (!pendingWithdrawals[root]) revert WithdrawalNotQueued();
        if (msg.sender != withdrawal.withdrawer) revert WithdrawerNotCaller();
        if (tokens.length != withdrawal.strategies.length) revert InputArrayLengthMismatch();
        uint32 slashableUntil = withdrawal.startBlock + _minWithdrawalDelayBlocks;
        if (block.number <= slashableUntil) revert WithdrawalDelayNotElapsed();

        uint256[] memory sharesOut = _sharesPaid(withdrawal, slashableUntil);
        uint256[] memory sharesAtQueue = _sharesAtQueue[root];

        // Effects.
        pendingWithdrawals[root] = false;
        delete _queuedWithdrawals[root];
        delete _sharesAtQueue[root];
        _stakerQueuedWithdrawalRoots[withdrawal.staker].remove(root);
        emit SlashingWithdrawalCompleted(root);

        // Interactions (core contracts and the strategies' tokens).
        address currentOperator = delegatedTo[withdrawal.staker];
        for (uint256 i = 0; i < withdrawal.strategies.length; ++i) {
            IStrategy strategy = withdrawal.strategies[i];
            if (sharesAtQueue[i] > sharesOut[i]) {
                strategyManager.increaseBurnableShares(strategy, sharesAtQueue[i] - sharesOut[i]);
            }
            if (receiveAsTokens) {
                if (tokens[i] != strategy.underlyingToken()) revert InvalidToken();
                if (sharesOut[i] != 0) {
                    strategyManager.withdrawSharesAsTokens(withdrawal.staker, strategy, tokens[i], sharesOut[i]);
                }
            } else if (sharesOut[i] != 0) {
                (uint256 prev, uint256 added) = strategyManager.addShares(withdrawal.staker, strategy, sharesOut[i]);
                _increaseDelegation(withdrawal.staker, currentOperator, strategy, prev, added);
            }
        }
    }

    // ---------------------------------------------------------------- hooks

    /// @inheritdoc IDelegationManager
    function increaseDelegatedShares(address staker, IStrategy strategy, uint256 prevDepositShares, uint256 addedShares)
        external
        onlyStrategyManager
    {
        _increaseDelegation(staker, delegatedTo[staker], strategy, prevDepositShares, addedShares);
    }

    /// @inheritdoc IDelegationManager
    /// @dev Rounds the slashed amount down, so the burn never exceeds what the delegators lost.
    function slashOperatorShares(address operator, IStrategy strategy, uint64 prevMaxMagnitude, uint64 newMaxMagnitude)
        external
        onlyAllocationManager
        returns (uint256 totalSlashedShares)
    {
        if (prevMaxMagnitude == 0 || newMaxMagnitude >= prevMaxMagnitude) return 0;
        uint256 current = operatorShares[operator][strategy];
        totalSlashedShares = Math.mulDiv(current, prevMaxMagnitude - newMaxMagnitude, prevMaxMagnitude);
        operatorShares[operator][strategy] = current - totalSlashedShares;
        emit OperatorSharesSlashed(operator, strategy, totalSlashedShares);
        if (totalSlashedShares != 0) strategyManager.increaseBurnableShares(strategy, totalSlashedShares);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISignatureUtilsMixin
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice The EigenLayer core release this devnet core stands in for, as SemVerMixin.version() reports it.
    /// @return The semantic version string, "1.12.0".
    function version() external pure returns (string memory) {
        return "1.12.0";
    }

    /// @inheritdoc IDelegationManager
    function isOperator(address operator) public view returns (bool) {
        return operator != address(0) && delegatedTo[operator] == operator;
    }

    /// @inheritdoc IDelegationManager
    function isDelegated(address staker) external view returns (bool) {
        return delegatedTo[staker] != address(0);
    }

    /// @inheritdoc IDelegationManager
    function delegationApprover(address operator) external view returns (address) {
        return _delegationApprover[operator];
    }

    /// @inheritdoc IDelegationManager
    function getOperatorShares(address operator, IStrategy[] memory strategies)
        public
        view
        returns (uint256[] memory shares)
    {
        shares = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            shares[i] = operatorShares[operator][strategies[i]];
        }
    }

    /// @inheritdoc IDelegationManager
    function getOperatorsShares(address[] memory operators, IStrategy[] memory strategies)
        external
        view
        returns (uint256[][] memory shares)
    {
        shares = new uint256[][](operators.length);
        for (uint256 i = 0; i < operators.length; ++i) {
            shares[i] = getOperatorShares(operators[i], strategies);
        }
    }

    /// @inheritdoc IDelegationManager
    function getWithdrawableShares(address staker, IStrategy[] memory strategies)
        external
        view
        returns (uint256[] memory withdrawableShares, uint256[] memory depositShares)
    {
        address operator = delegatedTo[staker];
        withdrawableShares = new uint256[](strategies.length);
        depositShares = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            depositShares[i] = strategyManager.stakerDepositShares(staker, strategies[i]);
            withdrawableShares[i] = _mulWad(
                _mulWad(depositShares[i], depositScalingFactor(staker, strategies[i])),
                _slashingFactor(operator, strategies[i])
            );
        }
    }

    /// @inheritdoc IDelegationManager
    function depositScalingFactor(address staker, IStrategy strategy) public view returns (uint256) {
        uint256 dsf = _depositScalingFactor[staker][strategy];
        return dsf == 0 ? WAD : dsf;
    }

    /// @inheritdoc IDelegationManager
    function getQueuedWithdrawal(bytes32 withdrawalRoot)
        public
        view
        returns (Withdrawal memory withdrawal, uint256[] memory shares)
    {
        withdrawal = _queuedWithdrawals[withdrawalRoot];
        if (!pendingWithdrawals[withdrawalRoot]) return (withdrawal, new uint256[](0));
        uint32 slashableUntil = withdrawal.startBlock + _minWithdrawalDelayBlocks;
        uint32 at = block.number < slashableUntil ? uint32(block.number) : slashableUntil;
        shares = _sharesPaid(withdrawal, at);
    }

    /// @inheritdoc IDelegationManager
    function getQueuedWithdrawals(address staker)
        external
        view
        returns (Withdrawal[] memory withdrawals, uint256[][] memory shares)
    {
        bytes32[] memory roots = _stakerQueuedWithdrawalRoots[staker].values();
        withdrawals = new Withdrawal[](roots.length);
        shares = new uint256[][](roots.length);
        for (uint256 i = 0; i < roots.length; ++i) {
            (withdrawals[i], shares[i]) = getQueuedWithdrawal(roots[i]);
        }
    }

    /// @inheritdoc IDelegationManager
    function getQueuedWithdrawalRoots(address staker) external view returns (bytes32[] memory) {
        return _stakerQueuedWithdrawalRoots[staker].values();
    }

    /// @inheritdoc IDelegationManager
    function calculateWithdrawalRoot(Withdrawal memory withdrawal) public pure returns (bytes32) {
        return keccak256(abi.encode(withdrawal));
    }

    /// @inheritdoc IDelegationManager
    function minWithdrawalDelayBlocks() external view returns (uint32) {
        return _minWithdrawalDelayBlocks;
    }

    /// @inheritdoc IDelegationManager
    function calculateDelegationApprovalDigestHash(
        address staker,
        address operator,
        address approver,
        bytes32 approverSalt,
        uint256 expiry
    ) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(DELEGATION_APPROVAL_TYPEHASH, approver, staker, operator, approverSalt, expiry))
        );
    }

    // ---------------------------------------------------------------- internals

    function _checkOperatorCaller(address operator) internal view {
        _checkCanCall(operator);
        if (!isOperator(operator)) revert OperatorNotRegistered();
    }

    /// @dev Delegates `staker` and moves all of its withdrawable shares to `operator`.
    function _delegate(address staker, address operator) internal {
        delegatedTo[staker] = operator;
        emit StakerDelegated(staker, operator);
        (IStrategy[] memory strategies, uint256[] memory depositShares) = strategyManager.getDeposits(staker);
        for (uint256 i = 0; i < strategies.length; ++i) {
            // Undelegated, the slashing factor is 1e18; the shares are re-based on the operator's magnitude.
            uint256 withdrawable = _mulWad(depositShares[i], depositScalingFactor(staker, strategies[i]));
            _increaseDelegation(staker, operator, strategies[i], 0, withdrawable);
        }
    }

    /// @dev Updates the deposit scaling factor for `addedShares` new shares and credits `operator` (if any).
    function _increaseDelegation(
        address staker,
        address operator,
        IStrategy strategy,
        uint256 prevDepositShares,
        uint256 addedShares
    ) internal {
        uint256 slashingFactor = _slashingFactor(operator, strategy);
        if (slashingFactor == 0) revert FullySlashed();
        uint256 newDsf;
        if (prevDepositShares == 0) {
            newDsf = Math.mulDiv(WAD, WAD, slashingFactor);
        } else {
            uint256 current =
                _mulWad(_mulWad(prevDepositShares, depositScalingFactor(staker, strategy)), slashingFactor);
            newDsf = Math.mulDiv(current + addedShares, WAD * WAD, (prevDepositShares + addedShares) * slashingFactor);
        }
        _depositScalingFactor[staker][strategy] = newDsf;
        emit DepositScalingFactorUpdated(staker, strategy, newDsf);
        if (operator != address(0)) {
            operatorShares[operator][strategy] += addedShares;
            emit OperatorSharesIncreased(operator, staker, strategy, addedShares);
        }
    }

    /// @dev Removes deposit shares, takes their withdrawable shares off `operator` (if any) and queues a withdrawal.
    function _removeSharesAndQueueWithdrawal(
        address staker,
        address operator,
        IStrategy[] memory strategies,
        uint256[] memory depositSharesToWithdraw
    ) internal returns (bytes32 root) {
        if (strategies.length == 0) revert InputArrayLengthZero();
        uint256[] memory scaledShares = new uint256[](strategies.length);
        uint256[] memory withdrawable = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            IStrategy strategy = strategies[i];
            uint256 depositShares = depositSharesToWithdraw[i];
            if (depositShares == 0 || depositShares > strategyManager.stakerDepositShares(staker, strategy)) {
                revert InvalidShares();
            }
            scaledShares[i] = _mulWad(depositShares, depositScalingFactor(staker, strategy));
            withdrawable[i] = _mulWad(scaledShares[i], _slashingFactor(operator, strategy));
            if (operator != address(0)) {
                uint256 current = operatorShares[operator][strategy];
                // Saturating: rounding can leave the operator's total a few wei below its stakers' sum.
                uint256 decrease = withdrawable[i] < current ? withdrawable[i] : current;
                operatorShares[operator][strategy] = current - decrease;
                emit OperatorSharesDecreased(operator, staker, strategy, decrease);
            }
            strategyManager.removeDepositShares(staker, strategy, depositShares);
        }

        Withdrawal memory withdrawal = Withdrawal({
            staker: staker,
            delegatedTo: operator,
            withdrawer: staker,
            nonce: cumulativeWithdrawalsQueued[staker]++,
            startBlock: uint32(block.number),
            strategies: strategies,
            scaledShares: scaledShares
        });
        root = calculateWithdrawalRoot(withdrawal);
        pendingWithdrawals[root] = true;
        _queuedWithdrawals[root] = withdrawal;
        _sharesAtQueue[root] = withdrawable;
        _stakerQueuedWithdrawalRoots[staker].add(root);
        emit SlashingWithdrawalQueued(root, withdrawal, withdrawable);
    }

    /// @dev Shares a withdrawal pays using the operator's max magnitudes at `blockNumber`.
    function _sharesPaid(Withdrawal memory withdrawal, uint32 blockNumber)
        internal
        view
        returns (uint256[] memory shares)
    {
        uint256 n = withdrawal.strategies.length;
        shares = new uint256[](n);
        uint64[] memory magnitudes;
        if (withdrawal.delegatedTo != address(0)) {
            magnitudes =
                allocationManager.getMaxMagnitudesAtBlock(withdrawal.delegatedTo, withdrawal.strategies, blockNumber);
        }
        for (uint256 i = 0; i < n; ++i) {
            uint256 magnitude = withdrawal.delegatedTo == address(0) ? WAD : magnitudes[i];
            shares[i] = _mulWad(withdrawal.scaledShares[i], magnitude);
        }
    }

    function _slashingFactor(address operator, IStrategy strategy) internal view returns (uint256) {
        if (operator == address(0)) return WAD;
        return allocationManager.getMaxMagnitude(operator, strategy);
    }

    function _mulWad(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, y, WAD);
    }
}
