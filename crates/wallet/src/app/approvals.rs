//! Approvals: what an account has allowed others to spend on a network (found from the
//! chain's events, resumed from where the last search stopped, confirmed against each
//! contract), valued at what they could take, and revoked through the one confirm path.

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use vigil_api::{ApprovalView, Approvals, ApprovalsRequest, RevokeForm};
use vigil_defi_adapters::{
    abi::{IERC20, IPermit2},
    approvals::{self, Grant, GrantKey, GrantKind},
    liquidity, preview,
    simulate::{Plan, Step},
};
use vigil_signer::Keychain;

use super::{Action, ActionPreview, AppResult, AppService, err, internal, invalid, network_error};

alloy::sol! {
    function setApprovalForAll(address operator, bool approved) external;
}

/// A grant's id in the forms: "erc20:0xtoken:0xspender".
fn grant_id(key: &GrantKey) -> String {
    let kind = match key.kind {
        GrantKind::Erc20 => "erc20",
        GrantKind::NftOperator => "nft",
        GrantKind::Permit2 => "permit2",
    };
    format!("{kind}:{:#x}:{:#x}", key.token, key.spender)
}

impl<K: Keychain + 'static> AppService<K> {
    /// The grants `owner` has in force on `network`, searching the blocks since the last
    /// search (kept in the database per chain) and confirming every grant ever seen.
    async fn grants_of(
        &self,
        network: &vigil_defi_adapters::Network,
        client: &vigil_defi_adapters::ChainClient,
        owner: Address,
    ) -> AppResult<(Vec<Grant>, u64)> {
        let account = owner.to_checksum(None);
        let head = client
            .request(|c| async move { c.get_block_number().await })
            .await
            .map_err(network_error)?;
        let (mut seen, next) = self
            .db
            .approval_scan(&network.name, network.chain_id, &account)
            .map_err(|e| internal(e.to_string()))?
            .unwrap_or_default();
        // A chain younger than the search (a devnet started afresh): search it again.
        let next = if next > head + 1 {
            seen.clear();
            0
        } else {
            next
        };
        let scan = approvals::scan_grants(client, network, owner, next, head)
            .await
            .map_err(network_error)?;
        for (key, block) in scan.seen {
            let latest = seen.entry(key).or_insert(block);
            *latest = (*latest).max(block);
        }
        self.db
            .save_approval_scan(&network.name, network.chain_id, &account, &seen, scan.next_block)
            .map_err(|e| internal(e.to_string()))?;
        let live =
            approvals::live_grants(client, network, owner, &seen).await.map_err(network_error)?;
        Ok((live, scan.next_block.saturating_sub(1)))
    }

    /// Every grant the account has in force on the network: the token, the spender (named
    /// when the network knows it, flagged when it does not), the amount and what it could
    /// take now in the user's currency.
    pub async fn approvals(&self, request: &ApprovalsRequest) -> AppResult<Approvals> {
        let (owner, _) = self.evm_account_for(request.account.as_deref())?;
        let (network, client) = self.evm(&request.network).await?;
        let (grants, scanned_to) = self.grants_of(&network, &client, owner).await?;
        let tokens: Vec<Address> = grants.iter().map(|g| g.key.token).collect();
        let meta = vigil_defi_adapters::multicall::token_metadata(
            &client,
            network.protocols.multicall3,
            &tokens,
        )
        .await
        .map_err(network_error)?;
        let meta: BTreeMap<Address, (String, u8)> = tokens
            .iter()
            .zip(meta)
            .map(|(t, m)| (*t, m.map_or_else(|| (t.to_string(), 0), |m| (m.symbol, m.decimals))))
            .collect();
        // What each grant could take: the lesser of the grant and the balance, priced.
        let balances = vigil_defi_adapters::multicall::balances(
            &client,
            network.protocols.multicall3,
            &tokens
                .iter()
                .map(|t| vigil_defi_adapters::multicall::Asset::Token(*t))
                .collect::<Vec<_>>(),
            &[owner],
        )
        .await
        .map_err(network_error)?;
        let prices = liquidity::usd_prices(&client, &network, &tokens).await.unwrap_or_default();
        let (money, _) = self.money(&client, &network).await;
        let views = grants
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let (symbol, decimals) = meta.get(&g.key.token).cloned().unwrap_or_default();
                let held = balances.first().and_then(|row| row.get(i)).copied().flatten();
                let at_risk = match g.key.kind {
                    GrantKind::NftOperator => None,
                    _ => held.map(|h| h.min(g.amount)),
                };
                let value = at_risk.and_then(|a| {
                    liquidity::value_of(&[g.key.token], &[a], &prices, &|_| decimals)
                });
                let name = network.contract_name(g.key.spender);
                ApprovalView {
                    id: grant_id(&g.key),
                    kind: match g.key.kind {
                        GrantKind::Erc20 => "ERC-20 allowance",
                        GrantKind::NftOperator => "NFT operator",
                        GrantKind::Permit2 => "Permit2 allowance",
                    }
                    .into(),
                    token: symbol,
                    token_address: g.key.token.to_checksum(None),
                    spender: g.key.spender.to_checksum(None),
                    spender_unknown: name.is_none(),
                    spender_name: name,
                    amount: if g.unlimited() {
                        "unlimited".into()
                    } else {
                        let s = alloy::primitives::utils::format_units(g.amount, decimals)
                            .unwrap_or_default();
                        let s = if s.contains('.') {
                            s.trim_end_matches('0').trim_end_matches('.').to_owned()
                        } else {
                            s
                        };
                        vigil_api::group_thousands(&s)
                    },
                    value_at_risk: value.map(|v| money.of(v)),
                    block: g.block,
                }
            })
            .collect();
        Ok(Approvals {
            account: owner.to_checksum(None),
            grants: views,
            currency: money.currency,
            scanned_to,
        })
    }

    /// Previews revoking grants: one transaction each (an allowance of zero, an operator
    /// removed, a Permit2 allowance of zero), simulated as one plan and kept for confirm.
    pub async fn preview_revoke(&self, form: &RevokeForm) -> AppResult<ActionPreview> {
        if form.ids.is_empty() {
            return Err(invalid("choose at least one approval to revoke"));
        }
        let (owner, account) = self.acting_evm(form.account.as_deref())?;
        let (network, client) = self.evm(&form.network).await?;
        let (grants, _) = self.grants_of(&network, &client, owner).await?;
        let mut steps = Vec::new();
        for id in &form.ids {
            let grant = grants.iter().find(|g| grant_id(&g.key) == id.trim()).ok_or_else(|| {
                invalid(format!(
                    "no approval '{id}' is in force for {owner} on {}: list them again",
                    network.name
                ))
            })?;
            let k = grant.key;
            let (to, input, label) = match k.kind {
                GrantKind::Erc20 => (
                    k.token,
                    IERC20::approveCall { spender: k.spender, amount: U256::ZERO }.abi_encode(),
                    format!("Revoke the allowance of {} for {}", k.token, k.spender),
                ),
                GrantKind::NftOperator => (
                    k.token,
                    setApprovalForAllCall { operator: k.spender, approved: false }.abi_encode(),
                    format!("Remove {} as operator of {}", k.spender, k.token),
                ),
                GrantKind::Permit2 => (
                    network
                        .protocols
                        .permit2
                        .ok_or_else(|| invalid("this network has no Permit2"))?,
                    IPermit2::approveCall {
                        token: k.token,
                        spender: k.spender,
                        amount: alloy::primitives::aliases::U160::ZERO,
                        expiration: alloy::primitives::aliases::U48::ZERO,
                    }
                    .abi_encode(),
                    format!("Revoke the Permit2 allowance of {} for {}", k.token, k.spender),
                ),
            };
            let request = TransactionRequest::default().from(owner).to(to).input(input.into());
            steps.push(Step::new(label, request));
        }
        let n = steps.len();
        let plan = Plan { from: owner, steps };
        let review = preview::review_call(&client, &network, plan, Vec::new(), &|a| {
            preview::listed_label(&network, a)
        })
        .await
        .map_err(|e| err(vigil_api::ErrorKind::Network, e))?;
        let (money, _) = self.money(&client, &network).await;
        let title =
            if n == 1 { "Revoke 1 approval".to_owned() } else { format!("Revoke {n} approvals") };
        Ok(self.plan_preview(Action::Plan { title }, &network, &account, owner, review, money))
    }
}
