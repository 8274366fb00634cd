//! Errors of encryption and decryption.

/// What went wrong encrypting or decrypting.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CryptError {
    /// A recipient given to `--encrypt-to` is not a public key pgark takes.
    #[error("--encrypt-to {arg}: {reason}")]
    Recipient {
        /// The argument.
        arg: String,
        /// Why.
        reason: String,
    },
    /// The identity file could not be read or holds no usable key.
    #[error("--identity {path}: {reason}")]
    Identity {
        /// The file.
        path: String,
        /// Why (never the key).
        reason: String,
    },
    /// The archive is encrypted and no identity was given.
    #[error("{what} is encrypted (age): give the key with --identity FILE or PGARK_IDENTITY")]
    NoIdentity {
        /// The archive.
        what: String,
    },
    /// None of the identities opens the archive's header.
    #[error("{what}: the identity does not decrypt it (it was encrypted to other recipients)")]
    WrongIdentity {
        /// The archive.
        what: String,
    },
    /// The ciphertext is damaged: a bad header, a chunk that fails
    /// authentication (tampered), or a stream that ends early (truncated).
    #[error("{what}: {reason}")]
    Ciphertext {
        /// The archive (or manifest).
        what: String,
        /// Why.
        reason: String,
    },
    /// Encrypting failed (a recipient refused to wrap the key).
    #[error("encrypting: {0}")]
    Encrypt(String),
}

impl CryptError {
    /// Whether the fault is in the command line (exit 2) rather than the
    /// archive or key (exit 5).
    pub fn is_config(&self) -> bool {
        matches!(
            self,
            CryptError::Recipient { .. } | CryptError::Identity { .. } | CryptError::Encrypt(_)
        )
    }
}
