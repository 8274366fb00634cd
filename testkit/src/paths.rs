//! Where the installed servers are.

use std::path::{Path, PathBuf};

/// The workspace root (the directory holding `scripts/setup.sh`).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The venv's site-packages directory.
pub(crate) fn site_packages() -> PathBuf {
    let lib = repo_root().join(".venv").join("lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|entries| {
        entries
            .filter_map(Result::ok)
            .map(|e| e.path().join("site-packages"))
            .find(|p| p.is_dir())
    });
    match found {
        Some(p) => p,
        None => panic!(
            "{} has no python*/site-packages: run scripts/setup.sh first",
            lib.display()
        ),
    }
}

/// Panics with the setup hint unless `path` exists.
pub(crate) fn require(path: PathBuf) -> PathBuf {
    if !path.exists() {
        panic!("{} is missing: run scripts/setup.sh first", path.display());
    }
    path
}
