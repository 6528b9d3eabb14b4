//! Bills whose file parts WeChat Pay encrypts, each with a key of its own (a sub-merchant's or
//! every e-commerce sub-merchant's fund-flow bill, the payscore bill): the answer lists the parts,
//! and for each a download link, the file key RSA-OAEP (SHA-1) encrypted to the merchant's
//! certificate (`encrypt_key`), the AES-256-GCM nonce and the hash of the part's original text.
//!
//! A part is the GCM ciphertext with its 16-byte tag appended, as raw bytes (not Base64), sealed
//! with the `encrypt_key`'s 32 plain bytes as key, the `nonce`'s bytes as nonce and no associated
//! data; the plain text is gzip when the bill was asked for gzipped. `hash_value` is of the
//! original text (unpacked), so a part is trusted only once its tag matches and that hash does.
//! Parts are joined in `bill_sequence` order. Official page: 下载单个子商户/二级商户资金账单
//! (<https://pay.weixin.qq.com/doc/v3/partner/4014314390>); the payscore bill refers to the same
//! decryption.

use std::fmt;

use super::download::{check_hash_type, checked_file, without_query};
use super::error::{BodyKind, TooLarge};
use super::file_hash::FileHash;
use super::{AnyErrorCode, Client, Error, RequestOptions, TrustError, gcm};
use crate::json::{Members, Object};
use crate::{Json, JsonFields};

/// The algorithm WeChat Pay names the parts' AES-256-GCM encryption by.
pub const BILL_AES_GCM: &str = crate::protocol::AEAD_ALGORITHM;
/// The SM4-GCM choice the bill calls also offer, which this client cannot open.
pub const BILL_SM4_GCM: &str = "SM4_GCM";

impl Client {
    /// Downloads, decrypts, checks and joins the parts of an encrypted bill, as a bill call
    /// (`apply_sub_merchant_fund_flow_bill`, the e-commerce fund-flow bill, the payscore bill)
    /// answered them: any answer of that wire form (`download_bill_count`, `download_bill_list`
    /// of parts with `bill_sequence`, `download_url`, `encrypt_key`, `nonce`, `hash_type` and
    /// `hash_value`). `algorithm` is the one the request asked for: `AEAD_AES_256_GCM` (SM4-GCM
    /// is refused before anything is downloaded: the crypto backend has no SM4).
    ///
    /// Before any download, the part list must be whole (one part for each `bill_sequence` from
    /// 1 to `download_bill_count`, none twice) and every file key must open with the merchant
    /// private key. Each part is then fetched like [`Client::download_bill`] (signed, on the
    /// configured API host only, up to the download limit), opened with AES-256-GCM (a changed
    /// byte fails its tag), unpacked if gzip (up to the unpacked limit, which also bounds the
    /// joined bill) and checked against its hash. Nothing is returned unless every part passes;
    /// errors name the part. The file keys never reach `Debug`, logs or errors.
    pub async fn download_encrypted_bill<A: JsonFields>(
        &self,
        answer: &A,
        algorithm: &str,
    ) -> Result<Vec<u8>, Error<AnyErrorCode>> {
        check_algorithm(algorithm)?;
        let parts = EncryptedBill::from_json(answer.to_json())
            .map_err(|e| {
                Error::Download(format!(
                    "the answer does not list encrypted bill parts: {e}; nothing was downloaded"
                ))
            })?
            .in_order()?;
        let opened: Vec<Opened<'_>> = parts
            .iter()
            .map(|p| self.open_key(p))
            .collect::<Result<_, _>>()?;
        let limit = self.inner.config.limits.unpacked;
        let mut bill = Vec::new();
        for part in opened {
            let plain = self.fetch_part(&part, limit - bill.len() as u64).await?;
            bill.extend_from_slice(&plain);
        }
        Ok(bill)
    }

    /// The part's file key, opened with the merchant private key.
    fn open_key<'p>(&self, part: &'p Part) -> Result<Opened<'p>, Error<AnyErrorCode>> {
        let refused = |reason| refused(part, reason);
        let mut plain = self
            .inner
            .config
            .merchant_key
            .decrypt_oaep_bytes(&part.encrypt_key)
            .map_err(|e| {
                refused(format!(
                    "encrypt_key does not open: {e}; nothing was downloaded"
                ))
            })?;
        let key = <[u8; 32]>::try_from(plain.as_slice()).map(FileKey);
        let len = plain.len();
        plain.fill(0);
        let key = key.map_err(|_| {
            refused(format!(
                "encrypt_key opens to {len} bytes, where an AES-256 key has 32; nothing was downloaded"
            ))
        })?;
        let hash = check_hash_type(&part.hash_type)?;
        Ok(Opened { part, key, hash })
    }

    /// One part: fetched, opened, unpacked and checked; at most `room` bytes of plain text.
    async fn fetch_part(
        &self,
        opened: &Opened<'_>,
        room: u64,
    ) -> Result<Vec<u8>, Error<AnyErrorCode>> {
        let part = opened.part;
        let refused = |reason| refused(part, reason);
        // The body is not shared, so this takes its buffer rather than copying it.
        let mut data = Vec::from(
            self.fetch_link(&part.download_url, &RequestOptions::default())
                .await?,
        );
        gcm::open(&opened.key.0, part.nonce.as_bytes(), b"", &mut data).map_err(|e| {
            refused(format!(
                "{e} (from {}); nothing of the bill is returned",
                without_query(&part.download_url)
            ))
        })?;
        if data.len() as u64 > room {
            return Err(Error::TooLarge(TooLarge {
                body: BodyKind::Unpacked,
                limit: self.inner.config.limits.unpacked,
                status: 200,
            }));
        }
        checked_file(data.into(), opened.hash, &part.hash_value, room).map_err(|e| match e {
            Error::Untrusted(TrustError::HashMismatch { expected, actual }) => refused(format!(
                "the decrypted part's {} is {actual}, the answer says {expected}",
                part.hash_type
            )),
            Error::Download(e) => Error::Download(format!("bill part {}: {e}", part.bill_sequence)),
            Error::TooLarge(t) => Error::TooLarge(TooLarge {
                limit: self.inner.config.limits.unpacked,
                ..t
            }),
            other => other,
        })
    }
}

/// `part` is not trusted, for `reason`.
fn refused(part: &Part, reason: String) -> Error<AnyErrorCode> {
    Error::Untrusted(TrustError::BillPart {
        sequence: part.bill_sequence,
        reason,
    })
}

/// AES-256-GCM is the only algorithm this client opens; SM4-GCM (and anything else) is refused
/// by name before a request is sent.
fn check_algorithm(algorithm: &str) -> Result<(), Error<AnyErrorCode>> {
    match algorithm {
        BILL_AES_GCM => Ok(()),
        BILL_SM4_GCM => Err(Error::Config(format!(
            "algorithm `{BILL_SM4_GCM}`: this client cannot decrypt SM4-GCM (its crypto backend, \
             aws-lc-rs, has no SM4); ask for the bill with `{BILL_AES_GCM}`; nothing was downloaded"
        ))),
        other => Err(Error::Config(format!(
            "algorithm `{other}` is not one WeChat Pay encrypts bills with (`{BILL_AES_GCM}`, \
             `{BILL_SM4_GCM}`); nothing was downloaded"
        ))),
    }
}

/// A file key: never printed, wiped when dropped.
struct FileKey([u8; 32]);

impl Drop for FileKey {
    fn drop(&mut self) {
        self.0.fill(0);
    }
}

impl fmt::Debug for FileKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FileKey(<redacted>)")
    }
}

/// A part whose key is open, ready to fetch.
#[derive(Debug)]
struct Opened<'p> {
    part: &'p Part,
    key: FileKey,
    hash: FileHash,
}

/// The wire form of an encrypted bill answer, as the runtime reads it from any generated answer.
#[derive(Debug)]
struct EncryptedBill {
    download_bill_count: i64,
    download_bill_list: Option<Vec<Part>>,
}

/// One part as the answer lists it (the `encrypt_key` is still RSA ciphertext here).
#[derive(Debug)]
struct Part {
    bill_sequence: i64,
    download_url: String,
    encrypt_key: String,
    nonce: String,
    hash_type: String,
    hash_value: String,
}

impl EncryptedBill {
    /// The parts in `bill_sequence` order, once the list is whole: exactly one part for each
    /// sequence from 1 to `download_bill_count`.
    fn in_order(self) -> Result<Vec<Part>, Error<AnyErrorCode>> {
        let count = self.download_bill_count;
        let mut parts = self.download_bill_list.unwrap_or_default();
        let broken = |rule: String| {
            Error::Download(format!(
                "the bill's part list is not whole: {rule}; nothing was downloaded"
            ))
        };
        if usize::try_from(count).ok() != Some(parts.len()) {
            return Err(broken(format!(
                "download_bill_count is {count}, but download_bill_list has {} parts",
                parts.len()
            )));
        }
        if let Some(part) = parts.iter().find(|p| p.bill_sequence < 1) {
            return Err(broken(format!(
                "bill_sequence {} is not a position (they count from 1)",
                part.bill_sequence
            )));
        }
        parts.sort_by_key(|p| p.bill_sequence);
        for (expected, part) in (1..).zip(&parts) {
            if part.bill_sequence != expected {
                return Err(broken(if part.bill_sequence < expected {
                    format!("bill_sequence {} is listed twice", part.bill_sequence)
                } else {
                    format!("bill_sequence {expected} is missing (the parts run from 1 to {count})")
                }));
            }
            if part.nonce.is_empty() {
                return Err(broken(format!("part {expected} has an empty nonce")));
            }
        }
        Ok(parts)
    }
}

impl JsonFields for EncryptedBill {
    fn write_fields(&self, out: &mut Object) {
        out.req("download_bill_count", &self.download_bill_count);
        out.opt("download_bill_list", &self.download_bill_list);
    }

    fn read_fields(input: &mut Members) -> Self {
        Self {
            download_bill_count: input.req("download_bill_count"),
            download_bill_list: input.opt("download_bill_list"),
        }
    }
}

impl JsonFields for Part {
    fn write_fields(&self, out: &mut Object) {
        out.req("bill_sequence", &self.bill_sequence);
        out.req("download_url", &self.download_url);
        out.req("encrypt_key", &self.encrypt_key);
        out.req("nonce", &self.nonce);
        out.req("hash_type", &self.hash_type);
        out.req("hash_value", &self.hash_value);
    }

    fn read_fields(input: &mut Members) -> Self {
        Self {
            bill_sequence: input.req("bill_sequence"),
            download_url: input.req("download_url"),
            encrypt_key: input.req("encrypt_key"),
            nonce: input.req("nonce"),
            hash_type: input.req("hash_type"),
            hash_value: input.req("hash_value"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn part(sequence: i64) -> serde_json::Value {
        json!({
            "bill_sequence": sequence, "download_url": "https://h/v3/x?token=t",
            "encrypt_key": "k", "nonce": "n", "hash_type": "SHA1", "hash_value": "00",
        })
    }

    fn listed(count: i64, sequences: &[i64]) -> Result<Vec<Part>, String> {
        let list: Vec<_> = sequences.iter().map(|s| part(*s)).collect();
        EncryptedBill::from_json(
            json!({ "download_bill_count": count, "download_bill_list": list }),
        )
        .map_err(|e| e.to_string())?
        .in_order()
        .map_err(|e| e.to_string())
    }

    #[test]
    fn parts_are_put_in_sequence_order() {
        let parts = listed(3, &[3, 1, 2]).expect("whole");
        let order: Vec<i64> = parts.iter().map(|p| p.bill_sequence).collect();
        assert_eq!(order, [1, 2, 3]);
        assert!(listed(0, &[]).expect("an empty bill").is_empty());
    }

    #[test]
    fn gaps_duplicates_and_a_wrong_count_are_refused_by_rule() {
        let gap = listed(2, &[1, 3]).expect_err("a gap");
        assert!(gap.contains("bill_sequence 2 is missing"), "{gap}");
        let twice = listed(2, &[1, 1]).expect_err("a duplicate");
        assert!(twice.contains("bill_sequence 1 is listed twice"), "{twice}");
        let count = listed(3, &[1, 2]).expect_err("a count that disagrees");
        assert!(
            count.contains("download_bill_count is 3, but download_bill_list has 2 parts"),
            "{count}"
        );
        let zero = listed(1, &[0]).expect_err("a sequence from 0");
        assert!(zero.contains("bill_sequence 0 is not a position"), "{zero}");
        let missing =
            EncryptedBill::from_json(json!({ "download_bill_list": [] })).expect_err("no count");
        assert!(
            missing.to_string().contains("download_bill_count"),
            "{missing}"
        );
    }

    #[test]
    fn sm4_and_unknown_algorithms_are_refused_by_name() {
        assert!(check_algorithm("AEAD_AES_256_GCM").is_ok());
        let sm4 = check_algorithm("SM4_GCM").expect_err("no SM4").to_string();
        assert!(
            sm4.contains("`SM4_GCM`") && sm4.contains("nothing was downloaded"),
            "{sm4}"
        );
        let other = check_algorithm("AES_CBC").expect_err("unknown").to_string();
        assert!(other.contains("`AES_CBC`"), "{other}");
    }

    #[test]
    fn a_file_key_never_prints() {
        let key = FileKey([7; 32]);
        assert_eq!(format!("{key:?}"), "FileKey(<redacted>)");
    }
}
