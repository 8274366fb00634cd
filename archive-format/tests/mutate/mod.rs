//! What the hostile-input tests share (this crate's `hostile.rs` and
//! pgark's `tests/fuzz.rs`): the real pg_dump archives they start from and
//! the mutations they make.

use proptest::prelude::*;

/// Real pg_dump archives (15 to 18, every compression, one streamed, one
/// written to a redirected stdout):
/// `tests/data/regenerate.sh` makes them.
pub const REAL: [&[u8]; 10] = [
    include_bytes!("../data/pg15-none.dump"),
    include_bytes!("../data/pg15-gzip.dump"),
    include_bytes!("../data/pg16-lz4.dump"),
    include_bytes!("../data/pg16-zstd.dump"),
    include_bytes!("../data/pg17-gzip.dump"),
    include_bytes!("../data/pg17-none.dump"),
    include_bytes!("../data/pg18-zstd.dump"),
    include_bytes!("../data/pg18-lz4.dump"),
    include_bytes!("../data/pg18-gzip-streamed.dump"),
    include_bytes!("../data/pg18-gzip-stdout.dump"),
];

/// `PROPTEST_CASES` when set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Debug, Clone)]
pub enum Mutation {
    Flip(prop::sample::Index, u8),
    Insert(prop::sample::Index, Vec<u8>),
    Delete(prop::sample::Index, usize),
    /// Overwrites an Int (sign byte + 4 magnitude bytes) with an extreme value.
    Int(prop::sample::Index, bool, u32),
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    let extreme = prop_oneof![
        Just(u32::MAX),
        Just(i32::MAX as u32),
        Just(1 << 30),
        Just((1 << 30) + 1),
        Just(0),
        Just(1),
        any::<u32>(),
    ];
    prop_oneof![
        (any::<prop::sample::Index>(), 1u8..).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<prop::sample::Index>(), 1usize..32).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<prop::sample::Index>(), any::<bool>(), extreme)
            .prop_map(|(i, neg, v)| Mutation::Int(i, neg, v)),
    ]
}

pub fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    match m {
        Mutation::Flip(i, x) => {
            let i = i.index(bytes.len());
            bytes[i] ^= x;
        }
        Mutation::Insert(i, b) => {
            let i = i.index(bytes.len() + 1);
            bytes.splice(i..i, b.iter().copied());
        }
        Mutation::Delete(i, n) => {
            let i = i.index(bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::Int(i, neg, v) => {
            let i = i.index(bytes.len());
            let mut int = vec![u8::from(*neg)];
            int.extend_from_slice(&v.to_le_bytes());
            for (k, b) in int.into_iter().enumerate() {
                if let Some(slot) = bytes.get_mut(i + k) {
                    *slot = b;
                }
            }
        }
    }
}
