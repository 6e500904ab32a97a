//! Native staking: create a stake account and delegate it to a vote account, deactivate it,
//! withdraw from it, and list the wallet's stake accounts with their state.
//!
//! Stake accounts are created at an address derived from the wallet and a seed
//! (`stake:N`), so the wallet's key is the only signature needed: a Ledger can sign them.

use solana_pubkey::Pubkey;
use solana_rpc_client_api::{
    config::{RpcAccountInfoConfig, RpcProgramAccountsConfig},
    filter::{Memcmp, RpcFilterType},
};
use solana_stake_interface::{
    instruction as stake_instruction,
    state::{Authorized, Lockup, StakeStateV2},
};

use super::{SolanaClient, SolanaError, plan::SolPlan, transfer::parse_recipient};
use crate::{amount::parse_amount, preview::whole};

/// How many seeds are tried for a new stake account's address.
const MAX_STAKE_ACCOUNTS: u32 = 256;
/// Where the withdraw authority sits in a stake account (after the state tag, the rent
/// reserve and the stake authority).
const WITHDRAWER_OFFSET: usize = 4 + 8 + 32;

/// Where a stake account is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StakeState {
    /// Delegated; becomes active at the next epoch.
    Activating,
    /// Earning rewards.
    Active,
    /// Deactivated; inactive at the next epoch.
    Deactivating,
    /// Not delegated, or fully deactivated: its lamports can be withdrawn.
    Inactive,
}

/// One of the wallet's stake accounts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StakeAccount {
    /// Its address.
    pub address: String,
    /// Its lamports (stake plus rent reserve).
    pub lamports: u64,
    /// In SOL.
    pub sol: String,
    /// The vote account it is delegated to.
    pub validator: Option<String>,
    /// Its state at the current epoch.
    pub state: StakeState,
}

/// The state of a delegation at `epoch`. Warm-up and cool-down are taken as one epoch, as
/// on clusters where the stake is small next to the total.
fn state_at(activation: u64, deactivation: u64, epoch: u64) -> StakeState {
    if deactivation == u64::MAX {
        if epoch <= activation { StakeState::Activating } else { StakeState::Active }
    } else if activation == deactivation || epoch > deactivation {
        // Deactivated in the epoch it was delegated: it never became active.
        StakeState::Inactive
    } else {
        StakeState::Deactivating
    }
}

/// The stake accounts `owner` may withdraw from.
pub async fn list_stakes(
    client: &SolanaClient,
    owner: &Pubkey,
) -> Result<Vec<StakeAccount>, SolanaError> {
    let config = RpcProgramAccountsConfig {
        filters: Some(vec![RpcFilterType::Memcmp(Memcmp::new_raw_bytes(
            WITHDRAWER_OFFSET,
            owner.to_bytes().to_vec(),
        ))]),
        account_config: RpcAccountInfoConfig {
            encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
            ..Default::default()
        },
        ..Default::default()
    };
    let program = solana_stake_interface::program::id();
    let accounts = client
        .request(|c| {
            let config = config.clone();
            async move { c.get_program_ui_accounts_with_config(&program, config).await }
        })
        .await?;
    let epoch = client.request(|c| async move { c.get_epoch_info().await }).await?.epoch;
    let mut out = Vec::new();
    for (address, account) in accounts {
        let Some(data) = account.data.decode() else { continue };
        let Ok(state) = bincode::deserialize::<StakeStateV2>(&data) else { continue };
        let (validator, state) = match state.delegation() {
            Some(d) => (
                Some(d.voter_pubkey.to_string()),
                state_at(d.activation_epoch, d.deactivation_epoch, epoch),
            ),
            None => (None, StakeState::Inactive),
        };
        out.push(StakeAccount {
            address: address.to_string(),
            lamports: account.lamports,
            sol: whole(alloy::primitives::U256::from(account.lamports), 9),
            validator,
            state,
        });
    }
    out.sort_by(|a, b| a.address.cmp(&b.address));
    Ok(out)
}

/// Stakes `amount` SOL with the vote account `vote`: a new stake account (at the first free
/// `stake:N` address of `owner`) is funded and delegated in one transaction.
pub async fn stake(
    client: &SolanaClient,
    owner: Pubkey,
    vote: &str,
    amount: &str,
) -> Result<SolPlan, SolanaError> {
    let (vote, _) = parse_recipient(vote)?;
    let lamports = sol_lamports(amount)?;
    let minimum = client.request(|c| async move { c.get_stake_minimum_delegation().await }).await?;
    if lamports < minimum {
        return Err(SolanaError::BadAmount(format!(
            "at least {} SOL must be staked",
            whole(alloy::primitives::U256::from(minimum), 9)
        )));
    }
    let votes = client.request(|c| async move { c.get_vote_accounts().await }).await?;
    if !votes.current.iter().chain(&votes.delinquent).any(|v| v.vote_pubkey == vote.to_string()) {
        return Err(SolanaError::BadAddress(format!(
            "{vote} (not a vote account on this network)"
        )));
    }
    let (address, seed) = free_stake_address(client, &owner).await?;
    // The stake account also holds its rent reserve, which comes back on withdrawal.
    let reserve = client
        .request(|c| async move {
            c.get_minimum_balance_for_rent_exemption(StakeStateV2::size_of()).await
        })
        .await?;
    let authorized = Authorized { staker: owner, withdrawer: owner };
    let instructions = stake_instruction::create_account_with_seed_and_delegate_stake(
        &owner,
        &address,
        &owner,
        &seed,
        &vote,
        &authorized,
        &Lockup::default(),
        lamports + reserve,
    );
    Ok(SolPlan {
        payer: owner,
        instructions,
        summary: format!("Stake {} SOL with {vote} (new stake account {address})", amount.trim()),
        warnings: vec![format!(
            "{} SOL more is set aside as the stake account's rent reserve; it comes back when you withdraw",
            whole(alloy::primitives::U256::from(reserve), 9)
        )],
    })
}

/// Deactivates the stake account `account` (its stake stops at the end of the epoch).
pub fn deactivate(owner: Pubkey, account: &str) -> Result<SolPlan, SolanaError> {
    let (address, _) = parse_recipient(account)?;
    Ok(SolPlan {
        payer: owner,
        instructions: vec![stake_instruction::deactivate_stake(&address, &owner)],
        summary: format!("Deactivate stake account {address}"),
        warnings: Vec::new(),
    })
}

/// Withdraws `amount` SOL (or everything, with `None`) from the stake account `account` to
/// `owner`.
pub async fn withdraw(
    client: &SolanaClient,
    owner: Pubkey,
    account: &str,
    amount: Option<&str>,
) -> Result<SolPlan, SolanaError> {
    let (address, _) = parse_recipient(account)?;
    let lamports = match amount {
        Some(a) => sol_lamports(a)?,
        None => client.request(|c| async move { c.get_balance(&address).await }).await?,
    };
    Ok(SolPlan {
        payer: owner,
        instructions: vec![stake_instruction::withdraw(&address, &owner, &owner, lamports, None)],
        summary: format!(
            "Withdraw {} SOL from stake account {address}",
            whole(alloy::primitives::U256::from(lamports), 9)
        ),
        warnings: Vec::new(),
    })
}

async fn free_stake_address(
    client: &SolanaClient,
    owner: &Pubkey,
) -> Result<(Pubkey, String), SolanaError> {
    let program = solana_stake_interface::program::id();
    for n in 0..MAX_STAKE_ACCOUNTS {
        let seed = format!("stake:{n}");
        let address = Pubkey::create_with_seed(owner, &seed, &program)
            .map_err(|e| SolanaError::Build(format!("stake account address: {e}")))?;
        let balance = client.request(|c| async move { c.get_balance(&address).await }).await?;
        if balance == 0 {
            return Ok((address, seed));
        }
    }
    Err(SolanaError::BadAmount(format!("{owner} already has {MAX_STAKE_ACCOUNTS} stake accounts")))
}

fn sol_lamports(amount: &str) -> Result<u64, SolanaError> {
    let raw = parse_amount(amount, "SOL", 9).map_err(|e| SolanaError::BadAmount(e.to_string()))?;
    u64::try_from(raw)
        .map_err(|_| SolanaError::BadAmount(format!("{amount} SOL is more than exists")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delegation_states_follow_the_epochs() {
        let never = u64::MAX;
        assert_eq!(state_at(10, never, 10), StakeState::Activating);
        assert_eq!(state_at(10, never, 11), StakeState::Active);
        assert_eq!(state_at(10, 12, 12), StakeState::Deactivating);
        assert_eq!(state_at(10, 12, 13), StakeState::Inactive);
        assert_eq!(state_at(10, 10, 10), StakeState::Inactive, "deactivated before it activated");
    }
}
