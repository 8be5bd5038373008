// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {DevnetToken} from "../../../devnet/eigenlayer/DevnetToken.sol";

contract DevnetTokenTest is Test {
    function test_mint_isOpenToAnyone() public {
        DevnetToken token = new DevnetToken("Devnet", "DEV", 6);
        address anyone = makeAddr("anyone");
        vm.prank(anyone);
        token.mint(anyone, 123);
        assertEq(token.balanceOf(anyone), 123);
        assertEq(token.totalSupply(), 123);
    }

    function test_decimals_areConfigurable() public {
        assertEq(new DevnetToken("Devnet", "DEV", 6).decimals(), 6);
    }
}
