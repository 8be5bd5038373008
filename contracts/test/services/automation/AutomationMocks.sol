// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IExecutorSchedule} from "../../../src/services/automation/IExecutorSchedule.sol";
import {IDittoEntryPoint} from "../../../src/services/automation/IDittoEntryPoint.sol";

/// @notice An executor schedule whose single executor the test sets.
contract TestExecutorSchedule is IExecutorSchedule {
    address public executor;

    function setExecutor(address executor_) external {
        executor = executor_;
    }

    function isValidExecutor(uint256, address candidate) external view returns (bool) {
        return candidate == executor;
    }
}

/// @notice Workflow target: counts calls, fails on demand, burns gas, records prices.
contract Counter {
    uint256 public count;
    int256 public lastPrice;

    error Refused();

    function increment() external {
        ++count;
    }

    function fail() external pure {
        revert Refused();
    }

    /// @notice Never returns: uses all the gas it is given.
    function burnAll() external pure {
        while (true) {}
    }

    /// @notice Uses about `amount` gas, then counts.
    function burn(uint256 amount) external {
        uint256 stop = gasleft() - amount;
        while (gasleft() > stop) {}
        ++count;
    }

    function recordPrice(int256 price) external {
        lastPrice = price;
        ++count;
    }
}

/// @notice A Chainlink-style price feed with a settable answer.
contract MockPriceFeed {
    int256 public answer;

    function setAnswer(int256 answer_) external {
        answer = answer_;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (1, answer, block.timestamp, block.timestamp, 1);
    }
}

/// @notice Gelato-resolver-style checker: can execute when the feed's price is at or above `level`; the payload
///         records that price on the Counter.
contract PriceLevelChecker {
    MockPriceFeed public immutable feed;
    int256 public immutable level;

    constructor(MockPriceFeed feed_, int256 level_) {
        feed = feed_;
        level = level_;
    }

    function check() external view returns (bool canExec, bytes memory execPayload) {
        (, int256 price,,,) = feed.latestRoundData();
        if (price < level) return (false, "");
        return (true, abi.encodeCall(Counter.recordPrice, (price)));
    }
}

/// @notice Checkers whose answers are malformed in various ways.
contract BadChecker {
    function reverts() external pure returns (bool, bytes memory) {
        revert("no");
    }

    function short() external pure returns (uint256) {
        return 1;
    }

    function notBool() external pure returns (uint256, bytes memory) {
        return (2, "");
    }

    function badOffset() external pure {
        assembly {
            mstore(0, 1)
            mstore(0x20, 0xffffffff)
            mstore(0x40, 0)
            return(0, 0x60)
        }
    }

    function huge() external pure returns (bool, bytes memory) {
        return (true, new bytes(5000));
    }

    function burnsGas() external pure returns (bool, bytes memory) {
        while (true) {}
        return (true, "");
    }
}

/// @notice A vault contract: registers workflows, keeps a deposit, withdraws it.
contract TestVault {
    IDittoEntryPoint public immutable entryPoint;

    constructor(IDittoEntryPoint entryPoint_) {
        entryPoint = entryPoint_;
    }

    function register(IDittoEntryPoint.WorkflowParams calldata params) external returns (uint256) {
        return entryPoint.registerWorkflow(params);
    }

    function cancel(uint256 id) external {
        entryPoint.cancelWorkflow(id);
    }

    function withdraw(uint256 amount, address payable to) external {
        entryPoint.withdraw(amount, to);
    }

    receive() external payable {}
}

/// @notice A target that is also a vault and an executor, and on each call tries to re-enter the entry point to run
///         its own workflow again, withdraw its deposit and withdraw its credit. Records which attempts succeeded.
contract ReentrantTarget {
    IDittoEntryPoint public immutable entryPoint;
    IDittoEntryPoint.WorkflowRef[] internal _refs;
    uint256 public calls;
    uint256 public reentrySuccesses;

    constructor(IDittoEntryPoint entryPoint_) {
        entryPoint = entryPoint_;
    }

    function register(IDittoEntryPoint.WorkflowParams calldata params) external returns (uint256 id) {
        id = entryPoint.registerWorkflow(params);
        _refs.push(IDittoEntryPoint.WorkflowRef(address(this), id));
    }

    function runOwn() external returns (IDittoEntryPoint.RunResult[] memory) {
        return entryPoint.runMultipleWorkflows(_refs);
    }

    function withdrawCredit() external {
        entryPoint.withdrawCredit(payable(address(this)));
    }

    function attack() external {
        ++calls;
        try entryPoint.runMultipleWorkflows(_refs) {
            ++reentrySuccesses;
        } catch {}
        uint256 deposit = entryPoint.depositOf(address(this));
        if (deposit != 0) {
            try entryPoint.withdraw(deposit, payable(address(this))) {
                ++reentrySuccesses;
            } catch {}
        }
        try entryPoint.withdrawCredit(payable(address(this))) {
            ++reentrySuccesses;
        } catch {}
    }

    receive() external payable {}
}
