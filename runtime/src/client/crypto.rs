//! Key material and the cryptographic primitives of APIv3, all on aws-lc-rs.
//!
//! Private keys and the APIv3 key never appear in `Debug` output, logs or error messages: their
//! `Debug` prints only what identifies them (a serial or a key id).

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, PrivateDecryptingKey,
    PublicEncryptingKey,
};
use aws_lc_rs::signature::{
    ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{
    CertificateDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, SubjectPublicKeyInfoDer,
};

use crate::protocol;

/// A key or certificate that could not be loaded; says which and why, never the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(pub String);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

/// The merchant's API private key (`apiclient_key.pem`), which signs every request and decrypts
/// the answer fields WeChat Pay encrypts to the merchant's certificate (`user_name`, ...).
pub struct MerchantKey {
    pair: RsaKeyPair,
    oaep: OaepPrivateDecryptingKey,
}

impl MerchantKey {
    /// From PEM text: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let pair = if let Ok(der) = PrivatePkcs8KeyDer::from_pem_slice(pem) {
            RsaKeyPair::from_pkcs8(der.secret_pkcs8_der())
        } else if let Ok(der) = PrivatePkcs1KeyDer::from_pem_slice(pem) {
            RsaKeyPair::from_der(der.secret_pkcs1_der())
        } else {
            return Err(KeyError(
                "merchant private key: no PKCS#8 or PKCS#1 PEM block found".into(),
            ));
        };
        let pair = pair.map_err(|e| KeyError(format!("merchant private key rejected: {e}")))?;
        // The decrypting key is the same key read again from its PKCS#8 form (aws-lc-rs reads
        // decrypting keys from PKCS#8 only, and a PKCS#1 file gets there through the pair).
        let rejected = || KeyError("merchant private key rejected for decryption".into());
        let pkcs8 = pair.as_der().map_err(|_| rejected())?;
        let oaep = PrivateDecryptingKey::from_pkcs8(pkcs8.as_ref())
            .ok()
            .and_then(|key| OaepPrivateDecryptingKey::new(key).ok())
            .ok_or_else(rejected)?;
        Ok(Self { pair, oaep })
    }

    /// From a PEM file.
    pub fn from_pem_file(path: impl AsRef<std::path::Path>) -> Result<Self, KeyError> {
        let path = path.as_ref();
        let pem = std::fs::read(path)
            .map_err(|e| KeyError(format!("merchant private key {}: {e}", path.display())))?;
        Self::from_pem(&pem)
    }

    /// SHA256withRSA (PKCS#1 v1.5) of `message`, Base64-encoded.
    pub fn sign(&self, message: &[u8]) -> Result<String, KeyError> {
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| KeyError("signing failed".into()))?;
        Ok(BASE64.encode(signature))
    }

    /// Opens a Base64 RSA-OAEP (SHA-1, MGF1-SHA1) ciphertext that WeChat Pay encrypted to the
    /// merchant certificate's key, as UTF-8 text. The error says what is wrong with the input,
    /// never anything of the key or of a plaintext.
    pub fn decrypt_oaep(&self, ciphertext_b64: &str) -> Result<String, KeyError> {
        let mut plain = self.decrypt_oaep_bytes(ciphertext_b64)?;
        let text = std::str::from_utf8(&plain)
            .map(str::to_owned)
            .map_err(|_| KeyError("the plaintext is not UTF-8".into()));
        plain.fill(0);
        text
    }

    /// [`Self::decrypt_oaep`] as bytes (a file key); the caller wipes them after use.
    pub(crate) fn decrypt_oaep_bytes(&self, ciphertext_b64: &str) -> Result<Vec<u8>, KeyError> {
        let ciphertext = BASE64
            .decode(ciphertext_b64.trim())
            .map_err(|_| KeyError("not Base64".into()))?;
        if ciphertext.len() != self.oaep.key_size_bytes() {
            return Err(KeyError(format!(
                "{} bytes of ciphertext, where this key's ciphertexts have {}",
                ciphertext.len(),
                self.oaep.key_size_bytes()
            )));
        }
        let mut out = vec![0; self.oaep.min_output_size()];
        let plain_len = self
            .oaep
            .decrypt(&OAEP_SHA1_MGF1SHA1, &ciphertext, &mut out, None)
            .map_err(|_| {
                KeyError("RSA-OAEP decryption failed: not encrypted to this merchant key".into())
            })?
            .len();
        out.truncate(plain_len);
        Ok(out)
    }
}

impl fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MerchantKey(<redacted>)")
    }
}

/// The APIv3 key: exactly 32 bytes, the AES-256-GCM key of callbacks and certificate downloads.
#[derive(Clone)]
pub struct ApiV3Key([u8; 32]);

impl ApiV3Key {
    /// Checks the length: anything but 32 bytes is refused, whatever the key looks like.
    pub fn new(key: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let key = key.as_ref();
        let bytes: [u8; 32] = key.try_into().map_err(|_| {
            KeyError(format!(
                "the APIv3 key must be exactly 32 bytes (got {})",
                key.len()
            ))
        })?;
        Ok(Self(bytes))
    }

    /// Opens `base64(ciphertext ‖ tag)` with AEAD_AES_256_GCM.
    pub fn decrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        ciphertext_b64: &str,
    ) -> Result<Vec<u8>, KeyError> {
        let mut data = BASE64
            .decode(ciphertext_b64)
            .map_err(|_| KeyError("ciphertext is not Base64".into()))?;
        if data.len() <= 16 {
            return Err(KeyError(
                "ciphertext is shorter than its 16-byte tag".into(),
            ));
        }
        let nonce = Nonce::try_assume_unique_for_key(nonce.as_bytes())
            .map_err(|_| KeyError("the nonce must be 12 bytes".into()))?;
        let key = self.aead()?;
        let plain = key
            .open_in_place(nonce, Aad::from(associated_data.as_bytes()), &mut data)
            .map_err(|_| KeyError("decryption failed: wrong APIv3 key, nonce, associated data or a tampered ciphertext".into()))?;
        Ok(plain.to_vec())
    }

    /// Seals `plaintext` (for simulators and tests that play WeChat Pay).
    pub fn encrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        plaintext: &[u8],
    ) -> Result<String, KeyError> {
        let nonce = Nonce::try_assume_unique_for_key(nonce.as_bytes())
            .map_err(|_| KeyError("the nonce must be 12 bytes".into()))?;
        let mut data = plaintext.to_vec();
        self.aead()?
            .seal_in_place_append_tag(nonce, Aad::from(associated_data.as_bytes()), &mut data)
            .map_err(|_| KeyError("encryption failed".into()))?;
        Ok(BASE64.encode(data))
    }

    fn aead(&self) -> Result<LessSafeKey, KeyError> {
        let key =
            UnboundKey::new(&AES_256_GCM, &self.0).map_err(|_| KeyError("bad AES key".into()))?;
        Ok(LessSafeKey::new(key))
    }
}

impl fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiV3Key(<redacted>)")
    }
}

/// A WeChat Pay public key that verifies signatures and encrypts sensitive fields.
#[derive(Clone)]
pub struct VerifyingKey {
    spki: Vec<u8>,
    parsed: std::sync::Arc<ParsedPublicKey>,
}

impl VerifyingKey {
    /// From SPKI DER.
    pub fn from_spki_der(spki: &[u8]) -> Result<Self, KeyError> {
        let parsed = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki)
            .map_err(|e| KeyError(format!("public key rejected: {e}")))?;
        Ok(Self {
            spki: spki.to_vec(),
            parsed: std::sync::Arc::new(parsed),
        })
    }

    /// From a `BEGIN PUBLIC KEY` PEM (the WeChat Pay public key file).
    pub fn from_public_key_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let der = SubjectPublicKeyInfoDer::from_pem_slice(pem).map_err(|e| {
            KeyError(format!(
                "WeChat Pay public key: no PUBLIC KEY PEM block ({e})"
            ))
        })?;
        Self::from_spki_der(der.as_ref())
    }

    /// Verifies a Base64 SHA256withRSA signature; a signature that is not Base64 simply fails.
    pub fn verify(&self, message: &[u8], signature_b64: &str) -> bool {
        match BASE64.decode(signature_b64) {
            Ok(sig) => self.parsed.verify_sig(message, &sig).is_ok(),
            Err(_) => false,
        }
    }

    /// [`Self::verify`] of the message made of `lines` (each followed by `\n`, as
    /// [`crate::protocol::verify_message`] lays them out), hashed line by line: a large body is
    /// never copied into a message first.
    pub fn verify_lines(&self, lines: &[&[u8]], signature_b64: &str) -> bool {
        let Ok(sig) = BASE64.decode(signature_b64) else {
            return false;
        };
        let mut hash = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        crate::protocol::for_each_message_byte_run(lines, |run| hash.update(run));
        self.parsed.verify_digest_sig(&hash.finish(), &sig).is_ok()
    }

    /// RSA-OAEP (SHA-1, MGF1-SHA1) of `plaintext`, Base64-encoded.
    pub fn encrypt_oaep(&self, plaintext: &[u8]) -> Result<String, KeyError> {
        let key = PublicEncryptingKey::from_der(&self.spki)
            .map_err(|e| KeyError(format!("encryption key rejected: {e}")))?;
        let key = OaepPublicEncryptingKey::new(key)
            .map_err(|_| KeyError("encryption key rejected".into()))?;
        let mut out = vec![0; key.ciphertext_size()];
        let ct = key
            .encrypt(&OAEP_SHA1_MGF1SHA1, plaintext, &mut out, None)
            .map_err(|_| {
                KeyError(format!(
                    "cannot encrypt {} bytes (at most 214 fit)",
                    plaintext.len()
                ))
            })?;
        Ok(BASE64.encode(ct))
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerifyingKey")
    }
}

/// A platform certificate (平台证书): its serial as WeChat Pay writes it, its key, and when it is
/// valid (WeChat Pay issues a new one before the old one expires; both are listed meanwhile).
#[derive(Clone, Debug)]
pub struct PlatformCertificate {
    /// Uppercase hex of the serial number, without leading zero bytes.
    pub serial: String,
    /// The certificate's public key.
    pub key: VerifyingKey,
    /// Start of validity (`notBefore`), Unix seconds.
    pub not_before: i64,
    /// End of validity (`notAfter`), Unix seconds.
    pub not_after: i64,
}

impl PlatformCertificate {
    /// From `BEGIN CERTIFICATE` PEM text.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let der = CertificateDer::from_pem_slice(pem)
            .map_err(|e| KeyError(format!("certificate: no PEM block ({e})")))?;
        Self::from_der(der.as_ref())
    }

    /// From DER.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        use x509_cert::der::{Decode, Encode};
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| KeyError(format!("certificate: {e}")))?;
        let tbs = cert.tbs_certificate();
        let serial: String = tbs
            .serial_number()
            .as_bytes()
            .iter()
            .skip_while(|b| **b == 0)
            .map(|b| format!("{b:02X}"))
            .collect();
        let spki = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|e| KeyError(format!("certificate key: {e}")))?;
        let unix = |t: x509_cert::time::Time| {
            i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
        };
        let validity = tbs.validity();
        Ok(Self {
            serial,
            key: VerifyingKey::from_spki_der(&spki)?,
            not_before: unix(validity.not_before),
            not_after: unix(validity.not_after),
        })
    }

    /// Whether it may be used at `now` (Unix seconds): from `notBefore` to `notAfter`, both
    /// included, as RFC 5280 reads them.
    pub fn is_valid_at(&self, now: i64) -> bool {
        (self.not_before..=self.not_after).contains(&now)
    }
}

/// A request nonce: [`protocol::NONCE_LEN`] alphanumeric characters from the system CSPRNG.
pub fn nonce() -> String {
    random_nonce(protocol::NONCE_LEN)
}

/// An AEAD_AES_256_GCM nonce ([`protocol::AEAD_NONCE_LEN`] alphanumeric characters), for those
/// that play WeChat Pay and encrypt (simulators, tests).
pub fn aead_nonce() -> String {
    random_nonce(protocol::AEAD_NONCE_LEN)
}

fn random_nonce(len: usize) -> String {
    let rng = SystemRandom::new();
    protocol::nonce_from(len, |buf| rng.fill(buf).is_ok())
}

/// Lowercase hex SHA-256 (the `sha256` of an upload's `meta`).
pub fn sha256_hex(data: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data).as_ref())
}

/// Lowercase hex SHA-1 (the `hash_value` of bill files).
pub fn sha1_hex(data: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, data).as_ref())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A uniformly random number below `bound` (for backoff jitter).
pub fn random_below(bound: u64) -> u64 {
    let mut buf = [0_u8; 8];
    if bound == 0 || SystemRandom::new().fill(&mut buf).is_err() {
        return 0;
    }
    u64::from_le_bytes(buf) % bound
}
