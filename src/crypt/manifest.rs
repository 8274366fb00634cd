//! The manifest of an encrypted archive: in clear what the audit reads
//! (times, sizes, ciphertext digests, algorithm, recipients'
//! fingerprints), the rest (database, tables and row counts, extensions,
//! snapshot) sealed to the archive's recipients.

use std::io::{Read, Write};

use base64::prelude::{Engine, BASE64_STANDARD};
use serde::{Deserialize, Serialize};

use super::{CryptError, Identities, Recipients};
use crate::manifest::{Encryption, ExtensionVersion, Manifest, TableStats};

/// What [`seal_manifest`] takes out of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The source database's name.
    pub database: String,
    /// Every table with its rows.
    pub tables: Vec<TableStats>,
    /// Large objects.
    pub large_objects: u64,
    /// Extensions a restore target must offer.
    pub extensions: Vec<ExtensionVersion>,
    /// The snapshot.
    pub snapshot: String,
    /// The selection options (they name tables and schemas).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selection: Vec<String>,
}

/// Moves the names and counts of `m` into an age ciphertext to
/// `recipients` (base64 in `m.encryption.sealed`).
pub fn seal_manifest(m: &mut Manifest, recipients: &Recipients) -> Result<(), CryptError> {
    let sealed = Sealed {
        database: std::mem::take(&mut m.database),
        tables: std::mem::take(&mut m.tables),
        large_objects: std::mem::take(&mut m.large_objects),
        extensions: std::mem::take(&mut m.extensions),
        snapshot: std::mem::take(&mut m.snapshot),
        selection: std::mem::take(&mut m.selection),
    };
    let json = serde_json::to_vec(&sealed).map_err(|e| CryptError::Encrypt(e.to_string()))?;
    let keys = recipients.keys().map(|k| k.as_ref() as &dyn age::Recipient);
    let enc =
        age::Encryptor::with_recipients(keys).map_err(|e| CryptError::Encrypt(e.to_string()))?;
    let mut out = Vec::new();
    let io = |e: std::io::Error| CryptError::Encrypt(e.to_string());
    let mut w = enc.wrap_output(&mut out).map_err(io)?;
    w.write_all(&json).map_err(io)?;
    w.finish().map_err(io)?;
    m.encryption = Some(Encryption {
        algorithm: super::ALGORITHM.into(),
        recipients: recipients.fingerprints(),
        sealed: BASE64_STANDARD.encode(out),
    });
    Ok(())
}

/// Puts the sealed part of `m` back (nothing to do for a manifest of a
/// plaintext archive).
pub fn unseal_manifest(m: &mut Manifest, identities: &Identities) -> Result<(), crate::Error> {
    let Some(enc) = &m.encryption else {
        return Ok(());
    };
    let what = format!("the manifest of {}", m.archive);
    let bad = |reason: String| {
        crate::Error::Crypt(CryptError::Ciphertext {
            what: what.clone(),
            reason,
        })
    };
    let bytes = BASE64_STANDARD
        .decode(enc.sealed.as_bytes())
        .map_err(|e| bad(format!("the sealed part is not base64: {e}")))?;
    let mut plain = super::reader::open(&bytes[..], Some(identities), &what)?;
    let mut json = Vec::new();
    plain
        .read_to_end(&mut json)
        .map_err(super::reader::into_error)?;
    let s: Sealed =
        serde_json::from_slice(&json).map_err(|e| bad(format!("the sealed part: {e}")))?;
    m.database = s.database;
    m.tables = s.tables;
    m.large_objects = s.large_objects;
    m.extensions = s.extensions;
    m.snapshot = s.snapshot;
    m.selection = s.selection;
    Ok(())
}
