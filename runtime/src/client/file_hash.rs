//! The digests WeChat Pay gives for files it does not sign: SHA1 for bills, SHA256 or SM3 for
//! electronic receipts. A download is trusted only once its digest matches the one a signed
//! answer carried, so every algorithm a signed answer may name is computed here, streaming.

use aws_lc_rs::digest;

/// A digest algorithm named by a `hash_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FileHash {
    Sha1,
    Sha256,
    Sm3,
}

impl FileHash {
    /// The algorithm `hash_type` names (any letter case), or `None` for one WeChat Pay does not use.
    pub(super) fn named(hash_type: &str) -> Option<Self> {
        [
            ("SHA1", Self::Sha1),
            ("SHA256", Self::Sha256),
            ("SM3", Self::Sm3),
        ]
        .into_iter()
        .find(|(name, _)| hash_type.eq_ignore_ascii_case(name))
        .map(|(_, h)| h)
    }

    /// A hasher for this algorithm.
    pub(super) fn start(self) -> Hasher {
        match self {
            Self::Sha1 => Hasher::Ring(digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY)),
            Self::Sha256 => Hasher::Ring(digest::Context::new(&digest::SHA256)),
            Self::Sm3 => Hasher::Sm3(Box::default()),
        }
    }
}

/// A running digest.
pub(super) enum Hasher {
    Ring(digest::Context),
    Sm3(Box<Sm3>),
}

impl Hasher {
    pub(super) fn update(&mut self, data: &[u8]) {
        match self {
            Self::Ring(c) => c.update(data),
            Self::Sm3(s) => s.update(data),
        }
    }

    /// The digest in lower-case hex.
    pub(super) fn finish_hex(self) -> String {
        let bytes = match self {
            Self::Ring(c) => c.finish().as_ref().to_vec(),
            Self::Sm3(s) => s.finish().to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// SM3 (GB/T 32905-2016), the Chinese national hash: 512-bit blocks, a 256-bit digest.
pub(super) struct Sm3 {
    state: [u32; 8],
    block: [u8; 64],
    filled: usize,
    /// Message length in bytes so far.
    length: u64,
}

const SM3_IV: [u32; 8] = [
    0x7380_166f,
    0x4914_b2b9,
    0x1724_42d7,
    0xda8a_0600,
    0xa96f_30bc,
    0x1631_38aa,
    0xe38d_ee4d,
    0xb0fb_0e4e,
];

impl Default for Sm3 {
    fn default() -> Self {
        Self {
            state: SM3_IV,
            block: [0; 64],
            filled: 0,
            length: 0,
        }
    }
}

impl Sm3 {
    pub(super) fn update(&mut self, mut data: &[u8]) {
        self.length = self.length.wrapping_add(data.len() as u64);
        while !data.is_empty() {
            let take = (64 - self.filled).min(data.len());
            self.block[self.filled..self.filled + take].copy_from_slice(&data[..take]);
            self.filled += take;
            data = &data[take..];
            if self.filled == 64 {
                let block = self.block;
                self.compress(&block);
                self.filled = 0;
            }
        }
    }

    pub(super) fn finish(mut self) -> [u8; 32] {
        let bits = self.length.wrapping_mul(8);
        // Padding: one bit, zeros to 56 bytes into a block, then the length in bits.
        let mut pad = vec![0x80u8];
        let used = (self.filled + 1) % 64;
        pad.resize(1 + if used <= 56 { 56 - used } else { 120 - used }, 0);
        pad.extend_from_slice(&bits.to_be_bytes());
        let length = self.length;
        self.update(&pad);
        self.length = length;
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(4).zip(self.state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    fn compress(&mut self, block: &[u8; 64]) {
        let p0 = |x: u32| x ^ x.rotate_left(9) ^ x.rotate_left(17);
        let p1 = |x: u32| x ^ x.rotate_left(15) ^ x.rotate_left(23);
        let mut w = [0u32; 68];
        for (i, chunk) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        for j in 16..68 {
            w[j] = p1(w[j - 16] ^ w[j - 9] ^ w[j - 3].rotate_left(15))
                ^ w[j - 13].rotate_left(7)
                ^ w[j - 6];
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = self.state;
        for j in 0..64 {
            let t: u32 = if j < 16 { 0x79cc_4519 } else { 0x7a87_9d8a };
            let ss1 = a
                .rotate_left(12)
                .wrapping_add(e)
                .wrapping_add(t.rotate_left((j % 32) as u32))
                .rotate_left(7);
            let ss2 = ss1 ^ a.rotate_left(12);
            let (ff, gg) = if j < 16 {
                (a ^ b ^ c, e ^ f ^ g)
            } else {
                ((a & b) | (a & c) | (b & c), (e & f) | (!e & g))
            };
            let tt1 = ff
                .wrapping_add(d)
                .wrapping_add(ss2)
                .wrapping_add(w[j] ^ w[j + 4]);
            let tt2 = gg.wrapping_add(h).wrapping_add(ss1).wrapping_add(w[j]);
            d = c;
            c = b.rotate_left(9);
            b = a;
            a = tt1;
            h = g;
            g = f.rotate_left(19);
            f = e;
            e = p0(tt2);
        }
        for (s, v) in self.state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
            *s ^= v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(h: FileHash, parts: &[&[u8]]) -> String {
        let mut hasher = h.start();
        for p in parts {
            hasher.update(p);
        }
        hasher.finish_hex()
    }

    // The two examples of GB/T 32905-2016, appendix A.
    #[test]
    fn sm3_matches_the_standards_examples() {
        assert_eq!(
            hex(FileHash::Sm3, &[b"abc"]),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        let sixty_four = b"abcd".repeat(16);
        assert_eq!(
            hex(FileHash::Sm3, &[&sixty_four]),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
        // Fed in pieces that straddle block edges, the digest is the same.
        assert_eq!(
            hex(
                FileHash::Sm3,
                &[&sixty_four[..3], &sixty_four[3..63], &sixty_four[63..]]
            ),
            hex(FileHash::Sm3, &[&sixty_four])
        );
    }

    #[test]
    fn sm3_pads_every_length_around_a_block_edge() {
        // Lengths whose padding needs one block or two; each must differ from its neighbour.
        let digests: Vec<String> = (54..=66)
            .map(|n| hex(FileHash::Sm3, &[&vec![b'x'; n]]))
            .collect();
        for pair in digests.windows(2) {
            assert_ne!(pair[0], pair[1]);
        }
        assert!(digests.iter().all(|d| d.len() == 64));
    }

    #[test]
    fn hash_types_are_named_in_any_case() {
        assert_eq!(FileHash::named("sha256"), Some(FileHash::Sha256));
        assert_eq!(FileHash::named("SM3"), Some(FileHash::Sm3));
        assert_eq!(FileHash::named("SHA1"), Some(FileHash::Sha1));
        assert_eq!(FileHash::named("MD5"), None);
        assert_eq!(
            hex(FileHash::Sha256, &[b"abc"]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
