//! The typed contract between Vigil's UI (wasm) and its desktop shell.
//!
//! Job: the names of the shell's commands, their request and response types, and the error
//! shape every command returns. Both sides compile these same types, so a renamed field is a
//! compile error rather than a silent `undefined` in the UI; and [`group_thousands`], the one
//! way both sides write amounts. Boundaries: serde and pure functions only, nothing that does
//! not compile to wasm32.

/// Implements `Debug` without the secret fields.
macro_rules! redacted_debug {
    ($ty:ident) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($ty), " { [redacted] }"))
            }
        }
    };
}

pub mod commands;

/// Events the shell sends to the window.
pub mod events {
    /// An alert or a block read by the watcher: [`crate::MonitorEvent`].
    pub const MONITOR: &str = "monitor";
    /// "Open position" was chosen on a notification: the position's key.
    pub const OPEN_POSITION: &str = "open-position";
    /// "Reduce risk" was chosen on a notification: the position's key.
    pub const PROTECT_POSITION: &str = "protect-position";
    /// A signed transaction's progress: [`crate::TxProgress`].
    pub const TX_PROGRESS: &str = "tx-progress";
    /// The wallet locked (timeout or tray): [`crate::LockState`].
    pub const LOCKED: &str = "locked";
    /// A dapp asks the user something: [`crate::DappRequest`].
    pub const DAPP_REQUEST: &str = "dapp-request";
}

mod accounts;
mod actions;
mod activity;
mod approvals;
mod dapps;
mod dashboard;
mod error;
mod ledger;
mod liquidity;
mod money;
mod networks;
mod onboarding;

pub use accounts::*;
pub use actions::*;
pub use activity::*;
pub use approvals::*;
pub use dapps::*;
pub use dashboard::*;
pub use error::*;
pub use ledger::*;
pub use liquidity::*;
pub use money::*;
pub use networks::*;
pub use onboarding::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_with_secrets_never_print_them() {
        let r = ImportWalletRequest { mnemonic: "test junk".into(), password: "hunter2".into() };
        let c = ConfirmWalletRequest { answers: vec!["junk".into()], password: "hunter2".into() };
        let g = GeneratedWallet { words: vec!["junk".into()], check_positions: vec![1] };
        let printed = format!("{r:?} {c:?} {g:?}");
        assert!(!printed.contains("junk") && !printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("ImportWalletRequest"));
    }

    #[test]
    fn thousands_are_grouped_in_the_whole_part_only() {
        assert_eq!(group_thousands("1234567.891234"), "1,234,567.891234");
        assert_eq!(group_thousands("-2480.5"), "-2,480.5");
        assert_eq!(group_thousands("+100"), "+100");
        assert_eq!(group_thousands("1000"), "1,000");
        assert_eq!(group_thousands("100"), "100");
        assert_eq!(group_thousands("0.000001"), "0.000001");
    }

    #[test]
    fn money_has_two_decimals_separators_and_its_currency() {
        assert_eq!(money(1234.5, "USD"), "$1,234.50");
        assert_eq!(money(-3.0, "EUR"), "-3.00 EUR");
        assert_eq!(money(1_234_567.891, "JPY"), "1,234,568 JPY");
        assert_eq!(money(-0.001, "USD"), "$0.00");
        let eur = Money { currency: "EUR".into(), usd_per_unit: 1.25 };
        assert_eq!(eur.show(2500.0), "2,000.00 EUR");
        assert_eq!(Money::usd().show(2500.0), "$2,500.00");
    }

    #[test]
    fn monitor_events_are_tagged_by_kind() {
        let e = MonitorEvent::Alert {
            alert: AlertView {
                key: "devnet/tx/0xab".into(),
                level: Level::Ok,
                title: "Transaction confirmed".into(),
                body: String::new(),
                at: 1,
            },
            about: AlertAbout::Transaction { hash: "0xab".into() },
        };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["event"], "alert");
        assert_eq!(json["about"], serde_json::json!({"kind": "transaction", "hash": "0xab"}));
        assert_eq!(serde_json::from_value::<MonitorEvent>(json).unwrap(), e);
        let block = MonitorEvent::Block { network: "base".into(), block: 9 };
        assert_eq!(
            serde_json::to_string(&block).unwrap(),
            r#"{"event":"block","network":"base","block":9}"#
        );
    }

    #[test]
    fn errors_serialize_in_the_shape_the_ui_reads() {
        let e = CommandError { kind: ErrorKind::WrongPassword, message: "wrong".into() };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"kind":"wrong_password","message":"wrong"}"#
        );
    }
}
