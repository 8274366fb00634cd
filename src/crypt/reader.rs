//! Decrypting readers: errors of the ciphertext become [`CryptError`]s,
//! errors of the storage below stay what they were.

use std::io::{self, Read, Seek, SeekFrom};

use super::{CryptError, Identities};

/// The first bytes of every age v1 file.
const MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// Whether `head` (the first bytes of a file) starts an age file.
pub fn is_age(head: &[u8]) -> bool {
    head.len() >= MAGIC.len() && &head[..MAGIC.len()] == MAGIC
}

/// An error of the storage under the ciphertext, carried through age
/// untouched.
#[derive(Debug)]
struct Below(io::Error);

impl std::fmt::Display for Below {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Below {}

/// Marks the errors of the reader under age.
pub(crate) struct Tagged<R>(pub R);

fn tag(e: io::Error) -> io::Error {
    io::Error::new(e.kind(), Below(e))
}

impl<R: Read> Read for Tagged<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(tag)
    }
}

impl<R: Seek> Seek for Tagged<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.0.seek(pos).map_err(tag)
    }
}

/// Turns an error out of age into the storage's own error, or a
/// [`CryptError::Ciphertext`] carried in an [`io::Error`] (see
/// [`crate::Error::category`]).
pub(crate) fn untag(e: io::Error, what: &str) -> io::Error {
    if e.get_ref().is_some_and(|r| r.is::<Below>()) {
        if let Some(inner) = e.into_inner() {
            if let Ok(below) = inner.downcast::<Below>() {
                return below.0;
            }
        }
        return io::Error::other("storage error");
    }
    let reason = match e.kind() {
        io::ErrorKind::UnexpectedEof => "the encrypted archive is truncated".to_owned(),
        _ => format!(
            "the encrypted archive is damaged or was tampered with ({e}): a chunk fails \
             authentication"
        ),
    };
    cipher_io(CryptError::Ciphertext {
        what: what.to_owned(),
        reason,
    })
}

/// An I/O error out of a decrypting reader as the library's error: the
/// [`CryptError`] it carries, or the storage's error.
pub(crate) fn into_error(e: io::Error) -> crate::Error {
    if e.get_ref().is_some_and(|r| r.is::<CryptError>()) {
        if let Some(Ok(c)) = e.into_inner().map(|b| b.downcast::<CryptError>()) {
            return crate::Error::Crypt(*c);
        }
        return crate::Error::Crypt(CryptError::Ciphertext {
            what: String::new(),
            reason: "damaged ciphertext".into(),
        });
    }
    crate::Error::from(archive_format::Error::from(e))
}

/// A [`CryptError`] as an [`io::Error`] (kind `InvalidData`).
pub(crate) fn cipher_io(e: CryptError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// Plaintext out of a decrypting reader, with errors sorted.
pub(crate) struct Plain<R> {
    pub(crate) inner: R,
    pub(crate) what: String,
}

impl<R: Read> Read for Plain<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| untag(e, &self.what))
    }
}

impl<R: Seek> Seek for Plain<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos).map_err(|e| untag(e, &self.what))
    }
}

/// Reads the age header from `input` and unwraps the file key with
/// `identities`.
pub(crate) fn open<R: Read>(
    input: R,
    identities: Option<&Identities>,
    what: &str,
) -> Result<Plain<age::stream::StreamReader<Tagged<R>>>, crate::Error> {
    let header_err = |e: age::DecryptError| -> crate::Error {
        match e {
            age::DecryptError::Io(io) => into_error(untag(io, what)),
            age::DecryptError::NoMatchingKeys => {
                crate::Error::Crypt(CryptError::WrongIdentity { what: what.into() })
            }
            other => crate::Error::Crypt(CryptError::Ciphertext {
                what: what.into(),
                reason: format!("bad age header: {other}"),
            }),
        }
    };
    let decryptor = age::Decryptor::new(Tagged(input)).map_err(header_err)?;
    let Some(ids) = identities else {
        return Err(crate::Error::Crypt(CryptError::NoIdentity {
            what: what.into(),
        }));
    };
    let stream = decryptor.decrypt(ids.iter()).map_err(header_err)?;
    Ok(Plain {
        inner: stream,
        what: what.to_owned(),
    })
}

/// Decrypts all of `input` into `out` (`pgark decrypt`).
pub fn decrypt_to(
    input: impl Read,
    identities: &Identities,
    what: &str,
    out: &mut impl io::Write,
) -> Result<u64, crate::Error> {
    let mut plain = open(input, Some(identities), what)?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = match plain.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(into_error(e)),
        };
        out.write_all(&buf[..n]).map_err(crate::Error::Output)?;
        total += n as u64;
    }
    Ok(total)
}

/// Decrypts all of `source` into `out` on the caller's runtime (the reads
/// and writes on a blocking thread), an S3 object read with `s3`; gives
/// `out` back with the number of plaintext bytes. `out` only sees
/// plaintext that was authenticated chunk by chunk: write it under a
/// temporary name and rename it once this returns.
pub async fn decrypt<W>(
    source: &crate::source::Source,
    identities: &Identities,
    s3: &crate::sink::s3::S3ClientOptions,
    mut out: W,
) -> Result<(W, u64), crate::Error>
where
    W: io::Write + Send + 'static,
{
    let input = crate::source::open(source.base(), s3).await?;
    let (ids, what) = (identities.clone(), source.to_string());
    crate::runtime::off_workers(move |_| {
        let n = decrypt_to(input, &ids, &what, &mut out)?;
        Ok((out, n))
    })
    .await
}
