// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test, Vm} from "forge-std/Test.sol";

import {DisputeManager} from "../../src/DisputeManager.sol";
import {IDisputeManager} from "../../src/interfaces/IDisputeManager.sol";
import {NeuralToken} from "../../src/NeuralToken.sol";
import {NodeRegistry} from "../../src/NodeRegistry.sol";
import {TaskManager} from "../../src/TaskManager.sol";
import {
    Assignment,
    ChallengeParams,
    DisputeOutcome,
    DisputeStatus,
    DisputeView,
    TaskView,
    Tier,
    Vote
} from "../../src/types/Types.sol";
import {CheckpointTree} from "../utils/CheckpointTree.sol";
import {DisputeFixture} from "../utils/DisputeFixture.sol";

/// @notice Drives disputes through random challenges, commits, reveals, time jumps, resolutions and unjails.
contract DisputeHandler is Test {
    using CheckpointTree for CheckpointTree.Tree;

    uint32 internal constant CKPTS = 5;

    DisputeManager internal dm;
    NodeRegistry internal registry;
    TaskManager internal taskManager;
    NeuralToken internal token;
    address internal governor;
    address internal keeper;
    address internal challenger;
    uint256 internal taskId;
    uint32 internal nextShard;
    uint256 internal nodeCount;
    mapping(uint256 => address) internal workers;

    uint256[] internal openIds;
    mapping(uint256 id => mapping(uint256 round => mapping(uint256 nodeId => Vote))) internal intended;

    // Ghost accounting.
    uint256 public ghost_bondsIn; // bonds pulled by challenges
    uint256 public ghost_bondsSettled; // bonds of resolved disputes
    uint256 public ghost_slashedIn; // slashes paid to the DisputeManager
    uint256 public ghost_paidOut; // Σ DisputePayout
    uint256 public ghost_openBonds; // Σ bonds of open disputes
    uint256 public ghost_resolved;
    uint256 public ghost_submitterWrong;
    uint256 public ghost_redraws;
    uint256 public ghost_mismatchedDisputes; // resolved disputes whose payouts != slashed + bond
    uint256 public ghost_unexpectedReverts; // protocol calls that should have succeeded but reverted

    constructor(
        DisputeManager dm_,
        NodeRegistry registry_,
        TaskManager taskManager_,
        NeuralToken token_,
        address governor_,
        address keeper_,
        address challenger_,
        uint256 taskId_,
        uint32 firstShard,
        address[] memory workers_
    ) {
        dm = dm_;
        registry = registry_;
        taskManager = taskManager_;
        token = token_;
        governor = governor_;
        keeper = keeper_;
        challenger = challenger_;
        taskId = taskId_;
        nextShard = firstShard;
        nodeCount = workers_.length;
        for (uint256 i; i < workers_.length; ++i) {
            workers[i + 1] = workers_[i];
        }
    }

    function openCount() external view returns (uint256) {
        return openIds.length;
    }

    function openIdAt(uint256 i) external view returns (uint256) {
        return openIds[i];
    }

    // ----------------------------------------------------------------------------------------------
    // Actions
    // ----------------------------------------------------------------------------------------------

    function challenge(uint256 nodeSeed, uint256 dSeed, uint256 bondSeed, uint256 slashBpsSeed) external {
        TaskView memory t = taskManager.getTask(taskId);
        if (nextShard >= t.shardCount) return;
        uint256 submitter;
        for (uint256 k; k < nodeCount; ++k) {
            uint256 id = 1 + (nodeSeed % nodeCount + k) % nodeCount;
            if (registry.isEligible(id, Tier.Bronze, t.resources, t.rewardPerShard, t.collateralPerShard)) {
                submitter = id;
                break;
            }
        }
        if (submitter == 0) return;

        vm.startPrank(governor);
        dm.setParameter("challengeBond", bound(bondSeed, 0, 200e18));
        dm.setParameter("disputeSlashBps", bound(slashBpsSeed, 0, 10_000));
        vm.stopPrank();

        uint32 shard = nextShard++;
        Assignment[] memory a = new Assignment[](1);
        a[0] = Assignment({taskId: uint64(taskId), shardIndex: shard, nodeId: uint64(submitter)});
        vm.prank(keeper);
        taskManager.assignShards(a);
        CheckpointTree.Tree memory tree = CheckpointTree.standard(CKPTS);
        vm.prank(workers[submitter]);
        taskManager.submitResult(taskId, shard, keccak256("manifest"), tree.root(), CKPTS);

        uint32 d = uint32(bound(dSeed, 0, CKPTS - 1));
        ChallengeParams memory p = ChallengeParams({
            taskId: uint64(taskId),
            shardIndex: shard,
            checkpointIndex: d,
            step: uint64(CheckpointTree.step(d)),
            leafHash: CheckpointTree.ckptHash(d),
            challengerHash: bytes32(0),
            proof: tree.proofOf(d)
        });
        uint256 bond = dm.getParameter("challengeBond");
        vm.prank(challenger);
        try dm.challenge(p) returns (uint256 id) {
            openIds.push(id);
            ghost_bondsIn += bond;
            ghost_openBonds += bond;
        } catch (bytes memory err) {
            // Only a committee that cannot be filled (too many members jailed) is expected.
            if (bytes4(err) != IDisputeManager.CommitteeUnavailable.selector) ++ghost_unexpectedReverts;
        }
    }

    function commit(uint256 idSeed, uint256 seatSeed, uint256 voteSeed) external {
        if (openIds.length == 0) return;
        uint256 id = openIds[idSeed % openIds.length];
        DisputeView memory v = dm.getDispute(id);
        if (block.timestamp > v.commitDeadline) return;
        uint256 nodeId = v.committee[seatSeed % v.committee.length];
        (bytes32 c,) = dm.voteOf(id, nodeId);
        if (c != bytes32(0)) return;
        Vote vote = Vote(1 + voteSeed % 3);
        intended[id][v.round][nodeId] = vote;
        bytes32 commitment = dm.voteCommitment(id, nodeId, vote, _salt(id, v.round, nodeId));
        vm.prank(workers[nodeId]);
        try dm.commitVote(id, nodeId, commitment) {}
        catch {
            ++ghost_unexpectedReverts;
        }
    }

    function reveal(uint256 idSeed, uint256 seatSeed) external {
        if (openIds.length == 0) return;
        uint256 id = openIds[idSeed % openIds.length];
        DisputeView memory v = dm.getDispute(id);
        if (block.timestamp <= v.commitDeadline || block.timestamp > v.revealDeadline) return;
        uint256 nodeId = v.committee[seatSeed % v.committee.length];
        (bytes32 c, Vote revealed) = dm.voteOf(id, nodeId);
        if (c == bytes32(0) || revealed != Vote.None) return;
        Vote vote = intended[id][v.round][nodeId];
        vm.prank(workers[nodeId]);
        try dm.revealVote(id, nodeId, vote, _salt(id, v.round, nodeId)) {}
        catch {
            ++ghost_unexpectedReverts;
        }
    }

    /// @dev A whole committee round at once. Per member a 4-bit nibble of `pattern`: 0 silent, 1 commits only,
    ///      otherwise commits and reveals, bits 2-3 picking the vote. Mostly a working committee, so
    ///      resolutions with quorum (and lost disputes) are frequent.
    function voteRound(uint256 idSeed, uint256 pattern) external {
        // The first open dispute (from a random start) still in its commit phase.
        uint256 id;
        DisputeView memory v;
        for (uint256 k; k < openIds.length; ++k) {
            uint256 candidate = openIds[(idSeed % openIds.length + k) % openIds.length];
            v = dm.getDispute(candidate);
            if (block.timestamp <= v.commitDeadline) {
                id = candidate;
                break;
            }
        }
        if (id == 0) return;
        uint256 n = v.committee.length;
        for (uint256 i; i < n; ++i) {
            uint256 bits = (pattern >> (i * 4)) & 0xF;
            if (bits == 0) continue; // this member stays silent
            uint256 nodeId = v.committee[i];
            (bytes32 c,) = dm.voteOf(id, nodeId);
            if (c != bytes32(0)) continue;
            Vote vote = Vote(1 + (bits >> 2) % 3);
            intended[id][v.round][nodeId] = vote;
            bytes32 commitment = dm.voteCommitment(id, nodeId, vote, _salt(id, v.round, nodeId));
            vm.prank(workers[nodeId]);
            try dm.commitVote(id, nodeId, commitment) {}
            catch {
                ++ghost_unexpectedReverts;
            }
        }
        vm.warp(uint256(v.commitDeadline) + 1);
        for (uint256 i; i < n; ++i) {
            uint256 bits = (pattern >> (i * 4)) & 0xF;
            if (bits == 0 || bits == 1) continue; // silent, or committed and never revealed
            uint256 nodeId = v.committee[i];
            (bytes32 c, Vote revealed) = dm.voteOf(id, nodeId);
            if (c == bytes32(0) || revealed != Vote.None) continue;
            vm.prank(workers[nodeId]);
            try dm.revealVote(id, nodeId, intended[id][v.round][nodeId], _salt(id, v.round, nodeId)) {}
            catch {
                ++ghost_unexpectedReverts;
            }
        }
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 3 hours));
    }

    function resolve(uint256 idSeed) external {
        // The first open dispute (from a random start) that can be resolved now.
        uint256 idx = type(uint256).max;
        uint256 id;
        DisputeView memory v;
        for (uint256 k; k < openIds.length; ++k) {
            uint256 i = (idSeed % openIds.length + k) % openIds.length;
            v = dm.getDispute(openIds[i]);
            if (block.timestamp > v.revealDeadline || v.reveals == v.committee.length) {
                (idx, id) = (i, openIds[i]);
                break;
            }
        }
        if (id == 0) return;

        vm.recordLogs();
        try dm.resolve(id) {}
        catch {
            ++ghost_unexpectedReverts;
            return;
        }
        Vm.Log[] memory logs = vm.getRecordedLogs();
        v = dm.getDispute(id);
        if (v.status != DisputeStatus.Resolved) {
            ++ghost_redraws;
            return;
        }
        (uint256 paid, uint256 slashed) = _sum(logs, id);
        ghost_paidOut += paid;
        ghost_slashedIn += slashed;
        ghost_bondsSettled += v.bond;
        ghost_openBonds -= v.bond;
        ++ghost_resolved;
        if (v.outcome == DisputeOutcome.SubmitterWrong) ++ghost_submitterWrong;
        if (paid != slashed + v.bond) ++ghost_mismatchedDisputes;
        openIds[idx] = openIds[openIds.length - 1];
        openIds.pop();
    }

    function unjail(uint256 nodeSeed) external {
        uint256 id = 1 + nodeSeed % nodeCount;
        if (registry.isActive(id)) return;
        uint64 until = registry.getNode(id).jailedUntil;
        if (until == 0) return;
        if (block.timestamp <= until) vm.warp(uint256(until) + 1);
        vm.prank(workers[id]);
        try registry.unjail(id) {} catch {}
    }

    // ----------------------------------------------------------------------------------------------
    // Helpers
    // ----------------------------------------------------------------------------------------------

    function _salt(uint256 id, uint256 round, uint256 nodeId) internal pure returns (bytes32) {
        return keccak256(abi.encode(id, round, nodeId));
    }

    function _sum(Vm.Log[] memory logs, uint256 id) internal view returns (uint256 paid, uint256 slashed) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(dm) || logs[i].topics.length < 2) continue;
            if (uint256(logs[i].topics[1]) != id) continue;
            if (logs[i].topics[0] == IDisputeManager.DisputePayout.selector) {
                (, uint256 amount) = abi.decode(logs[i].data, (uint8, uint256));
                paid += amount;
            } else if (logs[i].topics[0] == IDisputeManager.DisputeResolved.selector) {
                (,,, slashed) = abi.decode(logs[i].data, (uint8, uint8, uint8, uint256));
            }
        }
    }
}

contract DisputeManagerInvariantTest is DisputeFixture {
    DisputeHandler internal handler;

    function setUp() public override {
        super.setUp();
        _fund(challenger, 1_000_000 * NRL);
        uint256 task = _postTask(200);
        address[] memory w = new address[](NODE_COUNT);
        for (uint256 i; i < NODE_COUNT; ++i) {
            w[i] = workers[i + 1];
        }
        handler =
            new DisputeHandler(dm, registry, taskManager, token, governor, keeper, challenger, task, 0, w);
        targetContract(address(handler));
    }

    /// @dev The DisputeManager always holds at least the bonds of its unresolved disputes (here exactly: every
    ///      token it receives is paid out when its dispute resolves).
    function invariant_balanceCoversBonds() public view {
        assertGe(token.balanceOf(address(dm)), dm.totalBonded());
        assertEq(token.balanceOf(address(dm)), dm.totalBonded());
    }

    /// @dev totalBonded is the sum of the bonds of open disputes.
    function invariant_totalBondedIsOpenBonds() public view {
        assertEq(dm.totalBonded(), handler.ghost_openBonds());
        assertEq(handler.ghost_bondsIn(), handler.ghost_bondsSettled() + dm.totalBonded());
        uint256 sum;
        for (uint256 i; i < handler.openCount(); ++i) {
            sum += dm.getDispute(handler.openIdAt(i)).bond;
        }
        assertEq(sum, dm.totalBonded());
    }

    /// @dev Every resolved dispute paid out exactly what came in (its slash plus its bond).
    function invariant_payoutsEqualInflows() public view {
        assertEq(handler.ghost_mismatchedDisputes(), 0);
        assertEq(handler.ghost_paidOut(), handler.ghost_slashedIn() + handler.ghost_bondsSettled());
    }

    /// @dev Coverage of the run (visible with -vv): disputes opened, redrawn, resolved, lost by the submitter.
    function afterInvariant() external {
        emit log_named_uint("bonds in", handler.ghost_bondsIn());
        emit log_named_uint("redraws", handler.ghost_redraws());
        emit log_named_uint("resolved", handler.ghost_resolved());
        emit log_named_uint("submitter wrong", handler.ghost_submitterWrong());
        emit log_named_uint("slashed in", handler.ghost_slashedIn());
    }

    /// @dev Well-formed commits, reveals, resolutions and challenges (other than CommitteeUnavailable) succeed.
    function invariant_noUnexpectedReverts() public view {
        assertEq(handler.ghost_unexpectedReverts(), 0);
    }
}
