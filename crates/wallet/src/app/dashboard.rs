//! The dashboard: what every visible account holds on the chosen network and cluster, and its
//! lending positions, valued in the user's currency.

use alloy::primitives::Address;
use vigil_api::{
    AccountBalances, Dashboard, DashboardRequest, HealthPointView, HoldingView, Money,
    PositionAssetView, PositionView,
};
use vigil_defi_adapters::{
    ChainClient, Network,
    aave::{self, AccountState, Market},
    multicall,
    solana::fetch_balances,
};
use vigil_notifier::{AlertStore, rules};
use vigil_signer::{Chain, Keychain};

use super::{
    AppResult, AppService,
    accounts::account_view,
    internal, invalid, level_view, network_error,
    readings::{Answers, Layout},
};
use crate::{
    AccountConfig, Config,
    portfolio::{self, AccountHoldings, BalanceQuery},
};

/// Points of health-factor history per position on the dashboard.
const HISTORY_POINTS: usize = 240;

/// What the dashboard shows of one EVM network, in USD.
struct EvmReads {
    /// The user's currency there (with the reason when it has no rate for it).
    money: (Money, Option<String>),
    table: Vec<AccountHoldings>,
    market: Option<Market>,
    states: Vec<AccountState>,
}

/// [`EvmReads`] from the watcher's answers for `layout`.
async fn decode_reads(
    client: &ChainClient,
    network: &Network,
    layout: &Layout,
    answers: &Answers,
) -> Result<EvmReads, aave::LendError> {
    let query = &layout.query;
    let table = multicall::decode_balances(&answers.balances, query.assets().len());
    let (market, states) = match (&layout.market, answers.positions.first()) {
        (Some(market), Some(own)) => (
            Some(aave::refreshed_market(market, own)?),
            aave::decode_accounts(client, network, market, &layout.accounts, &answers.positions)
                .await?,
        ),
        _ => (None, vec![]),
    };
    Ok(EvmReads {
        money: layout.money.clone(),
        table: query.holdings(&layout.accounts, table),
        market,
        states,
    })
}

/// Every value of a dashboard read in USD, in `money`'s currency.
pub(crate) fn convert(money: &Money, d: &mut Dashboard) {
    d.currency.clone_from(&money.currency);
    for b in &mut d.balances {
        b.value = b.value.map(|v| money.of(v));
        for h in &mut b.holdings {
            h.value = h.value.map(|v| money.of(v));
        }
    }
    for p in &mut d.positions {
        (p.collateral, p.debt, p.available) =
            (money.of(p.collateral), money.of(p.debt), money.of(p.available));
        for a in &mut p.assets {
            a.price = money.of(a.price);
            a.liquidation_price = a.liquidation_price.map(|v| money.of(v));
        }
    }
}

impl<K: Keychain + 'static> AppService<K> {
    /// Balances of every visible account on `request.network` and `request.solana_network`,
    /// and every lending position there, with values in the user's currency (USD, with the
    /// reason among the errors, when the network has no rate for it).
    pub async fn dashboard(&self, request: &DashboardRequest) -> AppResult<Dashboard> {
        // Not activity: the window reloads it on every block, also unattended in the tray.
        let config = self.config()?;
        let mut out = Dashboard {
            currency: "USD".into(),
            total_value: None,
            balances: vec![],
            positions: vec![],
            errors: vec![],
        };
        let visible = |chain| -> Vec<&AccountConfig> {
            config.accounts.iter().filter(|a| a.chain == chain && !a.hidden).collect()
        };
        let evm = visible(Chain::Ethereum);
        let mut money = None;
        if !evm.is_empty() {
            let name = request.network.as_str();
            match self.evm_dashboard(&config, name, &evm, &mut out).await {
                Ok(m) => money = Some(m),
                Err(e) => {
                    for a in &evm {
                        out.balances.push(AccountBalances {
                            account: account_view(a),
                            network: name.to_owned(),
                            holdings: vec![],
                            value: None,
                            error: Some(e.message.clone()),
                        });
                    }
                    out.errors.push(e.message);
                }
            }
        }
        let sol = visible(Chain::Solana);
        if !sol.is_empty() {
            self.solana_dashboard(&request.solana_network, &sol, &mut out).await;
        }
        match money {
            Some((m, None)) => convert(&m, &mut out),
            Some((_, Some(problem))) => out.errors.push(problem),
            None => {}
        }
        let values: Vec<f64> = out
            .balances
            .iter()
            .filter_map(|b| b.value)
            .chain(out.positions.iter().map(|p| p.collateral - p.debt))
            .collect();
        out.total_value = (!values.is_empty()).then(|| values.iter().sum());
        Ok(out)
    }

    /// One EVM network's balances and positions, in USD; returns the user's currency there
    /// (with the reason when it has no rate for it).
    async fn evm_dashboard(
        &self,
        config: &Config,
        name: &str,
        accounts: &[&AccountConfig],
        out: &mut Dashboard,
    ) -> AppResult<(Money, Option<String>)> {
        let thresholds = config.alerts.thresholds().map_err(invalid)?;
        let per_account = config.alerts.per_account().map_err(invalid)?;
        let (network, client) = self.evm(name).await?;
        let addresses: Vec<Address> =
            accounts.iter().filter_map(|a| a.address.parse().ok()).collect();
        let EvmReads { money, table, market, mut states } =
            self.evm_reads(name, &network, &client, &addresses).await?;
        // The chance of liquidation needs each feed's volatility: read when a feed posts a
        // round, and only a missing figure if it cannot be.
        if let Some(first) = states.first() {
            match self.volatility.volatilities(&client, &network, &first.market).await {
                Ok(v) => states.iter_mut().for_each(|s| s.volatility = v.clone()),
                Err(e) => tracing::warn!("cannot read the feeds' history on {name}: {e}"),
            }
        }
        let price = |token: Option<Address>| -> Option<f64> {
            let token = token.unwrap_or(network.protocols.weth);
            market.as_ref()?.reserves.iter().find(|r| r.asset == token).map(|r| r.price_usd)
        };
        for (account, row) in accounts.iter().zip(&table) {
            let holdings: Vec<HoldingView> = row
                .holdings
                .iter()
                .map(|h| HoldingView {
                    symbol: h.symbol.clone(),
                    amount: h.amount.clone(),
                    value: price(h.token).and_then(|p| h.amount.parse::<f64>().ok().map(|a| a * p)),
                })
                .collect();
            let priced: Vec<f64> = holdings.iter().filter_map(|h| h.value).collect();
            out.balances.push(AccountBalances {
                account: account_view(account),
                network: network.name.clone(),
                value: (!priced.is_empty()).then(|| priced.iter().sum()),
                holdings,
                error: None,
            });
        }
        for state in states {
            let p = state.position();
            if p.total_collateral_usd <= 0.0 && p.total_debt_usd <= 0.0 {
                continue;
            }
            // The same key, thresholds and alert state as the watcher's, so the dashboard's
            // level is the one the alerts report.
            let key = format!("{}/aave/{:#x}", network.name, p.account);
            let observation = rules::Observation::Lending {
                health_factor: p.health_factor,
                distance: p.distance_to_liquidation,
                probability: p.liquidation_probability_24h,
            };
            let account_thresholds =
                per_account.iter().find(|(a, _)| *a == p.account).map_or(thresholds, |(_, t)| *t);
            let state = self.db.load(&key).map_err(internal)?;
            let level = rules::current_level(&account_thresholds, &state, &observation);
            let history = self
                .db
                .health_history(&key, HISTORY_POINTS)
                .map_err(internal)?
                .into_iter()
                .map(|h| HealthPointView {
                    block: h.block,
                    at: h.at,
                    health_factor: h.health_factor,
                })
                .collect();
            out.positions.push(PositionView {
                key,
                protocol: "Aave V3".into(),
                network: network.name.clone(),
                account: p.account.to_checksum(None),
                health_factor: p.health_factor,
                level: level_view(level),
                collateral: p.total_collateral_usd,
                debt: p.total_debt_usd,
                available: p.available_borrows_usd,
                distance_to_liquidation: p.distance_to_liquidation,
                unmodelled: p.unmodelled.clone(),
                liquidation_probability: p.liquidation_probability_24h,
                stale_feeds: p
                    .feeds
                    .iter()
                    .filter(|f| f.stale)
                    .map(|f| {
                        format!(
                            "{} is priced by a feed that {} (it posts at least every {})",
                            f.symbol,
                            f.describe_age(),
                            aave::duration(f.heartbeat_secs)
                        )
                    })
                    .collect(),
                rules: p.rules.clone(),
                assets: p
                    .assets
                    .iter()
                    .map(|a| PositionAssetView {
                        symbol: a.symbol.clone(),
                        supplied: a.supplied.clone(),
                        debt: a.debt.clone(),
                        collateral: a.collateral,
                        price: a.price_usd,
                        liquidation_price: a.liquidation_price_usd,
                        liquidates_on_rise: a.liquidates_on
                            == Some(vigil_defi_adapters::aave::PriceMove::Rise),
                    })
                    .collect(),
                history,
            });
        }
        Ok(money)
    }

    /// The balances, market and positions of `addresses` on `network`: the watcher's reads of
    /// the latest block when it took them for the dashboard (no request), else the chain's,
    /// and from then on the watcher reads them with its own.
    async fn evm_reads(
        &self,
        name: &str,
        network: &Network,
        client: &ChainClient,
        addresses: &[Address],
    ) -> AppResult<EvmReads> {
        let query = BalanceQuery::of(network);
        if let Some((layout, answers)) = self.dashboard_reads.fresh(name, addresses, &query) {
            match decode_reads(client, network, &layout, &answers).await {
                Ok(reads) => return Ok(reads),
                Err(e) => tracing::warn!("the watcher's reads on {name} do not decode: {e}"),
            }
        }
        let money = self.money(client, network).await;
        let table = portfolio::balances(client, network, addresses).await.map_err(network_error)?;
        // Prices and positions come from the Aave market where there is one.
        let market = match network.protocols.aave_v3_pool {
            Some(_) => aave::fetch_market(client, network).await.ok(),
            None => None,
        };
        let states = match &market {
            Some(market) => aave::fetch_accounts(
                client,
                network,
                market,
                addresses,
                alloy::eips::BlockId::latest(),
            )
            .await
            .map_err(network_error)?,
            None => vec![],
        };
        let layout = Layout {
            accounts: addresses.to_vec(),
            query,
            market: market.clone(),
            money: money.clone(),
        };
        self.dashboard_reads.want(name, network.protocols.multicall3, layout);
        Ok(EvmReads { money, table, market, states })
    }

    async fn solana_dashboard(&self, name: &str, accounts: &[&AccountConfig], out: &mut Dashboard) {
        let client = self.solana_client(name).await;
        for account in accounts {
            let read = async {
                let client = client.as_ref().map_err(|e| e.message.clone())?;
                let owner = account
                    .address
                    .parse()
                    .map_err(|_| format!("{} is not a Solana address", account.address))?;
                fetch_balances(client, &owner, &client.network().tokens)
                    .await
                    .map_err(|e| e.to_string())
            };
            let (holdings, error) = match read.await {
                Ok(b) => {
                    let mut h =
                        vec![HoldingView { symbol: "SOL".into(), amount: b.sol, value: None }];
                    h.extend(b.tokens.into_iter().map(|t| HoldingView {
                        symbol: t.symbol.unwrap_or(t.mint),
                        amount: t.amount,
                        value: None,
                    }));
                    (h, None)
                }
                Err(e) => (vec![], Some(e)),
            };
            out.balances.push(AccountBalances {
                account: account_view(account),
                network: format!("solana {name}"),
                holdings,
                value: None,
                error,
            });
        }
        if let Err(e) = client {
            out.errors.push(e.message);
        }
    }
}
