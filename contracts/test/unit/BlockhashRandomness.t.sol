// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {IRandomnessSource} from "../../src/interfaces/IRandomnessSource.sol";
import {BlockhashRandomness} from "../../src/randomness/BlockhashRandomness.sol";

contract BlockhashRandomnessTest is Test {
    uint256 internal constant NOW = 10_000;
    bytes32 internal constant KEY = keccak256("key");

    BlockhashRandomness internal rnd;

    function setUp() public {
        rnd = new BlockhashRandomness();
        vm.roll(NOW);
    }

    function _expected(uint256 target, bytes32 key) internal view returns (bytes32) {
        return keccak256(abi.encode(blockhash(target), key));
    }

    // ----------------------------------------------------------------------------------------------
    // seedAt
    // ----------------------------------------------------------------------------------------------

    function test_window_is256_succeeds() public view {
        assertEq(rnd.WINDOW(), 256);
    }

    function test_seedAt_previousBlock_succeeds() public {
        vm.setBlockhash(NOW - 1, keccak256("h"));
        (bytes32 seed, bool available) = rnd.seedAt(NOW - 1, KEY);
        assertTrue(available);
        assertEq(seed, keccak256(abi.encode(keccak256("h"), KEY)));
        assertEq(seed, _expected(NOW - 1, KEY));
    }

    function test_seedAt_oldestReadableBlock_succeeds() public {
        vm.setBlockhash(NOW - 256, keccak256("oldest"));
        (bytes32 seed, bool available) = rnd.seedAt(NOW - 256, KEY);
        assertTrue(available);
        assertEq(seed, keccak256(abi.encode(keccak256("oldest"), KEY)));
    }

    function test_seedAt_currentBlock_unavailable_succeeds() public view {
        (bytes32 seed, bool available) = rnd.seedAt(NOW, KEY);
        assertFalse(available);
        assertEq(seed, bytes32(0));
    }

    function test_seedAt_futureBlock_unavailable_succeeds() public view {
        (bytes32 seed, bool available) = rnd.seedAt(NOW + 1, KEY);
        assertFalse(available);
        assertEq(seed, bytes32(0));
        (, available) = rnd.seedAt(type(uint256).max, KEY);
        assertFalse(available);
    }

    function test_seedAt_olderThan256Blocks_unavailable_succeeds() public {
        vm.setBlockhash(NOW - 257, keccak256("gone"));
        (bytes32 seed, bool available) = rnd.seedAt(NOW - 257, KEY);
        assertFalse(available);
        assertEq(seed, bytes32(0));
        (, available) = rnd.seedAt(0, KEY);
        assertFalse(available);
    }

    function test_seedAt_becomesAvailableOnceMined_succeeds() public {
        uint256 target = NOW + 5;
        (, bool available) = rnd.seedAt(target, KEY);
        assertFalse(available);
        vm.roll(target);
        (, available) = rnd.seedAt(target, KEY);
        assertFalse(available, "not while the target is the current block");
        vm.roll(target + 1);
        vm.setBlockhash(target, keccak256("t"));
        bytes32 seed;
        (seed, available) = rnd.seedAt(target, KEY);
        assertTrue(available);
        assertEq(seed, keccak256(abi.encode(keccak256("t"), KEY)));
        vm.roll(target + 256);
        (, available) = rnd.seedAt(target, KEY);
        assertTrue(available, "still readable 256 blocks later");
        vm.roll(target + 257);
        (, available) = rnd.seedAt(target, KEY);
        assertFalse(available, "gone after 256 blocks");
    }

    function test_seedAt_dependsOnKeyAndBlock_succeeds() public {
        vm.setBlockhash(NOW - 1, keccak256("a"));
        vm.setBlockhash(NOW - 2, keccak256("b"));
        (bytes32 s1,) = rnd.seedAt(NOW - 1, KEY);
        (bytes32 s2,) = rnd.seedAt(NOW - 1, keccak256("other"));
        (bytes32 s3,) = rnd.seedAt(NOW - 2, KEY);
        assertNotEq(s1, s2);
        assertNotEq(s1, s3);
        // Stable: the same target and key give the same seed whenever it is read inside the window.
        vm.roll(NOW + 100);
        (bytes32 again, bool available) = rnd.seedAt(NOW - 1, KEY);
        assertTrue(available);
        assertEq(again, s1);
    }

    function test_seedAt_isAnIRandomnessSource_succeeds() public {
        vm.setBlockhash(NOW - 3, keccak256("c"));
        IRandomnessSource src = IRandomnessSource(address(rnd));
        (bytes32 seed, bool available) = src.seedAt(NOW - 3, KEY);
        assertTrue(available);
        assertEq(seed, _expected(NOW - 3, KEY));
    }

    function testFuzz_seedAt_availability(uint256 target, uint256 current, bytes32 key, bytes32 hash) public {
        current = bound(current, 1, type(uint64).max);
        target = bound(target, current > 600 ? current - 600 : 0, current + 600);
        vm.assume(hash != bytes32(0));
        vm.roll(current);
        if (target < current) vm.setBlockhash(target, hash);
        (bytes32 seed, bool available) = rnd.seedAt(target, key);
        bool expected = target < current && current - target <= 256;
        assertEq(available, expected);
        if (expected) {
            assertEq(seed, keccak256(abi.encode(hash, key)));
            assertEq(seed, _expected(target, key));
        } else {
            assertEq(seed, bytes32(0));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // retarget
    // ----------------------------------------------------------------------------------------------

    function test_retarget_futureTarget_unchanged_succeeds() public view {
        assertEq(rnd.retarget(NOW), NOW);
        assertEq(rnd.retarget(NOW + 1), NOW + 1);
        assertEq(rnd.retarget(NOW + 1000), NOW + 1000);
    }

    function test_retarget_staleTarget_nextFutureBlockOfSameResidue_succeeds() public view {
        // 300 blocks old: one step of 256 is still in the past, two land in the future.
        assertEq(rnd.retarget(NOW - 300), NOW - 300 + 512);
        // Exactly 256 old: one step lands on the current block, which is not yet random; two steps.
        assertEq(rnd.retarget(NOW - 256), NOW + 256);
        assertEq(rnd.retarget(NOW - 257), NOW - 1 + 256);
        assertEq(rnd.retarget(NOW - 1), NOW - 1 + 256);
    }

    function testFuzz_retarget_futureBlockSameResidue(uint256 target, uint256 current) public {
        current = bound(current, 1, type(uint64).max - 512);
        target = bound(target, 0, current - 1);
        vm.roll(current);
        uint256 next = rnd.retarget(target);
        assertGt(next, current, "a future block");
        assertEq(next % 256, target % 256, "same residue mod 256");
        assertGt(next, target);
        assertLe(next - 256, current, "the first such block");
        // Deterministic in (target, block.number): nobody picks it.
        assertEq(rnd.retarget(target), next);
        // And its randomness is readable once it is mined.
        vm.roll(next + 1);
        vm.setBlockhash(next, keccak256("n"));
        (, bool available) = rnd.seedAt(next, KEY);
        assertTrue(available);
    }
}
