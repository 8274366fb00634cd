//! Writing age v1: the header, then the STREAM of 64 KiB chunks, through
//! an [`ArchiveSink`] whose first chunks can be patched at the end.

use std::collections::HashSet;
use std::io::{self, Write};

use base64::prelude::{Engine, BASE64_STANDARD_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::ChaCha20Poly1305;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{CryptError, Recipients};
use crate::backup::{ArchiveSink, Stored};
use crate::error::{Error, Result};

/// Plaintext bytes per STREAM chunk.
pub const CHUNK: usize = 64 * 1024;
/// The Poly1305 tag each chunk carries.
const TAG: usize = 16;

/// An age header for some recipients and the key of the payload after it.
pub struct Encryptor {
    /// The header and the payload nonce: the ciphertext's first bytes.
    head: Vec<u8>,
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encryptor")
            .field("head", &self.head.len())
            .finish()
    }
}

fn random<const N: usize>() -> Result<[u8; N], CryptError> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b)
        .map_err(|e| CryptError::Encrypt(format!("no randomness from the system: {e}")))?;
    Ok(b)
}

fn hkdf(salt: &[u8], label: &[u8], ikm: &[u8]) -> [u8; 32] {
    let mut okm = [0u8; 32];
    // 32 bytes is always a valid HKDF-SHA256 output length.
    let _ = Hkdf::<Sha256>::new(Some(salt), ikm).expand(label, &mut okm);
    okm
}

impl Encryptor {
    /// A fresh file key wrapped to every recipient.
    pub fn new(recipients: &Recipients) -> Result<Encryptor, CryptError> {
        let key_bytes: [u8; 16] = random()?;
        let file_key = age_core::format::FileKey::new(Box::new(key_bytes));
        let mut head = b"age-encryption.org/v1\n".to_vec();
        let mut labels: Option<HashSet<String>> = None;
        for r in recipients.keys() {
            let (stanzas, l) = r
                .wrap_file_key(&file_key)
                .map_err(|e| CryptError::Encrypt(e.to_string()))?;
            match &labels {
                Some(prev) if *prev != l => {
                    return Err(CryptError::Encrypt(
                        "these recipients cannot be combined in one file".into(),
                    ))
                }
                _ => labels = Some(l),
            }
            for s in stanzas {
                head.extend_from_slice(b"-> ");
                head.extend_from_slice(s.tag.as_bytes());
                for a in &s.args {
                    head.push(b' ');
                    head.extend_from_slice(a.as_bytes());
                }
                head.push(b'\n');
                let body = BASE64_STANDARD_NO_PAD.encode(&s.body);
                let mut rest = body.as_str();
                while rest.len() >= 64 {
                    let (line, r) = rest.split_at(64);
                    head.extend_from_slice(line.as_bytes());
                    head.push(b'\n');
                    rest = r;
                }
                head.extend_from_slice(rest.as_bytes());
                head.push(b'\n');
            }
        }
        head.extend_from_slice(b"---");
        let mac_key = hkdf(&[], b"header", &key_bytes);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&mac_key)
            .map_err(|e| CryptError::Encrypt(e.to_string()))?;
        mac.update(&head);
        let tag = mac.finalize().into_bytes();
        head.push(b' ');
        head.extend_from_slice(BASE64_STANDARD_NO_PAD.encode(tag).as_bytes());
        head.push(b'\n');
        let nonce: [u8; 16] = random()?;
        head.extend_from_slice(&nonce);
        let payload_key = hkdf(&nonce, b"payload", &key_bytes);
        let cipher = ChaCha20Poly1305::new((&payload_key).into());
        Ok(Encryptor { head, cipher })
    }

    /// Bytes before the first chunk (header and nonce).
    pub fn head_len(&self) -> u64 {
        self.head.len() as u64
    }

    /// The ciphertext length of `plain` bytes of payload.
    pub fn cipher_len(&self, plain: u64) -> u64 {
        let chunks = plain.div_ceil(CHUNK as u64).max(1);
        self.head_len() + plain + chunks * TAG as u64
    }

    /// The ciphertext bytes the first `plain` bytes of payload end in
    /// (whole chunks).
    pub fn cipher_prefix(&self, plain: u64) -> u64 {
        let chunks = plain.div_ceil(CHUNK as u64);
        self.head_len() + chunks * (CHUNK + TAG) as u64
    }

    fn seal(&self, counter: u64, last: bool, chunk: &[u8]) -> io::Result<Vec<u8>> {
        let mut nonce = [0u8; 12];
        nonce[3..11].copy_from_slice(&counter.to_be_bytes());
        nonce[11] = u8::from(last);
        self.cipher
            .encrypt((&nonce).into(), chunk)
            .map_err(|_| io::Error::other("chunk encryption failed"))
    }

    /// Wraps `inner`: what is written is encrypted into it. The first
    /// `hold` bytes (the archive's header and TOC; 0 for a sink that
    /// cannot patch, such as a pipe) are kept in plaintext and their chunks
    /// written as zeros until [`ArchiveSink::complete`] patches and
    /// encrypts them.
    pub fn into_sink(self, mut inner: Box<dyn ArchiveSink>, hold: u64) -> Result<EncryptSink> {
        inner.write_all(&self.head).map_err(Error::Output)?;
        Ok(EncryptSink {
            hold_chunks: hold.div_ceil(CHUNK as u64),
            enc: self,
            inner,
            counter: 0,
            buf: Vec::with_capacity(2 * CHUNK),
            held: Vec::new(),
            plain: 0,
        })
    }
}

/// An [`ArchiveSink`] that encrypts into another one. Memory: about two
/// chunks plus the held chunks.
pub struct EncryptSink {
    enc: Encryptor,
    inner: Box<dyn ArchiveSink>,
    /// The next chunk's number.
    counter: u64,
    /// Plaintext not yet sealed (the last chunk is sealed only at the end,
    /// when it is known to be last).
    buf: Vec<u8>,
    /// Plaintext of chunks `0..hold_chunks` (their ciphertext is written
    /// as zeros, then patched).
    held: Vec<u8>,
    hold_chunks: u64,
    plain: u64,
}

impl std::fmt::Debug for EncryptSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptSink")
            .field("counter", &self.counter)
            .field("plain", &self.plain)
            .finish()
    }
}

impl EncryptSink {
    /// Seals every full chunk that has a byte after it.
    fn drain(&mut self) -> io::Result<()> {
        let mut start = 0;
        while self.buf.len() - start > CHUNK {
            let chunk = &self.buf[start..start + CHUNK];
            if self.counter < self.hold_chunks {
                self.held.extend_from_slice(chunk);
                self.inner.write_all(&[0u8; CHUNK + TAG])?;
            } else {
                let sealed = self.enc.seal(self.counter, false, chunk)?;
                self.inner.write_all(&sealed)?;
            }
            self.counter += 1;
            start += CHUNK;
        }
        self.buf.drain(..start);
        Ok(())
    }
}

impl Write for EncryptSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        self.plain += data.len() as u64;
        if self.buf.len() > CHUNK {
            self.drain()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl ArchiveSink for EncryptSink {
    fn complete(mut self: Box<Self>, toc_offset: u64, toc: &[u8], len: u64) -> Result<Stored> {
        if len != self.plain {
            return Err(Error::Config(format!(
                "the archive has {len} bytes, {} were encrypted",
                self.plain
            )));
        }
        let held_len = self.held.len() as u64;
        let tail_at = self.counter * CHUNK as u64;
        if self.hold_chunks > 0 {
            // The TOC lies in the held chunks, or runs on into the last one
            // when every chunk before it is held.
            for (i, b) in toc.iter().enumerate() {
                let at = toc_offset + i as u64;
                if at < held_len {
                    self.held[at as usize] = *b;
                } else if at >= tail_at && ((at - tail_at) as usize) < self.buf.len() {
                    self.buf[(at - tail_at) as usize] = *b;
                } else {
                    return Err(Error::Config(format!(
                        "the TOC (bytes {toc_offset}..{}) is not in the held chunks",
                        toc_offset + toc.len() as u64
                    )));
                }
            }
        }
        let last = self
            .enc
            .seal(self.counter, true, &self.buf)
            .map_err(Error::Output)?;
        self.inner.write_all(&last).map_err(Error::Output)?;
        let mut patch = Vec::with_capacity(self.held.len() + self.held.len() / CHUNK * TAG);
        for (i, chunk) in self.held.chunks(CHUNK).enumerate() {
            let sealed = self
                .enc
                .seal(i as u64, false, chunk)
                .map_err(Error::Output)?;
            patch.extend_from_slice(&sealed);
        }
        let cipher_len = self.enc.cipher_len(self.plain);
        let head = self.enc.head_len();
        let EncryptSink { inner, .. } = *self;
        inner.complete(head, &patch, cipher_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::sync::{Arc, Mutex};

    /// A sink into memory that applies the patch, as a file does.
    struct Memory(Arc<Mutex<Vec<u8>>>);

    impl Write for Memory {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl ArchiveSink for Memory {
        fn complete(self: Box<Self>, at: u64, patch: &[u8], len: u64) -> Result<Stored> {
            let mut v = self
                .0
                .lock()
                .map_err(|_| Error::Config("poisoned".into()))?;
            assert_eq!(v.len() as u64, len);
            v[at as usize..at as usize + patch.len()].copy_from_slice(patch);
            Ok(Stored {
                location: "memory".into(),
                bytes: len,
                offsets: true,
                sha256: String::new(),
                s3: None,
            })
        }
    }

    fn round_trip(len: usize, hold: usize, toc_at: usize, toc_len: usize) {
        let id = age::x25519::Identity::generate();
        let recipients = Recipients::parse(&[id.to_public().to_string()]).expect("recipient");
        let out = Arc::new(Mutex::new(Vec::new()));
        let enc = Encryptor::new(&recipients).expect("encryptor");
        let mut sink = enc
            .into_sink(Box::new(Memory(out.clone())), hold as u64)
            .expect("sink");
        let plain: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        for piece in plain.chunks(7777) {
            sink.write_all(piece).expect("write");
        }
        let toc: Vec<u8> = vec![0xAB; toc_len];
        Box::new(sink)
            .complete(toc_at as u64, &toc, len as u64)
            .expect("complete");
        let mut expected = plain.clone();
        expected[toc_at..toc_at + toc_len].copy_from_slice(&toc);
        let cipher = out.lock().expect("lock").clone();
        let dec = age::Decryptor::new(&cipher[..]).expect("header");
        let mut r = dec
            .decrypt(std::iter::once(&id as &dyn age::Identity))
            .expect("identity");
        let mut got = Vec::new();
        r.read_to_end(&mut got).expect("decrypts");
        assert!(got == expected, "len {len} hold {hold}");
    }

    /// age itself decrypts what the sink wrote, with the TOC patched in,
    /// around every chunk boundary.
    #[test]
    fn age_reads_the_patched_stream() {
        for len in [
            1,
            100,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            3 * CHUNK,
            3 * CHUNK + 5,
        ] {
            round_trip(len, len.min(CHUNK + 10), 0, len.min(50));
        }
        round_trip(5 * CHUNK + 3, 2 * CHUNK, CHUNK - 10, 100);
        round_trip(CHUNK + 3, CHUNK + 3, CHUNK - 1, 4);
    }
}
