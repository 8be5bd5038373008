// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAbridge} from "../../bridge/IAbridge.sol";
import {IRegistryStateSender} from "./IRegistryReplication.sol";
import {RegistryStateMessage} from "./RegistryStateMessage.sol";

/// @title RegistryStateSender
/// @notice Main-chain end of registry replication (decision replication-0001): forwards the EpochManager's operator-set
///         snapshots to each remote chain's RegistryStateReceiver through that chain pair's Abridge.
///         The owner configures one route per remote chain id: the Abridge instance serving (main chain, that chain),
///         the receiver there, and the destination gas limit as `baseGas + gasPerOperator × operators`, so a large
///         set is given enough gas without overpaying for a small one.
/// @dev Fees are paid in the native token. The bridge gets exactly its quoted fee; everything else msg.value carried,
///      plus anything the bridge refunds, goes back to the EpochManager's caller in the same call, so no ether stays
///      here. Ether is accepted only from the bridge being paid, during a send (transient flag).
contract RegistryStateSender is IRegistryStateSender, Ownable {
    /// @notice Where and how snapshots for one remote chain are sent.
    /// @param bridge The Abridge instance serving the main chain and that remote chain (zero: no route).
    /// @param receiver The RegistryStateReceiver on the remote chain.
    /// @param baseGas Destination gas for a snapshot of no operators (gas units).
    /// @param gasPerOperator Destination gas added per operator (gas units).
    struct Route {
        IAbridge bridge;
        address receiver;
        uint64 baseGas;
        uint64 gasPerOperator;
    }

    /// @notice The only caller of {sendStateUpdate}.
    address public immutable epochManager;

    /// @dev Remote chain id => route.
    mapping(uint256 chainId => Route) private _routes;
    /// @dev The bridge a send is paying right now: the only sender of ether accepted (its refund).
    address private transient _payingBridge;

    /// @notice `caller` is not the EpochManager.
    error OnlyEpochManager(address caller);
    /// @notice No route is configured for `chainId`.
    error UnknownChain(uint256 chainId);
    /// @notice An address argument was zero.
    error ZeroAddress();
    /// @notice The gas limit formula gave zero gas per operator and zero base gas.
    error ZeroGasLimit();
    /// @notice `baseGas + gasPerOperator × operatorCount` does not fit in a uint128.
    error GasLimitOverflow(uint256 operatorCount);
    /// @notice The bridge quotes its fee in `token`, not in the native token.
    error UnsupportedFeeToken(address token);
    /// @notice msg.value (`paid`, wei) is below the bridge fee (`fee`, wei).
    error InsufficientFee(uint256 paid, uint256 fee);
    /// @notice Refunding `amount` wei to `to` failed.
    error RefundFailed(address to, uint256 amount);
    /// @notice Ether from `from` outside a bridge refund.
    error UnexpectedEther(address from);

    /// @notice The route to `chainId` was set.
    event RouteSet(
        uint256 indexed chainId, address indexed bridge, address indexed receiver, uint64 baseGas, uint64 gasPerOperator
    );
    /// @notice The route to `chainId` was removed.
    event RouteRemoved(uint256 indexed chainId);
    /// @notice The snapshot of `epoch` went to `chainId` as bridge message `guid`, with `gasLimit` destination gas;
    ///         `fee` wei paid to the bridge and `refund` wei returned to `refundTo`.
    event StateUpdateSent(
        uint256 indexed chainId,
        uint32 indexed epoch,
        bytes32 indexed guid,
        uint128 gasLimit,
        uint256 fee,
        address refundTo,
        uint256 refund
    );

    /// @param epochManager_ The EpochManager (the only caller of {sendStateUpdate}).
    /// @param owner_ Configures routes.
    constructor(address epochManager_, address owner_) Ownable(owner_) {
        if (epochManager_ == address(0)) revert ZeroAddress();
        epochManager = epochManager_;
    }

    /// @notice Accepts the bridge's refund during a send only.
    receive() external payable {
        if (msg.sender != _payingBridge) revert UnexpectedEther(msg.sender);
    }

    /// @notice Sets the route to the remote chain `chainId`. Owner only.
    /// @param chainId The remote chain's id.
    /// @param bridge The Abridge serving the main chain and `chainId` (the receiver must allow this sender on its end
    ///        with IAbridge.updateRoute).
    /// @param receiver The RegistryStateReceiver on `chainId`.
    /// @param baseGas Destination gas for an empty snapshot (gas units).
    /// @param gasPerOperator Destination gas per operator in the snapshot (gas units).
    function setRoute(uint256 chainId, IAbridge bridge, address receiver, uint64 baseGas, uint64 gasPerOperator)
        external
        onlyOwner
    {
        if (address(bridge) == address(0) || receiver == address(0)) revert ZeroAddress();
        if (baseGas == 0 && gasPerOperator == 0) revert ZeroGasLimit();
        _routes[chainId] = Route({bridge: bridge, receiver: receiver, baseGas: baseGas, gasPerOperator: gasPerOperator});
        emit RouteSet(chainId, address(bridge), receiver, baseGas, gasPerOperator);
    }

    /// @notice Removes the route to `chainId`. Owner only.
    /// @param chainId The remote chain's id.
    function removeRoute(uint256 chainId) external onlyOwner {
        if (address(_routes[chainId].bridge) == address(0)) revert UnknownChain(chainId);
        delete _routes[chainId];
        emit RouteRemoved(chainId);
    }

    /// @inheritdoc IRegistryStateSender
    /// @dev EpochManager only. Reverts with {UnknownChain}, {UnsupportedFeeToken}, {InsufficientFee} or
    ///      {RefundFailed}; the bridge's own errors bubble up.
    function sendStateUpdate(uint256 chainId, bytes calldata message, uint256 operatorCount, address refundTo)
        external
        payable
        returns (bytes32 guid, uint256 fee)
    {
        if (msg.sender != epochManager) revert OnlyEpochManager(msg.sender);
        Route memory route = _route(chainId);
        uint128 gasLimit = _gasLimit(route, operatorCount);
        fee = _fee(route, gasLimit, message);
        if (msg.value < fee) revert InsufficientFee(msg.value, fee);

        // Ether held before this call (only ever a stray self-destruct) is not the caller's.
        uint256 balanceBefore = address(this).balance - msg.value;
        _payingBridge = address(route.bridge);
        guid = route.bridge.send{value: fee}(route.receiver, gasLimit, message);
        _payingBridge = address(0);

        uint256 refund = address(this).balance - balanceBefore;
        emit StateUpdateSent(chainId, RegistryStateMessage.epochOf(message), guid, gasLimit, fee, refundTo, refund);
        if (refund != 0) {
            (bool ok,) = refundTo.call{value: refund}("");
            if (!ok) revert RefundFailed(refundTo, refund);
        }
    }

    /// @inheritdoc IRegistryStateSender
    function quoteStateUpdate(uint256 chainId, bytes calldata message, uint256 operatorCount)
        external
        view
        returns (uint256 fee)
    {
        Route memory route = _route(chainId);
        return _fee(route, _gasLimit(route, operatorCount), message);
    }

    /// @notice The route to `chainId` (all zero when none).
    function getRoute(uint256 chainId) external view returns (Route memory) {
        return _routes[chainId];
    }

    /// @notice Destination gas for a snapshot of `operatorCount` operators to `chainId`: baseGas + gasPerOperator × n.
    function gasLimitFor(uint256 chainId, uint256 operatorCount) external view returns (uint128) {
        return _gasLimit(_route(chainId), operatorCount);
    }

    function _route(uint256 chainId) private view returns (Route memory route) {
        route = _routes[chainId];
        if (address(route.bridge) == address(0)) revert UnknownChain(chainId);
    }

    function _gasLimit(Route memory route, uint256 operatorCount) private pure returns (uint128) {
        if (operatorCount > type(uint128).max) revert GasLimitOverflow(operatorCount);
        // < 2^64 + 2^64 × 2^128: no uint256 overflow.
        uint256 gasLimit = uint256(route.baseGas) + uint256(route.gasPerOperator) * operatorCount;
        if (gasLimit > type(uint128).max) revert GasLimitOverflow(operatorCount);
        // casting to 'uint128' is safe because gasLimit <= type(uint128).max was checked above
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint128(gasLimit);
    }

    function _fee(Route memory route, uint128 gasLimit, bytes calldata message) private view returns (uint256) {
        (address token, uint256 fee) = route.bridge.estimateFee(route.receiver, gasLimit, message);
        if (token != address(0)) revert UnsupportedFeeToken(token);
        return fee;
    }
}
