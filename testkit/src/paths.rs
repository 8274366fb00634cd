//! Where the installed servers are.

use std::path::{Path, PathBuf};

/// The workspace root (the directory holding `scripts/setup.sh`).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Panics with the setup hint unless `path` exists.
pub(crate) fn require(path: PathBuf) -> PathBuf {
    if !path.exists() {
        panic!("{} is missing: run scripts/setup.sh first", path.display());
    }
    path
}
