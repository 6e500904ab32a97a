//! Lending on Aave V3: the market, and previews of supply, withdraw, borrow and repay with the
//! health factor before and after.

use vigil_api::{LendForm, MarketRow, NetworkRequest, Preview, group_thousands};
use vigil_defi_adapters::aave::{self, LendAction};
use vigil_signer::Keychain;

use super::{AppResult, AppService, Described, action_error, invalid, network_error};
use crate::actions;

fn hf_text(hf: Option<f64>) -> String {
    hf.map_or_else(|| "∞ (no debt)".to_owned(), |h| format!("{h:.2}"))
}

/// The adapters' action for the API's.
fn lend_action(action: vigil_api::LendAction) -> LendAction {
    match action {
        vigil_api::LendAction::Supply => LendAction::Supply,
        vigil_api::LendAction::Withdraw => LendAction::Withdraw,
        vigil_api::LendAction::Borrow => LendAction::Borrow,
        vigil_api::LendAction::Repay => LendAction::Repay,
    }
}

impl<K: Keychain + 'static> AppService<K> {
    /// The Aave market of `request.network`, priced in the user's currency.
    pub async fn markets(&self, request: &NetworkRequest) -> AppResult<Vec<MarketRow>> {
        let (network, client) = self.evm(&request.network).await?;
        if network.protocols.aave_v3_pool.is_none() {
            return Err(invalid(format!(
                "{} has no Aave V3 market in Vigil: add its addresses to the network in the config",
                network.name
            )));
        }
        let market = aave::fetch_market(&client, &network).await.map_err(network_error)?;
        let (money, _) = self.money(&client, &network).await;
        Ok(market
            .reserves
            .iter()
            .map(|r| MarketRow {
                symbol: r.symbol.clone(),
                supply_apy: r.supply_apy,
                borrow_apy: r.borrow_apy,
                price: money.of(r.price_usd),
                currency: money.currency.clone(),
                collateral: r.can_be_collateral(),
                borrowable: r.config.borrowing_enabled,
            })
            .collect())
    }

    /// Previews a lending action, with the health factor before and after.
    pub async fn preview_lend(&self, form: &LendForm) -> AppResult<Preview> {
        let action = lend_action(form.action);
        let (address, account) = self.acting_evm(form.account.as_deref())?;
        let (network, client) = self.evm(&form.network).await?;
        let market = aave::fetch_market(&client, &network).await.map_err(network_error)?;
        let request =
            actions::lend_request(&market, address, action, &form.asset, Some(&form.amount))
                .map_err(action_error)?;
        let p = aave::preview(&client, &network, &market, &request).await.map_err(invalid)?;
        let mut details = vec![(
            "Health factor".to_owned(),
            format!("{} → {}", hf_text(p.health_factor_before), hf_text(p.health_factor_after)),
        )];
        for (what, (before, after)) in [("Supplied", &p.supplied), ("Owed", &p.debt)] {
            if before != "0" || after != "0" {
                details.push((
                    what.to_owned(),
                    format!(
                        "{} → {} {}",
                        group_thousands(before),
                        group_thousands(after),
                        p.symbol
                    ),
                ));
            }
        }
        let (money, _) = self.money(&client, &network).await;
        for l in &p.liquidation_prices {
            let show = |v: Option<f64>| v.map_or("none".to_owned(), |v| money.show(v));
            details.push((
                format!("{} liquidation price", l.symbol),
                format!("{} → {} (now {})", show(l.before), show(l.after), money.show(l.price_usd)),
            ));
        }
        let verb = match action {
            LendAction::Supply => "Supply",
            LendAction::Withdraw => "Withdraw",
            LendAction::Borrow => "Borrow",
            LendAction::Repay => "Repay",
            LendAction::Collateral { .. } => "Collateral",
        };
        let title = format!("{verb} {} {} on Aave", group_thousands(&p.amount), p.symbol);
        let health_factor = Some((p.health_factor_before, p.health_factor_after));
        let described = Described { title, details, health_factor };
        Ok(self.plan_preview(described, &network, &account, address, p.review, &money))
    }
}
