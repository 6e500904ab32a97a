//! Swaps: the live quote as the user types, and the simulated preview that confirm signs.

use alloy::primitives::Address;
use vigil_api::{Preview, SwapForm, SwapQuote, group_thousands};
use vigil_defi_adapters::{ChainClient, Network, preview};
use vigil_signer::Keychain;

use super::{AppResult, AppService, Described, action_error, preview_error};
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
        let q = match preview::wrap_of(&network, &request) {
            Some(wrap) => preview::quote_wrap(&network, &request, wrap),
            None => {
                preview::quote_swap(&client, &network, &request).await.map_err(preview_error)?
            }
        };
        Ok(SwapQuote {
            receive: format!("{} {}", group_thousands(&q.amount_out), q.symbol_out),
            rate: format!("1 {} = {} {}", q.symbol_in, group_thousands(&q.rate), q.symbol_out),
            route: q.venue,
            runner_up: q.runner_up,
            min_receive: format!("{} {}", group_thousands(&q.min_out), q.symbol_out),
            price_impact: q.price_impact_bps.map(|bps| format!("{:.2}%", f64::from(bps) / 100.0)),
            shortfall: q.shortfall,
        })
    }

    /// Quotes, simulates and previews a swap on the form's network, for the form's account.
    pub async fn preview_swap(&self, form: &SwapForm) -> AppResult<Preview> {
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
            let described = Described {
                title: review.plan.steps.first().map(|s| s.label.clone()).unwrap_or_default(),
                details: vec![("Route".into(), q.venue)],
                health_factor: None,
            };
            return Ok(self.plan_preview(described, &network, &account, address, review, &money));
        }
        let p = preview::preview_swap(&client, &network, &request).await.map_err(preview_error)?;
        let mut details = vec![("Route".to_owned(), p.route.clone())];
        if let Some(r) = &p.runner_up {
            details.push(("Runner-up".into(), r.clone()));
        }
        details.push(("You receive at least".into(), group_thousands(&p.min_out)));
        details.push(("Slippage tolerance".into(), format!("{slippage}%")));
        if let Some(bps) = p.quote.price_impact_bps {
            details.push(("Price impact".into(), format!("{:.2}%", f64::from(bps) / 100.0)));
        }
        let title = format!(
            "Swap {} {} for {}",
            group_thousands(form.amount.trim()),
            form.from.trim(),
            form.to.trim()
        );
        let described = Described { title, details, health_factor: None };
        Ok(self.plan_preview(described, &network, &account, address, p.review, &money))
    }
}
