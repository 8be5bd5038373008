// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {Blockhash} from "@openzeppelin/contracts/utils/Blockhash.sol";
import {BlockHashAnchors} from "../../../src/services/state-proofs/BlockHashAnchors.sol";
import {BlockHeaderLib} from "../../../src/services/state-proofs/BlockHeaderLib.sol";
import {BlockHeaderRlp} from "./BlockHeaderRlp.sol";

/// @notice Exposes the library and the anchors for tests.
contract BlockHeaderHarness is BlockHashAnchors {
    function decode(bytes calldata header) external pure returns (BlockHeaderLib.Header memory) {
        return BlockHeaderLib.decode(header);
    }

    function verifiedHeader(bytes calldata header) external view returns (BlockHeaderLib.Header memory) {
        return _verifiedHeader(header);
    }
}

/// @notice BlockHeaderLib (the RLP decoder: round trips for every fork's field count, canonical-encoding checks,
///         fuzzed garbage and truncations that may only revert with MalformedHeader) and BlockHashAnchors (BLOCKHASH,
///         the EIP-2935 history contract with its real bytecode, and walking parent hashes back past both).
contract ChainVerifiersBlockHeaderTest is Test {
    /// @dev The EIP-2935 history contract's runtime code, as anvil (Prague) deploys it.
    bytes internal constant HISTORY_CODE =
        hex"3373fffffffffffffffffffffffffffffffffffffffe14604657602036036042575f35600143038111604257611fff81430311604257611fff9006545f5260205ff35b5f5ffd5b5f35611fff60014303065500";

    BlockHeaderHarness internal harness;

    event BlockHashAnchored(uint256 indexed blockNumber, bytes32 blockHash);

    function setUp() public {
        harness = new BlockHeaderHarness();
    }

    // ---------------------------------------------------------------- decoding

    function test_decode_readsParentNumberTimestamp() public view {
        bytes memory h = BlockHeaderRlp.header(bytes32(uint256(0xabc)), 19_000_000, 1_700_000_123);
        BlockHeaderLib.Header memory d = harness.decode(h);
        assertEq(d.parentHash, bytes32(uint256(0xabc)));
        assertEq(d.number, 19_000_000);
        assertEq(d.timestamp, 1_700_000_123);
    }

    /// @dev Pre-London (15 fields), London, Shanghai, Cancun and Prague headers, and one with a future extra field.
    function test_decode_everyForkFieldCount() public view {
        uint256[6] memory counts = [uint256(15), 16, 17, 20, 21, 22];
        for (uint256 i; i < counts.length; ++i) {
            bytes memory h = BlockHeaderRlp.headerWithFields(bytes32(uint256(7)), 1000 + i, 1_700_000_000 + i, counts[i]);
            BlockHeaderLib.Header memory d = harness.decode(h);
            assertEq(d.number, 1000 + i);
            assertEq(d.timestamp, 1_700_000_000 + i);
        }
    }

    function test_decode_zeroNumberAndTimestamp() public view {
        BlockHeaderLib.Header memory d = harness.decode(BlockHeaderRlp.header(bytes32(0), 0, 0));
        assertEq(d.number, 0);
        assertEq(d.timestamp, 0);
    }

    function test_decode_revertsOnTooFewItems() public {
        bytes memory h = BlockHeaderRlp.headerWithFields(bytes32(0), 1, 1, 14);
        vm.expectRevert(abi.encodeWithSelector(BlockHeaderLib.MalformedHeader.selector, h.length));
        harness.decode(h);
    }

    function test_decode_revertsOnTrailingBytes() public {
        bytes memory h = bytes.concat(BlockHeaderRlp.header(bytes32(0), 1, 1), hex"00");
        vm.expectRevert(abi.encodeWithSelector(BlockHeaderLib.MalformedHeader.selector, 0));
        harness.decode(h);
    }

    function test_decode_revertsOnStringInsteadOfList() public {
        vm.expectRevert(abi.encodeWithSelector(BlockHeaderLib.MalformedHeader.selector, 0));
        harness.decode(hex"83010203");
    }

    function test_decode_revertsOnEmptyInput() public {
        vm.expectRevert(abi.encodeWithSelector(BlockHeaderLib.MalformedHeader.selector, 0));
        harness.decode("");
    }

    function test_decode_revertsOnNonCanonicalInteger() public {
        // number = 0x0001 (leading zero)
        bytes[] memory items = _items(bytes32(0), 5, 5);
        items[8] = hex"820001";
        bytes memory h = BlockHeaderRlp.list(items);
        vm.expectRevert();
        harness.decode(h);
    }

    function test_decode_revertsOnTimestampOverEightBytes() public {
        bytes[] memory items = _items(bytes32(0), 5, 5);
        items[11] = BlockHeaderRlp.uint_(uint256(type(uint64).max) + 1);
        bytes memory h = BlockHeaderRlp.list(items);
        vm.expectRevert();
        harness.decode(h);
    }

    function test_decode_revertsOnShortParentHash() public {
        bytes[] memory items = _items(bytes32(0), 5, 5);
        items[0] = BlockHeaderRlp.str(hex"0102");
        bytes memory h = BlockHeaderRlp.list(items);
        vm.expectRevert();
        harness.decode(h);
    }

    /// @dev Any field values round-trip, in any fork's layout.
    function testFuzz_decode_roundTrips(bytes32 parent, uint256 number, uint64 timestamp, uint8 extra) public view {
        uint256 fields = 15 + uint256(extra) % 8;
        bytes memory h = BlockHeaderRlp.headerWithFields(parent, number, timestamp, fields > 21 ? 21 : fields);
        BlockHeaderLib.Header memory d = harness.decode(h);
        assertEq(d.parentHash, parent);
        assertEq(d.number, number);
        assertEq(d.timestamp, timestamp);
    }

    /// @dev Every strict prefix of a valid header is refused with MalformedHeader (never a panic or a wrong read).
    function testFuzz_decode_truncatedHeaderReverts(uint256 cut, uint256 number) public {
        bytes memory h = BlockHeaderRlp.header(keccak256("p"), number, 1_700_000_000);
        cut = bound(cut, 0, h.length - 1);
        bytes memory prefix = new bytes(cut);
        for (uint256 i; i < cut; ++i) {
            prefix[i] = h[i];
        }
        _expectMalformedOnly(prefix, false);
    }

    /// @dev Random bytes either decode or revert with MalformedHeader; never a panic or an out-of-bounds read.
    function testFuzz_decode_garbageOnlyMalformed(bytes calldata data) public view {
        _expectMalformedOnly(data, true);
    }

    /// @dev A valid header with one byte flipped: decodes (to some fields) or reverts with MalformedHeader only.
    function testFuzz_decode_flippedByteOnlyMalformed(uint256 at, uint8 xor) public view {
        bytes memory h = BlockHeaderRlp.header(keccak256("p"), 123_456, 1_700_000_000);
        at = at % h.length;
        h[at] = bytes1(uint8(h[at]) ^ (xor | 1));
        _expectMalformedOnly(h, true);
    }

    function _expectMalformedOnly(bytes memory data, bool mayDecode) internal view {
        try harness.decode(data) returns (BlockHeaderLib.Header memory) {
            assertTrue(mayDecode, "a truncated header decoded");
        } catch (bytes memory reason) {
            assertGe(reason.length, 4);
            assertEq(bytes4(reason), BlockHeaderLib.MalformedHeader.selector, "only MalformedHeader");
        }
    }

    function _items(bytes32 parent, uint256 number, uint256 timestamp) internal pure returns (bytes[] memory items) {
        items = new bytes[](15);
        items[0] = BlockHeaderRlp.str(abi.encodePacked(parent));
        for (uint256 i = 1; i < 15; ++i) {
            items[i] = BlockHeaderRlp.uint_(0);
        }
        items[8] = BlockHeaderRlp.uint_(number);
        items[11] = BlockHeaderRlp.uint_(timestamp);
    }

    // ---------------------------------------------------------------- block hashes

    /// @dev Headers of blocks first..last, each linked to its parent; returns them oldest first.
    function _chain(uint256 first, uint256 last) internal pure returns (bytes[] memory headers) {
        headers = new bytes[](last - first + 1);
        bytes32 parent = keccak256("genesis");
        for (uint256 n = first; n <= last; ++n) {
            headers[n - first] = BlockHeaderRlp.header(parent, n, 1_700_000_000 + n * 12);
            parent = keccak256(headers[n - first]);
        }
    }

    function _newestFirst(bytes[] memory chain, uint256 from, uint256 to) internal pure returns (bytes[] memory out) {
        // chain[from] newest .. chain[to] oldest (from >= to)
        out = new bytes[](from - to + 1);
        for (uint256 i; i < out.length; ++i) {
            out[i] = chain[from - i];
        }
    }

    function test_verifiedHeader_acceptsRecentBlockByBlockhash() public {
        vm.roll(1000);
        bytes memory h = BlockHeaderRlp.header(bytes32(0), 900, 1);
        vm.setBlockhash(900, keccak256(h));
        assertEq(harness.verifiedHeader(h).number, 900);
    }

    function test_verifiedHeader_revertsBeyondHistoryWithoutAnchor() public {
        vm.roll(10_000);
        bytes memory h = BlockHeaderRlp.header(bytes32(0), 100, 1);
        vm.expectRevert(abi.encodeWithSelector(BlockHashAnchors.UnknownBlockHash.selector, 100));
        harness.verifiedHeader(h);
    }

    /// @dev With the EIP-2935 contract (its real code) present, blocks up to 8191 back are verifiable.
    function test_verifiedHeader_usesEip2935History() public {
        vm.roll(10_000);
        vm.etch(Blockhash.HISTORY_STORAGE_ADDRESS, HISTORY_CODE);
        bytes memory h = BlockHeaderRlp.header(bytes32(0), 5000, 1);
        vm.store(Blockhash.HISTORY_STORAGE_ADDRESS, bytes32(uint256(5000 % 8191)), keccak256(h));
        assertEq(harness.blockHashOf(5000), keccak256(h));
        assertEq(harness.verifiedHeader(h).number, 5000);
        // Older than 8191 blocks: the history contract refuses, so the block needs an anchor.
        assertEq(harness.blockHashOf(10_000 - 8192), bytes32(0));
    }

    /// @dev Without the history contract (pre-Prague chains), only BLOCKHASH's 256 blocks, and no revert.
    function test_blockHashOf_zeroBeyond256WithoutHistoryContract() public {
        vm.roll(1000);
        assertEq(Blockhash.HISTORY_STORAGE_ADDRESS.code.length, 0);
        assertEq(harness.blockHashOf(700), bytes32(0));
        assertEq(harness.blockHashOf(1000), bytes32(0), "current block");
        assertEq(harness.blockHashOf(1001), bytes32(0), "future block");
    }

    /// @dev Any old block becomes verifiable by walking parent hashes back from a known one, in several calls.
    function test_anchorBlockHash_walksBackInBatches() public {
        bytes[] memory chain = _chain(100, 700); // chain[i] is block 100 + i
        vm.roll(701);
        vm.setBlockhash(700, keccak256(chain[600]));
        // First call: 700 → 400; second: 400 → 150.
        vm.expectEmit(address(harness));
        emit BlockHashAnchored(400, keccak256(chain[300]));
        assertEq(harness.anchorBlockHash(_newestFirst(chain, 600, 300)), 400);
        assertEq(harness.anchorBlockHash(_newestFirst(chain, 300, 50)), 150);
        assertEq(harness.blockHashOf(150), keccak256(chain[50]));
        assertEq(harness.verifiedHeader(chain[50]).timestamp, 1_700_000_000 + 150 * 12);
        assertEq(harness.blockHashOf(151), bytes32(0), "only the last block of a batch is stored");
    }

    function test_anchorBlockHash_revertsOnBrokenParentLink() public {
        bytes[] memory chain = _chain(100, 110);
        vm.roll(111);
        vm.setBlockhash(110, keccak256(chain[10]));
        bytes[] memory batch = _newestFirst(chain, 10, 5);
        batch[3] = BlockHeaderRlp.header(bytes32(0), 107, 1); // not the parent of 108
        vm.expectRevert(abi.encodeWithSelector(BlockHashAnchors.NotParentHeader.selector, 3));
        harness.anchorBlockHash(batch);
    }

    function test_anchorBlockHash_revertsWhenFirstHeaderUnknown() public {
        bytes[] memory chain = _chain(100, 110);
        vm.roll(5000);
        vm.expectRevert(abi.encodeWithSelector(BlockHashAnchors.UnknownBlockHash.selector, 110));
        harness.anchorBlockHash(_newestFirst(chain, 10, 0));
    }

    function test_anchorBlockHash_revertsOnNoHeaders() public {
        vm.expectRevert(BlockHashAnchors.NoHeaders.selector);
        harness.anchorBlockHash(new bytes[](0));
    }

    /// @dev A forged "parent" (right hash link impossible) can never be anchored: whatever header is offered as the
    ///      parent, it must hash to the child's parentHash.
    function testFuzz_anchorBlockHash_refusesForgedParent(uint64 timestamp) public {
        bytes[] memory chain = _chain(100, 102);
        vm.roll(103);
        vm.setBlockhash(102, keccak256(chain[2]));
        bytes[] memory batch = new bytes[](2);
        batch[0] = chain[2];
        batch[1] = BlockHeaderRlp.header(keccak256("genesis"), 101, timestamp);
        vm.assume(keccak256(batch[1]) != keccak256(chain[1]));
        vm.expectRevert(abi.encodeWithSelector(BlockHashAnchors.NotParentHeader.selector, 1));
        harness.anchorBlockHash(batch);
    }

    function test_gas_anchorBlockHash_100headers() public {
        bytes[] memory chain = _chain(1, 101);
        vm.roll(102);
        vm.setBlockhash(101, keccak256(chain[100]));
        bytes[] memory batch = _newestFirst(chain, 100, 0);
        uint256 calldataBytes = abi.encodeCall(BlockHashAnchors.anchorBlockHash, (batch)).length;
        harness.anchorBlockHash(batch);
        emit log_named_uint("anchorBlockHash, 101 headers: execution gas", vm.lastCallGas().gasTotalUsed);
        emit log_named_uint("anchorBlockHash, 101 headers: calldata bytes", calldataBytes);
    }
}
