// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {
    DatasetParams,
    DatasetVersionParams,
    DatasetVersionView,
    DatasetView,
    ReportReason
} from "../types/Types.sol";

/// @title Community dataset library: provenance, versions, usage fees and quality signals
/// @notice A dataset has an owner, a name, an SPDX license and numbered, immutable versions (from 1), each a content
///         CID with its size, format and usage fee. A task names a dataset version (PostTaskParams.datasetId /
///         datasetVersion); the TaskManager escrows the version's usage fee per shard at posting and pays it to the
///         dataset's owner when a shard is finalized (less the protocol's cut, `usageFeeCutBps`), never for a
///         shard that fails or is cancelled.
/// @dev Clients are protected from the owner: a version's fee can only be lowered (a higher fee needs a new
///      version, which a posted task does not follow), and a deprecated version or dataset cannot be newly
///      referenced but keeps its terms for tasks already posted.
interface IDatasetRegistry {
    error UnknownDataset(uint256 datasetId);
    error UnknownDatasetVersion(uint256 datasetId, uint256 version);
    error NotDatasetOwner(uint256 datasetId, address caller);
    /// @notice The name is empty or longer than 64 bytes.
    error InvalidName();
    /// @notice The description is longer than 1024 bytes.
    error InvalidDescription();
    /// @notice The SPDX license identifier is empty or longer than 64 bytes.
    error InvalidLicense();
    /// @notice The format descriptor is empty or longer than 256 bytes.
    error InvalidFormat();
    error InvalidContentCid();
    /// @notice Only raw (0x55) and dag-pb (0x70) content CIDs are accepted.
    error InvalidContentCodec(uint256 codec);
    error InvalidSize();
    error ZeroAddress();
    error DatasetIsDeprecated(uint256 datasetId);
    error DatasetVersionIsDeprecated(uint256 datasetId, uint256 version);
    /// @notice A version's usage fee can only be lowered: publish a new version to charge more.
    error UsageFeeIncrease(uint256 datasetId, uint256 version, uint256 currentFee, uint256 newFee);
    error AlreadyStarred(uint256 datasetId, address user);
    error NotStarred(uint256 datasetId, address user);
    error AlreadyReported(uint256 datasetId, uint256 version, address reporter);
    error InvalidReportReason();

    event DatasetPublished(
        uint256 indexed datasetId, address indexed owner, string name, string description, string license
    );
    event DatasetVersionAdded(
        uint256 indexed datasetId,
        uint256 indexed version,
        bytes32 contentCid,
        uint32 contentCodec,
        uint64 sizeBytes,
        uint96 usageFeePerShard,
        string format,
        bytes32 metadataCid
    );
    event DatasetVersionDeprecated(uint256 indexed datasetId, uint256 indexed version);
    event DatasetDeprecatedSet(uint256 indexed datasetId);
    event DatasetTransferred(uint256 indexed datasetId, address indexed from, address indexed to);
    event DatasetUsageFeeLowered(
        uint256 indexed datasetId, uint256 indexed version, uint96 oldFee, uint96 newFee
    );
    event DatasetArchived(uint256 indexed datasetId, uint256 indexed version, bytes32 arweaveTxId);
    event DatasetStarred(uint256 indexed datasetId, address indexed user, uint32 stars);
    event DatasetUnstarred(uint256 indexed datasetId, address indexed user, uint32 stars);
    event DatasetReported(
        uint256 indexed datasetId,
        uint256 indexed version,
        address indexed reporter,
        ReportReason reason,
        bytes32 detailsCid,
        uint32 reports
    );

    /// @notice Publishes a dataset with its first version; the caller owns it.
    function publish(DatasetParams calldata params, DatasetVersionParams calldata first)
        external
        returns (uint256 datasetId);

    /// @notice Adds a version. Owner only; not on a deprecated dataset.
    function addVersion(uint256 datasetId, DatasetVersionParams calldata params)
        external
        returns (uint256 version);

    /// @notice New tasks can no longer reference this version. Owner only; irreversible.
    function deprecateVersion(uint256 datasetId, uint256 version) external;

    /// @notice New tasks can no longer reference any version, and no version can be added. Owner only; irreversible.
    function deprecate(uint256 datasetId) external;

    /// @notice Hands the dataset (and the usage fees of shards finalized from now on) to `to`. Owner only.
    function transferDataset(uint256 datasetId, address to) external;

    /// @notice Lowers a version's usage fee for tasks posted from now on. Owner only.
    function lowerUsageFee(uint256 datasetId, uint256 version, uint96 newFee) external;

    /// @notice Records the Arweave transaction holding an archived copy of a version. Owner only.
    function recordArchive(uint256 datasetId, uint256 version, bytes32 arweaveTxId) external;

    function star(uint256 datasetId) external;
    function unstar(uint256 datasetId) external;

    /// @notice Flags a version (one report per address and version); `detailsCid` optionally points at evidence.
    function report(uint256 datasetId, uint256 version, ReportReason reason, bytes32 detailsCid) external;

    /// @notice What a task posted now pays to use a version: the fee per finalized shard and the protocol's cut
    ///         of it. Reverts UnknownDataset, UnknownDatasetVersion, DatasetIsDeprecated or
    ///         DatasetVersionIsDeprecated when the version cannot be newly referenced.
    function usageTerms(uint256 datasetId, uint256 version)
        external
        view
        returns (uint96 feePerShard, uint16 cutBps);

    function ownerOf(uint256 datasetId) external view returns (address);
    function datasetCount() external view returns (uint256);
    function getDataset(uint256 datasetId) external view returns (DatasetView memory);
    function getVersion(uint256 datasetId, uint256 version) external view returns (DatasetVersionView memory);
    function hasStarred(uint256 datasetId, address user) external view returns (bool);
    function hasReported(uint256 datasetId, uint256 version, address reporter) external view returns (bool);
}
