// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {DatasetRegistry} from "../../src/DatasetRegistry.sol";
import {IDatasetRegistry} from "../../src/interfaces/IDatasetRegistry.sol";
import {IParameters} from "../../src/interfaces/IParameters.sol";
import {
    DatasetParams,
    DatasetVersionParams,
    DatasetVersionView,
    DatasetView,
    ReportReason
} from "../../src/types/Types.sol";

/// @notice DatasetRegistry on its own: publishing and versions, every owner action and its access check, stars,
///         reports, usage terms and the governed cut. Usage fees through the TaskManager: integration/Datasets.t.sol.
contract DatasetRegistryTest is Test {
    DatasetRegistry internal reg;
    address internal governor = makeAddr("governor");
    address internal owner = makeAddr("owner");
    address internal other = makeAddr("other");

    bytes32 internal constant CUT = "usageFeeCutBps";

    function setUp() public {
        vm.warp(1_700_000_000);
        reg = new DatasetRegistry(governor);
    }

    function _params() internal pure returns (DatasetParams memory) {
        return DatasetParams({name: "digits", description: "8x8 handwritten digits", license: "CC-BY-4.0"});
    }

    function _version(bytes32 cid, uint96 fee) internal pure returns (DatasetVersionParams memory) {
        return DatasetVersionParams({
            contentCid: cid,
            contentCodec: 0x70,
            sizeBytes: 3 << 20,
            usageFeePerShard: fee,
            format: "csv: pixels[64],label",
            metadataCid: keccak256("datasheet")
        });
    }

    function _publish(uint96 fee) internal returns (uint256 id) {
        vm.prank(owner);
        id = reg.publish(_params(), _version(keccak256("v1"), fee));
    }

    // ----------------------------------------------------------------------------------------------
    // Publishing
    // ----------------------------------------------------------------------------------------------

    function test_publish_storesDatasetAndFirstVersion_succeeds() public {
        vm.expectEmit();
        emit IDatasetRegistry.DatasetPublished(1, owner, "digits", "8x8 handwritten digits", "CC-BY-4.0");
        vm.expectEmit();
        emit IDatasetRegistry.DatasetVersionAdded(
            1, 1, keccak256("v1"), 0x70, 3 << 20, 2 ether, "csv: pixels[64],label", keccak256("datasheet")
        );
        uint256 id = _publish(2 ether);
        assertEq(id, 1);
        assertEq(reg.datasetCount(), 1);
        DatasetView memory d = reg.getDataset(id);
        assertEq(d.owner, owner);
        assertEq(d.versionCount, 1);
        assertEq(d.createdAt, 1_700_000_000);
        assertEq(d.name, "digits");
        assertEq(d.license, "CC-BY-4.0");
        assertFalse(d.deprecated);
        DatasetVersionView memory v = reg.getVersion(id, 1);
        assertEq(v.contentCid, keccak256("v1"));
        assertEq(v.contentCodec, 0x70);
        assertEq(v.sizeBytes, 3 << 20);
        assertEq(v.usageFeePerShard, 2 ether);
        assertEq(v.format, "csv: pixels[64],label");
        assertEq(v.metadataCid, keccak256("datasheet"));
        assertEq(reg.ownerOf(id), owner);
        (uint96 fee, uint16 cut) = reg.usageTerms(id, 1);
        assertEq(fee, 2 ether);
        assertEq(cut, 1000);
    }

    function test_publish_invalidStrings_revert() public {
        DatasetParams memory p = _params();
        DatasetVersionParams memory v = _version(keccak256("v1"), 0);
        p.name = "";
        vm.expectRevert(IDatasetRegistry.InvalidName.selector);
        reg.publish(p, v);
        p.name = string(new bytes(65));
        vm.expectRevert(IDatasetRegistry.InvalidName.selector);
        reg.publish(p, v);
        p = _params();
        p.license = "";
        vm.expectRevert(IDatasetRegistry.InvalidLicense.selector);
        reg.publish(p, v);
        p = _params();
        p.description = string(new bytes(1025));
        vm.expectRevert(IDatasetRegistry.InvalidDescription.selector);
        reg.publish(p, v);
    }

    function test_publish_invalidVersion_revert() public {
        DatasetVersionParams memory v = _version(bytes32(0), 0);
        vm.expectRevert(IDatasetRegistry.InvalidContentCid.selector);
        reg.publish(_params(), v);
        v = _version(keccak256("v1"), 0);
        v.contentCodec = 0x71;
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.InvalidContentCodec.selector, 0x71));
        reg.publish(_params(), v);
        v = _version(keccak256("v1"), 0);
        v.sizeBytes = 0;
        vm.expectRevert(IDatasetRegistry.InvalidSize.selector);
        reg.publish(_params(), v);
        v = _version(keccak256("v1"), 0);
        v.format = "";
        vm.expectRevert(IDatasetRegistry.InvalidFormat.selector);
        reg.publish(_params(), v);
        v.format = string(new bytes(257));
        vm.expectRevert(IDatasetRegistry.InvalidFormat.selector);
        reg.publish(_params(), v);
    }

    function test_addVersion_numbersFromOne_succeeds() public {
        uint256 id = _publish(0);
        vm.prank(owner);
        uint256 version = reg.addVersion(id, _version(keccak256("v2"), 5 ether));
        assertEq(version, 2);
        assertEq(reg.getDataset(id).versionCount, 2);
        assertEq(reg.getVersion(id, 2).contentCid, keccak256("v2"));
        // The first version is untouched (D1: a version's content never changes).
        assertEq(reg.getVersion(id, 1).contentCid, keccak256("v1"));
    }

    function test_ownerActions_byOthers_revert() public {
        uint256 id = _publish(1 ether);
        bytes memory notOwner = abi.encodeWithSelector(IDatasetRegistry.NotDatasetOwner.selector, id, other);
        vm.startPrank(other);
        vm.expectRevert(notOwner);
        reg.addVersion(id, _version(keccak256("v2"), 0));
        vm.expectRevert(notOwner);
        reg.deprecateVersion(id, 1);
        vm.expectRevert(notOwner);
        reg.deprecate(id);
        vm.expectRevert(notOwner);
        reg.transferDataset(id, other);
        vm.expectRevert(notOwner);
        reg.lowerUsageFee(id, 1, 0);
        vm.expectRevert(notOwner);
        reg.recordArchive(id, 1, keccak256("ar"));
        vm.stopPrank();
    }

    function test_unknownIds_revert() public {
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.UnknownDataset.selector, 1));
        reg.getDataset(1);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.UnknownDataset.selector, 0));
        reg.usageTerms(0, 1);
        uint256 id = _publish(0);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.UnknownDatasetVersion.selector, id, 2));
        reg.getVersion(id, 2);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.UnknownDatasetVersion.selector, id, 0));
        reg.usageTerms(id, 0);
    }

    // ----------------------------------------------------------------------------------------------
    // Deprecation, transfer, fees, archive
    // ----------------------------------------------------------------------------------------------

    function test_deprecateVersion_blocksNewUseOnly_succeeds() public {
        uint256 id = _publish(1 ether);
        vm.startPrank(owner);
        reg.addVersion(id, _version(keccak256("v2"), 1 ether));
        vm.expectEmit();
        emit IDatasetRegistry.DatasetVersionDeprecated(id, 1);
        reg.deprecateVersion(id, 1);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetVersionIsDeprecated.selector, id, 1));
        reg.deprecateVersion(id, 1);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetVersionIsDeprecated.selector, id, 1));
        reg.usageTerms(id, 1);
        (uint96 fee,) = reg.usageTerms(id, 2);
        assertEq(fee, 1 ether);
        assertTrue(reg.getVersion(id, 1).deprecated);
    }

    function test_deprecate_blocksEveryVersionAndNewVersions_succeeds() public {
        uint256 id = _publish(0);
        vm.startPrank(owner);
        vm.expectEmit();
        emit IDatasetRegistry.DatasetDeprecatedSet(id);
        reg.deprecate(id);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetIsDeprecated.selector, id));
        reg.deprecate(id);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetIsDeprecated.selector, id));
        reg.addVersion(id, _version(keccak256("v2"), 0));
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.DatasetIsDeprecated.selector, id));
        reg.usageTerms(id, 1);
    }

    function test_transferDataset_movesOwnership_succeeds() public {
        uint256 id = _publish(0);
        vm.prank(owner);
        vm.expectRevert(IDatasetRegistry.ZeroAddress.selector);
        reg.transferDataset(id, address(0));
        vm.expectEmit();
        emit IDatasetRegistry.DatasetTransferred(id, owner, other);
        vm.prank(owner);
        reg.transferDataset(id, other);
        assertEq(reg.ownerOf(id), other);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.NotDatasetOwner.selector, id, owner));
        reg.deprecate(id);
        vm.prank(other);
        reg.deprecate(id);
    }

    /// @notice Front-running defence: the owner cannot raise a version's fee under a client's pending post.
    function test_lowerUsageFee_neverRaises() public {
        uint256 id = _publish(2 ether);
        vm.startPrank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IDatasetRegistry.UsageFeeIncrease.selector, id, 1, 2 ether, 3 ether)
        );
        reg.lowerUsageFee(id, 1, 3 ether);
        vm.expectEmit();
        emit IDatasetRegistry.DatasetUsageFeeLowered(id, 1, 2 ether, 1 ether);
        reg.lowerUsageFee(id, 1, 1 ether);
        vm.stopPrank();
        (uint96 fee,) = reg.usageTerms(id, 1);
        assertEq(fee, 1 ether);
    }

    function testFuzz_usageFee_isMonotoneNonIncreasing(uint96 first, uint96[4] calldata tries) public {
        uint256 id = _publish(first);
        uint96 current = first;
        for (uint256 i; i < tries.length; ++i) {
            vm.prank(owner);
            if (tries[i] > current) {
                vm.expectRevert(
                    abi.encodeWithSelector(
                        IDatasetRegistry.UsageFeeIncrease.selector, id, 1, current, tries[i]
                    )
                );
                reg.lowerUsageFee(id, 1, tries[i]);
            } else {
                reg.lowerUsageFee(id, 1, tries[i]);
                current = tries[i];
            }
            assertEq(reg.getVersion(id, 1).usageFeePerShard, current);
            assertLe(current, first, "D2: a fee never rises");
        }
    }

    function test_recordArchive_succeeds() public {
        uint256 id = _publish(0);
        vm.startPrank(owner);
        vm.expectRevert(IDatasetRegistry.InvalidContentCid.selector);
        reg.recordArchive(id, 1, bytes32(0));
        vm.expectEmit();
        emit IDatasetRegistry.DatasetArchived(id, 1, keccak256("ar"));
        reg.recordArchive(id, 1, keccak256("ar"));
        vm.stopPrank();
        assertEq(reg.getVersion(id, 1).arweaveTxId, keccak256("ar"));
    }

    // ----------------------------------------------------------------------------------------------
    // Stars and reports
    // ----------------------------------------------------------------------------------------------

    function test_star_oncePerAddress_succeeds() public {
        uint256 id = _publish(0);
        vm.startPrank(other);
        vm.expectEmit();
        emit IDatasetRegistry.DatasetStarred(id, other, 1);
        reg.star(id);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.AlreadyStarred.selector, id, other));
        reg.star(id);
        assertTrue(reg.hasStarred(id, other));
        vm.expectEmit();
        emit IDatasetRegistry.DatasetUnstarred(id, other, 0);
        reg.unstar(id);
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.NotStarred.selector, id, other));
        reg.unstar(id);
        vm.stopPrank();
        assertEq(reg.getDataset(id).stars, 0);
    }

    function test_report_oncePerAddressAndVersion_succeeds() public {
        uint256 id = _publish(0);
        vm.startPrank(other);
        vm.expectRevert(IDatasetRegistry.InvalidReportReason.selector);
        reg.report(id, 1, ReportReason.None, bytes32(0));
        vm.expectEmit();
        emit IDatasetRegistry.DatasetReported(
            id, 1, other, ReportReason.CidUnavailable, keccak256("evidence"), 1
        );
        reg.report(id, 1, ReportReason.CidUnavailable, keccak256("evidence"));
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.AlreadyReported.selector, id, 1, other));
        reg.report(id, 1, ReportReason.LicenseMismatch, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IDatasetRegistry.UnknownDatasetVersion.selector, id, 2));
        reg.report(id, 2, ReportReason.Other, bytes32(0));
        vm.stopPrank();
        vm.prank(owner);
        reg.report(id, 1, ReportReason.LicenseMismatch, bytes32(0));
        assertEq(reg.getVersion(id, 1).reports, 2);
        assertTrue(reg.hasReported(id, 1, other));
        assertFalse(reg.hasReported(id, 1, governor));
    }

    /// @notice D4: the star count equals the number of distinct addresses starring now, whatever the sequence.
    function testFuzz_stars_countDistinctStarrers(uint8[16] calldata ops) public {
        uint256 id = _publish(0);
        bool[4] memory starred;
        uint256 count;
        for (uint256 i; i < ops.length; ++i) {
            uint256 who = ops[i] % 4;
            address user = address(uint160(0x1000 + who));
            vm.prank(user);
            if (starred[who]) {
                reg.unstar(id);
                starred[who] = false;
                --count;
            } else {
                reg.star(id);
                starred[who] = true;
                ++count;
            }
            assertEq(reg.getDataset(id).stars, count);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Governance
    // ----------------------------------------------------------------------------------------------

    function test_usageFeeCut_governedWithinBounds() public {
        (uint256 min, uint256 max) = reg.parameterBounds(CUT);
        assertEq(min, 100, "a cut of at least 1%: self-dealt usage always costs");
        assertEq(max, 5000);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, other, reg.GOVERNOR_ROLE()
            )
        );
        vm.prank(other);
        reg.setParameter(CUT, 500);
        vm.prank(governor);
        vm.expectRevert(abi.encodeWithSelector(IParameters.ParameterOutOfBounds.selector, CUT, 0, 100, 5000));
        reg.setParameter(CUT, 0);
        vm.prank(governor);
        reg.setParameter(CUT, 500);
        uint256 id = _publish(1 ether);
        (, uint16 cut) = reg.usageTerms(id, 1);
        assertEq(cut, 500);
        vm.expectRevert(abi.encodeWithSelector(IParameters.UnknownParameter.selector, bytes32("nope")));
        reg.getParameter("nope");
    }

    function test_constructor_zeroGovernor_reverts() public {
        vm.expectRevert(IDatasetRegistry.ZeroAddress.selector);
        new DatasetRegistry(address(0));
    }
}
