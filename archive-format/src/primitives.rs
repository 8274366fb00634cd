//! The archive's primitive values: Int, Str and Offset.
//!
//! * Int: one sign byte (0 = non-negative, anything else negative), then
//!   `int_size` bytes of the magnitude, little-endian (sign-magnitude).
//! * Str: an Int byte length, then the bytes; a negative length is NULL.
//! * Offset: a flag byte, then `off_size` bytes little-endian.
//!
//! Encoding appends to a `Vec<u8>`; decoding reads from a byte slice and
//! reports [`Stop::NeedMore`] instead of blocking when the slice is short.

use crate::error::{Error, Location};

/// Strings longer than this are refused as corrupt: PostgreSQL's own text
/// limit is 1 GB, so no real TOC field is longer.
pub const MAX_STRING_LEN: u64 = 1 << 30;

/// Where the data block of a TOC entry is, as stored in the TOC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataOffset {
    /// The entry has data, but its position was not recorded
    /// (`K_OFFSET_POS_NOT_SET`: the archive was written to a pipe).
    NotSet,
    /// The data block starts at this absolute byte position (`K_OFFSET_POS_SET`).
    Set(u64),
    /// The entry has no data block (`K_OFFSET_NO_DATA`).
    NoData,
}

pub(crate) const K_OFFSET_POS_NOT_SET: u8 = 1;
pub(crate) const K_OFFSET_POS_SET: u8 = 2;
pub(crate) const K_OFFSET_NO_DATA: u8 = 3;

/// Appends primitives to a buffer.
#[derive(Debug)]
pub(crate) struct Enc<'a> {
    pub buf: &'a mut Vec<u8>,
    pub int_size: u8,
    pub off_size: u8,
}

impl Enc<'_> {
    pub fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    pub fn int(&mut self, v: i32) {
        self.buf.push(u8::from(v < 0));
        let mag = v.unsigned_abs();
        for i in 0..usize::from(self.int_size) {
            self.buf
                .push(if i < 4 { (mag >> (8 * i)) as u8 } else { 0 });
        }
    }

    /// Writes a Str. Lengths beyond `i32::MAX` cannot be expressed.
    pub fn str(&mut self, s: Option<&[u8]>) -> Result<(), Error> {
        match s {
            None => self.int(-1),
            Some(s) => {
                let len = i32::try_from(s.len()).map_err(|_| {
                    Error::usage(format!(
                        "string of {} bytes is too long for an archive",
                        s.len()
                    ))
                })?;
                self.int(len);
                self.buf.extend_from_slice(s);
            }
        }
        Ok(())
    }

    pub fn offset(&mut self, off: DataOffset) {
        let (flag, pos) = match off {
            DataOffset::NotSet => (K_OFFSET_POS_NOT_SET, 0),
            DataOffset::Set(p) => (K_OFFSET_POS_SET, p),
            DataOffset::NoData => (K_OFFSET_NO_DATA, 0),
        };
        self.buf.push(flag);
        for i in 0..usize::from(self.off_size) {
            self.buf
                .push(if i < 8 { (pos >> (8 * i)) as u8 } else { 0 });
        }
    }
}

/// Why decoding stopped.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The slice ends before the value does: feed more bytes and retry.
    NeedMore,
    /// The bytes are invalid.
    Invalid(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Invalid(e)
    }
}

pub(crate) type Parse<T> = Result<T, Stop>;

/// Reads primitives from a slice that starts at absolute archive offset `base`.
#[derive(Debug)]
pub(crate) struct Dec<'a> {
    buf: &'a [u8],
    pos: usize,
    base: u64,
    pub int_size: u8,
    pub off_size: u8,
    pub location: Location,
}

impl<'a> Dec<'a> {
    pub fn new(buf: &'a [u8], base: u64, int_size: u8, off_size: u8, location: Location) -> Self {
        Dec {
            buf,
            pos: 0,
            base,
            int_size,
            off_size,
            location,
        }
    }

    /// Bytes consumed so far.
    pub fn consumed(&self) -> usize {
        self.pos
    }

    /// Absolute archive offset of the next byte.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub fn corrupt_at(&self, offset: u64, message: impl Into<String>) -> Stop {
        Stop::Invalid(Error::corrupt(offset, self.location.clone(), message))
    }

    pub fn bytes(&mut self, n: usize) -> Parse<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or(Stop::NeedMore)?;
        let s = self.buf.get(self.pos..end).ok_or(Stop::NeedMore)?;
        self.pos = end;
        Ok(s)
    }

    pub fn byte(&mut self) -> Parse<u8> {
        Ok(self.bytes(1)?[0])
    }

    /// An Int as i64: with `int_size` up to 8 the magnitude can exceed i32.
    pub fn int_wide(&mut self) -> Parse<i64> {
        let sign = self.byte()?;
        let raw = self.bytes(usize::from(self.int_size))?;
        let mut mag: u64 = 0;
        for (i, &b) in raw.iter().enumerate() {
            if i < 8 {
                mag |= u64::from(b) << (8 * i);
            } else if b != 0 {
                return Err(self.corrupt_at(self.offset(), "integer does not fit in 64 bits"));
            }
        }
        let mag = i64::try_from(mag)
            .map_err(|_| self.corrupt_at(self.offset(), "integer does not fit in 64 bits"))?;
        Ok(if sign == 0 { mag } else { -mag })
    }

    /// An Int that must fit pg_dump's C `int`.
    pub fn int(&mut self) -> Parse<i32> {
        let at = self.offset();
        let v = self.int_wide()?;
        i32::try_from(v).map_err(|_| self.corrupt_at(at, format!("integer {v} out of range")))
    }

    /// A Str; NULL is `None`.
    pub fn str(&mut self) -> Parse<Option<&'a [u8]>> {
        let at = self.offset();
        let len = self.int_wide()?;
        if len < 0 {
            return Ok(None);
        }
        let len = len as u64;
        if len > MAX_STRING_LEN {
            return Err(self.corrupt_at(at, format!("string length {len} exceeds the 1 GiB limit")));
        }
        Ok(Some(self.bytes(len as usize)?))
    }

    pub fn offset_field(&mut self) -> Parse<DataOffset> {
        let at = self.offset();
        let flag = self.byte()?;
        let raw = self.bytes(usize::from(self.off_size))?;
        let mut pos: u64 = 0;
        for (i, &b) in raw.iter().enumerate() {
            if i < 8 {
                pos |= u64::from(b) << (8 * i);
            } else if b != 0 {
                return Err(self.corrupt_at(at, "file offset in dump file is too large"));
            }
        }
        match flag {
            K_OFFSET_POS_NOT_SET => Ok(DataOffset::NotSet),
            K_OFFSET_POS_SET => Ok(DataOffset::Set(pos)),
            K_OFFSET_NO_DATA => Ok(DataOffset::NoData),
            other => Err(self.corrupt_at(at, format!("unexpected data offset flag {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(buf: &[u8]) -> Dec<'_> {
        Dec::new(buf, 0, 4, 8, Location::Header)
    }

    #[test]
    fn ints_are_sign_magnitude() {
        let mut buf = Vec::new();
        let mut e = Enc {
            buf: &mut buf,
            int_size: 4,
            off_size: 8,
        };
        e.int(-1);
        e.int(258);
        e.int(i32::MIN);
        assert_eq!(&buf[..10], &[1, 1, 0, 0, 0, 0, 2, 1, 0, 0]);
        let mut d = dec(&buf);
        assert_eq!(d.int().ok(), Some(-1));
        assert_eq!(d.int().ok(), Some(258));
        assert_eq!(d.int().ok(), Some(i32::MIN));
        assert!(matches!(d.int(), Err(Stop::NeedMore)));
    }

    #[test]
    fn null_and_empty_strings_differ() {
        let mut buf = Vec::new();
        let mut e = Enc {
            buf: &mut buf,
            int_size: 4,
            off_size: 8,
        };
        e.str(None).ok();
        e.str(Some(b"")).ok();
        e.str(Some(b"abc")).ok();
        let mut d = dec(&buf);
        assert_eq!(d.str().ok(), Some(None));
        assert_eq!(d.str().ok(), Some(Some(&b""[..])));
        assert_eq!(d.str().ok(), Some(Some(&b"abc"[..])));
    }

    #[test]
    fn huge_string_length_is_corrupt_not_an_allocation() {
        let buf = [0u8, 0xff, 0xff, 0xff, 0x7f];
        assert!(matches!(dec(&buf).str(), Err(Stop::Invalid(_))));
        // A plausible length past the end only asks for more input.
        let buf = [0u8, 0x00, 0x10, 0x00, 0x00, b'x'];
        assert!(matches!(dec(&buf).str(), Err(Stop::NeedMore)));
    }

    #[test]
    fn offsets_round_trip_and_reject_bad_flags() {
        let mut buf = Vec::new();
        let mut e = Enc {
            buf: &mut buf,
            int_size: 4,
            off_size: 8,
        };
        e.offset(DataOffset::Set(0x0102_0304_0506));
        e.offset(DataOffset::NotSet);
        e.offset(DataOffset::NoData);
        let mut d = dec(&buf);
        assert_eq!(
            d.offset_field().ok(),
            Some(DataOffset::Set(0x0102_0304_0506))
        );
        assert_eq!(d.offset_field().ok(), Some(DataOffset::NotSet));
        assert_eq!(d.offset_field().ok(), Some(DataOffset::NoData));
        let bad = [9u8, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(matches!(dec(&bad).offset_field(), Err(Stop::Invalid(_))));
    }
}
