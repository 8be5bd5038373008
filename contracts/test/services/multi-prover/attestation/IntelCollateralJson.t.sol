// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test, console2} from "forge-std/Test.sol";
import {JSONParserLib} from "solady/utils/JSONParserLib.sol";
import {IntelCollateralJson} from "../../../../src/services/multi-prover/attestation/intel/IntelCollateralJson.sol";
import {
    TcbInfo,
    TcbInfoId,
    TcbStatus,
    QeIdentity,
    QeIdentityId
} from "../../../../src/services/multi-prover/attestation/intel/IntelCollateralTypes.sol";

/// @notice Calls the library from outside the test contract (so reverts can be expected) and measures its gas alone.
contract IntelCollateralJsonHarness {
    function parseTcbInfo(bytes memory json) external pure returns (TcbInfo memory) {
        return IntelCollateralJson.parseTcbInfo(json);
    }

    function parseQeIdentity(bytes memory json) external pure returns (QeIdentity memory) {
        return IntelCollateralJson.parseQeIdentity(json);
    }

    function gasOfTcbInfo(bytes memory json) external view returns (uint256 used) {
        used = gasleft();
        IntelCollateralJson.parseTcbInfo(json);
        used -= gasleft();
    }

    function gasOfQeIdentity(bytes memory json) external view returns (uint256 used) {
        used = gasleft();
        IntelCollateralJson.parseQeIdentity(json);
        used -= gasleft();
    }
}

/// @notice IntelCollateralJson on Intel's real TCB info and QE identity documents (test/fixtures/tee) and on
///         one-edit corruptions of them. Expected values were read from the fixtures with node and `date -u -d`.
contract IntelCollateralJsonTest is Test {
    string internal constant SGX = "../test/fixtures/tee/sgx_quote_collateral.json";
    string internal constant TDX = "../test/fixtures/tee/tdx_quote_collateral.json";
    string internal constant TDX_OUTDATED = "../test/fixtures/tee/tdx_quote_outdated_collateral.json";

    IntelCollateralJsonHarness internal h;

    function setUp() public {
        h = new IntelCollateralJsonHarness();
    }

    function _tcbInfo(string memory file) internal view returns (string memory) {
        return vm.parseJsonString(vm.readFile(file), ".tcb_info");
    }

    function _qeIdentity(string memory file) internal view returns (string memory) {
        return vm.parseJsonString(vm.readFile(file), ".qe_identity");
    }

    function _expectMalformed(string memory field) internal {
        vm.expectRevert(abi.encodeWithSelector(IntelCollateralJson.CollateralJsonMalformed.selector, field));
    }

    /// @dev The SGX TCB info with `from` replaced (everywhere) by `to`.
    function _sgxTcbWith(string memory from, string memory to) internal view returns (bytes memory) {
        return bytes(vm.replace(_tcbInfo(SGX), from, to));
    }

    function _tdxTcbWith(string memory from, string memory to) internal view returns (bytes memory) {
        return bytes(vm.replace(_tcbInfo(TDX), from, to));
    }

    function _sgxQeWith(string memory from, string memory to) internal view returns (bytes memory) {
        return bytes(vm.replace(_qeIdentity(SGX), from, to));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Real documents
    // ---------------------------------------------------------------------------------------------------------

    function test_parseTcbInfo_sgxFixtureHeader() public view {
        TcbInfo memory t = h.parseTcbInfo(bytes(_tcbInfo(SGX)));
        assertEq(uint8(t.id), uint8(TcbInfoId.SGX));
        assertEq(t.version, 3);
        assertEq(t.issueDate, 1750330571); // 2025-06-19T10:56:11Z
        assertEq(t.nextUpdate, 1752922571); // 2025-07-19T10:56:11Z
        assertEq(t.fmspc, bytes6(0x00A067110000));
        assertEq(t.pceId, bytes2(0x0000));
        assertEq(t.tcbType, 0);
        assertEq(t.tcbEvaluationDataNumber, 17);
        assertEq(t.tcbLevels.length, 11);
    }

    function test_parseTcbInfo_sgxFixtureFirstAndLastLevels() public view {
        TcbInfo memory t = h.parseTcbInfo(bytes(_tcbInfo(SGX)));
        assertEq(t.tcbLevels[0].sgxComponents, bytes16(0x0b0b0202ff010c000000000000000000));
        assertEq(t.tcbLevels[0].pceSvn, 13);
        assertEq(t.tcbLevels[0].tdxComponents, bytes16(0));
        assertEq(t.tcbLevels[0].tcbDate, 1710288000); // 2024-03-13T00:00:00Z
        assertEq(uint8(t.tcbLevels[0].status), uint8(TcbStatus.SWHardeningNeeded));
        assertEq(t.tcbLevels[0].advisoryIds.length, 1);
        assertEq(t.tcbLevels[0].advisoryIds[0], "INTEL-SA-00615");

        assertEq(t.tcbLevels[10].sgxComponents, bytes16(0x05050202ff0100000000000000000000));
        assertEq(t.tcbLevels[10].pceSvn, 5);
        assertEq(t.tcbLevels[10].tcbDate, 1515024000); // 2018-01-04T00:00:00Z
        assertEq(uint8(t.tcbLevels[10].status), uint8(TcbStatus.OutOfDate));
        assertEq(t.tcbLevels[10].advisoryIds.length, 20);
        assertEq(t.tcbLevels[10].advisoryIds[0], "INTEL-SA-00106");
        assertEq(t.tcbLevels[10].advisoryIds[19], "INTEL-SA-00615");
    }

    function test_parseTcbInfo_sgxFixtureStatusesInOrder() public view {
        TcbInfo memory t = h.parseTcbInfo(bytes(_tcbInfo(SGX)));
        TcbStatus[11] memory want = [
            TcbStatus.SWHardeningNeeded,
            TcbStatus.ConfigurationAndSWHardeningNeeded,
            TcbStatus.OutOfDate,
            TcbStatus.OutOfDateConfigurationNeeded,
            TcbStatus.OutOfDate,
            TcbStatus.OutOfDateConfigurationNeeded,
            TcbStatus.OutOfDate,
            TcbStatus.OutOfDate,
            TcbStatus.OutOfDateConfigurationNeeded,
            TcbStatus.OutOfDateConfigurationNeeded,
            TcbStatus.OutOfDate
        ];
        for (uint256 i; i < 11; ++i) {
            assertEq(uint8(t.tcbLevels[i].status), uint8(want[i]));
        }
        assertEq(t.tcbLevels[1].advisoryIds.length, 2);
        assertEq(t.tcbLevels[1].advisoryIds[0], "INTEL-SA-00289");
    }

    function test_parseTcbInfo_tdxFixture() public view {
        TcbInfo memory t = h.parseTcbInfo(bytes(_tcbInfo(TDX)));
        assertEq(uint8(t.id), uint8(TcbInfoId.TDX));
        assertEq(t.version, 3);
        assertEq(t.issueDate, 1750328163); // 2025-06-19T10:16:03Z
        assertEq(t.nextUpdate, 1752920163); // 2025-07-19T10:16:03Z
        assertEq(t.fmspc, bytes6(0xB0C06F000000));
        assertEq(t.tcbEvaluationDataNumber, 17);
        assertEq(t.tcbLevels.length, 2);

        assertEq(t.tcbLevels[0].sgxComponents, bytes16(0x02020202030100050000000000000000));
        assertEq(t.tcbLevels[0].pceSvn, 11);
        assertEq(t.tcbLevels[0].tdxComponents, bytes16(0x05000200000000000000000000000000));
        assertEq(t.tcbLevels[0].tcbDate, 1710288000); // 2024-03-13T00:00:00Z
        assertEq(uint8(t.tcbLevels[0].status), uint8(TcbStatus.UpToDate));
        assertEq(t.tcbLevels[0].advisoryIds.length, 0);

        assertEq(t.tcbLevels[1].sgxComponents, bytes16(0x02020202030100050000000000000000));
        assertEq(t.tcbLevels[1].pceSvn, 5);
        assertEq(t.tcbLevels[1].tdxComponents, bytes16(0x05000200000000000000000000000000));
        assertEq(t.tcbLevels[1].tcbDate, 1515024000); // 2018-01-04T00:00:00Z
        assertEq(uint8(t.tcbLevels[1].status), uint8(TcbStatus.OutOfDate));
        assertEq(t.tcbLevels[1].advisoryIds.length, 14);
        assertEq(t.tcbLevels[1].advisoryIds[13], "INTEL-SA-00837");
    }

    function test_parseTcbInfo_tdxOutdatedFixture() public view {
        TcbInfo memory t = h.parseTcbInfo(bytes(_tcbInfo(TDX_OUTDATED)));
        assertEq(uint8(t.id), uint8(TcbInfoId.TDX));
        assertEq(t.issueDate, 1771412331); // 2026-02-18T10:58:51Z
        assertEq(t.nextUpdate, 1774004331); // 2026-03-20T10:58:51Z
        assertEq(t.fmspc, bytes6(0x90C06F000000));
        assertEq(t.tcbEvaluationDataNumber, 18);
        assertEq(t.tcbLevels.length, 3);
        assertEq(t.tcbLevels[0].sgxComponents, bytes16(0x03030202040100050000000000000000));
        assertEq(t.tcbLevels[0].pceSvn, 13);
        assertEq(t.tcbLevels[0].tdxComponents, bytes16(0x05000300000000000000000000000000));
        assertEq(t.tcbLevels[0].tcbDate, 1731456000); // 2024-11-13T00:00:00Z
        assertEq(uint8(t.tcbLevels[0].status), uint8(TcbStatus.UpToDate));
        assertEq(uint8(t.tcbLevels[1].status), uint8(TcbStatus.OutOfDate));
        assertEq(t.tcbLevels[1].advisoryIds.length, 5);
        assertEq(t.tcbLevels[1].advisoryIds[4], "INTEL-SA-01111");
        assertEq(t.tcbLevels[2].sgxComponents, bytes16(0x02020202030100050000000000000000));
        assertEq(t.tcbLevels[2].pceSvn, 5);
        assertEq(t.tcbLevels[2].advisoryIds.length, 19);
    }

    function test_parseQeIdentity_sgxFixture() public view {
        QeIdentity memory q = h.parseQeIdentity(bytes(_qeIdentity(SGX)));
        assertEq(uint8(q.id), uint8(QeIdentityId.QE));
        assertEq(q.version, 2);
        assertEq(q.issueDate, 1750327278); // 2025-06-19T10:01:18Z
        assertEq(q.nextUpdate, 1752919278); // 2025-07-19T10:01:18Z
        assertEq(q.tcbEvaluationDataNumber, 17);
        assertEq(q.miscselect, bytes4(0));
        assertEq(q.miscselectMask, bytes4(0xFFFFFFFF));
        assertEq(q.attributes, bytes16(0x11000000000000000000000000000000));
        assertEq(q.attributesMask, bytes16(0xFBFFFFFFFFFFFFFF0000000000000000));
        assertEq(q.mrsigner, 0x8C4F5775D796503E96137F77C68A829A0056AC8DED70140B081B094490C57BFF);
        assertEq(q.isvProdId, 1);
        assertEq(q.tcbLevels.length, 6);
        assertEq(q.tcbLevels[0].isvSvn, 8);
        assertEq(q.tcbLevels[0].tcbDate, 1710288000); // 2024-03-13T00:00:00Z
        assertEq(uint8(q.tcbLevels[0].status), uint8(TcbStatus.UpToDate));
        assertEq(q.tcbLevels[0].advisoryIds.length, 0);
        assertEq(q.tcbLevels[5].isvSvn, 1);
        assertEq(q.tcbLevels[5].tcbDate, 1534291200); // 2018-08-15T00:00:00Z
        assertEq(uint8(q.tcbLevels[5].status), uint8(TcbStatus.OutOfDate));
        assertEq(q.tcbLevels[5].advisoryIds.length, 6);
        assertEq(q.tcbLevels[5].advisoryIds[0], "INTEL-SA-00202");
        assertEq(q.tcbLevels[5].advisoryIds[5], "INTEL-SA-00615");
    }

    function test_parseQeIdentity_tdxFixtures() public view {
        QeIdentity memory q = h.parseQeIdentity(bytes(_qeIdentity(TDX)));
        assertEq(uint8(q.id), uint8(QeIdentityId.TD_QE));
        assertEq(q.issueDate, 1750329147); // 2025-06-19T10:32:27Z
        assertEq(q.mrsigner, 0xDC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5);
        assertEq(q.isvProdId, 2);
        assertEq(q.tcbLevels.length, 1);
        assertEq(q.tcbLevels[0].isvSvn, 4);
        assertEq(uint8(q.tcbLevels[0].status), uint8(TcbStatus.UpToDate));

        q = h.parseQeIdentity(bytes(_qeIdentity(TDX_OUTDATED)));
        assertEq(q.issueDate, 1771411335); // 2026-02-18T10:42:15Z
        assertEq(q.tcbEvaluationDataNumber, 18);
        assertEq(q.tcbLevels[0].tcbDate, 1731456000); // 2024-11-13T00:00:00Z
    }

    function test_gas_realDocuments() public view {
        console2.log("gas parseTcbInfo    sgx (4520 B)", h.gasOfTcbInfo(bytes(_tcbInfo(SGX))));
        console2.log("gas parseTcbInfo    tdx (2934 B)", h.gasOfTcbInfo(bytes(_tcbInfo(TDX))));
        console2.log("gas parseTcbInfo    tdx outdated (4113 B)", h.gasOfTcbInfo(bytes(_tcbInfo(TDX_OUTDATED))));
        console2.log("gas parseQeIdentity sgx (1217 B)", h.gasOfQeIdentity(bytes(_qeIdentity(SGX))));
        console2.log("gas parseQeIdentity tdx (461 B)", h.gasOfQeIdentity(bytes(_qeIdentity(TDX))));
        console2.log("gas parseQeIdentity tdx outdated (461 B)", h.gasOfQeIdentity(bytes(_qeIdentity(TDX_OUTDATED))));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Accepted variations
    // ---------------------------------------------------------------------------------------------------------

    function test_parseTcbInfo_acceptsLowercaseHex() public view {
        TcbInfo memory t = h.parseTcbInfo(_tdxTcbWith('"B0C06F000000"', '"b0c06f000000"'));
        assertEq(t.fmspc, bytes6(0xB0C06F000000));
    }

    function test_parseTcbInfo_acceptsWhitespaceAndUnknownKeys() public view {
        bytes memory json = bytes(vm.replace(_tcbInfo(SGX), ',"', ' ,\n\t"'));
        json = bytes(vm.replace(string(json), '"id"', '"extra": [null, {"x": true}], "id"'));
        TcbInfo memory t = h.parseTcbInfo(json);
        assertEq(t.fmspc, bytes6(0x00A067110000));
        assertEq(t.tcbLevels.length, 11);
        assertEq(t.tcbLevels[10].advisoryIds.length, 20);
    }

    function test_parseTcbInfo_readsComponentsWrittenWithSpaces() public view {
        TcbInfo memory t = h.parseTcbInfo(_sgxTcbWith('{"svn":11}', '{ "svn" : 11 }'));
        assertEq(t.tcbLevels[0].sgxComponents, bytes16(0x0b0b0202ff010c000000000000000000));
    }

    function test_parseTcbInfo_readsSvnAfterOtherComponentKeys() public view {
        TcbInfo memory t = h.parseTcbInfo(
            _tdxTcbWith(
                '{"svn":2,"category":"BIOS","type":"Early Microcode Update"}',
                '{"type":"Early Microcode Update","category":"BIOS","svn":7}'
            )
        );
        assertEq(t.tcbLevels[0].sgxComponents, bytes16(0x07020202030100050000000000000000));
        assertEq(t.tcbLevels[1].sgxComponents, bytes16(0x07020202030100050000000000000000));
    }

    function test_parseTcbInfo_decodesEscapedAdvisoryIds() public view {
        TcbInfo memory t = h.parseTcbInfo(_sgxTcbWith('["INTEL-SA-00615"]', '["INTEL-SA-\\u00300615"]'));
        assertEq(t.tcbLevels[0].advisoryIds[0], "INTEL-SA-00615");
    }

    function test_parseTcbInfo_decodesEscapeAfterTheFirst32Bytes() public view {
        string memory longId = "INTEL-SA-00615-0123456789abcdefghijklmnopq";
        TcbInfo memory t =
            h.parseTcbInfo(_sgxTcbWith('["INTEL-SA-00615"]', '["INTEL-SA-00615-0123456789abcdefghijklmnop\\u0071"]'));
        assertEq(t.tcbLevels[0].advisoryIds[0], longId);
        t = h.parseTcbInfo(_sgxTcbWith('["INTEL-SA-00615"]', '["INTEL-SA-00615-0123456789abcdefghijklmnopq"]'));
        assertEq(t.tcbLevels[0].advisoryIds[0], longId);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rejected documents
    // ---------------------------------------------------------------------------------------------------------

    function test_parseTcbInfo_revertsOnNonJson() public {
        vm.expectRevert(JSONParserLib.ParsingFailed.selector);
        h.parseTcbInfo("tcbInfo: SGX");
    }

    function test_parseTcbInfo_revertsOnTruncatedJson() public {
        bytes memory json = bytes(_tcbInfo(SGX));
        assembly {
            mstore(json, sub(mload(json), 1)) // Drop the closing brace.
        }
        vm.expectRevert(JSONParserLib.ParsingFailed.selector);
        h.parseTcbInfo(json);
    }

    function test_parseTcbInfo_revertsWhenRootIsNotAnObject() public {
        _expectMalformed("$");
        h.parseTcbInfo("[1,2]");
    }

    function test_parseTcbInfo_revertsOnMissingKey() public {
        _expectMalformed("pceId");
        h.parseTcbInfo(_sgxTcbWith('"pceId":"0000",', ""));
    }

    function test_parseTcbInfo_revertsOnRepeatedKey() public {
        _expectMalformed("$");
        h.parseTcbInfo(_sgxTcbWith('"id":"SGX",', '"id":"SGX","fmspc":"00A067110001",'));
    }

    function test_parseTcbInfo_revertsOnUnknownId() public {
        _expectMalformed("id");
        h.parseTcbInfo(_sgxTcbWith('"id":"SGX"', '"id":"SEV"'));
    }

    function test_parseTcbInfo_revertsOnUnknownStatus() public {
        vm.expectRevert(abi.encodeWithSelector(IntelCollateralJson.UnknownTcbStatus.selector, "tcbLevels[0].tcbStatus"));
        h.parseTcbInfo(_sgxTcbWith('"tcbStatus":"SWHardeningNeeded"', '"tcbStatus":"SWHardeningNeeded2"'));
    }

    function test_parseTcbInfo_revertsOnNonStringStatus() public {
        _expectMalformed("tcbLevels[0].tcbStatus");
        h.parseTcbInfo(_sgxTcbWith('"tcbStatus":"SWHardeningNeeded"', '"tcbStatus":1'));
    }

    function test_parseTcbInfo_revertsOnDateWithASpace() public {
        _expectMalformed("issueDate");
        h.parseTcbInfo(_sgxTcbWith("2025-06-19T10:56:11Z", "2025-06-19 10:56:11Z"));
    }

    function test_parseTcbInfo_revertsOnImpossibleDate() public {
        _expectMalformed("nextUpdate");
        h.parseTcbInfo(_sgxTcbWith("2025-07-19T10:56:11Z", "2025-02-29T10:56:11Z"));
    }

    function test_parseTcbInfo_revertsOnDateWithFraction() public {
        _expectMalformed("tcbLevels[0].tcbDate");
        h.parseTcbInfo(_sgxTcbWith("2024-03-13T00:00:00Z", "2024-03-13T00:00:00.0Z"));
    }

    function test_parseTcbInfo_revertsOnShortFmspc() public {
        _expectMalformed("fmspc");
        h.parseTcbInfo(_sgxTcbWith('"00A067110000"', '"00A0671100"'));
    }

    function test_parseTcbInfo_revertsOnNonHexFmspc() public {
        _expectMalformed("fmspc");
        h.parseTcbInfo(_sgxTcbWith('"00A067110000"', '"00A06711000G"'));
    }

    function test_parseTcbInfo_revertsOnLongPceId() public {
        _expectMalformed("pceId");
        h.parseTcbInfo(_sgxTcbWith('"pceId":"0000"', '"pceId":"00000"'));
    }

    function test_parseTcbInfo_revertsOnFifteenComponents() public {
        _expectMalformed("tcbLevels[0].tcb.sgxtcbcomponents");
        h.parseTcbInfo(_sgxTcbWith('{"svn":12},', ""));
    }

    function test_parseTcbInfo_revertsOnSeventeenComponents() public {
        _expectMalformed("tcbLevels[0].tcb.tdxtcbcomponents");
        h.parseTcbInfo(_tdxTcbWith('"tdxtcbcomponents":[', '"tdxtcbcomponents":[{"svn":0},'));
    }

    function test_parseTcbInfo_revertsOnComponentSvnAbove255() public {
        _expectMalformed("tcbLevels[0].tcb.sgxtcbcomponents[4].svn");
        h.parseTcbInfo(_sgxTcbWith('{"svn":255}', '{"svn":256}'));
    }

    function test_parseTcbInfo_revertsOnComponentWithoutSvn() public {
        _expectMalformed("tcbLevels[0].tcb.sgxtcbcomponents[6].svn");
        h.parseTcbInfo(_sgxTcbWith('{"svn":12}', '{"sv":12}'));
    }

    function test_parseTcbInfo_revertsOnComponentWithTwoSvns() public {
        _expectMalformed("tcbLevels[0].tcb.sgxtcbcomponents[6].svn");
        h.parseTcbInfo(_sgxTcbWith('{"svn":12}', '{"svn":12,"svn":13}'));
    }

    function test_parseTcbInfo_revertsOnComponentNotAnObject() public {
        _expectMalformed("tcbLevels[0].tcb.sgxtcbcomponents[6].svn");
        h.parseTcbInfo(_sgxTcbWith('{"svn":12}', "12"));
    }

    function test_parseTcbInfo_revertsOnPceSvnAbove65535() public {
        _expectMalformed("tcbLevels[0].tcb.pcesvn");
        h.parseTcbInfo(_sgxTcbWith('"pcesvn":13', '"pcesvn":65536'));
    }

    function test_parseTcbInfo_revertsOnFractionalPceSvn() public {
        _expectMalformed("tcbLevels[0].tcb.pcesvn");
        h.parseTcbInfo(_sgxTcbWith('"pcesvn":13', '"pcesvn":13.0'));
    }

    function test_parseTcbInfo_revertsOnNumberAsString() public {
        _expectMalformed("tcbType");
        h.parseTcbInfo(_sgxTcbWith('"tcbType":0', '"tcbType":"0"'));
    }

    function test_parseTcbInfo_revertsOnTdxLevelWithoutTdxComponents() public {
        _expectMalformed("tcbLevels[0].tcb.tdxtcbcomponents");
        h.parseTcbInfo(_tdxTcbWith('"tdxtcbcomponents"', '"tdxtcbcomponentz"'));
    }

    function test_parseTcbInfo_revertsOnNoLevels() public {
        string memory json = _tcbInfo(SGX);
        uint256 at = vm.indexOf(json, '"tcbLevels":');
        _expectMalformed("tcbLevels");
        h.parseTcbInfo(abi.encodePacked(_slice(json, 0, at), '"tcbLevels":[]}'));
    }

    function test_parseTcbInfo_revertsOnAdvisoryIdsNotStrings() public {
        _expectMalformed("tcbLevels[0].advisoryIDs");
        h.parseTcbInfo(_sgxTcbWith('["INTEL-SA-00615"]', "[615]"));
    }

    function test_parseQeIdentity_revertsOnNonJson() public {
        vm.expectRevert(JSONParserLib.ParsingFailed.selector);
        h.parseQeIdentity("");
    }

    function test_parseQeIdentity_revertsOnUnknownId() public {
        _expectMalformed("id");
        h.parseQeIdentity(_sgxQeWith('"id":"QE"', '"id":"QVE"'));
    }

    function test_parseQeIdentity_revertsOnMissingMrsigner() public {
        _expectMalformed("mrsigner");
        h.parseQeIdentity(_sgxQeWith('"mrsigner"', '"mrSigner"'));
    }

    function test_parseQeIdentity_revertsOnShortMrsigner() public {
        _expectMalformed("mrsigner");
        h.parseQeIdentity(_sgxQeWith('C57BFF"', 'C57B"'));
    }

    function test_parseQeIdentity_revertsOnShortAttributesMask() public {
        _expectMalformed("attributesMask");
        h.parseQeIdentity(_sgxQeWith('"FBFFFFFFFFFFFFFF0000000000000000"', '"FBFFFFFFFFFFFFFF"'));
    }

    function test_parseQeIdentity_revertsOnIsvProdIdAbove65535() public {
        _expectMalformed("isvprodid");
        h.parseQeIdentity(_sgxQeWith('"isvprodid":1', '"isvprodid":65536'));
    }

    function test_parseQeIdentity_revertsOnLevelWithoutIsvSvn() public {
        _expectMalformed("tcbLevels[2].tcb.isvsvn");
        h.parseQeIdentity(_sgxQeWith('"isvsvn":5', '"isvsvm":5'));
    }

    function test_parseQeIdentity_revertsOnUnknownStatus() public {
        vm.expectRevert(abi.encodeWithSelector(IntelCollateralJson.UnknownTcbStatus.selector, "tcbLevels[0].tcbStatus"));
        h.parseQeIdentity(_sgxQeWith('"tcbStatus":"UpToDate"', '"tcbStatus":"uptodate"'));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fuzz
    // ---------------------------------------------------------------------------------------------------------

    /// @dev One byte of the real TDX TCB info changed: the parser returns a TCB info or reverts with one of its
    ///      errors or the JSON parser's; never a panic (overflow, bad index, bad enum) or an empty revert.
    function testFuzz_parseTcbInfo_oneByteChangedRevertsCleanlyOrParses(uint256 position, bytes1 b) public view {
        bytes memory json = bytes(_tcbInfo(TDX));
        position = bound(position, 0, json.length - 1);
        json[position] = b;
        try h.parseTcbInfo(json) returns (TcbInfo memory t) {
            assertGt(t.tcbLevels.length, 0);
            assertLe(uint8(t.id), uint8(TcbInfoId.TDX));
        } catch (bytes memory reason) {
            assertGe(reason.length, 4);
            bytes4 selector = bytes4(reason);
            assertTrue(
                selector == IntelCollateralJson.CollateralJsonMalformed.selector
                    || selector == IntelCollateralJson.UnknownTcbStatus.selector
                    || selector == JSONParserLib.ParsingFailed.selector,
                "unexpected revert"
            );
        }
    }

    function _slice(string memory s, uint256 from, uint256 to) internal pure returns (bytes memory out) {
        out = new bytes(to - from);
        for (uint256 i = from; i < to; ++i) {
            out[i - from] = bytes(s)[i];
        }
    }
}
