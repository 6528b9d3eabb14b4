//! Downloads: bill files and typed file downloads, checked against the hash a signed call
//! returned.

use super::transport::Outgoing;
use super::{AnyErrorCode, Client, Error, TrustError, crypto};
use crate::{OpenEnum, Operation};

impl Client {
    /// Downloads a file through a typed download operation and checks it against the hash the
    /// earlier, signed call returned (`hash_type` SHA1; gzip files are hashed decompressed).
    pub async fn download_verified<O>(
        &self,
        op: O,
        hash_type: &str,
        hash_value: &str,
    ) -> Result<Vec<u8>, Error<O::ErrorCode>>
    where
        O: Operation<Response = Vec<u8>>,
    {
        let bytes = self.execute(op).await?;
        checked_file(bytes, hash_type, hash_value)
    }

    /// Downloads the file behind a `download_url` exactly as a bill operation returned it (token
    /// and packing included) and checks it against that answer's `hash_type` and `hash_value`.
    ///
    /// The request is signed, so the URL must point at this client's configured API host (or its
    /// backup): a link to anywhere else is refused before anything is sent.
    pub async fn download_bill(
        &self,
        download_url: &str,
        hash_type: &str,
        hash_value: &str,
    ) -> Result<Vec<u8>, Error<AnyErrorCode>> {
        let config = &self.inner.config;
        let path_and_query = [Some(&config.base_url), config.backup_url.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|host| {
                download_url
                    .strip_prefix(host.as_str())
                    .filter(|rest| rest.starts_with('/'))
            })
            .ok_or_else(|| {
                Error::Config(format!(
                    "download_url `{download_url}` is not on the configured API host {}; refusing to send a signed request there",
                    config.base_url
                ))
            })?;
        let out = Outgoing::unverified_get("download_bill", path_and_query.to_string());
        let incoming = self.send(&out).await?;
        checked_file(incoming.body.to_vec(), hash_type, hash_value)
    }
}

/// A downloaded file, unpacked if gzipped, once its hash matches the one WeChat Pay signed.
fn checked_file<C: OpenEnum>(
    bytes: Vec<u8>,
    hash_type: &str,
    hash_value: &str,
) -> Result<Vec<u8>, Error<C>> {
    if !hash_type.eq_ignore_ascii_case("SHA1") {
        return Err(Error::Config(format!(
            "unsupported hash_type `{hash_type}` (WeChat Pay uses SHA1)"
        )));
    }
    let plain = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
            .map_err(|e| Error::Transport(format!("bill file is not valid gzip: {e}")))?;
        out
    } else {
        bytes
    };
    let actual = crypto::sha1_hex(&plain);
    if !actual.eq_ignore_ascii_case(hash_value) {
        return Err(Error::Untrusted(TrustError::HashMismatch {
            expected: hash_value.to_string(),
            actual,
        }));
    }
    Ok(plain)
}
