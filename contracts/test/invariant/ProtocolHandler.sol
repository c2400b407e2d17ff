// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test, Vm} from "forge-std/Test.sol";

import {DisputeManager} from "../../src/DisputeManager.sol";
import {IDisputeManager} from "../../src/interfaces/IDisputeManager.sol";
import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {ISortition} from "../../src/interfaces/ISortition.sol";
import {IDatasetRegistry} from "../../src/interfaces/IDatasetRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {CheckpointMerkle} from "../../src/libraries/CheckpointMerkle.sol";
import {ModelRegistry} from "../../src/ModelRegistry.sol";
import {NeuralToken} from "../../src/NeuralToken.sol";
import {NodeRegistry} from "../../src/NodeRegistry.sol";
import {Sortition} from "../../src/Sortition.sol";
import {TaskManager} from "../../src/TaskManager.sol";
import {
    Assignment,
    AuditStatus,
    Capabilities,
    ChallengeCommitStatus,
    ChallengeCommitView,
    ChallengeParams,
    Checkpoint,
    DatasetParams,
    DatasetVersionParams,
    DisputeOutcome,
    DisputeStatus,
    DisputeView,
    NodeStatus,
    NodeView,
    PostTaskParams,
    PublishParams,
    ReleaseReason,
    Resources,
    ShardRef,
    ShardStatus,
    ShardView,
    TaskStatus,
    TaskView,
    Tier,
    Vote,
    WeightsProof
} from "../../src/types/Types.sol";
import {CheckpointTree} from "../utils/CheckpointTree.sol";
import {WorkerConsent} from "../utils/WorkerConsent.sol";

/// @notice Drives the whole deployed protocol with random actions of every actor, honest and not:
///         - node operators (register with the worker key's consent, stake, unstake, withdraw, pause, resume, exit,
///           unjail, rotate the worker key, update the node), including a cartel operator that runs several
///           nodes, submits wrong checkpoints, challenges its own results from a fresh address (decoys), challenges
///           honest results, commits late, reveals at random block offsets and votes against the truth;
///         - clients (post, post with permit, cancel, publish models with the final-weights proof), the keeper
///           (assign shards), anyone (audit draws, timeout, finalize, resolve, draw committees, sweep), the
///           governor (parameters) and time;
///         - honest actors that act on their own at the start of every call (`_keepAlive`): an honest staked
///           watcher that commits a challenge on the first wrong checkpoint of every submission and reveals it,
///           and honest committee members that vote the truth in time.
///         The truth of checkpoint i of a shard is `_truth(task, shard, i)`; honest nodes submit it (and repeat
///         inherited checkpoints verbatim), cartel nodes diverge from it. Every action checks its preconditions
///         first, so a call that still reverts is a protocol bug and is counted in `ghost_unexpectedReverts`
///         (expected refusals are matched by selector). Events of every call are folded into ghost accounting
///         that the invariants compare with the contracts' own books and with the economic properties:
///         a wrong result is never paid unless its dispute was decided by a dishonest majority or had no
///         committee; a verdict never goes against an honest majority; nobody profits from challenging itself.
contract ProtocolHandler is Test {
    using CheckpointTree for CheckpointTree.Tree;

    uint256 internal constant NRL = 1e18;
    uint256 internal constant BPS = 10_000;
    uint256 public constant MAX_NODES = 12;
    uint256 public constant MAX_TASKS = 16;
    uint256 public constant MAX_SHARDS = 5;
    uint256 internal constant MAX_CKPTS = 6;
    uint256 internal constant ASK = 1 * NRL;
    uint256 public constant MAX_CARTEL_NODES = 3;

    NeuralToken public immutable token;
    NodeRegistry public immutable registry;
    TaskManager public immutable taskManager;
    Sortition public immutable sortition;
    DisputeManager public immutable disputeManager;
    ModelRegistry public immutable models;
    address public immutable deployer;
    address public immutable governor;
    address public immutable keeper;
    address public immutable treasury;
    address public immutable anyone;
    /// @notice Owns dataset 1 (version 1 charges DATASET_FEE per finalized shard).
    address public curator;
    uint96 public constant DATASET_FEE = 3 ether;
    /// @notice The cartel's operator (runs several nodes) and its fresh second wallet for self-challenges.
    address public immutable cartelOp;
    address public immutable decoy;
    /// @notice An honest staked watcher: it challenges every wrong checkpoint it sees.
    address public immutable watcher;

    address[] public clients;
    uint256[] internal clientKeys;
    address[] public challengers;
    uint256[] public nodeIds;
    mapping(uint256 nodeId => address) public operatorOf;
    mapping(uint256 nodeId => address) public workerOf;
    mapping(uint256 nodeId => uint256) internal _workerKey;
    mapping(uint256 nodeId => bool) public isCartel;
    uint256 public cartelNodes;
    /// @notice Every other address that may hold NRL (retired worker keys), for the conservation check.
    address[] public holders;

    // ---------------------------------------------------------------------------------------------
    // Ghost accounting
    // ---------------------------------------------------------------------------------------------
    mapping(uint256 nodeId => uint256) public ghost_deposited;
    mapping(uint256 nodeId => uint256) public ghost_withdrawn;
    mapping(uint256 nodeId => uint256) public ghost_slashed;
    mapping(uint256 taskId => uint256) public ghost_escrowIn;
    mapping(uint256 taskId => uint256) public ghost_escrowOut;
    /// @dev Dataset usage fees (amount + protocol cut) and shards paid per task, from DatasetUsagePaid.
    mapping(uint256 taskId => uint256) public ghost_usagePaid;
    mapping(uint256 taskId => uint256) public ghost_usageShards;
    /// @dev Usage fees paid to anyone but the dataset's owner.
    uint256 public ghost_usageMisdirected;
    mapping(uint256 taskId => mapping(uint256 shard => uint256)) public ghost_finalizedEvents;
    /// @dev Order of events: when each shard was last assigned and each node last slashed.
    mapping(uint256 taskId => mapping(uint256 shard => uint256)) public ghost_assignSeq;
    mapping(uint256 nodeId => uint256) public ghost_slashSeq;
    uint256 internal _seq;
    uint256 public ghost_finalizedTotal;
    uint256 public ghost_paidTwice;
    uint256 public ghost_payoutNotPrice; // payout + fee != locked price, or a locked price != max(ask, minimum)
    mapping(uint256 disputeId => uint256) public ghost_disputePaid;
    uint256 public ghost_disputesResolved;
    uint256 public ghost_disputePayoutMismatch;
    uint256 public ghost_unexpectedReverts;
    bytes public ghost_lastRevert;
    string public ghost_lastRevertAction;
    uint256[] public verifiedModels;
    /// @dev Economic properties (must stay zero).
    uint256 public ghost_wrongPaid;
    uint256 public ghost_verdictAgainstHonestMajority;
    uint256 public ghost_selfChallengeProfit;
    /// @dev For the record: how often the adversarial paths ran.
    uint256 public ghost_honestSlashedByDishonestMajority;
    uint256 public ghost_wrongResults;
    uint256 public ghost_decoys;
    mapping(uint256 taskId => mapping(uint256 shard => mapping(uint256 epoch => bool))) public
        ghost_compromised;

    /// @dev Challenge commitments waiting to be revealed (by the watcher, the decoy or the cartel).
    struct PendingChallenge {
        uint256 commitId;
        address who;
        uint256 revealAtBlock; // reveal no earlier than this block (the cartel grinds over reveal blocks)
        bytes32 salt;
        ChallengeParams params;
    }

    PendingChallenge[] internal _pendingChallenges;
    /// @dev Checkpoint hashes of each shard's current submission, and of the manifest a re-run resumes from.
    mapping(uint256 taskId => mapping(uint256 shard => bytes32[])) internal _hashes;
    mapping(uint256 taskId => mapping(uint256 shard => bytes32[])) internal _resumeHashes;
    mapping(uint256 taskId => mapping(uint256 shard => bytes32)) internal _manifest;
    mapping(bytes32 key => Vote) internal _votes;
    uint256 internal _nonce;

    mapping(bytes32 action => uint256) public calls;
    mapping(bytes32 action => uint256) public done;

    constructor(
        NeuralToken token_,
        NodeRegistry registry_,
        TaskManager taskManager_,
        Sortition sortition_,
        DisputeManager disputeManager_,
        ModelRegistry models_,
        address deployer_,
        address governor_,
        address keeper_,
        address treasury_
    ) {
        token = token_;
        registry = registry_;
        taskManager = taskManager_;
        sortition = sortition_;
        disputeManager = disputeManager_;
        models = models_;
        deployer = deployer_;
        governor = governor_;
        keeper = keeper_;
        treasury = treasury_;
        anyone = makeAddr("anyone");
        curator = makeAddr("dataset curator");
        _publishDataset();
        cartelOp = makeAddr("cartel operator");
        decoy = makeAddr("cartel decoy wallet");
        watcher = makeAddr("honest watcher");
        address[2] memory bonded = [decoy, watcher];
        for (uint256 i; i < 2; ++i) {
            _fund(bonded[i], 1_000_000 * NRL);
            vm.prank(bonded[i]);
            token.approve(address(disputeManager), type(uint256).max);
        }
        for (uint256 i; i < 3; ++i) {
            (address c, uint256 k) = makeAddrAndKey(string.concat("client", vm.toString(i)));
            clients.push(c);
            clientKeys.push(k);
            _fund(c, 1_000_000 * NRL);
            if (i != 0) {
                // client0 posts with permits only.
                vm.prank(c);
                token.approve(address(taskManager), type(uint256).max);
            }
            vm.prank(c);
            token.approve(address(models), type(uint256).max);
        }
        for (uint256 i; i < 2; ++i) {
            address c = makeAddr(string.concat("challenger", vm.toString(i)));
            challengers.push(c);
            _fund(c, 100_000 * NRL);
            vm.prank(c);
            token.approve(address(disputeManager), type(uint256).max);
        }
    }

    /// @dev Every action first lets the honest actors do their duties (`_keepAlive`), then runs, and folds the
    ///      events of both into the ghost accounting.
    modifier track(bytes32 action) {
        calls[action]++;
        vm.recordLogs();
        _keepAlive();
        _;
        _process(vm.getRecordedLogs());
    }

    // ---------------------------------------------------------------------------------------------
    // Views for the invariants
    // ---------------------------------------------------------------------------------------------

    function nodeCount() external view returns (uint256) {
        return nodeIds.length;
    }

    function clientCount() external view returns (uint256) {
        return clients.length;
    }

    function challengerCount() external view returns (uint256) {
        return challengers.length;
    }

    function verifiedModelCount() external view returns (uint256) {
        return verifiedModels.length;
    }

    function holderCount() external view returns (uint256) {
        return holders.length;
    }

    /// @notice The hash of the last checkpoint of the shard's current submission (its final weights).
    function lastHash(uint256 taskId, uint256 shard) external view returns (bytes32) {
        bytes32[] storage h = _hashes[taskId][shard];
        return h[h.length - 1];
    }

    function pendingChallengeCount() external view returns (uint256) {
        return _pendingChallenges.length;
    }

    // ---------------------------------------------------------------------------------------------
    // Node operators
    // ---------------------------------------------------------------------------------------------

    /// @dev Every fifth registration (up to MAX_CARTEL_NODES) is one more node of the cartel's operator.
    function registerNode(uint256 amount) public track("registerNode") {
        if (nodeIds.length >= MAX_NODES) return;
        bool cartel = amount % 5 == 0 && cartelNodes < MAX_CARTEL_NODES;
        // Mostly small stakes, so collateral often takes all free stake and slashes clamp `locked`.
        amount = amount % 4 == 0 ? bound(amount, 100 * NRL, 3000 * NRL) : bound(amount, 100 * NRL, 400 * NRL);
        uint256 id = registry.nodeCount() + 1;
        address op = cartel ? cartelOp : makeAddr(string.concat("operator", vm.toString(id)));
        (address wk, uint256 wkKey) = makeAddrAndKey(string.concat("worker", vm.toString(id)));
        _fund(op, amount);
        vm.prank(op);
        token.approve(address(registry), amount);
        Capabilities memory caps = Capabilities({
            gpuModel: bytes32("NVIDIA H100 80GB"),
            gpuCount: 8,
            vramMiB: 81_920,
            cpuCores: 64,
            memoryMiB: 512_000,
            region: bytes16("eu-west")
        });
        (uint256 deadline, bytes memory sig) = WorkerConsent.sign(vm, registry, wkKey, op, 0);
        vm.prank(op);
        try registry.register(
            wk, caps, ASK, keccak256(abi.encode("meta", id)), amount, deadline, sig
        ) returns (
            uint256 nodeId
        ) {
            nodeIds.push(nodeId);
            operatorOf[nodeId] = op;
            workerOf[nodeId] = wk;
            _workerKey[nodeId] = wkKey;
            if (cartel) {
                isCartel[nodeId] = true;
                ++cartelNodes;
            }
            ghost_deposited[nodeId] += amount;
            done["registerNode"]++;
        } catch (bytes memory err) {
            _unexpected("registerNode", err);
        }
    }

    /// @dev The operator rotates the worker key (the new key consents). Refused while the node holds live
    ///      assignments: a submitter cannot change the keys its results are judged with.
    function setWorker(uint256 nodeSeed) public track("setWorker") {
        (uint256 id, NodeView memory n) = _pickNode(nodeSeed);
        if (id == 0) return;
        (address wk, uint256 wkKey) =
            makeAddrAndKey(string.concat("worker", vm.toString(id), "-", vm.toString(++_nonce)));
        (uint256 deadline, bytes memory sig) = WorkerConsent.sign(vm, registry, wkKey, n.operator, id);
        vm.prank(n.operator);
        try registry.setWorker(id, wk, deadline, sig) {
            assertEq(registry.liveCollateral(id), 0, "keys changed while a result was live");
            holders.push(workerOf[id]);
            workerOf[id] = wk;
            _workerKey[id] = wkKey;
            done["setWorker"]++;
        } catch (bytes memory err) {
            if (bytes4(err) == INodeRegistry.NodeHasLiveShards.selector) done["setWorkerFrozen"]++;
            else _unexpected("setWorker", err);
        }
    }

    /// @dev The operator changes its ask price (the node's capabilities stay): 0 to 2 NRL in steps of 1e14, so
    ///      asks below minShardPrice (1e15) occur; an ask always has at most 9 significant digits (PriceCodec).
    function updateNode(uint256 nodeSeed, uint256 ask) public track("updateNode") {
        (uint256 id, NodeView memory n) = _pickNode(nodeSeed);
        if (id == 0 || n.status == NodeStatus.Exited) return;
        vm.prank(n.operator);
        try registry.updateNode(id, n.capabilities, bound(ask, 0, 2 * ASK / 1e14) * 1e14, n.metadataCid) {
            done["updateNode"]++;
        } catch (bytes memory err) {
            _unexpected("updateNode", err);
        }
    }

    function stake(uint256 nodeSeed, uint256 amount) public track("stake") {
        (uint256 id, NodeView memory n) = _pickNode(nodeSeed);
        if (id == 0 || n.status == NodeStatus.Exited) return;
        amount = bound(amount, 1, 2000 * NRL);
        _fund(n.operator, amount);
        vm.prank(n.operator);
        token.approve(address(registry), amount);
        vm.prank(n.operator);
        try registry.stake(id, amount) {
            ghost_deposited[id] += amount;
            done["stake"]++;
        } catch (bytes memory err) {
            _unexpected("stake", err);
        }
    }

    function requestUnstake(uint256 nodeSeed, uint256 amount) public track("requestUnstake") {
        (uint256 id, NodeView memory n) = _pickNode(nodeSeed);
        uint256 free = uint256(n.stake) - n.locked;
        if (id == 0 || free == 0) return;
        amount = bound(amount, 1, free);
        vm.prank(n.operator);
        try registry.requestUnstake(id, amount) {
            done["requestUnstake"]++;
        } catch (bytes memory err) {
            _unexpected("requestUnstake", err);
        }
    }

    function withdraw(uint256 nodeSeed) public track("withdraw") {
        (uint256 id, NodeView memory n) = _pickNode(nodeSeed);
        if (id == 0 || n.unbonding == 0 || block.timestamp < n.unbondingReleaseAt) return;
        vm.prank(anyone);
        try registry.withdraw(id) {
            // INVARIANT under test: stake never leaves while a result of the node can still be disputed.
            assertEq(registry.liveCollateral(id), 0, "withdrew with live shards");
            done["withdraw"]++;
        } catch (bytes memory err) {
            if (bytes4(err) == INodeRegistry.NodeHasLiveShards.selector) done["withdrawFrozen"]++;
            else _unexpected("withdraw", err);
        }
    }

    function pauseOrResume(uint256 nodeSeed) public track("pauseOrResume") {
        (uint256 id, NodeView memory n) = _pickNode(nodeSeed);
        if (id == 0) return;
        if (n.status == NodeStatus.Active) {
            vm.prank(n.worker);
            try registry.pause(id) {
                done["pauseOrResume"]++;
            } catch (bytes memory err) {
                _unexpected("pause", err);
            }
        } else if (n.status == NodeStatus.Paused) {
            vm.prank(n.operator);
            try registry.resume(id) {
                done["pauseOrResume"]++;
            } catch (bytes memory err) {
                _unexpected("resume", err);
            }
        }
    }

    /// @dev Rare on purpose: only when more than 8 nodes have not exited.
    function exitNode(uint256 nodeSeed) public track("exitNode") {
        (uint256 id, NodeView memory n) = _pickNode(nodeSeed);
        if (id == 0 || n.status == NodeStatus.Exited || n.locked != 0) return;
        uint256 live;
        for (uint256 i; i < nodeIds.length; ++i) {
            if (registry.getNode(nodeIds[i]).status != NodeStatus.Exited) ++live;
        }
        if (live <= 8) return;
        vm.prank(n.operator);
        try registry.exit(id) {
            done["exitNode"]++;
        } catch (bytes memory err) {
            _unexpected("exit", err);
        }
    }

    function unjail(uint256 nodeSeed) public track("unjail") {
        (uint256 id, NodeView memory n) = _pickNode(nodeSeed);
        if (id == 0 || n.jailedUntil == 0 || block.timestamp < n.jailedUntil) return;
        vm.prank(n.worker);
        try registry.unjail(id) {
            done["unjail"]++;
        } catch (bytes memory err) {
            _unexpected("unjail", err);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Clients
    // ---------------------------------------------------------------------------------------------

    function postTask(uint256 clientSeed, uint256 shards, uint256 reward, uint256 auditRate, uint256 duration)
        public
        track("postTask")
    {
        if (taskManager.taskCount() >= MAX_TASKS) return;
        uint256 ci = clientSeed % clients.length;
        PostTaskParams memory p = PostTaskParams({
            specCid: keccak256(abi.encode("spec", ++_nonce)),
            shardCount: uint32(bound(shards, 1, MAX_SHARDS)),
            maxPricePerShard: uint128(bound(reward, ASK, 150 * NRL)),
            minTier: (clientSeed >> 8) % 2 == 0 ? Tier.None : Tier.Bronze,
            resources: Resources({gpus: 1, vramMiB: 40_000, cpus: 8, memoryMiB: 64_000}),
            maxDuration: uint64(bound(duration, 1 hours, 2 days)),
            auditRateBps: uint16(bound(auditRate, 0, BPS)),
            // Half the tasks train on the curator's dataset and escrow its usage fee.
            datasetId: (clientSeed >> 16) % 2 == 0 ? 1 : 0,
            datasetVersion: (clientSeed >> 16) % 2 == 0 ? 1 : 0
        });
        uint256 collateral =
            uint256(p.maxPricePerShard) * taskManager.getParameter("collateralRatioBps") / BPS;
        if (collateral < taskManager.getParameter("minCollateral")) return;
        uint256 escrow = taskManager.quoteEscrow(p);
        uint256 taskId = _post(ci, p, escrow);
        if (taskId == 0) return;
        ghost_escrowIn[taskId] = escrow;
        done["postTask"]++;
    }

    /// @dev client0 posts with a permit for exactly the escrow, the others with their standing approval.
    function _post(uint256 ci, PostTaskParams memory p, uint256 escrow) internal returns (uint256) {
        if (ci == 0) {
            (uint8 v, bytes32 r, bytes32 s, uint256 deadline) = _permit(ci, escrow);
            vm.prank(clients[ci]);
            try taskManager.postTaskWithPermit(p, deadline, v, r, s) returns (uint256 id) {
                return id;
            } catch (bytes memory err) {
                _unexpected("postTaskWithPermit", err);
                return 0;
            }
        }
        vm.prank(clients[ci]);
        try taskManager.postTask(p) returns (uint256 id) {
            return id;
        } catch (bytes memory err) {
            _unexpected("postTask", err);
            return 0;
        }
    }

    function cancelTask(uint256 taskSeed) public track("cancelTask") {
        if ((taskSeed >> 128) % 2 == 0) return; // clients rarely cancel
        (uint256 taskId, TaskView memory t) = _pickTask(taskSeed);
        if (taskId == 0 || !_active(t.status)) return;
        vm.prank(t.client);
        try taskManager.cancelTask(taskId) {
            done["cancelTask"]++;
        } catch (bytes memory err) {
            _unexpected("cancelTask", err);
        }
    }

    /// @dev The client publishes a model from a finalized shard of its task, with that shard's manifest.
    function publishModel(uint256 taskSeed, uint256 shardSeed) public track("publishModel") {
        (uint256 taskId, uint256 shard) = _findShard(taskSeed, shardSeed, ShardStatus.Finalized);
        if (taskId == 0) return;
        bytes32[] storage hashes = _hashes[taskId][shard];
        uint256 last = hashes.length - 1;
        (bytes32[] memory leaves, CheckpointTree.Tree memory tree) = _tree(hashes);
        PublishParams memory p = PublishParams({
            name: "model",
            license: "MIT",
            weightsCid: keccak256(abi.encode("weights", taskId, shard)),
            metadataCid: bytes32(0),
            parentModelId: 0,
            sourceTaskId: taskId,
            sourceShard: shard,
            manifestCid: taskManager.getShard(taskId, shard).manifestCid,
            weights: WeightsProof({
                step: uint64(_step(last)), hash: hashes[last], proof: tree.proof(leaves[last])
            })
        });
        vm.prank(taskManager.getTask(taskId).client);
        try models.publish(p) returns (uint256 modelId) {
            verifiedModels.push(modelId);
            done["publishModel"]++;
        } catch (bytes memory err) {
            _unexpected("publish", err);
            return;
        }
        // A tip from a client to the model's owner.
        vm.prank(clients[(taskSeed >> 16) % clients.length]);
        try models.tip(verifiedModels[verifiedModels.length - 1], 1 * NRL) {}
        catch (bytes memory err) {
            _unexpected("tip", err);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Keeper
    // ---------------------------------------------------------------------------------------------

    /// @dev Assigns up to `howMany` pending shards of one task to the first eligible node from `nodeSeed`.
    function assignShards(uint256 taskSeed, uint256 nodeSeed, uint256 howMany) public track("assignShards") {
        (uint256 taskId, TaskView memory t) = _pickTask(taskSeed);
        if (taskId == 0 || !_active(t.status)) return;
        uint256[] memory pending = _pending(taskId, t.shardCount, bound(howMany, 1, 3));
        if (pending.length == 0) return;
        uint256 nodeId = _eligibleNode(nodeSeed, t, t.collateralPerShard * pending.length, 0);
        if (nodeId == 0) return;
        Assignment[] memory a = new Assignment[](pending.length);
        for (uint256 i; i < pending.length; ++i) {
            a[i] =
                Assignment({taskId: uint64(taskId), shardIndex: uint32(pending[i]), nodeId: uint64(nodeId)});
        }
        vm.prank(keeper);
        try taskManager.assignShards(a) {
            done["assignShards"]++;
        } catch (bytes memory err) {
            _unexpected("assignShards", err);
        }
    }

    /// @dev Up to `want` Pending shards of the task.
    function _pending(uint256 taskId, uint256 shardCount, uint256 want)
        internal
        view
        returns (uint256[] memory p)
    {
        uint256[] memory found = new uint256[](want);
        uint256 n;
        for (uint256 i; i < shardCount && n < want; ++i) {
            if (taskManager.getShard(taskId, i).status == ShardStatus.Pending) found[n++] = i;
        }
        p = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            p[i] = found[i];
        }
    }

    /// @dev Records a pending audit when there is one; otherwise anyone runs the Sortition's audit draw for a
    ///      submitted shard (the draw, not the caller, decides whether and by whom it is audited).
    function audit(uint256 taskSeed, uint256 shardSeed, uint256) public track("audit") {
        (uint256 taskId, uint256 shard) = _findAuditToRecord(taskSeed);
        if (taskId != 0) {
            ShardView memory s = taskManager.getShard(taskId, shard);
            vm.prank(workerOf[s.auditorNodeId]);
            try taskManager.recordAudit(taskId, shard) {
                done["recordAudit"]++;
            } catch (bytes memory err) {
                _unexpected("recordAudit", err);
            }
            return;
        }
        (taskId, shard) = _findShard(taskSeed, shardSeed, ShardStatus.Submitted, true);
        if (taskId == 0) return;
        TaskView memory t = taskManager.getTask(taskId);
        ShardView memory sv = taskManager.getShard(taskId, shard);
        if (sv.auditStatus != AuditStatus.None || t.auditsUsed >= t.auditBudget) return;
        if (block.number <= sv.submittedBlock + 1) vm.roll(sv.submittedBlock + 2);
        if (block.number > sv.submittedBlock + 257) return; // the draw's seed is gone
        vm.prank(anyone);
        try sortition.assignAudit(taskId, shard) returns (uint256 verifier) {
            address subOp = registry.operatorOf(sv.nodeId);
            assertTrue(registry.operatorOf(verifier) != subOp, "audited by its own operator");
            assertTrue(registry.operatorOf(verifier) != t.client, "audited by the client");
            done["assignAudit"]++;
        } catch (bytes memory err) {
            bytes4 sel = bytes4(err);
            if (
                sel == ISortition.NotSelectedForAudit.selector
                    || sel == ISortition.NoEligibleVerifier.selector
            ) {
                done["auditNotDrawn"]++;
            } else {
                _unexpected("assignAudit", err);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Workers
    // ---------------------------------------------------------------------------------------------

    /// @dev The assigned node submits `count` checkpoints; a re-run repeats the inherited prefix unchanged. Honest
    ///      nodes submit the truth; cartel nodes diverge from it from a random checkpoint on (sometimes not at
    ///      all), and half the time the cartel's decoy wallet at once commits a challenge on a correct checkpoint
    ///      of that result, before the watcher commits on the first wrong one.
    function submit(uint256 taskSeed, uint256 shardSeed, uint256 count) public track("submit") {
        // Up to three assigned shards in one call: nodes usually deliver.
        for (uint256 k; k < 3; ++k) {
            (uint256 taskId, uint256 shard) = _findShard(taskSeed, shardSeed, ShardStatus.Assigned, true);
            if (taskId == 0) return;
            _submit(taskId, shard, uint256(keccak256(abi.encode(count, k))));
        }
    }

    /// @dev `seed`: bits 0-15 the checkpoint count, 16-23 where the cartel starts lying, bit 24 whether its
    ///      decoy challenges, 32+ which correct checkpoint the decoy picks.
    function _submit(uint256 taskId, uint256 shard, uint256 seed) internal {
        ShardView memory s = taskManager.getShard(taskId, shard);
        uint256 count = bound(seed & 0xffff, s.resumeFrom == 0 ? 1 : s.resumeFrom, MAX_CKPTS);
        // The cartel starts lying at `bad` (count = never).
        uint256 bad = isCartel[s.nodeId] ? bound((seed >> 16) & 0xff, s.resumeFrom, count) : count;
        bytes32[] memory hashes = _run(taskId, shard, s.resumeFrom, count, bad);
        Checkpoint[] memory cps = _checkpoints(hashes);
        bytes32 manifest = keccak256(abi.encode("manifest", taskId, shard, s.epoch, hashes));
        vm.prank(workerOf[s.nodeId]);
        try taskManager.submitResult(taskId, shard, manifest, cps) {
            _hashes[taskId][shard] = hashes;
            _manifest[taskId][shard] = manifest;
            done["submit"]++;
        } catch (bytes memory err) {
            _unexpected("submit", err);
            return;
        }
        uint256 firstWrong = _firstWrong(taskId, shard, hashes);
        if (firstWrong < count) ghost_wrongResults++;
        if (isCartel[s.nodeId] && firstWrong > 0 && (seed >> 24) % 2 == 0) {
            ghost_decoys++;
            _commitPending(decoy, taskId, shard, (seed >> 32) % firstWrong, block.number + 1);
        }
        if (firstWrong < count) _commitPending(watcher, taskId, shard, firstWrong, block.number + 1);
    }

    /// @dev Checkpoint hashes of a new run: 0..resumeFrom-1 repeated from the run it resumes, then the truth up to
    ///      `bad`, then made-up hashes.
    function _run(uint256 taskId, uint256 shard, uint256 resumeFrom, uint256 count, uint256 bad)
        internal
        returns (bytes32[] memory hashes)
    {
        hashes = new bytes32[](count);
        bytes32[] storage prev = _resumeHashes[taskId][shard];
        uint256 salt = ++_nonce;
        for (uint256 i; i < count; ++i) {
            if (i < resumeFrom) hashes[i] = prev[i];
            else if (i < bad) hashes[i] = _truth(taskId, shard, i);
            else hashes[i] = keccak256(abi.encode("made up", salt, i));
        }
    }

    /// @dev The correct hash of checkpoint `i` of a shard: what every honest re-execution computes.
    function _truth(uint256 taskId, uint256 shard, uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encode("truth", taskId, shard, i));
    }

    function _firstWrong(uint256 taskId, uint256 shard, bytes32[] memory hashes)
        internal
        pure
        returns (uint256)
    {
        for (uint256 i; i < hashes.length; ++i) {
            if (hashes[i] != _truth(taskId, shard, i)) return i;
        }
        return hashes.length;
    }

    function _checkpoints(bytes32[] memory hashes) internal pure returns (Checkpoint[] memory cps) {
        cps = new Checkpoint[](hashes.length);
        for (uint256 i; i < hashes.length; ++i) {
            cps[i] = Checkpoint({step: uint64(_step(i)), hash: hashes[i]});
        }
    }

    function _tree(bytes32[] memory hashes)
        internal
        pure
        returns (bytes32[] memory leaves, CheckpointTree.Tree memory tree)
    {
        leaves = CheckpointTree.leavesOf(_checkpoints(hashes));
        tree = CheckpointTree.build(leaves);
    }

    function release(uint256 taskSeed, uint256 shardSeed, uint256 reason) public track("release") {
        (uint256 taskId, uint256 shard) = _findShard(taskSeed, shardSeed, ShardStatus.Assigned, true);
        if (taskId == 0) return;
        ShardView memory s = taskManager.getShard(taskId, shard);
        if (block.timestamp > s.deadline) return;
        vm.prank(workerOf[s.nodeId]);
        try taskManager.releaseShard(taskId, shard, ReleaseReason(bound(reason, 1, 6)), keccak256("logs")) {
            done["release"]++;
        } catch (bytes memory err) {
            _unexpected("release", err);
        }
    }

    /// @dev Liveness pings on an Assigned shard in time: the keeper pings it (op 0), its node answers (op 1), or
    ///         anyone releases it as unresponsive once respondBy has passed (op 2, warping there when the deadline
    ///         allows). Each is tried only when its preconditions hold, so every revert is unexpected (P21).
    function liveness(uint256 taskSeed, uint256 shardSeed, uint256 op) public track("liveness") {
        (uint256 taskId, uint256 shard) = _findShard(taskSeed, shardSeed, ShardStatus.Assigned, true);
        if (taskId == 0) return;
        ShardView memory s = taskManager.getShard(taskId, shard);
        (uint16 epoch, uint64 respondBy, uint64 nextPingAt) = taskManager.shardPing(taskId, shard);
        bool outstanding = epoch == s.epoch && respondBy != 0;
        op = op % 3;
        if (op == 0) {
            if (outstanding || (epoch == s.epoch && block.timestamp < nextPingAt)) return;
            vm.prank(keeper);
            try taskManager.pingShard(taskId, shard) {
                done["pingShard"]++;
            } catch (bytes memory err) {
                _unexpected("pingShard", err);
            }
        } else if (op == 1) {
            if (!outstanding) return;
            vm.prank(workerOf[s.nodeId]);
            try taskManager.answerPing(taskId, shard) {
                done["answerPing"]++;
            } catch (bytes memory err) {
                _unexpected("answerPing", err);
            }
        } else {
            if (!outstanding || uint256(respondBy) + 1 > s.deadline) return;
            if (block.timestamp <= respondBy) _advance(uint256(respondBy) + 1 - block.timestamp);
            // Time passing may have let the honest actors move the shard on.
            s = taskManager.getShard(taskId, shard);
            if (s.status != ShardStatus.Assigned || s.epoch != epoch || block.timestamp > s.deadline) return;
            vm.prank(anyone);
            try taskManager.releaseUnresponsive(taskId, shard) {
                done["releaseUnresponsive"]++;
            } catch (bytes memory err) {
                _unexpected("releaseUnresponsive", err);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Anyone
    // ---------------------------------------------------------------------------------------------

    /// @dev Times out an assigned shard, warping past its deadline when it is not yet late.
    function timeout(uint256 taskSeed, uint256 shardSeed) public track("timeout") {
        (uint256 taskId, uint256 shard) = _findShard(taskSeed, shardSeed, ShardStatus.Assigned);
        if (taskId == 0) return;
        ShardView memory s = taskManager.getShard(taskId, shard);
        if (block.timestamp <= s.deadline) {
            if ((taskSeed >> 128) % 2 == 0) return; // half the time, only shards already late
            _advance(uint256(s.deadline) + 1 - block.timestamp);
            if (taskManager.getShard(taskId, shard).status != ShardStatus.Assigned) return;
        }
        vm.prank(anyone);
        try taskManager.timeoutShard(taskId, shard) {
            done["timeout"]++;
        } catch (bytes memory err) {
            _unexpected("timeout", err);
        }
    }

    /// @dev Finalizes every finalizable shard in one batch, warping past one window first if none is.
    function finalize(uint256 taskSeed, uint256 shardSeed) public track("finalize") {
        ShardRef[] memory refs = _finalizable();
        if (refs.length == 0) {
            (uint256 taskId, uint256 shard) = _findShard(taskSeed, shardSeed, ShardStatus.Submitted);
            if (taskId == 0) return;
            uint256 end = uint256(taskManager.getShard(taskId, shard).deadline) + 1;
            if (taskManager.getShard(taskId, shard).challengeCommitted) {
                end += taskManager.getParameter("challengeRevealPeriod");
            }
            if (end > block.timestamp) _advance(end - block.timestamp);
            refs = _finalizable();
            if (refs.length == 0) return;
        }
        vm.prank(anyone);
        try taskManager.finalizeShards(refs) {
            done["finalize"]++;
        } catch (bytes memory err) {
            _unexpected("finalize", err);
        }
    }

    function sweepFees() public track("sweepFees") {
        if (taskManager.accruedFees() == 0) return;
        vm.prank(anyone);
        try taskManager.sweepFees() {
            done["sweepFees"]++;
        } catch (bytes memory err) {
            _unexpected("sweepFees", err);
        }
    }

    function warp(uint256 secondsAhead) public track("warp") {
        _advance(bound(secondsAhead, 1 minutes, 2 days));
    }

    // ---------------------------------------------------------------------------------------------
    // Disputes
    // ---------------------------------------------------------------------------------------------

    /// @dev The cartel (its decoy wallet, or a plain challenger account) commits a challenge of checkpoint d of
    ///      a submitted result, usually an honest one, and reveals it after a random number of blocks (up to 300:
    ///      past 256 the committee seed block is re-targeted). A quarter of the time it commits after the window,
    ///      which must be refused.
    function challenge(uint256 taskSeed, uint256 shardSeed, uint256 who, uint256 d)
        public
        track("challenge")
    {
        bool late = (who >> 16) % 4 == 3;
        (uint256 taskId, uint256 shard) = _findShard(taskSeed, shardSeed, ShardStatus.Submitted, !late);
        if (taskId == 0) return;
        ShardView memory s = taskManager.getShard(taskId, shard);
        address from = (who >> 8) % 2 == 0 ? decoy : challengers[who % challengers.length];
        d = bound(d, 0, s.checkpointCount - 1);
        if (late && block.timestamp <= s.deadline) _advance(uint256(s.deadline) + 1 - block.timestamp);
        _commitPending(from, taskId, shard, d, block.number + 1 + (who >> 24) % 300);
    }

    /// @dev Commits a challenge of checkpoint `d` of the shard's current result from `who`, to be revealed from
    ///      block `revealAt` on. A commit after the window must be refused (ChallengeWindowClosed).
    function _commitPending(address who, uint256 taskId, uint256 shard, uint256 d, uint256 revealAt)
        internal
    {
        ChallengeParams memory p = _challengeParams(taskId, shard, d);
        bytes32 salt = keccak256(abi.encode("salt", who, ++_nonce));
        bytes32 commitment = disputeManager.challengeCommitment(who, p, salt);
        ShardView memory s = taskManager.getShard(taskId, shard);
        vm.prank(who);
        try disputeManager.commitChallenge(uint64(taskId), uint32(shard), commitment) returns (
            uint256 commitId
        ) {
            assertLe(block.timestamp, s.deadline, "challenge committed after the window");
            _pendingChallenges.push(
                PendingChallenge({
                    commitId: commitId, who: who, revealAtBlock: revealAt, salt: salt, params: p
                })
            );
            done["commitChallenge"]++;
        } catch (bytes memory err) {
            if (bytes4(err) == ITaskManager.ChallengeWindowClosed.selector && block.timestamp > s.deadline) {
                done["lateCommitRefused"]++;
            } else {
                _unexpected("commitChallenge", err);
            }
        }
    }

    /// @dev The cartel's members of an open committee vote against the truth, say data unavailable, abstain, or
    ///      commit and never reveal (by `voteSeed`); in the reveal phase those selected by `revealMask` reveal.
    function vote(uint256 disputeSeed, uint256 voteSeed, uint256 revealMask) public track("vote") {
        uint256 id = _pickOpenDispute(disputeSeed);
        if (id == 0) return;
        DisputeView memory dv = disputeManager.getDispute(id);
        if (dv.status != DisputeStatus.Voting) return;
        bool truthWrong = dv.leafHash != _truth(dv.taskId, dv.shardIndex, dv.checkpointIndex);
        for (uint256 i; i < dv.committee.length; ++i) {
            uint256 m = dv.committee[i];
            if (!isCartel[m]) continue;
            if (block.timestamp <= dv.commitDeadline) {
                uint256 r = (voteSeed >> (8 * i)) % 4;
                if (r == 0) continue; // abstains
                Vote lie = truthWrong ? Vote.SubmitterRight : Vote.SubmitterWrong;
                _commitVote(id, dv.round, m, r == 1 ? Vote.DataUnavailable : lie);
            } else if (block.timestamp <= dv.revealDeadline && (revealMask >> i) % 2 == 1) {
                _revealVote(id, dv.round, m);
            }
        }
    }

    function _commitVote(uint256 id, uint8 round, uint256 nodeId, Vote v) internal {
        (bytes32 c,) = disputeManager.voteOf(id, nodeId);
        if (c != bytes32(0)) return;
        bytes32 key = keccak256(abi.encode(id, round, nodeId));
        _votes[key] = v;
        bytes32 commitment = disputeManager.voteCommitment(id, nodeId, v, key);
        vm.prank(workerOf[nodeId]);
        try disputeManager.commitVote(id, nodeId, commitment) {
            done["commitVote"]++;
        } catch (bytes memory err) {
            _unexpected("commitVote", err);
        }
    }

    function _revealVote(uint256 id, uint8 round, uint256 nodeId) internal {
        (bytes32 c, Vote revealed) = disputeManager.voteOf(id, nodeId);
        if (c == bytes32(0) || revealed != Vote.None) return;
        bytes32 key = keccak256(abi.encode(id, round, nodeId));
        vm.prank(workerOf[nodeId]);
        try disputeManager.revealVote(id, nodeId, _votes[key], key) {
            done["revealVote"]++;
        } catch (bytes memory err) {
            _unexpected("revealVote", err);
        }
    }

    /// @dev Lets time run to the end of an open dispute's reveal phase; the honest actors resolve it on the way.
    function resolve(uint256 disputeSeed) public track("resolve") {
        uint256 id = _pickOpenDispute(disputeSeed);
        if (id == 0) return;
        DisputeView memory dv = disputeManager.getDispute(id);
        if (dv.status == DisputeStatus.Voting && block.timestamp <= dv.revealDeadline) {
            _advance(uint256(dv.revealDeadline) + 1 - block.timestamp);
        } else {
            _keepAlive();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Honest actors
    // ---------------------------------------------------------------------------------------------

    /// @dev What honest actors do whenever they get the chance: the watcher and the decoy reveal their due
    ///      commitments (the cartel's grinding ones wait for their block), stale commitments are closed, committees
    ///      are drawn once their seed block is mined, honest members vote the truth in the right phase, and
    ///      disputes are resolved once their reveal phase is over.
    function _keepAlive() internal {
        _revealPending();
        uint256 count = disputeManager.disputeCount();
        for (uint256 id = 1; id <= count; ++id) {
            DisputeView memory dv = disputeManager.getDispute(id);
            if (dv.status == DisputeStatus.Drawing) {
                if (dv.seedBlock >= block.number) vm.roll(uint256(dv.seedBlock) + 1);
                vm.prank(anyone);
                try disputeManager.drawCommittee(id) {
                    done["drawCommittee"]++;
                } catch (bytes memory err) {
                    _unexpected("drawCommittee", err);
                }
                dv = disputeManager.getDispute(id);
            }
            if (dv.status != DisputeStatus.Voting) continue;
            _honestVotes(id, dv);
            dv = disputeManager.getDispute(id);
            if (block.timestamp > dv.revealDeadline || dv.reveals == dv.committee.length) {
                vm.prank(anyone);
                try disputeManager.resolve(id) {
                    done["resolve"]++;
                } catch (bytes memory err) {
                    _unexpected("resolve", err);
                }
            }
        }
    }

    function _honestVotes(uint256 id, DisputeView memory dv) internal {
        bool truthWrong = dv.leafHash != _truth(dv.taskId, dv.shardIndex, dv.checkpointIndex);
        for (uint256 i; i < dv.committee.length; ++i) {
            uint256 m = dv.committee[i];
            if (isCartel[m]) continue;
            if (block.timestamp <= dv.commitDeadline) {
                _commitVote(id, dv.round, m, truthWrong ? Vote.SubmitterWrong : Vote.SubmitterRight);
            } else if (block.timestamp <= dv.revealDeadline) {
                _revealVote(id, dv.round, m);
            }
        }
    }

    /// @dev Reveals due commitments (rolling a block when the watcher's or decoy's is not yet revealable), closes
    ///      those whose attempt is gone or whose reveal deadline passed.
    function _revealPending() internal {
        uint256 i;
        while (i < _pendingChallenges.length) {
            PendingChallenge memory pc = _pendingChallenges[i];
            if (_settlePending(pc)) {
                _pendingChallenges[i] = _pendingChallenges[_pendingChallenges.length - 1];
                _pendingChallenges.pop();
            } else {
                ++i;
            }
        }
    }

    /// @dev One pending commitment; returns true when it is no longer pending.
    function _settlePending(PendingChallenge memory pc) internal returns (bool) {
        ChallengeCommitView memory cv = disputeManager.getChallengeCommit(pc.commitId);
        if (cv.status != ChallengeCommitStatus.Committed) return true;
        ShardView memory s = taskManager.getShard(cv.taskId, cv.shardIndex);
        bool targeted =
            s.epoch == cv.epoch && (s.status == ShardStatus.Submitted || s.status == ShardStatus.Challenged);
        if (!targeted || block.timestamp > cv.revealDeadline) {
            // The watcher missing its reveal would void the protection (it never should).
            if (targeted && pc.who == watcher) ghost_compromised[cv.taskId][cv.shardIndex][cv.epoch] = true;
            vm.prank(anyone);
            try disputeManager.closeChallengeCommit(pc.commitId) {
                done["closeChallengeCommit"]++;
            } catch (bytes memory err) {
                _unexpected("closeChallengeCommit", err);
            }
            return true;
        }
        if (block.number < pc.revealAtBlock) {
            if (pc.who == watcher || pc.who == decoy) vm.roll(pc.revealAtBlock);
            else return false;
        }
        if (block.number <= cv.committedBlock) vm.roll(uint256(cv.committedBlock) + 1);
        vm.prank(pc.who);
        try disputeManager.revealChallenge(pc.commitId, pc.params, pc.salt) {
            done["revealChallenge"]++;
        } catch (bytes memory err) {
            _unexpected("revealChallenge", err);
        }
        return true;
    }

    /// @dev Moves time forward by `dt`, stopping at every phase boundary of an open dispute so the honest
    ///      actors act in each phase.
    function _advance(uint256 dt) internal {
        for (uint256 step; step < 24 && dt != 0; ++step) {
            _keepAlive();
            uint256 next = _nextBoundary();
            uint256 to = block.timestamp + dt;
            if (next == 0 || next > to) {
                vm.warp(to);
                vm.roll(block.number + 1);
                dt = 0;
            } else {
                dt -= next - block.timestamp;
                vm.warp(next);
                vm.roll(block.number + 1);
            }
        }
        if (dt != 0) {
            vm.warp(block.timestamp + dt);
            vm.roll(block.number + 1);
        }
        _keepAlive();
    }

    /// @dev The earliest future time at which an open dispute changes phase (0 if none).
    function _nextBoundary() internal view returns (uint256 next) {
        uint256 count = disputeManager.disputeCount();
        for (uint256 id = 1; id <= count; ++id) {
            DisputeView memory dv = disputeManager.getDispute(id);
            if (dv.status != DisputeStatus.Voting) continue;
            uint256 t = block.timestamp <= dv.commitDeadline
                ? uint256(dv.commitDeadline) + 1
                : (block.timestamp <= dv.revealDeadline ? uint256(dv.revealDeadline) + 1 : 0);
            if (t != 0 && (next == 0 || t < next)) next = t;
        }
        for (uint256 i; i < _pendingChallenges.length; ++i) {
            uint256 t = disputeManager.getChallengeCommit(_pendingChallenges[i].commitId).revealDeadline;
            if (t > block.timestamp && (next == 0 || t < next)) next = t; // reveal just in time
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Governor
    // ---------------------------------------------------------------------------------------------

    /// @dev Changes one task, dispute or registry parameter within its bounds (not minStake or tier thresholds:
    ///      stored tiers and the active set follow those only on refreshTier); in-flight work keeps its terms.
    function govern(uint256 which, uint256 value) public track("govern") {
        which = which % 11;
        address target =
            which < 4 ? address(taskManager) : (which < 9 ? address(disputeManager) : address(registry));
        bytes32 name;
        if (which == 0) (name, value) = ("challengeWindow", bound(value, 1 hours, 2 days));
        else if (which == 1) (name, value) = ("maxAttempts", bound(value, 1, 4));
        else if (which == 2) (name, value) = ("collateralRatioBps", bound(value, 1, 20_000));
        else if (which == 3) (name, value) = ("timeoutSlashBps", bound(value, 0, BPS));
        else if (which == 4) (name, value) = ("committeeSize", 2 * bound(value, 0, 2) + 1);
        else if (which == 5) (name, value) = ("challengeBond", bound(value, 0, 200 * NRL));
        else if (which == 6) (name, value) = ("disputeSlashBps", bound(value, 0, BPS));
        else if (which == 7) (name, value) = ("nonRevealSlash", bound(value, 0, 50 * NRL));
        else if (which == 8) (name, value) = ("voterRewardBps", bound(value, 0, BPS));
        else if (which == 9) (name, value) = ("jailPeriod", bound(value, 1 hours, 3 days));
        else (name, value) = ("unbondingPeriod", bound(value, 1 hours, 7 days));
        vm.prank(governor);
        (bool ok, bytes memory err) =
            target.call(abi.encodeWithSignature("setParameter(bytes32,uint256)", name, value));
        if (ok) done["govern"]++;
        else _unexpected("setParameter", err);
    }

    // ---------------------------------------------------------------------------------------------
    // Weighted entry points: the fuzzer picks selectors uniformly, so the busy paths of a task's life get
    // a second selector, and the node-operator and housekeeping actions share one each.
    // ---------------------------------------------------------------------------------------------

    function postTaskAgain(
        uint256 clientSeed,
        uint256 shards,
        uint256 reward,
        uint256 auditRate,
        uint256 duration
    ) external {
        postTask(clientSeed, shards, reward, auditRate, duration);
    }

    function assignShardsAgain(uint256 taskSeed, uint256 nodeSeed, uint256 howMany) external {
        assignShards(taskSeed, nodeSeed, howMany);
    }

    function submitAgain(uint256 taskSeed, uint256 shardSeed, uint256 count) external {
        submit(taskSeed, shardSeed, count);
    }

    function challengeAgain(uint256 taskSeed, uint256 shardSeed, uint256 who, uint256 d) external {
        challenge(taskSeed, shardSeed, who, d);
    }

    function voteAgain(uint256 disputeSeed, uint256 voteSeed, uint256 revealMask) external {
        vote(disputeSeed, voteSeed, revealMask);
    }

    function finalizeAgain(uint256 taskSeed, uint256 shardSeed) external {
        finalize(taskSeed, shardSeed);
    }

    /// @dev One node-operator action: register, stake, unstake, withdraw, pause/resume, exit, unjail, rotate the
    ///      worker key or update the node.
    function nodeAction(uint256 op, uint256 nodeSeed, uint256 amount) external {
        op = op % 10;
        if (op == 0) registerNode(amount);
        else if (op == 1) stake(nodeSeed, amount);
        else if (op == 2) requestUnstake(nodeSeed, amount);
        else if (op == 3) withdraw(nodeSeed);
        else if (op == 4) pauseOrResume(nodeSeed);
        else if (op == 5) exitNode(nodeSeed);
        else if (op == 6) setWorker(nodeSeed);
        else if (op == 7) updateNode(nodeSeed, amount);
        else unjail(nodeSeed); // twice as likely: timeouts and lost disputes jail nodes
    }

    /// @dev Housekeeping: time passes, the governor changes a parameter, or fees are swept.
    function housekeeping(uint256 op, uint256 a, uint256 b) external {
        op = op % 3;
        if (op == 0) warp(a);
        else if (op == 1) govern(a, b);
        else sweepFees();
    }

    // ---------------------------------------------------------------------------------------------
    // Drain: drive every task and dispute to its end
    // ---------------------------------------------------------------------------------------------

    /// @notice Cancels every active task, then lets time run (the honest actors reveal, draw, vote and resolve
    ///         every dispute), times out and finalizes until every shard is terminal, and closes every unrevealed
    ///         commitment. Every call must succeed: a revert here means funds could be stuck.
    function drain() external {
        vm.recordLogs();
        uint256 tasks = taskManager.taskCount();
        for (uint256 id = 1; id <= tasks; ++id) {
            TaskView memory t = taskManager.getTask(id);
            if (_active(t.status)) {
                vm.prank(t.client);
                taskManager.cancelTask(id);
            }
        }
        for (uint256 round; round < 6; ++round) {
            _advance(3 days);
            for (uint256 id = 1; id <= tasks; ++id) {
                uint256 count = taskManager.getTask(id).shardCount;
                for (uint256 i; i < count; ++i) {
                    if (taskManager.getShard(id, i).status == ShardStatus.Assigned) {
                        vm.prank(anyone);
                        taskManager.timeoutShard(id, i);
                    }
                }
            }
            ShardRef[] memory refs = _finalizable();
            if (refs.length != 0) {
                vm.prank(anyone);
                taskManager.finalizeShards(refs);
            }
        }
        // Commitments the cartel never revealed: their reveal deadlines are long past.
        uint256 commits = disputeManager.challengeCommitCount();
        for (uint256 id = 1; id <= commits; ++id) {
            if (disputeManager.getChallengeCommit(id).status == ChallengeCommitStatus.Committed) {
                vm.prank(anyone);
                disputeManager.closeChallengeCommit(id);
            }
        }
        delete _pendingChallenges;
        _process(vm.getRecordedLogs());
    }

    /// @notice After `drain`: every node leaves and withdraws everything (no stake can be stuck either).
    function exitAll() external {
        vm.recordLogs();
        for (uint256 i; i < nodeIds.length; ++i) {
            uint256 id = nodeIds[i];
            NodeView memory n = registry.getNode(id);
            if (n.status != NodeStatus.Exited) {
                vm.prank(n.operator);
                registry.exit(id);
            }
        }
        vm.warp(block.timestamp + 91 days);
        for (uint256 i; i < nodeIds.length; ++i) {
            if (registry.getNode(nodeIds[i]).unbonding != 0) registry.withdraw(nodeIds[i]);
        }
        if (taskManager.accruedFees() != 0) taskManager.sweepFees();
        _process(vm.getRecordedLogs());
    }

    // ---------------------------------------------------------------------------------------------
    // Internal: ghost accounting from events
    // ---------------------------------------------------------------------------------------------

    function _process(Vm.Log[] memory logs) internal {
        uint256[] memory resolved = new uint256[](logs.length);
        uint256[] memory slashedOf = new uint256[](logs.length);
        uint256 nResolved;
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory l = logs[i];
            if (l.topics.length == 0) continue;
            if (l.emitter == address(taskManager)) {
                _onTaskEvent(l);
            } else if (l.emitter == address(registry)) {
                if (l.topics[0] == INodeRegistry.Slashed.selector) {
                    (uint256 amount,) = abi.decode(l.data, (uint256, uint8));
                    ghost_slashed[uint256(l.topics[1])] += amount;
                    ghost_slashSeq[uint256(l.topics[1])] = ++_seq;
                } else if (l.topics[0] == INodeRegistry.Withdrawn.selector) {
                    ghost_withdrawn[uint256(l.topics[1])] += abi.decode(l.data, (uint256));
                }
            } else if (l.emitter == address(disputeManager)) {
                if (l.topics[0] == IDisputeManager.DisputePayout.selector) {
                    (, uint256 amount) = abi.decode(l.data, (uint8, uint256));
                    ghost_disputePaid[uint256(l.topics[1])] += amount;
                } else if (l.topics[0] == IDisputeManager.DisputeResolved.selector) {
                    (uint8 outcome,,, uint256 slashed, bool live) =
                        abi.decode(l.data, (uint8, uint8, uint8, uint256, bool));
                    resolved[nResolved] = uint256(l.topics[1]);
                    slashedOf[nResolved++] = slashed;
                    _judge(uint256(l.topics[1]), DisputeOutcome(outcome), slashed, live, logs);
                }
            }
        }
        for (uint256 i; i < nResolved; ++i) {
            uint256 id = resolved[i];
            ghost_disputesResolved++;
            if (ghost_disputePaid[id] != slashedOf[i] + disputeManager.getDispute(id).bond) {
                ghost_disputePayoutMismatch++;
            }
        }
    }

    /// @dev Economic checks of one resolved dispute: an honest majority of revealed votes always decides the
    ///      truth; a verdict against the truth (or no verdict) marks the judged attempt as compromised; a
    ///      self-challenge never pays the cartel more than it costs it.
    function _judge(uint256 id, DisputeOutcome outcome, uint256 slashed, bool live, Vm.Log[] memory logs)
        internal
    {
        DisputeView memory dv = disputeManager.getDispute(id);
        bool truthWrong = dv.leafHash != _truth(dv.taskId, dv.shardIndex, dv.checkpointIndex);
        uint256 honest;
        uint256 cartel;
        for (uint256 i; i < dv.committee.length; ++i) {
            (, Vote v) = disputeManager.voteOf(id, dv.committee[i]);
            if (v == Vote.None) continue;
            if (isCartel[dv.committee[i]]) ++cartel;
            else ++honest;
        }
        bool verdict = outcome == DisputeOutcome.SubmitterWrong || outcome == DisputeOutcome.SubmitterRight;
        bool saidWrong = outcome == DisputeOutcome.SubmitterWrong;
        if (!verdict || saidWrong != truthWrong) {
            if (truthWrong) ghost_compromised[dv.taskId][dv.shardIndex][dv.epoch] = true;
            if (verdict && honest > cartel) ghost_verdictAgainstHonestMajority++;
            if (verdict && !truthWrong && live) ghost_honestSlashedByDishonestMajority++;
        }
        if (dv.challenger == decoy && isCartel[dv.submitterNodeId]) {
            uint256 received;
            bytes32 sig = IDisputeManager.DisputePayout.selector;
            for (uint256 i; i < logs.length; ++i) {
                Vm.Log memory l = logs[i];
                if (l.emitter != address(disputeManager) || l.topics.length < 3 || l.topics[0] != sig) {
                    continue;
                }
                if (uint256(l.topics[1]) != id) continue;
                address to = address(uint160(uint256(l.topics[2])));
                (, uint256 amount) = abi.decode(l.data, (uint8, uint256));
                if (to == decoy || to == cartelOp) received += amount;
            }
            if (received > uint256(dv.bond) + slashed) ghost_selfChallengeProfit++;
        }
    }

    function _onTaskEvent(Vm.Log memory l) internal {
        bytes32 sig = l.topics[0];
        if (sig == ITaskManager.ShardFinalized.selector) {
            uint256 taskId = uint256(l.topics[1]);
            uint256 shard = uint256(l.topics[2]);
            bytes32[] memory hashes = _hashes[taskId][shard];
            uint16 epoch = taskManager.getShard(taskId, shard).epoch;
            if (
                _firstWrong(taskId, shard, hashes) < hashes.length && !ghost_compromised[taskId][shard][epoch]
            ) {
                ghost_wrongPaid++;
            }
            (uint256 payout, uint256 fee) = abi.decode(l.data, (uint256, uint256));
            if (++ghost_finalizedEvents[taskId][shard] > 1) ghost_paidTwice++;
            ghost_finalizedTotal++;
            // Payout + fee is exactly the price locked at the assignment; the rest of the max price is refunded.
            if (payout + fee != taskManager.getShard(taskId, shard).price) ghost_payoutNotPrice++;
            ghost_escrowOut[taskId] += payout + fee;
        } else if (sig == ITaskManager.AuditRecorded.selector) {
            (, uint256 fee) = abi.decode(l.data, (uint8, uint256));
            ghost_escrowOut[uint256(l.topics[1])] += fee;
        } else if (sig == ITaskManager.TaskRefunded.selector) {
            ghost_escrowOut[uint256(l.topics[1])] += abi.decode(l.data, (uint256));
        } else if (sig == ITaskManager.DatasetUsagePaid.selector) {
            uint256 taskId = uint256(l.topics[2]);
            (uint32 shards, uint256 amount, uint256 cut) = abi.decode(l.data, (uint32, uint256, uint256));
            ghost_escrowOut[taskId] += amount + cut;
            ghost_usagePaid[taskId] += amount + cut;
            ghost_usageShards[taskId] += shards;
            if (address(uint160(uint256(l.topics[3]))) != curator) ghost_usageMisdirected++;
        } else if (sig == ITaskManager.ShardAssigned.selector) {
            ghost_assignSeq[uint256(l.topics[1])][uint256(l.topics[2])] = ++_seq;
            _checkAssignedPrice(uint256(l.topics[1]), uint256(l.topics[3]), l.data);
        } else if (sig == ITaskManager.ShardRequeued.selector) {
            _onRequeued(uint256(l.topics[1]), uint256(l.topics[2]));
        }
    }

    /// @dev The price an assignment locks is the node's ask raised to minShardPrice, never above the task's max
    ///      (checked right after the call, so the ask is still the one the assignment read).
    function _checkAssignedPrice(uint256 taskId, uint256 nodeId, bytes memory data) internal {
        (,,,,, uint256 price) = abi.decode(data, (uint16, uint8, uint64, uint32, bytes32, uint256));
        uint256 ask = registry.getNode(nodeId).askPrice;
        uint256 minPrice = taskManager.getParameter("minShardPrice");
        uint256 maxPrice = taskManager.getTask(taskId).maxPricePerShard;
        uint256 expected = ask < minPrice ? minPrice : ask;
        if (expected > maxPrice) expected = ask;
        if (price != expected || price > maxPrice) ghost_payoutNotPrice++;
    }

    /// @dev A lost dispute re-queues the shard from checkpoint d: its next run repeats the losing
    ///      submission's checkpoints 0..d-1.
    function _onRequeued(uint256 taskId, uint256 shard) internal {
        ShardView memory s = taskManager.getShard(taskId, shard);
        if (s.resumeFrom == 0 || s.resumeManifestCid != _manifest[taskId][shard]) return;
        _resumeHashes[taskId][shard] = _hashes[taskId][shard];
    }

    function _unexpected(string memory action, bytes memory err) internal {
        ghost_unexpectedReverts++;
        ghost_lastRevert = err;
        ghost_lastRevertAction = action;
    }

    // ---------------------------------------------------------------------------------------------
    // Internal: picking
    // ---------------------------------------------------------------------------------------------

    /// @dev The curator publishes dataset 1, whose first version half the posted tasks reference.
    function _publishDataset() internal {
        IDatasetRegistry datasets = IDatasetRegistry(taskManager.datasetRegistry());
        vm.prank(curator);
        datasets.publish(
            DatasetParams({name: "digits", description: "8x8 digits", license: "CC-BY-4.0"}),
            DatasetVersionParams({
                contentCid: keccak256("digits v1"),
                contentCodec: 0x70,
                sizeBytes: 1 << 20,
                usageFeePerShard: DATASET_FEE,
                format: "csv: pixels[64],label",
                metadataCid: bytes32(0)
            })
        );
    }

    function _fund(address to, uint256 amount) internal {
        vm.prank(deployer);
        token.transfer(to, amount);
    }

    function _permit(uint256 ci, uint256 value)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s, uint256 dl)
    {
        dl = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
                ),
                clients[ci],
                address(taskManager),
                value,
                token.nonces(clients[ci]),
                dl
            )
        );
        (v, r, s) = vm.sign(
            clientKeys[ci], keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash))
        );
    }

    function _pickNode(uint256 seed) internal view returns (uint256 id, NodeView memory n) {
        if (nodeIds.length == 0) return (0, n);
        id = nodeIds[seed % nodeIds.length];
        n = registry.getNode(id);
    }

    function _pickTask(uint256 seed) internal view returns (uint256 taskId, TaskView memory t) {
        uint256 count = taskManager.taskCount();
        if (count == 0) return (0, t);
        taskId = seed % count + 1;
        t = taskManager.getTask(taskId);
    }

    function _active(TaskStatus status) internal pure returns (bool) {
        return status == TaskStatus.Open || status == TaskStatus.Running;
    }

    /// @dev The first shard in `status`, scanning tasks from `taskSeed` and shards from `shardSeed`.
    function _findShard(uint256 taskSeed, uint256 shardSeed, ShardStatus status)
        internal
        view
        returns (uint256, uint256)
    {
        return _findShard(taskSeed, shardSeed, status, false);
    }

    /// @dev With `inTime`, only a shard whose deadline (assignment or window) has not passed.
    function _findShard(uint256 taskSeed, uint256 shardSeed, ShardStatus status, bool inTime)
        internal
        view
        returns (uint256, uint256)
    {
        uint256 count = taskManager.taskCount();
        for (uint256 k; k < count; ++k) {
            uint256 taskId = (taskSeed % count + k) % count + 1;
            uint256 shards = taskManager.getTask(taskId).shardCount;
            for (uint256 j; j < shards; ++j) {
                uint256 shard = (shardSeed % shards + j) % shards;
                ShardView memory s = taskManager.getShard(taskId, shard);
                if (s.status != status || (inTime && block.timestamp > s.deadline)) continue;
                return (taskId, shard);
            }
        }
        return (0, 0);
    }

    function _findAuditToRecord(uint256 seed) internal view returns (uint256, uint256) {
        uint256 count = taskManager.taskCount();
        for (uint256 k; k < count; ++k) {
            uint256 taskId = (seed % count + k) % count + 1;
            uint256 shards = taskManager.getTask(taskId).shardCount;
            for (uint256 shard; shard < shards; ++shard) {
                ShardView memory s = taskManager.getShard(taskId, shard);
                if (s.auditStatus != AuditStatus.Assigned || block.timestamp > s.deadline) continue;
                if (s.status == ShardStatus.Submitted || s.status == ShardStatus.Challenged) {
                    return (taskId, shard);
                }
            }
        }
        return (0, 0);
    }

    function _eligibleNode(uint256 seed, TaskView memory t, uint256 collateral, uint256 exclude)
        internal
        view
        returns (uint256)
    {
        uint256 n = nodeIds.length;
        for (uint256 k; k < n; ++k) {
            uint256 id = nodeIds[(seed % n + k) % n];
            if (id == exclude) continue;
            if (registry.isEligible(id, t.minTier, t.resources, t.maxPricePerShard, collateral)) return id;
        }
        return 0;
    }

    function _finalizable() internal view returns (ShardRef[] memory refs) {
        uint256 count = taskManager.taskCount();
        ShardRef[] memory all = new ShardRef[](count * MAX_SHARDS);
        uint256 n;
        for (uint256 id = 1; id <= count; ++id) {
            uint256 shards = taskManager.getTask(id).shardCount;
            for (uint256 i; i < shards; ++i) {
                if (taskManager.isFinalizable(id, i)) {
                    all[n++] = ShardRef({taskId: uint64(id), shardIndex: uint32(i)});
                }
            }
        }
        refs = new ShardRef[](n);
        for (uint256 i; i < n; ++i) {
            refs[i] = all[i];
        }
    }

    function _pickOpenDispute(uint256 seed) internal view returns (uint256) {
        uint256 count = disputeManager.disputeCount();
        for (uint256 k; k < count; ++k) {
            uint256 id = (seed % count + k) % count + 1;
            if (disputeManager.getDispute(id).status == DisputeStatus.Voting) return id;
        }
        return 0;
    }

    function _other(Vote v) internal pure returns (Vote) {
        return v == Vote.SubmitterRight ? Vote.SubmitterWrong : Vote.SubmitterRight;
    }

    function _step(uint256 i) internal pure returns (uint256) {
        return (i + 1) * 500;
    }

    function _challengeParams(uint256 taskId, uint256 shard, uint256 d)
        internal
        view
        returns (ChallengeParams memory p)
    {
        bytes32[] storage hashes = _hashes[taskId][shard];
        bytes32[] memory leaves = new bytes32[](hashes.length);
        for (uint256 i; i < leaves.length; ++i) {
            leaves[i] = CheckpointMerkle.leaf(i, _step(i), hashes[i]);
        }
        p = ChallengeParams({
            taskId: uint64(taskId),
            shardIndex: uint32(shard),
            checkpointIndex: uint32(d),
            step: uint64(_step(d)),
            leafHash: hashes[d],
            challengerHash: keccak256(abi.encode("recomputed", hashes[d])),
            proof: CheckpointTree.build(leaves).proof(leaves[d])
        });
    }
}
