// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ChallengeParams, DisputeOutcome, Vote} from "../../src/types/Types.sol";
import {DisputeFixture} from "../utils/DisputeFixture.sol";

/// @notice Gas of a full dispute with k = 3: commitChallenge + revealChallenge (which draws the stake-weighted
///         committee: its seed block is mined) + 3 vote commits + 3 vote reveals + resolve, against the real token,
///         registry, task manager, sortition and block-hash randomness (the TaskManager hooks, the registry's
///         stake-tree draws and slash, and every token transfer are included).
/// @dev Numbers are execution gas of each call (gasleft difference around it); they exclude the 21000 intrinsic
///      gas and the calldata of each transaction, and EIP-3529 refunds are not subtracted. Two measurements:
///      - in one transaction (forge's usual way, the brief's 600k target): the nine calls run inside one test
///        transaction, so a slot or contract touched by an earlier step is warm for the later ones;
///      - cold: before each call every protocol contract and its storage is cooled with `vm.cool`, as if each
///        call were its own transaction (what a deployment pays, plus 2600 per call for the DisputeManager
///        account, which a real transaction's `to` gets warm).
///      The first dispute ever is the expensive case: the dispute counter, the treasury's balance and this
///      contract's balance go from zero to non-zero. "steadyState" measures a second dispute after one resolved.
///      The bounds below are regression guards, about 5% above the measurements of the issue-8 contracts
///      (execution gas, k = 3, 8 nodes):
///                               commit  reveal+draw  3 commits  3 reveals  resolve   total
///        right, one tx          154k    360k         86k        26k        93k       720k
///        wrong, one tx          154k    360k         86k        26k        264k      892k
///        right, cold            156k    382k         119k       65k        140k      862k
///        wrong, cold            156k    382k         119k       65k        334k      1,056k
///        right, steady, cold    132k    361k         119k       65k        123k      799k
///        wrong, steady, cold    132k    361k         119k       65k        312k      988k
///      The 600k target of the first design (one `challenge` call, uniform draw) is no longer met: the
///      commit-reveal challenge adds a transaction and a stored commitment, and the stake-weighted draw with
///      per-seat rules reads the registry's stake tree and seat info per candidate (logged as "vs the 600k
///      target").
contract DisputeManagerGasTest is DisputeFixture {
    uint256 internal constant TARGET = 600_000;
    uint256 internal constant BOUND_RIGHT_ONE_TX = 760_000;
    uint256 internal constant BOUND_WRONG_ONE_TX = 940_000; // + slash, payouts and the re-queue
    uint256 internal constant BOUND_RIGHT_COLD = 905_000;
    uint256 internal constant BOUND_WRONG_COLD = 1_110_000;
    uint256 internal constant BOUND_RIGHT_STEADY_COLD = 840_000;
    uint256 internal constant BOUND_WRONG_STEADY_COLD = 1_040_000;
    uint256 internal constant CALLS = 9;

    bool internal cold;

    function _cool() internal {
        if (!cold) return;
        vm.cool(address(dm));
        vm.cool(address(registry));
        vm.cool(address(taskManager));
        vm.cool(address(token));
        vm.cool(address(sortition));
        vm.cool(address(blockRandomness));
    }

    function _call(address from, bytes memory data) internal returns (uint256 used) {
        _cool();
        vm.prank(from);
        uint256 g = gasleft();
        (bool ok, bytes memory ret) = address(dm).call(data);
        used = g - gasleft();
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
    }

    function _measureDispute(ChallengeParams memory p, Vote vote) internal returns (uint256 total) {
        uint256 id = dm.disputeCount() + 1;
        uint256 commitId = dm.challengeCommitCount() + 1;
        bytes32 salt = _challengeSalt(challenger, p);
        bytes32 commitment = dm.challengeCommitment(challenger, p, salt);
        uint256 g =
            _call(challenger, abi.encodeCall(dm.commitChallenge, (p.taskId, p.shardIndex, commitment)));
        emit log_named_uint("commitChallenge", g);
        total = g;
        vm.roll(block.number + 2); // the seed block (commit block + 1) is mined: the reveal draws the committee
        g = _call(challenger, abi.encodeCall(dm.revealChallenge, (commitId, p, salt)));
        emit log_named_uint("revealChallenge (+ committee draw)", g);
        total += g;
        assertEq(dm.getDispute(id).committee.length, 3, "drawn at the reveal");

        uint64[] memory c = _committee(id);
        for (uint256 i; i < c.length; ++i) {
            bytes32 voteCommitment = dm.voteCommitment(id, c[i], vote, _salt(id, c[i]));
            g = _call(workers[c[i]], abi.encodeCall(dm.commitVote, (id, c[i], voteCommitment)));
            emit log_named_uint("commitVote", g);
            total += g;
        }
        _toRevealPhase(id);
        for (uint256 i; i < c.length; ++i) {
            g = _call(workers[c[i]], abi.encodeCall(dm.revealVote, (id, c[i], vote, _salt(id, c[i]))));
            emit log_named_uint("revealVote", g);
            total += g;
        }
        g = _call(address(this), abi.encodeCall(dm.resolve, (id)));
        emit log_named_uint("resolve", g);
        total += g;
        emit log_named_uint("full dispute (execution gas)", total);
        emit log_named_uint("  + 9 x 21000 intrinsic", total + CALLS * 21_000);
        emit log_named_int("  vs the 600k target", int256(total) - int256(TARGET));
    }

    function _firstDispute(Vote vote) internal returns (uint256) {
        return _measureDispute(_challengeParams(0, 2), vote);
    }

    function _secondDispute(Vote vote) internal returns (uint256) {
        _firstDispute(Vote.SubmitterWrong);
        _submitShard(1, 2, CKPTS);
        cold = true;
        emit log("--- second dispute, cold ---");
        return _measureDispute(_challengeParams(1, 2), vote);
    }

    function test_gas_fullDispute_submitterWrong() public {
        uint256 total = _firstDispute(Vote.SubmitterWrong);
        assertEq(uint256(dm.getDispute(1).outcome), uint256(DisputeOutcome.SubmitterWrong));
        assertLe(total, BOUND_WRONG_ONE_TX);
    }

    function test_gas_fullDispute_submitterRight() public {
        uint256 total = _firstDispute(Vote.SubmitterRight);
        assertEq(uint256(dm.getDispute(1).outcome), uint256(DisputeOutcome.SubmitterRight));
        assertLe(total, BOUND_RIGHT_ONE_TX);
    }

    function test_gas_fullDispute_submitterWrong_cold() public {
        cold = true;
        uint256 total = _firstDispute(Vote.SubmitterWrong);
        assertEq(uint256(dm.getDispute(1).outcome), uint256(DisputeOutcome.SubmitterWrong));
        assertLe(total, BOUND_WRONG_COLD);
    }

    function test_gas_fullDispute_submitterRight_cold() public {
        cold = true;
        uint256 total = _firstDispute(Vote.SubmitterRight);
        assertEq(uint256(dm.getDispute(1).outcome), uint256(DisputeOutcome.SubmitterRight));
        assertLe(total, BOUND_RIGHT_COLD);
    }

    function test_gas_fullDispute_submitterWrong_steadyState_cold() public {
        uint256 total = _secondDispute(Vote.SubmitterWrong);
        assertEq(uint256(dm.getDispute(2).outcome), uint256(DisputeOutcome.SubmitterWrong));
        assertLe(total, BOUND_WRONG_STEADY_COLD);
    }

    function test_gas_fullDispute_submitterRight_steadyState_cold() public {
        uint256 total = _secondDispute(Vote.SubmitterRight);
        assertEq(uint256(dm.getDispute(2).outcome), uint256(DisputeOutcome.SubmitterRight));
        assertLe(total, BOUND_RIGHT_STEADY_COLD);
    }
}
