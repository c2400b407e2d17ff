// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test, Vm} from "forge-std/Test.sol";

import {Deploy} from "../../script/Deploy.s.sol";

import {DisputeManager} from "../../src/DisputeManager.sol";
import {IDisputeManager} from "../../src/interfaces/IDisputeManager.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {CheckpointMerkle} from "../../src/libraries/CheckpointMerkle.sol";
import {ModelRegistry} from "../../src/ModelRegistry.sol";
import {NeuralTimelock} from "../../src/governance/NeuralTimelock.sol";
import {NeuralToken} from "../../src/NeuralToken.sol";
import {NodeRegistry} from "../../src/NodeRegistry.sol";
import {BlockhashRandomness} from "../../src/randomness/BlockhashRandomness.sol";
import {Sortition} from "../../src/Sortition.sol";
import {TaskManager} from "../../src/TaskManager.sol";
import {
    Assignment,
    Capabilities,
    ChallengeParams,
    Checkpoint,
    NodeView,
    PostTaskParams,
    Resources,
    ShardRef,
    Tier,
    Vote
} from "../../src/types/Types.sol";
import {CheckpointTree} from "./CheckpointTree.sol";
import {WorkerConsent} from "./WorkerConsent.sol";

/// @notice The whole protocol as production deploys it: contracts/script/Deploy.s.sol creates NeuralToken,
///         NodeRegistry, TaskManager, BlockhashRandomness, DisputeManager and ModelRegistry, wires the roles
///         (registry PROTOCOL_ROLE -> TaskManager and DisputeManager, TaskManager DISPUTE_ROLE -> DisputeManager,
///         KEEPER_ROLE -> keeper), makes the NeuralTimelock (proposer `governor`, 2 days) the admin of every governed
///         contract and gives GOVERNOR_ROLE to `governor`; admin actions go through `_timelockExecute`. Helpers drive the actors
///         (client, node operators and workers, keeper, challenger, committee members) through the real
///         contracts; checkpoint trees come from CheckpointTree (OpenZeppelin StandardMerkleTree encoding).
abstract contract NeuralTest is Test {
    using CheckpointTree for CheckpointTree.Tree;

    uint256 internal constant NRL = 1e18;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant INITIAL_SUPPLY = 1_000_000_000 * NRL;

    // Defaults of docs/protocol.md, asserted against the deployment in Deployment.t.sol.
    uint256 internal constant MIN_STAKE = 100 * NRL;
    uint256 internal constant JAIL_PERIOD = 3 days;
    uint256 internal constant UNBONDING_PERIOD = 7 days;
    uint256 internal constant CHALLENGE_WINDOW = 1 days;
    uint256 internal constant MAX_ATTEMPTS = 3;
    uint256 internal constant COLLATERAL_RATIO_BPS = 5000;
    uint256 internal constant AUDIT_FEE_BPS = 10_000;
    uint256 internal constant TIMEOUT_SLASH_BPS = 1000;
    uint256 internal constant COMMITTEE_SIZE = 3;
    uint256 internal constant CHALLENGE_BOND = 50 * NRL;
    uint256 internal constant COMMIT_PERIOD = 1 hours;
    uint256 internal constant REVEAL_PERIOD = 1 hours;
    uint256 internal constant DISPUTE_SLASH_BPS = 1000;
    uint256 internal constant CHALLENGER_REWARD_BPS = 3000;
    uint256 internal constant VOTER_REWARD_BPS = 5000;
    uint256 internal constant SUBMITTER_BOND_SHARE_BPS = 5000;
    uint256 internal constant NON_REVEAL_SLASH = 5 * NRL;
    uint256 internal constant COMMITTEE_MIN_AGE = 1 days;
    uint256 internal constant CHALLENGE_REVEAL_PERIOD = 1 hours;
    uint16 internal constant FEE_NONE = 1000;
    uint16 internal constant FEE_BRONZE = 800;
    uint16 internal constant FEE_SILVER = 600;

    uint64 internal constant MAX_DURATION = 6 hours;
    /// @dev The askPrice `_registerNode` gives every node: the price a shard assigned to it pays (reverse auction,
    ///      at most the task's maxPricePerShard, at least minShardPrice).
    uint256 internal constant NODE_ASK = 10 * NRL;
    uint256 internal constant MIN_SHARD_PRICE = 1e15;

    NeuralToken internal token;
    NodeRegistry internal registry;
    TaskManager internal taskManager;
    BlockhashRandomness internal randomness;
    Sortition internal sortition;
    DisputeManager internal disputeManager;
    ModelRegistry internal models;
    NeuralTimelock internal timelock;

    address internal deployer = makeAddr("deployer");
    address internal governor = makeAddr("governor");
    address internal keeper = makeAddr("keeper");
    address internal treasury = makeAddr("treasury");
    address internal challenger = makeAddr("challenger");
    address internal stranger = makeAddr("stranger");
    address internal client;
    uint256 internal clientKey;

    mapping(uint256 nodeId => address) internal operatorOf;
    mapping(uint256 nodeId => address) internal workerOf;
    mapping(uint256 nodeId => uint256) internal workerKeyOf;
    uint256[] internal nodeIds;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        vm.roll(1000);
        vm.prevrandao(bytes32(uint256(0x4e657572616c)));
        _deploy();
        (client, clientKey) = makeAddrAndKey("client");
        _fund(client, 1_000_000 * NRL);
        vm.prank(client);
        token.approve(address(taskManager), type(uint256).max);
        _fund(challenger, 10_000 * NRL);
        vm.prank(challenger);
        token.approve(address(disputeManager), type(uint256).max);
    }

    /// @dev Runs the production deployment logic (contracts/script/Deploy.s.sol, `Deploy.deploy`) with a
    ///      governor, keeper and treasury distinct from the deployer, which keeps the whole supply.
    function _deploy() internal virtual {
        Deploy script = new Deploy();
        Deploy.Deployment memory d = script.deploy(
            Deploy.Config({
                deployer: deployer,
                governor: governor,
                timelockProposer: governor,
                timelockDelay: 2 days,
                keeper: keeper,
                treasury: treasury,
                challengeWindow: 0,
                commitPeriod: 0,
                revealPeriod: 0,
                unbondingPeriod: 0
            })
        );
        token = d.token;
        registry = d.registry;
        taskManager = d.taskManager;
        randomness = d.randomness;
        sortition = d.sortition;
        disputeManager = d.disputeManager;
        models = d.modelRegistry;
        timelock = d.timelock;
        assertEq(token.totalSupply(), script.INITIAL_SUPPLY(), "supply");
    }

    // ----------------------------------------------------------------------------------------------
    // Governance
    // ----------------------------------------------------------------------------------------------

    /// @dev An admin action (DEFAULT_ADMIN_ROLE belongs to the timelock): `governor`, the timelock's proposer,
    ///      schedules `data` on `target`, time passes the timelock's delay, and a stranger executes it.
    function _timelockExecute(address target, bytes memory data) internal {
        bytes32 salt = keccak256(abi.encode(target, data, block.timestamp));
        uint256 delay = timelock.getMinDelay();
        vm.prank(governor);
        timelock.schedule(target, 0, data, bytes32(0), salt, delay);
        vm.warp(block.timestamp + delay);
        vm.prank(stranger);
        timelock.execute(target, 0, data, bytes32(0), salt);
    }

    // ----------------------------------------------------------------------------------------------
    // Actors
    // ----------------------------------------------------------------------------------------------

    function _fund(address to, uint256 amount) internal {
        vm.prank(deployer);
        token.transfer(to, amount);
    }

    function _caps() internal pure returns (Capabilities memory) {
        return Capabilities({
            gpuModel: bytes32("NVIDIA H100 80GB"),
            gpuCount: 8,
            vramMiB: 81_920,
            cpuCores: 64,
            memoryMiB: 512_000,
            region: bytes16("eu-west")
        });
    }

    function _resources() internal pure returns (Resources memory) {
        return Resources({gpus: 1, vramMiB: 40_000, cpus: 8, memoryMiB: 64_000});
    }

    /// @dev Registers node `nodeIds.length + 1` with operator "operator<id>" and worker "worker<id>" (which
    ///      signs its WorkerConsent).
    function _registerNode(uint256 stakeAmount) internal returns (uint256 nodeId) {
        uint256 expected = registry.nodeCount() + 1;
        address op = makeAddr(string.concat("operator", vm.toString(expected)));
        (address wk, uint256 wkKey) = makeAddrAndKey(string.concat("worker", vm.toString(expected)));
        _fund(op, stakeAmount);
        (uint256 deadline, bytes memory sig) = WorkerConsent.sign(vm, registry, wkKey, op, 0);
        vm.startPrank(op);
        token.approve(address(registry), stakeAmount);
        nodeId = registry.register(
            wk, _caps(), NODE_ASK, keccak256(abi.encode("meta", expected)), stakeAmount, deadline, sig
        );
        vm.stopPrank();
        assertEq(nodeId, expected, "node id");
        operatorOf[nodeId] = op;
        workerOf[nodeId] = wk;
        workerKeyOf[nodeId] = wkKey;
        nodeIds.push(nodeId);
    }

    /// @dev Registers `count` nodes, then lets them age past committeeMinAge so they can sit on committees.
    function _registerNodes(uint256 count, uint256 stakeAmount) internal {
        for (uint256 i; i < count; ++i) {
            _registerNode(stakeAmount);
        }
        _ageNodes();
    }

    function _ageNodes() internal {
        vm.warp(block.timestamp + COMMITTEE_MIN_AGE);
        vm.roll(block.number + 1);
    }

    // ----------------------------------------------------------------------------------------------
    // Tasks
    // ----------------------------------------------------------------------------------------------

    function _params(uint32 shardCount, uint256 reward, uint16 auditRateBps)
        internal
        pure
        returns (PostTaskParams memory)
    {
        return PostTaskParams({
            specCid: keccak256(abi.encode("spec", shardCount, reward, auditRateBps)),
            shardCount: shardCount,
            maxPricePerShard: uint128(reward),
            minTier: Tier.Bronze,
            resources: _resources(),
            maxDuration: MAX_DURATION,
            auditRateBps: auditRateBps,
            datasetId: 0,
            datasetVersion: 0
        });
    }

    function _post(uint32 shardCount, uint256 reward, uint16 auditRateBps) internal returns (uint256 taskId) {
        vm.prank(client);
        taskId = taskManager.postTask(_params(shardCount, reward, auditRateBps));
    }

    /// @dev Posts from a client that signs an EIP-2612 permit for exactly the quoted escrow (no prior approval).
    function _postWithPermit(address from, uint256 fromKey, PostTaskParams memory p)
        internal
        returns (uint256 taskId)
    {
        uint256 escrow = taskManager.quoteEscrow(p);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
                ),
                from,
                address(taskManager),
                escrow,
                token.nonces(from),
                deadline
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(fromKey, digest);
        vm.prank(from);
        taskId = taskManager.postTaskWithPermit(p, deadline, v, r, s);
    }

    function _assign(uint256 taskId, uint256 shard, uint256 nodeId) internal {
        Assignment[] memory a = new Assignment[](1);
        a[0] = Assignment({taskId: uint64(taskId), shardIndex: uint32(shard), nodeId: uint64(nodeId)});
        vm.prank(keeper);
        taskManager.assignShards(a);
    }

    function _assignBatch(Assignment[] memory a) internal {
        vm.prank(keeper);
        taskManager.assignShards(a);
    }

    function _submit(uint256 taskId, uint256 shard, bytes32 manifest, Checkpoint[] memory checkpoints)
        internal
    {
        uint256 nodeId = taskManager.getShard(taskId, shard).nodeId;
        vm.prank(workerOf[nodeId]);
        taskManager.submitResult(taskId, shard, manifest, checkpoints);
    }

    function _ref(uint256 taskId, uint256 shard) internal pure returns (ShardRef memory) {
        return ShardRef({taskId: uint64(taskId), shardIndex: uint32(shard)});
    }

    function _refsAll(uint256 taskId) internal view returns (ShardRef[] memory refs) {
        uint256 count = taskManager.getTask(taskId).shardCount;
        refs = new ShardRef[](count);
        for (uint256 i; i < count; ++i) {
            refs[i] = _ref(taskId, i);
        }
    }

    function _finalizeAll(uint256 taskId) internal returns (uint256 finalized) {
        ShardRef[] memory refs = _refsAll(taskId);
        vm.prank(stranger);
        finalized = taskManager.finalizeShards(refs);
    }

    function _pastWindow(uint256 taskId, uint256 shard) internal {
        vm.warp(uint256(taskManager.getShard(taskId, shard).deadline) + 1);
    }

    /// @dev Past the window and the reveal period that a committed challenge adds.
    function _pastRevealPeriod(uint256 taskId, uint256 shard) internal {
        vm.warp(uint256(taskManager.getShard(taskId, shard).deadline) + CHALLENGE_REVEAL_PERIOD + 1);
    }

    function _fee(uint256 reward, uint16 feeBps) internal pure returns (uint256) {
        return reward * feeBps / BPS;
    }

    // ----------------------------------------------------------------------------------------------
    // Checkpoints
    // ----------------------------------------------------------------------------------------------

    function _step(uint256 i) internal pure returns (uint256) {
        return (i + 1) * 1000;
    }

    /// @dev sha256 stand-in of checkpoint `i` of the run `run` (any distinct values do).
    function _ckptHash(bytes32 run, uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encode("checkpoint", run, i));
    }

    /// @dev Checkpoints 0 .. count-1 of one run.
    function _leaves(bytes32 run, uint256 count) internal pure returns (Checkpoint[] memory cps) {
        cps = new Checkpoint[](count);
        for (uint256 i; i < count; ++i) {
            cps[i] = Checkpoint({step: uint64(_step(i)), hash: _ckptHash(run, i)});
        }
    }

    /// @dev A resumed run: checkpoints 0 .. d-1 repeated unchanged from `oldRun`, d .. count-1 from `newRun`.
    function _resumedLeaves(bytes32 oldRun, uint256 d, bytes32 newRun, uint256 count)
        internal
        pure
        returns (Checkpoint[] memory cps)
    {
        cps = new Checkpoint[](count);
        for (uint256 i; i < count; ++i) {
            cps[i] = Checkpoint({step: uint64(_step(i)), hash: _ckptHash(i < d ? oldRun : newRun, i)});
        }
    }

    /// @dev Challenge of checkpoint `d` of an arbitrary submitted list `cps` on (taskId, shard).
    function _challengeParamsOf(uint256 taskId, uint256 shard, Checkpoint[] memory cps, uint256 d)
        internal
        pure
        returns (ChallengeParams memory p)
    {
        bytes32[] memory leaves = CheckpointTree.leavesOf(cps);
        p = ChallengeParams({
            taskId: uint64(taskId),
            shardIndex: uint32(shard),
            checkpointIndex: uint32(d),
            step: cps[d].step,
            leafHash: cps[d].hash,
            challengerHash: keccak256(abi.encode("recomputed", cps[d].hash, d)),
            proof: CheckpointTree.build(leaves).proof(leaves[d])
        });
    }

    /// @dev Challenge of checkpoint `d` of the run `run` (count checkpoints) committed on (taskId, shard).
    function _challengeParams(uint256 taskId, uint256 shard, bytes32 run, uint256 count, uint256 d)
        internal
        pure
        returns (ChallengeParams memory p)
    {
        p = _challengeParamsOf(taskId, shard, _leaves(run, count), d);
    }

    // ----------------------------------------------------------------------------------------------
    // Disputes
    // ----------------------------------------------------------------------------------------------

    /// @dev `challenger` commits then reveals `p` two blocks later (its committee's seed block is then mined).
    function _challenge(ChallengeParams memory p) internal returns (uint256 disputeId) {
        disputeId = _challengeFrom(challenger, p);
    }

    function _challengeFrom(address who, ChallengeParams memory p) internal returns (uint256 disputeId) {
        uint256 commitId = _commitChallenge(who, p);
        vm.roll(block.number + 2);
        disputeId = _revealChallenge(who, commitId, p);
    }

    function _challengeSalt(address who, ChallengeParams memory p) internal pure returns (bytes32) {
        return keccak256(abi.encode("challenge salt", who, p.taskId, p.shardIndex, p.checkpointIndex));
    }

    function _commitChallenge(address who, ChallengeParams memory p) internal returns (uint256 commitId) {
        bytes32 c = disputeManager.challengeCommitment(who, p, _challengeSalt(who, p));
        vm.prank(who);
        commitId = disputeManager.commitChallenge(p.taskId, p.shardIndex, c);
    }

    function _revealChallenge(address who, uint256 commitId, ChallengeParams memory p)
        internal
        returns (uint256 disputeId)
    {
        vm.prank(who);
        disputeId = disputeManager.revealChallenge(commitId, p, _challengeSalt(who, p));
    }

    function _committee(uint256 disputeId) internal view returns (uint64[] memory) {
        return disputeManager.getDispute(disputeId).committee;
    }

    function _salt(uint256 disputeId, uint256 nodeId) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", disputeId, nodeId));
    }

    function _commit(uint256 disputeId, uint256 nodeId, Vote vote) internal {
        bytes32 c = disputeManager.voteCommitment(disputeId, nodeId, vote, _salt(disputeId, nodeId));
        vm.prank(workerOf[nodeId]);
        disputeManager.commitVote(disputeId, nodeId, c);
    }

    function _reveal(uint256 disputeId, uint256 nodeId, Vote vote) internal {
        vm.prank(workerOf[nodeId]);
        disputeManager.revealVote(disputeId, nodeId, vote, _salt(disputeId, nodeId));
    }

    /// @dev Every member commits `votes[i]` (None = no commit); after the commit phase those with
    ///      `reveal[i]` reveal.
    function _vote(uint256 disputeId, Vote[] memory votes, bool[] memory reveal) internal {
        uint64[] memory c = _committee(disputeId);
        for (uint256 i; i < c.length; ++i) {
            if (votes[i] != Vote.None) _commit(disputeId, c[i], votes[i]);
        }
        vm.warp(uint256(disputeManager.getDispute(disputeId).commitDeadline) + 1);
        for (uint256 i; i < c.length; ++i) {
            if (votes[i] != Vote.None && reveal[i]) _reveal(disputeId, c[i], votes[i]);
        }
    }

    function _voteAll(uint256 disputeId, Vote vote) internal {
        uint256 k = _committee(disputeId).length;
        Vote[] memory votes = new Vote[](k);
        bool[] memory reveal = new bool[](k);
        for (uint256 i; i < k; ++i) {
            votes[i] = vote;
            reveal[i] = true;
        }
        _vote(disputeId, votes, reveal);
    }

    function _resolveAfterReveal(uint256 disputeId) internal {
        vm.warp(uint256(disputeManager.getDispute(disputeId).revealDeadline) + 1);
        vm.prank(stranger);
        disputeManager.resolve(disputeId);
    }

    function _isMember(uint64[] memory committee, uint256 nodeId) internal pure returns (bool) {
        for (uint256 i; i < committee.length; ++i) {
            if (committee[i] == nodeId) return true;
        }
        return false;
    }

    // ----------------------------------------------------------------------------------------------
    // System checks
    // ----------------------------------------------------------------------------------------------

    function _node(uint256 nodeId) internal view returns (NodeView memory) {
        return registry.getNode(nodeId);
    }

    /// @dev Escrow solvency of every contract, registry accounting, locked ≤ stake, tier = computeTier.
    function _assertSystem() internal view {
        assertGe(token.balanceOf(address(taskManager)), taskManager.totalOwed(), "taskManager solvent");
        assertGe(
            token.balanceOf(address(disputeManager)), disputeManager.totalBonded(), "disputeManager solvent"
        );
        uint256 sum;
        uint256 count = registry.nodeCount();
        for (uint256 id = 1; id <= count; ++id) {
            NodeView memory n = registry.getNode(id);
            sum += uint256(n.stake) + n.unbonding;
            assertLe(n.locked, n.stake, "locked <= stake");
            assertEq(
                uint8(n.tier), uint8(registry.computeTier(n.stake, n.completed, n.failed, n.feesPaid)), "tier"
            );
        }
        assertEq(registry.totalStaked(), sum, "totalStaked == sum(stake + unbonding)");
        assertEq(token.balanceOf(address(registry)), sum, "registry balance == sum(stake + unbonding)");
    }

    /// @dev After every task ended: nothing owed but fees, no bond held, no collateral locked.
    function _assertDrained() internal view {
        uint256 tasks = taskManager.taskCount();
        for (uint256 id = 1; id <= tasks; ++id) {
            assertEq(taskManager.getTask(id).escrowRemaining, 0, "task escrow empty");
        }
        assertEq(taskManager.totalOwed(), taskManager.accruedFees(), "totalOwed == accruedFees");
        assertEq(
            token.balanceOf(address(taskManager)), taskManager.accruedFees(), "taskManager holds only fees"
        );
        assertEq(disputeManager.totalBonded(), 0, "no bond held");
        assertEq(token.balanceOf(address(disputeManager)), 0, "disputeManager empty");
        uint256 count = registry.nodeCount();
        for (uint256 id = 1; id <= count; ++id) {
            assertEq(registry.getNode(id).locked, 0, "no collateral locked");
        }
    }

    /// @dev Sum of `DisputePayout` amounts of `disputeId` to `to` in `logs` (all kinds when `to` is zero).
    function _payouts(Vm.Log[] memory logs, uint256 disputeId, address to)
        internal
        view
        returns (uint256 sum)
    {
        bytes32 sig = IDisputeManager.DisputePayout.selector;
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory l = logs[i];
            if (l.emitter != address(disputeManager) || l.topics.length < 3 || l.topics[0] != sig) continue;
            if (uint256(l.topics[1]) != disputeId) continue;
            if (to != address(0) && address(uint160(uint256(l.topics[2]))) != to) continue;
            (, uint256 amount) = abi.decode(l.data, (uint8, uint256));
            sum += amount;
        }
    }

    /// @dev Number of `ShardFinalized` events for (taskId, shard) in `logs`.
    function _finalizedEvents(Vm.Log[] memory logs, uint256 taskId, uint256 shard)
        internal
        view
        returns (uint256 n)
    {
        bytes32 sig = ITaskManager.ShardFinalized.selector;
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory l = logs[i];
            if (l.emitter != address(taskManager) || l.topics[0] != sig) continue;
            if (uint256(l.topics[1]) == taskId && uint256(l.topics[2]) == shard) ++n;
        }
    }
}
