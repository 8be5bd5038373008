// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {EpochManager} from "../../../src/core/epochs/EpochManager.sol";
import {BLSApkRegistry} from "../../../src/core/registry/BLSApkRegistry.sol";
import {BLSSignatureChecker} from "../../../src/core/signatures/BLSSignatureChecker.sol";
import {BN254} from "../../../src/core/signatures/BN254.sol";

/// @notice TEST HARNESS ONLY: a BLSApkRegistry whose weights the owner sets by hand. Production registries derive
///         weights from EigenLayer stake; this exists so the registry and the checker can be tested on their own.
contract BLSApkRegistryHarness is BLSApkRegistry {
    constructor(EpochManager epochManager, uint32 maxProofAgeEpochs, address owner_)
        BLSApkRegistry(epochManager, maxProofAgeEpochs, owner_)
    {}

    /// @notice Sets `operator`'s weight in `quorum` from the next effective epoch on (test harness, owner only).
    function setOperatorWeight(uint8 quorum, address operator, uint96 weight) external onlyOwner {
        _updateOperatorWeight(quorum, operator, weight);
    }
}

/// @notice The deterministic operators of test/vectors/bls.json (secrets, G2 keys), a registry over a 100-second
///         epoch clock, and helpers to register keys and sign.
abstract contract BLSFixture is Test {
    uint64 internal constant GENESIS = 1_000_000;
    uint64 internal constant EPOCH_LENGTH = 100;
    uint64 internal constant GRACE = 10;
    uint32 internal constant MAX_AGE = 3;

    string internal constant VECTORS = "/../test/vectors/bls.json";
    EpochManager internal epochManager;
    BLSApkRegistryHarness internal registry;

    function setUp() public virtual {
        vm.warp(GENESIS);
        epochManager = new EpochManager(GENESIS, EPOCH_LENGTH, GRACE, address(this));
        registry = new BLSApkRegistryHarness(epochManager, MAX_AGE, address(this));
    }

    function _operator(uint256 i) internal pure returns (address) {
        return address(uint160(0x10000 + i));
    }

    /// @dev Vector operator i's secret, derived as test/helpers/bls-vectors.ts does (checked against the file in
    ///      BLSVectors.t.sol).
    function _secret(uint256 i) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("avs-stack.bls.vector", i))) % (BN254.FR_MOD - 1) + 1;
    }

    /// @dev The vectors file, read in the caller's frame: read it once per test (it is 175 kB of memory), or through
    ///      the vector* functions below, each of which reads it in a fresh call frame.
    function _json() internal view returns (string memory) {
        return vm.readFile(string.concat(vm.projectRoot(), VECTORS));
    }

    /// @notice The G1 point at `path` of test/vectors/bls.json.
    function vectorG1(string calldata path) external view returns (BN254.G1Point memory) {
        return _g1From(_json(), path);
    }

    /// @notice The G2 point at `path` of test/vectors/bls.json (X = [c1, c0], Y = [c1, c0]).
    function vectorG2(string calldata path) external view returns (BN254.G2Point memory) {
        return _g2From(_json(), path);
    }

    /// @notice The number at `path` of test/vectors/bls.json.
    function vectorUint(string calldata path) external view returns (uint256) {
        return vm.parseJsonUint(_json(), path);
    }

    /// @notice Whether test/vectors/bls.json has `path`.
    function vectorHas(string calldata path) external view returns (bool) {
        return vm.keyExistsJson(_json(), path);
    }

    function _keyG1(uint256 i) internal view returns (BN254.G1Point memory key) {
        (, key) = BN254.mul(BN254.generatorG1(), _secret(i));
    }

    function _keyG2(uint256 i) internal view returns (BN254.G2Point memory) {
        return _g2(string.concat(".operators[", vm.toString(i), "].publicKeyG2"));
    }

    function _g1(string memory path) internal view returns (BN254.G1Point memory) {
        return this.vectorG1(path);
    }

    function _g2(string memory path) internal view returns (BN254.G2Point memory) {
        return this.vectorG2(path);
    }

    function _g1From(string memory json, string memory path) internal pure returns (BN254.G1Point memory) {
        return BN254.G1Point(
            vm.parseUint(vm.parseJsonString(json, string.concat(path, ".x"))),
            vm.parseUint(vm.parseJsonString(json, string.concat(path, ".y")))
        );
    }

    function _g2From(string memory json, string memory path) internal pure returns (BN254.G2Point memory) {
        return BN254.G2Point(
            [
                vm.parseUint(vm.parseJsonString(json, string.concat(path, ".x[0]"))),
                vm.parseUint(vm.parseJsonString(json, string.concat(path, ".x[1]")))
            ],
            [
                vm.parseUint(vm.parseJsonString(json, string.concat(path, ".y[0]"))),
                vm.parseUint(vm.parseJsonString(json, string.concat(path, ".y[1]")))
            ]
        );
    }

    /// @dev sk · H(message).
    function _signWith(uint256 secret, bytes32 message) internal view returns (BN254.G1Point memory sigma) {
        (, sigma) = BN254.mul(BN254.hashToG1(message), secret);
    }

    /// @dev Registers vector operator i's key with a valid proof of possession.
    function _registerKey(uint256 i) internal {
        uint256 secret = _secret(i);
        BN254.G1Point memory key = _keyG1(i);
        BN254.G1Point memory proof = _signWith(secret, registry.popMessageHash(_operator(i), key));
        BN254.G2Point memory keyG2 = _keyG2(i); // an external call: before the prank
        vm.prank(_operator(i));
        registry.registerBLSKey(key, keyG2, proof);
    }

    /// @dev The aggregate signature of `message` by vector operators `from` .. `to` - 1: (Σ sk) · H(message).
    function _signRange(uint256 from, uint256 to, bytes32 message) internal view returns (BN254.G1Point memory) {
        uint256 sum;
        for (uint256 i = from; i < to; ++i) sum = addmod(sum, _secret(i), BN254.FR_MOD);
        return _signWith(sum, message);
    }

    /// @dev The G1 keys of vector operators `from` .. `to` - 1, sorted ascending by key hash.
    function _sortedKeys(uint256 from, uint256 to) internal view returns (BN254.G1Point[] memory keys) {
        keys = new BN254.G1Point[](to - from);
        for (uint256 i = from; i < to; ++i) keys[i - from] = _keyG1(i);
        return _sortByHash(keys);
    }

    /// @dev Sorts `keys` in place ascending by key hash (the order the checker requires of non-signers); returns it.
    function _sortByHash(BN254.G1Point[] memory keys) internal pure returns (BN254.G1Point[] memory) {
        for (uint256 i = 1; i < keys.length; ++i) {
            BN254.G1Point memory k = keys[i];
            uint256 h = uint256(BN254.hashG1(k));
            uint256 j = i;
            while (j > 0 && uint256(BN254.hashG1(keys[j - 1])) > h) {
                keys[j] = keys[j - 1];
                --j;
            }
            keys[j] = k;
        }
        return keys;
    }

    /// @dev Moves to the start of `epoch`.
    function _warpToEpoch(uint32 epoch) internal {
        vm.warp(GENESIS + uint256(epoch) * EPOCH_LENGTH);
    }

    function _params(
        uint8 quorum,
        uint32 epoch,
        BN254.G1Point[] memory nonSigners,
        BN254.G2Point memory apkG2,
        BN254.G1Point memory sigma
    ) internal pure returns (BLSSignatureChecker.SignatureParams memory) {
        return BLSSignatureChecker.SignatureParams(quorum, epoch, nonSigners, apkG2, sigma);
    }
}
