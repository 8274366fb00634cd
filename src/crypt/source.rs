//! An archive source that may be encrypted: plaintext passes through,
//! age ciphertext is decrypted with the identities given.

use std::fs::File;
use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom};
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

use super::ranged::S3Seek;
use super::reader::{is_age, open};
use super::{Identities, CHUNK};
use crate::error::{Error, Result};
use crate::manifest::{Checked, HashingReader, Manifest};
use crate::source::{S3Reads, Source};

/// A [`Source`] read through age when it is encrypted. Whether it is, is
/// seen from its first bytes (once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedSource {
    inner: Source,
    identities: Option<Identities>,
    encrypted: Arc<OnceLock<bool>>,
}

/// Reads up to `n` bytes (fewer only at the end).
fn peek(r: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

const MAGIC_LEN: usize = 22;

impl EncryptedSource {
    /// `inner`, decrypted with `identities` when it is an age file.
    pub fn new(inner: Source, identities: Option<Identities>) -> EncryptedSource {
        EncryptedSource {
            inner,
            identities,
            encrypted: Arc::new(OnceLock::new()),
        }
    }

    /// The source under the encryption.
    pub fn inner(&self) -> &Source {
        &self.inner
    }

    fn what(&self) -> String {
        self.inner.to_string()
    }

    /// Whether the source is an age file (its first bytes are read once;
    /// standard input is not probed, and counts as encrypted only once
    /// [`EncryptedSource::open`] saw it).
    pub fn is_encrypted(&self) -> Result<bool> {
        self.is_encrypted_via(None)
    }

    /// [`EncryptedSource::is_encrypted`], S3 read through `via`.
    pub(crate) fn is_encrypted_via(&self, via: Option<&S3Reads>) -> Result<bool> {
        if let Some(&e) = self.encrypted.get() {
            return Ok(e);
        }
        if matches!(self.inner, Source::Stdin) {
            return Ok(false);
        }
        let mut r = self
            .inner
            .open_range_via(0, Some(MAGIC_LEN as u64 - 1), via)?;
        let head = peek(&mut r, MAGIC_LEN).map_err(|e| self.io(e))?;
        Ok(*self.encrypted.get_or_init(|| is_age(&head)))
    }

    fn io(&self, e: io::Error) -> Error {
        Error::from(archive_format::Error::from(e))
    }

    /// Reads the source front to back, decrypted.
    pub fn open(&self) -> Result<Box<dyn Read + Send>> {
        self.open_via(None)
    }

    /// [`EncryptedSource::open`], S3 read through `via`.
    pub(crate) fn open_via(&self, via: Option<&S3Reads>) -> Result<Box<dyn Read + Send>> {
        let mut r = self.inner.open_via(via)?;
        let head = peek(&mut r, MAGIC_LEN).map_err(|e| self.io(e))?;
        let encrypted = is_age(&head);
        let _ = self.encrypted.set(encrypted);
        let input = Cursor::new(head).chain(r);
        if !encrypted {
            return Ok(Box::new(input));
        }
        Ok(Box::new(open(
            input,
            self.identities.as_ref(),
            &self.what(),
        )?))
    }

    /// Reads the first bytes (a TOC): on S3, in growing range requests.
    pub fn open_head(&self) -> Result<Box<dyn Read + Send>> {
        self.open_head_via(None)
    }

    /// [`EncryptedSource::open_head`], S3 read through `via`.
    pub(crate) fn open_head_via(&self, via: Option<&S3Reads>) -> Result<Box<dyn Read + Send>> {
        if !self.is_encrypted_via(via)? {
            return self.inner.open_head_via(via);
        }
        let input = self.inner.open_head_via(via)?;
        Ok(Box::new(open(
            input,
            self.identities.as_ref(),
            &self.what(),
        )?))
    }

    /// Reads from plaintext byte `offset` on, up to `last` (inclusive) when
    /// given: the chunks around them are fetched (on S3 with one range
    /// request from the chunk holding `offset` to the one holding `last`)
    /// and decrypted.
    pub fn open_range(&self, offset: u64, last: Option<u64>) -> Result<Box<dyn Read + Send>> {
        self.open_range_via(offset, last, None)
    }

    /// [`EncryptedSource::open_range`], S3 read through `via`.
    pub(crate) fn open_range_via(
        &self,
        offset: u64,
        last: Option<u64>,
        via: Option<&S3Reads>,
    ) -> Result<Box<dyn Read + Send>> {
        if !self.is_encrypted_via(via)? {
            return self.inner.open_range_via(offset, last, via);
        }
        let what = self.what();
        let ids = self.identities.as_ref();
        let limit = |r: Box<dyn Read + Send>| -> Box<dyn Read + Send> {
            match last {
                Some(l) if l >= offset => Box::new(r.take(l - offset + 1)),
                _ => r,
            }
        };
        match &self.inner {
            Source::File(path) => {
                let file = File::open(path).map_err(|source| Error::File {
                    path: path.clone(),
                    source,
                })?;
                let mut plain = open(BufReader::with_capacity(CHUNK + 16, file), ids, &what)?;
                plain
                    .seek(SeekFrom::Start(offset))
                    .map_err(|e| self.io(e))?;
                Ok(limit(Box::new(plain)))
            }
            Source::S3(url) => {
                let via = via.ok_or_else(|| crate::source::needs_s3_settings(url))?;
                let reader = S3Seek::new(url, via);
                let (at, until) = (reader.at.clone(), reader.until.clone());
                let mut plain = open(reader, ids, &what)?;
                let head = at.load(Ordering::Relaxed);
                let step = (CHUNK + 16) as u64;
                if let Some(l) = last {
                    until.store(head + (l / CHUNK as u64 + 1) * step - 1, Ordering::Relaxed);
                }
                plain
                    .seek(SeekFrom::Start(offset))
                    .map_err(|e| self.io(e))?;
                Ok(limit(Box::new(plain)))
            }
            Source::Stdin | Source::Encrypted(_) => Err(Error::Config(
                "standard input cannot be read at an offset".into(),
            )),
        }
    }

    /// `pgark verify`'s reading: the digest over the bytes stored (the
    /// ciphertext, as the manifest records it), the archive checked in
    /// plaintext, and the row counts compared with `manifest` (unsealed).
    pub fn check(&self, manifest: Option<&Manifest>) -> Result<Checked> {
        self.check_via(manifest, None, None)
    }

    /// [`EncryptedSource::check`], S3 read through `via`.
    pub(crate) fn check_via(
        &self,
        manifest: Option<&Manifest>,
        via: Option<&S3Reads>,
        cancel: Option<&crate::CancellationToken>,
    ) -> Result<Checked> {
        let input = || Ok::<_, Error>(crate::cancel::reader(self.inner.open_via(via)?, cancel));
        if !self.is_encrypted_via(via)? {
            return Ok(crate::manifest::check_archive(input()?, manifest)?);
        }
        let sizes = manifest.map(Manifest::part_sizes).unwrap_or_default();
        let mut raw = HashingReader::new(input()?, sizes);
        let report = {
            let mut plain = open(&mut raw, self.identities.as_ref(), &self.what())?;
            let report = archive_format::verify(&mut plain)?;
            // The rest, to the last chunk's authentication.
            io::copy(&mut plain, &mut io::sink()).map_err(|e| self.io(e))?;
            report
        };
        io::copy(&mut raw, &mut io::sink()).map_err(|e| self.io(e))?;
        Ok(Checked::new(report, raw, manifest))
    }
}

/// [`crate::manifest::check_archive`] of `source`, through
/// [`EncryptedSource::check`] when it may be encrypted.
pub(crate) fn check_source(
    source: &Source,
    manifest: Option<&Manifest>,
    via: Option<&S3Reads>,
    cancel: Option<&crate::CancellationToken>,
) -> Result<Checked> {
    let checked = match source {
        Source::Encrypted(e) => e.check_via(manifest, via, cancel),
        s => s.open_via(via).and_then(|input| {
            let input = crate::cancel::reader(input, cancel);
            Ok(crate::manifest::check_archive(input, manifest)?)
        }),
    };
    crate::cancel::check(cancel)?;
    checked
}

impl EncryptedSource {
    /// Puts the sealed part of an encrypted archive's manifest back, with
    /// this source's identities (nothing to do without them, or for a
    /// plain manifest).
    pub fn unseal(&self, m: &mut Manifest) -> Result<()> {
        match &self.identities {
            Some(ids) => super::unseal_manifest(m, ids),
            None => Ok(()),
        }
    }
}
