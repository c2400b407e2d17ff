// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {IRandomnessSource} from "../../src/interfaces/IRandomnessSource.sol";
import {PrevrandaoRandomness} from "../../src/randomness/PrevrandaoRandomness.sol";

contract PrevrandaoRandomnessTest is Test {
    PrevrandaoRandomness internal rnd;

    function setUp() public {
        rnd = new PrevrandaoRandomness();
        vm.roll(1000);
        vm.prevrandao(bytes32(uint256(0xabc)));
    }

    function _expected(uint256 disputeId, uint256 round) internal view returns (bytes32) {
        return keccak256(abi.encode(block.prevrandao, blockhash(block.number - 1), disputeId, round));
    }

    function test_seed_matchesFormula() public view {
        assertEq(rnd.seed(1, 0), _expected(1, 0));
        assertEq(rnd.seed(7, 1), _expected(7, 1));
    }

    function test_seed_isAnIRandomnessSource() public view {
        IRandomnessSource src = IRandomnessSource(address(rnd));
        assertEq(src.seed(3, 0), _expected(3, 0));
    }

    function test_seed_dependsOnDisputeAndRound() public view {
        assertNotEq(rnd.seed(1, 0), rnd.seed(2, 0));
        assertNotEq(rnd.seed(1, 0), rnd.seed(1, 1));
    }

    function test_seed_dependsOnPrevrandao() public {
        bytes32 before = rnd.seed(1, 0);
        vm.prevrandao(bytes32(uint256(0xdef)));
        assertNotEq(rnd.seed(1, 0), before);
    }

    function test_seed_dependsOnBlock() public {
        vm.setBlockhash(999, keccak256("a"));
        vm.setBlockhash(1000, keccak256("b"));
        bytes32 before = rnd.seed(1, 0);
        vm.roll(1001);
        assertNotEq(rnd.seed(1, 0), before);
        assertEq(rnd.seed(1, 0), _expected(1, 0));
    }

    function test_seed_isStableWithinABlock() public view {
        assertEq(rnd.seed(5, 1), rnd.seed(5, 1));
    }

    function testFuzz_seed_matchesFormula(
        uint256 disputeId,
        uint256 round,
        bytes32 randao,
        uint256 blockNumber
    ) public {
        blockNumber = bound(blockNumber, 1, type(uint64).max);
        vm.roll(blockNumber);
        vm.prevrandao(randao);
        assertEq(rnd.seed(disputeId, round), _expected(disputeId, round));
    }
}
