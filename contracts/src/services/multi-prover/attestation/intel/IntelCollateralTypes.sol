// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title Intel collateral types
/// @notice The parsed form of Intel's signed TCB info and QE identity (Intel PCS API v4 JSON, "tcbInfo" v2/v3 and
///         "enclaveIdentity" v2), as the collateral store keeps them and the quote verifiers read them.
/// @dev Source: Intel SGX/TDX DCAP "PCS API v4" specification (TCB info and enclave identity data structures).

/// @notice A TCB status as Intel names it. The order is the severity the quote verifiers use when merging the
///         platform's and the quoting enclave's statuses (a later value is worse), as Intel's QVL ranks them.
enum TcbStatus {
    UpToDate,
    SWHardeningNeeded,
    ConfigurationNeeded,
    ConfigurationAndSWHardeningNeeded,
    OutOfDate,
    OutOfDateConfigurationNeeded,
    Revoked
}

/// @notice Which TEE a TCB info describes ("id": "SGX" or "TDX").
enum TcbInfoId {
    SGX,
    TDX
}

/// @notice Which quoting enclave a QE identity describes ("id": "QE" for SGX quotes, "TD_QE" for TDX quotes).
enum QeIdentityId {
    QE,
    TD_QE
}

/// @notice One TCB level of a TCB info: a platform whose components are all at least these SVNs has `status`.
/// @param sgxComponents The 16 SGX TCB component SVNs, one byte each, in the JSON's order.
/// @param pceSvn The PCE SVN.
/// @param tdxComponents The 16 TDX TCB component SVNs (zero for an SGX TCB info).
/// @param tcbDate "tcbDate" in unix seconds.
/// @param status "tcbStatus".
/// @param advisoryIds "advisoryIDs" (e.g. "INTEL-SA-00615"); empty when absent.
struct TcbLevel {
    bytes16 sgxComponents;
    uint16 pceSvn;
    bytes16 tdxComponents;
    uint64 tcbDate;
    TcbStatus status;
    string[] advisoryIds;
}

/// @notice A TCB info for one FMSPC.
/// @param id SGX or TDX.
/// @param version The structure's version (2 or 3; TDX needs 3).
/// @param issueDate "issueDate" in unix seconds.
/// @param nextUpdate "nextUpdate" in unix seconds: the TCB info is not to be used after it.
/// @param fmspc The platform family (6 bytes).
/// @param pceId The PCE id (2 bytes).
/// @param tcbType "tcbType".
/// @param tcbEvaluationDataNumber "tcbEvaluationDataNumber": Intel's TCB recovery counter.
/// @param tcbLevels The levels, best first, as Intel lists them.
struct TcbInfo {
    TcbInfoId id;
    uint32 version;
    uint64 issueDate;
    uint64 nextUpdate;
    bytes6 fmspc;
    bytes2 pceId;
    uint32 tcbType;
    uint32 tcbEvaluationDataNumber;
    TcbLevel[] tcbLevels;
}

/// @notice One TCB level of a QE identity: a quoting enclave with ISVSVN at least `isvSvn` has `status`.
struct QeTcbLevel {
    uint16 isvSvn;
    uint64 tcbDate;
    TcbStatus status;
    string[] advisoryIds;
}

/// @notice The identity Intel publishes for its quoting enclave.
/// @param id QE (SGX) or TD_QE (TDX).
/// @param version The structure's version (2).
/// @param issueDate "issueDate" in unix seconds.
/// @param nextUpdate "nextUpdate" in unix seconds.
/// @param tcbEvaluationDataNumber Intel's TCB recovery counter.
/// @param miscselect Expected MISCSELECT (4 bytes, as the report stores them: little-endian).
/// @param miscselectMask Which MISCSELECT bits are compared.
/// @param attributes Expected ATTRIBUTES (16 bytes).
/// @param attributesMask Which ATTRIBUTES bits are compared.
/// @param mrsigner Expected MRSIGNER.
/// @param isvProdId Expected ISVPRODID.
/// @param tcbLevels The levels, best first.
struct QeIdentity {
    QeIdentityId id;
    uint32 version;
    uint64 issueDate;
    uint64 nextUpdate;
    uint32 tcbEvaluationDataNumber;
    bytes4 miscselect;
    bytes4 miscselectMask;
    bytes16 attributes;
    bytes16 attributesMask;
    bytes32 mrsigner;
    uint16 isvProdId;
    QeTcbLevel[] tcbLevels;
}
