// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EpochManager} from "../../../src/core/epochs/EpochManager.sol";
import {BLSApkRegistry} from "../../../src/core/registry/BLSApkRegistry.sol";
import {BLSSignerSetChecker} from "../../../src/core/signatures/BLSSignerSetChecker.sol";
import {BN254} from "../../../src/core/signatures/BN254.sol";
import {BLSApkRegistryHarness, BLSFixture} from "../registry/BLSFixture.sol";

/// @notice TEST HARNESS ONLY: a BLSApkRegistry with the explicit-signer check, owner-set weights, and a hook that
///         leaves out the keys the owner excludes (standing in for a deploying registry's "frozen" or "not live").
contract BLSSignerSetHarness is BLSApkRegistry, BLSSignerSetChecker {
    mapping(bytes32 keyHash => bool) public excluded;

    constructor(EpochManager epochManager, uint32 maxProofAgeEpochs, address owner_)
        BLSApkRegistry(epochManager, maxProofAgeEpochs, owner_)
    {}

    function setOperatorWeight(uint8 quorum, address operator, uint96 weight) external onlyOwner {
        _updateOperatorWeight(quorum, operator, weight);
    }

    function setExcluded(bytes32 keyHash, bool value) external onlyOwner {
        excluded[keyHash] = value;
    }

    function signerSetStatus(bytes32 digest, SignerSetParams calldata params)
        external
        view
        returns (SignerSetResult memory)
    {
        return _signerSetStatus(digest, params, "");
    }

    function _signerCounts(uint256, bytes32 keyHash, bytes memory) internal view override returns (bool) {
        return !excluded[keyHash];
    }
}

/// @notice BLSSignerSetChecker: every status, in the order the checks run, and the hook. Quorum 1 holds vector
///         operators 0-4 and quorum 2 operators 5-9 (weight 1 each, threshold 60 %: 3 of 5 per quorum).
contract BLSSignerSetCheckerTest is BLSFixture {
    bytes32 internal constant DIGEST = keccak256("signer set");
    BLSSignerSetHarness internal checker;

    function setUp() public override {
        super.setUp();
        checker = new BLSSignerSetHarness(epochManager, MAX_AGE, address(this));
        registry = BLSApkRegistryHarness(address(checker)); // the fixture's key registration targets it
        checker.createQuorum(1, 6_000);
        checker.createQuorum(2, 6_000);
        for (uint256 i; i < 10; ++i) {
            _registerKey(i);
            checker.setOperatorWeight(i < 5 ? 1 : 2, _operator(i), 1e18);
        }
        _warpToEpoch(1);
    }

    /// @dev Everyone signs in both quorums: apkG2 is the bench vector of operators 0-9.
    function _all() internal view returns (BLSSignerSetChecker.SignerSetParams memory params) {
        params.referenceEpoch = 1;
        params.quorumNumbers = hex"0102";
        params.signerKeys = new BN254.G1Point[][](2);
        params.signerKeys[0] = _sortedKeys(0, 5);
        params.signerKeys[1] = _sortedKeys(5, 10);
        params.apkG2 = _g2(".bench[0].apkG2");
        params.sigma = _signRange(0, 10, DIGEST);
    }

    function _check(BLSSignerSetChecker.SignerSetParams memory params, BLSSignerSetChecker.SignerSetStatus expected, uint256 at)
        internal
        view
    {
        BLSSignerSetChecker.SignerSetResult memory result = checker.signerSetStatus(DIGEST, params);
        assertEq(uint8(result.status), uint8(expected), "status");
        assertEq(result.quorumIndex, at, "quorum index");
    }

    function test_valid_allSignInBothQuorums() public {
        BLSSignerSetChecker.SignerSetParams memory params = _all();
        BLSSignerSetChecker.SignerSetResult memory result = checker.signerSetStatus(DIGEST, params);
        assertEq(uint8(result.status), 0);
        assertEq(result.signedWeights[0], 5e18);
        assertEq(result.thresholdWeights[1], 3e18);
    }

    function test_epochRules() public {
        BLSSignerSetChecker.SignerSetParams memory params = _all();
        params.referenceEpoch = 2;
        _check(params, BLSSignerSetChecker.SignerSetStatus.ReferenceEpochInFuture, 2);
        params.referenceEpoch = 1;
        _warpToEpoch(1 + MAX_AGE + 1);
        _check(params, BLSSignerSetChecker.SignerSetStatus.ProofTooOld, 2);
        vm.warp(GENESIS - 1);
        _check(params, BLSSignerSetChecker.SignerSetStatus.EpochsNotStarted, 2);
    }

    function test_shape() public {
        BLSSignerSetChecker.SignerSetParams memory params = _all();
        params.quorumNumbers = "";
        _check(params, BLSSignerSetChecker.SignerSetStatus.NoQuorums, 0);
        params.quorumNumbers = hex"01";
        _check(params, BLSSignerSetChecker.SignerSetStatus.LengthMismatch, 1);
        params.quorumNumbers = hex"0101"; // quorum 1 twice: its threshold would be met twice
        _check(params, BLSSignerSetChecker.SignerSetStatus.QuorumsNotSorted, 1);
        params.quorumNumbers = hex"0103";
        _check(params, BLSSignerSetChecker.SignerSetStatus.QuorumNotFound, 1);
    }

    function test_emptyQuorum() public {
        checker.createQuorum(3, 6_000);
        _warpToEpoch(2);
        BLSSignerSetChecker.SignerSetParams memory params = _all();
        params.referenceEpoch = 2;
        params.quorumNumbers = hex"0103";
        _check(params, BLSSignerSetChecker.SignerSetStatus.EmptyQuorum, 1);
    }

    function test_signerLists() public {
        BLSSignerSetChecker.SignerSetParams memory params = _all();
        (params.signerKeys[1][0], params.signerKeys[1][1]) = (params.signerKeys[1][1], params.signerKeys[1][0]);
        _check(params, BLSSignerSetChecker.SignerSetStatus.SignersNotSorted, 1);
        params = _all();
        params.signerKeys[0] = _sortedKeys(3, 8); // 5-7 are members of quorum 2 only
        _check(params, BLSSignerSetChecker.SignerSetStatus.SignerNotMember, 0);
    }

    function test_insufficientWeightAndBadSignature() public {
        BLSSignerSetChecker.SignerSetParams memory params = _all();
        params.signerKeys[1] = _sortedKeys(5, 7);
        _check(params, BLSSignerSetChecker.SignerSetStatus.InsufficientSignedWeight, 1);
        params = _all();
        params.sigma = _signRange(0, 9, DIGEST);
        _check(params, BLSSignerSetChecker.SignerSetStatus.InvalidSignature, 2);
    }

    function test_hook_excludedSignerAddsItsKeyButNoWeight() public {
        for (uint256 i; i < 3; ++i) {
            checker.setExcluded(BN254.hashG1(_keyG1(i)), true);
        }
        BLSSignerSetChecker.SignerSetParams memory params = _all();
        BLSSignerSetChecker.SignerSetResult memory result = checker.signerSetStatus(DIGEST, params);
        assertEq(uint8(result.status), uint8(BLSSignerSetChecker.SignerSetStatus.InsufficientSignedWeight));
        assertEq(result.signedWeights[0], 2e18);
        checker.setExcluded(BN254.hashG1(_keyG1(0)), false);
        assertEq(uint8(checker.signerSetStatus(DIGEST, params).status), 0);
    }
}
