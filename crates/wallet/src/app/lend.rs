//! Lending on Aave V3: the market, and previews of supply, withdraw, borrow and repay with the
//! health factor before and after.

use vigil_api::{LendForm, MarketRow, NetworkRequest, ProtectForm};
use vigil_defi_adapters::aave::{self, LendAction};
use vigil_signer::Keychain;

use super::{
    Action, ActionPreview, AppResult, AppService, LendSummary, ProtectSummary, action_error,
    invalid, network_error,
};
use crate::actions;

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
    pub async fn preview_lend(&self, form: &LendForm) -> AppResult<ActionPreview> {
        let action = lend_action(form.action);
        let (address, account) = self.acting_evm(form.account.as_deref())?;
        let (network, client) = self.evm(&form.network).await?;
        let market = aave::fetch_market(&client, &network).await.map_err(network_error)?;
        let request =
            actions::lend_request(&market, address, action, &form.asset, Some(&form.amount))
                .map_err(action_error)?;
        let p = aave::preview(&client, &network, &market, &request).await.map_err(invalid)?;
        let (money, _) = self.money(&client, &network).await;
        let summary = LendSummary {
            action,
            amount: p.amount,
            symbol: p.symbol,
            health_factor: (p.health_factor_before, p.health_factor_after),
            supplied: p.supplied,
            debt: p.debt,
            liquidation_prices: p.liquidation_prices,
        };
        let action = Action::Lend(Box::new(summary));
        Ok(self.plan_preview(action, &network, &account, address, p.review, money))
    }

    /// Previews "Reduce risk": the plan that brings the account's Aave position back to a
    /// target health factor (1.6 unless the form says), every step with the health factor
    /// after it.
    pub async fn preview_protect(&self, form: &ProtectForm) -> AppResult<ActionPreview> {
        let (address, account) = self.acting_evm(form.account.as_deref())?;
        let (network, client) = self.evm(&form.network).await?;
        let market = aave::fetch_market(&client, &network).await.map_err(network_error)?;
        let request = aave::ProtectRequest {
            account: address,
            target: form.target.unwrap_or(aave::DEFAULT_PROTECT_TARGET),
            slippage_bps: vigil_defi_adapters::swap::DEFAULT_SLIPPAGE_BPS,
        };
        let p =
            aave::preview_protect(&client, &network, &market, &request).await.map_err(invalid)?;
        let (money, _) = self.money(&client, &network).await;
        let summary = ProtectSummary {
            path: p.path,
            target: p.target,
            health_factor: (p.health_factor_before, p.health_factor_after),
            steps: p.steps,
        };
        let action = Action::Protect(Box::new(summary));
        Ok(self.plan_preview(action, &network, &account, address, p.review, money))
    }
}
