//! The custom errors the Universal Router, V4's router and Permit2 revert with, named and
//! explained, so a failed simulation says why in words rather than a selector.

use alloy::primitives::keccak256;

/// (Solidity signature, what it means for the user).
const KNOWN: [(&str, &str); 13] = [
    ("TransactionDeadlinePassed()", "the swap's deadline passed: preview it again"),
    ("V2TooLittleReceived()", "the price moved: Uniswap V2 would pay less than the minimum"),
    ("V2TooMuchRequested()", "the price moved: Uniswap V2 would take more than the maximum"),
    ("V3TooLittleReceived()", "the price moved: Uniswap V3 would pay less than the minimum"),
    ("V3TooMuchRequested()", "the price moved: Uniswap V3 would take more than the maximum"),
    (
        "V4TooLittleReceived(uint256,uint256)",
        "the price moved: Uniswap V4 would pay less than the minimum",
    ),
    (
        "V4TooMuchRequested(uint256,uint256)",
        "the price moved: Uniswap V4 would take more than the maximum",
    ),
    ("InvalidSigner()", "the Permit2 allowance was signed by another account"),
    ("InvalidNonce()", "the Permit2 allowance was already used or replaced: preview again"),
    ("SignatureExpired(uint256)", "the Permit2 signature expired: preview again"),
    ("AllowanceExpired(uint256)", "the Permit2 allowance expired: preview again"),
    ("InsufficientAllowance(uint256)", "the Permit2 allowance is smaller than the swap"),
    ("InsufficientBalance()", "the router received less than it must pay on"),
];

/// The name and meaning of a custom error by its selector, when it is one of these.
pub(crate) fn explain(selector: &[u8]) -> Option<String> {
    KNOWN.iter().find_map(|(signature, meaning)| {
        let name = signature.split('(').next().unwrap_or(signature);
        (keccak256(signature.as_bytes())[..4] == *selector.get(..4)?)
            .then(|| format!("{name}: {meaning}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_routers_deadline_error_is_named() {
        // 0x5bf6f916, as the Universal Router reverts with it.
        let said = explain(&[0x5b, 0xf6, 0xf9, 0x16]).unwrap_or_default();
        assert!(said.starts_with("TransactionDeadlinePassed: "), "{said}");
        assert_eq!(explain(&[0xde, 0xad, 0xbe, 0xef]), None);
    }
}
