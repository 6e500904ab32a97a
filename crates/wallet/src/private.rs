//! Files only the user can read. Vigil's config, database and transaction journal name the
//! user's accounts, balances and every transaction they sent: they are created readable and
//! writable by the user alone (0600, in 0700 directories), whatever the umask.

use std::{
    fs, io,
    os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt},
    path::Path,
};

/// Creates `dir` (and its parents) if needed; `dir` itself is then the user's alone.
pub(crate) fn dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    // An existing directory (from an earlier version) is narrowed too.
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

/// Opens `path` for writing, created (or truncated) readable by the user alone.
pub(crate) fn create(path: &Path) -> io::Result<fs::File> {
    let file =
        fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    // An existing file keeps its mode on open: narrowed here.
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// Makes `path` the user's alone, creating it empty if it is not there (so that a program
/// that opens it next, SQLite, finds it private and gives its side files the same mode).
pub(crate) fn touch(path: &Path) -> io::Result<()> {
    let file =
        fs::OpenOptions::new().write(true).create(true).truncate(false).mode(0o600).open(path)?;
    file.set_permissions(fs::Permissions::from_mode(0o600))
}
