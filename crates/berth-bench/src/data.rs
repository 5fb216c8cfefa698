//! Blob contents made on demand: every blob is a seeded pseudo-random
//! block with its identity stamped into each 4 KiB page, so blobs never
//! share a digest, need not be kept on disk, and cost a memory copy to
//! regenerate rather than a random-number generator pass.

use sha2::{Digest, Sha256};

const BLOCK: usize = 1 << 20;
const PAGE: usize = 4096;

/// The source all blob contents of a run are cut from.
pub struct Material {
    block: Vec<u8>,
    run: u64,
}

impl Material {
    /// `run` separates runs against the same server, so a second run's
    /// blobs are new to it and really get uploaded.
    pub fn new(run: u64) -> Self {
        let mut state = run ^ 0x9e37_79b9_7f4a_7c15;
        let mut block = Vec::with_capacity(BLOCK);
        while block.len() < BLOCK {
            block.extend_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        Self { block, run }
    }

    /// The bytes of blob number `id`, `size` long.
    pub fn blob(&self, id: u64, size: usize) -> Vec<u8> {
        self.piece(id, 0, size)
    }

    /// `len` bytes of blob number `id` from `offset` on, for streaming a
    /// blob too large to hold; `offset` must be a multiple of 4 KiB.
    pub fn piece(&self, id: u64, offset: u64, len: usize) -> Vec<u8> {
        debug_assert_eq!(offset % PAGE as u64, 0);
        let mut bytes = Vec::with_capacity(len);
        let mut page = offset / PAGE as u64;
        while bytes.len() < len {
            let start = bytes.len();
            let in_block = (offset as usize + start) % BLOCK;
            let take = PAGE.min(len - start);
            bytes.extend_from_slice(&self.block[in_block..in_block + take]);
            // A hash of all three first, so even a blob of a few bytes is
            // unique to its run and id.
            let mut mixed = self.run ^ id.rotate_left(21) ^ page.rotate_left(42);
            let stamp = [
                splitmix64(&mut mixed).to_le_bytes(),
                id.to_le_bytes(),
                page.to_le_bytes(),
            ]
            .concat();
            let stamp_len = stamp.len().min(take);
            bytes[start..start + stamp_len].copy_from_slice(&stamp[..stamp_len]);
            page += 1;
        }
        bytes
    }

    /// The digest of a blob made of pieces, without holding it.
    pub fn digest_streamed(&self, id: u64, size: u64, piece_len: usize) -> String {
        let mut hasher = Sha256::new();
        let mut offset = 0;
        while offset < size {
            let len = (piece_len as u64).min(size - offset) as usize;
            hasher.update(self.piece(id, offset, len));
            offset += len as u64;
        }
        format!("sha256:{}", hex::encode(hasher.finalize()))
    }
}

/// `sha256:<hex>` of the bytes.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A small, fast, seedable generator for plans (sizes, sharing); not for
/// anything secret.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_repeatable_and_distinct() {
        let material = Material::new(7);
        let a = material.blob(1, 10_000);
        assert_eq!(a.len(), 10_000);
        assert_eq!(a, material.blob(1, 10_000));
        assert_ne!(digest_of(&a), digest_of(&material.blob(2, 10_000)));
        assert_ne!(digest_of(&a), digest_of(&Material::new(8).blob(1, 10_000)));
        // Tiny blobs still differ.
        assert_ne!(material.blob(1, 3), material.blob(2, 3));
        // Pieces line up with the whole.
        let whole = material.blob(3, 3 * 4096 + 10);
        assert_eq!(material.piece(3, 4096, 8192), whole[4096..12288]);
        assert_eq!(
            material.digest_streamed(3, whole.len() as u64, 4096),
            digest_of(&whole)
        );
    }
}
