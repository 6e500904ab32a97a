//! Liquidity: an account's positions valued in the user's currency (with their range, fees
//! and the change against simply holding what went in), the pools between two tokens, and the
//! previews that add, remove and collect, kept for the one confirm path.

use std::collections::BTreeMap;

use alloy::{
    eips::BlockId,
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::TransactionReceipt,
};
use vigil_api::{
    LiquidityActionKind, LiquidityForm, LiquidityPoolView, LiquidityPoolsRequest,
    LiquidityPositionView, LiquidityPositions, LiquidityRequest, PositionTokenView, RangeView,
};
use vigil_defi_adapters::{
    ChainClient, Network,
    liquidity::{self, LiquidityAction, Pool, PoolRef, Position},
    multicall,
    simulate::AssetId,
};
use vigil_signer::{Chain, Keychain};

use super::{
    Action, ActionPreview, AppResult, AppService, LiquiditySummary, action_error, invalid,
    network_error, preview_error,
};
use crate::{
    actions,
    liquidity::{PriceUnit, TokenMeta, parse_range, pool_id, price_text},
};

/// How long a signed liquidity transaction stays valid.
const DEADLINE_SECS: u64 = 20 * 60;

/// What the wallet writes down once a liquidity plan is mined.
#[derive(Debug, Clone)]
pub(crate) struct Remember {
    /// The position's key; `None` for a position NFT the plan mints (its id is in the
    /// receipt, from `minted_by`, with the key's prefix).
    key: Option<String>,
    minted_by: Option<(Address, String)>,
    change: BaselineChange,
}

#[derive(Debug, Clone)]
enum BaselineChange {
    /// Tokens put in, per pool token.
    Deposit(Vec<(Address, U256)>),
    /// A part taken out, bps.
    Withdraw(u32),
}

fn whole(v: U256, decimals: u8) -> String {
    let s = alloy::primitives::utils::format_units(v, decimals).unwrap_or_default();
    let s =
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s };
    vigil_api::group_thousands(&s)
}

impl<K: Keychain + 'static> AppService<K> {
    /// Symbols and decimals of `tokens` (the zero address is the native coin): the network's
    /// list first, then one round trip for the rest.
    async fn token_meta(
        &self,
        client: &ChainClient,
        network: &Network,
        tokens: &[Address],
    ) -> AppResult<TokenMeta> {
        let mut meta = TokenMeta::new();
        let mut unknown = Vec::new();
        for &t in tokens {
            if t.is_zero() {
                meta.insert(t, (network.native_symbol.clone(), 18));
            } else if let Some(k) = network.tokens.iter().find(|k| k.address == t) {
                meta.insert(t, (k.symbol.clone(), k.decimals));
            } else if t == network.protocols.weth {
                meta.insert(t, (format!("W{}", network.native_symbol), 18));
            } else if !unknown.contains(&t) {
                unknown.push(t);
            }
        }
        if !unknown.is_empty() {
            let found = multicall::token_metadata(client, network.protocols.multicall3, &unknown)
                .await
                .map_err(network_error)?;
            for (t, m) in unknown.iter().zip(found) {
                let (symbol, decimals) =
                    m.map_or_else(|| (t.to_string(), 18), |m| (m.symbol, m.decimals));
                meta.insert(*t, (symbol, decimals));
            }
        }
        Ok(meta)
    }

    /// The V4 position ids of `owner`, searched from where the last search stopped (kept in
    /// the database per chain) up to the head.
    async fn v4_ids(
        &self,
        client: &ChainClient,
        network: &Network,
        owner: Address,
    ) -> AppResult<Vec<U256>> {
        let p = &network.protocols;
        if p.uniswap_v4_position_manager.is_none() || p.uniswap_v4_state_view.is_none() {
            return Ok(Vec::new());
        }
        let account = owner.to_checksum(None);
        let head = client
            .request(|c| async move { c.get_block_number().await })
            .await
            .map_err(network_error)?;
        let start = p.uniswap_v4_position_manager_block.unwrap_or(0);
        let (mut ids, next) = self
            .db
            .v4_position_scan(&network.name, network.chain_id, &account)
            .map_err(|e| super::internal(e.to_string()))?
            .unwrap_or((Vec::new(), start));
        // A chain younger than the search (a devnet started afresh): search it again.
        let next = if next > head + 1 { start } else { next };
        let scan = liquidity::owned_v4_ids(client, network, owner, next, head)
            .await
            .map_err(|e| network_error_text(&e))?;
        for id in scan.ids {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if let Err(e) = self.db.save_v4_position_scan(
            &network.name,
            network.chain_id,
            &account,
            &ids,
            scan.next_block,
        ) {
            tracing::warn!("cannot save the V4 position search: {e}");
        }
        Ok(ids)
    }

    /// The positions of `owner` at the latest block.
    async fn positions_of(
        &self,
        client: &ChainClient,
        network: &Network,
        owner: Address,
    ) -> AppResult<Vec<Position>> {
        let ids = self.v4_ids(client, network, owner).await?;
        liquidity::fetch_all(client, network, owner, &ids, BlockId::latest())
            .await
            .map_err(|e| network_error_text(&e))
    }

    /// Every liquidity position of the account (or every visible Ethereum account) on the
    /// network, valued in the user's currency.
    pub async fn liquidity_positions(
        &self,
        request: &LiquidityRequest,
    ) -> AppResult<LiquidityPositions> {
        let (network, client) = self.evm(&request.network).await?;
        let owners: Vec<Address> = match &request.account {
            Some(a) => vec![self.evm_account_for(Some(a))?.0],
            None => {
                let config = self.config()?;
                config
                    .accounts
                    .iter()
                    .filter(|a| a.chain == Chain::Ethereum && !a.hidden)
                    .filter_map(|a| a.address.parse().ok())
                    .collect()
            }
        };
        let mut all = Vec::new();
        let mut errors = Vec::new();
        for owner in owners {
            match self.positions_of(&client, &network, owner).await {
                Ok(p) => all.extend(p),
                Err(e) => errors.push(format!("{}: {}", owner.to_checksum(None), e.message)),
            }
        }
        let tokens: Vec<Address> = all.iter().flat_map(|p| p.pool.tokens.iter().copied()).collect();
        let meta = self.token_meta(&client, &network, &tokens).await?;
        let decimals = |t: Address| meta.get(&t).map_or(18, |m| m.1);
        let mut prices = liquidity::usd_prices(&client, &network, &tokens)
            .await
            .map_err(|e| network_error_text(&e))?;
        liquidity::price_through_pools(
            &mut prices,
            &all.iter().map(|p| &p.pool).collect::<Vec<_>>(),
            &decimals,
        );
        let (money, why) = self.money(&client, &network).await;
        errors.extend(why);
        let positions = all
            .iter()
            .map(|p| {
                let baseline = self
                    .db
                    .liquidity_baseline(&network.name, &p.owner.to_checksum(None), &p.key())
                    .ok()
                    .flatten();
                position_view(p, &meta, &prices, baseline.as_ref(), &|usd| money.of(usd))
            })
            .collect();
        Ok(LiquidityPositions { positions, currency: money.currency, errors })
    }

    /// Every pool between two tokens on the network, on every venue.
    pub async fn liquidity_pools(
        &self,
        request: &LiquidityPoolsRequest,
    ) -> AppResult<Vec<LiquidityPoolView>> {
        let (network, client) = self.evm(&request.network).await?;
        let (pools, _) =
            self.pools_between(&client, &network, &request.token_a, &request.token_b).await?;
        let tokens: Vec<Address> = pools.iter().flat_map(|p| p.tokens.iter().copied()).collect();
        let meta = self.token_meta(&client, &network, &tokens).await?;
        let decimals = |t: Address| meta.get(&t).map_or(18, |m| m.1);
        let mut prices = liquidity::usd_prices(&client, &network, &tokens)
            .await
            .map_err(|e| network_error_text(&e))?;
        liquidity::price_through_pools(&mut prices, &pools.iter().collect::<Vec<_>>(), &decimals);
        let (money, _) = self.money(&client, &network).await;
        Ok(pools
            .iter()
            .map(|pool| {
                let unit = PriceUnit::of(pool, &meta);
                let price = match (&unit, pool.raw_price()) {
                    (Some(u), Some(raw)) if pool.protocol != liquidity::Protocol::Balancer => {
                        Some(format!("{} {}", price_text(u.shown(raw)), u.unit))
                    }
                    _ => None,
                };
                LiquidityPoolView {
                    id: pool_id(pool),
                    name: pool.describe(),
                    tokens: pool
                        .tokens
                        .iter()
                        .map(|t| meta.get(t).map_or_else(|| t.to_string(), |m| m.0.clone()))
                        .collect(),
                    price,
                    has_range: pool.protocol.has_range(),
                    value: liquidity::value_of(&pool.tokens, &pool.balances, &prices, &decimals)
                        .filter(|_| !pool.balances.is_empty())
                        .map(|usd| money.of(usd)),
                }
            })
            .collect())
    }

    /// The pools between two typed tokens, and whether either names the native coin.
    async fn pools_between(
        &self,
        client: &ChainClient,
        network: &Network,
        a: &str,
        b: &str,
    ) -> AppResult<(Vec<Pool>, bool)> {
        let a = actions::resolve(client, network, a).await.map_err(action_error)?;
        let b = actions::resolve(client, network, b).await.map_err(action_error)?;
        if a.address == b.address {
            return Err(invalid("pick two different tokens for a pool"));
        }
        let pools = liquidity::find_pools(client, network, a.address, b.address)
            .await
            .map_err(|e| network_error_text(&e))?;
        Ok((pools, a.native || b.native))
    }

    /// Previews adding liquidity, removing it or collecting fees, as the form says.
    pub async fn preview_liquidity(&self, form: &LiquidityForm) -> AppResult<ActionPreview> {
        let (address, account) = self.acting_evm(form.account.as_deref())?;
        let (network, client) = self.evm(&form.network).await?;
        let slippage = match form.slippage_percent {
            Some(s) => s,
            None => self.config()?.preferences.slippage_percent,
        };
        if !(0.0..=50.0).contains(&slippage) {
            return Err(action_error(actions::ActionError::Slippage(slippage)));
        }
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
            + DEADLINE_SECS;
        // Naming the native coin as one of the pair pays in it.
        let mut native = form.native;
        let (action, pool, percent, remember, meta) = match form.action {
            LiquidityActionKind::Add => {
                let (pools, native_named) =
                    self.pools_between(&client, &network, &form.token_a, &form.token_b).await?;
                native |= native_named;
                let pool = pools.into_iter().find(|p| pool_id(p) == form.pool.trim()).ok_or_else(
                    || {
                        invalid(format!(
                            "there is no pool '{}' between {} and {} on {}: list them first",
                            form.pool, form.token_a, form.token_b, network.name
                        ))
                    },
                )?;
                let token = actions::resolve(&client, &network, &form.amount_token)
                    .await
                    .map_err(action_error)?;
                let token_index = pool
                    .tokens
                    .iter()
                    .position(|&t| {
                        t == token.address
                            || (t.is_zero() && token.address == network.protocols.weth)
                    })
                    .ok_or_else(|| {
                        invalid(format!("{} is not one of the pool's tokens", token.symbol))
                    })?;
                let amount = vigil_defi_adapters::amount::parse_amount(
                    form.amount.trim(),
                    &token.symbol,
                    token.decimals,
                )
                .map_err(|e| action_error(e.into()))?;
                let meta = self.token_meta(&client, &network, &pool.tokens).await?;
                let range = if pool.protocol.has_range() {
                    Some(
                        parse_range(&form.range, PriceUnit::of(&pool, &meta).as_ref())
                            .map_err(invalid)?,
                    )
                } else {
                    None
                };
                let remember = Remember {
                    key: pool.position_key(None),
                    minted_by: None,
                    change: BaselineChange::Deposit(Vec::new()),
                };
                (
                    LiquidityAction::Add { pool: pool.clone(), token_index, amount, range },
                    pool,
                    None,
                    remember,
                    Some(meta),
                )
            }
            LiquidityActionKind::Remove | LiquidityActionKind::Collect => {
                let position = self
                    .positions_of(&client, &network, address)
                    .await?
                    .into_iter()
                    .find(|p| p.key() == form.position.trim())
                    .ok_or_else(|| {
                        invalid(format!(
                            "{} holds no position '{}' on {}",
                            address.to_checksum(None),
                            form.position,
                            network.name
                        ))
                    })?;
                let pool = position.pool.clone();
                if form.action == LiquidityActionKind::Collect {
                    let remember = Remember {
                        key: None,
                        minted_by: None,
                        change: BaselineChange::Withdraw(0),
                    };
                    (LiquidityAction::Collect { position }, pool, None, remember, None)
                } else {
                    let percent = form.percent.unwrap_or(100.0);
                    if !(percent > 0.0 && percent <= 100.0) {
                        return Err(invalid(format!(
                            "remove more than 0% and at most 100% of a position (not {percent}%)"
                        )));
                    }
                    let bps = (percent * 100.0).round() as u32;
                    let remember = Remember {
                        key: Some(position.key()),
                        minted_by: None,
                        change: BaselineChange::Withdraw(bps),
                    };
                    (
                        LiquidityAction::Remove { position, fraction_bps: bps },
                        pool,
                        Some(percent),
                        remember,
                        None,
                    )
                }
            }
        };
        let request = liquidity::LiquidityRequest {
            account: address,
            action,
            slippage_bps: (slippage * 100.0).round() as u32,
            deadline,
            native,
        };
        let (planned, review) = liquidity::preview_liquidity(&client, &network, &request)
            .await
            .map_err(preview_error)?;
        // The deposit form read the tokens already; the others read them now.
        let meta = match meta {
            Some(meta) => meta,
            None => self.token_meta(&client, &network, &pool.tokens).await?,
        };
        let symbol = |t: &Address| meta.get(t).map_or_else(|| t.to_string(), |m| m.0.clone());
        let pool_name = format!(
            "{} {}",
            pool.describe(),
            pool.tokens.iter().map(symbol).collect::<Vec<_>>().join("/")
        );
        let range = planned.range.and_then(|(lower, upper)| range_view(&pool, lower, upper, &meta));
        let summary = LiquiditySummary {
            kind: form.action,
            pool: pool_name,
            amounts: pool
                .tokens
                .iter()
                .zip(&planned.amounts)
                .map(|(t, a)| (symbol(t), whole(*a, meta.get(t).map_or(18, |m| m.1))))
                .collect(),
            range,
            percent,
        };
        // What went in, as the simulation says, is what the comparison with holding starts from.
        let remember = match remember.change {
            BaselineChange::Deposit(_) => {
                let weth = network.protocols.weth;
                let deposited = pool
                    .tokens
                    .iter()
                    .map(|&t| {
                        let paid = |asset| review.simulation.change(address, asset);
                        let mut spent =
                            -paid(if t.is_zero() { AssetId::Native } else { AssetId::Token(t) });
                        if native && t == weth {
                            spent += -paid(AssetId::Native);
                        }
                        (t, if spent.is_positive() { spent.unsigned_abs() } else { U256::ZERO })
                    })
                    .collect();
                let minted_by = match &pool.reference {
                    PoolRef::V3 { .. } => network
                        .protocols
                        .uniswap_v3_position_manager
                        .map(|m| (m, pool.protocol.slug())),
                    PoolRef::V4 { .. } => network
                        .protocols
                        .uniswap_v4_position_manager
                        .map(|m| (m, pool.protocol.slug())),
                    _ => None,
                };
                Some(Remember {
                    key: remember.key,
                    minted_by,
                    change: BaselineChange::Deposit(deposited),
                })
            }
            BaselineChange::Withdraw(0) => None,
            BaselineChange::Withdraw(_) => Some(remember),
        };
        let (money, _) = self.money(&client, &network).await;
        let action = Action::Liquidity(Box::new(summary));
        Ok(self.plan_preview_then(action, &network, &account, address, review, money, remember))
    }

    /// Writes down what a mined liquidity plan changed of a position's baseline.
    pub(super) fn remember_liquidity(
        &self,
        network: &str,
        account: &str,
        after: Remember,
        receipts: &[TransactionReceipt],
    ) {
        let key = after.key.or_else(|| {
            let (manager, prefix) = after.minted_by.as_ref()?;
            minted_id(receipts, *manager, account).map(|id| format!("{prefix}/{id}"))
        });
        let Some(key) = key else {
            tracing::warn!("a liquidity position was changed but its id is not in the receipts");
            return;
        };
        let done = match after.change {
            BaselineChange::Deposit(amounts) => {
                self.db.liquidity_deposited(network, account, &key, &amounts)
            }
            BaselineChange::Withdraw(bps) => {
                self.db.liquidity_withdrawn(network, account, &key, bps)
            }
        };
        if let Err(e) = done {
            tracing::warn!("cannot write down the deposit of {key}: {e}");
        }
    }
}

/// The id of the position NFT `manager` minted to `account` in `receipts`: its ERC-721
/// Transfer from the zero address.
fn minted_id(receipts: &[TransactionReceipt], manager: Address, account: &str) -> Option<U256> {
    let to: Address = account.parse().ok()?;
    receipts.iter().flat_map(|r| r.inner.logs()).find_map(|log| {
        let topics = log.topics();
        let transfer = <vigil_defi_adapters::abi::IV4PositionManager::Transfer as alloy::sol_types::SolEvent>::SIGNATURE_HASH;
        (log.address() == manager
            && topics.len() == 4
            && topics[0] == transfer
            && topics[1].is_zero()
            && Address::from_word(topics[2]) == to)
            .then(|| U256::from_be_bytes(topics[3].0))
    })
}

fn network_error_text(e: &liquidity::LiquidityError) -> vigil_api::CommandError {
    match e {
        liquidity::LiquidityError::Invalid(m) => invalid(m),
        other => super::err(vigil_api::ErrorKind::Network, other),
    }
}

/// A range in the pool's shown unit.
fn range_view(pool: &Pool, lower: i32, upper: i32, meta: &TokenMeta) -> Option<RangeView> {
    let unit = PriceUnit::of(pool, meta)?;
    let (lo, hi) = unit.range(lower, upper);
    let spacing = pool.tick_spacing().unwrap_or(1);
    let tick = pool.tick.unwrap_or_default();
    Some(RangeView {
        lower: price_text(lo),
        upper: price_text(hi),
        current: pool.raw_price().map(|raw| price_text(unit.shown(raw))).unwrap_or_default(),
        unit: unit.unit,
        in_range: lower <= tick && tick < upper,
        full: lower <= liquidity::math::min_usable_tick(spacing)
            && upper >= liquidity::math::max_usable_tick(spacing),
    })
}

/// A position as the liquidity screen shows it.
fn position_view(
    p: &Position,
    meta: &TokenMeta,
    prices: &BTreeMap<Address, f64>,
    baseline: Option<&crate::db::Baseline>,
    money: &dyn Fn(f64) -> f64,
) -> LiquidityPositionView {
    let decimals = |t: Address| meta.get(&t).map_or(18, |m| m.1);
    let symbol = |t: &Address| meta.get(t).map_or_else(|| t.to_string(), |m| m.0.clone());
    let tokens = p
        .pool
        .tokens
        .iter()
        .enumerate()
        .map(|(i, t)| PositionTokenView {
            symbol: symbol(t),
            amount: whole(p.amounts.get(i).copied().unwrap_or_default(), decimals(*t)),
            fees: p.fees.get(i).map(|f| whole(*f, decimals(*t))),
        })
        .collect();
    let principal = liquidity::value_of(&p.pool.tokens, &p.amounts, prices, &decimals);
    let fees = if p.fees.is_empty() {
        Some(0.0)
    } else {
        liquidity::value_of(&p.pool.tokens, &p.fees, prices, &decimals)
    };
    let value = principal.zip(fees).map(|(a, b)| a + b);
    let held = baseline.and_then(|b| {
        let tokens: Vec<Address> = b.amounts.keys().copied().collect();
        let amounts: Vec<U256> = b.amounts.values().copied().collect();
        liquidity::value_of(&tokens, &amounts, prices, &decimals)
    });
    let vs_hold = value.zip(held).map(|(v, h)| v - h);
    LiquidityPositionView {
        key: p.key(),
        account: p.owner.to_checksum(None),
        protocol: p.pool.protocol.name().to_owned(),
        pool: format!(
            "{} {}",
            p.pool.describe(),
            p.pool.tokens.iter().map(symbol).collect::<Vec<_>>().join("/")
        ),
        tokens,
        value: value.map(money),
        fees_value: fees.filter(|_| !p.fees.is_empty()).map(money),
        range: p.range.and_then(|(lower, upper)| range_view(&p.pool, lower, upper, meta)),
        share_percent: p.pool_share().map(|s| s * 100.0),
        vs_hold: vs_hold.map(money),
        vs_hold_percent: vs_hold.zip(held).filter(|(_, h)| *h > 0.0).map(|(d, h)| d / h * 100.0),
        can_collect: p.pool.protocol.has_range(),
    }
}
