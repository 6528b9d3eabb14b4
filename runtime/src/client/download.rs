//! Downloads: bill files and typed file downloads (receipt PDFs), checked against the hash a
//! signed call returned.

use std::io::Read as _;

use super::error::{BodyKind, TooLarge};
use super::file_hash::FileHash;
use super::transport::Outgoing;
use super::{AnyErrorCode, Client, Error, RequestOptions, TrustError};
use crate::{OpenEnum, Operation};

impl Client {
    /// Downloads a file through a typed download operation and checks it against the hash the
    /// earlier, signed call returned (`hash_type` SHA1 for bills, SHA256 or SM3 for electronic
    /// receipts; gzip files are hashed decompressed).
    pub async fn download_verified<O>(
        &self,
        op: O,
        hash_type: &str,
        hash_value: &str,
    ) -> Result<Vec<u8>, Error<O::ErrorCode>>
    where
        O: Operation<Response = Vec<u8>>,
    {
        let hash = check_hash_type(hash_type)?;
        let incoming = self
            .send_operation(op, &RequestOptions::default(), super::Verification::Keyring)
            .await?;
        checked_file(
            incoming.body,
            hash,
            hash_value,
            self.inner.config.limits.unpacked,
        )
    }

    /// Downloads the file behind a `download_url` exactly as a bill operation returned it (token
    /// and packing included) and checks it against that answer's `hash_type` and `hash_value`
    /// ([`Client::download_file`] with the client's limits).
    pub async fn download_bill(
        &self,
        download_url: &str,
        hash_type: &str,
        hash_value: &str,
    ) -> Result<Vec<u8>, Error<AnyErrorCode>> {
        self.download_file(
            download_url,
            hash_type,
            hash_value,
            &RequestOptions::default(),
        )
        .await
    }

    /// Downloads the file behind a `download_url` a signed answer gave (a bill, a transfer
    /// receipt PDF) and checks it against that answer's `hash_type` (SHA1, SHA256 or SM3) and
    /// `hash_value`; `options` may set a download limit of its own
    /// ([`RequestOptions::download_limit`]).
    ///
    /// The request is signed, so the URL must point at this client's configured API host (or its
    /// backup): a link to anywhere else is refused before anything is sent, and a redirect is
    /// never followed.
    pub async fn download_file(
        &self,
        download_url: &str,
        hash_type: &str,
        hash_value: &str,
        options: &RequestOptions,
    ) -> Result<Vec<u8>, Error<AnyErrorCode>> {
        let hash = check_hash_type(hash_type)?;
        let body = self.fetch_link(download_url, options).await?;
        checked_file(body, hash, hash_value, self.inner.config.limits.unpacked)
    }

    /// The bytes behind a `download_url` a signed answer gave, as they arrive: a signed GET on
    /// the configured API host (or its backup) only, read up to the download limit, no redirect
    /// followed. Nothing is checked of them yet.
    pub(super) async fn fetch_link(
        &self,
        download_url: &str,
        options: &RequestOptions,
    ) -> Result<bytes::Bytes, Error<AnyErrorCode>> {
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
                    "download_url `{}` is not on the configured API host {}; refusing to send a signed request there",
                    without_query(download_url),
                    config.base_url
                ))
            })?;
        let mut out = Outgoing::download("download_file", path_and_query.to_string());
        out.download_limit = options.own_download_limit();
        Ok(self.send(&out, options).await?.body)
    }
}

/// A link without its query, which carries a one-off token, for error messages.
pub(super) fn without_query(url: &str) -> &str {
    url.split('?').next().unwrap_or_default()
}

/// WeChat Pay gives bill hashes as SHA1 and receipt hashes as SHA256 or SM3; anything else is
/// refused before a request is sent.
pub(super) fn check_hash_type<C>(hash_type: &str) -> Result<FileHash, Error<C>> {
    FileHash::named(hash_type).ok_or_else(|| {
        Error::Config(format!(
            "unsupported hash_type `{hash_type}` (WeChat Pay uses SHA1, SHA256 or SM3); nothing was downloaded"
        ))
    })
}

/// A downloaded file, unpacked if gzipped (every member of a multi-member gzip), once its digest
/// matches the one WeChat Pay signed. The hash is taken while unpacking, and unpacking stops
/// past `unpacked_limit` bytes, so a gzip bomb costs no more than the limit.
pub(super) fn checked_file<C: OpenEnum>(
    body: bytes::Bytes,
    hash: FileHash,
    hash_value: &str,
    unpacked_limit: u64,
) -> Result<Vec<u8>, Error<C>> {
    let mut hasher = hash.start();
    let plain = if body.starts_with(&[0x1f, 0x8b]) {
        let mut gz = flate2::read::MultiGzDecoder::new(&body[..]);
        let mut plain = Vec::new();
        let mut chunk = vec![0; 64 * 1024];
        loop {
            let n = gz
                .read(&mut chunk)
                .map_err(|e| Error::Download(format!("the file is not valid gzip: {e}")))?;
            if n == 0 {
                break;
            }
            if plain.len() as u64 + n as u64 > unpacked_limit {
                return Err(Error::TooLarge(TooLarge {
                    body: BodyKind::Unpacked,
                    limit: unpacked_limit,
                    status: 200,
                }));
            }
            hasher.update(&chunk[..n]);
            plain.extend_from_slice(&chunk[..n]);
        }
        plain
    } else {
        hasher.update(&body);
        // The body is not shared, so this takes its buffer rather than copying it.
        Vec::from(body)
    };
    let actual = hasher.finish_hex();
    if !actual.eq_ignore_ascii_case(hash_value) {
        return Err(Error::Untrusted(TrustError::HashMismatch {
            expected: hash_value.to_string(),
            actual,
        }));
    }
    Ok(plain)
}
