// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Prices in 38 bits: a 32-bit decimal mantissa and a 6-bit power of ten
/// @notice A shard's locked price lives in its one packed storage word, so it is stored as m × 10^e with
///         m < 2^32 and e < 64. Every price with at most 9 significant decimal digits (1.5 NRL, 0.123456789 NRL,
///         2500 NRL) is exact; the NodeRegistry refuses asks that are not (InvalidAskPrice), and the TaskManager
///         refuses a minShardPrice that is not, so every locked price is exactly the node's ask or the minimum.
/// @dev The encoding is canonical: e is the smallest exponent that makes the mantissa fit, so encode(decode(x)) == x.
library PriceCodec {
    uint256 internal constant MANTISSA_BITS = 32;
    uint256 internal constant MANTISSA_LIMIT = 1 << MANTISSA_BITS;
    /// @dev 38 bits: mantissa in the low 32, exponent above.
    uint256 internal constant ENCODED_MASK = (1 << 38) - 1;

    /// @notice The encoding of `price`, and whether it is exact (false when `price` needs more than the mantissa's
    ///         digits; the encoding is then meaningless and must not be stored).
    function encode(uint256 price) internal pure returns (uint40 encoded, bool exact) {
        uint256 m = price;
        uint256 e;
        while (m >= MANTISSA_LIMIT) {
            if (m % 10 != 0) return (0, false);
            m /= 10;
            ++e;
        }
        // e ≤ 77 for any uint256, but m ≥ 2^32 needs at most 68 divisions to drop below 2^32; callers pass
        // uint128 values (e ≤ 29), far below the 6-bit limit.
        if (e >= 64) return (0, false);
        // forge-lint: disable-next-line(unsafe-typecast): m < 2^32 and e < 64
        return (uint40(m | (e << MANTISSA_BITS)), true);
    }

    /// @notice The price `encoded` stands for.
    function decode(uint256 encoded) internal pure returns (uint256) {
        return (encoded & (MANTISSA_LIMIT - 1)) * 10 ** ((encoded >> MANTISSA_BITS) & 63);
    }

    /// @notice True when `price` can be stored exactly.
    function isExact(uint256 price) internal pure returns (bool exact) {
        (, exact) = encode(price);
    }
}
