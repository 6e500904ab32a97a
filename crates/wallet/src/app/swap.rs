//! Swaps: the live quote as the user types, and the simulated preview that confirm signs.

use alloy::primitives::Address;
use vigil_api::SwapForm;
use vigil_defi_adapters::{
    ChainClient, Network,
    preview::{self, SwapQuote},
};
use vigil_signer::Keychain;

use super::{
    Action, ActionPreview, AppResult, AppService, SwapSummary, action_error, preview_error,
};
use crate::actions;

impl<K: Keychain + 'static> AppService<K> {
    /// The adapters' request for a swap form, and the slippage it uses (the form's, or the
    /// preference).
    async fn swap_request(
        &self,
        client: &ChainClient,
        network: &Network,
        address: Address,
        form: &SwapForm,
    ) -> AppResult<(preview::SwapRequest, f64)> {
        let slippage = match form.slippage_percent {
            Some(s) => s,
            None => self.config()?.preferences.slippage_percent,
        };
        let parsed = actions::SwapForm {
            from: form.from.clone(),
            to: form.to.clone(),
            amount: form.amount.clone(),
            exact_out: false,
            slippage_percent: slippage,
            unlimited_approval: false,
        };
        let request =
            actions::swap_request(client, network, address, &parsed).await.map_err(action_error)?;
        Ok((request, slippage))
    }

    /// Quotes a swap as the user types: the best route, what it gives and the rate, from one
    /// Multicall3 batch. Nothing is simulated or kept; the preview does that.
    pub async fn quote_swap(&self, form: &SwapForm) -> AppResult<SwapQuote> {
        let (address, _) = self.evm_account_for(form.account.as_deref())?;
        let (network, client) = self.evm(&form.network).await?;
        let (request, _) = self.swap_request(&client, &network, address, form).await?;
        match preview::wrap_of(&network, &request) {
            Some(wrap) => Ok(preview::quote_wrap(&network, &request, wrap)),
            None => preview::quote_swap(&client, &network, &request).await.map_err(preview_error),
        }
    }

    /// Quotes, simulates and previews a swap on the form's network, for the form's account.
    pub async fn preview_swap(&self, form: &SwapForm) -> AppResult<ActionPreview> {
        let (address, account) = self.acting_evm(form.account.as_deref())?;
        let (network, client) = self.evm(&form.network).await?;
        let (request, slippage) = self.swap_request(&client, &network, address, form).await?;
        let (money, _) = self.money(&client, &network).await;
        if let Some(wrap) = preview::wrap_of(&network, &request) {
            // The native coin and its wrapped token convert 1:1 through the wrapping contract:
            // no pool, no slippage.
            let review = preview::preview_wrap(&client, &network, &request, wrap)
                .await
                .map_err(preview_error)?;
            let q = preview::quote_wrap(&network, &request, wrap);
            let label = review.plan.steps.first().map(|s| s.label.clone()).unwrap_or_default();
            let action = Action::Wrap { label, route: q.venue };
            return Ok(self.plan_preview(action, &network, &account, address, review, money));
        }
        let p = preview::preview_swap(&client, &network, &request).await.map_err(preview_error)?;
        let summary = SwapSummary {
            amount: form.amount.trim().to_owned(),
            from: form.from.trim().to_owned(),
            to: form.to.trim().to_owned(),
            route: p.route,
            runner_up: p.runner_up,
            min_out: p.min_out,
            slippage_percent: slippage,
            price_impact_bps: p.quote.price_impact_bps,
        };
        let action = Action::Swap(Box::new(summary));
        Ok(self.plan_preview(action, &network, &account, address, p.review, money))
    }
}
