// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test, Vm} from "forge-std/Test.sol";

import {DisputeManager} from "../../src/DisputeManager.sol";
import {IDisputeManager} from "../../src/interfaces/IDisputeManager.sol";
import {IRandomnessSource} from "../../src/interfaces/IRandomnessSource.sol";
import {NeuralToken} from "../../src/NeuralToken.sol";
import {NodeRegistry} from "../../src/NodeRegistry.sol";
import {PrevrandaoRandomness} from "../../src/randomness/PrevrandaoRandomness.sol";
import {TaskManager} from "../../src/TaskManager.sol";
import {
    Assignment,
    Capabilities,
    ChallengeParams,
    DisputeView,
    PostTaskParams,
    Resources,
    Tier,
    Vote
} from "../../src/types/Types.sol";
import {CheckpointTree} from "./CheckpointTree.sol";

/// @notice Randomness source whose seed a test sets (the real PrevrandaoRandomness is tested on its own and is
///         the fixture's default source).
contract MockRandomness is IRandomnessSource {
    bytes32 public fixedSeed;
    bool public useFixed;

    function set(bytes32 s) external {
        fixedSeed = s;
        useFixed = true;
    }

    function seed(uint256 disputeId, uint256 round) external view returns (bytes32) {
        if (useFixed) return keccak256(abi.encode(fixedSeed, disputeId, round));
        return keccak256(abi.encode(disputeId, round));
    }
}

/// @notice A full deployment: NeuralToken, NodeRegistry, TaskManager, DisputeManager, PrevrandaoRandomness, roles
///         wired as in production; 8 Bronze nodes; a task whose shard 0 is submitted by node 1 with a checkpoint
///         root built here with the protocol's leaf encoding.
abstract contract DisputeFixture is Test {
    using CheckpointTree for CheckpointTree.Tree;

    uint256 internal constant NRL = 1e18;
    uint256 internal constant NODE_COUNT = 8;
    uint256 internal constant NODE_STAKE = 500 * NRL;
    uint256 internal constant HIGH_STAKE = 2000 * NRL; // nodes 5..8
    uint256 internal constant REWARD = 100 * NRL;
    uint256 internal constant COLLATERAL = 50 * NRL; // REWARD * collateralRatioBps (5000) / 10000
    uint256 internal constant BOND = 50 * NRL;
    uint256 internal constant NON_REVEAL_SLASH = 5 * NRL;
    uint32 internal constant CKPTS = 5;
    uint32 internal constant SHARDS = 64;
    uint256 internal constant SUBMITTER = 1;

    NeuralToken internal token;
    NodeRegistry internal registry;
    TaskManager internal taskManager;
    DisputeManager internal dm;
    PrevrandaoRandomness internal prevrandao;
    MockRandomness internal mockRandomness;

    address internal governor = makeAddr("governor");
    address internal treasury = makeAddr("treasury");
    address internal tmTreasury = makeAddr("tmTreasury");
    address internal keeper = makeAddr("keeper");
    address internal client = makeAddr("client");
    address internal challenger = makeAddr("challenger");
    address internal deployer = makeAddr("deployer");

    mapping(uint256 nodeId => address) internal operators;
    mapping(uint256 nodeId => address) internal workers;

    uint256 internal taskId;
    uint32 internal nextShard; // next never-assigned shard of `taskId`
    bytes32 internal constant MANIFEST = keccak256("manifest");

    function setUp() public virtual {
        vm.roll(100);
        vm.warp(1_700_000_000);
        vm.prevrandao(bytes32(uint256(0x5eed)));

        token = new NeuralToken(deployer, 1e10 * NRL);
        registry = new NodeRegistry(address(token), governor);
        taskManager = new TaskManager(address(token), address(registry), governor, tmTreasury);
        prevrandao = new PrevrandaoRandomness();
        mockRandomness = new MockRandomness();
        dm = new DisputeManager(
            address(token), address(registry), address(taskManager), address(prevrandao), governor, treasury
        );

        vm.startPrank(governor);
        registry.grantRole(registry.PROTOCOL_ROLE(), address(taskManager));
        registry.grantRole(registry.PROTOCOL_ROLE(), address(dm));
        taskManager.grantRole(taskManager.DISPUTE_ROLE(), address(dm));
        taskManager.grantRole(taskManager.KEEPER_ROLE(), keeper);
        vm.stopPrank();

        for (uint256 id = 1; id <= NODE_COUNT; ++id) {
            _registerNode(id, id <= 4 ? NODE_STAKE : HIGH_STAKE);
        }

        _fund(client, 100_000 * NRL);
        _fund(challenger, 10_000 * NRL);
        vm.prank(challenger);
        token.approve(address(dm), type(uint256).max);

        taskId = _postTask(SHARDS);
        _submitShard(0, SUBMITTER, CKPTS);
        nextShard = 1;
    }

    // ----------------------------------------------------------------------------------------------
    // Setup helpers
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

    function _registerNode(uint256 expectedId, uint256 stake) internal {
        address op = makeAddr(string.concat("operator", vm.toString(expectedId)));
        address wk = makeAddr(string.concat("worker", vm.toString(expectedId)));
        _fund(op, stake + 100 * NRL); // operators keep some NRL, as in production
        vm.startPrank(op);
        token.approve(address(registry), stake);
        uint256 id =
            registry.register(wk, _caps(), 10 * NRL, keccak256(abi.encode("meta", expectedId)), stake);
        vm.stopPrank();
        assertEq(id, expectedId);
        operators[id] = op;
        workers[id] = wk;
    }

    function _postTask(uint32 shardCount) internal returns (uint256 id) {
        PostTaskParams memory p = PostTaskParams({
            specCid: keccak256("spec"),
            shardCount: shardCount,
            rewardPerShard: uint128(REWARD),
            minTier: Tier.Bronze,
            resources: Resources({gpus: 1, vramMiB: 40_000, cpus: 8, memoryMiB: 64_000}),
            maxDuration: 1 days,
            auditRateBps: 0
        });
        vm.startPrank(client);
        token.approve(address(taskManager), taskManager.quoteEscrow(p));
        id = taskManager.postTask(p);
        vm.stopPrank();
    }

    /// @dev Assigns shard `shard` of `taskId` to `nodeId` and submits a result with `count` checkpoints whose
    ///      root is built with CheckpointTree.standard(count).
    function _submitShard(uint32 shard, uint256 nodeId, uint32 count) internal {
        _submitShardOf(taskId, shard, nodeId, count);
    }

    function _submitShardOf(uint256 task, uint32 shard, uint256 nodeId, uint32 count) internal {
        Assignment[] memory a = new Assignment[](1);
        a[0] = Assignment({taskId: uint64(task), shardIndex: shard, nodeId: uint64(nodeId)});
        vm.prank(keeper);
        taskManager.assignShards(a);
        bytes32 root = CheckpointTree.standard(count).root();
        vm.prank(workers[nodeId]);
        taskManager.submitResult(task, shard, MANIFEST, root, count);
    }

    /// @dev A fresh submitted shard of `taskId` (by `nodeId`, `count` checkpoints); returns its index.
    function _freshShard(uint256 nodeId, uint32 count) internal returns (uint32 shard) {
        shard = nextShard++;
        _submitShard(shard, nodeId, count);
    }

    function _setParam(bytes32 name, uint256 value) internal {
        vm.prank(governor);
        dm.setParameter(name, value);
    }

    function _useMockRandomness(bytes32 s) internal {
        mockRandomness.set(s);
        vm.prank(governor);
        dm.setRandomnessSource(address(mockRandomness));
    }

    // ----------------------------------------------------------------------------------------------
    // Dispute helpers
    // ----------------------------------------------------------------------------------------------

    function _params(uint32 shard, uint32 count, uint32 d) internal pure returns (ChallengeParams memory p) {
        CheckpointTree.Tree memory t = CheckpointTree.standard(count);
        p = ChallengeParams({
            taskId: 0,
            shardIndex: shard,
            checkpointIndex: d,
            step: uint64(CheckpointTree.step(d)),
            leafHash: CheckpointTree.ckptHash(d),
            challengerHash: keccak256(abi.encode("mine", d)),
            proof: t.proofOf(d)
        });
    }

    function _challengeParams(uint32 shard, uint32 d) internal view returns (ChallengeParams memory p) {
        p = _params(shard, CKPTS, d);
        p.taskId = uint64(taskId);
    }

    function _challenge(uint32 shard, uint32 d) internal returns (uint256 id) {
        ChallengeParams memory p = _challengeParams(shard, d);
        vm.prank(challenger);
        id = dm.challenge(p);
    }

    function _committee(uint256 id) internal view returns (uint64[] memory) {
        return dm.getDispute(id).committee;
    }

    function _salt(uint256 id, uint256 nodeId) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", id, nodeId));
    }

    function _commit(uint256 id, uint256 nodeId, Vote vote) internal {
        bytes32 c = dm.voteCommitment(id, nodeId, vote, _salt(id, nodeId));
        vm.prank(workers[nodeId]);
        dm.commitVote(id, nodeId, c);
    }

    function _reveal(uint256 id, uint256 nodeId, Vote vote) internal {
        vm.prank(workers[nodeId]);
        dm.revealVote(id, nodeId, vote, _salt(id, nodeId));
    }

    function _toRevealPhase(uint256 id) internal {
        vm.warp(dm.getDispute(id).commitDeadline + 1);
    }

    function _afterReveal(uint256 id) internal {
        vm.warp(dm.getDispute(id).revealDeadline + 1);
    }

    /// @dev Commits all votes, moves to the reveal phase, reveals those with `reveal[i]`.
    function _vote(uint256 id, Vote[] memory votes, bool[] memory reveal) internal {
        uint64[] memory c = _committee(id);
        for (uint256 i; i < c.length; ++i) {
            if (votes[i] != Vote.None) _commit(id, c[i], votes[i]);
        }
        _toRevealPhase(id);
        for (uint256 i; i < c.length; ++i) {
            if (votes[i] != Vote.None && reveal[i]) _reveal(id, c[i], votes[i]);
        }
    }

    function _votes3(Vote a, Vote b, Vote c) internal pure returns (Vote[] memory v) {
        v = new Vote[](3);
        v[0] = a;
        v[1] = b;
        v[2] = c;
    }

    function _all(uint256 n, bool value) internal pure returns (bool[] memory r) {
        r = new bool[](n);
        for (uint256 i; i < n; ++i) {
            r[i] = value;
        }
    }

    /// @dev Sum of DisputePayout amounts of `id` in `logs`, and the `slashed` of its DisputeResolved.
    function _payoutSum(Vm.Log[] memory logs, uint256 id)
        internal
        view
        returns (uint256 paid, uint256 slashed, bool resolved)
    {
        bytes32 payoutSig = IDisputeManager.DisputePayout.selector;
        bytes32 resolvedSig = IDisputeManager.DisputeResolved.selector;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(dm) || logs[i].topics.length == 0) continue;
            if (logs[i].topics[0] == payoutSig && uint256(logs[i].topics[1]) == id) {
                (, uint256 amount) = abi.decode(logs[i].data, (uint8, uint256));
                paid += amount;
            } else if (logs[i].topics[0] == resolvedSig && uint256(logs[i].topics[1]) == id) {
                (,,, slashed) = abi.decode(logs[i].data, (uint8, uint8, uint8, uint256));
                resolved = true;
            }
        }
    }

    /// @dev The committee the protocol's sampling rule gives (reference implementation for the tests).
    function _expectedCommittee(uint256 id, uint256 round, uint256 submitter, address chal)
        internal
        view
        returns (uint64[] memory members, uint256 filled)
    {
        uint256 k = dm.getParameter("committeeSize");
        uint256 maxTries = dm.getParameter("maxSampleTries");
        Tier minTier = dm.committeeMinTier();
        members = new uint64[](k);
        uint256 n = registry.activeNodeCount();
        if (n == 0) return (members, 0);
        bytes32 s = IRandomnessSource(dm.randomness()).seed(id, round);
        uint256 i;
        for (; filled < k; ++filled) {
            bool found;
            for (uint256 t; t < maxTries; ++t) {
                uint256 nodeId = registry.activeNodeAt(uint256(keccak256(abi.encode(s, i))) % n);
                ++i;
                bool dup;
                for (uint256 j; j < filled; ++j) {
                    if (members[j] == nodeId) dup = true;
                }
                if (dup || nodeId == submitter) continue;
                if (registry.tierOf(nodeId) < minTier) continue;
                if (registry.isOperatorOrWorker(nodeId, chal)) continue;
                members[filled] = uint64(nodeId);
                found = true;
                break;
            }
            if (!found) break;
        }
    }

    function _isMember(DisputeView memory v, uint256 nodeId) internal pure returns (bool) {
        for (uint256 i; i < v.committee.length; ++i) {
            if (v.committee[i] == nodeId) return true;
        }
        return false;
    }
}
