// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {DittoEntryPoint} from "../../../src/services/automation/DittoEntryPoint.sol";
import {IDittoEntryPoint} from "../../../src/services/automation/IDittoEntryPoint.sol";
import {ProtocolFees} from "../../../src/services/automation/ProtocolFees.sol";
import {TestExecutorSchedule, Counter, TestVault} from "./AutomationMocks.sol";

/// @notice Random vault actions (register time workflows that succeed, fail or burn all their gas; cancel; deposit;
///         withdraw), executor actions (run batches at random gas prices and times; withdraw credit) and fee changes.
///         Records in ghost variables any run that charged a vault more than its registered maximum, or that moved
///         a vault's deposit by other than the payments reported.
contract AutomationHandler is Test {
    DittoEntryPoint internal immutable ep;
    ProtocolFees internal immutable fees;
    TestExecutorSchedule internal immutable schedule;
    Counter internal immutable counter;
    address internal immutable feeOwner;

    TestVault[] public vaults;
    address[] public executors;

    uint256 public overcharged;
    uint256 public depositMismatches;
    uint256 public runs;

    constructor(DittoEntryPoint ep_, ProtocolFees fees_, TestExecutorSchedule schedule_, address feeOwner_) {
        ep = ep_;
        fees = fees_;
        schedule = schedule_;
        feeOwner = feeOwner_;
        counter = new Counter();
        vm.deal(address(this), 3 ether);
        for (uint256 i; i < 3; ++i) {
            vaults.push(new TestVault(ep_));
            ep_.deposit{value: 1 ether}(address(vaults[i]));
            register(i, i, 100_000, 50 gwei, 3600); // one workflow of each kind to start with
        }
        executors.push(makeAddr("executorA"));
        executors.push(makeAddr("executorB"));
    }

    function vaultCount() external view returns (uint256) {
        return vaults.length;
    }

    function executorCount() external view returns (uint256) {
        return executors.length;
    }

    function register(uint256 vaultSeed, uint256 kindSeed, uint256 gasSeed, uint256 priceSeed, uint256 interval)
        public
    {
        IDittoEntryPoint.WorkflowParams memory p;
        p.target = address(counter);
        uint256 kind = kindSeed % 3;
        p.callData = kind == 0
            ? abi.encodeCall(Counter.increment, ())
            : kind == 1 ? abi.encodeCall(Counter.fail, ()) : abi.encodeCall(Counter.burnAll, ());
        p.maxGasLimit = uint64(bound(gasSeed, 30_000, 300_000));
        p.maxGasPrice = uint128(bound(priceSeed, 1 gwei, 100 gwei));
        p.trigger.start = uint64(block.timestamp);
        p.trigger.interval = uint64(bound(interval, 1, 1 days));
        vaults[vaultSeed % vaults.length].register(p);
    }

    function cancel(uint256 vaultSeed, uint256 idSeed) external {
        TestVault v = vaults[vaultSeed % vaults.length];
        uint256 count = ep.workflowCount(address(v));
        if (count == 0) return;
        uint256 id = idSeed % count;
        if (ep.workflow(address(v), id).status != IDittoEntryPoint.WorkflowStatus.Active) return;
        v.cancel(id);
    }

    function deposit(uint256 vaultSeed, uint256 amount) external {
        amount = bound(amount, 1, 1 ether);
        vm.deal(address(this), amount);
        ep.deposit{value: amount}(address(vaults[vaultSeed % vaults.length]));
    }

    function withdraw(uint256 vaultSeed, uint256 amount) external {
        TestVault v = vaults[vaultSeed % vaults.length];
        uint256 available = ep.depositOf(address(v));
        if (available == 0) return;
        v.withdraw(bound(amount, 1, available), payable(makeAddr("sink")));
    }

    function setReward(uint256 reward) external {
        reward = bound(reward, 0, fees.MAX_FIXED_REWARD());
        vm.prank(feeOwner);
        fees.setFixedReward(reward);
    }

    function run(uint256 executorSeed, uint256 gasPrice, uint256 warp, uint256 pick) external {
        address executor = executors[executorSeed % executors.length];
        schedule.setExecutor(executor);
        vm.warp(block.timestamp + bound(warp, 0, 2 days));
        vm.roll(block.number + 1);
        vm.txGasPrice(bound(gasPrice, 0, 60 gwei)); // mostly under the 1-100 gwei maximums, sometimes above

        IDittoEntryPoint.WorkflowRef[] memory refs = _pickRefs(pick);
        uint256[] memory before = new uint256[](vaults.length);
        for (uint256 i; i < vaults.length; ++i) {
            before[i] = ep.depositOf(address(vaults[i]));
        }
        uint256 reward = fees.fixedReward();

        vm.prank(executor);
        IDittoEntryPoint.RunResult[] memory results = ep.runMultipleWorkflows(refs);
        // The gas price would otherwise apply to the fuzzer's next transactions, whose fees the test EVM moves
        // between accounts (outside the entry point's books).
        vm.txGasPrice(0);

        uint256[] memory paid = new uint256[](vaults.length);
        for (uint256 i; i < refs.length; ++i) {
            IDittoEntryPoint.Workflow memory w = ep.workflow(refs[i].vault, refs[i].id);
            if (results[i].payment > uint256(w.maxGasLimit) * w.maxGasPrice + reward) ++overcharged;
            paid[_vaultIndex(refs[i].vault)] += results[i].payment;
            if (
                results[i].status == IDittoEntryPoint.RunStatus.Succeeded
                    || results[i].status == IDittoEntryPoint.RunStatus.Failed
            ) ++runs;
        }
        for (uint256 i; i < vaults.length; ++i) {
            if (before[i] - ep.depositOf(address(vaults[i])) != paid[i]) ++depositMismatches;
        }
    }

    function withdrawCredit(uint256 executorSeed) external {
        address executor = executors[executorSeed % executors.length];
        if (ep.creditOf(executor) == 0) return;
        vm.prank(executor);
        ep.withdrawCredit(payable(makeAddr("executorSink")));
    }

    /// @dev Up to 6 refs over the vaults' workflows and unregistered ids, duplicates allowed.
    function _pickRefs(uint256 pick) internal view returns (IDittoEntryPoint.WorkflowRef[] memory refs) {
        refs = new IDittoEntryPoint.WorkflowRef[](pick % 7);
        for (uint256 i; i < refs.length; ++i) {
            uint256 seed = uint256(keccak256(abi.encode(pick, i)));
            TestVault v = vaults[seed % vaults.length];
            uint256 count = ep.workflowCount(address(v));
            // Mostly registered ids; one in eight is the next, unregistered id.
            uint256 id = count == 0 || (seed >> 8) % 8 == 0 ? count : (seed >> 16) % count;
            refs[i] = IDittoEntryPoint.WorkflowRef(address(v), id);
        }
    }

    function _vaultIndex(address v) internal view returns (uint256 i) {
        while (address(vaults[i]) != v) ++i;
    }
}

/// @notice The entry point's books always balance and no run charges more than its registered maximum.
contract DittoEntryPointInvariantTest is Test {
    DittoEntryPoint internal ep;
    AutomationHandler internal handler;

    function setUp() public {
        vm.warp(1_750_000_000);
        vm.roll(100);
        address feeOwner = makeAddr("feeOwner");
        TestExecutorSchedule schedule = new TestExecutorSchedule();
        ProtocolFees fees = new ProtocolFees(feeOwner, 0.0002 ether, 5000, 40_000);
        ep = new DittoEntryPoint(schedule, fees);
        handler = new AutomationHandler(ep, fees, schedule, feeOwner);
        targetContract(address(handler));
    }

    /// @notice Sum of vault deposits + executor credits == the entry point's balance.
    function invariant_depositsPlusCreditsEqualBalance() public view {
        uint256 sum;
        for (uint256 i; i < handler.vaultCount(); ++i) {
            sum += ep.depositOf(address(handler.vaults(i)));
        }
        for (uint256 i; i < handler.executorCount(); ++i) {
            sum += ep.creditOf(handler.executors(i));
        }
        assertEq(sum, address(ep).balance);
    }

    /// @notice No run charged a vault more than maxGasLimit × maxGasPrice + fixedReward.
    function invariant_noVaultChargedAboveItsMaximum() public view {
        assertEq(handler.overcharged(), 0);
    }

    /// @notice A batch moves each vault's deposit by exactly the payments it reports for that vault.
    function invariant_depositsMoveOnlyByReportedPayments() public view {
        assertEq(handler.depositMismatches(), 0);
    }

    /// @notice Shows that the runs did happen (logged, not asserted).
    function afterInvariant() public {
        emit log_named_uint("workflow calls made (succeeded or failed)", handler.runs());
    }
}
