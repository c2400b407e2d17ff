// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Governed} from "./base/Governed.sol";
import {IDatasetRegistry} from "./interfaces/IDatasetRegistry.sol";
import {
    DatasetParams,
    DatasetVersionParams,
    DatasetVersionView,
    DatasetView,
    ReportReason
} from "./types/Types.sol";

/// @title DatasetRegistry
/// @notice The community dataset library (IDatasetRegistry). Holds no funds: usage fees are escrowed and paid by
///         the TaskManager, which reads `usageTerms` when a task is posted and `ownerOf` when its shards finalize.
/// @dev Dataset ids and version numbers start at 1. Invariants (contracts/PROPERTIES.md, D1–D5):
///      a version's content never changes; its fee never rises; deprecation is one-way; star and report counts
///      equal the number of distinct addresses that starred (now) or reported.
contract DatasetRegistry is IDatasetRegistry, Governed {
    /// @notice Longest name or license, in bytes.
    uint256 public constant MAX_STRING_LENGTH = 64;
    uint256 public constant MAX_DESCRIPTION_LENGTH = 1024;
    uint256 public constant MAX_FORMAT_LENGTH = 256;
    uint32 public constant RAW_CODEC = 0x55;
    uint32 public constant DAG_PB_CODEC = 0x70;

    /// @dev Parameter: the protocol's share of every usage fee, in basis points. Never zero, so a dataset owner
    ///      who uses their own dataset (self-dealt tasks) always loses this share of the fees they "earn".
    bytes32 internal constant USAGE_FEE_CUT_BPS = "usageFeeCutBps";
    uint256 internal constant DEFAULT_USAGE_FEE_CUT_BPS = 1000;

    uint16 private _usageFeeCutBps;
    uint256 private _datasetCount;
    /// @dev The stored record is the view itself (owner, flags and counters in one slot, then the strings).
    mapping(uint256 datasetId => DatasetView) private _datasets;
    mapping(uint256 datasetId => mapping(uint256 version => DatasetVersionView)) private _versions;
    mapping(uint256 datasetId => mapping(address user => bool)) private _starred;
    mapping(uint256 datasetId => mapping(uint256 version => mapping(address reporter => bool))) private
        _reported;

    /// @param governor Receives DEFAULT_ADMIN_ROLE and GOVERNOR_ROLE (sets usageFeeCutBps).
    constructor(address governor) Governed(governor) {
        if (governor == address(0)) revert ZeroAddress();
        _initParameter(USAGE_FEE_CUT_BPS, DEFAULT_USAGE_FEE_CUT_BPS);
    }

    // ----------------------------------------------------------------------------------------------
    // Checks
    // ----------------------------------------------------------------------------------------------

    modifier onlyDatasetOwner(uint256 datasetId) {
        _checkOwner(datasetId);
        _;
    }

    function _checkOwner(uint256 datasetId) private view {
        if (_existing(datasetId).owner != msg.sender) revert NotDatasetOwner(datasetId, msg.sender);
    }

    function _existing(uint256 datasetId) private view returns (DatasetView storage dataset) {
        if (datasetId == 0 || datasetId > _datasetCount) revert UnknownDataset(datasetId);
        dataset = _datasets[datasetId];
    }

    function _existingVersion(uint256 datasetId, uint256 version)
        private
        view
        returns (DatasetView storage dataset, DatasetVersionView storage v)
    {
        dataset = _existing(datasetId);
        if (version == 0 || version > dataset.versionCount) revert UnknownDatasetVersion(datasetId, version);
        v = _versions[datasetId][version];
    }

    function _checkLength(string calldata value, uint256 max, bool required) private pure returns (bool) {
        uint256 length = bytes(value).length;
        return length <= max && (length != 0 || !required);
    }

    // ----------------------------------------------------------------------------------------------
    // Owner
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IDatasetRegistry
    function publish(DatasetParams calldata params, DatasetVersionParams calldata first)
        external
        returns (uint256 datasetId)
    {
        if (!_checkLength(params.name, MAX_STRING_LENGTH, true)) revert InvalidName();
        if (!_checkLength(params.description, MAX_DESCRIPTION_LENGTH, false)) revert InvalidDescription();
        if (!_checkLength(params.license, MAX_STRING_LENGTH, true)) revert InvalidLicense();
        _checkVersion(first);

        datasetId = ++_datasetCount;
        DatasetView storage dataset = _datasets[datasetId];
        dataset.owner = msg.sender;
        dataset.createdAt = uint64(block.timestamp);
        dataset.name = params.name;
        dataset.license = params.license;
        emit DatasetPublished(datasetId, msg.sender, params.name, params.description, params.license);
        _addVersion(datasetId, dataset, first);
    }

    /// @inheritdoc IDatasetRegistry
    function addVersion(uint256 datasetId, DatasetVersionParams calldata params)
        external
        onlyDatasetOwner(datasetId)
        returns (uint256 version)
    {
        DatasetView storage dataset = _datasets[datasetId];
        if (dataset.deprecated) revert DatasetIsDeprecated(datasetId);
        _checkVersion(params);
        return _addVersion(datasetId, dataset, params);
    }

    /// @inheritdoc IDatasetRegistry
    function deprecateVersion(uint256 datasetId, uint256 version) external onlyDatasetOwner(datasetId) {
        (, DatasetVersionView storage v) = _existingVersion(datasetId, version);
        if (v.deprecated) revert DatasetVersionIsDeprecated(datasetId, version);
        v.deprecated = true;
        emit DatasetVersionDeprecated(datasetId, version);
    }

    /// @inheritdoc IDatasetRegistry
    function deprecate(uint256 datasetId) external onlyDatasetOwner(datasetId) {
        DatasetView storage dataset = _datasets[datasetId];
        if (dataset.deprecated) revert DatasetIsDeprecated(datasetId);
        dataset.deprecated = true;
        emit DatasetDeprecatedSet(datasetId);
    }

    /// @inheritdoc IDatasetRegistry
    function transferDataset(uint256 datasetId, address to) external onlyDatasetOwner(datasetId) {
        if (to == address(0)) revert ZeroAddress();
        _datasets[datasetId].owner = to;
        emit DatasetTransferred(datasetId, msg.sender, to);
    }

    /// @inheritdoc IDatasetRegistry
    function lowerUsageFee(uint256 datasetId, uint256 version, uint96 newFee)
        external
        onlyDatasetOwner(datasetId)
    {
        (, DatasetVersionView storage v) = _existingVersion(datasetId, version);
        uint96 oldFee = v.usageFeePerShard;
        // INVARIANT (D2): a version's fee never rises, so the owner cannot front-run a client's post with a raise.
        if (newFee > oldFee) revert UsageFeeIncrease(datasetId, version, oldFee, newFee);
        v.usageFeePerShard = newFee;
        emit DatasetUsageFeeLowered(datasetId, version, oldFee, newFee);
    }

    /// @inheritdoc IDatasetRegistry
    function recordArchive(uint256 datasetId, uint256 version, bytes32 arweaveTxId)
        external
        onlyDatasetOwner(datasetId)
    {
        (, DatasetVersionView storage v) = _existingVersion(datasetId, version);
        if (arweaveTxId == bytes32(0)) revert InvalidContentCid();
        v.arweaveTxId = arweaveTxId;
        emit DatasetArchived(datasetId, version, arweaveTxId);
    }

    // ----------------------------------------------------------------------------------------------
    // Anyone
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IDatasetRegistry
    function star(uint256 datasetId) external {
        DatasetView storage dataset = _existing(datasetId);
        if (_starred[datasetId][msg.sender]) revert AlreadyStarred(datasetId, msg.sender);
        _starred[datasetId][msg.sender] = true;
        uint32 stars = ++dataset.stars;
        emit DatasetStarred(datasetId, msg.sender, stars);
    }

    /// @inheritdoc IDatasetRegistry
    function unstar(uint256 datasetId) external {
        DatasetView storage dataset = _existing(datasetId);
        if (!_starred[datasetId][msg.sender]) revert NotStarred(datasetId, msg.sender);
        _starred[datasetId][msg.sender] = false;
        uint32 stars = --dataset.stars;
        emit DatasetUnstarred(datasetId, msg.sender, stars);
    }

    /// @inheritdoc IDatasetRegistry
    function report(uint256 datasetId, uint256 version, ReportReason reason, bytes32 detailsCid) external {
        (, DatasetVersionView storage v) = _existingVersion(datasetId, version);
        if (reason == ReportReason.None) revert InvalidReportReason();
        if (_reported[datasetId][version][msg.sender]) {
            revert AlreadyReported(datasetId, version, msg.sender);
        }
        _reported[datasetId][version][msg.sender] = true;
        uint32 reports = ++v.reports;
        emit DatasetReported(datasetId, version, msg.sender, reason, detailsCid, reports);
    }

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IDatasetRegistry
    function usageTerms(uint256 datasetId, uint256 version)
        external
        view
        returns (uint96 feePerShard, uint16 cutBps)
    {
        (DatasetView storage dataset, DatasetVersionView storage v) = _existingVersion(datasetId, version);
        // INVARIANT (D3): a deprecated dataset or version cannot be newly referenced by a task.
        if (dataset.deprecated) revert DatasetIsDeprecated(datasetId);
        if (v.deprecated) revert DatasetVersionIsDeprecated(datasetId, version);
        return (v.usageFeePerShard, _usageFeeCutBps);
    }

    /// @inheritdoc IDatasetRegistry
    function ownerOf(uint256 datasetId) external view returns (address) {
        return _existing(datasetId).owner;
    }

    /// @inheritdoc IDatasetRegistry
    function datasetCount() external view returns (uint256) {
        return _datasetCount;
    }

    /// @inheritdoc IDatasetRegistry
    function getDataset(uint256 datasetId) external view returns (DatasetView memory) {
        return _existing(datasetId);
    }

    /// @inheritdoc IDatasetRegistry
    function getVersion(uint256 datasetId, uint256 version)
        external
        view
        returns (DatasetVersionView memory)
    {
        (, DatasetVersionView storage v) = _existingVersion(datasetId, version);
        return v;
    }

    /// @inheritdoc IDatasetRegistry
    function hasStarred(uint256 datasetId, address user) external view returns (bool) {
        return _starred[datasetId][user];
    }

    /// @inheritdoc IDatasetRegistry
    function hasReported(uint256 datasetId, uint256 version, address reporter) external view returns (bool) {
        return _reported[datasetId][version][reporter];
    }

    // ----------------------------------------------------------------------------------------------
    // Internal
    // ----------------------------------------------------------------------------------------------

    function _checkVersion(DatasetVersionParams calldata p) private pure {
        if (p.contentCid == bytes32(0)) revert InvalidContentCid();
        if (p.contentCodec != RAW_CODEC && p.contentCodec != DAG_PB_CODEC) {
            revert InvalidContentCodec(p.contentCodec);
        }
        if (p.sizeBytes == 0) revert InvalidSize();
        if (!_checkLength(p.format, MAX_FORMAT_LENGTH, true)) revert InvalidFormat();
    }

    function _addVersion(uint256 datasetId, DatasetView storage dataset, DatasetVersionParams calldata p)
        private
        returns (uint256 version)
    {
        version = ++dataset.versionCount;
        DatasetVersionView storage v = _versions[datasetId][version];
        v.contentCodec = p.contentCodec;
        v.sizeBytes = p.sizeBytes;
        v.createdAt = uint64(block.timestamp);
        v.usageFeePerShard = p.usageFeePerShard;
        v.contentCid = p.contentCid;
        v.metadataCid = p.metadataCid;
        v.format = p.format;
        emit DatasetVersionAdded(
            datasetId,
            version,
            p.contentCid,
            p.contentCodec,
            p.sizeBytes,
            p.usageFeePerShard,
            p.format,
            p.metadataCid
        );
    }

    // ----------------------------------------------------------------------------------------------
    // Parameters (Governed hooks)
    // ----------------------------------------------------------------------------------------------

    /// @dev The cut is at least 1% (self-dealt usage always costs) and at most 50%.
    function _parameterBounds(bytes32 name) internal pure override returns (uint256 min, uint256 max) {
        if (name == USAGE_FEE_CUT_BPS) return (100, 5000);
        revert UnknownParameter(name);
    }

    function _getParameter(bytes32 name) internal view override returns (uint256) {
        if (name == USAGE_FEE_CUT_BPS) return _usageFeeCutBps;
        revert UnknownParameter(name);
    }

    function _setParameter(bytes32 name, uint256 value) internal override {
        // forge-lint: disable-next-line(unsafe-typecast): bounded by 5000
        if (name == USAGE_FEE_CUT_BPS) _usageFeeCutBps = uint16(value);
        else revert UnknownParameter(name);
    }
}
