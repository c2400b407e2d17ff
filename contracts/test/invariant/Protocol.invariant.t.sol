// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {
    AuditStatus,
    ChallengeCommitStatus,
    DisputeStatus,
    DisputeView,
    ModelVersionView,
    NodeStatus,
    NodeView,
    ShardStatus,
    ShardView,
    TaskStatus,
    TaskView
} from "../../src/types/Types.sol";
import {NeuralTest} from "../utils/NeuralTest.sol";
import {ProtocolHandler} from "./ProtocolHandler.sol";

/// @notice System invariants of the whole deployed protocol under random actions of every actor, honest and
///         adversarial (ProtocolHandler: a cartel operator with several nodes, wrong checkpoints, decoy
///         self-challenges, false challenges, late commits, reveals at random blocks, lying votes, key rotations).
///         After every call: escrow solvency of each contract, stake accounting, no shard paid twice, conservation
///         of NRL, tier = computeTier, dispute payouts = slash + bond, verified provenance binds the final weights,
///         and the economic properties: a wrong result is never paid while the honest watcher and an honest
///         committee majority exist, no verdict goes against an honest majority, nobody profits from challenging
///         itself. After every run (`afterInvariant`): every task and dispute is driven to its end and nothing is
///         left in escrow, bonded, locked or staked.
contract ProtocolInvariantTest is NeuralTest {
    ProtocolHandler internal handler;

    /// @dev Per node id: collateral of its live assignments, and of those assigned after its last slash.
    struct Collateral {
        uint256[] live;
        uint256[] sinceSlash;
    }

    function setUp() public override {
        super.setUp();
        handler = new ProtocolHandler(
            token,
            registry,
            taskManager,
            sortition,
            disputeManager,
            models,
            deployer,
            governor,
            keeper,
            treasury
        );
        for (uint256 i; i < 8; ++i) {
            handler.registerNode(uint256(keccak256(abi.encode("stake", i))));
        }
        // Two cartel nodes from the start (amount % 5 == 0 registers for the cartel's operator).
        handler.registerNode(5 * 1000);
        handler.registerNode(5 * 2000);
        _ageNodes();
        bytes4[] memory selectors = new bytes4[](21);
        selectors[0] = handler.postTask.selector;
        selectors[1] = handler.postTaskAgain.selector;
        selectors[2] = handler.assignShards.selector;
        selectors[3] = handler.assignShardsAgain.selector;
        selectors[4] = handler.submit.selector;
        selectors[5] = handler.submitAgain.selector;
        selectors[6] = handler.audit.selector;
        selectors[7] = handler.release.selector;
        selectors[8] = handler.timeout.selector;
        selectors[9] = handler.finalize.selector;
        selectors[10] = handler.finalizeAgain.selector;
        selectors[11] = handler.cancelTask.selector;
        selectors[12] = handler.challenge.selector;
        selectors[13] = handler.challengeAgain.selector;
        selectors[14] = handler.vote.selector;
        selectors[15] = handler.voteAgain.selector;
        selectors[16] = handler.resolve.selector;
        selectors[17] = handler.publishModel.selector;
        selectors[18] = handler.nodeAction.selector;
        selectors[19] = handler.housekeeping.selector;
        selectors[20] = handler.liveness.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    // ----------------------------------------------------------------------------------------------
    // After every call
    // ----------------------------------------------------------------------------------------------

    /// @notice All system properties after every call, in one campaign (each invariant function would run a
    ///         campaign of its own; one keeps the suite fast). Each check names the property it asserts; see
    ///         contracts/PROPERTIES.md.
    function invariant_protocol() public view {
        Collateral memory c = _checkTasks();
        _checkNodes(c);
        _checkRegistryBalance();
        _checkBonds();
        _checkConservation();
        _checkDisputes();
        _checkProvenance();
        _checkEconomics();
        assertEq(handler.ghost_unexpectedReverts(), 0, string(handler.ghost_lastRevert()));
    }

    /// @dev The economic properties of contracts/PROPERTIES.md (E1-E3).
    function _checkEconomics() internal view {
        assertEq(handler.ghost_wrongPaid(), 0, "E1: a result with a wrong checkpoint was paid");
        assertEq(
            handler.ghost_verdictAgainstHonestMajority(), 0, "E2: a verdict went against an honest majority"
        );
        assertEq(handler.ghost_selfChallengeProfit(), 0, "E3: a self-challenge paid off");
    }

    /// @notice No funds stuck: every task and dispute can be driven to its end, after which nothing is owed
    ///         but fees, no bond is held and no collateral locked; every node can then leave with its stake.
    function afterInvariant() public {
        handler.drain();
        Collateral memory c = _checkTasks();
        _checkNodes(c);
        _checkBonds();
        _checkDisputes();
        _checkEconomics();
        uint256 tasks = taskManager.taskCount();
        for (uint256 id = 1; id <= tasks; ++id) {
            TaskView memory t = taskManager.getTask(id);
            assertEq(
                uint256(t.finalizedShards) + t.failedShards + t.cancelledShards, t.shardCount, "task ended"
            );
            assertTrue(t.status >= TaskStatus.Completed, "task closed");
            assertEq(
                handler.ghost_escrowIn(id), handler.ghost_escrowOut(id), "escrow fully paid out or refunded"
            );
        }
        _assertDrained();
        assertEq(handler.ghost_unexpectedReverts(), 0, string(handler.ghost_lastRevert()));

        handler.exitAll();
        assertEq(registry.totalStaked(), 0, "no stake left");
        assertEq(token.balanceOf(address(registry)), 0, "registry empty");
        assertEq(token.balanceOf(address(taskManager)), 0, "taskManager empty");
        _checkNodes(c);
        _checkRegistryBalance();
        _checkConservation();
    }

    // ----------------------------------------------------------------------------------------------
    // Checks
    // ----------------------------------------------------------------------------------------------

    /// @dev Escrow solvency (TaskManager) and no shard paid twice, in one pass over every shard; returns the
    ///      collateral of each node's live assignments for the stake checks.
    function _checkTasks() internal view returns (Collateral memory c) {
        c.live = new uint256[](registry.nodeCount() + 1);
        c.sinceSlash = new uint256[](registry.nodeCount() + 1);
        uint256 escrows;
        uint256 finalized;
        uint256 tasks = taskManager.taskCount();
        for (uint256 id = 1; id <= tasks; ++id) {
            (uint256 escrow, uint256 fin) = _checkTask(id, c);
            escrows += escrow;
            finalized += fin;
        }
        assertEq(taskManager.totalOwed(), escrows + taskManager.accruedFees(), "totalOwed == escrows + fees");
        assertGe(
            token.balanceOf(address(taskManager)), taskManager.totalOwed(), "taskManager balance >= totalOwed"
        );
        assertEq(handler.ghost_paidTwice(), 0, "a shard was finalized twice");
        assertEq(
            handler.ghost_payoutNotPrice(), 0, "payout + fee != locked price (node ask, at least the minimum)"
        );
        assertEq(finalized, handler.ghost_finalizedTotal(), "ShardFinalized events == finalized shards");
    }

    /// @dev One task: escrow == its ghost inflow - outflows; escrow covers every reward and audit fee that can
    ///      still be paid; a closed task holds nothing; a shard is paid (one ShardFinalized) iff Finalized.
    function _checkTask(uint256 id, Collateral memory c)
        internal
        view
        returns (uint256 escrow, uint256 finalized)
    {
        TaskView memory t = taskManager.getTask(id);
        escrow = t.escrowRemaining;
        assertEq(escrow, handler.ghost_escrowIn(id) - handler.ghost_escrowOut(id), "task escrow flows");
        uint256 owed;
        uint256 active;
        for (uint256 i; i < t.shardCount; ++i) {
            ShardView memory s = taskManager.getShard(id, i);
            bool live = s.status == ShardStatus.Assigned || s.status == ShardStatus.Submitted
                || s.status == ShardStatus.Challenged;
            if (live) {
                ++active;
                // M1: a shard in flight pays its locked price, at most the task's max.
                assertLe(s.price, t.maxPricePerShard, "locked price within the max");
                c.live[s.nodeId] += t.collateralPerShard;
                if (handler.ghost_assignSeq(id, i) > handler.ghost_slashSeq(s.nodeId)) {
                    c.sinceSlash[s.nodeId] += t.collateralPerShard;
                }
            }
            if (live || s.status == ShardStatus.Pending) owed += t.maxPricePerShard + t.datasetFeePerShard;
            if (live && s.auditStatus == AuditStatus.Assigned) owed += t.auditFeePerShard;
            bool isFinal = s.status == ShardStatus.Finalized;
            if (isFinal) ++finalized;
            assertEq(handler.ghost_finalizedEvents(id, i), isFinal ? 1 : 0, "paid once iff Finalized");
        }
        assertEq(finalized, t.finalizedShards, "finalizedShards counter");
        // D1: a dataset's usage fee is paid exactly once per finalized shard, to the dataset's owner, and never
        // for a failed, cancelled or pending one.
        assertEq(
            handler.ghost_usageShards(id), t.datasetId == 0 ? 0 : finalized, "usage paid per finalized shard"
        );
        assertEq(
            handler.ghost_usagePaid(id), finalized * t.datasetFeePerShard, "usage fee == finalized x fee"
        );
        assertEq(handler.ghost_usageMisdirected(), 0, "usage fee paid to someone but the dataset owner");
        // M5: cancelTask counts the Pending shards from this counter instead of visiting them.
        assertEq(active, t.activeShards, "activeShards counts the shards in flight");
        assertGe(escrow, owed, "escrow covers what can still be paid");
        if (t.status == TaskStatus.Completed || t.status == TaskStatus.Failed) {
            assertEq(escrow, 0, "closed task holds nothing");
        }
        assertLe(t.auditsUsed, t.auditBudget, "audits within budget");
    }

    /// @dev Stake accounting per node: stake + unbonding + withdrawn + slashed == deposited; slashes within
    ///      what was staked; locked ≤ stake and ≤ live collateral (== when never slashed); tier == computeTier;
    ///      active-set membership follows status, jail and stake.
    function _checkNodes(Collateral memory c) internal view {
        uint256 minStake = registry.getParameter("minStake");
        uint256 nodes = handler.nodeCount();
        for (uint256 k; k < nodes; ++k) {
            uint256 id = handler.nodeIds(k);
            NodeView memory n = registry.getNode(id);
            uint256 deposited = handler.ghost_deposited(id);
            uint256 slashed = handler.ghost_slashed(id);
            assertLe(slashed, deposited, "slashes within what was staked");
            assertEq(
                uint256(n.stake) + n.unbonding + handler.ghost_withdrawn(id) + slashed,
                deposited,
                "stake + unbonding + withdrawn + slashed == deposited"
            );
            assertLe(n.locked, n.stake, "locked <= stake");
            assertLe(n.locked, c.live[id], "locked <= collateral of live assignments");
            if (n.slashCount == 0) assertEq(n.locked, c.live[id], "unslashed: locked == live collateral");
            // A slash may cut into the collateral of the assignments it found; every later one stays backed.
            assertGe(n.locked, c.sinceSlash[id], "collateral of assignments since the last slash is locked");
            assertEq(
                uint8(n.tier), uint8(registry.computeTier(n.stake, n.completed, n.failed, n.feesPaid)), "tier"
            );
            bool shouldBeActive = n.status == NodeStatus.Active && n.jailedUntil == 0 && n.stake >= minStake;
            assertEq(n.active, shouldBeActive, "active set membership");
        }
    }

    /// @dev Registry solvency: balance == totalStaked == Σ (stake + unbonding).
    function _checkRegistryBalance() internal view {
        uint256 staked;
        uint256 nodes = registry.nodeCount();
        for (uint256 id = 1; id <= nodes; ++id) {
            NodeView memory n = registry.getNode(id);
            staked += uint256(n.stake) + n.unbonding;
        }
        assertEq(registry.totalStaked(), staked, "totalStaked == sum(stake + unbonding)");
        assertEq(token.balanceOf(address(registry)), staked, "registry balance == totalStaked");
    }

    /// @dev DisputeManager solvency: balance ≥ totalBonded == Σ bonds of open disputes and open commitments.
    function _checkBonds() internal view {
        uint256 bonded;
        uint256 disputes = disputeManager.disputeCount();
        for (uint256 id = 1; id <= disputes; ++id) {
            DisputeView memory d = disputeManager.getDispute(id);
            if (d.status == DisputeStatus.Voting || d.status == DisputeStatus.Drawing) bonded += d.bond;
        }
        uint256 commits = disputeManager.challengeCommitCount();
        for (uint256 id = 1; id <= commits; ++id) {
            if (disputeManager.getChallengeCommit(id).status == ChallengeCommitStatus.Committed) {
                bonded += disputeManager.getChallengeCommit(id).bond;
            }
        }
        assertEq(disputeManager.totalBonded(), bonded, "totalBonded == open bonds");
        assertGe(token.balanceOf(address(disputeManager)), bonded, "disputes balance >= bonded");
    }

    function _checkConservation() internal view {
        uint256 sum = token.balanceOf(deployer) + token.balanceOf(treasury)
            + token.balanceOf(address(taskManager)) + token.balanceOf(address(disputeManager))
            + token.balanceOf(address(registry)) + token.balanceOf(address(models))
            + token.balanceOf(address(handler)) + token.balanceOf(handler.anyone()) + token.balanceOf(client)
            + token.balanceOf(challenger) + token.balanceOf(address(this))
            + token.balanceOf(handler.curator());
        for (uint256 i; i < handler.clientCount(); ++i) {
            sum += token.balanceOf(handler.clients(i));
        }
        for (uint256 i; i < handler.challengerCount(); ++i) {
            sum += token.balanceOf(handler.challengers(i));
        }
        for (uint256 k; k < handler.nodeCount(); ++k) {
            uint256 id = handler.nodeIds(k);
            // The cartel's operator runs several nodes: count it once, below.
            if (!handler.isCartel(id)) sum += token.balanceOf(handler.operatorOf(id));
            sum += token.balanceOf(handler.workerOf(id));
        }
        for (uint256 i; i < handler.holderCount(); ++i) {
            sum += token.balanceOf(handler.holders(i));
        }
        sum += token.balanceOf(handler.cartelOp()) + token.balanceOf(handler.decoy())
        + token.balanceOf(handler.watcher());
        assertEq(sum, token.totalSupply(), "supply == sum of balances");
    }

    function _checkDisputes() internal view {
        assertEq(handler.ghost_disputePayoutMismatch(), 0, "dispute payouts != slash + bond");
        uint256 disputes = disputeManager.disputeCount();
        for (uint256 id = 1; id <= disputes; ++id) {
            DisputeView memory d = disputeManager.getDispute(id);
            if (d.status != DisputeStatus.Voting && d.status != DisputeStatus.Drawing) continue;
            ShardView memory s = taskManager.getShard(d.taskId, d.shardIndex);
            // Every open dispute of a shard (any epoch) is counted by it, so the shard cannot be paid.
            uint256 open;
            for (uint256 j = 1; j <= disputes; ++j) {
                DisputeView memory o = disputeManager.getDispute(j);
                if (o.taskId != d.taskId || o.shardIndex != d.shardIndex) continue;
                if (o.status == DisputeStatus.Voting || o.status == DisputeStatus.Drawing) ++open;
            }
            assertEq(s.openDisputes, open, "shard counts its open disputes");
            assertTrue(
                s.status != ShardStatus.Submitted && s.status != ShardStatus.Finalized, "open dispute: unpaid"
            );
        }
    }

    function _checkProvenance() internal view {
        uint256 count = handler.verifiedModelCount();
        for (uint256 i; i < count; ++i) {
            ModelVersionView memory v = models.getVersion(handler.verifiedModels(i), 1);
            assertTrue(v.verified);
            ShardView memory s = taskManager.getShard(v.sourceTaskId, v.sourceShard);
            assertEq(uint8(s.status), uint8(ShardStatus.Finalized), "verified model from a finalized shard");
            assertEq(s.manifestCid, v.manifestCid, "verified model carries the shard's manifest");
            assertEq(
                v.weightsHash, handler.lastHash(v.sourceTaskId, v.sourceShard), "weights are the final leaf"
            );
        }
    }

    /// @notice The handler's paths are reachable: a scripted run through every action.
    function test_handlerReachesEveryPath() public {
        handler.postTask(1, 4, 50 * 1e18, 10_000, 1 hours);
        handler.postTask(0, 3, 80 * 1e18, 5000, 2 hours); // permit
        handler.assignShards(0, 0, 3);
        handler.assignShards(1, 1, 3);
        handler.assignShards(0, 2, 3);
        handler.submit(0, 0, 4);
        handler.submit(0, 1, 4);
        handler.submit(1, 0, 3);
        handler.submit(1, 1, 3);
        handler.audit(0, 0, 5);
        handler.audit(0, 0, 5);
        handler.challenge(0, 1, 0, 2);
        handler.vote(0, 2, type(uint256).max);
        handler.resolve(0);
        handler.challenge(1, 0, 1, 1);
        handler.vote(0, 1, type(uint256).max);
        handler.resolve(0);
        handler.release(0, 2, 3);
        handler.timeout(0, 0);
        handler.finalize(0, 0);
        handler.publishModel(0, 0);
        handler.sweepFees();
        handler.cancelTask(0);
        handler.requestUnstake(3, 10e18);
        handler.warp(8 days);
        handler.withdraw(3);
        handler.unjail(0);
        handler.stake(2, 1e18);
        handler.pauseOrResume(4);
        handler.pauseOrResume(4);
        handler.govern(4, 1);
        handler.setWorker(5);
        handler.updateNode(6, 2e18);
        invariant_protocol();
        assertGt(handler.done("assignShards"), 0, "assign");
        assertGt(handler.done("submit"), 0, "submit");
        assertGt(handler.done("commitChallenge"), 0, "challenge committed");
        assertGt(handler.done("revealChallenge"), 0, "challenge revealed");
        assertGt(handler.done("resolve"), 0, "resolve");
        assertGt(handler.done("finalize"), 0, "finalize");
        afterInvariant();
    }

    /// @notice The liveness paths are reachable: a keeper pings, the node answers and keeps its shard; a later ping
    ///         goes unanswered and anyone releases the shard, which is re-queued and reassigned.
    function test_handlerLivenessPath() public {
        handler.postTask(1, 2, 50 * 1e18, 0, 2 hours);
        handler.assignShards(0, 0, 2);
        handler.liveness(0, 0, 0); // ping
        handler.liveness(0, 0, 1); // answer
        handler.liveness(0, 1, 0); // ping the other shard
        handler.liveness(0, 1, 2); // unanswered: released
        handler.assignShards(0, 1, 2);
        invariant_protocol();
        assertGt(handler.done("pingShard"), 1, "pinged");
        assertGt(handler.done("answerPing"), 0, "answered");
        assertGt(handler.done("releaseUnresponsive"), 0, "released");
        afterInvariant();
    }

    /// @notice The adversarial paths are reachable: cartel nodes (ids 9 and 10) take every shard of several
    ///         tasks, submit wrong checkpoints and shield them with decoy self-challenges; the watcher challenges,
    ///         the honest committees decide, and no wrong result is paid.
    function test_handlerCartelPath() public {
        for (uint256 k; k < 4; ++k) {
            handler.postTask(1 + k, 3, 60 * 1e18, 0, 2 hours);
            // The cartel's two nodes are registered last (ids 9, 10): nodeSeed 8 and 9 pick them.
            handler.assignShards(k, 8 + (k % 2), 3);
            // One call submits the task's three shards; the seeds vary where the cartel starts lying and whether
            // its decoy challenges.
            handler.submit(k, 0, k);
        }
        handler.vote(0, 0xffff, 0);
        handler.warp(2 days);
        handler.finalize(0, 0);
        handler.warp(2 days);
        handler.finalize(1, 0);
        invariant_protocol();
        assertGt(handler.ghost_wrongResults(), 0, "wrong results submitted");
        assertGt(handler.ghost_decoys(), 0, "decoy self-challenges");
        assertGt(handler.done("revealChallenge"), 0, "watcher revealed");
        afterInvariant();
    }
}
