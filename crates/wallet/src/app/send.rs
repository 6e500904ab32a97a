//! Transfers, and the tokens the forms offer: a network's tokens with an account's balances,
//! and pasted token addresses checked on chain and remembered for that network.

use vigil_api::{AddTokenRequest, SendForm, TokenView, TokensRequest};
use vigil_defi_adapters::preview;
use vigil_signer::Keychain;

use super::{
    Action, ActionPreview, AppResult, AppService, action_error, network_error, preview_error,
};
use crate::{actions, portfolio};

impl<K: Keychain + 'static> AppService<K> {
    /// Simulates and previews a transfer on the form's network, from the form's account.
    pub async fn preview_send(&self, form: &SendForm) -> AppResult<ActionPreview> {
        let (address, account) = self.acting_evm(form.account.as_deref())?;
        let (network, client) = self.evm(&form.network).await?;
        let (request, symbol) = actions::transfer_request(
            &client,
            &network,
            address,
            &form.to,
            &form.asset,
            &form.amount,
        )
        .await
        .map_err(action_error)?;
        let review =
            preview::preview_transfer(&client, &network, &request).await.map_err(preview_error)?;
        let action = Action::Send { amount: form.amount.trim().to_owned(), symbol, to: request.to };
        let (money, _) = self.money(&client, &network).await;
        Ok(self.plan_preview(action, &network, &account, address, review, money))
    }

    /// The native coin and the network's tokens (built-in and remembered), with what the
    /// account holds of each, read in one batched call.
    pub async fn tokens(&self, request: &TokensRequest) -> AppResult<Vec<TokenView>> {
        let (address, _) = self.evm_account_for(request.account.as_deref())?;
        let (network, client) = self.evm(&request.network).await?;
        let rows =
            portfolio::balances(&client, &network, &[address]).await.map_err(network_error)?;
        let holdings = rows.into_iter().next().map(|r| r.holdings).unwrap_or_default();
        Ok(holdings
            .into_iter()
            .map(|h| TokenView {
                symbol: h.symbol,
                address: h.token.map(|t| t.to_checksum(None)),
                decimals: h.decimals,
                balance: Some(h.amount),
            })
            .collect())
    }

    /// Checks the token at a pasted address on the network (it has code, a symbol and
    /// decimals) and remembers it there, so the pickers offer it from now on.
    pub async fn add_token(&self, request: &AddTokenRequest) -> AppResult<TokenView> {
        let (network, client) = self.evm(&request.network).await?;
        let token = actions::check_token(&client, &network, &request.address)
            .await
            .map_err(action_error)?;
        let view = TokenView {
            symbol: token.symbol.clone(),
            address: Some(token.address.to_checksum(None)),
            decimals: token.decimals,
            balance: None,
        };
        if network.tokens.iter().any(|t| t.address == token.address) {
            return Ok(view);
        }
        self.config_changed(self.wallet.update_config(|config| {
            config.tokens.push(crate::config::RememberedToken {
                network: network.name.clone(),
                symbol: token.symbol.clone(),
                address: token.address,
                decimals: token.decimals,
            });
            Ok::<_, vigil_api::CommandError>(())
        }))?;
        Ok(view)
    }
}
