// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";

import {DatasetRegistry} from "../../src/DatasetRegistry.sol";
import {NeuralToken} from "../../src/NeuralToken.sol";
import {NodeRegistry} from "../../src/NodeRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {TaskManager} from "../../src/TaskManager.sol";
import {TaskManagerExtension} from "../../src/TaskManagerExtension.sol";
import {
    Assignment,
    AuditStatus,
    Capabilities,
    Checkpoint,
    PostTaskParams,
    ReleaseReason,
    Resources,
    ShardRef,
    ShardStatus,
    ShardView,
    TaskStatus,
    TaskView,
    Tier
} from "../../src/types/Types.sol";
import {WorkerConsent} from "../utils/WorkerConsent.sol";

/// @notice Drives TaskManager through random but valid sequences of every entry point. Each action checks its
///         preconditions through views, so an unexpected revert is a finding (counted, never hidden). Money
///         leaving the escrow is summed from TaskManager's own events into ghost variables. Disputes are
///         tracked as the DisputeManager would (several per shard, outliving their epoch), and every payment is
///         checked against them.
contract TaskHandler is Test {
    /// @dev A dispute opened through onChallenged and not yet resolved.
    struct OpenDispute {
        uint64 taskId;
        uint32 shardIndex;
        uint16 epoch;
        uint32 checkpointCount;
        uint256 disputeId;
    }

    TaskManager internal immutable tm;
    NeuralToken internal immutable token;
    NodeRegistry internal immutable registry;
    address internal immutable keeper;
    address internal immutable disputes;
    address internal immutable audits;

    OpenDispute[] internal openDisputes;
    mapping(uint256 taskId => mapping(uint256 shardIndex => uint256)) public ghost_openDisputes;
    /// @dev Epochs whose result lost a live dispute: never to be paid.
    mapping(uint256 taskId => mapping(uint256 shardIndex => mapping(uint16 epoch => bool))) public ghost_lost;
    bool public ghost_paidWhileDisputed;
    bool public ghost_paidLostResult;
    bool public ghost_paidEarly;

    address[] public clients;
    uint256[] public nodes;
    mapping(uint256 nodeId => address) public workerOf;
    mapping(uint256 nodeId => address) public operatorOf;
    uint256[] public taskIds;

    mapping(uint256 taskId => uint256) public escrowOf; // escrowed at post
    mapping(uint256 taskId => uint256) public outOf; // rewards paid, audit fees paid and refunds, from events
    mapping(uint256 taskId => mapping(uint256 shardIndex => bool)) public paid;

    uint256 public ghost_escrowed;
    uint256 public ghost_paidToNodes; // payouts and audit fees
    uint256 public ghost_feesAccrued;
    uint256 public ghost_refunds;
    uint256 public ghost_swept;
    uint256 public ghost_paidShards;
    bool public ghost_paidTwice;
    uint256 public ghost_unexpectedReverts;
    bytes public ghost_lastRevert;
    uint256 internal disputeSeq;

    constructor(
        TaskManager tm_,
        NeuralToken token_,
        NodeRegistry registry_,
        address keeper_,
        address disputes_,
        address audits_,
        address bank
    ) {
        tm = tm_;
        token = token_;
        registry = registry_;
        keeper = keeper_;
        disputes = disputes_;
        audits = audits_;
        for (uint256 i; i < 3; ++i) {
            address c = makeAddr(string.concat("client", vm.toString(i)));
            vm.prank(bank);
            token.transfer(c, 100_000_000 ether);
            vm.prank(c);
            token.approve(address(tm), type(uint256).max);
            clients.push(c);
        }
        for (uint256 i; i < 5; ++i) {
            address op = makeAddr(string.concat("op", vm.toString(i)));
            (address wk, uint256 wkKey) = makeAddrAndKey(string.concat("wk", vm.toString(i)));
            uint256 stake = 1_000_000 ether;
            vm.prank(bank);
            token.transfer(op, stake);
            (uint256 deadline, bytes memory sig) = WorkerConsent.sign(vm, registry_, wkKey, op, 0);
            vm.startPrank(op);
            token.approve(address(registry), stake);
            // Node 4 asks 1 NRL per shard (ineligible for cheap tasks); the others take anything.
            uint256 id =
                registry.register(wk, _caps(), i == 4 ? 1 ether : 0, bytes32(i + 1), stake, deadline, sig);
            vm.stopPrank();
            nodes.push(id);
            workerOf[id] = wk;
            operatorOf[id] = op;
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Actions
    // ----------------------------------------------------------------------------------------------

    function postTask(uint256 clientSeed, uint256 shardCount, uint256 reward, uint256 auditRate, uint256 tier)
        external
    {
        PostTaskParams memory p = PostTaskParams({
            specCid: keccak256(abi.encode("spec", taskIds.length)),
            shardCount: uint32(bound(shardCount, 1, 6)),
            // From the smallest reward whose collateral (50%) reaches minCollateral (1e15).
            maxPricePerShard: uint128(bound(reward, 2e15, 200 ether)),
            minTier: Tier(bound(tier, 0, 1)),
            resources: Resources({gpus: 1, vramMiB: 1024, cpus: 1, memoryMiB: 1024}),
            maxDuration: uint64(1 hours),
            auditRateBps: uint16(bound(auditRate, 0, 10_000)),
            datasetId: 0,
            datasetVersion: 0
        });
        address client = clients[clientSeed % clients.length];
        uint256 escrow = tm.quoteEscrow(p);
        vm.prank(client);
        _call(address(tm), abi.encodeCall(TaskManager.postTask, (p)));
        uint256 taskId = tm.taskCount();
        if (taskIds.length == 0 || taskIds[taskIds.length - 1] != taskId) {
            taskIds.push(taskId);
            escrowOf[taskId] = escrow;
            ghost_escrowed += escrow;
        }
    }

    function assignShards(uint256 taskSeed, uint256 shardSeed, uint256 nodeSeed, uint256 runLength) external {
        if (taskIds.length == 0) return;
        uint256 taskId = taskIds[taskSeed % taskIds.length];
        TaskView memory t = tm.getTask(taskId);
        if (t.status != TaskStatus.Open && t.status != TaskStatus.Running) return;
        uint256 want = bound(runLength, 1, 3);
        Assignment[] memory run = new Assignment[](want);
        uint256 found;
        for (uint256 k; k < t.shardCount && found < want; ++k) {
            uint256 i = (shardSeed % t.shardCount + k) % t.shardCount;
            if (tm.getShard(taskId, i).status == ShardStatus.Pending) {
                run[found++] = Assignment({taskId: uint64(taskId), shardIndex: uint32(i), nodeId: 0});
            }
        }
        if (found == 0) return;
        assembly {
            mstore(run, found)
        }
        // The first eligible node from the seed on.
        uint256 nodeId;
        for (uint256 k; k < nodes.length && nodeId == 0; ++k) {
            uint256 candidate = nodes[(nodeSeed % nodes.length + k) % nodes.length];
            if (registry.isEligible(
                    candidate, t.minTier, t.resources, t.maxPricePerShard, t.collateralPerShard * found
                )) nodeId = candidate;
        }
        if (nodeId == 0) return;
        for (uint256 k; k < found; ++k) {
            run[k].nodeId = uint64(nodeId);
        }
        vm.prank(keeper);
        _call(address(tm), abi.encodeCall(TaskManager.assignShards, (run)));
    }

    function submitResult(uint256 taskSeed, uint256 shardSeed, uint256 extra, bool byOperator) external {
        (uint256 taskId, uint256 i, ShardView memory s) = _pick(taskSeed, shardSeed, ShardStatus.Assigned);
        if (taskId == 0 || block.timestamp > s.deadline) return;
        uint256 count = (s.resumeFrom > 1 ? s.resumeFrom : 1) + bound(extra, 0, 4);
        vm.prank(byOperator ? operatorOf[s.nodeId] : workerOf[s.nodeId]);
        _call(
            address(tm),
            abi.encodeCall(
                TaskManager.submitResult,
                (
                    taskId,
                    i,
                    keccak256(abi.encode("m", taskId, i, block.timestamp)),
                    _checkpoints(extra, count)
                )
            )
        );
    }

    function releaseShard(uint256 taskSeed, uint256 shardSeed, uint8 reason) external {
        (uint256 taskId, uint256 i, ShardView memory s) = _pick(taskSeed, shardSeed, ShardStatus.Assigned);
        if (taskId == 0 || block.timestamp > s.deadline) return;
        vm.prank(workerOf[s.nodeId]);
        _call(
            address(tm),
            abi.encodeCall(
                TaskManager.releaseShard, (taskId, i, ReleaseReason(reason % 7), keccak256("logs"))
            )
        );
    }

    function timeoutShard(uint256 taskSeed, uint256 shardSeed) external {
        (uint256 taskId, uint256 i, ShardView memory s) = _pick(taskSeed, shardSeed, ShardStatus.Assigned);
        if (taskId == 0 || block.timestamp <= s.deadline) return;
        _call(address(tm), abi.encodeCall(TaskManager.timeoutShard, (taskId, i)));
    }

    function finalizeShards(uint256 taskSeed, bool duplicate) external {
        if (taskIds.length == 0) return;
        uint256 taskId = taskIds[taskSeed % taskIds.length];
        uint256 count = tm.getTask(taskId).shardCount;
        ShardRef[] memory refs = new ShardRef[](duplicate ? count + 1 : count);
        bool any;
        for (uint256 i; i < count; ++i) {
            refs[i] = ShardRef({taskId: uint64(taskId), shardIndex: uint32(i)});
            any = any || tm.isFinalizable(taskId, i);
        }
        if (duplicate) refs[count] = refs[0];
        if (!any) return;
        _call(address(tm), abi.encodeCall(TaskManager.finalizeShards, (refs)));
    }

    function cancelTask(uint256 taskSeed, uint8 chance) external {
        // Cancel one time in four, so that most tasks live long enough to finish.
        if (taskIds.length == 0 || chance % 4 != 0) return;
        uint256 taskId = taskIds[taskSeed % taskIds.length];
        TaskView memory t = tm.getTask(taskId);
        if (t.status != TaskStatus.Open && t.status != TaskStatus.Running) return;
        vm.prank(t.client);
        _call(address(tm), abi.encodeCall(TaskManager.cancelTask, (taskId)));
    }

    /// @dev The Sortition's audit draw (AUDIT_ROLE) for the shard's current epoch.
    function assignAudit(uint256 taskSeed, uint256 shardSeed, uint256 nodeSeed) external {
        (uint256 taskId, uint256 i, ShardView memory s) = _pickResult(taskSeed, shardSeed);
        if (taskId == 0 || block.timestamp > s.deadline || s.auditStatus != AuditStatus.None) return;
        TaskView memory t = tm.getTask(taskId);
        uint256 verifier = nodes[nodeSeed % nodes.length];
        if (t.auditsUsed >= t.auditBudget || verifier == s.nodeId) return;
        vm.prank(audits);
        _call(address(tm), abi.encodeCall(TaskManager.onAuditAssigned, (taskId, i, s.epoch, verifier)));
    }

    function recordAudit(uint256 taskSeed, uint256 shardSeed) external {
        (uint256 taskId, uint256 i, ShardView memory s) = _pickResult(taskSeed, shardSeed);
        if (taskId == 0 || block.timestamp > s.deadline || s.auditStatus != AuditStatus.Assigned) return;
        vm.prank(workerOf[s.auditorNodeId]);
        _call(address(tm), abi.encodeCall(TaskManager.recordAudit, (taskId, i)));
    }

    /// @dev A challenge commitment inside the window: payment then waits for the reveal period.
    function commitChallenge(uint256 taskSeed, uint256 shardSeed) external {
        (uint256 taskId, uint256 i, ShardView memory s) = _pickResult(taskSeed, shardSeed);
        if (taskId == 0 || block.timestamp > s.deadline) return;
        vm.prank(disputes);
        _call(address(tm), abi.encodeCall(TaskManager.onChallengeCommitted, (taskId, i)));
    }

    /// @dev A revealed challenge of the current epoch: inside the window, or until the end of the reveal
    ///      period when a commitment was made in the window (as the DisputeManager allows).
    function challenge(uint256 taskSeed, uint256 shardSeed, bool byAuditor) external {
        (uint256 taskId, uint256 i, ShardView memory s) = _pickResult(taskSeed, shardSeed);
        if (taskId == 0 || s.openDisputes == type(uint8).max) return;
        uint256 lastReveal =
            s.deadline + (s.challengeCommitted ? tm.getParameter("challengeRevealPeriod") : 0);
        if (block.timestamp > lastReveal) return;
        address challenger = byAuditor && s.auditStatus == AuditStatus.Assigned
            ? workerOf[s.auditorNodeId]
            : address(0xC0FFEE);
        uint256 disputeId = ++disputeSeq;
        vm.prank(disputes);
        if (_call(
                address(tm),
                abi.encodeCall(TaskManager.onChallenged, (taskId, i, s.epoch, disputeId, challenger))
            )) {
            openDisputes.push(
                OpenDispute({
                    taskId: uint64(taskId),
                    shardIndex: uint32(i),
                    epoch: s.epoch,
                    checkpointCount: s.checkpointCount,
                    disputeId: disputeId
                })
            );
            ++ghost_openDisputes[taskId][i];
        }
    }

    /// @dev Ends one open dispute (of any epoch, live or not) with a verdict on a checkpoint of its result.
    function resolve(uint256 disputeSeed, bool submitterWrong, uint256 d) external {
        uint256 n = openDisputes.length;
        if (n == 0) return;
        _resolve(
            disputeSeed % n,
            submitterWrong,
            uint32(bound(d, 0, openDisputes[disputeSeed % n].checkpointCount - 1))
        );
    }

    /// @notice Moves every shard of one task a natural step forward: assign a Pending shard, submit or time
    ///         out an Assigned one, finalize a finalizable one. Keeps runs deep.
    function advance(uint256 taskSeed, uint256 nodeSeed) external {
        if (taskIds.length == 0) return;
        uint256 taskId = taskIds[taskSeed % taskIds.length];
        TaskView memory t = tm.getTask(taskId);
        bool active = t.status == TaskStatus.Open || t.status == TaskStatus.Running;
        for (uint256 i; i < t.shardCount; ++i) {
            ShardView memory s = tm.getShard(taskId, i);
            if (s.status == ShardStatus.Pending && active) {
                uint256 nodeId = nodes[(nodeSeed % nodes.length + i) % nodes.length];
                if (!registry.isEligible(
                        nodeId, t.minTier, t.resources, t.maxPricePerShard, t.collateralPerShard
                    )) {
                    continue;
                }
                Assignment[] memory a = new Assignment[](1);
                a[0] = Assignment({taskId: uint64(taskId), shardIndex: uint32(i), nodeId: uint64(nodeId)});
                vm.prank(keeper);
                _call(address(tm), abi.encodeCall(TaskManager.assignShards, (a)));
            } else if (s.status == ShardStatus.Assigned && block.timestamp <= s.deadline) {
                uint256 count = s.resumeFrom > 1 ? s.resumeFrom : 1;
                vm.prank(workerOf[s.nodeId]);
                _call(
                    address(tm),
                    abi.encodeCall(
                        TaskManager.submitResult,
                        (taskId, i, keccak256(abi.encode(taskId, i)), _checkpoints(i, count))
                    )
                );
            } else if (s.status == ShardStatus.Assigned) {
                _call(address(tm), abi.encodeCall(TaskManager.timeoutShard, (taskId, i)));
            } else if (tm.isFinalizable(taskId, i)) {
                ShardRef[] memory refs = new ShardRef[](1);
                refs[0] = ShardRef({taskId: uint64(taskId), shardIndex: uint32(i)});
                _call(address(tm), abi.encodeCall(TaskManager.finalizeShards, (refs)));
            }
        }
    }

    function sweepFees() external {
        if (tm.accruedFees() == 0) return;
        _call(address(tm), abi.encodeCall(TaskManager.sweepFees, ()));
    }

    function unjail(uint256 nodeSeed) external {
        uint256 nodeId = nodes[nodeSeed % nodes.length];
        uint64 until = registry.getNode(nodeId).jailedUntil;
        if (until == 0 || block.timestamp < until) return;
        vm.prank(workerOf[nodeId]);
        registry.unjail(nodeId);
    }

    function warp(uint256 dt) external {
        vm.warp(block.timestamp + bound(dt, 0, 3 hours));
    }

    // ----------------------------------------------------------------------------------------------
    // Closing everything (used after each run)
    // ----------------------------------------------------------------------------------------------

    /// @dev Cancels every active task, ends every open dispute for the submitter and drives every shard in
    ///      flight to a terminal status.
    function closeAll() external {
        for (uint256 k; k < taskIds.length; ++k) {
            uint256 taskId = taskIds[k];
            TaskView memory t = tm.getTask(taskId);
            if (t.status == TaskStatus.Open || t.status == TaskStatus.Running) {
                vm.prank(t.client);
                _call(address(tm), abi.encodeCall(TaskManager.cancelTask, (taskId)));
            }
        }
        while (openDisputes.length != 0) {
            _resolve(openDisputes.length - 1, false, 0);
        }
        vm.warp(block.timestamp + 31 days);
        for (uint256 k; k < taskIds.length; ++k) {
            uint256 taskId = taskIds[k];
            uint256 count = tm.getTask(taskId).shardCount;
            for (uint256 i; i < count; ++i) {
                if (tm.getShard(taskId, i).status == ShardStatus.Assigned) {
                    _call(address(tm), abi.encodeCall(TaskManager.timeoutShard, (taskId, i)));
                }
                if (tm.isFinalizable(taskId, i)) {
                    ShardRef[] memory refs = new ShardRef[](1);
                    refs[0] = ShardRef({taskId: uint64(taskId), shardIndex: uint32(i)});
                    _call(address(tm), abi.encodeCall(TaskManager.finalizeShards, (refs)));
                }
            }
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Views for the invariants
    // ----------------------------------------------------------------------------------------------

    function taskCount() external view returns (uint256) {
        return taskIds.length;
    }

    function nodeCount() external view returns (uint256) {
        return nodes.length;
    }

    function clientCount() external view returns (uint256) {
        return clients.length;
    }

    function openDisputeCount() external view returns (uint256) {
        return openDisputes.length;
    }

    // ----------------------------------------------------------------------------------------------
    // Internal
    // ----------------------------------------------------------------------------------------------

    function _caps() internal pure returns (Capabilities memory) {
        return Capabilities({
            gpuModel: "NVIDIA H100 80GB",
            gpuCount: 8,
            vramMiB: 81_920,
            cpuCores: 64,
            memoryMiB: 524_288,
            region: "eu-west"
        });
    }

    /// @dev `count` checkpoints whose hashes depend on `salt` (results of different attempts differ).
    function _checkpoints(uint256 salt, uint256 count) internal pure returns (Checkpoint[] memory cps) {
        cps = new Checkpoint[](count);
        for (uint256 k; k < count; ++k) {
            cps[k] = Checkpoint({step: uint64((k + 1) * 100), hash: keccak256(abi.encode(salt, k))});
        }
    }

    /// @dev Ends open dispute number `index` through onDisputeResolved and books what it decided.
    function _resolve(uint256 index, bool submitterWrong, uint32 checkpointIndex) internal {
        OpenDispute memory d = openDisputes[index];
        openDisputes[index] = openDisputes[openDisputes.length - 1];
        openDisputes.pop();
        --ghost_openDisputes[d.taskId][d.shardIndex];
        vm.prank(disputes);
        bytes memory ret = _callReturning(
            address(tm),
            abi.encodeCall(
                TaskManager.onDisputeResolved,
                (d.taskId, d.shardIndex, d.epoch, d.disputeId, submitterWrong, checkpointIndex)
            )
        );
        if (!_lastOk) return;
        bool live = abi.decode(ret, (bool));
        if (live && submitterWrong) ghost_lost[d.taskId][d.shardIndex][d.epoch] = true;
    }

    /// @dev A shard holding a result (Submitted or Challenged), searched from the seeds; taskId 0 when none.
    function _pickResult(uint256 taskSeed, uint256 shardSeed)
        internal
        view
        returns (uint256 taskId, uint256 shardIndex, ShardView memory s)
    {
        (taskId, shardIndex, s) = _pick(taskSeed, shardSeed, ShardStatus.Submitted);
        if (taskId == 0) (taskId, shardIndex, s) = _pick(taskSeed, shardSeed, ShardStatus.Challenged);
    }

    /// @dev A shard in `status`, searched from the seeds; taskId 0 when none.
    function _pick(uint256 taskSeed, uint256 shardSeed, ShardStatus status)
        internal
        view
        returns (uint256 taskId, uint256 shardIndex, ShardView memory s)
    {
        uint256 n = taskIds.length;
        for (uint256 a; a < n && a < 8; ++a) {
            uint256 id = taskIds[(taskSeed % n + a) % n];
            uint256 count = tm.getTask(id).shardCount;
            for (uint256 b; b < count; ++b) {
                uint256 i = (shardSeed % count + b) % count;
                s = tm.getShard(id, i);
                if (s.status == status) return (id, i, s);
            }
        }
        taskId = 0;
    }

    /// @dev `_callReturning`, telling whether the call succeeded.
    function _call(address target, bytes memory data) internal returns (bool ok) {
        _callReturning(target, data);
        ok = _lastOk;
    }

    bool internal _lastOk;

    /// @dev Calls `target`, records an unexpected revert, and books TaskManager's money events. Returns the
    ///      call's return data (empty when it reverted; `_lastOk` tells a successful empty return apart).
    function _callReturning(address target, bytes memory data) internal returns (bytes memory) {
        vm.recordLogs();
        (bool ok, bytes memory ret) = target.call(data);
        _lastOk = ok;
        if (!ok) {
            ++ghost_unexpectedReverts;
            ghost_lastRevert = ret;
            return "";
        }
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 k; k < logs.length; ++k) {
            Vm.Log memory l = logs[k];
            if (l.emitter != address(tm)) continue;
            bytes32 sig = l.topics[0];
            if (sig == ITaskManager.ShardFinalized.selector) {
                uint256 taskId = uint256(l.topics[1]);
                uint256 shardIndex = uint256(l.topics[2]);
                (uint256 payout, uint256 fee) = abi.decode(l.data, (uint256, uint256));
                if (paid[taskId][shardIndex]) ghost_paidTwice = true;
                paid[taskId][shardIndex] = true;
                // Never while a dispute of the shard (any epoch) is open, never a result that lost, and only
                // once its window (and the reveal period after a commitment) is over.
                ShardView memory s = tm.getShard(taskId, shardIndex);
                if (ghost_openDisputes[taskId][shardIndex] != 0) ghost_paidWhileDisputed = true;
                if (ghost_lost[taskId][shardIndex][s.epoch]) ghost_paidLostResult = true;
                uint256 end =
                    s.deadline + (s.challengeCommitted ? tm.getParameter("challengeRevealPeriod") : 0);
                if (block.timestamp <= end) ghost_paidEarly = true;
                ++ghost_paidShards;
                ghost_paidToNodes += payout;
                ghost_feesAccrued += fee;
                outOf[taskId] += payout + fee;
            } else if (sig == ITaskManager.AuditRecorded.selector) {
                (, uint256 fee) = abi.decode(l.data, (AuditStatus, uint256));
                ghost_paidToNodes += fee;
                outOf[uint256(l.topics[1])] += fee;
            } else if (sig == ITaskManager.TaskRefunded.selector) {
                uint256 amount = abi.decode(l.data, (uint256));
                ghost_refunds += amount;
                outOf[uint256(l.topics[1])] += amount;
            } else if (sig == ITaskManager.FeesSwept.selector) {
                ghost_swept += abi.decode(l.data, (uint256));
            }
        }
        return ret;
    }
}

/// @notice Escrow invariants of TaskManager with the real NodeRegistry and NRL.
contract TaskManagerInvariantTest is Test {
    NeuralToken internal token;
    NodeRegistry internal registry;
    TaskManager internal tm;
    TaskHandler internal handler;

    address internal bank = makeAddr("bank");
    address internal governor = makeAddr("governor");
    address internal treasury = makeAddr("treasury");
    address internal keeper = makeAddr("keeper");
    address internal disputes = makeAddr("disputeManager");
    address internal audits = makeAddr("sortition");

    mapping(address => uint256) internal initialBalance;

    function setUp() public {
        vm.warp(1_700_000_000);
        token = new NeuralToken(bank, 1_000_000_000 ether);
        registry = new NodeRegistry(address(token), governor);
        TaskManagerExtension ext = new TaskManagerExtension(address(token), address(registry), governor);
        tm = new TaskManager(
            address(token),
            address(registry),
            governor,
            treasury,
            address(ext),
            address(new DatasetRegistry(governor))
        );
        vm.startPrank(governor);
        registry.setProtocolContracts(address(tm), disputes);
        tm.grantRole(tm.KEEPER_ROLE(), keeper);
        tm.grantRole(tm.DISPUTE_ROLE(), disputes);
        tm.grantRole(tm.AUDIT_ROLE(), audits);
        // A short window so that shards reach finalization within a run's depth.
        tm.setParameter("challengeWindow", 1 hours);
        // Timeouts slash, and a slash jails: keep jails short so nodes come back within a run.
        registry.setParameter("jailPeriod", 1 hours);
        vm.stopPrank();
        handler = new TaskHandler(tm, token, registry, keeper, disputes, audits, bank);
        for (uint256 i; i < handler.nodeCount(); ++i) {
            address op = handler.operatorOf(handler.nodes(i));
            initialBalance[op] = token.balanceOf(op);
        }

        bytes4[] memory selectors = new bytes4[](16);
        selectors[0] = TaskHandler.postTask.selector;
        selectors[1] = TaskHandler.assignShards.selector;
        selectors[2] = TaskHandler.submitResult.selector;
        selectors[3] = TaskHandler.releaseShard.selector;
        selectors[4] = TaskHandler.timeoutShard.selector;
        selectors[5] = TaskHandler.finalizeShards.selector;
        selectors[6] = TaskHandler.cancelTask.selector;
        selectors[7] = TaskHandler.assignAudit.selector;
        selectors[8] = TaskHandler.recordAudit.selector;
        selectors[9] = TaskHandler.challenge.selector;
        selectors[10] = TaskHandler.resolve.selector;
        selectors[11] = TaskHandler.sweepFees.selector;
        selectors[12] = TaskHandler.unjail.selector;
        selectors[13] = TaskHandler.warp.selector;
        selectors[14] = TaskHandler.advance.selector;
        selectors[15] = TaskHandler.commitChallenge.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @dev Σ escrowRemaining over all tasks.
    function _escrowRemaining() internal view returns (uint256 sum) {
        for (uint256 k; k < handler.taskCount(); ++k) {
            sum += tm.getTask(handler.taskIds(k)).escrowRemaining;
        }
    }

    /// @notice Solvency: the token balance covers every escrow and the accrued fees; totalOwed is their sum.
    function invariant_balanceCoversTotalOwed() public view {
        uint256 owed = tm.totalOwed();
        assertGe(token.balanceOf(address(tm)), owed, "balance < totalOwed");
        assertEq(owed, _escrowRemaining() + tm.accruedFees(), "totalOwed != sum of escrows + fees");
    }

    /// @notice Conservation: Σ paid to nodes + fees + refunds + escrowRemaining == Σ escrowed, per task and in
    ///         total; operators and the treasury received exactly what the events say.
    function invariant_escrowConserved() public view {
        assertEq(
            handler.ghost_paidToNodes() + handler.ghost_feesAccrued() + handler.ghost_refunds()
                + _escrowRemaining(),
            handler.ghost_escrowed(),
            "escrow not conserved"
        );
        assertEq(handler.ghost_feesAccrued() - handler.ghost_swept(), tm.accruedFees(), "fees");
        assertEq(token.balanceOf(treasury), handler.ghost_swept(), "treasury");
        uint256 received;
        for (uint256 i; i < handler.nodeCount(); ++i) {
            address op = handler.operatorOf(handler.nodes(i));
            received += token.balanceOf(op) - initialBalance[op];
        }
        assertEq(received, handler.ghost_paidToNodes(), "operators received != paid");
        for (uint256 k; k < handler.taskCount(); ++k) {
            uint256 taskId = handler.taskIds(k);
            assertEq(
                tm.getTask(taskId).escrowRemaining + handler.outOf(taskId),
                handler.escrowOf(taskId),
                "task escrow not conserved"
            );
        }
    }

    /// @notice A result is paid only after its window (and reveal period), never while a dispute of its shard is
    ///         open and never after it lost one; a shard with an open dispute is never Submitted.
    function invariant_disputesHoldPayment() public view {
        assertFalse(handler.ghost_paidWhileDisputed(), "paid while a dispute was open");
        assertFalse(handler.ghost_paidLostResult(), "paid a result that lost a dispute");
        assertFalse(handler.ghost_paidEarly(), "paid before the window (and reveal period) ended");
        for (uint256 k; k < handler.taskCount(); ++k) {
            uint256 taskId = handler.taskIds(k);
            uint256 count = tm.getTask(taskId).shardCount;
            for (uint256 i; i < count; ++i) {
                ShardView memory s = tm.getShard(taskId, i);
                assertEq(s.openDisputes, handler.ghost_openDisputes(taskId, i), "openDisputes");
                if (s.openDisputes != 0) {
                    assertTrue(s.status != ShardStatus.Submitted, "Submitted with a dispute open");
                    assertFalse(tm.isFinalizable(taskId, i), "finalizable with a dispute open");
                }
            }
        }
    }

    /// @notice No shard is paid twice; every finalized shard was paid once; closed tasks hold nothing; the
    ///         registry's locked collateral equals the collateral of the shards in flight.
    function invariant_shardsAndTasks() public view {
        assertFalse(handler.ghost_paidTwice(), "shard paid twice");
        assertEq(handler.ghost_unexpectedReverts(), 0, "unexpected revert");
        uint256 finalized;
        uint256[] memory lockedByNode = new uint256[](handler.nodeCount() + 1);
        for (uint256 k; k < handler.taskCount(); ++k) {
            uint256 taskId = handler.taskIds(k);
            TaskView memory t = tm.getTask(taskId);
            finalized += t.finalizedShards;
            if (uint256(t.finalizedShards) + t.failedShards + t.cancelledShards == t.shardCount) {
                assertEq(t.escrowRemaining, 0, "closed task holds escrow");
                assertTrue(
                    t.status != TaskStatus.Open && t.status != TaskStatus.Running, "closed task active"
                );
            }
            for (uint256 i; i < t.shardCount; ++i) {
                ShardView memory s = tm.getShard(taskId, i);
                assertEq(s.status == ShardStatus.Finalized, handler.paid(taskId, i), "paid != finalized");
                if (
                    s.status == ShardStatus.Assigned || s.status == ShardStatus.Submitted
                        || s.status == ShardStatus.Challenged
                ) lockedByNode[s.nodeId] += t.collateralPerShard;
            }
        }
        assertEq(finalized, handler.ghost_paidShards(), "finalized count");
        for (uint256 i; i < handler.nodeCount(); ++i) {
            uint256 nodeId = handler.nodes(i);
            assertEq(registry.getNode(nodeId).locked, lockedByNode[nodeId], "locked collateral");
        }
    }

    /// @notice After every run: once all tasks are closed, each holds nothing and only fees remain.
    function afterInvariant() public {
        handler.closeAll();
        assertEq(handler.ghost_unexpectedReverts(), 0, "unexpected revert while closing");
        assertEq(handler.openDisputeCount(), 0, "disputes left open");
        for (uint256 k; k < handler.taskCount(); ++k) {
            TaskView memory t = tm.getTask(handler.taskIds(k));
            assertEq(
                uint256(t.finalizedShards) + t.failedShards + t.cancelledShards, t.shardCount, "not closed"
            );
            assertEq(t.escrowRemaining, 0, "funds stuck in a closed task");
        }
        assertEq(tm.totalOwed(), tm.accruedFees(), "owed beyond fees");
        assertEq(token.balanceOf(address(tm)), tm.accruedFees(), "balance beyond fees");
        invariant_escrowConserved();
    }
}
