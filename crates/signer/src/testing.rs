//! For tests of the layers above: a scan of what Vigil wrote to disk for secrets.

use std::path::{Path, PathBuf};

/// The first accounts' private keys of the test phrase (anvil's well-known ones), in hex.
pub const TEST_PRIVATE_KEYS: [&str; 3] = [
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
];

/// What users and scripts type where a value is expected, at its worst: empty, blank,
/// negative, not a number, huge, too many decimals, broken hex, a checksum gone wrong, control
/// and non-ASCII characters, an injection, 10,000 characters. The bad-input tests of the
/// command line and of the app's services send these.
pub fn bad_values() -> Vec<String> {
    vec![
        String::new(),
        " ".into(),
        "-1".into(),
        "NaN".into(),
        "inf".into(),
        "1e999".into(),
        "0.0000000000000000000000000000001".into(),
        "9".repeat(90),
        "0xZZ".into(),
        "0x1234".into(),
        // A checksummed address with one letter's case changed.
        "0xF39fd6e51aad88F6F4ce6aB8827279cffFb92266".into(),
        "\u{202e}USDC".into(),
        "🙂".into(),
        "../../etc/passwd".into(),
        "USDC; rm -rf /".into(),
        "a".repeat(10_000),
        "EDUded8fGxKkRTWWjE9YFzCmrW54aXXab".into(),
    ]
}

/// Every file under `dirs` (recursively) that holds one of `secrets`, as (file, which secret
/// by its index): the secret itself is never printed. Files are read whole; what cannot be
/// read is skipped.
pub fn files_holding(dirs: &[&Path], secrets: &[&str]) -> Vec<(PathBuf, usize)> {
    let mut found = Vec::new();
    let mut stack: Vec<PathBuf> = dirs.iter().map(|d| d.to_path_buf()).collect();
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
            continue;
        }
        if !meta.is_file() {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else { continue };
        for (i, secret) in secrets.iter().enumerate() {
            let needle = secret.as_bytes();
            if !needle.is_empty() && bytes.windows(needle.len()).any(|w| w == needle) {
                found.push((path.clone(), i));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_secret_in_a_nested_file_and_names_it_by_index() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/b/log"), "…signed with hunter2 orbit meadow…").unwrap();
        std::fs::write(dir.path().join("clean"), "nothing here").unwrap();
        let found = files_holding(&[dir.path()], &["not there", "hunter2 orbit meadow"]);
        assert_eq!(found, vec![(dir.path().join("a/b/log"), 1)]);
    }
}
