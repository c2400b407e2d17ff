// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ShardStatus, ShardView, TaskView} from "../../src/types/Types.sol";

/// @notice The three ITaskManager views ModelRegistry reads, with settable tasks and shards.
/// @dev Only for isolated ModelRegistry tests; the provenance tests run against the real TaskManager.
contract MockTaskManager {
    error UnknownTask(uint256 taskId);

    uint256 public taskCount;
    mapping(uint256 taskId => TaskView) private _tasks;
    mapping(uint256 taskId => mapping(uint256 shardIndex => ShardView)) private _shards;

    function addTask(address client, uint32 shardCount) external returns (uint256 taskId) {
        taskId = ++taskCount;
        _tasks[taskId].client = client;
        _tasks[taskId].shardCount = shardCount;
    }

    function setShard(uint256 taskId, uint256 shardIndex, ShardStatus status, bytes32 manifestCid) external {
        _shards[taskId][shardIndex].status = status;
        _shards[taskId][shardIndex].manifestCid = manifestCid;
    }

    function getTask(uint256 taskId) external view returns (TaskView memory) {
        if (taskId == 0 || taskId > taskCount) revert UnknownTask(taskId);
        return _tasks[taskId];
    }

    function getShard(uint256 taskId, uint256 shardIndex) external view returns (ShardView memory) {
        if (taskId == 0 || taskId > taskCount) revert UnknownTask(taskId);
        return _shards[taskId][shardIndex];
    }
}
