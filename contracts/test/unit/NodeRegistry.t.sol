// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test, Vm} from "forge-std/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {NodeRegistry} from "../../src/NodeRegistry.sol";
import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {IParameters} from "../../src/interfaces/IParameters.sol";
import {
    Capabilities,
    Ineligibility,
    NodeStatus,
    NodeView,
    Resources,
    SlashReason,
    Tier,
    TierThreshold
} from "../../src/types/Types.sol";
import {RegistryFixture} from "../utils/RegistryFixture.sol";
import {ReentrantToken} from "../utils/ReentrantToken.sol";
import {WorkerConsent} from "../utils/WorkerConsent.sol";

contract NodeRegistryTest is RegistryFixture {
    // ----------------------------------------------------------------------------------------------
    // constructor
    // ----------------------------------------------------------------------------------------------

    function test_constructor_defaults_succeeds() public view {
        assertEq(registry.token(), address(token));
        assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), governor));
        assertTrue(registry.hasRole(registry.GOVERNOR_ROLE(), governor));
        assertEq(registry.GOVERNOR_ROLE(), keccak256("GOVERNOR_ROLE"));
        assertEq(registry.PROTOCOL_ROLE(), keccak256("PROTOCOL_ROLE"));
        assertEq(registry.getParameter(P_MIN_STAKE), 100 ether);
        assertEq(registry.getParameter(P_UNBONDING), 7 days);
        assertEq(registry.getParameter(P_JAIL), 3 days);
        _assertThreshold(Tier.Bronze, 100 ether, 0, 0, 0);
        _assertThreshold(Tier.Silver, 1000 ether, 10, 9000, 1 ether);
        _assertThreshold(Tier.Gold, 10_000 ether, 100, 9500, 10 ether);
        _assertThreshold(Tier.Platinum, 50_000 ether, 500, 9800, 50 ether);
        assertEq(registry.SEALED_ROLE(), keccak256("SEALED_ROLE"));
        assertEq(registry.getRoleAdmin(registry.PROTOCOL_ROLE()), registry.SEALED_ROLE());
        assertEq(registry.getRoleAdmin(registry.SEALED_ROLE()), registry.SEALED_ROLE());
        assertEq(registry.nodeCount(), 0);
        assertEq(registry.activeNodeCount(), 0);
        assertEq(registry.totalStaked(), 0);
    }

    function test_constructor_emitsDefaults_succeeds() public {
        vm.expectEmit();
        emit IParameters.ParameterSet(P_MIN_STAKE, 0, 100 ether);
        vm.expectEmit();
        emit IParameters.ParameterSet(P_UNBONDING, 0, 7 days);
        vm.expectEmit();
        emit IParameters.ParameterSet(P_JAIL, 0, 3 days);
        vm.expectEmit();
        emit INodeRegistry.TierThresholdSet(Tier.Bronze, 100 ether, 0, 0, 0);
        vm.expectEmit();
        emit INodeRegistry.TierThresholdSet(Tier.Silver, 1000 ether, 10, 9000, 1 ether);
        vm.expectEmit();
        emit INodeRegistry.TierThresholdSet(Tier.Gold, 10_000 ether, 100, 9500, 10 ether);
        vm.expectEmit();
        emit INodeRegistry.TierThresholdSet(Tier.Platinum, 50_000 ether, 500, 9800, 50 ether);
        new NodeRegistry(address(token), governor);
    }

    function test_constructor_zeroToken_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.ZeroAddress.selector));
        new NodeRegistry(address(0), governor);
    }

    function test_constructor_zeroGovernor_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.ZeroAddress.selector));
        new NodeRegistry(address(token), address(0));
    }

    // ----------------------------------------------------------------------------------------------
    // register
    // ----------------------------------------------------------------------------------------------

    function test_register_firstNode_succeeds() public {
        _fund(operator, 500 ether);
        Capabilities memory caps = _caps();

        vm.expectEmit(address(registry));
        emit INodeRegistry.NodeRegistered(1, operator, worker, caps, 2 ether, keccak256("m"), 500 ether);
        vm.expectEmit(address(registry));
        emit INodeRegistry.TierChanged(1, Tier.None, Tier.Bronze);
        vm.expectEmit(address(registry));
        emit INodeRegistry.ActiveSetChanged(1, true, 1);
        (uint256 dl, bytes memory sig) = _consent(operator, 0, worker);
        vm.prank(operator);
        uint256 nodeId = registry.register(worker, caps, 2 ether, keccak256("m"), 500 ether, dl, sig);

        assertEq(nodeId, 1);
        NodeView memory v = registry.getNode(nodeId);
        assertEq(v.operator, operator);
        assertEq(v.worker, worker);
        assertEq(uint8(v.status), uint8(NodeStatus.Active));
        assertEq(uint8(v.tier), uint8(Tier.Bronze));
        assertTrue(v.active);
        assertEq(v.registeredAt, block.timestamp);
        assertEq(v.stake, 500 ether);
        assertEq(v.locked, 0);
        assertEq(v.unbonding, 0);
        assertEq(v.askPrice, 2 ether);
        assertEq(v.metadataCid, keccak256("m"));
        assertEq(v.capabilities.gpuModel, caps.gpuModel);
        assertEq(v.capabilities.gpuCount, caps.gpuCount);
        assertEq(v.capabilities.vramMiB, caps.vramMiB);
        assertEq(v.capabilities.cpuCores, caps.cpuCores);
        assertEq(v.capabilities.memoryMiB, caps.memoryMiB);
        assertEq(v.capabilities.region, caps.region);
        assertEq(registry.nodeCount(), 1);
        assertEq(registry.nodeIdOfWorker(worker), 1);
        assertEq(registry.totalStaked(), 500 ether);
        assertEq(token.balanceOf(address(registry)), 500 ether);
        assertEq(token.balanceOf(operator), 0);
        assertEq(registry.activeNodeAt(0), 1);
    }

    function test_register_idsIncrement_succeeds() public {
        uint256 a = _register(operator, worker, MIN_STAKE);
        uint256 b = _register(operator, _workerAddr("worker2"), MIN_STAKE);
        assertEq(a, 1);
        assertEq(b, 2);
        assertEq(registry.nodeCount(), 2);
        assertEq(registry.activeNodeCount(), 2);
    }

    function test_register_workerIsOperator_succeeds() public {
        uint256 nodeId = _register(operator, operator, MIN_STAKE);
        assertEq(registry.nodeIdOfWorker(operator), nodeId);
    }

    function test_register_cpuOnlyCapabilities_succeeds() public {
        _fund(operator, MIN_STAKE);
        Capabilities memory caps =
            Capabilities({gpuModel: 0, gpuCount: 0, vramMiB: 0, cpuCores: 8, memoryMiB: 16_384, region: ""});
        (uint256 dl, bytes memory sig) = _consent(operator, 0, worker);
        vm.prank(operator);
        uint256 nodeId = registry.register(worker, caps, 0, 0, MIN_STAKE, dl, sig);
        assertEq(registry.getNode(nodeId).capabilities.gpuCount, 0);
    }

    function test_register_zeroWorker_reverts() public {
        _fund(operator, MIN_STAKE);
        Capabilities memory caps = _caps();
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.ZeroAddress.selector));
        vm.prank(operator);
        registry.register(address(0), caps, 0, 0, MIN_STAKE, block.timestamp, "");
    }

    function test_register_workerKeyInUse_reverts() public {
        _registerDefault(MIN_STAKE);
        _fund(stranger, MIN_STAKE);
        Capabilities memory caps = _caps();
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.WorkerKeyInUse.selector, worker, 1));
        vm.prank(stranger);
        registry.register(worker, caps, 0, 0, MIN_STAKE, block.timestamp, "");
    }

    function test_register_noCpu_reverts() public {
        Capabilities memory caps = _caps();
        caps.cpuCores = 0;
        _expectRegisterInvalidCaps(caps);
    }

    function test_register_noMemory_reverts() public {
        Capabilities memory caps = _caps();
        caps.memoryMiB = 0;
        _expectRegisterInvalidCaps(caps);
    }

    function test_register_gpuWithoutVram_reverts() public {
        Capabilities memory caps = _caps();
        caps.vramMiB = 0;
        _expectRegisterInvalidCaps(caps);
    }

    function test_register_gpuWithoutModel_reverts() public {
        Capabilities memory caps = _caps();
        caps.gpuModel = 0;
        _expectRegisterInvalidCaps(caps);
    }

    function test_register_vramWithoutGpu_reverts() public {
        Capabilities memory caps = _caps();
        caps.gpuCount = 0;
        _expectRegisterInvalidCaps(caps);
    }

    function test_register_modelWithoutGpu_reverts() public {
        Capabilities memory caps = _caps();
        caps.gpuCount = 0;
        caps.vramMiB = 0;
        _expectRegisterInvalidCaps(caps);
    }

    function test_register_stakeBelowMinimum_reverts() public {
        _fund(operator, MIN_STAKE);
        Capabilities memory caps = _caps();
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.StakeBelowMinimum.selector, MIN_STAKE - 1, MIN_STAKE)
        );
        vm.prank(operator);
        registry.register(worker, caps, 0, 0, MIN_STAKE - 1, block.timestamp, "");
    }

    function test_register_askPriceOverflow_reverts() public {
        _fund(operator, MIN_STAKE);
        Capabilities memory caps = _caps();
        uint256 price = uint256(type(uint96).max) + 1;
        (uint256 dl, bytes memory sig) = _consent(operator, 0, worker);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidAskPrice.selector, price));
        vm.prank(operator);
        registry.register(worker, caps, price, 0, MIN_STAKE, dl, sig);
        // Exact in 38 bits (1 × 10^29) but above 96 bits.
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidAskPrice.selector, 1e29));
        vm.prank(operator);
        registry.register(worker, caps, 1e29, 0, MIN_STAKE, dl, sig);
    }

    function test_register_askPriceTooPrecise_reverts() public {
        _fund(operator, MIN_STAKE);
        Capabilities memory caps = _caps();
        (uint256 dl, bytes memory sig) = _consent(operator, 0, worker);
        // 10 significant digits whose mantissa does not fit 32 bits.
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidAskPrice.selector, 1.5e18 + 1));
        vm.prank(operator);
        registry.register(worker, caps, 1.5e18 + 1, 0, MIN_STAKE, dl, sig);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidAskPrice.selector, 9_999_999_999));
        vm.prank(operator);
        registry.register(worker, caps, 9_999_999_999, 0, MIN_STAKE, dl, sig);
        // 9 significant digits at any scale are fine.
        vm.prank(operator);
        uint256 nodeId = registry.register(worker, caps, 0.123_456_789 ether, 0, MIN_STAKE, dl, sig);
        assertEq(registry.getNode(nodeId).askPrice, 0.123_456_789 ether);
    }

    function test_register_stakeOverflow_reverts() public {
        uint256 amount = uint256(type(uint96).max) + 1;
        Capabilities memory caps = _caps();
        (uint256 dl, bytes memory sig) = _consent(operator, 0, worker);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 96, amount));
        vm.prank(operator);
        registry.register(worker, caps, 0, 0, amount, dl, sig);
    }

    function test_register_insufficientAllowance_reverts() public {
        vm.prank(treasury);
        token.transfer(operator, MIN_STAKE);
        Capabilities memory caps = _caps();
        (uint256 dl, bytes memory sig) = _consent(operator, 0, worker);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(registry), 0, MIN_STAKE
            )
        );
        vm.prank(operator);
        registry.register(worker, caps, 0, 0, MIN_STAKE, dl, sig);
    }

    function testFuzz_register_stakeAmount(uint256 amount) public {
        amount = bound(amount, MIN_STAKE, SUPPLY);
        uint256 nodeId = _registerDefault(amount);
        TierThreshold[5] memory th = _thresholds();
        assertEq(registry.getNode(nodeId).stake, amount);
        assertEq(registry.totalStaked(), amount);
        assertEq(token.balanceOf(address(registry)), amount);
        assertEq(uint8(registry.tierOf(nodeId)), uint8(_referenceTier(th, amount, 0, 0, 0)));
        assertTrue(registry.isActive(nodeId));
    }

    // ----------------------------------------------------------------------------------------------
    // updateNode
    // ----------------------------------------------------------------------------------------------

    function test_updateNode_operator_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        Capabilities memory caps = _caps();
        caps.gpuCount = 4;
        caps.region = "us-east";
        vm.expectEmit(address(registry));
        emit INodeRegistry.NodeUpdated(nodeId, caps, 3 ether, keccak256("m2"));
        vm.prank(operator);
        registry.updateNode(nodeId, caps, 3 ether, keccak256("m2"));
        NodeView memory v = registry.getNode(nodeId);
        assertEq(v.capabilities.gpuCount, 4);
        assertEq(v.capabilities.region, bytes16("us-east"));
        assertEq(v.askPrice, 3 ether);
        assertEq(v.metadataCid, keccak256("m2"));
    }

    function test_updateNode_unknownNode_reverts() public {
        Capabilities memory caps = _caps();
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 7));
        vm.prank(operator);
        registry.updateNode(7, caps, 0, 0);
    }

    function test_updateNode_worker_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        Capabilities memory caps = _caps();
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NotNodeOperator.selector, nodeId, worker));
        vm.prank(worker);
        registry.updateNode(nodeId, caps, 0, 0);
    }

    function test_updateNode_exited_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(operator);
        registry.exit(nodeId);
        Capabilities memory caps = _caps();
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.InvalidNodeStatus.selector, nodeId, uint8(NodeStatus.Exited))
        );
        vm.prank(operator);
        registry.updateNode(nodeId, caps, 0, 0);
    }

    function test_updateNode_invalidCapabilities_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        Capabilities memory caps = _caps();
        caps.cpuCores = 0;
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidCapabilities.selector));
        vm.prank(operator);
        registry.updateNode(nodeId, caps, 0, 0);
    }

    function test_updateNode_askPriceOverflow_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        Capabilities memory caps = _caps();
        uint256 price = uint256(type(uint96).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidAskPrice.selector, price));
        vm.prank(operator);
        registry.updateNode(nodeId, caps, price, 0);
    }

    function test_updateNode_askPriceTooPrecise_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        Capabilities memory caps = _caps();
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidAskPrice.selector, 1 ether + 1));
        vm.prank(operator);
        registry.updateNode(nodeId, caps, 1 ether + 1, 0);
        assertEq(registry.getNode(nodeId).askPrice, 1 ether, "unchanged");
        vm.prank(operator);
        registry.updateNode(nodeId, caps, 987_654_321e9, 0);
        assertEq(registry.getNode(nodeId).askPrice, 987_654_321e9);
    }

    // ----------------------------------------------------------------------------------------------
    // setWorker
    // ----------------------------------------------------------------------------------------------

    function test_setWorker_operator_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        address newWorker = _workerAddr("newWorker");
        (uint256 dl, bytes memory sig) = _consent(operator, nodeId, newWorker);
        vm.expectEmit(address(registry));
        emit INodeRegistry.WorkerChanged(nodeId, worker, newWorker);
        vm.prank(operator);
        registry.setWorker(nodeId, newWorker, dl, sig);
        assertEq(registry.getNode(nodeId).worker, newWorker);
        assertEq(registry.nodeIdOfWorker(newWorker), nodeId);
        assertEq(registry.nodeIdOfWorker(worker), 0);
        assertEq(registry.workerNonce(newWorker), 1);
        // The old key is free again.
        _register(stranger, worker, MIN_STAKE);
        assertEq(registry.nodeIdOfWorker(worker), 2);
    }

    function test_setWorker_exitedNode_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        address newWorker = _workerAddr("newWorker");
        vm.prank(operator);
        registry.exit(nodeId);
        (uint256 dl, bytes memory sig) = _consent(operator, nodeId, newWorker);
        vm.prank(operator);
        registry.setWorker(nodeId, newWorker, dl, sig);
        assertEq(registry.nodeIdOfWorker(worker), 0);
    }

    function test_setWorker_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 1));
        vm.prank(operator);
        registry.setWorker(1, stranger, block.timestamp, "");
    }

    function test_setWorker_notOperator_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NotNodeOperator.selector, nodeId, worker));
        vm.prank(worker);
        registry.setWorker(nodeId, stranger, block.timestamp, "");
    }

    function test_setWorker_zeroAddress_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.ZeroAddress.selector));
        vm.prank(operator);
        registry.setWorker(nodeId, address(0), block.timestamp, "");
    }

    function test_setWorker_keyOfOtherNode_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        address other = _workerAddr("otherWorker");
        uint256 otherId = _register(stranger, other, MIN_STAKE);
        (uint256 dl, bytes memory sig) = _consent(operator, nodeId, other);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.WorkerKeyInUse.selector, other, otherId));
        vm.prank(operator);
        registry.setWorker(nodeId, other, dl, sig);
    }

    function test_setWorker_sameKey_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        (uint256 dl, bytes memory sig) = _consent(operator, nodeId, worker);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.WorkerKeyInUse.selector, worker, nodeId));
        vm.prank(operator);
        registry.setWorker(nodeId, worker, dl, sig);
    }

    function test_setWorker_operatorAsWorker_needsNoSignature_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(operator);
        registry.setWorker(nodeId, operator, 0, "");
        assertEq(registry.getNode(nodeId).worker, operator);
        assertEq(registry.nodeIdOfWorker(operator), nodeId);
        assertEq(registry.workerNonce(operator), 0);
    }

    function test_setWorker_noConsent_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        address victim = _workerAddr("victim");
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidWorkerConsent.selector, victim));
        vm.prank(operator);
        registry.setWorker(nodeId, victim, block.timestamp + 1 hours, "");
    }

    function test_setWorker_consentForOtherNode_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        _register(operator, _workerAddr("w2"), MIN_STAKE);
        address newWorker = _workerAddr("newWorker");
        // Signed for node 2 (or for a registration), presented for node 1.
        (uint256 dl, bytes memory sig) = _consent(operator, 2, newWorker);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidWorkerConsent.selector, newWorker));
        vm.prank(operator);
        registry.setWorker(nodeId, newWorker, dl, sig);
        (dl, sig) = _consent(operator, 0, newWorker);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidWorkerConsent.selector, newWorker));
        vm.prank(operator);
        registry.setWorker(nodeId, newWorker, dl, sig);
    }

    function test_setWorker_collateralLocked_reverts() public {
        uint256 nodeId = _registerDefault(1000 ether);
        _lock(nodeId, 50 ether);
        address newWorker = _workerAddr("newWorker");
        (uint256 dl, bytes memory sig) = _consent(operator, nodeId, newWorker);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeHasLiveShards.selector, nodeId, 50 ether));
        vm.prank(operator);
        registry.setWorker(nodeId, newWorker, dl, sig);
        // Frozen for the operator as worker too (no signature needed, still frozen).
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeHasLiveShards.selector, nodeId, 50 ether));
        vm.prank(operator);
        registry.setWorker(nodeId, operator, 0, "");
    }

    function test_setWorker_afterUnlock_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        _lock(nodeId, 50 ether);
        vm.prank(protocol);
        registry.unlockCollateral(nodeId, 50 ether);
        assertEq(registry.liveCollateral(nodeId), 0);
        address newWorker = _workerAddr("newWorker");
        (uint256 dl, bytes memory sig) = _consent(operator, nodeId, newWorker);
        vm.prank(operator);
        registry.setWorker(nodeId, newWorker, dl, sig);
        assertEq(registry.getNode(nodeId).worker, newWorker);
    }

    function test_setWorker_slashedCollateralOwed_reverts() public {
        uint256 nodeId = _registerDefault(1000 ether);
        _lock(nodeId, 500 ether);
        // A slash clamps `locked` to what stays bonded; the cut-away collateral is still owed, so keys stay frozen
        // even once `locked` is unlocked down to zero.
        vm.prank(protocol);
        registry.slash(nodeId, 800 ether, recipient, SlashReason.DisputeLost);
        vm.prank(protocol);
        registry.unlockCollateral(nodeId, 200 ether);
        assertEq(registry.getNode(nodeId).locked, 200 ether);
        assertEq(registry.liveCollateral(nodeId), 300 ether);
        address newWorker = _workerAddr("newWorker");
        (uint256 dl, bytes memory sig) = _consent(operator, nodeId, newWorker);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeHasLiveShards.selector, nodeId, 300 ether));
        vm.prank(operator);
        registry.setWorker(nodeId, newWorker, dl, sig);
    }

    // ----------------------------------------------------------------------------------------------
    // worker consent (EIP-712)
    // ----------------------------------------------------------------------------------------------

    function test_register_workerConsent_succeeds() public {
        _fund(operator, MIN_STAKE);
        assertEq(registry.workerNonce(worker), 0);
        (uint256 dl, bytes memory sig) = _consent(operator, 0, worker);
        vm.prank(operator);
        uint256 nodeId = registry.register(worker, _caps(), 0, 0, MIN_STAKE, dl, sig);
        assertEq(registry.getNode(nodeId).worker, worker);
        assertEq(registry.nodeIdOfWorker(worker), nodeId);
        assertEq(registry.workerNonce(worker), 1);
    }

    function test_workerConsentDigest_eip712_succeeds() public {
        uint256 deadline = block.timestamp + 5;
        bytes32 typeHash = keccak256(
            "WorkerConsent(address operator,uint256 nodeId,address worker,uint256 nonce,uint256 deadline)"
        );
        bytes32 domain = keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256("Neural NodeRegistry"),
                keccak256("1"),
                block.chainid,
                address(registry)
            )
        );
        bytes32 structHash =
            keccak256(abi.encode(typeHash, operator, uint256(7), worker, uint256(3), deadline));
        assertEq(
            registry.workerConsentDigest(operator, 7, worker, 3, deadline),
            keccak256(abi.encodePacked("\x19\x01", domain, structHash))
        );
    }

    function test_register_consentWrongSigner_reverts() public {
        _fund(operator, MIN_STAKE);
        address other = _workerAddr("other");
        // `other` signs a consent naming `worker`.
        uint256 dl = block.timestamp + 1 hours;
        bytes32 digest = registry.workerConsentDigest(operator, 0, worker, 0, dl);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keyOf[other], digest);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidWorkerConsent.selector, worker));
        vm.prank(operator);
        registry.register(worker, _caps(), 0, 0, MIN_STAKE, dl, abi.encodePacked(r, s, v));
    }

    function test_register_consentWrongOperator_reverts() public {
        // The worker consented to serve `operator`; `stranger` presents the signature.
        (uint256 dl, bytes memory sig) = _consent(operator, 0, worker);
        _fund(stranger, MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidWorkerConsent.selector, worker));
        vm.prank(stranger);
        registry.register(worker, _caps(), 0, 0, MIN_STAKE, dl, sig);
    }

    function test_register_consentWrongNodeId_reverts() public {
        _fund(operator, MIN_STAKE);
        // A consent for node 1 is not a consent to a registration (node id 0).
        (uint256 dl, bytes memory sig) = _consent(operator, 1, worker);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidWorkerConsent.selector, worker));
        vm.prank(operator);
        registry.register(worker, _caps(), 0, 0, MIN_STAKE, dl, sig);
    }

    function test_register_consentExpired_reverts() public {
        _fund(operator, MIN_STAKE);
        (uint256 dl, bytes memory sig) = _consent(operator, 0, worker);
        vm.warp(dl + 1);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.WorkerConsentExpired.selector, dl));
        vm.prank(operator);
        registry.register(worker, _caps(), 0, 0, MIN_STAKE, dl, sig);
    }

    function test_register_consentAtDeadline_succeeds() public {
        _fund(operator, MIN_STAKE);
        (uint256 dl, bytes memory sig) = _consent(operator, 0, worker);
        vm.warp(dl);
        vm.prank(operator);
        registry.register(worker, _caps(), 0, 0, MIN_STAKE, dl, sig);
        assertEq(registry.nodeIdOfWorker(worker), 1);
    }

    function test_register_consentReplayed_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        // Reuse the consent of the first registration after the key was freed again.
        _fund(operator, MIN_STAKE);
        uint256 dl = block.timestamp + 1 hours;
        bytes32 digest = registry.workerConsentDigest(operator, 0, worker, 0, dl);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(workerKey, digest);
        bytes memory oldSig = abi.encodePacked(r, s, v);
        vm.prank(operator);
        registry.setWorker(nodeId, operator, 0, "");
        assertEq(registry.nodeIdOfWorker(worker), 0);
        assertEq(registry.workerNonce(worker), 1);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidWorkerConsent.selector, worker));
        vm.prank(operator);
        registry.register(worker, _caps(), 0, 0, MIN_STAKE, dl, oldSig);
        // A fresh consent (nonce 1) works.
        (dl, oldSig) = _consent(operator, 0, worker);
        vm.prank(operator);
        registry.register(worker, _caps(), 0, 0, MIN_STAKE, dl, oldSig);
        assertEq(registry.workerNonce(worker), 2);
    }

    function test_register_squatting_reverts() public {
        // `stranger` tries to register the honest worker key under its own node without the key's signature.
        _fund(stranger, MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidWorkerConsent.selector, worker));
        vm.prank(stranger);
        registry.register(worker, _caps(), 0, 0, MIN_STAKE, block.timestamp + 1 hours, "");
        // ... nor with a garbage signature.
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidWorkerConsent.selector, worker));
        vm.prank(stranger);
        registry.register(worker, _caps(), 0, 0, MIN_STAKE, block.timestamp + 1 hours, new bytes(65));
        assertEq(registry.nodeIdOfWorker(worker), 0);
        // The key stays free for its owner.
        _registerDefault(MIN_STAKE);
        assertEq(registry.getNode(1).operator, operator);
    }

    function test_register_workerIsOperator_needsNoSignature_succeeds() public {
        _fund(operator, MIN_STAKE);
        // Expired deadline and empty signature are ignored when the worker is the caller.
        vm.prank(operator);
        uint256 nodeId = registry.register(operator, _caps(), 0, 0, MIN_STAKE, 0, "");
        assertEq(registry.getNode(nodeId).worker, operator);
        assertEq(registry.workerNonce(operator), 0);
    }

    // ----------------------------------------------------------------------------------------------
    // stake
    // ----------------------------------------------------------------------------------------------

    function test_stake_anyoneTopsUp_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        _fund(stranger, 1000 ether);
        vm.expectEmit(address(registry));
        emit INodeRegistry.Staked(nodeId, 1000 ether, 1100 ether);
        vm.prank(stranger);
        registry.stake(nodeId, 1000 ether);
        assertEq(registry.getNode(nodeId).stake, 1100 ether);
        assertEq(registry.totalStaked(), 1100 ether);
        assertEq(token.balanceOf(address(registry)), 1100 ether);
        assertEq(token.balanceOf(stranger), 0);
    }

    function test_stake_reentersActiveSet_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 1 ether);
        assertFalse(registry.isActive(nodeId));
        assertEq(uint8(registry.tierOf(nodeId)), uint8(Tier.None));
        _fund(operator, 1 ether);

        vm.expectEmit(address(registry));
        emit INodeRegistry.Staked(nodeId, 1 ether, MIN_STAKE);
        vm.expectEmit(address(registry));
        emit INodeRegistry.TierChanged(nodeId, Tier.None, Tier.Bronze);
        vm.expectEmit(address(registry));
        emit INodeRegistry.ActiveSetChanged(nodeId, true, 1);
        vm.prank(operator);
        registry.stake(nodeId, 1 ether);
        assertTrue(registry.isActive(nodeId));
    }

    function test_stake_pausedNode_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(operator);
        registry.pause(nodeId);
        _fund(operator, 1 ether);
        vm.prank(operator);
        registry.stake(nodeId, 1 ether);
        assertFalse(registry.isActive(nodeId));
        assertEq(registry.getNode(nodeId).stake, MIN_STAKE + 1 ether);
    }

    function test_stake_zeroAmount_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.ZeroAmount.selector));
        vm.prank(operator);
        registry.stake(nodeId, 0);
    }

    function test_stake_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 3));
        registry.stake(3, 1);
    }

    function test_stake_exitedNode_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(operator);
        registry.exit(nodeId);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.InvalidNodeStatus.selector, nodeId, uint8(NodeStatus.Exited))
        );
        vm.prank(operator);
        registry.stake(nodeId, 1 ether);
    }

    function test_stake_overflow_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        uint256 amount = uint256(type(uint96).max);
        vm.expectRevert(
            abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 96, amount + MIN_STAKE)
        );
        vm.prank(operator);
        registry.stake(nodeId, amount);
    }

    function testFuzz_stake_amounts(uint256 initial, uint256 topUp) public {
        initial = bound(initial, MIN_STAKE, SUPPLY / 2);
        topUp = bound(topUp, 1, SUPPLY / 2);
        uint256 nodeId = _registerDefault(initial);
        _fund(stranger, topUp);
        vm.prank(stranger);
        registry.stake(nodeId, topUp);
        assertEq(registry.getNode(nodeId).stake, initial + topUp);
        assertEq(registry.totalStaked(), initial + topUp);
        assertEq(token.balanceOf(address(registry)), initial + topUp);
        assertEq(
            uint8(registry.tierOf(nodeId)), uint8(_referenceTier(_thresholds(), initial + topUp, 0, 0, 0))
        );
    }

    // ----------------------------------------------------------------------------------------------
    // requestUnstake
    // ----------------------------------------------------------------------------------------------

    function test_requestUnstake_freeStake_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        uint64 releaseAt = uint64(block.timestamp) + UNBONDING;
        vm.expectEmit(address(registry));
        emit INodeRegistry.UnstakeRequested(nodeId, 400 ether, 400 ether, releaseAt);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 400 ether);
        NodeView memory v = registry.getNode(nodeId);
        assertEq(v.stake, 600 ether);
        assertEq(v.unbonding, 400 ether);
        assertEq(v.unbondingReleaseAt, releaseAt);
        assertEq(registry.totalStaked(), 1000 ether);
        assertTrue(v.active);
    }

    function test_requestUnstake_restartsTimer_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 100 ether);
        skip(5 days);
        uint64 releaseAt = uint64(block.timestamp) + UNBONDING;
        vm.expectEmit(address(registry));
        emit INodeRegistry.UnstakeRequested(nodeId, 50 ether, 150 ether, releaseAt);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 50 ether);
        assertEq(registry.getNode(nodeId).unbondingReleaseAt, releaseAt);
    }

    function test_requestUnstake_belowMinimum_leavesActiveSet_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectEmit(address(registry));
        emit INodeRegistry.TierChanged(nodeId, Tier.Bronze, Tier.None);
        vm.expectEmit(address(registry));
        emit INodeRegistry.ActiveSetChanged(nodeId, false, 0);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 1);
        assertFalse(registry.isActive(nodeId));
        assertEq(registry.activeNodeCount(), 0);
    }

    function test_requestUnstake_zeroAmount_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.ZeroAmount.selector));
        vm.prank(operator);
        registry.requestUnstake(nodeId, 0);
    }

    function test_requestUnstake_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 1));
        vm.prank(operator);
        registry.requestUnstake(1, 1);
    }

    function test_requestUnstake_notOperator_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NotNodeOperator.selector, nodeId, worker));
        vm.prank(worker);
        registry.requestUnstake(nodeId, 1);
    }

    function test_requestUnstake_lockedStake_reverts() public {
        uint256 nodeId = _registerDefault(1000 ether);
        _lock(nodeId, 700 ether);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.InsufficientFreeStake.selector, nodeId, 301 ether, 300 ether)
        );
        vm.prank(operator);
        registry.requestUnstake(nodeId, 301 ether);
    }

    function testFuzz_requestUnstake_amounts(uint256 staked, uint256 locked, uint256 amount) public {
        staked = bound(staked, MIN_STAKE, SUPPLY);
        locked = bound(locked, 0, staked);
        amount = bound(amount, 1, staked);
        uint256 nodeId = _registerDefault(staked);
        _lock(nodeId, locked);
        uint256 free = staked - locked;
        if (amount > free) {
            vm.expectRevert(
                abi.encodeWithSelector(INodeRegistry.InsufficientFreeStake.selector, nodeId, amount, free)
            );
        }
        vm.prank(operator);
        registry.requestUnstake(nodeId, amount);
        NodeView memory v = registry.getNode(nodeId);
        if (amount <= free) {
            assertEq(v.stake, staked - amount);
            assertEq(v.unbonding, amount);
            assertEq(v.active, staked - amount >= MIN_STAKE);
        } else {
            assertEq(v.stake, staked);
            assertEq(v.unbonding, 0);
        }
        assertEq(v.locked, locked);
        assertEq(registry.totalStaked(), staked);
    }

    // ----------------------------------------------------------------------------------------------
    // withdraw
    // ----------------------------------------------------------------------------------------------

    function test_withdraw_afterUnbonding_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 400 ether);
        skip(UNBONDING);
        vm.expectEmit(address(registry));
        emit INodeRegistry.Withdrawn(nodeId, operator, 400 ether);
        // Anyone may trigger it; the tokens go to the operator.
        vm.prank(stranger);
        uint256 amount = registry.withdraw(nodeId);
        assertEq(amount, 400 ether);
        assertEq(token.balanceOf(operator), 400 ether);
        assertEq(token.balanceOf(stranger), 0);
        NodeView memory v = registry.getNode(nodeId);
        assertEq(v.unbonding, 0);
        assertEq(v.unbondingReleaseAt, 0);
        assertEq(registry.totalStaked(), 600 ether);
        assertEq(token.balanceOf(address(registry)), 600 ether);
    }

    function test_withdraw_afterExit_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 100 ether);
        vm.prank(operator);
        registry.exit(nodeId);
        skip(UNBONDING);
        vm.prank(operator);
        assertEq(registry.withdraw(nodeId), 1000 ether);
        assertEq(token.balanceOf(operator), 1000 ether);
        assertEq(registry.totalStaked(), 0);
    }

    function test_withdraw_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 1));
        registry.withdraw(1);
    }

    function test_withdraw_nothingUnbonding_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NothingToWithdraw.selector, nodeId));
        registry.withdraw(nodeId);
    }

    function test_withdraw_stillUnbonding_reverts() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 1 ether);
        uint64 releaseAt = uint64(block.timestamp) + UNBONDING;
        skip(UNBONDING - 1);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.StillUnbonding.selector, nodeId, releaseAt));
        registry.withdraw(nodeId);
    }

    function testFuzz_withdraw_time(uint256 elapsed, uint256 period) public {
        period = bound(period, 1 hours, 90 days);
        elapsed = bound(elapsed, 0, 180 days);
        vm.prank(governor);
        registry.setParameter(P_UNBONDING, period);
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 10 ether);
        uint64 releaseAt = uint64(block.timestamp + period);
        skip(elapsed);
        if (elapsed < period) {
            vm.expectRevert(abi.encodeWithSelector(INodeRegistry.StillUnbonding.selector, nodeId, releaseAt));
            registry.withdraw(nodeId);
        } else {
            assertEq(registry.withdraw(nodeId), 10 ether);
            assertEq(token.balanceOf(operator), 10 ether);
        }
    }

    function test_withdraw_collateralLocked_reverts() public {
        uint256 nodeId = _registerDefault(1000 ether);
        _lock(nodeId, 50 ether);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 100 ether);
        skip(UNBONDING);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeHasLiveShards.selector, nodeId, 50 ether));
        registry.withdraw(nodeId);
    }

    function test_withdraw_afterUnlock_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        _lock(nodeId, 50 ether);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 100 ether);
        skip(UNBONDING);
        vm.prank(protocol);
        registry.unlockCollateral(nodeId, 50 ether);
        assertEq(registry.withdraw(nodeId), 100 ether);
        assertEq(token.balanceOf(operator), 100 ether);
        assertEq(registry.totalStaked(), 900 ether);
    }

    function test_withdraw_slashedCollateralOwed_reverts() public {
        uint256 nodeId = _registerDefault(1000 ether);
        _lock(nodeId, 500 ether);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 500 ether);
        // The slash takes all bonded stake and clamps locked to zero; the assignment it backed is still live.
        vm.prank(protocol);
        registry.slash(nodeId, 500 ether, recipient, SlashReason.DisputeLost);
        assertEq(registry.getNode(nodeId).locked, 0);
        skip(UNBONDING);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeHasLiveShards.selector, nodeId, 500 ether));
        registry.withdraw(nodeId);
        vm.prank(protocol);
        registry.unlockCollateral(nodeId, 500 ether);
        assertEq(registry.withdraw(nodeId), 500 ether);
    }

    // ----------------------------------------------------------------------------------------------
    // Stake-weighted draws (Fenwick tree)
    // ----------------------------------------------------------------------------------------------

    function test_drawActiveNode_intervals_succeeds() public {
        uint256 a = _register(_opAddr(1), _opAddr(1), 100 ether);
        uint256 b = _register(_opAddr(2), _opAddr(2), 300 ether);
        uint256 c = _register(_opAddr(3), _opAddr(3), 200 ether);
        assertEq(registry.totalActiveStake(), 600 ether);
        assertEq(registry.drawActiveNode(0), a);
        assertEq(registry.drawActiveNode(100 ether - 1), a);
        assertEq(registry.drawActiveNode(100 ether), b);
        assertEq(registry.drawActiveNode(400 ether - 1), b);
        assertEq(registry.drawActiveNode(400 ether), c);
        assertEq(registry.drawActiveNode(600 ether - 1), c);
        // A paused node owns no interval; the others shift down.
        vm.prank(_opAddr(2));
        registry.pause(b);
        assertEq(registry.totalActiveStake(), 300 ether);
        assertEq(registry.drawActiveNode(100 ether - 1), a);
        assertEq(registry.drawActiveNode(100 ether), c);
        assertEq(registry.drawActiveNode(300 ether - 1), c);
    }

    function test_drawActiveNode_outOfRange_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.DrawOutOfRange.selector, 0, 0));
        registry.drawActiveNode(0);
        _registerDefault(MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.DrawOutOfRange.selector, MIN_STAKE, MIN_STAKE));
        registry.drawActiveNode(MIN_STAKE);
        vm.prank(operator);
        registry.pause(1);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.DrawOutOfRange.selector, 0, 0));
        registry.drawActiveNode(0);
    }

    /// @notice totalActiveStake (and every draw) follows the active stakes through random sequences of
    ///         register / stake / unstake / pause / resume / slash / exit / unjail / lock.
    function testFuzz_totalActiveStake_sumOfActiveStakes(uint256 seed, uint256 steps) public {
        steps = bound(steps, 1, 40);
        for (uint256 k; k < steps; ++k) {
            uint256 r = uint256(keccak256(abi.encode(seed, k)));
            _randomOp(r);
            assertEq(registry.totalActiveStake(), _referenceTotal(), "totalActiveStake");
            uint256 total = registry.totalActiveStake();
            if (total != 0) {
                uint256 point = (r >> 128) % total;
                assertEq(registry.drawActiveNode(point), _referenceDraw(point), "draw");
            }
        }
    }

    /// @notice drawActiveNode(point) is the linear scan over node ids of the active stakes, for several nodes of
    ///         random stakes with paused, exited, jailed and below-minimum ones mixed in.
    function testFuzz_drawActiveNode_matchesLinearScan(uint256 seed, uint256 point) public {
        uint256 count = 3 + seed % 11;
        for (uint256 i = 1; i <= count; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint256 nodeId = _register(_opAddr(i), _opAddr(i), MIN_STAKE + (r >> 8) % (50_000 ether));
            uint256 kind = r % 8;
            vm.startPrank(_opAddr(i));
            if (kind == 0) {
                registry.pause(nodeId);
            } else if (kind == 1) {
                registry.exit(nodeId);
            } else if (kind == 2) {
                registry.requestUnstake(nodeId, registry.getNode(nodeId).stake - (MIN_STAKE - 1));
            }
            vm.stopPrank();
            if (kind == 3) {
                vm.prank(protocol);
                registry.slash(nodeId, 1 ether, recipient, SlashReason.Timeout);
            }
        }
        uint256 total = registry.totalActiveStake();
        assertEq(total, _referenceTotal());
        if (total == 0) {
            vm.expectRevert(abi.encodeWithSelector(INodeRegistry.DrawOutOfRange.selector, point, 0));
            registry.drawActiveNode(point);
            return;
        }
        point = bound(point, 0, total - 1);
        uint256 drawn = registry.drawActiveNode(point);
        assertEq(drawn, _referenceDraw(point));
        assertTrue(registry.isActive(drawn));
        // The edges of the drawn node's interval and the last point.
        assertEq(registry.drawActiveNode(total - 1), _referenceDraw(total - 1));
        assertEq(registry.drawActiveNode(0), _referenceDraw(0));
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.DrawOutOfRange.selector, total, total));
        registry.drawActiveNode(total);
    }

    function _opAddr(uint256 i) internal pure returns (address) {
        return address(uint160(0xA0000 + i));
    }

    function _referenceTotal() internal view returns (uint256 sum) {
        uint256 n = registry.nodeCount();
        for (uint256 i = 1; i <= n; ++i) {
            if (registry.isActive(i)) sum += registry.getNode(i).stake;
        }
    }

    function _referenceDraw(uint256 point) internal view returns (uint256) {
        uint256 n = registry.nodeCount();
        uint256 cumulative;
        for (uint256 i = 1; i <= n; ++i) {
            if (registry.isActive(i)) cumulative += registry.getNode(i).stake;
            if (point < cumulative) return i;
        }
        revert("reference: point out of range");
    }

    /// @dev One random registry operation that is valid in the current state (skipped when none fits).
    function _randomOp(uint256 r) internal {
        uint256 n = registry.nodeCount();
        uint256 op = n == 0 ? 0 : r % 9;
        uint256 amount = (r >> 64) % 20_000 ether;
        if (op == 0) {
            if (n >= 12) return;
            _register(_opAddr(n + 1), _opAddr(n + 1), MIN_STAKE + amount);
            return;
        }
        uint256 nodeId = 1 + (r >> 32) % n;
        NodeView memory v = registry.getNode(nodeId);
        address op_ = v.operator;
        if (op == 1) {
            if (v.status == NodeStatus.Exited || amount == 0) return;
            _fund(stranger, amount);
            vm.prank(stranger);
            registry.stake(nodeId, amount);
        } else if (op == 2) {
            uint256 free = v.stake - v.locked;
            if (free == 0) return;
            vm.prank(op_);
            registry.requestUnstake(nodeId, 1 + amount % free);
        } else if (op == 3) {
            if (v.status != NodeStatus.Active) return;
            vm.prank(op_);
            registry.pause(nodeId);
        } else if (op == 4) {
            if (v.status != NodeStatus.Paused) return;
            vm.prank(op_);
            registry.resume(nodeId);
        } else if (op == 5) {
            vm.prank(protocol);
            registry.slash(nodeId, amount % (uint256(v.stake) + 1), recipient, SlashReason.DisputeLost);
        } else if (op == 6) {
            if (v.status == NodeStatus.Exited || v.locked != 0) return;
            vm.prank(op_);
            registry.exit(nodeId);
        } else if (op == 7) {
            if (v.jailedUntil == 0) return;
            if (block.timestamp < v.jailedUntil) vm.warp(v.jailedUntil);
            vm.prank(op_);
            registry.unjail(nodeId);
        } else {
            uint256 free = v.stake - v.locked;
            if (free == 0) return;
            _lock(nodeId, 1 + amount % free);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // pause / resume
    // ----------------------------------------------------------------------------------------------

    function test_pause_operator_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectEmit(address(registry));
        emit INodeRegistry.NodePaused(nodeId);
        vm.expectEmit(address(registry));
        emit INodeRegistry.ActiveSetChanged(nodeId, false, 0);
        vm.prank(operator);
        registry.pause(nodeId);
        assertEq(uint8(registry.getNode(nodeId).status), uint8(NodeStatus.Paused));
        assertFalse(registry.isActive(nodeId));
    }

    function test_pause_worker_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(worker);
        registry.pause(nodeId);
        assertFalse(registry.isActive(nodeId));
    }

    function test_pause_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 1));
        registry.pause(1);
    }

    function test_pause_stranger_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.NotNodeOperatorOrWorker.selector, nodeId, stranger)
        );
        vm.prank(stranger);
        registry.pause(nodeId);
    }

    function test_pause_alreadyPaused_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(operator);
        registry.pause(nodeId);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.InvalidNodeStatus.selector, nodeId, uint8(NodeStatus.Paused))
        );
        vm.prank(operator);
        registry.pause(nodeId);
    }

    function test_pause_exited_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(operator);
        registry.exit(nodeId);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.InvalidNodeStatus.selector, nodeId, uint8(NodeStatus.Exited))
        );
        vm.prank(worker);
        registry.pause(nodeId);
    }

    function test_resume_paused_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(worker);
        registry.pause(nodeId);
        vm.expectEmit(address(registry));
        emit INodeRegistry.NodeResumed(nodeId);
        vm.expectEmit(address(registry));
        emit INodeRegistry.ActiveSetChanged(nodeId, true, 1);
        vm.prank(operator);
        registry.resume(nodeId);
        assertEq(uint8(registry.getNode(nodeId).status), uint8(NodeStatus.Active));
        assertTrue(registry.isActive(nodeId));
    }

    function test_resume_jailed_staysInactive_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(operator);
        registry.pause(nodeId);
        vm.prank(protocol);
        registry.slash(nodeId, 1 ether, recipient, SlashReason.Timeout);
        vm.prank(operator);
        registry.resume(nodeId);
        assertEq(uint8(registry.getNode(nodeId).status), uint8(NodeStatus.Active));
        assertFalse(registry.isActive(nodeId));
    }

    function test_resume_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 1));
        registry.resume(1);
    }

    function test_resume_worker_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(operator);
        registry.pause(nodeId);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NotNodeOperator.selector, nodeId, worker));
        vm.prank(worker);
        registry.resume(nodeId);
    }

    function test_resume_notPaused_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.InvalidNodeStatus.selector, nodeId, uint8(NodeStatus.Active))
        );
        vm.prank(operator);
        registry.resume(nodeId);
    }

    // ----------------------------------------------------------------------------------------------
    // exit
    // ----------------------------------------------------------------------------------------------

    function test_exit_active_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 100 ether);
        skip(1 days);
        uint64 releaseAt = uint64(block.timestamp) + UNBONDING;
        vm.expectEmit(address(registry));
        emit INodeRegistry.NodeExited(nodeId, 1000 ether, releaseAt);
        vm.expectEmit(address(registry));
        emit INodeRegistry.TierChanged(nodeId, Tier.Bronze, Tier.None);
        vm.expectEmit(address(registry));
        emit INodeRegistry.ActiveSetChanged(nodeId, false, 0);
        vm.prank(operator);
        registry.exit(nodeId);
        NodeView memory v = registry.getNode(nodeId);
        assertEq(uint8(v.status), uint8(NodeStatus.Exited));
        assertEq(v.stake, 0);
        assertEq(v.unbonding, 1000 ether);
        assertEq(v.unbondingReleaseAt, releaseAt);
        assertFalse(v.active);
        assertEq(registry.totalStaked(), 1000 ether);
    }

    function test_exit_paused_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(operator);
        registry.pause(nodeId);
        vm.prank(operator);
        registry.exit(nodeId);
        assertEq(uint8(registry.getNode(nodeId).status), uint8(NodeStatus.Exited));
    }

    function test_exit_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 1));
        registry.exit(1);
    }

    function test_exit_worker_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NotNodeOperator.selector, nodeId, worker));
        vm.prank(worker);
        registry.exit(nodeId);
    }

    function test_exit_alreadyExited_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(operator);
        registry.exit(nodeId);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.InvalidNodeStatus.selector, nodeId, uint8(NodeStatus.Exited))
        );
        vm.prank(operator);
        registry.exit(nodeId);
    }

    function test_exit_collateralLocked_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        _lock(nodeId, 5 ether);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.CollateralStillLocked.selector, nodeId, 5 ether));
        vm.prank(operator);
        registry.exit(nodeId);
    }

    // ----------------------------------------------------------------------------------------------
    // unjail
    // ----------------------------------------------------------------------------------------------

    function test_unjail_afterPeriod_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(protocol);
        registry.slash(nodeId, 1 ether, recipient, SlashReason.Timeout);
        skip(JAIL);
        vm.expectEmit(address(registry));
        emit INodeRegistry.Unjailed(nodeId);
        vm.expectEmit(address(registry));
        emit INodeRegistry.ActiveSetChanged(nodeId, true, 1);
        vm.prank(worker);
        registry.unjail(nodeId);
        assertEq(registry.getNode(nodeId).jailedUntil, 0);
        assertTrue(registry.isActive(nodeId));
    }

    function test_unjail_belowMinStake_staysInactive_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(protocol);
        registry.slash(nodeId, 1 ether, recipient, SlashReason.Timeout);
        skip(JAIL);
        vm.prank(operator);
        registry.unjail(nodeId);
        assertFalse(registry.isActive(nodeId));
    }

    function test_unjail_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 1));
        registry.unjail(1);
    }

    function test_unjail_stranger_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.NotNodeOperatorOrWorker.selector, nodeId, stranger)
        );
        vm.prank(stranger);
        registry.unjail(nodeId);
    }

    function test_unjail_notJailed_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeNotJailed.selector, nodeId));
        vm.prank(operator);
        registry.unjail(nodeId);
    }

    function test_unjail_tooEarly_reverts() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(protocol);
        registry.slash(nodeId, 1 ether, recipient, SlashReason.Timeout);
        uint64 until = uint64(block.timestamp) + JAIL;
        skip(JAIL - 1);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeJailed.selector, nodeId, until));
        vm.prank(operator);
        registry.unjail(nodeId);
    }

    function testFuzz_unjail_time(uint256 jailPeriod, uint256 elapsed) public {
        jailPeriod = bound(jailPeriod, 1 hours, 365 days);
        elapsed = bound(elapsed, 0, 730 days);
        vm.prank(governor);
        registry.setParameter(P_JAIL, jailPeriod);
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(protocol);
        registry.slash(nodeId, 1 ether, recipient, SlashReason.DisputeLost);
        uint64 until = uint64(block.timestamp + jailPeriod);
        assertEq(registry.getNode(nodeId).jailedUntil, until);
        skip(elapsed);
        if (elapsed < jailPeriod) {
            vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeJailed.selector, nodeId, until));
            vm.prank(operator);
            registry.unjail(nodeId);
            assertFalse(registry.isActive(nodeId));
        } else {
            vm.prank(operator);
            registry.unjail(nodeId);
            assertTrue(registry.isActive(nodeId));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // refreshTier
    // ----------------------------------------------------------------------------------------------

    function test_refreshTier_afterThresholdChange_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(governor);
        registry.setTierThreshold(Tier.Bronze, TierThreshold(200 ether, 0, 0, 0));
        assertEq(uint8(registry.tierOf(nodeId)), uint8(Tier.Bronze)); // stale until refreshed
        vm.expectEmit(address(registry));
        emit INodeRegistry.TierChanged(nodeId, Tier.Bronze, Tier.None);
        vm.prank(stranger);
        registry.refreshTier(nodeId);
        assertEq(uint8(registry.tierOf(nodeId)), uint8(Tier.None));
    }

    function test_refreshTier_afterMinStakeChange_syncsActiveSet_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.prank(governor);
        registry.setParameter(P_MIN_STAKE, 200 ether);
        assertTrue(registry.isActive(nodeId)); // stale until refreshed
        vm.expectEmit(address(registry));
        emit INodeRegistry.ActiveSetChanged(nodeId, false, 0);
        registry.refreshTier(nodeId);
        assertFalse(registry.isActive(nodeId));

        vm.prank(governor);
        registry.setParameter(P_MIN_STAKE, 50 ether);
        registry.refreshTier(nodeId);
        assertTrue(registry.isActive(nodeId));
    }

    function test_refreshTier_unchanged_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.recordLogs();
        registry.refreshTier(nodeId);
        assertEq(vm.getRecordedLogs().length, 0);
    }

    function test_refreshTier_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 1));
        registry.refreshTier(1);
    }

    // ----------------------------------------------------------------------------------------------
    // setTierThreshold
    // ----------------------------------------------------------------------------------------------

    function test_setTierThreshold_governor_succeeds() public {
        TierThreshold memory th = TierThreshold(2000 ether, 20, 9100, 2 ether);
        vm.expectEmit(address(registry));
        emit INodeRegistry.TierThresholdSet(Tier.Silver, 2000 ether, 20, 9100, 2 ether);
        vm.prank(governor);
        registry.setTierThreshold(Tier.Silver, th);
        _assertThreshold(Tier.Silver, 2000 ether, 20, 9100, 2 ether);
        // Neighbours untouched by the packing.
        _assertThreshold(Tier.Bronze, 100 ether, 0, 0, 0);
        _assertThreshold(Tier.Gold, 10_000 ether, 100, 9500, 10 ether);
    }

    function test_setTierThreshold_equalToNeighbours_succeeds() public {
        vm.startPrank(governor);
        registry.setTierThreshold(Tier.Platinum, TierThreshold(10_000 ether, 100, 9500, 10 ether));
        registry.setTierThreshold(Tier.Bronze, TierThreshold(1000 ether, 10, 9000, 1 ether));
        registry.setTierThreshold(
            Tier.Platinum, TierThreshold(type(uint128).max, type(uint32).max, 10_000, type(uint128).max)
        );
        vm.stopPrank();
        _assertThreshold(Tier.Platinum, type(uint128).max, type(uint32).max, 10_000, type(uint128).max);
        _assertThreshold(Tier.Bronze, 1000 ether, 10, 9000, 1 ether);
    }

    function test_setTierThreshold_notGovernor_reverts() public {
        TierThreshold memory th = TierThreshold(100 ether, 0, 0, 0);
        bytes32 role = registry.GOVERNOR_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        vm.prank(stranger);
        registry.setTierThreshold(Tier.Bronze, th);
    }

    function test_setTierThreshold_tierNone_reverts() public {
        TierThreshold memory th = TierThreshold(0, 0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidTierThresholds.selector, Tier.None));
        vm.prank(governor);
        registry.setTierThreshold(Tier.None, th);
    }

    function test_setTierThreshold_bpsAbove100Percent_reverts() public {
        TierThreshold memory th = TierThreshold(50_000 ether, 500, 10_001, 50 ether);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidTierThresholds.selector, Tier.Platinum));
        vm.prank(governor);
        registry.setTierThreshold(Tier.Platinum, th);
    }

    function test_setTierThreshold_stakeBelowLowerTier_reverts() public {
        _expectInvalidThreshold(Tier.Silver, TierThreshold(100 ether - 1, 10, 9000, 1 ether));
    }

    function test_setTierThreshold_completedBelowLowerTier_reverts() public {
        _expectInvalidThreshold(Tier.Gold, TierThreshold(10_000 ether, 9, 9500, 10 ether));
    }

    function test_setTierThreshold_bpsBelowLowerTier_reverts() public {
        _expectInvalidThreshold(Tier.Platinum, TierThreshold(50_000 ether, 500, 9499, 50 ether));
    }

    function test_setTierThreshold_stakeAboveUpperTier_reverts() public {
        _expectInvalidThreshold(Tier.Bronze, TierThreshold(1000 ether + 1, 0, 0, 0));
    }

    function test_setTierThreshold_completedAboveUpperTier_reverts() public {
        _expectInvalidThreshold(Tier.Silver, TierThreshold(1000 ether, 101, 9000, 1 ether));
    }

    function test_setTierThreshold_bpsAboveUpperTier_reverts() public {
        _expectInvalidThreshold(Tier.Gold, TierThreshold(10_000 ether, 100, 9801, 10 ether));
    }

    function test_setTierThreshold_feesBelowLowerTier_reverts() public {
        _expectInvalidThreshold(Tier.Gold, TierThreshold(10_000 ether, 100, 9500, 1 ether - 1));
    }

    function test_setTierThreshold_feesAboveUpperTier_reverts() public {
        _expectInvalidThreshold(Tier.Silver, TierThreshold(1000 ether, 10, 9000, 10 ether + 1));
    }

    // ----------------------------------------------------------------------------------------------
    // setParameter / getParameter / parameterBounds
    // ----------------------------------------------------------------------------------------------

    function test_setParameter_minStake_succeeds() public {
        vm.expectEmit(address(registry));
        emit IParameters.ParameterSet(P_MIN_STAKE, 100 ether, 5 ether);
        vm.prank(governor);
        registry.setParameter(P_MIN_STAKE, 5 ether);
        assertEq(registry.getParameter(P_MIN_STAKE), 5 ether);
        _registerDefault(5 ether);
    }

    function test_setParameter_unbondingPeriod_succeeds() public {
        vm.expectEmit(address(registry));
        emit IParameters.ParameterSet(P_UNBONDING, 7 days, 90 days);
        vm.prank(governor);
        registry.setParameter(P_UNBONDING, 90 days);
        assertEq(registry.getParameter(P_UNBONDING), 90 days);
    }

    function test_setParameter_jailPeriod_succeeds() public {
        vm.expectEmit(address(registry));
        emit IParameters.ParameterSet(P_JAIL, 3 days, 1 hours);
        vm.prank(governor);
        registry.setParameter(P_JAIL, 1 hours);
        assertEq(registry.getParameter(P_JAIL), 1 hours);
    }

    function test_setParameter_notGovernor_reverts() public {
        bytes32 role = registry.GOVERNOR_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        vm.prank(stranger);
        registry.setParameter(P_MIN_STAKE, 5 ether);
    }

    function test_setParameter_unknownName_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(IParameters.UnknownParameter.selector, bytes32("challengeWindow"))
        );
        vm.prank(governor);
        registry.setParameter("challengeWindow", 1);
    }

    function test_setParameter_minStakeTooLow_reverts() public {
        _expectOutOfBounds(P_MIN_STAKE, 1 ether - 1, 1 ether, 1e9 ether);
    }

    function test_setParameter_minStakeTooHigh_reverts() public {
        _expectOutOfBounds(P_MIN_STAKE, 1e9 ether + 1, 1 ether, 1e9 ether);
    }

    function test_setParameter_unbondingTooShort_reverts() public {
        _expectOutOfBounds(P_UNBONDING, 1 hours - 1, 1 hours, 90 days);
    }

    function test_setParameter_unbondingTooLong_reverts() public {
        _expectOutOfBounds(P_UNBONDING, 90 days + 1, 1 hours, 90 days);
    }

    function test_setParameter_jailTooShort_reverts() public {
        _expectOutOfBounds(P_JAIL, 1 hours - 1, 1 hours, 365 days);
    }

    function test_setParameter_jailTooLong_reverts() public {
        _expectOutOfBounds(P_JAIL, 365 days + 1, 1 hours, 365 days);
    }

    function testFuzz_setParameter_bounds(uint8 which, uint256 value) public {
        bytes32[3] memory names = [P_MIN_STAKE, P_UNBONDING, P_JAIL];
        bytes32 name = names[bound(which, 0, 2)];
        (uint256 min, uint256 max) = registry.parameterBounds(name);
        if (value < min || value > max) {
            vm.expectRevert(
                abi.encodeWithSelector(IParameters.ParameterOutOfBounds.selector, name, value, min, max)
            );
        }
        vm.prank(governor);
        registry.setParameter(name, value);
        if (value >= min && value <= max) assertEq(registry.getParameter(name), value);
    }

    function test_getParameter_unknownName_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IParameters.UnknownParameter.selector, bytes32("nope")));
        registry.getParameter("nope");
    }

    function test_parameterBounds_known_succeeds() public view {
        (uint256 min, uint256 max) = registry.parameterBounds(P_MIN_STAKE);
        assertEq(min, 1 ether);
        assertEq(max, 1e9 ether);
        (min, max) = registry.parameterBounds(P_UNBONDING);
        assertEq(min, 1 hours);
        assertEq(max, 90 days);
        (min, max) = registry.parameterBounds(P_JAIL);
        assertEq(min, 1 hours);
        assertEq(max, 365 days);
    }

    function test_parameterBounds_unknownName_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IParameters.UnknownParameter.selector, bytes32("nope")));
        registry.parameterBounds("nope");
    }

    // ----------------------------------------------------------------------------------------------
    // lockCollateral / unlockCollateral
    // ----------------------------------------------------------------------------------------------

    function test_lockCollateral_freeStake_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.expectEmit(address(registry));
        emit INodeRegistry.CollateralLocked(nodeId, 300 ether, 300 ether);
        _lock(nodeId, 300 ether);
        vm.expectEmit(address(registry));
        emit INodeRegistry.CollateralLocked(nodeId, 700 ether, 1000 ether);
        _lock(nodeId, 700 ether);
        assertEq(registry.getNode(nodeId).locked, 1000 ether);
        assertEq(registry.freeStake(nodeId), 0);
    }

    function test_lockCollateral_zeroAmount_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.recordLogs();
        _lock(nodeId, 0);
        assertEq(vm.getRecordedLogs().length, 0);
        assertEq(registry.getNode(nodeId).locked, 0);
    }

    function test_lockCollateral_notProtocol_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        bytes32 role = registry.PROTOCOL_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, operator, role)
        );
        vm.prank(operator);
        registry.lockCollateral(nodeId, 1);
    }

    function test_lockCollateral_insufficientFreeStake_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        _lock(nodeId, 60 ether);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.InsufficientFreeStake.selector, nodeId, 41 ether, 40 ether)
        );
        _lock(nodeId, 41 ether);
    }

    function test_lockCollateral_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InsufficientFreeStake.selector, 9, 1, 0));
        _lock(9, 1);
    }

    function test_unlockCollateral_locked_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        _lock(nodeId, 60 ether);
        vm.expectEmit(address(registry));
        emit INodeRegistry.CollateralUnlocked(nodeId, 20 ether, 40 ether);
        vm.prank(protocol);
        registry.unlockCollateral(nodeId, 20 ether);
        assertEq(registry.getNode(nodeId).locked, 40 ether);
        assertEq(registry.freeStake(nodeId), 60 ether);
    }

    function test_unlockCollateral_zeroAmount_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.recordLogs();
        vm.prank(protocol);
        registry.unlockCollateral(nodeId, 0);
        assertEq(vm.getRecordedLogs().length, 0);
    }

    function test_unlockCollateral_afterSlashClamp_succeeds() public {
        // Two assignments of 500 lock the whole stake; a slash of 600 leaves 400 bonded and locked.
        uint256 nodeId = _registerDefault(1000 ether);
        _lock(nodeId, 500 ether);
        _lock(nodeId, 500 ether);
        vm.prank(protocol);
        registry.slash(nodeId, 600 ether, recipient, SlashReason.DisputeLost);
        assertEq(registry.getNode(nodeId).locked, 400 ether);
        vm.startPrank(protocol);
        // Both assignments can still be closed. Unlocks draw on the 600 of slashed collateral first (so stake
        // backing later assignments stays locked): 500 from slashed, then 100 slashed + 400 locked.
        vm.expectEmit(address(registry));
        emit INodeRegistry.CollateralUnlocked(nodeId, 500 ether, 400 ether);
        registry.unlockCollateral(nodeId, 500 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                INodeRegistry.InsufficientLockedCollateral.selector, nodeId, 501 ether, 500 ether
            )
        );
        registry.unlockCollateral(nodeId, 501 ether);
        registry.unlockCollateral(nodeId, 500 ether);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.InsufficientLockedCollateral.selector, nodeId, 1, 0)
        );
        registry.unlockCollateral(nodeId, 1);
        vm.stopPrank();
        assertEq(registry.getNode(nodeId).locked, 0);
    }

    function test_unlockCollateral_notProtocol_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        bytes32 role = registry.PROTOCOL_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, governor, role)
        );
        vm.prank(governor);
        registry.unlockCollateral(nodeId, 1);
    }

    function test_unlockCollateral_moreThanLocked_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        _lock(nodeId, 10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                INodeRegistry.InsufficientLockedCollateral.selector, nodeId, 10 ether + 1, 10 ether
            )
        );
        vm.prank(protocol);
        registry.unlockCollateral(nodeId, 10 ether + 1);
    }

    function testFuzz_lockUnlock_amounts(uint256 staked, uint256 lockA, uint256 lockB, uint256 unlockA)
        public
    {
        staked = bound(staked, MIN_STAKE, SUPPLY);
        lockA = bound(lockA, 0, staked);
        lockB = bound(lockB, 0, staked);
        uint256 nodeId = _registerDefault(staked);
        _lock(nodeId, lockA);
        if (lockB > staked - lockA) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    INodeRegistry.InsufficientFreeStake.selector, nodeId, lockB, staked - lockA
                )
            );
            _lock(nodeId, lockB);
            lockB = 0;
        } else {
            _lock(nodeId, lockB);
        }
        uint256 locked = lockA + lockB;
        unlockA = bound(unlockA, 0, locked);
        vm.prank(protocol);
        registry.unlockCollateral(nodeId, unlockA);
        assertEq(registry.getNode(nodeId).locked, locked - unlockA);
        assertEq(registry.freeStake(nodeId), staked - locked + unlockA);
    }

    // ----------------------------------------------------------------------------------------------
    // slash
    // ----------------------------------------------------------------------------------------------

    function test_slash_fromBonded_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        uint64 until = uint64(block.timestamp) + JAIL;
        vm.expectEmit(address(registry));
        emit INodeRegistry.Slashed(nodeId, 100 ether, recipient, SlashReason.Timeout);
        vm.expectEmit(address(registry));
        emit INodeRegistry.Jailed(nodeId, until);
        vm.expectEmit(address(registry));
        emit INodeRegistry.ReputationUpdated(nodeId, 0, 0, 1, 0);
        vm.expectEmit(address(registry));
        emit INodeRegistry.ActiveSetChanged(nodeId, false, 0);
        vm.prank(protocol);
        uint256 slashed = registry.slash(nodeId, 100 ether, recipient, SlashReason.Timeout);
        assertEq(slashed, 100 ether);
        NodeView memory v = registry.getNode(nodeId);
        assertEq(v.stake, 900 ether);
        assertEq(v.slashCount, 1);
        assertEq(v.jailedUntil, until);
        assertFalse(v.active);
        assertEq(uint8(v.tier), uint8(Tier.Bronze));
        assertEq(token.balanceOf(recipient), 100 ether);
        assertEq(registry.totalStaked(), 900 ether);
        assertEq(token.balanceOf(address(registry)), 900 ether);
    }

    function test_slash_bondedThenUnbonding_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 800 ether);
        vm.expectEmit(address(registry));
        emit INodeRegistry.TierChanged(nodeId, Tier.Bronze, Tier.None);
        vm.prank(protocol);
        uint256 slashed = registry.slash(nodeId, 500 ether, recipient, SlashReason.DisputeLost);
        assertEq(slashed, 500 ether);
        NodeView memory v = registry.getNode(nodeId);
        assertEq(v.stake, 0);
        assertEq(v.unbonding, 500 ether);
        assertEq(registry.totalStaked(), 500 ether);
    }

    function test_slash_moreThanHeld_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(operator);
        registry.requestUnstake(nodeId, 300 ether);
        vm.prank(protocol);
        uint256 slashed = registry.slash(nodeId, 5000 ether, recipient, SlashReason.NonReveal);
        assertEq(slashed, 1000 ether);
        NodeView memory v = registry.getNode(nodeId);
        assertEq(v.stake, 0);
        assertEq(v.unbonding, 0);
        assertEq(token.balanceOf(recipient), 1000 ether);
        assertEq(registry.totalStaked(), 0);
    }

    function test_slash_zeroAmount_jails_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(protocol);
        assertEq(registry.slash(nodeId, 0, recipient, SlashReason.Timeout), 0);
        NodeView memory v = registry.getNode(nodeId);
        assertEq(v.slashCount, 1);
        assertGt(v.jailedUntil, 0);
        assertFalse(v.active);
        assertEq(token.balanceOf(recipient), 0);
    }

    function test_slash_clampsLocked_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        _lock(nodeId, 900 ether);
        vm.expectEmit(address(registry));
        emit INodeRegistry.CollateralClamped(nodeId, 700 ether, 200 ether);
        vm.prank(protocol);
        registry.slash(nodeId, 300 ether, recipient, SlashReason.DisputeLost);
        NodeView memory v = registry.getNode(nodeId);
        assertEq(v.stake, 700 ether);
        assertEq(v.locked, 700 ether);
        assertEq(registry.liveCollateral(nodeId), 900 ether, "the clamped part is still owed");
        // A second clamp reports the total still owed.
        vm.expectEmit(address(registry));
        emit INodeRegistry.CollateralClamped(nodeId, 600 ether, 300 ether);
        vm.prank(protocol);
        registry.slash(nodeId, 100 ether, recipient, SlashReason.DisputeLost);
    }

    function test_slash_noClamp_emitsNoCollateralClamped_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        _lock(nodeId, 700 ether);
        vm.recordLogs();
        vm.prank(protocol);
        registry.slash(nodeId, 300 ether, recipient, SlashReason.DisputeLost);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            assertTrue(logs[i].topics[0] != INodeRegistry.CollateralClamped.selector, "no clamp");
        }
        assertEq(registry.getNode(nodeId).locked, 700 ether);
    }

    function test_slash_keepsLongerJail_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(protocol);
        registry.slash(nodeId, 1, recipient, SlashReason.Timeout);
        uint64 until = uint64(block.timestamp) + JAIL;
        vm.prank(governor);
        registry.setParameter(P_JAIL, 1 hours);
        vm.expectEmit(address(registry));
        emit INodeRegistry.Jailed(nodeId, until);
        vm.prank(protocol);
        registry.slash(nodeId, 1, recipient, SlashReason.Timeout);
        assertEq(registry.getNode(nodeId).jailedUntil, until);
        assertEq(registry.getNode(nodeId).slashCount, 2);
    }

    function test_slash_exitedNode_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(operator);
        registry.exit(nodeId);
        vm.prank(protocol);
        assertEq(registry.slash(nodeId, 10 ether, recipient, SlashReason.DisputeLost), 10 ether);
        assertEq(registry.getNode(nodeId).unbonding, 990 ether);
    }

    function test_slash_notProtocol_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        bytes32 role = registry.PROTOCOL_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, governor, role)
        );
        vm.prank(governor);
        registry.slash(nodeId, 1, recipient, SlashReason.Timeout);
    }

    function test_slash_zeroRecipient_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.ZeroAddress.selector));
        vm.prank(protocol);
        registry.slash(nodeId, 1, address(0), SlashReason.Timeout);
    }

    function test_slash_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 4));
        vm.prank(protocol);
        registry.slash(4, 1, recipient, SlashReason.Timeout);
    }

    function testFuzz_slash_amounts(uint256 staked, uint256 unbond, uint256 locked, uint256 amount) public {
        staked = bound(staked, MIN_STAKE, SUPPLY / 2);
        unbond = bound(unbond, 0, staked);
        locked = bound(locked, 0, staked - unbond);
        amount = bound(amount, 0, SUPPLY);
        uint256 nodeId = _registerDefault(staked);
        if (unbond != 0) {
            vm.prank(operator);
            registry.requestUnstake(nodeId, unbond);
        }
        _lock(nodeId, locked);
        uint256 bonded = staked - unbond;

        vm.prank(protocol);
        uint256 slashed = registry.slash(nodeId, amount, recipient, SlashReason.DisputeLost);

        uint256 expected = amount < staked ? amount : staked;
        assertEq(slashed, expected);
        NodeView memory v = registry.getNode(nodeId);
        uint256 fromBonded = expected < bonded ? expected : bonded;
        assertEq(v.stake, bonded - fromBonded);
        assertEq(v.unbonding, unbond - (expected - fromBonded));
        assertLe(v.locked, v.stake);
        assertEq(v.locked, locked < v.stake ? locked : v.stake);
        assertEq(token.balanceOf(recipient), expected);
        assertEq(registry.totalStaked(), staked - expected);
        assertEq(token.balanceOf(address(registry)), staked - expected);
        assertFalse(v.active);
        assertEq(uint8(v.tier), uint8(_referenceTier(_thresholds(), v.stake, 0, 0, 0)));
    }

    // ----------------------------------------------------------------------------------------------
    // settleSuccesses / recordFailure
    // ----------------------------------------------------------------------------------------------

    function test_settleSuccesses_increments_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        vm.expectEmit(address(registry));
        emit INodeRegistry.ReputationUpdated(nodeId, 1, 0, 0, 0.08 ether);
        vm.prank(protocol);
        assertEq(registry.settleSuccesses(nodeId, 1, 0, 0.08 ether), operator, "returns the operator");
        assertEq(registry.getNode(nodeId).completed, 1);
        assertEq(registry.getNode(nodeId).feesPaid, 0.08 ether);
        vm.expectEmit(address(registry));
        emit INodeRegistry.ReputationUpdated(nodeId, 4, 0, 0, 0.1 ether);
        vm.prank(protocol);
        registry.settleSuccesses(nodeId, 3, 0, 0.02 ether);
        assertEq(registry.getNode(nodeId).completed, 4);
        assertEq(registry.getNode(nodeId).feesPaid, 0.1 ether);
    }

    function test_settleSuccesses_unlocksCollateral_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        _lock(nodeId, 300 ether);
        vm.expectEmit(address(registry));
        emit INodeRegistry.CollateralUnlocked(nodeId, 200 ether, 100 ether);
        vm.expectEmit(address(registry));
        emit INodeRegistry.ReputationUpdated(nodeId, 2, 0, 0, 1 ether);
        vm.prank(protocol);
        registry.settleSuccesses(nodeId, 2, 200 ether, 1 ether);
        assertEq(registry.getNode(nodeId).locked, 100 ether);
        // More than is locked (or owed after a clamp) reverts, like unlockCollateral.
        vm.expectRevert(
            abi.encodeWithSelector(
                INodeRegistry.InsufficientLockedCollateral.selector, nodeId, 100 ether + 1, 100 ether
            )
        );
        vm.prank(protocol);
        registry.settleSuccesses(nodeId, 1, 100 ether + 1, 0);
    }

    function test_settleSuccesses_promotesToSilver_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        _recordSuccesses(nodeId, 9);
        assertEq(uint8(registry.tierOf(nodeId)), uint8(Tier.Bronze));
        vm.expectEmit(address(registry));
        emit INodeRegistry.ReputationUpdated(nodeId, 10, 0, 0, 10 * FEE_PER_SUCCESS);
        vm.expectEmit(address(registry));
        emit INodeRegistry.TierChanged(nodeId, Tier.Bronze, Tier.Silver);
        _recordSuccesses(nodeId, 1);
        assertEq(uint8(registry.tierOf(nodeId)), uint8(Tier.Silver));
    }

    /// @notice Completions without enough fees paid do not promote: a tier costs real fees (value-weighted).
    function test_settleSuccesses_feesBelowMinimum_noPromotion_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        vm.prank(protocol);
        registry.settleSuccesses(nodeId, 500, 0, 1 ether - 1);
        assertEq(uint8(registry.tierOf(nodeId)), uint8(Tier.Bronze), "500 dust completions stay Bronze");
        vm.expectEmit(address(registry));
        emit INodeRegistry.TierChanged(nodeId, Tier.Bronze, Tier.Silver);
        vm.prank(protocol);
        registry.settleSuccesses(nodeId, 1, 0, 1);
        assertEq(uint8(registry.tierOf(nodeId)), uint8(Tier.Silver));
    }

    function test_settleSuccesses_notProtocol_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        bytes32 role = registry.PROTOCOL_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, operator, role)
        );
        vm.prank(operator);
        registry.settleSuccesses(nodeId, 1, 0, 0);
    }

    function test_settleSuccesses_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 2));
        vm.prank(protocol);
        registry.settleSuccesses(2, 1, 0, 0);
    }

    function test_recordFailure_demotesFromSilver_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        _recordSuccesses(nodeId, 10);
        assertEq(uint8(registry.tierOf(nodeId)), uint8(Tier.Silver));
        // 10 / 11 = 90.9% still meets 90%; 10 / 12 = 83% does not.
        vm.prank(protocol);
        registry.recordFailure(nodeId);
        assertEq(uint8(registry.tierOf(nodeId)), uint8(Tier.Silver));
        vm.expectEmit(address(registry));
        emit INodeRegistry.ReputationUpdated(nodeId, 10, 2, 0, 10 * FEE_PER_SUCCESS);
        vm.expectEmit(address(registry));
        emit INodeRegistry.TierChanged(nodeId, Tier.Silver, Tier.Bronze);
        vm.prank(protocol);
        registry.recordFailure(nodeId);
        assertEq(registry.getNode(nodeId).failed, 2);
    }

    function test_recordFailure_notProtocol_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        bytes32 role = registry.PROTOCOL_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, worker, role)
        );
        vm.prank(worker);
        registry.recordFailure(nodeId);
    }

    function test_recordFailure_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 2));
        vm.prank(protocol);
        registry.recordFailure(2);
    }

    // ----------------------------------------------------------------------------------------------
    // computeTier / tierOf / tierThreshold
    // ----------------------------------------------------------------------------------------------

    function test_computeTier_defaults_succeeds() public view {
        uint256 f = 50 ether; // enough fees for every tier
        assertEq(uint8(registry.computeTier(100 ether - 1, 0, 0, f)), uint8(Tier.None));
        assertEq(uint8(registry.computeTier(100 ether, 0, 0, 0)), uint8(Tier.Bronze));
        assertEq(uint8(registry.computeTier(1000 ether, 10, 0, f)), uint8(Tier.Silver));
        assertEq(uint8(registry.computeTier(1000 ether, 9, 0, f)), uint8(Tier.Bronze));
        assertEq(uint8(registry.computeTier(1000 ether, 9, 1, f)), uint8(Tier.Bronze));
        assertEq(uint8(registry.computeTier(1000 ether, 90, 10, f)), uint8(Tier.Silver));
        assertEq(uint8(registry.computeTier(1000 ether, 89, 10, f)), uint8(Tier.Bronze));
        assertEq(uint8(registry.computeTier(10_000 ether, 100, 5, f)), uint8(Tier.Gold));
        assertEq(uint8(registry.computeTier(10_000 ether, 100, 6, f)), uint8(Tier.Silver));
        assertEq(uint8(registry.computeTier(50_000 ether, 500, 10, f)), uint8(Tier.Platinum));
        assertEq(uint8(registry.computeTier(49_999 ether, 500, 10, f)), uint8(Tier.Gold));
        // Stake alone caps the tier even with a perfect record.
        assertEq(uint8(registry.computeTier(0, 1e6, 0, f)), uint8(Tier.None));
        // So do the fees paid: each tier needs its minimum (1, 10, 50 NRL).
        assertEq(uint8(registry.computeTier(50_000 ether, 500, 0, 0)), uint8(Tier.Bronze));
        assertEq(uint8(registry.computeTier(50_000 ether, 500, 0, 1 ether - 1)), uint8(Tier.Bronze));
        assertEq(uint8(registry.computeTier(50_000 ether, 500, 0, 1 ether)), uint8(Tier.Silver));
        assertEq(uint8(registry.computeTier(50_000 ether, 500, 0, 10 ether - 1)), uint8(Tier.Silver));
        assertEq(uint8(registry.computeTier(50_000 ether, 500, 0, 10 ether)), uint8(Tier.Gold));
        assertEq(uint8(registry.computeTier(50_000 ether, 500, 0, 50 ether - 1)), uint8(Tier.Gold));
        assertEq(uint8(registry.computeTier(50_000 ether, 500, 0, 50 ether)), uint8(Tier.Platinum));
    }

    function test_computeTier_hugeInputs_succeeds() public view {
        uint256 max = type(uint256).max;
        assertEq(uint8(registry.computeTier(max, max, 0, max)), uint8(Tier.Platinum));
        assertEq(uint8(registry.computeTier(max, max, max, max)), uint8(Tier.Bronze));
        assertEq(uint8(registry.computeTier(max, 0, max, max)), uint8(Tier.Bronze));
        // 98% of a huge total: (max / 100) * 98 completed vs max / 100 * 2 failed.
        uint256 unit = max / 100;
        assertEq(uint8(registry.computeTier(max, unit * 98, unit * 2, max)), uint8(Tier.Platinum));
        assertEq(uint8(registry.computeTier(max, unit * 98, unit * 2 + 1, max)), uint8(Tier.Gold));
    }

    function testFuzz_computeTier_matchesReference(
        uint256 stakeAmount,
        uint256 completed,
        uint256 failed,
        uint256 feesPaid
    ) public view {
        stakeAmount = bound(stakeAmount, 0, 100_000 ether);
        completed = bound(completed, 0, 2000);
        failed = bound(failed, 0, 200);
        feesPaid = bound(feesPaid, 0, 100 ether);
        assertEq(
            uint8(registry.computeTier(stakeAmount, completed, failed, feesPaid)),
            uint8(_referenceTier(_thresholds(), stakeAmount, completed, failed, feesPaid))
        );
    }

    function testFuzz_computeTier_customThresholds_matchesReference(
        uint256[4] memory stakes,
        uint32[4] memory completes,
        uint16[4] memory bps,
        uint128[4] memory fees,
        uint256 stakeAmount,
        uint256 completed,
        uint256 failed
    ) public {
        // Build non-decreasing thresholds from the fuzzed values.
        TierThreshold[5] memory th;
        uint256 s;
        uint256 c;
        uint256 b;
        uint256 f;
        for (uint256 i; i < 4; ++i) {
            s = bound(stakes[i], s, s + 1e24);
            c = bound(completes[i], c, c + 1000);
            b = bound(bps[i], b, 10_000);
            f = bound(fees[i], f, f + 100 ether);
            th[i + 1] = TierThreshold(uint128(s), uint32(c), uint16(b), uint128(f));
        }
        vm.startPrank(governor);
        // Raise every tier to the maximum (top first), then lower them bottom-up, so that each
        // intermediate state stays monotone.
        for (uint256 i = 4; i >= 1; --i) {
            registry.setTierThreshold(
                Tier(i), TierThreshold(type(uint128).max, type(uint32).max, 10_000, type(uint128).max)
            );
        }
        for (uint256 i = 1; i <= 4; ++i) {
            registry.setTierThreshold(Tier(i), th[i]);
        }
        vm.stopPrank();
        stakeAmount = bound(stakeAmount, 0, 5e24);
        completed = bound(completed, 0, 5000);
        failed = bound(failed, 0, 5000);
        uint256 feesPaid = bound(uint256(keccak256(abi.encode(stakeAmount, completed, failed))), 0, 500 ether);
        assertEq(
            uint8(registry.computeTier(stakeAmount, completed, failed, feesPaid)),
            uint8(_referenceTier(th, stakeAmount, completed, failed, feesPaid))
        );
    }

    function testFuzz_tierOf_followsInputs(uint256 staked, uint8 successes, uint8 failures) public {
        staked = bound(staked, MIN_STAKE, 20_000 ether);
        uint256 nodeId = _registerDefault(staked);
        _recordSuccesses(nodeId, successes);
        vm.startPrank(protocol);
        for (uint256 i; i < failures % 16; ++i) {
            registry.recordFailure(nodeId);
        }
        vm.stopPrank();
        NodeView memory v = registry.getNode(nodeId);
        assertEq(
            uint8(v.tier),
            uint8(
                _referenceTier(
                    _thresholds(), staked, successes, failures % 16, uint256(successes) * FEE_PER_SUCCESS
                )
            )
        );
        assertEq(uint8(registry.tierOf(nodeId)), uint8(v.tier));
    }

    function test_tierOf_unknownNode_succeeds() public view {
        assertEq(uint8(registry.tierOf(42)), uint8(Tier.None));
    }

    function test_tierThreshold_none_succeeds() public view {
        _assertThreshold(Tier.None, 0, 0, 0, 0);
    }

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    function test_getNode_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 0));
        registry.getNode(0);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 1));
        registry.getNode(1);
    }

    function test_operatorOf_known_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        assertEq(registry.operatorOf(nodeId), operator);
    }

    function test_operatorOf_unknownNode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.UnknownNode.selector, 1));
        registry.operatorOf(1);
    }

    function test_nodeIdOfWorker_unknownKey_succeeds() public view {
        assertEq(registry.nodeIdOfWorker(stranger), 0);
    }

    function test_isOperatorOrWorker_accounts_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        assertTrue(registry.isOperatorOrWorker(nodeId, operator));
        assertTrue(registry.isOperatorOrWorker(nodeId, worker));
        assertFalse(registry.isOperatorOrWorker(nodeId, stranger));
        assertFalse(registry.isOperatorOrWorker(nodeId, address(0)));
        assertFalse(registry.isOperatorOrWorker(99, address(0)));
        assertFalse(registry.isOperatorOrWorker(99, operator));
    }

    function test_freeStake_values_succeeds() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        _lock(nodeId, 30 ether);
        assertEq(registry.freeStake(nodeId), 70 ether);
        assertEq(registry.freeStake(99), 0);
    }

    function test_isEligible_allConditions_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether); // Bronze, ask 1 NRL
        Resources memory r = _resources();
        assertTrue(registry.isEligible(nodeId, Tier.Bronze, r, 1 ether, 1000 ether));
        assertTrue(registry.isEligible(nodeId, Tier.None, Resources(0, 0, 0, 0), 1 ether, 0));
        // Tier too low.
        assertFalse(registry.isEligible(nodeId, Tier.Silver, r, 1 ether, 0));
        // Price below ask.
        assertFalse(registry.isEligible(nodeId, Tier.Bronze, r, 1 ether - 1, 0));
        // Not enough free stake.
        assertFalse(registry.isEligible(nodeId, Tier.Bronze, r, 1 ether, 1000 ether + 1));
        // Each resource field.
        assertFalse(registry.isEligible(nodeId, Tier.Bronze, Resources(9, 0, 0, 0), 1 ether, 0));
        assertFalse(registry.isEligible(nodeId, Tier.Bronze, Resources(0, 81_921, 0, 0), 1 ether, 0));
        assertFalse(registry.isEligible(nodeId, Tier.Bronze, Resources(0, 0, 65, 0), 1 ether, 0));
        assertFalse(registry.isEligible(nodeId, Tier.Bronze, Resources(0, 0, 0, 524_289), 1 ether, 0));
        // Locked collateral counts against free stake.
        _lock(nodeId, 600 ether);
        assertTrue(registry.isEligible(nodeId, Tier.Bronze, r, 1 ether, 400 ether));
        assertFalse(registry.isEligible(nodeId, Tier.Bronze, r, 1 ether, 400 ether + 1));
        // Not active.
        vm.prank(worker);
        registry.pause(nodeId);
        assertFalse(registry.isEligible(nodeId, Tier.None, r, 1 ether, 0));
        // Unknown node.
        assertFalse(registry.isEligible(99, Tier.None, Resources(0, 0, 0, 0), type(uint256).max, 0));
    }

    function test_eligibility_reasonsInOrder_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether); // Bronze, ask 1 NRL
        Resources memory r = _resources();
        assertEq(
            uint8(registry.eligibility(nodeId, Tier.Bronze, r, 1 ether, 1000 ether)),
            uint8(Ineligibility.None)
        );
        assertEq(
            uint8(registry.eligibility(nodeId, Tier.Silver, r, 1 ether, 0)), uint8(Ineligibility.TierTooLow)
        );
        assertEq(
            uint8(registry.eligibility(nodeId, Tier.Bronze, Resources(9, 0, 0, 0), 1 ether, 0)),
            uint8(Ineligibility.NotEnoughGpus)
        );
        assertEq(
            uint8(registry.eligibility(nodeId, Tier.Bronze, Resources(0, 81_921, 0, 0), 1 ether, 0)),
            uint8(Ineligibility.NotEnoughVram)
        );
        assertEq(
            uint8(registry.eligibility(nodeId, Tier.Bronze, Resources(0, 0, 65, 0), 1 ether, 0)),
            uint8(Ineligibility.NotEnoughCpus)
        );
        assertEq(
            uint8(registry.eligibility(nodeId, Tier.Bronze, Resources(0, 0, 0, 524_289), 1 ether, 0)),
            uint8(Ineligibility.NotEnoughMemory)
        );
        assertEq(
            uint8(registry.eligibility(nodeId, Tier.Bronze, r, 1 ether - 1, 0)),
            uint8(Ineligibility.AskAboveMaxPrice)
        );
        assertEq(
            uint8(registry.eligibility(nodeId, Tier.Bronze, r, 1 ether, 1000 ether + 1)),
            uint8(Ineligibility.InsufficientFreeStake)
        );
        // The first failed condition wins: tier before resources, resources before price, price before stake.
        assertEq(
            uint8(registry.eligibility(nodeId, Tier.Silver, Resources(9, 0, 0, 0), 0, 1e30)),
            uint8(Ineligibility.TierTooLow)
        );
        assertEq(
            uint8(registry.eligibility(nodeId, Tier.Bronze, Resources(0, 0, 65, 0), 0, 1e30)),
            uint8(Ineligibility.NotEnoughCpus)
        );
        assertEq(
            uint8(registry.eligibility(nodeId, Tier.Bronze, r, 0, 1e30)),
            uint8(Ineligibility.AskAboveMaxPrice)
        );
        vm.prank(worker);
        registry.pause(nodeId);
        assertEq(
            uint8(registry.eligibility(nodeId, Tier.None, Resources(0, 0, 0, 0), 1 ether, 0)),
            uint8(Ineligibility.NotActive)
        );
        assertEq(
            uint8(registry.eligibility(99, Tier.None, Resources(0, 0, 0, 0), type(uint256).max, 0)),
            uint8(Ineligibility.NotActive)
        );
    }

    function test_lockForAssignment_locksAndReturnsAsk_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether); // ask 1 NRL
        Resources memory r = _resources();
        vm.expectEmit(address(registry));
        emit INodeRegistry.CollateralLocked(nodeId, 300 ether, 300 ether);
        vm.prank(protocol);
        (Ineligibility reason, uint256 ask) =
            registry.lockForAssignment(nodeId, Tier.Bronze, r, 2 ether, 300 ether);
        assertEq(uint8(reason), uint8(Ineligibility.None));
        assertEq(ask, 1 ether);
        assertEq(registry.getNode(nodeId).locked, 300 ether);
        // Zero collateral: checked, nothing locked, no event.
        vm.recordLogs();
        vm.prank(protocol);
        (reason, ask) = registry.lockForAssignment(nodeId, Tier.Bronze, r, 1 ether, 0);
        assertEq(uint8(reason), uint8(Ineligibility.None));
        assertEq(ask, 1 ether);
        assertEq(vm.getRecordedLogs().length, 0);
        assertEq(registry.getNode(nodeId).locked, 300 ether);
    }

    function test_lockForAssignment_ineligible_locksNothing_succeeds() public {
        uint256 nodeId = _registerDefault(1000 ether);
        Resources memory r = _resources();
        vm.startPrank(protocol);
        (Ineligibility reason, uint256 ask) =
            registry.lockForAssignment(nodeId, Tier.Bronze, r, 1 ether, 1001 ether);
        assertEq(uint8(reason), uint8(Ineligibility.InsufficientFreeStake));
        assertEq(ask, 0);
        (reason, ask) = registry.lockForAssignment(nodeId, Tier.Bronze, r, 1 ether - 1, 1 ether);
        assertEq(uint8(reason), uint8(Ineligibility.AskAboveMaxPrice));
        assertEq(ask, 0);
        (reason,) = registry.lockForAssignment(nodeId, Tier.Gold, r, 1 ether, 1 ether);
        assertEq(uint8(reason), uint8(Ineligibility.TierTooLow));
        vm.stopPrank();
        assertEq(registry.getNode(nodeId).locked, 0);
    }

    function test_lockForAssignment_notProtocol_reverts() public {
        uint256 nodeId = _registerDefault(MIN_STAKE);
        Resources memory r = _resources();
        bytes32 role = registry.PROTOCOL_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, operator, role)
        );
        vm.prank(operator);
        registry.lockForAssignment(nodeId, Tier.None, r, 1 ether, 1);
    }

    // ----------------------------------------------------------------------------------------------
    // setProtocolContracts / PROTOCOL_ROLE sealed
    // ----------------------------------------------------------------------------------------------

    function test_setProtocolContracts_once_succeeds() public {
        NodeRegistry fresh = new NodeRegistry(address(token), governor);
        address tmAddr = makeAddr("tm");
        address dmAddr = makeAddr("dm");
        bytes32 role = fresh.PROTOCOL_ROLE();
        vm.expectEmit(address(fresh));
        emit INodeRegistry.ProtocolContractsSet(tmAddr, dmAddr);
        vm.prank(governor);
        fresh.setProtocolContracts(tmAddr, dmAddr);
        assertTrue(fresh.hasRole(role, tmAddr));
        assertTrue(fresh.hasRole(role, dmAddr));
        vm.expectRevert(INodeRegistry.ProtocolContractsAlreadySet.selector);
        vm.prank(governor);
        fresh.setProtocolContracts(stranger, stranger);
    }

    function test_setProtocolContracts_zeroAddress_reverts() public {
        NodeRegistry fresh = new NodeRegistry(address(token), governor);
        vm.startPrank(governor);
        vm.expectRevert(INodeRegistry.ZeroAddress.selector);
        fresh.setProtocolContracts(address(0), stranger);
        vm.expectRevert(INodeRegistry.ZeroAddress.selector);
        fresh.setProtocolContracts(stranger, address(0));
        vm.stopPrank();
    }

    function test_setProtocolContracts_notAdmin_reverts() public {
        NodeRegistry fresh = new NodeRegistry(address(token), governor);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0)
            )
        );
        vm.prank(stranger);
        fresh.setProtocolContracts(stranger, stranger);
    }

    function test_protocolRole_cannotBeGrantedOrRevoked_reverts() public {
        bytes32 role = registry.PROTOCOL_ROLE();
        bytes32 sealedRole = registry.SEALED_ROLE();
        vm.startPrank(governor);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, governor, sealedRole
            )
        );
        registry.grantRole(role, stranger);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, governor, sealedRole
            )
        );
        registry.revokeRole(role, protocol);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, governor, sealedRole
            )
        );
        registry.grantRole(sealedRole, governor);
        vm.stopPrank();
        assertTrue(registry.hasRole(role, protocol));
        assertFalse(registry.hasRole(role, stranger));
    }

    function test_activeNodeAt_enumerates_succeeds() public {
        uint256 a = _register(operator, worker, MIN_STAKE);
        uint256 b = _register(operator, _workerAddr("w2"), MIN_STAKE);
        uint256 c = _register(operator, _workerAddr("w3"), MIN_STAKE);
        assertEq(registry.activeNodeCount(), 3);
        vm.prank(operator);
        registry.pause(a);
        assertEq(registry.activeNodeCount(), 2);
        // Swap-and-pop: the last member takes the removed slot.
        assertEq(registry.activeNodeAt(0), c);
        assertEq(registry.activeNodeAt(1), b);
        assertFalse(registry.isActive(a));
        assertTrue(registry.isActive(b));
    }

    function test_activeNodeAt_outOfBounds_reverts() public {
        _registerDefault(MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.IndexOutOfBounds.selector, 1, 1));
        registry.activeNodeAt(1);
    }

    function test_supportsInterface_accessControl_succeeds() public view {
        assertTrue(registry.supportsInterface(type(IAccessControl).interfaceId));
    }

    // ----------------------------------------------------------------------------------------------
    // helpers
    // ----------------------------------------------------------------------------------------------

    function _assertThreshold(
        Tier tier,
        uint256 minStake,
        uint32 minCompleted,
        uint16 minSuccessBps,
        uint256 minFeesPaid
    ) internal view {
        TierThreshold memory th = registry.tierThreshold(tier);
        assertEq(th.minStake, minStake);
        assertEq(th.minCompleted, minCompleted);
        assertEq(th.minSuccessBps, minSuccessBps);
        assertEq(th.minFeesPaid, minFeesPaid);
    }

    function _expectRegisterInvalidCaps(Capabilities memory caps) internal {
        _fund(operator, MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidCapabilities.selector));
        vm.prank(operator);
        registry.register(worker, caps, 0, 0, MIN_STAKE, block.timestamp, "");
    }

    function _expectInvalidThreshold(Tier tier, TierThreshold memory th) internal {
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.InvalidTierThresholds.selector, tier));
        vm.prank(governor);
        registry.setTierThreshold(tier, th);
    }

    function _expectOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IParameters.ParameterOutOfBounds.selector, name, value, min, max)
        );
        vm.prank(governor);
        registry.setParameter(name, value);
    }
}

/// @notice The token-moving entry points cannot be re-entered from the token.
contract NodeRegistryReentrancyTest is Test {
    ReentrantToken internal token;
    NodeRegistry internal registry;
    address internal governor = makeAddr("governor");
    address internal protocol = makeAddr("protocol");
    address internal operator = makeAddr("operator");
    uint256 internal nodeId;

    function setUp() public {
        token = new ReentrantToken(operator, 1_000_000 ether);
        registry = new NodeRegistry(address(token), governor);
        vm.prank(governor);
        registry.setProtocolContracts(protocol, makeAddr("protocol2"));
        vm.startPrank(operator);
        token.approve(address(registry), type(uint256).max);
        nodeId = registry.register(
            operator, Capabilities("H100", 1, 80_000, 8, 64_000, "eu"), 0, 0, 1000 ether, block.timestamp, ""
        );
        vm.stopPrank();
    }

    function test_register_reentered_reverts() public {
        (address worker2, uint256 worker2Key) = makeAddrAndKey("worker2");
        (uint256 deadline, bytes memory sig) = WorkerConsent.sign(vm, registry, worker2Key, operator, 0);
        token.arm(address(registry), abi.encodeCall(registry.stake, (nodeId, 1)));
        vm.expectRevert(
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)
        );
        vm.prank(operator);
        registry.register(
            worker2, Capabilities("H100", 1, 80_000, 8, 64_000, "eu"), 0, 0, 1000 ether, deadline, sig
        );
    }

    function test_stake_reentered_reverts() public {
        token.arm(address(registry), abi.encodeCall(registry.stake, (nodeId, 1)));
        vm.expectRevert(
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)
        );
        vm.prank(operator);
        registry.stake(nodeId, 1 ether);
    }

    function test_withdraw_reentered_reverts() public {
        vm.prank(operator);
        registry.requestUnstake(nodeId, 10 ether);
        skip(7 days);
        token.arm(address(registry), abi.encodeCall(registry.withdraw, (nodeId)));
        vm.expectRevert(
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)
        );
        registry.withdraw(nodeId);
    }

    function test_slash_reentered_reverts() public {
        token.arm(
            address(registry),
            abi.encodeCall(registry.slash, (nodeId, 1 ether, address(this), SlashReason.Timeout))
        );
        vm.expectRevert(
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)
        );
        vm.prank(protocol);
        registry.slash(nodeId, 1 ether, address(this), SlashReason.Timeout);
    }
}
