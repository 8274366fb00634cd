//! Recipients (public keys, for `--encrypt-to`) and identities (private
//! keys, for `--identity`).

use std::fmt;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::CryptError;

/// A recipient usable from any thread.
pub(crate) type DynRecipient = Box<dyn age::Recipient + Send + Sync>;

/// The public keys an archive is encrypted to.
#[derive(Clone)]
pub struct Recipients {
    keys: Arc<Vec<DynRecipient>>,
    text: Vec<String>,
}

impl fmt::Debug for Recipients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recipients")
            .field("fingerprints", &self.fingerprints())
            .finish()
    }
}

impl Recipients {
    /// Parses `--encrypt-to` arguments: each an `age1...` X25519 public
    /// key, an `ssh-ed25519 ...` or `ssh-rsa ...` public key line, or a
    /// file of such lines (`#` comments and blank lines skipped), like
    /// age's `-R`.
    pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<Recipients, CryptError> {
        let mut keys: Vec<DynRecipient> = Vec::new();
        let mut text = Vec::new();
        for arg in args {
            let arg = arg.as_ref().trim();
            if looks_like_key(arg) {
                keys.push(parse_one(arg, arg)?);
                text.push(normalize(arg));
                continue;
            }
            let file = std::fs::read_to_string(arg).map_err(|e| CryptError::Recipient {
                arg: arg.to_owned(),
                reason: format!(
                    "neither a public key (age1..., ssh-ed25519 ..., ssh-rsa ...) nor a readable \
                     file of them ({e})"
                ),
            })?;
            let before = keys.len();
            for line in file.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                keys.push(parse_one(arg, line)?);
                text.push(normalize(line));
            }
            if keys.len() == before {
                return Err(CryptError::Recipient {
                    arg: arg.to_owned(),
                    reason: "the file holds no public key".into(),
                });
            }
        }
        if keys.is_empty() {
            return Err(CryptError::Recipient {
                arg: String::new(),
                reason: "no recipient given".into(),
            });
        }
        Ok(Recipients {
            keys: Arc::new(keys),
            text,
        })
    }

    /// Each recipient's fingerprint: `sha256:` and the first 16 bytes (hex)
    /// of the SHA-256 of its public key text (type and key, no comment).
    pub fn fingerprints(&self) -> Vec<String> {
        self.text.iter().map(|t| fingerprint(t)).collect()
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &DynRecipient> {
        self.keys.iter()
    }
}

fn looks_like_key(s: &str) -> bool {
    s.starts_with("age1") || s.starts_with("ssh-ed25519 ") || s.starts_with("ssh-rsa ")
}

/// The key without an ssh comment.
fn normalize(s: &str) -> String {
    s.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

/// `sha256:` and 32 hex digits.
pub(crate) fn fingerprint(key: &str) -> String {
    let d = Sha256::digest(key.as_bytes());
    format!("sha256:{}", crate::sink::s3::hex(&d[..16]))
}

fn parse_one(arg: &str, key: &str) -> Result<DynRecipient, CryptError> {
    let bad = |reason: String| CryptError::Recipient {
        arg: arg.to_owned(),
        reason,
    };
    if key.starts_with("age1") {
        return key
            .parse::<age::x25519::Recipient>()
            .map(|r| Box::new(r) as DynRecipient)
            .map_err(|e| bad(format!("not an X25519 public key: {e}")));
    }
    if key.starts_with("ssh-") {
        return key
            .parse::<age::ssh::Recipient>()
            .map(|r| Box::new(r) as DynRecipient)
            .map_err(|e| bad(format!("not a usable ssh public key: {e:?}")));
    }
    Err(bad(format!(
        "{:?} is not a public key (age1..., ssh-ed25519 ..., ssh-rsa ...)",
        key.chars().take(12).collect::<String>()
    )))
}

/// Private keys that may open an archive: an age identity file
/// (`AGE-SECRET-KEY-1...` lines) or an unencrypted OpenSSH private key
/// (ed25519 or RSA).
#[derive(Clone)]
pub struct Identities {
    keys: Arc<Vec<Box<dyn age::Identity + Send + Sync>>>,
    path: String,
}

impl fmt::Debug for Identities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identities")
            .field("path", &self.path)
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl PartialEq for Identities {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.keys, &other.keys)
    }
}

impl Eq for Identities {}

impl Identities {
    /// Reads the identity file at `path`. Errors never show its contents.
    pub fn from_file(path: &str) -> Result<Identities, CryptError> {
        let bad = |reason: String| CryptError::Identity {
            path: path.to_owned(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        let text = String::from_utf8_lossy(&bytes);
        let keys: Vec<Box<dyn age::Identity + Send + Sync>> =
            if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
                let id = age::ssh::Identity::from_buffer(&bytes[..], Some(path.to_owned()))
                    .map_err(|e| bad(format!("not a usable ssh private key: {e}")))?;
                match id {
                    age::ssh::Identity::Unencrypted(_) => vec![Box::new(id)],
                    age::ssh::Identity::Encrypted(_) => {
                        return Err(bad(
                            "the ssh key is protected by a passphrase; pgark reads unencrypted \
                             keys only (decrypt a copy with ssh-keygen -p, or use an age key)"
                                .into(),
                        ))
                    }
                    age::ssh::Identity::Unsupported(_) => {
                        return Err(bad(
                            "this kind of ssh key is not supported (ed25519 or RSA only)".into(),
                        ))
                    }
                }
            } else {
                age::IdentityFile::from_buffer(&bytes[..])
                    .map_err(|e| bad(e.to_string()))?
                    .into_identities()
                    .map_err(|e| bad(e.to_string()))?
            };
        if keys.is_empty() {
            return Err(bad("the file holds no identity".into()));
        }
        Ok(Identities {
            keys: Arc::new(keys),
            path: path.to_owned(),
        })
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &dyn age::Identity> {
        self.keys.iter().map(|k| k.as_ref() as &dyn age::Identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_parse_and_refuse() {
        let id = age::x25519::Identity::generate();
        let r = Recipients::parse(&[id.to_public().to_string()]).expect("parses");
        assert_eq!(r.fingerprints().len(), 1);
        assert!(r.fingerprints()[0].starts_with("sha256:"));
        let e = Recipients::parse(&["age1notakey"]).expect_err("refused");
        assert!(e.to_string().contains("not an X25519 public key"), "{e}");
        let e = Recipients::parse(&["/nonexistent/recipients"]).expect_err("refused");
        assert!(e.is_config(), "{e}");
    }
}
