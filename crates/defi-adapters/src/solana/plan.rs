//! Solana plans: the instructions for an action, simulated before anything is signed.
//!
//! A plan is unsigned. [`simulate`] runs it against the node (`simulateTransaction`, with
//! signature checks off and the latest blockhash) and turns the node's balances before and
//! after into what the user will see: SOL and token changes for each of the wallet's
//! accounts, the fee, rent set aside for new accounts, and the program error and logs when it
//! would fail.

use std::collections::BTreeMap;

use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_message::Message;
use solana_pubkey::Pubkey;
use solana_rpc_client_api::config::RpcSimulateTransactionConfig;
use solana_transaction::Transaction;
use solana_transaction_status_client_types::option_serializer::OptionSerializer;

use super::{SolanaClient, SolanaError};
use crate::preview::whole;

/// What to sign: instructions paid for by `payer`.
#[derive(Debug, Clone, PartialEq)]
pub struct SolPlan {
    /// Pays the fee and signs.
    pub payer: Pubkey,
    /// The instructions, in order.
    pub instructions: Vec<Instruction>,
    /// One line for the user ("Send 1.5 SOL to …").
    pub summary: String,
    /// Things the user should know before signing (an off-curve recipient, a new account).
    pub warnings: Vec<String>,
}

impl SolPlan {
    /// The message to sign, with `blockhash`.
    pub fn message(&self, blockhash: Hash) -> Message {
        Message::new_with_blockhash(&self.instructions, Some(&self.payer), &blockhash)
    }
}

/// One balance the plan changes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SolChange {
    /// Whose balance.
    pub owner: String,
    /// `SOL`, or the token's symbol (or its mint when unknown).
    pub asset: String,
    /// The mint, for tokens.
    pub mint: Option<String>,
    /// The change in the smallest unit.
    pub raw: i128,
    /// The change in whole units, signed ("-1.5", "+10").
    pub amount: String,
}

/// What a plan would do.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SolReview {
    /// The plan's summary.
    pub summary: String,
    /// Balance changes of `payer` and the other accounts the plan touches, fee included.
    pub changes: Vec<SolChange>,
    /// The fee in lamports.
    pub fee: u64,
    /// The fee in SOL.
    pub fee_sol: String,
    /// Lamports set aside as rent for accounts the plan creates (recoverable when closed).
    pub rent: u64,
    /// The rent in SOL.
    pub rent_sol: String,
    /// Warnings to show before signing.
    pub warnings: Vec<String>,
    /// Why it would fail, if it would.
    pub error: Option<String>,
    /// The programs' logs.
    pub logs: Vec<String>,
    /// Compute units used.
    pub units: Option<u64>,
}

/// Simulates `plan` at the node's latest blockhash. `symbols` names known mints.
pub async fn simulate(
    client: &SolanaClient,
    plan: &SolPlan,
    symbols: &[(String, String)],
) -> Result<SolReview, SolanaError> {
    let message = plan.message(Hash::default());
    let keys = message.account_keys.clone();
    let tx = Transaction::new_unsigned(message);
    let config = RpcSimulateTransactionConfig {
        sig_verify: false,
        replace_recent_blockhash: true,
        commitment: Some(CommitmentConfig::confirmed()),
        ..Default::default()
    };
    let result = client
        .request(|c| {
            let (tx, config) = (tx.clone(), config.clone());
            async move { c.simulate_transaction_with_config(&tx, config).await }
        })
        .await?
        .value;
    let fee = match result.fee {
        Some(fee) => fee,
        None => {
            let message = plan.message(Hash::default());
            client
                .request(|c| {
                    let m = message.clone();
                    async move { c.get_fee_for_message(&m).await }
                })
                .await?
        }
    };
    let mut changes = Vec::new();
    let mut rent = 0;
    if let (Some(pre), Some(post)) = (&result.pre_balances, &result.post_balances) {
        for (i, key) in keys.iter().enumerate() {
            let (Some(&before), Some(&after)) = (pre.get(i), post.get(i)) else { continue };
            let token_account = is_token_account(&result, i);
            if before == 0 && after > 0 && token_account {
                // A new token account: its lamports are rent, paid by the payer.
                rent += after;
                continue;
            }
            let raw = i128::from(after) - i128::from(before);
            if raw != 0 && !token_account {
                changes.push(change(key.to_string(), "SOL".into(), None, raw, 9));
            }
        }
    }
    // Token balances by (owner, mint): before and after.
    let mut tokens: BTreeMap<(String, String), (i128, i128, u8)> = BTreeMap::new();
    for (balances, after) in
        [(&result.pre_token_balances, false), (&result.post_token_balances, true)]
    {
        for b in balances.iter().flatten() {
            let owner = match &b.owner {
                OptionSerializer::Some(o) => o.clone(),
                _ => keys
                    .get(usize::from(b.account_index))
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            };
            let raw: i128 = b.ui_token_amount.amount.parse().unwrap_or(0);
            let entry =
                tokens.entry((owner, b.mint.clone())).or_insert((0, 0, b.ui_token_amount.decimals));
            if after { entry.1 += raw } else { entry.0 += raw }
        }
    }
    for ((owner, mint), (before, after, decimals)) in tokens {
        if after != before {
            let symbol = symbols.iter().find(|(m, _)| *m == mint).map(|(_, s)| s.clone());
            changes.push(change(
                owner,
                symbol.unwrap_or_else(|| mint.clone()),
                Some(mint),
                after - before,
                decimals,
            ));
        }
    }
    Ok(SolReview {
        summary: plan.summary.clone(),
        changes,
        fee,
        fee_sol: whole(alloy::primitives::U256::from(fee), 9),
        rent,
        rent_sol: whole(alloy::primitives::U256::from(rent), 9),
        warnings: plan.warnings.clone(),
        error: result.err.map(|e| e.to_string()),
        logs: result.logs.unwrap_or_default(),
        units: result.units_consumed,
    })
}

/// Whether account `index` is a token account (its lamports are rent, not a balance).
fn is_token_account(
    result: &solana_rpc_client_api::response::RpcSimulateTransactionResult,
    index: usize,
) -> bool {
    let token = |b: &Option<
        Vec<solana_transaction_status_client_types::UiTransactionTokenBalance>,
    >| { b.iter().flatten().any(|t| usize::from(t.account_index) == index) };
    token(&result.pre_token_balances) || token(&result.post_token_balances)
}

fn change(
    owner: String,
    asset: String,
    mint: Option<String>,
    raw: i128,
    decimals: u8,
) -> SolChange {
    let magnitude = whole(alloy::primitives::U256::from(raw.unsigned_abs()), decimals);
    let amount = format!("{}{magnitude}", if raw < 0 { "-" } else { "+" });
    SolChange { owner, asset, mint, raw, amount }
}
