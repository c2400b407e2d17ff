// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IModelRegistry} from "../../src/interfaces/IModelRegistry.sol";
import {
    Checkpoint,
    ModelVersionView,
    ModelView,
    PublishParams,
    ShardStatus,
    VersionParams,
    Vote,
    WeightsProof
} from "../../src/types/Types.sol";
import {CheckpointTree} from "../utils/CheckpointTree.sol";
import {NeuralTest} from "../utils/NeuralTest.sol";

/// @notice Publishing models whose provenance the ModelRegistry verifies against the deployed TaskManager:
///         only the client of a task, only from a Finalized shard, only with the manifest that shard committed
///         (after a lost dispute: the re-run's manifest, never the losing one), and only with the weights that
///         are the shard's committed final checkpoint.
contract ModelProvenanceTest is NeuralTest {
    using CheckpointTree for CheckpointTree.Tree;

    uint256 internal constant REWARD = 100 * NRL;
    bytes32 internal constant RUN = keccak256("run");
    bytes32 internal constant MANIFEST = keccak256("manifest");

    function setUp() public override {
        super.setUp();
        _registerNodes(6, 500 * NRL);
    }

    /// @dev The final-weights leaf (the last checkpoint) of `cps` with its proof.
    function _weights(Checkpoint[] memory cps) internal pure returns (WeightsProof memory w) {
        uint256 last = cps.length - 1;
        bytes32[] memory leaves = CheckpointTree.leavesOf(cps);
        w = WeightsProof({
            step: cps[last].step,
            hash: cps[last].hash,
            proof: CheckpointTree.build(leaves).proof(leaves[last])
        });
    }

    function _publishParams(uint256 taskId, uint256 shard, bytes32 manifest)
        internal
        pure
        returns (PublishParams memory)
    {
        return _publishParams(taskId, shard, manifest, _leaves(RUN, 3));
    }

    function _publishParams(uint256 taskId, uint256 shard, bytes32 manifest, Checkpoint[] memory cps)
        internal
        pure
        returns (PublishParams memory)
    {
        return PublishParams({
            name: "neural-7b",
            license: "Apache-2.0",
            weightsCid: keccak256(abi.encode("weights", taskId, shard)),
            metadataCid: keccak256("model metadata"),
            parentModelId: 0,
            sourceTaskId: taskId,
            sourceShard: shard,
            manifestCid: manifest,
            weights: _weights(cps)
        });
    }

    function _expectMismatch(uint256 taskId, uint256 shard, bytes32 manifest) internal {
        PublishParams memory p = _publishParams(taskId, shard, manifest);
        vm.prank(client);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ProvenanceMismatch.selector, taskId, shard));
        models.publish(p);
    }

    /// @notice Model 7 of the brief: a model published from a finalized shard carries verified provenance; a
    ///         second version from another finalized shard of the same task is verified too.
    function test_publish_fromFinalizedShard_verified() public {
        uint256 taskId = _post(2, REWARD, 0);
        _assign(taskId, 0, 1);
        _assign(taskId, 1, 2);
        _submit(taskId, 0, MANIFEST, _leaves(RUN, 3));
        _submit(taskId, 1, keccak256("manifest 1"), _leaves(keccak256("run 1"), 3));

        // Submitted is not enough.
        _expectMismatch(taskId, 0, MANIFEST);

        _pastWindow(taskId, 1);
        _finalizeAll(taskId);

        // Wrong manifest, wrong shard index, not the client.
        _expectMismatch(taskId, 0, keccak256("other manifest"));
        _expectMismatch(taskId, 2, MANIFEST);
        PublishParams memory p = _publishParams(taskId, 0, MANIFEST);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotTaskClient.selector, taskId, stranger));
        models.publish(p);

        vm.prank(client);
        uint256 modelId = models.publish(p);
        ModelVersionView memory v = models.getVersion(modelId, 1);
        assertTrue(v.verified, "verified provenance");
        assertEq(v.weightsHash, _ckptHash(RUN, 2), "the final checkpoint is the weights");
        assertEq(v.sourceTaskId, taskId);
        assertEq(v.sourceShard, 0);
        assertEq(v.manifestCid, MANIFEST);
        assertEq(v.manifestCid, taskManager.getShard(taskId, 0).manifestCid);
        ModelView memory m = models.getModel(modelId);
        assertEq(m.owner, client);

        VersionParams memory vp = VersionParams({
            weightsCid: keccak256("weights v2"),
            metadataCid: keccak256("metadata v2"),
            sourceTaskId: taskId,
            sourceShard: 1,
            manifestCid: keccak256("manifest 1"),
            weights: _weights(_leaves(keccak256("run 1"), 3))
        });
        vm.prank(client);
        assertEq(models.addVersion(modelId, vp), 2);
        assertTrue(models.getVersion(modelId, 2).verified);

        // An unlinked model is allowed but unverified.
        p.sourceTaskId = 0;
        p.manifestCid = bytes32(0);
        vm.prank(stranger);
        uint256 unlinked = models.publish(p);
        assertFalse(models.getVersion(unlinked, 1).verified);

        // Tips move NRL from the tipper to the model owner and nowhere else.
        vm.prank(client);
        token.approve(address(models), 10 * NRL);
        uint256 before = token.balanceOf(client);
        vm.prank(client);
        models.tip(unlinked, 10 * NRL);
        assertEq(token.balanceOf(stranger), 10 * NRL);
        assertEq(token.balanceOf(client), before - 10 * NRL);
        assertEq(token.balanceOf(address(models)), 0);
        _assertSystem();
    }

    /// @notice After a lost dispute the shard is re-run: while Challenged or Pending nothing verifies; once the
    ///         re-run is finalized only its manifest verifies, never the losing one.
    function test_publish_afterLostDispute_onlyRerunManifestVerifies() public {
        bytes32 bad = keccak256("bad run");
        bytes32 losing = keccak256("losing manifest");
        bytes32 rerunManifest = keccak256("re-run manifest");
        uint256 taskId = _post(1, REWARD, 0);
        _assign(taskId, 0, 1);
        _submit(taskId, 0, losing, _leaves(bad, 4));
        uint256 id = _challenge(_challengeParams(taskId, 0, bad, 4, 1));
        _expectMismatch(taskId, 0, losing);
        _voteAll(id, Vote.SubmitterWrong);
        vm.prank(stranger);
        disputeManager.resolve(id);
        assertEq(uint8(taskManager.getShard(taskId, 0).status), uint8(ShardStatus.Pending));
        _expectMismatch(taskId, 0, losing);

        uint64[] memory c = _committee(id);
        uint256 rerun = 2;
        while (_isMember(c, rerun)) {
            ++rerun;
        }
        _assign(taskId, 0, rerun);
        Checkpoint[] memory rerunCps = _resumedLeaves(bad, 1, keccak256("good run"), 4);
        _submit(taskId, 0, rerunManifest, rerunCps);
        _pastWindow(taskId, 0);
        _finalizeAll(taskId);

        _expectMismatch(taskId, 0, losing);
        vm.prank(client);
        uint256 modelId = models.publish(_publishParams(taskId, 0, rerunManifest, rerunCps));
        assertTrue(models.getVersion(modelId, 1).verified);
        _assertSystem();
        _assertDrained();
    }

    /// @notice "Verified" binds the weights: a finalized shard's manifest with weights that are not its committed
    ///         final checkpoint (an intermediate checkpoint, other bytes, or a forged proof) is refused.
    function test_publish_weightsNotFinalCheckpoint_reverts() public {
        uint256 taskId = _post(1, REWARD, 0);
        _assign(taskId, 0, 1);
        Checkpoint[] memory cps = _leaves(RUN, 4);
        _submit(taskId, 0, MANIFEST, cps);
        _pastWindow(taskId, 0);
        _finalizeAll(taskId);

        PublishParams memory p = _publishParams(taskId, 0, MANIFEST, cps);
        bytes32[] memory leaves = CheckpointTree.leavesOf(cps);
        // An intermediate checkpoint with its valid proof (leaf 2 of 4) is not the final weights.
        p.weights = WeightsProof({
            step: cps[2].step, hash: cps[2].hash, proof: CheckpointTree.build(leaves).proof(leaves[2])
        });
        vm.prank(client);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.WeightsNotCommitted.selector, taskId, 0, cps[2].hash)
        );
        models.publish(p);
        // Other weights bytes under the real final proof.
        p = _publishParams(taskId, 0, MANIFEST, cps);
        p.weights.hash = keccak256("other weights");
        vm.prank(client);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.WeightsNotCommitted.selector, taskId, 0, keccak256("other weights")
            )
        );
        models.publish(p);
        // The real final leaf verifies.
        p = _publishParams(taskId, 0, MANIFEST, cps);
        vm.prank(client);
        uint256 modelId = models.publish(p);
        assertEq(models.getVersion(modelId, 1).weightsHash, cps[3].hash);
    }
}
