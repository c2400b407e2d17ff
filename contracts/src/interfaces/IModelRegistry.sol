// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ModelVersionView, ModelView, PublishParams, VersionParams} from "../types/Types.sol";

/// @title Community model library with verified provenance
/// @notice A model links its weights to the task shard that trained them. Provenance is verified when the
///         source shard is Finalized and the given manifest CID equals the one the shard committed; only the
///         task's client may link a model to its task.
interface IModelRegistry {
    error UnknownModel(uint256 modelId);
    error UnknownVersion(uint256 modelId, uint256 version);
    error NotModelOwner(uint256 modelId, address caller);
    error InvalidName();
    error InvalidLicense();
    error InvalidWeightsCid();
    error ZeroAddress();
    error ZeroAmount();
    error NotTaskClient(uint256 taskId, address caller);
    error ProvenanceMismatch(uint256 taskId, uint256 shardIndex);
    /// @notice `weightsHash` with its step and proof is not the last checkpoint leaf the shard committed to.
    error WeightsNotCommitted(uint256 taskId, uint256 shardIndex, bytes32 weightsHash);
    error ModelDeprecated(uint256 modelId);
    error AlreadyStarred(uint256 modelId, address user);
    error NotStarred(uint256 modelId, address user);
    error InvalidReplacement(uint256 replacementModelId);

    event ModelPublished(
        uint256 indexed modelId,
        address indexed owner,
        uint256 indexed parentModelId,
        string name,
        string license,
        bytes32 metadataCid
    );
    event ModelVersionAdded(
        uint256 indexed modelId,
        uint256 indexed version,
        uint256 indexed sourceTaskId,
        uint256 sourceShard,
        bytes32 weightsCid,
        bytes32 metadataCid,
        bytes32 manifestCid,
        bytes32 weightsHash,
        bool verified
    );
    event ModelTransferred(uint256 indexed modelId, address indexed from, address indexed to);
    event ModelDeprecatedSet(uint256 indexed modelId, uint256 indexed replacementModelId);
    event ModelStarred(uint256 indexed modelId, address indexed user, uint32 stars);
    event ModelUnstarred(uint256 indexed modelId, address indexed user, uint32 stars);
    event ModelTipped(uint256 indexed modelId, address indexed from, address indexed to, uint256 amount);
    event ModelArchived(uint256 indexed modelId, uint256 indexed version, bytes32 arweaveTxId);

    /// @notice Publishes a model with its first version. When `sourceTaskId` is set, the caller must be that
    ///         task's client, the shard must be Finalized and `manifestCid` must match (else ProvenanceMismatch).
    function publish(PublishParams calldata params) external returns (uint256 modelId);

    /// @notice Adds a version (same provenance rules). Owner only.
    function addVersion(uint256 modelId, VersionParams calldata params) external returns (uint256 version);

    function transferModel(uint256 modelId, address to) external;

    /// @notice Marks the model deprecated, optionally pointing at a replacement (0 = none). Owner only.
    function deprecate(uint256 modelId, uint256 replacementModelId) external;

    function star(uint256 modelId) external;
    function unstar(uint256 modelId) external;

    /// @notice Sends `amount` NRL from the caller to the model's owner (approve first).
    function tip(uint256 modelId, uint256 amount) external;

    /// @notice Records the Arweave transaction holding an archived copy of a version. Owner only.
    function recordArchive(uint256 modelId, uint256 version, bytes32 arweaveTxId) external;

    function modelCount() external view returns (uint256);
    function getModel(uint256 modelId) external view returns (ModelView memory);
    function getVersion(uint256 modelId, uint256 version) external view returns (ModelVersionView memory);
    function hasStarred(uint256 modelId, address user) external view returns (bool);
    function token() external view returns (address);
    function taskManager() external view returns (address);
}
