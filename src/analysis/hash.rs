//! Packed short words and a fast seeded hasher for the analyzer's stem cache (and the
//! indexer's paragraph counts).

use std::hash::{BuildHasher, Hasher, RandomState};

/// A word of at most 16 bytes, zero-padded into an integer.
pub(super) fn pack(word: &str) -> Option<u128> {
    // Shifts, not a copy into a byte array: reading that back as one integer stalls.
    let bytes = word.as_bytes();
    (bytes.len() <= 16).then(|| bytes.iter().rev().fold(0, |packed, &b| packed << 8 | u128::from(b)))
}

/// A fast seeded hasher (folded multiplies, as foldhash does) for in-memory maps: the stem
/// cache's packed words, and the indexer's paragraphs. SipHash, the std default, was a tenth of
/// the analyzer's time. The seed is random per map, so inputs cannot be chosen to collide.
#[derive(Clone, Copy)]
pub(crate) struct FoldHash([u64; 2]);

impl FoldHash {
    /// A hasher builder with a random seed.
    pub(crate) fn new() -> FoldHash {
        let random = RandomState::new();
        FoldHash([random.hash_one(1u8), random.hash_one(2u8)])
    }
}

impl Default for FoldHash {
    fn default() -> FoldHash {
        FoldHash::new()
    }
}

impl BuildHasher for FoldHash {
    type Hasher = FoldHasher;

    fn build_hasher(&self) -> FoldHasher {
        FoldHasher { seed: self.0, hash: 0 }
    }
}

/// The [`Hasher`] of [`FoldHash`].
pub(crate) struct FoldHasher {
    seed: [u64; 2],
    hash: u64,
}

impl FoldHasher {
    fn mix(&mut self, lo: u64, hi: u64) {
        let product = u128::from(lo ^ self.seed[0] ^ self.hash) * u128::from(hi ^ self.seed[1]);
        self.hash = product as u64 ^ (product >> 64) as u64;
    }
}

impl Hasher for FoldHasher {
    fn write_u128(&mut self, n: u128) {
        self.mix(n as u64, (n >> 64) as u64);
    }

    fn write(&mut self, bytes: &[u8]) {
        let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or_default());
        let mut chunks = bytes.chunks_exact(16);
        for chunk in &mut chunks {
            self.mix(word(&chunk[..8]), word(&chunk[8..]));
        }
        let mut tail = [0u8; 16];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.mix(word(&tail[..8]) ^ bytes.len() as u64, word(&tail[8..]));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}
