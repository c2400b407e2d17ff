// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";

import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";

/// @notice Signs a worker key's EIP-712 WorkerConsent the way a worker daemon does.
library WorkerConsent {
    /// @notice Consent of `workerKey` to serve `nodeId` (0: a registration) for `operator`, valid for one hour.
    function sign(Vm vm, INodeRegistry registry, uint256 workerKey, address operator, uint256 nodeId)
        internal
        view
        returns (uint256 deadline, bytes memory signature)
    {
        deadline = block.timestamp + 1 hours;
        address worker = vm.addr(workerKey);
        bytes32 digest =
            registry.workerConsentDigest(operator, nodeId, worker, registry.workerNonce(worker), deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(workerKey, digest);
        signature = abi.encodePacked(r, s, v);
    }
}
