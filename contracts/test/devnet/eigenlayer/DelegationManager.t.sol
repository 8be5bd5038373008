// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EigenLayerDeployer} from "./EigenLayerDeployer.sol";
import {IStrategy} from "../../../src/eigenlayer/IStrategy.sol";
import {
    IDelegationManagerErrors,
    IDelegationManagerEvents,
    IDelegationManagerTypes
} from "../../../src/eigenlayer/IDelegationManager.sol";
import {IAllocationManagerEvents} from "../../../src/eigenlayer/IAllocationManager.sol";
import {ISignatureUtilsMixinErrors, ISignatureUtilsMixinTypes} from "../../../src/eigenlayer/ISignatureUtilsMixin.sol";

contract DelegationManagerTest is EigenLayerDeployer {
    uint256 internal constant OPERATOR_KEY = 0xA11CE;
    bytes32 internal constant SALT = keccak256("salt");
    uint256 internal constant APPROVER_KEY = 0xAB;
    address internal operator;
    address internal staker = makeAddr("staker");

    function setUp() public override {
        super.setUp();
        vm.warp(1_700_000_000);
        operator = _makeOperator(OPERATOR_KEY, 100 ether);
    }

    // ---------------------------------------------------------------- helpers

    function _tokens() internal view returns (IERC20[] memory tokens) {
        tokens = new IERC20[](1);
        tokens[0] = IERC20(address(stakeToken));
    }

    function _onlyWithdrawal(address who) internal view returns (IDelegationManagerTypes.Withdrawal memory) {
        (IDelegationManagerTypes.Withdrawal[] memory withdrawals,) = delegationManager.getQueuedWithdrawals(who);
        assertEq(withdrawals.length, 1, "one queued withdrawal");
        return withdrawals[0];
    }

    function _approverSignature(address forStaker, address forOperator, bytes32 salt, uint256 expiry, uint256 key)
        internal
        view
        returns (ISignatureUtilsMixinTypes.SignatureWithExpiry memory)
    {
        bytes32 digest = delegationManager.calculateDelegationApprovalDigestHash(
            forStaker, forOperator, vm.addr(APPROVER_KEY), salt, expiry
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return ISignatureUtilsMixinTypes.SignatureWithExpiry({signature: abi.encodePacked(r, s, v), expiry: expiry});
    }

    function _makeApprovedOperator() internal returns (address approved) {
        approved = makeAddr("approved operator");
        address approver = vm.addr(APPROVER_KEY);
        vm.prank(approved);
        delegationManager.registerAsOperator(approver, 0, "");
    }

    // ---------------------------------------------------------------- registration

    function test_registerAsOperator_selfDelegatesAndCountsOwnShares() public view {
        assertTrue(delegationManager.isOperator(operator));
        assertEq(delegationManager.delegatedTo(operator), operator);
        assertEq(delegationManager.getOperatorShares(operator, _strategies())[0], 100 ether);
    }

    function test_registerAsOperator_forwardsAllocationDelay() public {
        address op = makeAddr("op");
        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.AllocationDelaySet(op, 7, uint32(block.number));
        vm.prank(op);
        delegationManager.registerAsOperator(address(0), 7, "uri");
        (bool isSet, uint32 delay) = allocationManager.getAllocationDelay(op);
        assertTrue(isSet);
        assertEq(delay, 7);
    }

    function test_registerAsOperator_emitsOperatorRegistered() public {
        address op = makeAddr("op");
        vm.expectEmit(address(delegationManager));
        emit IDelegationManagerEvents.OperatorRegistered(op, address(0));
        vm.prank(op);
        delegationManager.registerAsOperator(address(0), 0, "uri");
    }

    function test_registerAsOperator_revertsWhenDelegated() public {
        _delegate(staker, operator);
        vm.prank(staker);
        vm.expectRevert(IDelegationManagerErrors.ActivelyDelegated.selector);
        delegationManager.registerAsOperator(address(0), 0, "");
    }

    // ---------------------------------------------------------------- delegation

    function test_delegateTo_movesSharesToOperator() public {
        _depositStake(staker, 40 ether);
        assertEq(delegationManager.operatorShares(operator, strategy), 100 ether);

        vm.expectEmit(address(delegationManager));
        emit IDelegationManagerEvents.StakerDelegated(staker, operator);
        _delegate(staker, operator);

        assertEq(delegationManager.delegatedTo(staker), operator);
        assertEq(delegationManager.operatorShares(operator, strategy), 140 ether);
    }

    function test_getOperatorsShares_returnsMatrix() public {
        address second = _makeOperator(0xB0B, 7 ether);
        address[] memory operators = new address[](2);
        operators[0] = operator;
        operators[1] = second;
        uint256[][] memory shares = delegationManager.getOperatorsShares(operators, _strategies());
        assertEq(shares[0][0], 100 ether);
        assertEq(shares[1][0], 7 ether);
    }

    function test_delegateTo_revertsForNonOperator() public {
        ISignatureUtilsMixinTypes.SignatureWithExpiry memory none;
        vm.prank(staker);
        vm.expectRevert(IDelegationManagerErrors.OperatorNotRegistered.selector);
        delegationManager.delegateTo(makeAddr("nobody"), none, bytes32(0));
    }

    function test_delegateTo_revertsWhenAlreadyDelegated() public {
        _delegate(staker, operator);
        ISignatureUtilsMixinTypes.SignatureWithExpiry memory none;
        vm.prank(staker);
        vm.expectRevert(IDelegationManagerErrors.ActivelyDelegated.selector);
        delegationManager.delegateTo(operator, none, bytes32(0));
    }

    function test_delegateTo_withApproverSignature() public {
        address approved = _makeApprovedOperator();
        ISignatureUtilsMixinTypes.SignatureWithExpiry memory sig =
            _approverSignature(staker, approved, SALT, block.timestamp + 1 hours, APPROVER_KEY);
        vm.prank(staker);
        delegationManager.delegateTo(approved, sig, SALT);
        assertEq(delegationManager.delegatedTo(staker), approved);
        assertTrue(delegationManager.delegationApproverSaltIsSpent(vm.addr(APPROVER_KEY), SALT));
    }

    function test_delegateTo_revertsForWrongApproverSigner() public {
        address approved = _makeApprovedOperator();
        ISignatureUtilsMixinTypes.SignatureWithExpiry memory sig =
            _approverSignature(staker, approved, SALT, block.timestamp + 1 hours, 0xBAD);
        vm.prank(staker);
        vm.expectRevert(ISignatureUtilsMixinErrors.InvalidSignature.selector);
        delegationManager.delegateTo(approved, sig, SALT);
    }

    function test_delegateTo_revertsForExpiredApproval() public {
        address approved = _makeApprovedOperator();
        ISignatureUtilsMixinTypes.SignatureWithExpiry memory sig =
            _approverSignature(staker, approved, SALT, block.timestamp - 1, APPROVER_KEY);
        vm.prank(staker);
        vm.expectRevert(ISignatureUtilsMixinErrors.SignatureExpired.selector);
        delegationManager.delegateTo(approved, sig, SALT);
    }

    function test_delegateTo_revertsForSpentApproverSalt() public {
        address approved = _makeApprovedOperator();
        ISignatureUtilsMixinTypes.SignatureWithExpiry memory sig =
            _approverSignature(staker, approved, SALT, block.timestamp + 1 hours, APPROVER_KEY);
        vm.prank(staker);
        delegationManager.delegateTo(approved, sig, SALT);
        vm.prank(staker);
        delegationManager.undelegate(staker);
        vm.prank(staker);
        vm.expectRevert(IDelegationManagerErrors.SaltSpent.selector);
        delegationManager.delegateTo(approved, sig, SALT);
    }

    function test_calculateDelegationApprovalDigestHash_matchesEIP712Definition() public view {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("EigenLayer"),
                keccak256("v1"),
                block.chainid,
                address(delegationManager)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "DelegationApproval(address delegationApprover,address staker,address operator,bytes32 salt,uint256 expiry)"
                ),
                address(3),
                address(1),
                address(2),
                SALT,
                uint256(99)
            )
        );
        assertEq(
            delegationManager.calculateDelegationApprovalDigestHash(address(1), address(2), address(3), SALT, 99),
            keccak256(abi.encodePacked("\x19\x01", domain, structHash))
        );
        assertEq(delegationManager.domainSeparator(), domain);
    }

    // ---------------------------------------------------------------- undelegation and withdrawals

    function test_undelegate_removesSharesFromOperatorAndQueuesWithdrawal() public {
        _depositStake(staker, 40 ether);
        _delegate(staker, operator);

        vm.prank(staker);
        bytes32[] memory roots = delegationManager.undelegate(staker);

        assertEq(roots.length, 1);
        assertTrue(delegationManager.pendingWithdrawals(roots[0]));
        assertEq(delegationManager.delegatedTo(staker), address(0));
        assertEq(delegationManager.operatorShares(operator, strategy), 100 ether);
        assertEq(strategyManager.stakerDepositShares(staker, strategy), 0);
        (, uint256[] memory shares) = delegationManager.getQueuedWithdrawal(roots[0]);
        assertEq(shares[0], 40 ether);
    }

    function test_undelegateThenComplete_returnsTokens() public {
        _depositStake(staker, 40 ether);
        _delegate(staker, operator);
        vm.prank(staker);
        bytes32[] memory roots = delegationManager.undelegate(staker);
        IDelegationManagerTypes.Withdrawal memory withdrawal = _onlyWithdrawal(staker);
        assertEq(delegationManager.calculateWithdrawalRoot(withdrawal), roots[0]);

        vm.roll(block.number + EL_MIN_WITHDRAWAL_DELAY_BLOCKS + 1);
        vm.expectEmit(address(delegationManager));
        emit IDelegationManagerEvents.SlashingWithdrawalCompleted(roots[0]);
        vm.prank(staker);
        delegationManager.completeQueuedWithdrawal(withdrawal, _tokens(), true);

        assertEq(stakeToken.balanceOf(staker), 40 ether);
        assertFalse(delegationManager.pendingWithdrawals(roots[0]));
        assertEq(delegationManager.getQueuedWithdrawalRoots(staker).length, 0);
    }

    function test_completeQueuedWithdrawal_revertsBeforeDelay() public {
        _depositStake(staker, 40 ether);
        _delegate(staker, operator);
        vm.prank(staker);
        delegationManager.undelegate(staker);
        IDelegationManagerTypes.Withdrawal memory withdrawal = _onlyWithdrawal(staker);

        vm.roll(block.number + EL_MIN_WITHDRAWAL_DELAY_BLOCKS);
        IERC20[] memory tokens = _tokens();
        vm.prank(staker);
        vm.expectRevert(IDelegationManagerErrors.WithdrawalDelayNotElapsed.selector);
        delegationManager.completeQueuedWithdrawal(withdrawal, tokens, true);
    }

    function test_completeQueuedWithdrawal_revertsForOtherCaller() public {
        _depositStake(staker, 40 ether);
        _delegate(staker, operator);
        vm.prank(staker);
        delegationManager.undelegate(staker);
        IDelegationManagerTypes.Withdrawal memory withdrawal = _onlyWithdrawal(staker);
        vm.roll(block.number + EL_MIN_WITHDRAWAL_DELAY_BLOCKS + 1);
        IERC20[] memory tokens = _tokens();
        vm.prank(operator);
        vm.expectRevert(IDelegationManagerErrors.WithdrawerNotCaller.selector);
        delegationManager.completeQueuedWithdrawal(withdrawal, tokens, true);
    }

    function test_completeQueuedWithdrawal_revertsWhenCompletedTwice() public {
        _depositStake(staker, 40 ether);
        _delegate(staker, operator);
        vm.prank(staker);
        delegationManager.undelegate(staker);
        IDelegationManagerTypes.Withdrawal memory withdrawal = _onlyWithdrawal(staker);
        vm.roll(block.number + EL_MIN_WITHDRAWAL_DELAY_BLOCKS + 1);
        IERC20[] memory tokens = _tokens();
        vm.startPrank(staker);
        delegationManager.completeQueuedWithdrawal(withdrawal, tokens, true);
        vm.expectRevert(IDelegationManagerErrors.WithdrawalNotQueued.selector);
        delegationManager.completeQueuedWithdrawal(withdrawal, tokens, true);
        vm.stopPrank();
    }

    function test_completeQueuedWithdrawal_asSharesRedelegates() public {
        _depositStake(staker, 40 ether);
        _delegate(staker, operator);
        vm.prank(staker);
        delegationManager.undelegate(staker);
        IDelegationManagerTypes.Withdrawal memory withdrawal = _onlyWithdrawal(staker);
        address second = _makeOperator(0xB0B, 0);
        _delegate(staker, second);

        vm.roll(block.number + EL_MIN_WITHDRAWAL_DELAY_BLOCKS + 1);
        IERC20[] memory tokens = _tokens();
        vm.prank(staker);
        delegationManager.completeQueuedWithdrawal(withdrawal, tokens, false);

        assertEq(strategyManager.stakerDepositShares(staker, strategy), 40 ether);
        assertEq(delegationManager.operatorShares(second, strategy), 40 ether);
        assertEq(stakeToken.balanceOf(staker), 0);
    }

    function test_undelegate_byOperatorEmitsForceUndelegated() public {
        _depositStake(staker, 1 ether);
        _delegate(staker, operator);
        vm.expectEmit(address(delegationManager));
        emit IDelegationManagerEvents.StakerForceUndelegated(staker, operator);
        vm.prank(operator);
        delegationManager.undelegate(staker);
        assertEq(delegationManager.delegatedTo(staker), address(0));
    }

    function test_undelegate_revertsForUnrelatedCaller() public {
        _delegate(staker, operator);
        vm.prank(makeAddr("stranger"));
        vm.expectRevert(IDelegationManagerErrors.CallerCannotUndelegate.selector);
        delegationManager.undelegate(staker);
    }

    function test_undelegate_revertsForOperator() public {
        vm.prank(operator);
        vm.expectRevert(IDelegationManagerErrors.OperatorsCannotUndelegate.selector);
        delegationManager.undelegate(operator);
    }

    function test_undelegate_revertsWhenNotDelegated() public {
        vm.prank(staker);
        vm.expectRevert(IDelegationManagerErrors.NotActivelyDelegated.selector);
        delegationManager.undelegate(staker);
    }

    function test_queueWithdrawals_partialKeepsRestDelegated() public {
        _depositStake(staker, 40 ether);
        _delegate(staker, operator);
        IDelegationManagerTypes.QueuedWithdrawalParams[] memory params =
            new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 15 ether;
        params[0] = IDelegationManagerTypes.QueuedWithdrawalParams(_strategies(), amounts, address(0));
        vm.prank(staker);
        delegationManager.queueWithdrawals(params);

        assertEq(delegationManager.operatorShares(operator, strategy), 125 ether);
        assertEq(strategyManager.stakerDepositShares(staker, strategy), 25 ether);
        assertEq(delegationManager.delegatedTo(staker), operator);
    }

    function test_queueWithdrawals_revertsAboveBalance() public {
        _depositStake(staker, 1 ether);
        IDelegationManagerTypes.QueuedWithdrawalParams[] memory params =
            new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 2 ether;
        params[0] = IDelegationManagerTypes.QueuedWithdrawalParams(_strategies(), amounts, address(0));
        vm.prank(staker);
        vm.expectRevert(IDelegationManagerErrors.InvalidShares.selector);
        delegationManager.queueWithdrawals(params);
    }

    function test_increaseDelegatedShares_onlyStrategyManager() public {
        vm.expectRevert(IDelegationManagerErrors.OnlyStrategyManager.selector);
        delegationManager.increaseDelegatedShares(staker, strategy, 0, 1);
    }

    function test_slashOperatorShares_onlyAllocationManager() public {
        vm.expectRevert(IDelegationManagerErrors.OnlyAllocationManager.selector);
        delegationManager.slashOperatorShares(operator, strategy, 1e18, 5e17);
    }

    function test_initialize_revertsWhenCalledAgain() public {
        vm.prank(elOwner);
        vm.expectRevert(IDelegationManagerErrors.AlreadyInitialized.selector);
        delegationManager.initialize(strategyManager, allocationManager);
    }

    function test_getWithdrawableShares_equalsDepositWhenUnslashed() public {
        _depositStake(staker, 3 ether);
        _delegate(staker, operator);
        IStrategy[] memory list = _strategies();
        (uint256[] memory withdrawable, uint256[] memory deposits) =
            delegationManager.getWithdrawableShares(staker, list);
        assertEq(withdrawable[0], 3 ether);
        assertEq(deposits[0], 3 ether);
    }
}
