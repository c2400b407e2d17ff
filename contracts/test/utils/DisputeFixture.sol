// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test, Vm} from "forge-std/Test.sol";

import {DisputeManager} from "../../src/DisputeManager.sol";
import {IDisputeManager} from "../../src/interfaces/IDisputeManager.sol";
import {IRandomnessSource} from "../../src/interfaces/IRandomnessSource.sol";
import {DatasetRegistry} from "../../src/DatasetRegistry.sol";
import {NeuralToken} from "../../src/NeuralToken.sol";
import {NodeRegistry} from "../../src/NodeRegistry.sol";
import {BlockhashRandomness} from "../../src/randomness/BlockhashRandomness.sol";
import {Sortition} from "../../src/Sortition.sol";
import {TaskManager} from "../../src/TaskManager.sol";
import {TaskManagerExtension} from "../../src/TaskManagerExtension.sol";
import {
    Assignment,
    Capabilities,
    ChallengeParams,
    DisputeView,
    PostTaskParams,
    Resources,
    SeatInfo,
    Tier,
    Vote
} from "../../src/types/Types.sol";
import {CheckpointTree} from "./CheckpointTree.sol";
import {WorkerConsent} from "./WorkerConsent.sol";

/// @notice Randomness source whose base seed a test sets (the real BlockhashRandomness is tested on its own and
///         is the fixture's default source). Same availability rules as a block hash, without the 256-block limit.
contract MockRandomness is IRandomnessSource {
    bytes32 public fixedSeed;

    function set(bytes32 s) external {
        fixedSeed = s;
    }

    function seedAt(uint256 target, bytes32 key) external view returns (bytes32, bool) {
        if (target >= block.number) return (bytes32(0), false);
        return (keccak256(abi.encode(fixedSeed, target, key)), true);
    }

    function retarget(uint256 target) external view returns (uint256) {
        return target >= block.number ? target : block.number + 1;
    }
}

/// @notice A full deployment: NeuralToken, NodeRegistry, TaskManager, DisputeManager, BlockhashRandomness, roles
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
    /// @dev Every node's askPrice: the price its shards pay (reverse auction; REWARD is the task's maximum).
    uint256 internal constant NODE_ASK = 10 * NRL;
    uint256 internal constant BOND = 50 * NRL;
    uint256 internal constant NON_REVEAL_SLASH = 5 * NRL;
    uint32 internal constant CKPTS = 5;
    uint32 internal constant SHARDS = 64;
    uint256 internal constant SUBMITTER = 1;

    NeuralToken internal token;
    NodeRegistry internal registry;
    TaskManager internal taskManager;
    DisputeManager internal dm;
    BlockhashRandomness internal blockRandomness;
    Sortition internal sortition;
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
        TaskManagerExtension ext = new TaskManagerExtension(address(token), address(registry), governor);
        taskManager = new TaskManager(
            address(token),
            address(registry),
            governor,
            tmTreasury,
            address(ext),
            address(new DatasetRegistry(governor))
        );
        blockRandomness = new BlockhashRandomness();
        mockRandomness = new MockRandomness();
        sortition = new Sortition(address(registry), address(taskManager), address(blockRandomness), governor);
        dm = new DisputeManager(
            address(token), address(registry), address(taskManager), address(sortition), governor, treasury
        );

        vm.startPrank(governor);
        registry.setProtocolContracts(address(taskManager), address(dm));
        taskManager.grantRole(taskManager.DISPUTE_ROLE(), address(dm));
        taskManager.grantRole(taskManager.AUDIT_ROLE(), address(sortition));
        taskManager.grantRole(taskManager.KEEPER_ROLE(), keeper);
        vm.stopPrank();

        for (uint256 id = 1; id <= NODE_COUNT; ++id) {
            _registerNode(id, id <= 4 ? NODE_STAKE : HIGH_STAKE);
        }
        // Committee seats need nodes older than committeeMinAge.
        vm.warp(block.timestamp + 1 days);

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
        (address wk, uint256 wkKey) = makeAddrAndKey(string.concat("worker", vm.toString(expectedId)));
        _fund(op, stake + 100 * NRL); // operators keep some NRL, as in production
        (uint256 deadline, bytes memory sig) = WorkerConsent.sign(vm, registry, wkKey, op, 0);
        vm.startPrank(op);
        token.approve(address(registry), stake);
        uint256 id = registry.register(
            wk, _caps(), NODE_ASK, keccak256(abi.encode("meta", expectedId)), stake, deadline, sig
        );
        vm.stopPrank();
        assertEq(id, expectedId);
        operators[id] = op;
        workers[id] = wk;
    }

    function _postTask(uint32 shardCount) internal returns (uint256 id) {
        PostTaskParams memory p = PostTaskParams({
            specCid: keccak256("spec"),
            shardCount: shardCount,
            maxPricePerShard: uint128(REWARD),
            minTier: Tier.Bronze,
            resources: Resources({gpus: 1, vramMiB: 40_000, cpus: 8, memoryMiB: 64_000}),
            maxDuration: 1 days,
            auditRateBps: 0,
            datasetId: 0,
            datasetVersion: 0
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
        vm.prank(workers[nodeId]);
        taskManager.submitResult(task, shard, MANIFEST, CheckpointTree.standardCheckpoints(count));
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
        sortition.setRandomnessSource(address(mockRandomness));
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

    /// @dev `challenger` commits, two blocks pass (the seed block is mined), and it reveals.
    function _challenge(uint32 shard, uint32 d) internal returns (uint256 id) {
        id = _challengeWith(challenger, _challengeParams(shard, d));
    }

    function _challengeWith(address who, ChallengeParams memory p) internal returns (uint256 id) {
        uint256 commitId = _commitChallenge(who, p);
        vm.roll(block.number + 2);
        id = _revealChallenge(who, commitId, p);
    }

    function _challengeSalt(address who, ChallengeParams memory p) internal pure returns (bytes32) {
        return keccak256(abi.encode("challenge salt", who, p.taskId, p.shardIndex, p.checkpointIndex));
    }

    function _commitChallenge(address who, ChallengeParams memory p) internal returns (uint256 commitId) {
        bytes32 c = dm.challengeCommitment(who, p, _challengeSalt(who, p));
        vm.prank(who);
        commitId = dm.commitChallenge(p.taskId, p.shardIndex, c);
    }

    function _revealChallenge(address who, uint256 commitId, ChallengeParams memory p)
        internal
        returns (uint256 id)
    {
        vm.prank(who);
        id = dm.revealChallenge(commitId, p, _challengeSalt(who, p));
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
                (,,, slashed,) = abi.decode(logs[i].data, (uint8, uint8, uint8, uint256, bool));
                resolved = true;
            }
        }
    }

    /// @dev The committee the protocol's draw rule gives (reference implementation for the tests): draw i looks at
    ///      node keccak256(seed, i) mod nodeCount + 1 and takes it with probability min(stake, cap) / cap if it is
    ///      active and unchanged since the block before the seed block; a candidate is skipped when seated, below
    ///      the tier / stake / age minimum, of the submitter's operator, or keyed to the challenger or the client.
    function _expectedCommittee(uint256 id, uint256 round, uint256 submitter, address chal)
        internal
        view
        returns (uint64[] memory members, uint256 filled)
    {
        return _expectedCommitteeAt(id, round, dm.getDispute(id).seedBlock, submitter, chal);
    }

    /// @dev `_expectedCommittee` for a dispute that is not open yet (or a seed block other than its current one).
    ///      The population is frozen at the block before the seed block, with today's node count.
    function _expectedCommitteeAt(
        uint256 id,
        uint256 round,
        uint256 seedBlock,
        uint256 submitter,
        address chal
    ) internal view returns (uint64[] memory members, uint256 filled) {
        (bytes32 s, bool available) =
            sortition.seedAt(seedBlock, keccak256(abi.encode("committee", id, round)));
        require(available, "seed block not readable");
        return _referenceDraw(s, registry.operatorOf(submitter), chal, seedBlock - 1, registry.nodeCount());
    }

    /// @dev The reference draw from seed `s` with the DisputeManager's and the Sortition's current rules.
    function _referenceDraw(bytes32 s, address subOp, address chal, uint256 frozenAt, uint256 nodeCount)
        internal
        view
        returns (uint64[] memory members, uint256 filled)
    {
        uint256 k = dm.getParameter("committeeSize");
        uint256 maxTries = dm.getParameter("maxSampleTries");
        members = new uint64[](k);
        if (nodeCount == 0) return (members, 0);
        uint256 i;
        for (; filled < k; ++filled) {
            bool found;
            for (uint256 t; t < maxTries; ++t) {
                bytes32 h = keccak256(abi.encode(s, i));
                ++i;
                uint256 nodeId = uint256(h) % nodeCount + 1;
                if (!_drawnAt(nodeId, h, frozenAt)) continue;
                bool dup;
                for (uint256 j; j < filled; ++j) {
                    if (members[j] == nodeId) dup = true;
                }
                if (dup || !_seatOk(registry.seatInfo(nodeId), subOp, chal)) continue;
                members[filled] = uint64(nodeId);
                found = true;
                break;
            }
            if (!found) break;
        }
    }

    /// @dev The acceptance step of a draw: active, unchanged since `frozenAt`, and within its capped weight.
    function _drawnAt(uint256 nodeId, bytes32 h, uint256 frozenAt) internal view returns (bool) {
        SeatInfo memory info = registry.seatInfo(nodeId);
        if (!info.active || info.drawChangedAt > frozenAt) return false;
        uint256 cap = sortition.getParameter("drawWeightCap");
        uint256 w = info.stake < cap ? info.stake : cap;
        return uint256(keccak256(abi.encode(h))) % cap < w;
    }

    function _seatOk(SeatInfo memory info, address subOp, address chal) internal view returns (bool) {
        if (!info.active || info.tier < dm.committeeMinTier()) return false;
        if (info.stake < dm.getParameter("committeeMinStake")) return false;
        if (info.registeredAt + dm.getParameter("committeeMinAge") > block.timestamp) return false;
        if (info.operator == subOp || info.operator == chal || info.worker == chal) return false;
        return info.operator != client && info.worker != client;
    }

    /// @dev Registers a node of operator `op` whose worker key is `makeAddrAndKey(workerLabel)` (the key signs its
    ///      consent). The operator is funded with `stake`.
    function _registerNodeAs(address op, string memory workerLabel, uint256 stake)
        internal
        returns (uint256 id)
    {
        (, uint256 wkKey) = makeAddrAndKey(workerLabel);
        id = _registerNodeWithKey(op, wkKey, stake);
    }

    /// @dev Registers a node of operator `op` with the worker key `wkKey` (which signs its consent).
    function _registerNodeWithKey(address op, uint256 wkKey, uint256 stake) internal returns (uint256 id) {
        address wk = vm.addr(wkKey);
        _fund(op, stake);
        (uint256 deadline, bytes memory sig) = WorkerConsent.sign(vm, registry, wkKey, op, 0);
        vm.startPrank(op);
        token.approve(address(registry), stake);
        id = registry.register(
            wk, _caps(), NODE_ASK, keccak256(abi.encode("meta", op, wk)), stake, deadline, sig
        );
        vm.stopPrank();
        operators[id] = op;
        workers[id] = wk;
    }

    /// @dev Lets freshly registered nodes pass committeeMinAge.
    function _ageNodes() internal {
        vm.warp(block.timestamp + dm.getParameter("committeeMinAge"));
        vm.roll(block.number + 1);
    }

    /// @dev Waits for a Drawing dispute's seed block (two blocks) and draws its committee.
    function _draw(uint256 id) internal {
        vm.roll(block.number + 2);
        dm.drawCommittee(id);
    }

    function _isMember(DisputeView memory v, uint256 nodeId) internal pure returns (bool) {
        for (uint256 i; i < v.committee.length; ++i) {
            if (v.committee[i] == nodeId) return true;
        }
        return false;
    }
}
