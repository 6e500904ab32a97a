//! Turning what the user typed (token symbols, decimal amounts, a slippage percentage) into the
//! adapters' requests, the same way for the desktop app and the CLI.

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
};
use vigil_defi_adapters::{
    ChainClient, ClientError, Network,
    aave::{LendAction, LendAmount, LendError, LendRequest, Market},
    amount::{AmountError, parse_amount},
    preview::{SwapRequest, TransferRequest},
    swap::SwapKind,
};

/// How long a signed swap stays valid.
const SWAP_DEADLINE_SECS: u64 = 20 * 60;

/// Errors reading a form, before anything is quoted or signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// Neither a known symbol nor an address.
    #[error("unknown token '{token}' on {network}: use {known} or a token address")]
    UnknownToken {
        /// What was typed.
        token: String,
        /// The network.
        network: String,
        /// The symbols that are known there.
        known: String,
    },
    /// The address is not an ERC-20 contract.
    #[error("{0} is not an ERC-20 token contract")]
    NotAToken(String),
    /// Nothing is deployed at the address on this network.
    #[error("{address} has no contract on {network}: check the address and the network")]
    NoContract {
        /// The address.
        address: String,
        /// The network.
        network: String,
    },
    /// The typed text is not an address.
    #[error("'{0}' is not a token address (0x followed by 40 hex digits)")]
    NotAnAddress(String),
    /// The amount is invalid.
    #[error(transparent)]
    Amount(#[from] AmountError),
    /// The slippage is out of range.
    #[error("the slippage must be a percentage from 0 to 50, like 0.5 (not {0})")]
    Slippage(f64),
    /// The chain could not be read.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The recipient is not an address.
    #[error("the recipient '{0}' is not an Ethereum address (0x followed by 40 hex digits)")]
    Recipient(String),
    /// The lending market refused the form.
    #[error(transparent)]
    Lend(#[from] LendError),
}

/// A swap as the user describes it.
#[derive(Debug, Clone)]
pub struct SwapForm {
    /// What is sold: the native symbol, a known token's symbol, or a token address.
    pub from: String,
    /// What is bought.
    pub to: String,
    /// The amount of `from` (or of `to` with `exact_out`), in whole units.
    pub amount: String,
    /// Whether `amount` is what is bought rather than what is sold.
    pub exact_out: bool,
    /// Maximum slippage, percent.
    pub slippage_percent: f64,
    /// Approve the router for an unlimited amount instead of exactly this swap's.
    pub unlimited_approval: bool,
}

/// A token as a form names it: its address (the wrapped token for the native coin), symbol,
/// decimals and whether it is the native coin.
pub(crate) struct FormToken {
    pub(crate) address: Address,
    pub(crate) symbol: String,
    pub(crate) decimals: u8,
    pub(crate) native: bool,
}

pub(crate) async fn resolve(
    client: &ChainClient,
    network: &Network,
    typed: &str,
) -> Result<FormToken, ActionError> {
    let typed = typed.trim();
    if typed.eq_ignore_ascii_case(&network.native_symbol) {
        // The native coin is routed as its wrapped token; the router wraps and unwraps it.
        return Ok(FormToken {
            address: network.protocols.weth,
            symbol: network.native_symbol.clone(),
            decimals: 18,
            native: true,
        });
    }
    if let Some(t) = network.token(typed) {
        return Ok(FormToken {
            address: t.address,
            symbol: t.symbol.clone(),
            decimals: t.decimals,
            native: false,
        });
    }
    let address: Address = vigil_signer::parse_evm_address(typed).map_err(|_| {
        let known: Vec<_> = std::iter::once(network.native_symbol.as_str())
            .chain(network.tokens.iter().map(|t| t.symbol.as_str()))
            .collect();
        ActionError::UnknownToken {
            token: typed.to_owned(),
            network: network.name.clone(),
            known: known.join(", "),
        }
    })?;
    let meta = vigil_defi_adapters::multicall::token_metadata(
        client,
        network.protocols.multicall3,
        &[address],
    )
    .await?;
    let meta = meta
        .into_iter()
        .flatten()
        .next()
        .ok_or_else(|| ActionError::NotAToken(typed.to_owned()))?;
    Ok(FormToken { address, symbol: meta.symbol, decimals: meta.decimals, native: false })
}

/// The token at `typed` (an address) on `network`, checked on chain: it has code, a symbol and
/// decimals. What a pasted token address must pass before Vigil remembers it.
pub async fn check_token(
    client: &ChainClient,
    network: &Network,
    typed: &str,
) -> Result<vigil_defi_adapters::KnownToken, ActionError> {
    let typed = typed.trim();
    let address = vigil_signer::parse_evm_address(typed)
        .map_err(|_| ActionError::NotAnAddress(typed.to_owned()))?;
    let code = client.request(|p| async move { p.get_code_at(address).await }).await?;
    if code.is_empty() {
        return Err(ActionError::NoContract {
            address: address.to_checksum(None),
            network: network.name.clone(),
        });
    }
    let token = resolve(client, network, &address.to_checksum(None)).await?;
    Ok(vigil_defi_adapters::KnownToken::new(&token.symbol, token.address, token.decimals))
}

/// The swap request for `form`, acting for `account`.
pub async fn swap_request(
    client: &ChainClient,
    network: &Network,
    account: Address,
    form: &SwapForm,
) -> Result<SwapRequest, ActionError> {
    if !(0.0..=50.0).contains(&form.slippage_percent) {
        return Err(ActionError::Slippage(form.slippage_percent));
    }
    let token_in = resolve(client, network, &form.from).await?;
    let token_out = resolve(client, network, &form.to).await?;
    let (kind, priced) = if form.exact_out {
        (SwapKind::ExactOut, &token_out)
    } else {
        (SwapKind::ExactIn, &token_in)
    };
    let amount = parse_amount(form.amount.trim(), &priced.symbol, priced.decimals)?;
    Ok(SwapRequest {
        account,
        token_in: token_in.address,
        token_out: token_out.address,
        amount,
        kind,
        slippage_bps: (form.slippage_percent * 100.0).round() as u32,
        deadline_secs: SWAP_DEADLINE_SECS,
        unlimited_approval: form.unlimited_approval,
        native_in: token_in.native,
        native_out: token_out.native,
    })
}

/// The transfer of `amount` of `asset` (the native symbol, a known token or a token address)
/// from `from` to `to`, and the asset's symbol.
pub async fn transfer_request(
    client: &ChainClient,
    network: &Network,
    from: Address,
    to: &str,
    asset: &str,
    amount: &str,
) -> Result<(TransferRequest, String), ActionError> {
    let to = vigil_signer::parse_evm_address(to.trim())
        .map_err(|_| ActionError::Recipient(to.trim().to_owned()))?;
    let token = resolve(client, network, asset).await?;
    let amount = parse_amount(amount.trim(), &token.symbol, token.decimals)?;
    let request = TransferRequest {
        from,
        to,
        token: (!token.native).then_some(token.address),
        amount,
        symbol: token.symbol.clone(),
        decimals: token.decimals,
    };
    Ok((request, token.symbol))
}

/// The lending request for `action` on `asset` (a reserve's symbol), for `amount` in whole
/// units, or everything with `None` or "max".
pub fn lend_request(
    market: &Market,
    account: Address,
    action: LendAction,
    asset: &str,
    amount: Option<&str>,
) -> Result<LendRequest, ActionError> {
    let reserve = market.find(asset.trim())?;
    let amount = match amount.map(str::trim) {
        None => LendAmount::Max,
        // A field left empty is a mistake, not "everything".
        Some("") => return Err(ActionError::Amount(AmountError::NotANumber(String::new()))),
        Some(a) if a.eq_ignore_ascii_case("max") => LendAmount::Max,
        Some(a) => {
            let v = parse_amount(a, &reserve.symbol, reserve.config.decimals)?;
            if v == U256::ZERO {
                return Err(ActionError::Amount(AmountError::Zero));
            }
            LendAmount::Exact(v)
        }
    };
    Ok(LendRequest { account, asset: reserve.asset, action, amount })
}
