// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Governed numeric parameters
/// @notice Every governor-settable number of a contract goes through one entry point, checked against
///         bounds fixed in code, and emits one event the indexers turn into parameter history.
interface IParameters {
    /// @notice A parameter changed. `name` is the ASCII name right-padded to 32 bytes, e.g. "challengeWindow".
    event ParameterSet(bytes32 indexed name, uint256 oldValue, uint256 newValue);

    /// @notice The contract has no parameter of that name.
    error UnknownParameter(bytes32 name);
    /// @notice The value is outside the bounds the contract accepts for that parameter.
    error ParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);

    /// @notice Sets a parameter. Only GOVERNOR_ROLE.
    function setParameter(bytes32 name, uint256 value) external;

    /// @notice Current value of a parameter; reverts with UnknownParameter for unknown names.
    function getParameter(bytes32 name) external view returns (uint256);

    /// @notice Inclusive bounds of a parameter; reverts with UnknownParameter for unknown names.
    function parameterBounds(bytes32 name) external view returns (uint256 min, uint256 max);
}
