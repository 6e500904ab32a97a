//! Transfers of SOL and of SPL tokens (SPL Token and Token-2022). A token transfer creates
//! the recipient's associated token account when it is missing; the preview shows its rent.

use solana_pubkey::Pubkey;
use solana_rpc_client_api::request::TokenAccountsFilter;

use super::{SolanaClient, SolanaError, plan::SolPlan};
use crate::amount::parse_amount;

/// Parses a recipient typed by a person. An address off the ed25519 curve belongs to a
/// program, not a wallet: allowed, with a warning.
pub fn parse_recipient(input: &str) -> Result<(Pubkey, Option<String>), SolanaError> {
    let s = input.trim();
    let key: Pubkey = s.parse().map_err(|_| SolanaError::BadAddress(s.to_owned()))?;
    let warning = (!key.is_on_curve()).then(|| {
        format!(
            "{s} is not a wallet address (it is off the ed25519 curve, a program-derived address): only its program can move what is sent to it"
        )
    });
    Ok((key, warning))
}

/// Sends `amount` SOL (whole units, at most 9 decimals) from `from` to `to`.
pub fn transfer_sol(from: Pubkey, to: &str, amount: &str) -> Result<SolPlan, SolanaError> {
    let (recipient, warning) = parse_recipient(to)?;
    let lamports = lamports(amount, "SOL", 9)?;
    Ok(SolPlan {
        payer: from,
        instructions: vec![solana_system_interface::instruction::transfer(
            &from, &recipient, lamports,
        )],
        summary: format!("Send {} SOL to {recipient}", amount.trim()),
        warnings: warning.into_iter().collect(),
    })
}

/// A token's mint as the node has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintInfo {
    /// The mint.
    pub mint: Pubkey,
    /// The token program that owns it.
    pub program: Pubkey,
    /// Its decimals.
    pub decimals: u8,
}

/// Reads the mint at `mint`: its program and decimals.
pub async fn mint_info(client: &SolanaClient, mint: &Pubkey) -> Result<MintInfo, SolanaError> {
    let account = client
        .request(|c| async move { c.get_account(mint).await })
        .await
        .map_err(|_| SolanaError::NotAMint(mint.to_string()))?;
    let token_program = account.owner == spl_token_interface::id()
        || account.owner == spl_token_2022_interface::id();
    // Both programs start a mint with the same 82-byte layout; decimals is byte 44.
    match (token_program, account.data.get(44)) {
        (true, Some(&decimals)) if account.data.len() >= 82 => {
            Ok(MintInfo { mint: *mint, program: account.owner, decimals })
        }
        _ => Err(SolanaError::NotAMint(mint.to_string())),
    }
}

/// Sends `amount` of the token `mint` from `from`'s token account to `to`'s associated
/// token account, creating it (paid by `from`) when it does not exist.
pub async fn transfer_token(
    client: &SolanaClient,
    from: Pubkey,
    to: &str,
    mint: &MintInfo,
    symbol: &str,
    amount: &str,
) -> Result<SolPlan, SolanaError> {
    let (recipient, warning) = parse_recipient(to)?;
    let raw = lamports(amount, symbol, mint.decimals)?;
    let ata = |owner: &Pubkey| {
        spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
            owner,
            &mint.mint,
            &mint.program,
        )
    };
    // The sender's account: the associated one, or else the first account of that mint.
    let mint_key = mint.mint;
    let accounts = client
        .request(|c| async move {
            c.get_token_accounts_by_owner(&from, TokenAccountsFilter::Mint(mint_key)).await
        })
        .await?;
    let own_ata = ata(&from);
    let source = if accounts.iter().any(|a| a.pubkey == own_ata.to_string()) {
        own_ata
    } else {
        accounts.first().and_then(|a| a.pubkey.parse().ok()).ok_or_else(|| {
            SolanaError::NoTokenAccount { owner: from.to_string(), token: symbol.to_owned() }
        })?
    };
    let destination = ata(&recipient);
    let exists = client.request(|c| async move { c.get_account(&destination).await }).await.is_ok();
    let mut instructions = Vec::new();
    let mut warnings: Vec<String> = warning.into_iter().collect();
    if !exists {
        instructions.push(
            spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
                &from,
                &recipient,
                &mint.mint,
                &mint.program,
            ),
        );
        warnings.push(format!(
            "{recipient} has no {symbol} account yet: this creates it, and you pay its rent"
        ));
    }
    instructions.push(
        spl_token_2022_interface::instruction::transfer_checked(
            &mint.program,
            &source,
            &mint.mint,
            &destination,
            &from,
            &[],
            raw,
            mint.decimals,
        )
        .map_err(|e| SolanaError::Build(format!("token transfer: {e}")))?,
    );
    Ok(SolPlan {
        payer: from,
        instructions,
        summary: format!("Send {} {symbol} to {recipient}", amount.trim()),
        warnings,
    })
}

/// `amount` in the smallest unit, refusing more decimals than the asset has.
fn lamports(amount: &str, symbol: &str, decimals: u8) -> Result<u64, SolanaError> {
    let raw = parse_amount(amount, symbol, decimals)
        .map_err(|e| SolanaError::BadAmount(e.to_string()))?;
    u64::try_from(raw)
        .map_err(|_| SolanaError::BadAmount(format!("{amount} {symbol} is more than can exist")))
}
