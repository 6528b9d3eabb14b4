//! AES-256-GCM with a nonce of any length (NIST SP 800-38D), for files WeChat Pay encrypts with
//! a per-file key: its examples give 16- and 32-character nonces, and aws-lc-rs's AEAD takes only
//! 96-bit ones. A 12-byte nonce goes straight to aws-lc-rs; any other is turned into the initial
//! counter block by GHASH, as the standard says, and the file is then run through aws-lc-rs's
//! AES (CTR for the data, one block each for the hash key and the tag mask) with the tag checked
//! here, in constant time, before a byte of plain text is given back.
//!
//! The tag is the last 16 bytes of the data (ciphertext ‖ tag, as Java's `AES/GCM/NoPadding`
//! writes it).

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{AES_256, EncryptingKey, EncryptionContext, UnboundCipherKey};
use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::iv::FixedLength;

/// Length of the authentication tag.
pub const TAG_LEN: usize = 16;

/// Why data did not open or seal; never anything of the key or the plain text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GcmError {
    /// The data is shorter than its tag.
    TooShort,
    /// The nonce is empty (GCM needs at least one byte).
    EmptyNonce,
    /// The tag does not match: wrong key, nonce or associated data, or tampered data.
    Unauthentic,
    /// The underlying cipher refused (a bug, not bad input).
    Cipher,
}

impl std::fmt::Display for GcmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::TooShort => "the data is shorter than its 16-byte GCM tag",
            Self::EmptyNonce => "the nonce is empty",
            Self::Unauthentic => {
                "the GCM tag does not match: wrong key or nonce, or the data was changed"
            }
            Self::Cipher => "AES refused the key",
        })
    }
}

impl std::error::Error for GcmError {}

/// Opens `data` (ciphertext ‖ tag) in place: on success `data` holds the plain text; on failure
/// it holds nothing (no unauthenticated byte is left behind).
pub fn open(key: &[u8; 32], nonce: &[u8], aad: &[u8], data: &mut Vec<u8>) -> Result<(), GcmError> {
    let result = open_inner(key, nonce, aad, data);
    if result.is_err() {
        data.clear();
    }
    result
}

fn open_inner(
    key: &[u8; 32],
    nonce: &[u8],
    aad: &[u8],
    data: &mut Vec<u8>,
) -> Result<(), GcmError> {
    if data.len() < TAG_LEN {
        return Err(GcmError::TooShort);
    }
    if let Ok(standard) = Nonce::try_assume_unique_for_key(nonce) {
        let plain_len = aead(key)?
            .open_in_place(standard, Aad::from(aad), data)
            .map_err(|_| GcmError::Unauthentic)?
            .len();
        data.truncate(plain_len);
        return Ok(());
    }
    let blocks = Blocks::new(key, nonce)?;
    let split = data.len() - TAG_LEN;
    let expected = blocks.tag(aad, &data[..split])?;
    verify_slices_are_equal(&expected, &data[split..]).map_err(|_| GcmError::Unauthentic)?;
    data.truncate(split);
    blocks.ctr(data)
}

/// Seals `data` in place: it becomes ciphertext ‖ tag (for simulators and tests that play
/// WeChat Pay).
pub fn seal(key: &[u8; 32], nonce: &[u8], aad: &[u8], data: &mut Vec<u8>) -> Result<(), GcmError> {
    if let Ok(standard) = Nonce::try_assume_unique_for_key(nonce) {
        return aead(key)?
            .seal_in_place_append_tag(standard, Aad::from(aad), data)
            .map_err(|_| GcmError::Cipher);
    }
    let blocks = Blocks::new(key, nonce)?;
    blocks.ctr(data)?;
    let tag = blocks.tag(aad, data)?;
    data.extend_from_slice(&tag);
    Ok(())
}

fn aead(key: &[u8; 32]) -> Result<LessSafeKey, GcmError> {
    let key = UnboundKey::new(&AES_256_GCM, key).map_err(|_| GcmError::Cipher)?;
    Ok(LessSafeKey::new(key))
}

/// The per-message values of GCM with a nonce that is not 96 bits long.
struct Blocks {
    ecb: EncryptingKey,
    ctr: EncryptingKey,
    /// The hash subkey H = AES(K, 0¹²⁸).
    h: u128,
    /// The initial counter block J0 = GHASH(nonce ‖ padding ‖ length).
    j0: u128,
}

impl Blocks {
    fn new(key: &[u8; 32], nonce: &[u8]) -> Result<Self, GcmError> {
        if nonce.is_empty() {
            return Err(GcmError::EmptyNonce);
        }
        let cipher = |make: fn(UnboundCipherKey) -> Result<EncryptingKey, _>| {
            UnboundCipherKey::new(&AES_256, key)
                .and_then(make)
                .map_err(|_| GcmError::Cipher)
        };
        let ecb = cipher(EncryptingKey::ecb)?;
        let ctr = cipher(EncryptingKey::ctr)?;
        let h = block(&ecb, 0)?;
        let mut ghash = Ghash::new(h);
        ghash.update_padded(nonce);
        ghash.update_block(bit_len(nonce));
        let j0 = ghash.finish();
        Ok(Self { ecb, ctr, h, j0 })
    }

    /// The tag of `ciphertext` under `aad`: AES(K, J0) ⊕ GHASH(aad, ciphertext, lengths).
    fn tag(&self, aad: &[u8], ciphertext: &[u8]) -> Result<[u8; TAG_LEN], GcmError> {
        let mut ghash = Ghash::new(self.h);
        ghash.update_padded(aad);
        ghash.update_padded(ciphertext);
        ghash.update_block((bit_len(aad) << 64) | bit_len(ciphertext));
        Ok((block(&self.ecb, self.j0)? ^ ghash.finish()).to_be_bytes())
    }

    /// XORs `data` with the key stream that starts at inc32(J0). GCM increments only the low
    /// 32 bits of the counter block (wrapping), while AES-CTR carries into all 128, so the data
    /// is cut where the low 32 bits would wrap and each piece starts from its own counter block.
    fn ctr(&self, data: &mut [u8]) -> Result<(), GcmError> {
        let high = self.j0 & !u128::from(u32::MAX);
        let mut low = (self.j0 as u32).wrapping_add(1);
        let mut rest = data;
        while !rest.is_empty() {
            let blocks_before_wrap = (1u64 << 32) - u64::from(low);
            let take = usize::try_from(blocks_before_wrap.saturating_mul(16))
                .map_or(rest.len(), |n| n.min(rest.len()));
            let (piece, tail) = rest.split_at_mut(take);
            let counter = FixedLength::from((high | u128::from(low)).to_be_bytes());
            self.ctr
                .less_safe_encrypt(piece, EncryptionContext::Iv128(counter))
                .map_err(|_| GcmError::Cipher)?;
            low = 0;
            rest = tail;
        }
        Ok(())
    }
}

/// AES(K, `input`) of one block.
fn block(ecb: &EncryptingKey, input: u128) -> Result<u128, GcmError> {
    let mut bytes = input.to_be_bytes();
    ecb.less_safe_encrypt(&mut bytes, EncryptionContext::None)
        .map_err(|_| GcmError::Cipher)?;
    Ok(u128::from_be_bytes(bytes))
}

/// The length of `data` in bits, as GCM's length blocks write it (64 bits each).
fn bit_len(data: &[u8]) -> u128 {
    (data.len() as u128) * 8
}

/// GHASH (SP 800-38D, 6.4) over whole and zero-padded blocks.
struct Ghash {
    h: u128,
    acc: u128,
}

impl Ghash {
    fn new(h: u128) -> Self {
        Self { h, acc: 0 }
    }

    fn update_block(&mut self, block: u128) {
        self.acc = gf_mul(self.acc ^ block, self.h);
    }

    /// `data` as blocks, the last one padded with zeros.
    fn update_padded(&mut self, data: &[u8]) {
        for chunk in data.chunks(16) {
            let mut block = [0u8; 16];
            block[..chunk.len()].copy_from_slice(chunk);
            self.update_block(u128::from_be_bytes(block));
        }
    }

    fn finish(self) -> u128 {
        self.acc
    }
}

/// Multiplication in GF(2¹²⁸) with GCM's bit order (SP 800-38D, algorithm 1): the first bit of
/// a block is the most significant bit of its big-endian `u128`. Branch-free in the data, so its
/// timing does not depend on the hash key or the data.
fn gf_mul(x: u128, y: u128) -> u128 {
    const R: u128 = 0xe1 << 120;
    let mut z = 0u128;
    let mut v = y;
    for i in (0..128).rev() {
        let bit = (x >> i) & 1;
        z ^= v & 0u128.wrapping_sub(bit);
        let carry = v & 1;
        v = (v >> 1) ^ (R & 0u128.wrapping_sub(carry));
    }
    z
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8; 32] = b"Bill0File1Key2For3AES4GCM5Test67";

    fn unhex(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect()
    }

    /// Sealed by an independent implementation (Python `cryptography`'s AESGCM, OpenSSL) with
    /// the 16- and 32-character nonces of WeChat Pay's examples, a 12-byte one and an empty text.
    const VECTORS: &[(&str, &str, &str)] = &[
        (
            "a8607ef79034c49c",
            "记账时间,业务名称\n`2026-11-22 10:00:00,`交易\n",
            "43d2454fa69126cd18ba735533c93569cc901bac2cf1c0b28671b3ed826b8dc6ccf4742dd6d31a9b3462745c53ef2bb19e2e3de150ad3df7a65230ed4cfc1714052eb3e53e1a3a",
        ),
        (
            "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "c52886e0bcd03024515fd7eecdfd1af749ca8a2294454571041e62b96e818839078e4c7f56fcf62f32bffa928f9b9e18ec",
        ),
        (
            "8XOl7iBMSRmd",
            "twelve-byte nonce, as callbacks use",
            "f3ff5bb40ade8d38d4bacbca53a3ffa5d44231b1f08a60a70069b134aecbcf8326a95ece9ae021ebae88adeae80bd3296e3039",
        ),
        ("a8607ef79034c49c", "", "3c204c3677e93b8b75077e2ce62fc475"),
    ];

    #[test]
    fn opens_and_seals_the_independent_vectors_whatever_the_nonce_length() {
        for (nonce, plain, sealed) in VECTORS {
            let mut data = unhex(sealed);
            open(KEY, nonce.as_bytes(), b"", &mut data).expect(nonce);
            assert_eq!(data, plain.as_bytes(), "{nonce}");
            let mut again = plain.as_bytes().to_vec();
            seal(KEY, nonce.as_bytes(), b"", &mut again).expect(nonce);
            assert_eq!(again, unhex(sealed), "{nonce}");
        }
    }

    #[test]
    fn any_changed_byte_wrong_key_nonce_or_aad_is_refused_and_nothing_is_left() {
        let (nonce, _, sealed) = VECTORS[0];
        let sealed = unhex(sealed);
        for i in [0, 20, sealed.len() - 1] {
            let mut data = sealed.clone();
            data[i] ^= 0x01;
            assert_eq!(
                open(KEY, nonce.as_bytes(), b"", &mut data),
                Err(GcmError::Unauthentic),
                "byte {i}"
            );
            assert!(data.is_empty());
        }
        let mut data = sealed.clone();
        let other = b"Bill0File1Key2For3AES4GCM5Test68";
        assert_eq!(
            open(other, nonce.as_bytes(), b"", &mut data),
            Err(GcmError::Unauthentic)
        );
        let mut data = sealed.clone();
        assert_eq!(
            open(KEY, b"a8607ef79034c49d", b"", &mut data),
            Err(GcmError::Unauthentic)
        );
        let mut data = sealed.clone();
        assert_eq!(
            open(KEY, nonce.as_bytes(), b"x", &mut data),
            Err(GcmError::Unauthentic)
        );
        let mut short = sealed[..15].to_vec();
        assert_eq!(
            open(KEY, nonce.as_bytes(), b"", &mut short),
            Err(GcmError::TooShort)
        );
        let mut data = sealed;
        assert_eq!(open(KEY, b"", b"", &mut data), Err(GcmError::EmptyNonce));
    }

    /// With a 12-byte nonce the GHASH path must agree with aws-lc-rs's own AES-GCM: J0 is then
    /// the nonce ‖ 0³¹1 (SP 800-38D), so building it by hand and running the general path gives
    /// the same bytes for a text of several blocks and a partial last one.
    #[test]
    fn the_general_path_agrees_with_aws_lc_for_a_96_bit_nonce() {
        let nonce = b"8XOl7iBMSRmd";
        let plain: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut by_aws = plain.clone();
        seal(KEY, nonce, b"aad", &mut by_aws).expect("seals");
        let mut blocks = Blocks::new(KEY, b"placeholder-nonce").expect("key");
        let mut j0 = [0u8; 16];
        j0[..12].copy_from_slice(nonce);
        j0[15] = 1;
        blocks.j0 = u128::from_be_bytes(j0);
        let mut by_hand = plain.clone();
        blocks.ctr(&mut by_hand).expect("ctr");
        let tag = blocks.tag(b"aad", &by_hand).expect("tag");
        by_hand.extend_from_slice(&tag);
        assert_eq!(by_hand, by_aws);
    }

    /// The counter's low 32 bits wrap without carrying into the rest, block by block as AES of
    /// each counter block says.
    #[test]
    fn the_counter_wraps_in_its_low_32_bits() {
        let mut blocks = Blocks::new(KEY, b"a8607ef79034c49c").expect("key");
        blocks.j0 = (0x0102_0304_0506_0708_090a_0b0c_u128 << 32) | 0xffff_fffd;
        let mut stream = vec![0u8; 16 * 5];
        blocks.ctr(&mut stream).expect("ctr");
        let high = blocks.j0 & !u128::from(u32::MAX);
        for (i, low) in [0xffff_fffe_u32, 0xffff_ffff, 0, 1, 2]
            .into_iter()
            .enumerate()
        {
            let expected = block(&blocks.ecb, high | u128::from(low)).expect("block");
            assert_eq!(
                stream[i * 16..(i + 1) * 16],
                expected.to_be_bytes(),
                "block {i}"
            );
        }
    }
}
