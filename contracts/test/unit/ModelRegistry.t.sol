// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {ModelRegistry} from "../../src/ModelRegistry.sol";
import {DatasetRegistry} from "../../src/DatasetRegistry.sol";
import {NeuralToken} from "../../src/NeuralToken.sol";
import {NodeRegistry} from "../../src/NodeRegistry.sol";
import {TaskManager} from "../../src/TaskManager.sol";
import {TaskManagerExtension} from "../../src/TaskManagerExtension.sol";
import {IModelRegistry} from "../../src/interfaces/IModelRegistry.sol";
import {
    Assignment,
    Capabilities,
    ModelVersionView,
    ModelView,
    PostTaskParams,
    PublishParams,
    Resources,
    ShardRef,
    ShardStatus,
    Tier,
    VersionParams,
    WeightsProof
} from "../../src/types/Types.sol";
import {CheckpointTree} from "../utils/CheckpointTree.sol";
import {WorkerConsent} from "../utils/WorkerConsent.sol";

/// @notice ModelRegistry against the real NeuralToken, NodeRegistry and TaskManager: provenance is checked
///         on shards driven through the TaskManager (posted, assigned, submitted, finalized).
contract ModelRegistryTest is Test {
    ModelRegistry internal models;
    NeuralToken internal token;
    NodeRegistry internal registry;
    TaskManager internal tasks;

    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal holder = makeAddr("holder");
    address internal governor = makeAddr("governor");
    address internal keeper = makeAddr("keeper");
    address internal operator = makeAddr("operator");
    address internal worker;
    uint256 internal workerKey;
    uint256 internal nodeId;

    uint256 internal constant SUPPLY = 1_000_000_000 ether;
    bytes32 internal constant WEIGHTS = keccak256("weights");
    bytes32 internal constant META = keccak256("meta");
    bytes32 internal constant MANIFEST = keccak256("manifest");
    /// @dev Checkpoints `_submit` commits by default (CheckpointTree.standardCheckpoints); the last is the weights.
    uint256 internal constant CHECKPOINTS = 4;
    uint128 internal constant REWARD = 10 ether;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        token = new NeuralToken(holder, SUPPLY);
        registry = new NodeRegistry(address(token), governor);
        TaskManagerExtension ext = new TaskManagerExtension(address(token), address(registry), governor);
        tasks = new TaskManager(
            address(token),
            address(registry),
            governor,
            makeAddr("treasury"),
            address(ext),
            address(new DatasetRegistry(governor))
        );
        models = new ModelRegistry(address(token), address(tasks));
        vm.startPrank(governor);
        registry.setProtocolContracts(address(tasks), makeAddr("disputeManager"));
        tasks.grantRole(tasks.KEEPER_ROLE(), keeper);
        vm.stopPrank();

        (worker, workerKey) = makeAddrAndKey("worker");
        _give(operator, 1000 ether);
        (uint256 deadline, bytes memory sig) = WorkerConsent.sign(vm, registry, workerKey, operator, 0);
        vm.startPrank(operator);
        token.approve(address(registry), 1000 ether);
        nodeId = registry.register(worker, _caps(), 1 ether, keccak256("node"), 1000 ether, deadline, sig);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------

    function _caps() internal pure returns (Capabilities memory) {
        return Capabilities({
            gpuModel: "NVIDIA H100 80GB",
            gpuCount: 1,
            vramMiB: 81_920,
            cpuCores: 16,
            memoryMiB: 131_072,
            region: "eu-west"
        });
    }

    /// @dev A 2-shard task of `client`, posted through the TaskManager; returns its id.
    function _postTask(address client) internal returns (uint256 taskId) {
        PostTaskParams memory p = PostTaskParams({
            specCid: keccak256("spec"),
            shardCount: 2,
            maxPricePerShard: REWARD,
            minTier: Tier.None,
            resources: Resources({gpus: 1, vramMiB: 16_384, cpus: 4, memoryMiB: 16_384}),
            maxDuration: 1 hours,
            auditRateBps: 0,
            datasetId: 0,
            datasetVersion: 0
        });
        uint256 escrow = tasks.quoteEscrow(p);
        _give(client, escrow);
        vm.startPrank(client);
        token.approve(address(tasks), escrow);
        taskId = tasks.postTask(p);
        vm.stopPrank();
    }

    /// @dev Assigns shard `shardIndex` to the node and submits MANIFEST for it (challenge window open).
    function _submit(uint256 taskId, uint256 shardIndex) internal {
        _submit(taskId, shardIndex, CHECKPOINTS);
    }

    /// @dev Same, committing the standard test checkpoints 0 .. count-1.
    function _submit(uint256 taskId, uint256 shardIndex, uint256 count) internal {
        Assignment[] memory a = new Assignment[](1);
        a[0] = Assignment({taskId: uint64(taskId), shardIndex: uint32(shardIndex), nodeId: uint64(nodeId)});
        vm.prank(keeper);
        tasks.assignShards(a);
        vm.prank(worker);
        tasks.submitResult(taskId, shardIndex, MANIFEST, CheckpointTree.standardCheckpoints(count));
    }

    /// @dev A task of `client` whose shard 0 is Finalized with MANIFEST and shard 1 is still Pending.
    function _finalizedShard(address client) internal returns (uint256 taskId, uint256 shardIndex) {
        return _finalizedShard(client, CHECKPOINTS);
    }

    function _finalizedShard(address client, uint256 count)
        internal
        returns (uint256 taskId, uint256 shardIndex)
    {
        taskId = _postTask(client);
        _submit(taskId, 0, count);
        vm.warp(block.timestamp + tasks.getParameter("challengeWindow") + 1);
        ShardRef[] memory refs = new ShardRef[](1);
        refs[0] = ShardRef({taskId: uint64(taskId), shardIndex: 0});
        tasks.finalizeShards(refs);
        assertEq(uint8(tasks.getShard(taskId, 0).status), uint8(ShardStatus.Finalized));
        assertEq(uint8(tasks.getShard(taskId, 1).status), uint8(ShardStatus.Pending));
        shardIndex = 0;
    }

    function _params(string memory name) internal pure returns (PublishParams memory p) {
        p = PublishParams({
            name: name,
            license: "Apache-2.0",
            weightsCid: WEIGHTS,
            metadataCid: META,
            parentModelId: 0,
            sourceTaskId: 0,
            sourceShard: 0,
            manifestCid: bytes32(0),
            weights: WeightsProof({step: 0, hash: bytes32(0), proof: new bytes32[](0)})
        });
    }

    function _version(bytes32 weights) internal pure returns (VersionParams memory v) {
        v = VersionParams({
            weightsCid: weights,
            metadataCid: META,
            sourceTaskId: 0,
            sourceShard: 0,
            manifestCid: bytes32(0),
            weights: WeightsProof({step: 0, hash: bytes32(0), proof: new bytes32[](0)})
        });
    }

    /// @dev Opening of checkpoint `index` of a shard that committed the standard checkpoints 0 .. count-1.
    function _leafProof(uint256 count, uint256 index) internal pure returns (WeightsProof memory) {
        return WeightsProof({
            step: uint64(CheckpointTree.step(index)),
            hash: CheckpointTree.ckptHash(index),
            proof: CheckpointTree.proofOf(CheckpointTree.standard(count), index)
        });
    }

    /// @dev The final-weights opening (last leaf) of a shard submitted by `_submit`.
    function _finalWeights() internal pure returns (WeightsProof memory) {
        return _leafProof(CHECKPOINTS, CHECKPOINTS - 1);
    }

    /// @dev sha256 of the final weights committed by `_submit`.
    function _weightsHash() internal pure returns (bytes32) {
        return CheckpointTree.ckptHash(CHECKPOINTS - 1);
    }

    function _publish(address owner) internal returns (uint256 modelId) {
        vm.prank(owner);
        modelId = models.publish(_params("llama-neural"));
    }

    function _give(address to, uint256 amount) internal {
        vm.prank(holder);
        token.transfer(to, amount);
    }

    function _string(uint256 length) internal pure returns (string memory) {
        bytes memory b = new bytes(length);
        for (uint256 i = 0; i < length; ++i) {
            b[i] = "a";
        }
        return string(b);
    }

    // ------------------------------------------------------------------------------------------
    // Constructor
    // ------------------------------------------------------------------------------------------

    function test_constructor_setsAddresses() public view {
        assertEq(models.token(), address(token));
        assertEq(models.taskManager(), address(tasks));
        assertEq(models.modelCount(), 0);
    }

    function test_constructor_revertsOnZeroToken() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ZeroAddress.selector));
        new ModelRegistry(address(0), address(tasks));
    }

    function test_constructor_revertsOnZeroTaskManager() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ZeroAddress.selector));
        new ModelRegistry(address(token), address(0));
    }

    // ------------------------------------------------------------------------------------------
    // publish
    // ------------------------------------------------------------------------------------------

    function test_publish_storesModelAndFirstVersion() public {
        vm.warp(1000);
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelPublished(1, alice, 0, "llama-neural", "Apache-2.0", META);
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelVersionAdded(1, 1, 0, 0, WEIGHTS, META, bytes32(0), bytes32(0), false);
        uint256 id = _publish(alice);

        assertEq(id, 1);
        assertEq(models.modelCount(), 1);
        ModelView memory m = models.getModel(id);
        assertEq(m.owner, alice);
        assertFalse(m.deprecated);
        assertEq(m.versionCount, 1);
        assertEq(m.stars, 0);
        assertEq(m.createdAt, 1000);
        assertEq(m.parentModelId, 0);
        assertEq(m.replacementModelId, 0);
        assertEq(m.tipsReceived, 0);
        assertEq(m.name, "llama-neural");
        assertEq(m.license, "Apache-2.0");

        ModelVersionView memory v = models.getVersion(id, 1);
        assertFalse(v.verified);
        assertEq(v.createdAt, 1000);
        assertEq(v.sourceTaskId, 0);
        assertEq(v.sourceShard, 0);
        assertEq(v.weightsCid, WEIGHTS);
        assertEq(v.metadataCid, META);
        assertEq(v.manifestCid, bytes32(0));
        assertEq(v.weightsHash, bytes32(0));
        assertEq(v.arweaveTxId, bytes32(0));
    }

    function test_publish_idsIncrement() public {
        assertEq(_publish(alice), 1);
        assertEq(_publish(bob), 2);
        assertEq(models.modelCount(), 2);
        assertEq(models.getModel(2).owner, bob);
    }

    function test_publish_withParent() public {
        uint256 parent = _publish(alice);
        PublishParams memory p = _params("finetune");
        p.parentModelId = parent;
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelPublished(2, bob, parent, "finetune", "Apache-2.0", META);
        vm.prank(bob);
        uint256 child = models.publish(p);
        assertEq(models.getModel(child).parentModelId, parent);
    }

    function test_publish_verifiedProvenance() public {
        (uint256 taskId, uint256 shard) = _finalizedShard(alice);
        PublishParams memory p = _params("trained");
        p.sourceTaskId = taskId;
        p.sourceShard = shard;
        p.manifestCid = MANIFEST;
        p.weights = _finalWeights();

        vm.expectEmit(address(models));
        emit IModelRegistry.ModelVersionAdded(
            1, 1, taskId, shard, WEIGHTS, META, MANIFEST, _weightsHash(), true
        );
        vm.prank(alice);
        uint256 id = models.publish(p);

        ModelVersionView memory v = models.getVersion(id, 1);
        assertTrue(v.verified);
        assertEq(v.sourceTaskId, taskId);
        assertEq(v.sourceShard, shard);
        assertEq(v.manifestCid, MANIFEST);
        assertEq(v.weightsHash, _weightsHash());
    }

    function test_publish_singleCheckpointEmptyProof_succeeds() public {
        // One checkpoint: the leaf is the root and the proof is empty.
        (uint256 taskId, uint256 shard) = _finalizedShard(alice, 1);
        PublishParams memory p = _params("one");
        p.sourceTaskId = taskId;
        p.sourceShard = shard;
        p.manifestCid = MANIFEST;
        p.weights = _leafProof(1, 0);
        assertEq(p.weights.proof.length, 0);
        vm.prank(alice);
        uint256 id = models.publish(p);
        assertTrue(models.getVersion(id, 1).verified);
        assertEq(models.getVersion(id, 1).weightsHash, CheckpointTree.ckptHash(0));
    }

    function test_publish_wrongWeightsHash_reverts() public {
        (uint256 taskId, uint256 shard) = _finalizedShard(alice);
        PublishParams memory p = _params("m");
        p.sourceTaskId = taskId;
        p.sourceShard = shard;
        p.manifestCid = MANIFEST;
        p.weights = _finalWeights();
        p.weights.hash = keccak256("not the weights");
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.WeightsNotCommitted.selector, taskId, shard, p.weights.hash)
        );
        vm.prank(alice);
        models.publish(p);
    }

    function test_publish_wrongWeightsStep_reverts() public {
        (uint256 taskId, uint256 shard) = _finalizedShard(alice);
        PublishParams memory p = _params("m");
        p.sourceTaskId = taskId;
        p.sourceShard = shard;
        p.manifestCid = MANIFEST;
        p.weights = _finalWeights();
        p.weights.step += 1;
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.WeightsNotCommitted.selector, taskId, shard, _weightsHash())
        );
        vm.prank(alice);
        models.publish(p);
    }

    function test_publish_nonFinalCheckpoint_reverts() public {
        // A valid opening of a committed checkpoint that is not the last one is not the final weights.
        (uint256 taskId, uint256 shard) = _finalizedShard(alice);
        for (uint256 i; i < CHECKPOINTS - 1; ++i) {
            PublishParams memory p = _params("m");
            p.sourceTaskId = taskId;
            p.sourceShard = shard;
            p.manifestCid = MANIFEST;
            p.weights = _leafProof(CHECKPOINTS, i);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IModelRegistry.WeightsNotCommitted.selector, taskId, shard, CheckpointTree.ckptHash(i)
                )
            );
            vm.prank(alice);
            models.publish(p);
        }
    }

    function test_publish_noWeightsProof_reverts() public {
        (uint256 taskId, uint256 shard) = _finalizedShard(alice);
        PublishParams memory p = _params("m");
        p.sourceTaskId = taskId;
        p.sourceShard = shard;
        p.manifestCid = MANIFEST;
        p.weights = _finalWeights();
        p.weights.proof = new bytes32[](0);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.WeightsNotCommitted.selector, taskId, shard, _weightsHash())
        );
        vm.prank(alice);
        models.publish(p);
        // Nor without any opening at all (the unverified default).
        p.weights = _params("m").weights;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.WeightsNotCommitted.selector, taskId, shard, 0));
        vm.prank(alice);
        models.publish(p);
    }

    function test_publish_unverifiedIgnoresWeights_succeeds() public {
        PublishParams memory p = _params("m");
        p.weights = _finalWeights();
        vm.prank(alice);
        uint256 id = models.publish(p);
        assertFalse(models.getVersion(id, 1).verified);
        assertEq(models.getVersion(id, 1).weightsHash, bytes32(0));
    }

    function test_publish_revertsOnEmptyName() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidName.selector));
        vm.prank(alice);
        models.publish(_params(""));
    }

    function test_publish_revertsOnLongName() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidName.selector));
        vm.prank(alice);
        models.publish(_params(_string(65)));
    }

    function test_publish_revertsOnEmptyLicense() public {
        PublishParams memory p = _params("m");
        p.license = "";
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidLicense.selector));
        vm.prank(alice);
        models.publish(p);
    }

    function test_publish_revertsOnLongLicense() public {
        PublishParams memory p = _params("m");
        p.license = _string(65);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidLicense.selector));
        vm.prank(alice);
        models.publish(p);
    }

    function test_publish_revertsOnUnknownParent() public {
        PublishParams memory p = _params("m");
        p.parentModelId = 1;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 1));
        vm.prank(alice);
        models.publish(p);
    }

    function test_publish_revertsOnZeroWeights() public {
        PublishParams memory p = _params("m");
        p.weightsCid = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidWeightsCid.selector));
        vm.prank(alice);
        models.publish(p);
    }

    function test_publish_revertsWhenNotTaskClient() public {
        (uint256 taskId, uint256 shard) = _finalizedShard(alice);
        PublishParams memory p = _params("m");
        p.sourceTaskId = taskId;
        p.sourceShard = shard;
        p.manifestCid = MANIFEST;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotTaskClient.selector, taskId, bob));
        vm.prank(bob);
        models.publish(p);
    }

    function test_publish_revertsOnUnknownTask() public {
        PublishParams memory p = _params("m");
        p.sourceTaskId = 42;
        p.manifestCid = MANIFEST;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotTaskClient.selector, 42, alice));
        vm.prank(alice);
        models.publish(p);
    }

    function test_publish_revertsOnShardOutOfRange() public {
        (uint256 taskId,) = _finalizedShard(alice);
        PublishParams memory p = _params("m");
        p.sourceTaskId = taskId;
        p.sourceShard = 2;
        p.manifestCid = MANIFEST;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ProvenanceMismatch.selector, taskId, 2));
        vm.prank(alice);
        models.publish(p);
    }

    function test_publish_revertsOnShardNotFinalized() public {
        (uint256 taskId,) = _finalizedShard(alice);
        PublishParams memory p = _params("m");
        p.sourceTaskId = taskId;
        p.sourceShard = 1; // still Pending
        p.manifestCid = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ProvenanceMismatch.selector, taskId, 1));
        vm.prank(alice);
        models.publish(p);
    }

    function test_publish_revertsOnShardSubmittedNotFinalized() public {
        uint256 taskId = _postTask(alice);
        _submit(taskId, 0); // right manifest, but the challenge window is still open
        PublishParams memory p = _params("m");
        p.sourceTaskId = taskId;
        p.sourceShard = 0;
        p.manifestCid = MANIFEST;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ProvenanceMismatch.selector, taskId, 0));
        vm.prank(alice);
        models.publish(p);
    }

    function test_publish_revertsOnManifestMismatch() public {
        (uint256 taskId, uint256 shard) = _finalizedShard(alice);
        PublishParams memory p = _params("m");
        p.sourceTaskId = taskId;
        p.sourceShard = shard;
        p.manifestCid = keccak256("other");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ProvenanceMismatch.selector, taskId, shard));
        vm.prank(alice);
        models.publish(p);
    }

    function testFuzz_publish_nameLength(uint8 length) public {
        string memory name = _string(length);
        if (length == 0 || length > 64) {
            vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidName.selector));
        }
        vm.prank(alice);
        models.publish(_params(name));
        if (length > 0 && length <= 64) {
            assertEq(models.getModel(1).name, name);
        }
    }

    function testFuzz_publish_licenseLength(uint8 length) public {
        PublishParams memory p = _params("m");
        p.license = _string(length);
        if (length == 0 || length > 64) {
            vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidLicense.selector));
        }
        vm.prank(alice);
        models.publish(p);
        if (length > 0 && length <= 64) {
            assertEq(models.getModel(1).license, p.license);
        }
    }

    function testFuzz_publish_arbitraryNameBytes(string calldata name) public {
        uint256 length = bytes(name).length;
        vm.assume(length > 0 && length <= 64);
        vm.prank(alice);
        uint256 id = models.publish(_params(name));
        assertEq(models.getModel(id).name, name);
    }

    // ------------------------------------------------------------------------------------------
    // addVersion
    // ------------------------------------------------------------------------------------------

    function test_addVersion_appends() public {
        uint256 id = _publish(alice);
        bytes32 w2 = keccak256("w2");
        vm.warp(2000);
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelVersionAdded(id, 2, 0, 0, w2, META, bytes32(0), bytes32(0), false);
        vm.prank(alice);
        uint256 version = models.addVersion(id, _version(w2));
        assertEq(version, 2);
        assertEq(models.getModel(id).versionCount, 2);
        assertEq(models.getVersion(id, 2).weightsCid, w2);
        assertEq(models.getVersion(id, 2).createdAt, 2000);
        assertEq(models.getVersion(id, 1).weightsCid, WEIGHTS);
    }

    function test_addVersion_verifiedProvenance() public {
        uint256 id = _publish(alice);
        (uint256 taskId, uint256 shard) = _finalizedShard(alice);
        VersionParams memory v = _version(keccak256("w2"));
        v.sourceTaskId = taskId;
        v.sourceShard = shard;
        v.manifestCid = MANIFEST;
        v.weights = _finalWeights();
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelVersionAdded(
            id, 2, taskId, shard, v.weightsCid, META, MANIFEST, _weightsHash(), true
        );
        vm.prank(alice);
        models.addVersion(id, v);
        assertTrue(models.getVersion(id, 2).verified);
        assertEq(models.getVersion(id, 2).weightsHash, _weightsHash());
    }

    function test_addVersion_weightsNotCommitted_reverts() public {
        uint256 id = _publish(alice);
        (uint256 taskId, uint256 shard) = _finalizedShard(alice);
        VersionParams memory v = _version(keccak256("w2"));
        v.sourceTaskId = taskId;
        v.sourceShard = shard;
        v.manifestCid = MANIFEST;
        v.weights = _leafProof(CHECKPOINTS, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.WeightsNotCommitted.selector, taskId, shard, CheckpointTree.ckptHash(0)
            )
        );
        vm.prank(alice);
        models.addVersion(id, v);
    }

    function test_addVersion_revertsWhenNotOwner() public {
        uint256 id = _publish(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, bob));
        vm.prank(bob);
        models.addVersion(id, _version(WEIGHTS));
    }

    function test_addVersion_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 7));
        vm.prank(alice);
        models.addVersion(7, _version(WEIGHTS));
    }

    function test_addVersion_revertsWhenDeprecated() public {
        uint256 id = _publish(alice);
        vm.prank(alice);
        models.deprecate(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelDeprecated.selector, id));
        vm.prank(alice);
        models.addVersion(id, _version(WEIGHTS));
    }

    function test_addVersion_revertsOnZeroWeights() public {
        uint256 id = _publish(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidWeightsCid.selector));
        vm.prank(alice);
        models.addVersion(id, _version(bytes32(0)));
    }

    function test_addVersion_revertsWhenNotTaskClient() public {
        uint256 id = _publish(alice);
        (uint256 taskId, uint256 shard) = _finalizedShard(bob);
        VersionParams memory v = _version(WEIGHTS);
        v.sourceTaskId = taskId;
        v.sourceShard = shard;
        v.manifestCid = MANIFEST;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotTaskClient.selector, taskId, alice));
        vm.prank(alice);
        models.addVersion(id, v);
    }

    function test_addVersion_revertsOnProvenanceMismatch() public {
        uint256 id = _publish(alice);
        (uint256 taskId, uint256 shard) = _finalizedShard(alice);
        VersionParams memory v = _version(WEIGHTS);
        v.sourceTaskId = taskId;
        v.sourceShard = shard;
        v.manifestCid = bytes32(uint256(1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ProvenanceMismatch.selector, taskId, shard));
        vm.prank(alice);
        models.addVersion(id, v);
    }

    // ------------------------------------------------------------------------------------------
    // transferModel
    // ------------------------------------------------------------------------------------------

    function test_transferModel_movesOwnership() public {
        uint256 id = _publish(alice);
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelTransferred(id, alice, bob);
        vm.prank(alice);
        models.transferModel(id, bob);
        assertEq(models.getModel(id).owner, bob);

        // The new owner acts, the old one no longer can.
        vm.prank(bob);
        models.addVersion(id, _version(keccak256("w2")));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, alice));
        vm.prank(alice);
        models.addVersion(id, _version(keccak256("w3")));
    }

    function test_transferModel_revertsWhenNotOwner() public {
        uint256 id = _publish(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, bob));
        vm.prank(bob);
        models.transferModel(id, bob);
    }

    function test_transferModel_revertsOnZeroAddress() public {
        uint256 id = _publish(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ZeroAddress.selector));
        vm.prank(alice);
        models.transferModel(id, address(0));
    }

    function test_transferModel_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 1));
        vm.prank(alice);
        models.transferModel(1, bob);
    }

    // ------------------------------------------------------------------------------------------
    // deprecate
    // ------------------------------------------------------------------------------------------

    function test_deprecate_withoutReplacement() public {
        uint256 id = _publish(alice);
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelDeprecatedSet(id, 0);
        vm.prank(alice);
        models.deprecate(id, 0);
        ModelView memory m = models.getModel(id);
        assertTrue(m.deprecated);
        assertEq(m.replacementModelId, 0);
    }

    function test_deprecate_withReplacement() public {
        uint256 id = _publish(alice);
        uint256 next = _publish(bob);
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelDeprecatedSet(id, next);
        vm.prank(alice);
        models.deprecate(id, next);
        assertTrue(models.getModel(id).deprecated);
        assertEq(models.getModel(id).replacementModelId, next);
    }

    function test_deprecate_revertsOnSelfReplacement() public {
        uint256 id = _publish(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidReplacement.selector, id));
        vm.prank(alice);
        models.deprecate(id, id);
    }

    function test_deprecate_revertsOnUnknownReplacement() public {
        uint256 id = _publish(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidReplacement.selector, 9));
        vm.prank(alice);
        models.deprecate(id, 9);
    }

    function test_deprecate_revertsWhenAlreadyDeprecated() public {
        uint256 id = _publish(alice);
        vm.prank(alice);
        models.deprecate(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelDeprecated.selector, id));
        vm.prank(alice);
        models.deprecate(id, 0);
    }

    function test_deprecate_revertsWhenNotOwner() public {
        uint256 id = _publish(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, bob));
        vm.prank(bob);
        models.deprecate(id, 0);
    }

    function test_deprecate_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 3));
        vm.prank(alice);
        models.deprecate(3, 0);
    }

    function test_deprecated_canStillBeTransferredStarredTippedArchived() public {
        uint256 id = _publish(alice);
        vm.prank(alice);
        models.deprecate(id, 0);
        vm.prank(alice);
        models.recordArchive(id, 1, bytes32(uint256(5)));
        vm.prank(carol);
        models.star(id);
        _give(carol, 1 ether);
        vm.startPrank(carol);
        token.approve(address(models), 1 ether);
        models.tip(id, 1 ether);
        vm.stopPrank();
        vm.prank(alice);
        models.transferModel(id, bob);
        assertEq(models.getModel(id).owner, bob);
        assertEq(token.balanceOf(alice), 1 ether);
    }

    // ------------------------------------------------------------------------------------------
    // star / unstar / hasStarred
    // ------------------------------------------------------------------------------------------

    function test_star_countsOncePerUser() public {
        uint256 id = _publish(alice);
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelStarred(id, bob, 1);
        vm.prank(bob);
        models.star(id);
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelStarred(id, carol, 2);
        vm.prank(carol);
        models.star(id);
        assertEq(models.getModel(id).stars, 2);
        assertTrue(models.hasStarred(id, bob));
        assertTrue(models.hasStarred(id, carol));
        assertFalse(models.hasStarred(id, alice));
    }

    function test_star_revertsWhenAlreadyStarred() public {
        uint256 id = _publish(alice);
        vm.prank(bob);
        models.star(id);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.AlreadyStarred.selector, id, bob));
        vm.prank(bob);
        models.star(id);
    }

    function test_star_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 1));
        vm.prank(bob);
        models.star(1);
    }

    function test_unstar_removesStar() public {
        uint256 id = _publish(alice);
        vm.prank(bob);
        models.star(id);
        vm.prank(carol);
        models.star(id);
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelUnstarred(id, bob, 1);
        vm.prank(bob);
        models.unstar(id);
        assertEq(models.getModel(id).stars, 1);
        assertFalse(models.hasStarred(id, bob));
        // Starring again is allowed after an unstar.
        vm.prank(bob);
        models.star(id);
        assertEq(models.getModel(id).stars, 2);
    }

    function test_unstar_revertsWhenNotStarred() public {
        uint256 id = _publish(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotStarred.selector, id, bob));
        vm.prank(bob);
        models.unstar(id);
    }

    function test_unstar_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 1));
        vm.prank(bob);
        models.unstar(1);
    }

    function test_hasStarred_falseForUnknownModel() public view {
        assertFalse(models.hasStarred(99, bob));
    }

    // ------------------------------------------------------------------------------------------
    // tip
    // ------------------------------------------------------------------------------------------

    function test_tip_paysOwner() public {
        uint256 id = _publish(alice);
        _give(bob, 10 ether);
        vm.prank(bob);
        token.approve(address(models), 10 ether);

        vm.expectEmit(address(models));
        emit IModelRegistry.ModelTipped(id, bob, alice, 3 ether);
        vm.prank(bob);
        models.tip(id, 3 ether);
        vm.prank(bob);
        models.tip(id, 2 ether);

        assertEq(token.balanceOf(alice), 5 ether);
        assertEq(token.balanceOf(bob), 5 ether);
        assertEq(token.balanceOf(address(models)), 0);
        assertEq(models.getModel(id).tipsReceived, 5 ether);
    }

    function test_tip_followsTransfer() public {
        uint256 id = _publish(alice);
        vm.prank(alice);
        models.transferModel(id, carol);
        _give(bob, 1 ether);
        vm.startPrank(bob);
        token.approve(address(models), 1 ether);
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelTipped(id, bob, carol, 1 ether);
        models.tip(id, 1 ether);
        vm.stopPrank();
        assertEq(token.balanceOf(carol), 1 ether);
    }

    function test_tip_revertsOnZeroAmount() public {
        uint256 id = _publish(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ZeroAmount.selector));
        vm.prank(bob);
        models.tip(id, 0);
    }

    function test_tip_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 1));
        vm.prank(bob);
        models.tip(1, 1);
    }

    function test_tip_revertsWithoutAllowance() public {
        uint256 id = _publish(alice);
        _give(bob, 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(models), 0, 1 ether
            )
        );
        vm.prank(bob);
        models.tip(id, 1 ether);
    }

    function testFuzz_tip_accumulates(uint256 a, uint256 b) public {
        a = bound(a, 1, SUPPLY / 2);
        b = bound(b, 1, SUPPLY / 2);
        uint256 id = _publish(alice);
        uint256 total = a + b;
        _give(bob, total);
        vm.startPrank(bob);
        token.approve(address(models), total);
        models.tip(id, a);
        models.tip(id, b);
        vm.stopPrank();
        assertEq(models.getModel(id).tipsReceived, total);
        assertEq(token.balanceOf(alice), total);
        assertEq(token.balanceOf(bob), 0);
    }

    function testFuzz_tip_insufficientBalanceReverts(uint256 balance, uint256 amount) public {
        balance = bound(balance, 0, SUPPLY / 2);
        amount = bound(amount, balance + 1, type(uint256).max);
        uint256 id = _publish(alice);
        _give(bob, balance);
        vm.startPrank(bob);
        token.approve(address(models), amount);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, bob, balance, amount)
        );
        models.tip(id, amount);
        vm.stopPrank();
        assertEq(models.getModel(id).tipsReceived, 0);
    }

    // ------------------------------------------------------------------------------------------
    // recordArchive
    // ------------------------------------------------------------------------------------------

    function test_recordArchive_setsTxIdPerVersion() public {
        uint256 id = _publish(alice);
        vm.prank(alice);
        models.addVersion(id, _version(keccak256("w2")));
        bytes32 tx1 = keccak256("ar1");
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelArchived(id, 2, tx1);
        vm.prank(alice);
        models.recordArchive(id, 2, tx1);
        assertEq(models.getVersion(id, 2).arweaveTxId, tx1);
        assertEq(models.getVersion(id, 1).arweaveTxId, bytes32(0));

        // A later archive replaces the record.
        bytes32 tx2 = keccak256("ar2");
        vm.prank(alice);
        models.recordArchive(id, 2, tx2);
        assertEq(models.getVersion(id, 2).arweaveTxId, tx2);
    }

    function test_recordArchive_revertsOnVersionZero() public {
        uint256 id = _publish(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownVersion.selector, id, 0));
        vm.prank(alice);
        models.recordArchive(id, 0, bytes32(uint256(1)));
    }

    function test_recordArchive_revertsOnVersionPastCount() public {
        uint256 id = _publish(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownVersion.selector, id, 2));
        vm.prank(alice);
        models.recordArchive(id, 2, bytes32(uint256(1)));
    }

    function test_recordArchive_revertsWhenNotOwner() public {
        uint256 id = _publish(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, bob));
        vm.prank(bob);
        models.recordArchive(id, 1, bytes32(uint256(1)));
    }

    function test_recordArchive_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 1));
        vm.prank(alice);
        models.recordArchive(1, 1, bytes32(uint256(1)));
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    function test_getModel_revertsOnZeroId() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 0));
        models.getModel(0);
    }

    function test_getModel_revertsOnUnknownId() public {
        _publish(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 2));
        models.getModel(2);
    }

    function test_getVersion_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 1));
        models.getVersion(1, 1);
    }

    function test_getVersion_revertsOnUnknownVersion() public {
        uint256 id = _publish(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownVersion.selector, id, 0));
        models.getVersion(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownVersion.selector, id, 2));
        models.getVersion(id, 2);
    }
}
