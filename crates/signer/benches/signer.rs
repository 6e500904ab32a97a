//! Timings of the signer's slow paths: the vault's Argon2id (which is meant to be slow, about
//! 0.5 s) and key derivation. Run: `cargo bench -p vigil-signer --bench signer`.

#[path = "support/measure.rs"]
mod measure;

use measure::measure;

use vigil_signer::{
    Chain, DerivationPath, KdfParams, Mnemonic, Password, Vault, vault::InMemoryKeychain,
};

const JUNK: &str = "test test test test test test test test test test test junk";

fn main() {
    let mnemonic = Mnemonic::parse(JUNK).unwrap_or_else(|e| panic!("{e}"));
    let password = Password::new("correct horse battery");
    let vault = Vault::new(InMemoryKeychain::default());
    vault.create("bench", &mnemonic, "", &password).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "Argon2id parameters: {} MiB, {} passes, {} lane(s)",
        KdfParams::DESKTOP.m_cost_kib / 1024,
        KdfParams::DESKTOP.t_cost,
        KdfParams::DESKTOP.p_cost
    );
    measure("vault unlock (Argon2id + XChaCha20-Poly1305)", 9, || {
        vault.unlock("bench", &password).unwrap_or_else(|e| panic!("{e}"));
    });
    let seed = mnemonic.to_seed("");
    measure("BIP39 seed (PBKDF2-HMAC-SHA512, 2048 rounds)", 51, || {
        std::hint::black_box(mnemonic.to_seed(""));
    });
    measure("derive Ethereum address m/44'/60'/0'/0/0", 201, || {
        std::hint::black_box(Chain::Ethereum.address(&seed, &DerivationPath::ethereum(0)).ok());
    });
    measure("derive Solana address m/44'/501'/0'/0'", 201, || {
        std::hint::black_box(Chain::Solana.address(&seed, &DerivationPath::solana(0)).ok());
    });
}
