// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {ITaskManager} from "./interfaces/ITaskManager.sol";
import {CheckpointMerkle} from "./libraries/CheckpointMerkle.sol";
import {
    ModelVersionView,
    ModelView,
    PublishParams,
    ShardStatus,
    ShardView,
    TaskView,
    VersionParams,
    WeightsProof
} from "./types/Types.sol";

/// @title ModelRegistry
/// @notice Community model library. Each model has an owner, a name, an SPDX license, an optional parent
///         (lineage) and numbered versions (from 1). A version linked to a task shard is verified on-chain:
///         only the task's client may link it, the shard must be Finalized, the manifest CID must match, and the
///         weights hash must be the shard's committed final checkpoint (the last leaf, proven under its root).
/// @dev Model ids and version numbers start at 1. A version without a source task (`sourceTaskId == 0`) is
///      stored as given and is never verified. A deprecated model takes no new versions and cannot be
///      deprecated again; it can still be transferred, starred, tipped and archived.
contract ModelRegistry is IModelRegistry {
    using SafeERC20 for IERC20;

    /// @notice Longest name or license, in bytes.
    uint256 public constant MAX_STRING_LENGTH = 64;

    struct Model {
        address owner;
        bool deprecated;
        uint32 versionCount;
        uint32 stars;
        uint64 createdAt;
        uint256 parentModelId;
        uint256 replacementModelId;
        uint256 tipsReceived;
        string name;
        string license;
    }

    IERC20 private immutable _token;
    ITaskManager private immutable _taskManager;

    uint256 private _modelCount;
    mapping(uint256 modelId => Model) private _models;
    mapping(uint256 modelId => mapping(uint256 version => ModelVersionView)) private _versions;
    mapping(uint256 modelId => mapping(address user => bool)) private _starred;

    constructor(address token_, address taskManager_) {
        if (token_ == address(0) || taskManager_ == address(0)) revert ZeroAddress();
        _token = IERC20(token_);
        _taskManager = ITaskManager(taskManager_);
    }

    // ----------------------------------------------------------------------------------------------
    // Modifiers and checks
    // ----------------------------------------------------------------------------------------------

    modifier onlyModelOwner(uint256 modelId) {
        _checkOwner(modelId);
        _;
    }

    function _checkOwner(uint256 modelId) private view {
        address owner = _existing(modelId).owner;
        if (owner != msg.sender) revert NotModelOwner(modelId, msg.sender);
    }

    function _existing(uint256 modelId) private view returns (Model storage model) {
        if (modelId == 0 || modelId > _modelCount) revert UnknownModel(modelId);
        model = _models[modelId];
    }

    // ----------------------------------------------------------------------------------------------
    // Owner
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IModelRegistry
    function publish(PublishParams calldata params) external returns (uint256 modelId) {
        uint256 nameLength = bytes(params.name).length;
        if (nameLength == 0 || nameLength > MAX_STRING_LENGTH) revert InvalidName();
        uint256 licenseLength = bytes(params.license).length;
        if (licenseLength == 0 || licenseLength > MAX_STRING_LENGTH) revert InvalidLicense();
        if (params.parentModelId != 0) _existing(params.parentModelId);

        modelId = ++_modelCount;
        Model storage model = _models[modelId];
        model.owner = msg.sender;
        model.createdAt = uint64(block.timestamp);
        model.parentModelId = params.parentModelId;
        model.name = params.name;
        model.license = params.license;

        emit ModelPublished(
            modelId, msg.sender, params.parentModelId, params.name, params.license, params.metadataCid
        );
        _addVersion(
            modelId,
            model,
            VersionParams({
                weightsCid: params.weightsCid,
                metadataCid: params.metadataCid,
                sourceTaskId: params.sourceTaskId,
                sourceShard: params.sourceShard,
                manifestCid: params.manifestCid,
                weights: params.weights
            })
        );
    }

    /// @inheritdoc IModelRegistry
    function addVersion(uint256 modelId, VersionParams calldata params)
        external
        onlyModelOwner(modelId)
        returns (uint256 version)
    {
        Model storage model = _models[modelId];
        if (model.deprecated) revert ModelDeprecated(modelId);
        version = _addVersion(modelId, model, params);
    }

    /// @inheritdoc IModelRegistry
    function transferModel(uint256 modelId, address to) external onlyModelOwner(modelId) {
        if (to == address(0)) revert ZeroAddress();
        _models[modelId].owner = to;
        emit ModelTransferred(modelId, msg.sender, to);
    }

    /// @inheritdoc IModelRegistry
    function deprecate(uint256 modelId, uint256 replacementModelId) external onlyModelOwner(modelId) {
        Model storage model = _models[modelId];
        if (model.deprecated) revert ModelDeprecated(modelId);
        if (replacementModelId != 0) {
            if (replacementModelId == modelId || replacementModelId > _modelCount) {
                revert InvalidReplacement(replacementModelId);
            }
        }
        model.deprecated = true;
        model.replacementModelId = replacementModelId;
        emit ModelDeprecatedSet(modelId, replacementModelId);
    }

    /// @inheritdoc IModelRegistry
    function recordArchive(uint256 modelId, uint256 version, bytes32 arweaveTxId)
        external
        onlyModelOwner(modelId)
    {
        if (version == 0 || version > _models[modelId].versionCount) {
            revert UnknownVersion(modelId, version);
        }
        _versions[modelId][version].arweaveTxId = arweaveTxId;
        emit ModelArchived(modelId, version, arweaveTxId);
    }

    // ----------------------------------------------------------------------------------------------
    // Anyone
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IModelRegistry
    function star(uint256 modelId) external {
        Model storage model = _existing(modelId);
        if (_starred[modelId][msg.sender]) revert AlreadyStarred(modelId, msg.sender);
        _starred[modelId][msg.sender] = true;
        uint32 stars = ++model.stars;
        emit ModelStarred(modelId, msg.sender, stars);
    }

    /// @inheritdoc IModelRegistry
    function unstar(uint256 modelId) external {
        Model storage model = _existing(modelId);
        if (!_starred[modelId][msg.sender]) revert NotStarred(modelId, msg.sender);
        _starred[modelId][msg.sender] = false;
        uint32 stars = --model.stars;
        emit ModelUnstarred(modelId, msg.sender, stars);
    }

    /// @inheritdoc IModelRegistry
    function tip(uint256 modelId, uint256 amount) external {
        Model storage model = _existing(modelId);
        if (amount == 0) revert ZeroAmount();
        address owner = model.owner;
        model.tipsReceived += amount;
        _token.safeTransferFrom(msg.sender, owner, amount);
        emit ModelTipped(modelId, msg.sender, owner, amount);
    }

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint256) {
        return _modelCount;
    }

    /// @inheritdoc IModelRegistry
    function getModel(uint256 modelId) external view returns (ModelView memory) {
        Model storage model = _existing(modelId);
        return ModelView({
            owner: model.owner,
            deprecated: model.deprecated,
            versionCount: model.versionCount,
            stars: model.stars,
            createdAt: model.createdAt,
            parentModelId: model.parentModelId,
            replacementModelId: model.replacementModelId,
            tipsReceived: model.tipsReceived,
            name: model.name,
            license: model.license
        });
    }

    /// @inheritdoc IModelRegistry
    function getVersion(uint256 modelId, uint256 version) external view returns (ModelVersionView memory) {
        Model storage model = _existing(modelId);
        if (version == 0 || version > model.versionCount) revert UnknownVersion(modelId, version);
        return _versions[modelId][version];
    }

    /// @inheritdoc IModelRegistry
    /// @dev False for unknown models.
    function hasStarred(uint256 modelId, address user) external view returns (bool) {
        return _starred[modelId][user];
    }

    /// @inheritdoc IModelRegistry
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IModelRegistry
    function taskManager() external view returns (address) {
        return address(_taskManager);
    }

    // ----------------------------------------------------------------------------------------------
    // Internal
    // ----------------------------------------------------------------------------------------------

    function _addVersion(uint256 modelId, Model storage model, VersionParams memory params)
        private
        returns (uint256 version)
    {
        if (params.weightsCid == bytes32(0)) revert InvalidWeightsCid();
        bool verified = false;
        bytes32 weightsHash;
        if (params.sourceTaskId != 0) {
            _checkProvenance(params.sourceTaskId, params.sourceShard, params.manifestCid, params.weights);
            verified = true;
            weightsHash = params.weights.hash;
        }

        version = ++model.versionCount;
        _versions[modelId][version] = ModelVersionView({
            verified: verified,
            createdAt: uint64(block.timestamp),
            sourceTaskId: params.sourceTaskId,
            sourceShard: params.sourceShard,
            weightsCid: params.weightsCid,
            metadataCid: params.metadataCid,
            manifestCid: params.manifestCid,
            weightsHash: weightsHash,
            arweaveTxId: bytes32(0)
        });
        emit ModelVersionAdded(
            modelId,
            version,
            params.sourceTaskId,
            params.sourceShard,
            params.weightsCid,
            params.metadataCid,
            params.manifestCid,
            weightsHash,
            verified
        );
    }

    /// @dev An unknown task has no client, so it reverts NotTaskClient; a shard index past the task's
    ///      shard count, a shard that is not Finalized or a different manifest revert ProvenanceMismatch; weights
    ///      that are not the shard's last committed checkpoint revert WeightsNotCommitted.
    function _checkProvenance(
        uint256 taskId,
        uint256 shardIndex,
        bytes32 manifestCid,
        WeightsProof memory weights
    ) private view {
        if (taskId > _taskManager.taskCount()) revert NotTaskClient(taskId, msg.sender);
        TaskView memory task = _taskManager.getTask(taskId);
        if (task.client != msg.sender) revert NotTaskClient(taskId, msg.sender);
        if (shardIndex >= task.shardCount) revert ProvenanceMismatch(taskId, shardIndex);
        ShardView memory shard = _taskManager.getShard(taskId, shardIndex);
        if (shard.status != ShardStatus.Finalized || shard.manifestCid != manifestCid) {
            revert ProvenanceMismatch(taskId, shardIndex);
        }
        // INVARIANT: a verified version's weights are the final checkpoint the finalized result committed to.
        bytes32 leaf = CheckpointMerkle.leaf(shard.checkpointCount - 1, weights.step, weights.hash);
        if (!MerkleProof.verify(weights.proof, shard.checkpointRoot, leaf)) {
            revert WeightsNotCommitted(taskId, shardIndex, weights.hash);
        }
    }
}
