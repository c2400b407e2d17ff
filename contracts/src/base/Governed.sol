// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IParameters} from "../interfaces/IParameters.sol";

/// @title Governed numeric parameters
/// @notice Shared implementation of IParameters: one GOVERNOR_ROLE-gated entry point that checks the value
///         against bounds fixed in code and emits ParameterSet.
/// @dev The constructor grants DEFAULT_ADMIN_ROLE and GOVERNOR_ROLE to `governor` (the derived contract
///      rejects a zero governor with its own error). A derived contract implements the three hooks:
///      `_parameterBounds` and `_getParameter` revert UnknownParameter for unknown names; `_setParameter`
///      is only called with a known name and a value inside the bounds, and may add checks of its own
///      (revert ParameterOutOfBounds). `_initParameter` sets a default in a constructor (bounds not checked).
abstract contract Governed is AccessControl, IParameters {
    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");

    constructor(address governor) {
        _grantRole(DEFAULT_ADMIN_ROLE, governor);
        _grantRole(GOVERNOR_ROLE, governor);
    }

    /// @inheritdoc IParameters
    function setParameter(bytes32 name, uint256 value) external virtual onlyRole(GOVERNOR_ROLE) {
        (uint256 min, uint256 max) = _parameterBounds(name);
        if (value < min || value > max) revert ParameterOutOfBounds(name, value, min, max);
        uint256 oldValue = _getParameter(name);
        _setParameter(name, value);
        emit ParameterSet(name, oldValue, value);
    }

    /// @inheritdoc IParameters
    function getParameter(bytes32 name) external view virtual returns (uint256) {
        return _getParameter(name);
    }

    /// @inheritdoc IParameters
    function parameterBounds(bytes32 name) external view virtual returns (uint256 min, uint256 max) {
        return _parameterBounds(name);
    }

    /// @dev Sets a default from a constructor and emits ParameterSet(name, 0, value) for indexers.
    function _initParameter(bytes32 name, uint256 value) internal {
        _setParameter(name, value);
        emit ParameterSet(name, 0, value);
    }

    /// @dev Inclusive bounds of `name`; reverts UnknownParameter(name) for unknown names.
    function _parameterBounds(bytes32 name) internal view virtual returns (uint256 min, uint256 max);

    /// @dev Current value of `name`; reverts UnknownParameter(name) for unknown names.
    function _getParameter(bytes32 name) internal view virtual returns (uint256);

    /// @dev Stores `value`; called only for known names with a value inside the bounds.
    function _setParameter(bytes32 name, uint256 value) internal virtual;
}
