//! Client-side encryption of archives with [age](https://age-encryption.org/v1).
//!
//! `pgark backup --encrypt-to RECIPIENT` encrypts the archive on its way
//! out to one or more public keys (X25519 `age1...`, `ssh-ed25519`,
//! `ssh-rsa`): the job that writes it holds no key that can read it back.
//! The output is a standard age v1 file (the `age` and `rage` tools decrypt
//! it): a header wrapping a random file key to every recipient, a 16-byte
//! nonce, then the archive in 64 KiB chunks, each sealed with
//! ChaCha20-Poly1305 under a key derived from the file key and nonce, the
//! chunk's number and a last-chunk flag in its nonce.
//!
//! * [`EncryptSink`] wraps an [`crate::backup::ArchiveSink`]: chunks are
//!   encrypted as they fill (memory: one chunk, plus the chunks holding the
//!   archive's header and TOC); the TOC's data offsets, known only at the
//!   end, are patched into the held plaintext and those chunks encrypted
//!   last, so the inner sink patches ciphertext the way it patched the
//!   TOC (a file seeks, an S3 upload holds its first part). Offsets in the
//!   TOC stay plaintext offsets.
//! * [`EncryptedSource`] reads an archive that may be encrypted: front to
//!   back, or seekable (each 64 KiB chunk decrypts alone, so a block at a
//!   plaintext offset costs the chunks around it; on S3 a range request).
//! * [`seal_manifest`] / [`unseal_manifest`]: the manifest keeps in clear
//!   what an audit needs and holds table names and row counts encrypted to
//!   the same recipients.
//!
//! Wrong or missing identities, tampered and truncated ciphertext are
//! [`CryptError`]s of the archive category (exit status 5).

mod error;
mod keys;
mod manifest;
mod ranged;
pub(crate) use ranged::S3Seek;
mod reader;
mod source;
mod writer;

pub use error::CryptError;
pub use keys::{Identities, Recipients};
pub use manifest::{seal_manifest, unseal_manifest, Sealed};
pub use reader::{decrypt, decrypt_to, is_age};
pub(crate) use source::check_source;
pub use source::EncryptedSource;
pub use writer::{EncryptSink, Encryptor, CHUNK};

/// The suffix an encrypted archive's name or key gets.
pub const SUFFIX: &str = ".age";

/// The algorithm recorded in manifests.
pub const ALGORITHM: &str =
    "age-v1 (X25519/ssh recipients, ChaCha20-Poly1305 STREAM, 64 KiB chunks)";
