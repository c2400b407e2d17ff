// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

import {NeuralToken} from "../../src/NeuralToken.sol";
import {INeuralToken} from "../../src/interfaces/INeuralToken.sol";

contract NeuralTokenTest is Test {
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    uint256 internal constant SUPPLY = 1_000_000_000 ether;

    NeuralToken internal token;
    address internal holder = makeAddr("holder");
    address internal spender = makeAddr("spender");
    address internal owner;
    uint256 internal ownerKey;

    function setUp() public {
        (owner, ownerKey) = makeAddrAndKey("owner");
        token = new NeuralToken(holder, SUPPLY);
        vm.prank(holder);
        token.transfer(owner, 1000 ether);
    }

    // ----------------------------------------------------------------------------------------------
    // constructor / metadata
    // ----------------------------------------------------------------------------------------------

    function test_constructor_metadataAndSupply_succeeds() public view {
        assertEq(token.name(), "Neural");
        assertEq(token.symbol(), "NRL");
        assertEq(token.decimals(), 18);
        assertEq(token.totalSupply(), SUPPLY);
        assertEq(token.balanceOf(holder), SUPPLY - 1000 ether);
    }

    function test_constructor_emitsMintTransfer_succeeds() public {
        vm.expectEmit();
        emit IERC20.Transfer(address(0), holder, 5 ether);
        new NeuralToken(holder, 5 ether);
    }

    function test_constructor_zeroSupply_succeeds() public {
        NeuralToken empty = new NeuralToken(holder, 0);
        assertEq(empty.totalSupply(), 0);
    }

    function test_constructor_zeroHolder_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        new NeuralToken(address(0), SUPPLY);
    }

    function testFuzz_constructor_supply(address to, uint256 supply) public {
        vm.assume(to != address(0));
        NeuralToken t = new NeuralToken(to, supply);
        assertEq(t.totalSupply(), supply);
        assertEq(t.balanceOf(to), supply);
    }

    function test_interface_implementsINeuralToken_succeeds() public view {
        INeuralToken asInterface = INeuralToken(address(token));
        assertEq(asInterface.totalSupply(), SUPPLY);
        assertEq(asInterface.nonces(owner), 0);
        assertEq(asInterface.DOMAIN_SEPARATOR(), _domainSeparator());
    }

    // ----------------------------------------------------------------------------------------------
    // transfer / transferFrom / approve
    // ----------------------------------------------------------------------------------------------

    function test_transfer_balance_succeeds() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(owner, spender, 10 ether);
        vm.prank(owner);
        assertTrue(token.transfer(spender, 10 ether));
        assertEq(token.balanceOf(spender), 10 ether);
        assertEq(token.balanceOf(owner), 990 ether);
        assertEq(token.totalSupply(), SUPPLY);
    }

    function test_transfer_insufficientBalance_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientBalance.selector, owner, 1000 ether, 1000 ether + 1
            )
        );
        vm.prank(owner);
        token.transfer(spender, 1000 ether + 1);
    }

    function test_transfer_zeroReceiver_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        vm.prank(owner);
        token.transfer(address(0), 1);
    }

    function test_approve_allowance_succeeds() public {
        vm.expectEmit(address(token));
        emit IERC20.Approval(owner, spender, 7 ether);
        vm.prank(owner);
        assertTrue(token.approve(spender, 7 ether));
        assertEq(token.allowance(owner, spender), 7 ether);
    }

    function test_approve_zeroSpender_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidSpender.selector, address(0)));
        vm.prank(owner);
        token.approve(address(0), 1);
    }

    function test_transferFrom_allowance_succeeds() public {
        vm.prank(owner);
        token.approve(spender, 7 ether);
        vm.prank(spender);
        assertTrue(token.transferFrom(owner, holder, 5 ether));
        assertEq(token.allowance(owner, spender), 2 ether);
        assertEq(token.balanceOf(owner), 995 ether);
    }

    function test_transferFrom_insufficientAllowance_reverts() public {
        vm.prank(owner);
        token.approve(spender, 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, spender, 1 ether, 2 ether
            )
        );
        vm.prank(spender);
        token.transferFrom(owner, spender, 2 ether);
    }

    function testFuzz_transfer_amount(uint256 amount) public {
        amount = bound(amount, 0, 1000 ether);
        vm.prank(owner);
        token.transfer(spender, amount);
        assertEq(token.balanceOf(spender), amount);
        assertEq(token.balanceOf(owner), 1000 ether - amount);
        assertEq(token.totalSupply(), SUPPLY);
    }

    // ----------------------------------------------------------------------------------------------
    // permit
    // ----------------------------------------------------------------------------------------------

    function test_permit_validSignature_succeeds() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _sign(ownerKey, owner, spender, 100 ether, 0, deadline);
        vm.expectEmit(address(token));
        emit IERC20.Approval(owner, spender, 100 ether);
        token.permit(owner, spender, 100 ether, deadline, v, r, s);
        assertEq(token.allowance(owner, spender), 100 ether);
        assertEq(token.nonces(owner), 1);
        vm.prank(spender);
        token.transferFrom(owner, spender, 100 ether);
        assertEq(token.balanceOf(spender), 100 ether);
    }

    function test_permit_expired_reverts() public {
        uint256 deadline = block.timestamp - 1;
        (uint8 v, bytes32 r, bytes32 s) = _sign(ownerKey, owner, spender, 1, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        token.permit(owner, spender, 1, deadline, v, r, s);
    }

    function test_permit_wrongSigner_reverts() public {
        (address other, uint256 otherKey) = makeAddrAndKey("other");
        uint256 deadline = block.timestamp;
        (uint8 v, bytes32 r, bytes32 s) = _sign(otherKey, owner, spender, 1, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, other, owner));
        token.permit(owner, spender, 1, deadline, v, r, s);
    }

    function test_permit_replay_reverts() public {
        uint256 deadline = block.timestamp + 1;
        (uint8 v, bytes32 r, bytes32 s) = _sign(ownerKey, owner, spender, 1, 0, deadline);
        token.permit(owner, spender, 1, deadline, v, r, s);
        // The nonce moved on, so the same signature now recovers another address.
        vm.expectPartialRevert(ERC20Permit.ERC2612InvalidSigner.selector);
        token.permit(owner, spender, 1, deadline, v, r, s);
    }

    function test_nonces_unused_succeeds() public view {
        assertEq(token.nonces(owner), 0);
        assertEq(token.nonces(address(0)), 0);
    }

    function test_nonces_overrideMatchesBase_succeeds() public {
        (uint8 v, bytes32 r, bytes32 s) = _sign(ownerKey, owner, spender, 1, 0, block.timestamp);
        token.permit(owner, spender, 1, block.timestamp, v, r, s);
        assertEq(Nonces(address(token)).nonces(owner), 1);
    }

    function test_DOMAIN_SEPARATOR_eip712_succeeds() public view {
        assertEq(token.DOMAIN_SEPARATOR(), _domainSeparator());
    }

    function testFuzz_permit_values(uint256 value, uint256 deadlineOffset) public {
        deadlineOffset = bound(deadlineOffset, 0, 365 days);
        uint256 deadline = block.timestamp + deadlineOffset;
        (uint8 v, bytes32 r, bytes32 s) = _sign(ownerKey, owner, spender, value, 0, deadline);
        token.permit(owner, spender, value, deadline, v, r, s);
        assertEq(token.allowance(owner, spender), value);
    }

    // ----------------------------------------------------------------------------------------------
    // helpers
    // ----------------------------------------------------------------------------------------------

    function _domainSeparator() internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256("Neural"),
                keccak256("1"),
                block.chainid,
                address(token)
            )
        );
    }

    function _sign(uint256 key, address from, address to, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, from, to, value, nonce, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash));
        (v, r, s) = vm.sign(key, digest);
    }
}
