//! The protoc that solana's build scripts run: Debian's (`protobuf-compiler`), or `$PROTOC`.

use std::path::PathBuf;

/// The path to protoc.
pub fn protoc() -> PathBuf {
    std::env::var_os("PROTOC").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/protoc"))
}
