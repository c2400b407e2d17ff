// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IModelRegistry} from "../../src/interfaces/IModelRegistry.sol";
import {
    ModelVersionView,
    ModelView,
    PublishParams,
    ShardStatus,
    VersionParams,
    Vote
} from "../../src/types/Types.sol";
import {NeuralTest} from "../utils/NeuralTest.sol";

/// @notice Publishing models whose provenance the ModelRegistry verifies against the deployed TaskManager:
///         only the client of a task, only from a Finalized shard, only with the manifest that shard committed
///         (after a lost dispute: the re-run's manifest, never the losing one).
contract ModelProvenanceTest is NeuralTest {
    uint256 internal constant REWARD = 100 * NRL;
    bytes32 internal constant RUN = keccak256("run");
    bytes32 internal constant MANIFEST = keccak256("manifest");

    function setUp() public override {
        super.setUp();
        _registerNodes(6, 500 * NRL);
    }

    function _publishParams(uint256 taskId, uint256 shard, bytes32 manifest)
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
            manifestCid: manifest
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
            manifestCid: keccak256("manifest 1")
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
        _submit(taskId, 0, rerunManifest, _resumedLeaves(bad, 1, keccak256("good run"), 4));
        _pastWindow(taskId, 0);
        _finalizeAll(taskId);

        _expectMismatch(taskId, 0, losing);
        vm.prank(client);
        uint256 modelId = models.publish(_publishParams(taskId, 0, rerunManifest));
        assertTrue(models.getVersion(modelId, 1).verified);
        _assertSystem();
        _assertDrained();
    }
}
