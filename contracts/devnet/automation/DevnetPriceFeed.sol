// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title DevnetPriceFeed
/// @notice DEVNET ONLY: a price anyone may set, with a checker view for condition workflows of the automation service
///         (Gelato resolver shape: `(bool canExec, bytes execPayload)`), and a target that records the triggers.
contract DevnetPriceFeed {
    /// @notice The current price (any unit; demos use 8 decimals as Chainlink USD feeds do).
    uint256 public price;
    /// @notice How many times {onPriceAbove} was called.
    uint256 public triggers;
    /// @notice The price seen by the latest {onPriceAbove}.
    uint256 public lastTriggeredPrice;
    /// @notice Bumped by every {setPrice}: a "price above" workflow runs once per price update above its level.
    uint256 public priceVersion;
    /// @notice The price version a level's workflow last ran for.
    mapping(uint256 level => uint256 version) public handledVersion;

    /// @notice The price was set to `price`.
    event PriceSet(uint256 price);
    /// @notice {onPriceAbove} ran at `price` for `level`.
    event PriceAboveTriggered(uint256 level, uint256 price);

    /// @param initialPrice The starting price.
    constructor(uint256 initialPrice) {
        price = initialPrice;
        priceVersion = 1;
        emit PriceSet(initialPrice);
    }

    /// @notice Sets the price (anyone: devnet only).
    function setPrice(uint256 newPrice) external {
        price = newPrice;
        ++priceVersion;
        emit PriceSet(newPrice);
    }

    /// @notice Checker of a condition workflow: due when the price is above `level` and this price update has not
    ///         been handled yet (so a run follows each update above the level, once); the payload calls
    ///         {onPriceAbove}(level) on this contract.
    /// @return canExec Whether price > level and the current price version is not handled.
    /// @return execPayload The calldata of the run (empty when not due).
    function checkPriceAbove(uint256 level) external view returns (bool canExec, bytes memory execPayload) {
        if (price <= level || handledVersion[level] == priceVersion) return (false, "");
        return (true, abi.encodeCall(this.onPriceAbove, (level)));
    }

    /// @notice The run of a "price above" workflow: counts it and records the price.
    function onPriceAbove(uint256 level) external {
        handledVersion[level] = priceVersion;
        ++triggers;
        lastTriggeredPrice = price;
        emit PriceAboveTriggered(level, price);
    }
}
