//! Aave V3 lending: the market, an account's position and health factor, and the actions
//! (supply, withdraw, borrow, repay, collateral switches) as previewed plans.
//!
//! The health factor is computed locally with the pool's own formula and rounding
//! ([`AccountState::account_data`]), so an action's effect is projected exactly before it is
//! simulated; the simulation then proves the plan goes through. An action that would leave the
//! health factor below [`DANGER_HEALTH_FACTOR`] is a danger finding, and one that would leave
//! it below 1 is refused ([`LendError::WouldBeLiquidatable`]).

mod accounts;
mod action;
mod errors;
mod market;
pub mod math;
mod oracle;
mod plan;
mod position;
mod protect;
mod risk;
mod rules;

use alloy::primitives::U256;
use serde::Serializer;

pub use accounts::{
    ACCOUNTS_PER_CALL, HEALTH_PER_CALL, account_data_calls, accounts_calls, decode_account_data,
    decode_accounts, fetch_account, fetch_account_data, fetch_accounts, refreshed_market,
};
pub use action::{
    LendAction, LendAmount, LendPreview, LendRequest, LiquidationPriceChange, preview,
};
pub use market::{
    DEFAULT_HEARTBEAT_SECS, EModeCategory, FeedRound, Market, Reserve, ReserveConfig, fetch_market,
};
pub use oracle::{
    DEX_DEVIATION_THRESHOLD, DexRate, FeedStatus, VOLATILITY_ROUNDS, VOLATILITY_WINDOW_SECS,
    VolatilityCache, apply_feed_rounds, dex_deviations, dex_rates, duration, feed_round_calls,
    first_passage, is_stale, realized_daily_volatility,
};
pub use position::{
    AccountData, AccountState, EMode, Position, PositionAsset, UNMODELLED, UserReserve,
    health_factor_f64,
};
pub use protect::{
    DEFAULT_PROTECT_TARGET, MIN_STEP_HEALTH_FACTOR, ProtectPath, ProtectPreview, ProtectRequest,
    ProtectStep, preview_protect,
};
pub use risk::{
    DEPEG_COLLATERAL, DEPEG_DEBT, LiquidationPrice, PriceMove, STRESS_MOVES, StressKind,
    StressPoint, StressRow, is_usd_stablecoin,
};

/// Below this health factor an action is a danger finding, blocked without an explicit
/// override: a 10% fall in collateral prices would make the position liquidatable.
pub const DANGER_HEALTH_FACTOR: f64 = 1.10;
/// Below this health factor an action is a warning.
pub const WARNING_HEALTH_FACTOR: f64 = 1.5;

/// Errors of the lending adapter, all before anything is signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LendError {
    /// The network has no Aave V3 market configured.
    #[error(
        "there is no Aave V3 market on {0}; lending needs a network with its pool and oracle configured"
    )]
    NoMarket(String),
    /// The asset is not a reserve of the market.
    #[error("{asset} is not in the Aave market on {network}; it lists {listed}")]
    UnknownAsset {
        /// What the user asked for.
        asset: String,
        /// The network.
        network: String,
        /// The market's reserves.
        listed: String,
    },
    /// A zero amount.
    #[error("the amount must be more than zero")]
    ZeroAmount,
    /// The reserve does not accept this action now.
    #[error("{symbol} is {state} on Aave: {action} is not possible now")]
    ReserveUnavailable {
        /// The asset.
        symbol: String,
        /// "paused", "frozen" or "inactive".
        state: &'static str,
        /// The action.
        action: &'static str,
    },
    /// Borrowing is disabled for the asset.
    #[error("borrowing {0} is not enabled on this market")]
    BorrowingDisabled(String),
    /// The wallet holds too little.
    #[error("not enough {symbol}: {action} needs {need} but the account holds {have}")]
    InsufficientBalance {
        /// The asset.
        symbol: String,
        /// The action.
        action: &'static str,
        /// Needed, whole units.
        need: String,
        /// Held, whole units.
        have: String,
    },
    /// Nothing of the asset is supplied.
    #[error("nothing of {0} is supplied by this account")]
    NothingSupplied(String),
    /// More than supplied.
    #[error(
        "only {supplied} {symbol} is supplied; withdraw at most that, or --amount max for all of it"
    )]
    WithdrawTooMuch {
        /// The asset.
        symbol: String,
        /// Supplied, whole units.
        supplied: String,
    },
    /// No debt in the asset.
    #[error("this account owes no {0}")]
    NoDebt(String),
    /// More than the debt.
    #[error(
        "the account owes {owed} {symbol}; repay at most that, or --amount max to repay all of it with interest"
    )]
    RepayTooMuch {
        /// The asset.
        symbol: String,
        /// Owed, whole units.
        owed: String,
    },
    /// The collateral allows no more borrowing.
    #[error(
        "the collateral already backs all it can: nothing more of {0} can be borrowed; supply more collateral or repay first"
    )]
    NothingToBorrow(String),
    /// No collateral to borrow against.
    #[error(
        "the account has no collateral: supply an asset and use it as collateral before borrowing"
    )]
    NoCollateral,
    /// The asset cannot be collateral.
    #[error("{0} cannot be used as collateral on this market (its loan-to-value is 0)")]
    CannotBeCollateral(String),
    /// The collateral switch is already in the asked state.
    #[error("{symbol} is already {state} as collateral")]
    CollateralUnchanged {
        /// The asset.
        symbol: String,
        /// "enabled" or "disabled".
        state: &'static str,
    },
    /// The circuit breaker: the action would leave the position liquidatable.
    #[error(
        "refused: {action} would leave the health factor at {health_factor:.3}, below 1.0, where the position can be liquidated at once. {hint}"
    )]
    WouldBeLiquidatable {
        /// The action, described.
        action: String,
        /// The projected health factor.
        health_factor: f64,
        /// What would be safe instead.
        hint: String,
    },
    /// A reply could not be decoded.
    #[error("unexpected answer from the Aave contracts: {0}")]
    Decode(String),
    /// The chain could not be read.
    #[error(transparent)]
    Client(#[from] crate::ClientError),
    /// The plan cannot be given signing terms (fees above the ceiling, implausible gas).
    #[error(transparent)]
    Terms(#[from] crate::submit::TermsError),
    /// A protect target outside what makes sense.
    #[error("a target health factor of {0} makes no sense: pick one between 1.1 and 10, like 1.6")]
    InvalidTarget(f64),
    /// The position is at or above the target already.
    #[error(
        "the health factor is {health_factor:.3}, at or above the target {target}: nothing to do"
    )]
    AlreadySafe {
        /// Its health factor now.
        health_factor: f64,
        /// The target asked for.
        target: f64,
    },
    /// No path reaches the target.
    #[error("no way found to bring the health factor to {target}: {reason}")]
    CannotProtect {
        /// The target asked for.
        target: f64,
        /// Why, and what the user can do.
        reason: String,
    },
    /// A swap of the deleverage path failed to route or quote.
    #[error(transparent)]
    Swap(#[from] crate::swap::SwapError),
}

/// An amount in whole units, trailing zeros trimmed.
pub(crate) fn whole(v: U256, decimals: u8) -> String {
    crate::preview::whole(v, decimals)
}

/// Serializes an `I256` as a decimal string.
pub(crate) fn decimal_i256<S: Serializer>(
    v: &alloy::primitives::I256,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

/// Serializes a `U256` as a decimal string (JSON numbers lose precision beyond 2^53).
pub(crate) fn decimal<S: Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

/// A revert reason with Aave's error explained: V3.0's numeric code (`revert: 36` becomes
/// `revert: 36 COLLATERAL_CANNOT_COVER_NEW_BORROW (there is not enough collateral to cover a
/// new borrow)`) or V3.2+'s custom error (`custom error 0x…` gets `CollateralCannotCoverNewBorrow()
/// (…)`). Other reasons are returned unchanged.
pub fn explain_revert(reason: &str) -> String {
    if let Some(selector) = custom_error_selector(reason) {
        let known = errors::CUSTOM_ERRORS
            .iter()
            .find(|(signature, _)| alloy::primitives::keccak256(signature)[..4] == selector);
        if let Some((signature, meaning)) = known {
            return format!("{reason}: {signature} ({meaning})");
        }
    }
    let code = reason.rsplit([' ', ':']).next().unwrap_or_default();
    match errors::ERRORS.iter().find(|(c, _, _)| *c == code) {
        Some((_, name, meaning)) => format!("{reason} {name} ({meaning})"),
        None => reason.to_owned(),
    }
}

/// The first four bytes of the first `0x…` hex run of at least eight digits in `reason`.
fn custom_error_selector(reason: &str) -> Option<[u8; 4]> {
    let start = reason.find("0x")? + 2;
    let digits: String =
        reason[start..].chars().take_while(char::is_ascii_hexdigit).take(8).collect();
    let bytes = alloy::primitives::hex::decode(digits).ok()?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aave_error_codes_are_explained() {
        assert_eq!(
            explain_revert("revert: 36"),
            "revert: 36 COLLATERAL_CANNOT_COVER_NEW_BORROW (there is not enough collateral to cover a new borrow)"
        );
        assert!(
            explain_revert("revert: 35").contains("HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD")
        );
        assert_eq!(explain_revert("revert: EXPIRED"), "revert: EXPIRED");
        // V3.2+: keccak256("CollateralCannotCoverNewBorrow()")[..4], as the node returns it.
        let selector = alloy::primitives::keccak256("CollateralCannotCoverNewBorrow()");
        let reason = format!("custom error 0x{}", alloy::primitives::hex::encode(&selector[..4]));
        assert_eq!(
            explain_revert(&reason),
            format!(
                "{reason}: CollateralCannotCoverNewBorrow() (there is not enough collateral to cover a new borrow)"
            )
        );
        assert_eq!(explain_revert("custom error 0xdeadbeef"), "custom error 0xdeadbeef");
        assert_eq!(explain_revert("out of gas"), "out of gas");
    }
}
