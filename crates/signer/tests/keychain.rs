//! The vault against the real Secret Service (gnome-keyring) of the test harness.
//!
//! Run inside `scripts/desktop-session.sh` (as `make test` does): it provides a private D-Bus
//! session with an unlocked login keyring, so nothing here touches a real user's keychain.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{collections::HashMap, time::Duration};

use dbus::{
    arg::{PropMap, RefArg, Variant},
    blocking::Connection,
};
use vigil_signer::{
    KdfParams, Keychain, KeychainError, Mnemonic, Password, Vault, VaultError, vault::OsKeychain,
};

const JUNK: &str = "test test test test test test test test test test test junk";

/// A keychain service name no other test (and no real user) shares.
fn service(test: &str) -> String {
    assert!(
        std::env::var_os("VIGIL_TEST_SESSION").is_some(),
        "keychain tests need the private desktop session: run them with \
         scripts/desktop-session.sh (make test does)"
    );
    format!("vigil-test-{test}-{}", std::process::id())
}

#[test]
fn vault_lifecycle_with_real_parameters() {
    let vault = Vault::new(OsKeychain::new(service("lifecycle")));
    let mnemonic = Mnemonic::parse(JUNK).unwrap();
    let pw = Password::new("correct horse battery");
    vault.create("main", &mnemonic, "", &pw).unwrap();
    vault.create("spare", &Mnemonic::generate(Default::default()), "", &pw).unwrap();
    assert_eq!(vault.list().unwrap(), ["main", "spare"]);

    let opened = vault.unlock("main", &pw).unwrap();
    assert_eq!(*opened.mnemonic().phrase(), JUNK);

    // The item holds ciphertext only.
    let blob = vault.keychain().load("main").unwrap();
    assert!(!blob.contains("junk") && !blob.contains("correct horse"));

    assert!(matches!(
        vault.unlock("main", &Password::new("wrong password")),
        Err(VaultError::WrongPassword(_))
    ));
    let new_pw = Password::new("a whole new password");
    vault.change_password("main", &pw, &new_pw).unwrap();
    assert!(matches!(vault.unlock("main", &pw), Err(VaultError::WrongPassword(_))));
    assert_eq!(*vault.unlock("main", &new_pw).unwrap().mnemonic().phrase(), JUNK);

    vault.delete("main").unwrap();
    vault.delete("spare").unwrap();
    assert!(vault.list().unwrap().is_empty());
    assert!(matches!(
        vault.unlock("main", &new_pw),
        Err(VaultError::Keychain(KeychainError::NotFound(name))) if name == "main"
    ));
    assert!(matches!(vault.delete("main"), Err(VaultError::Keychain(KeychainError::NotFound(_)))));
}

#[test]
fn no_vault_is_created_where_the_keychain_cannot_tell_whether_it_is_locked() {
    // A collection the Secret Service does not have: whether it is locked cannot be known,
    // so a miss there is not taken as "no such vault" (creating would risk overwriting one).
    let keychain =
        OsKeychain::new(service("unknown")).in_collection("no collection has this label");
    let vault = Vault::new(keychain).with_kdf(KdfParams::INSECURE_FAST);
    let e = vault
        .create(
            "main",
            &Mnemonic::parse(JUNK).unwrap(),
            "",
            &Password::new("quiet meadow lantern 58"),
        )
        .unwrap_err();
    assert!(
        matches!(&e, VaultError::Keychain(KeychainError::Failed(m)) if m.contains("cannot say whether it is locked")),
        "{e}"
    );
}

/// Creates a keychain collection with gnome-keyring's prompt-free internal interface, returning
/// its object path. (The public CreateCollection call would open a password prompt.)
fn create_collection(conn: &Connection, label: &str, password: &str) -> dbus::Path<'static> {
    let service = conn.with_proxy(
        "org.freedesktop.secrets",
        "/org/freedesktop/secrets",
        Duration::from_secs(5),
    );
    let (_, session): (Variant<Box<dyn RefArg>>, dbus::Path<'static>) = service
        .method_call(
            "org.freedesktop.Secret.Service",
            "OpenSession",
            ("plain", Variant(String::new())),
        )
        .unwrap();
    let mut props: PropMap = HashMap::new();
    props.insert(
        "org.freedesktop.Secret.Collection.Label".into(),
        Variant(Box::new(label.to_owned())),
    );
    let secret = (session, Vec::<u8>::new(), password.as_bytes().to_vec(), "text/plain".to_owned());
    let (collection,): (dbus::Path<'static>,) = service
        .method_call(
            "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
            "CreateWithMasterPassword",
            (props, secret),
        )
        .unwrap();
    collection
}

fn lock(conn: &Connection, collection: &dbus::Path<'static>) {
    let service = conn.with_proxy(
        "org.freedesktop.secrets",
        "/org/freedesktop/secrets",
        Duration::from_secs(5),
    );
    let (_locked, _prompt): (Vec<dbus::Path<'static>>, dbus::Path<'static>) = service
        .method_call("org.freedesktop.Secret.Service", "Lock", (vec![collection.clone()],))
        .unwrap();
}

#[test]
fn a_locked_keychain_is_reported_as_locked_not_as_missing() {
    let label = service("locked");
    let conn = Connection::new_session().unwrap();
    let collection = create_collection(&conn, &label, "collection password");
    let keychain = OsKeychain::new(service("locked")).in_collection(&label);
    let vault = Vault::new(keychain.clone()).with_kdf(KdfParams::INSECURE_FAST);
    let pw = Password::new("correct horse battery");
    vault.create("main", &Mnemonic::parse(JUNK).unwrap(), "", &pw).unwrap();
    assert!(!keychain.is_locked().unwrap());

    lock(&conn, &collection);
    assert!(keychain.is_locked().unwrap());
    let err = vault.unlock("main", &pw).unwrap_err();
    assert!(matches!(err, VaultError::Keychain(KeychainError::Locked)), "{err:?}");
    assert!(err.to_string().contains("unlock your login keyring"), "{err}");
    assert!(matches!(
        vault.create("other", &Mnemonic::parse(JUNK).unwrap(), "", &pw),
        Err(VaultError::Keychain(KeychainError::Locked))
    ));
    // Names are public attributes: listing still works while locked.
    assert_eq!(vault.list().unwrap(), ["main"]);
}
