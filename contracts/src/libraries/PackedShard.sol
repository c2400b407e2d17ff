// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AuditStatus, ShardStatus} from "../types/Types.sol";

/// @notice The hot fields of one task shard packed in a single storage word. The zero word is a Pending shard
///         that was never assigned, so posting a task writes nothing per shard.
/// @dev Layout, low bits first:
///      | bits    | field              | width |
///      | 0-7     | status             | 8     |
///      | 8-15    | auditStatus        | 8     |
///      | 16-23   | attempts           | 8     |  failed attempts
///      | 24-55   | nodeId             | 32    |  node ids stay below 2^32 (NodeRegistry)
///      | 56-95   | deadline           | 40    |  assignment deadline, or end of the challenge window
///      | 96-135  | submittedBlock     | 40    |  block of the submission; while Pending: the block it became Pending
///      | 136-151 | checkpointCount    | 16    |  ≤ 1024
///      | 152-167 | resumeFrom         | 16    |
///      | 168-191 | window             | 24    |  challenge window length fixed at assignment (≤ 30 days)
///      | 192-199 | openDisputes       | 8     |  unresolved disputes of any epoch
///      | 200-215 | epoch              | 16    |  assignments so far
///      | 216     | challengeCommitted | 1     |  a challenge was committed against this epoch
///      | 217-254 | price              | 38    |  locked price of the assignment, PriceCodec-encoded
type PackedShard is uint256;

using PackedShardLib for PackedShard global;

/// @title Accessors of PackedShard
/// @notice Getters return a field; setters return a copy of the word with one field replaced. Setter inputs
///         are typed to the field width, so a value can never spill into a neighbouring field.
library PackedShardLib {
    uint256 private constant AUDIT_SHIFT = 8;
    uint256 private constant ATTEMPTS_SHIFT = 16;
    uint256 private constant NODE_SHIFT = 24;
    uint256 private constant DEADLINE_SHIFT = 56;
    uint256 private constant SUBMITTED_SHIFT = 96;
    uint256 private constant COUNT_SHIFT = 136;
    uint256 private constant RESUME_SHIFT = 152;
    uint256 private constant WINDOW_SHIFT = 168;
    uint256 private constant DISPUTES_SHIFT = 192;
    uint256 private constant EPOCH_SHIFT = 200;
    uint256 private constant COMMITTED_SHIFT = 216;
    uint256 private constant PRICE_SHIFT = 217;
    uint256 private constant PRICE_MASK = (1 << 38) - 1;

    function status(PackedShard w) internal pure returns (ShardStatus) {
        return ShardStatus(uint8(PackedShard.unwrap(w)));
    }

    function auditStatus(PackedShard w) internal pure returns (AuditStatus) {
        return AuditStatus(uint8(PackedShard.unwrap(w) >> AUDIT_SHIFT));
    }

    function attempts(PackedShard w) internal pure returns (uint8) {
        return uint8(PackedShard.unwrap(w) >> ATTEMPTS_SHIFT);
    }

    function nodeId(PackedShard w) internal pure returns (uint32) {
        return uint32(PackedShard.unwrap(w) >> NODE_SHIFT);
    }

    function deadline(PackedShard w) internal pure returns (uint40) {
        return uint40(PackedShard.unwrap(w) >> DEADLINE_SHIFT);
    }

    function submittedBlock(PackedShard w) internal pure returns (uint40) {
        return uint40(PackedShard.unwrap(w) >> SUBMITTED_SHIFT);
    }

    function checkpointCount(PackedShard w) internal pure returns (uint16) {
        return uint16(PackedShard.unwrap(w) >> COUNT_SHIFT);
    }

    function resumeFrom(PackedShard w) internal pure returns (uint16) {
        return uint16(PackedShard.unwrap(w) >> RESUME_SHIFT);
    }

    function window(PackedShard w) internal pure returns (uint24) {
        return uint24(PackedShard.unwrap(w) >> WINDOW_SHIFT);
    }

    function openDisputes(PackedShard w) internal pure returns (uint8) {
        return uint8(PackedShard.unwrap(w) >> DISPUTES_SHIFT);
    }

    function epoch(PackedShard w) internal pure returns (uint16) {
        return uint16(PackedShard.unwrap(w) >> EPOCH_SHIFT);
    }

    function challengeCommitted(PackedShard w) internal pure returns (bool) {
        return (PackedShard.unwrap(w) >> COMMITTED_SHIFT) & 1 == 1;
    }

    /// @notice The PriceCodec encoding of the locked price (decode with PriceCodec.decode).
    function priceCode(PackedShard w) internal pure returns (uint40) {
        return uint40((PackedShard.unwrap(w) >> PRICE_SHIFT) & PRICE_MASK);
    }

    function setStatus(PackedShard w, ShardStatus v) internal pure returns (PackedShard) {
        return _set(w, 0, type(uint8).max, uint8(v));
    }

    function setAuditStatus(PackedShard w, AuditStatus v) internal pure returns (PackedShard) {
        return _set(w, AUDIT_SHIFT, type(uint8).max, uint8(v));
    }

    function setAttempts(PackedShard w, uint8 v) internal pure returns (PackedShard) {
        return _set(w, ATTEMPTS_SHIFT, type(uint8).max, v);
    }

    function setNodeId(PackedShard w, uint32 v) internal pure returns (PackedShard) {
        return _set(w, NODE_SHIFT, type(uint32).max, v);
    }

    function setDeadline(PackedShard w, uint40 v) internal pure returns (PackedShard) {
        return _set(w, DEADLINE_SHIFT, type(uint40).max, v);
    }

    function setSubmittedBlock(PackedShard w, uint40 v) internal pure returns (PackedShard) {
        return _set(w, SUBMITTED_SHIFT, type(uint40).max, v);
    }

    function setCheckpointCount(PackedShard w, uint16 v) internal pure returns (PackedShard) {
        return _set(w, COUNT_SHIFT, type(uint16).max, v);
    }

    function setResumeFrom(PackedShard w, uint16 v) internal pure returns (PackedShard) {
        return _set(w, RESUME_SHIFT, type(uint16).max, v);
    }

    function setWindow(PackedShard w, uint24 v) internal pure returns (PackedShard) {
        return _set(w, WINDOW_SHIFT, type(uint24).max, v);
    }

    function setOpenDisputes(PackedShard w, uint8 v) internal pure returns (PackedShard) {
        return _set(w, DISPUTES_SHIFT, type(uint8).max, v);
    }

    function setEpoch(PackedShard w, uint16 v) internal pure returns (PackedShard) {
        return _set(w, EPOCH_SHIFT, type(uint16).max, v);
    }

    function setChallengeCommitted(PackedShard w, bool v) internal pure returns (PackedShard) {
        return _set(w, COMMITTED_SHIFT, 1, v ? 1 : 0);
    }

    /// @dev `v` must be a PriceCodec encoding (38 bits); higher bits are dropped.
    function setPriceCode(PackedShard w, uint40 v) internal pure returns (PackedShard) {
        return _set(w, PRICE_SHIFT, PRICE_MASK, v & PRICE_MASK);
    }

    function _set(PackedShard w, uint256 shift, uint256 mask, uint256 v) private pure returns (PackedShard) {
        return PackedShard.wrap((PackedShard.unwrap(w) & ~(mask << shift)) | (v << shift));
    }
}
