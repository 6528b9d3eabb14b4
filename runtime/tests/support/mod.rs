//! A scripted WeChat Pay stand-in on 127.0.0.1 for the client tests.
//!
//! It checks every request's Authorization header with the merchant certificate's key and signs
//! its answers with a fixture platform key, as the real API would, using the runtime's
//! [`protocol`] and crypto. It is independent of the client where that matters: those functions
//! are checked byte for byte against the published vectors (`tests/vectors.rs`), so a mistake in
//! them fails there rather than passing here on both sides.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use wechatpay_apiv3_runtime::client::{MerchantKey, PlatformCertificate};
use wechatpay_apiv3_runtime::protocol;

pub const MCHID: &str = "1900000001";
pub const MERCHANT_SERIAL: &str = "MERCHANT_SERIAL_1";
pub const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0000000000000024101100397200000006";
pub const APIV3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture exists")
}

/// How to sign an answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Signing {
    /// Correctly, with this serial in `Wechatpay-Serial`.
    As(String),
    /// Correctly with the private key in this fixture file, naming this serial.
    By(String, &'static str),
    /// Correctly, then change the body.
    TamperBody,
    /// A `WECHATPAY/SIGNTEST/` probe.
    Probe,
    /// With a timestamp this many seconds off (negative: in the past).
    Skew(i64),
    /// Without `Wechatpay-Signature`.
    MissingSignature,
    /// Not at all (error answers).
    None,
}

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub signing: Signing,
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Self {
        Self {
            status,
            body: body.as_bytes().to_vec(),
            signing: Signing::As(PUBLIC_KEY_ID.into()),
            delay: Duration::ZERO,
        }
    }
    pub fn error(status: u16, code: &str) -> Self {
        let body = format!(r#"{{"code":"{code}","message":"scripted {code}"}}"#);
        Self {
            status,
            body: body.into_bytes(),
            signing: Signing::None,
            delay: Duration::ZERO,
        }
    }
    pub fn signed(mut self, signing: Signing) -> Self {
        self.signing = signing;
        self
    }
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A request as received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path_and_query: String,
    pub body: Vec<u8>,
    pub authorization_valid: bool,
    pub nonce: String,
    pub wechatpay_serial: Option<String>,
}

/// Answers by path prefix: the first route whose prefix the path starts with answers, in order
/// (its last answer repeats).
type Script = Arc<Mutex<Vec<(String, VecDeque<Reply>)>>>;

pub struct Server {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    script: Script,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    /// Starts with the answers to give, in order (the last one repeats).
    pub async fn start(replies: Vec<Reply>) -> Self {
        Self::routed(vec![("", replies)]).await
    }

    /// How many requests went to this path (query included), e.g. `/v3/certificates`.
    pub fn count(&self, path_and_query: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.path_and_query == path_and_query)
            .count()
    }

    /// Starts with answers per path prefix (see [`Script`]).
    pub async fn routed(routes: Vec<(&str, Vec<Reply>)>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script: Script = Arc::new(Mutex::new(
            routes
                .into_iter()
                .map(|(prefix, replies)| (prefix.to_string(), VecDeque::from(replies)))
                .collect(),
        ));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let (seen2, script2) = (seen.clone(), script.clone());
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    _ = &mut stopped => return,
                    a = listener.accept() => a,
                };
                let Ok((stream, _)) = accepted else { continue };
                let (seen, script) = (seen2.clone(), script2.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        answer(req, seen.clone(), script.clone())
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            addr,
            seen,
            script,
            _stop: stop,
        }
    }
}

async fn answer(
    req: Request<hyper::body::Incoming>,
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Script,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let authorization = parts
        .headers
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let signed_body = signed_part(&parts.headers, &body);
    let (valid, nonce) = check_authorization(
        authorization,
        parts.method.as_str(),
        &path_and_query,
        &signed_body,
    );
    seen.lock().expect("lock").push(Seen {
        method: parts.method.to_string(),
        path_and_query: path_and_query.clone(),
        body: body.clone(),
        authorization_valid: valid,
        nonce,
        wechatpay_serial: parts
            .headers
            .get(protocol::HEADER_SERIAL)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    });
    let reply = {
        let mut script = script.lock().expect("lock");
        script
            .iter_mut()
            .find(|(prefix, _)| path_and_query.starts_with(prefix.as_str()))
            .and_then(|(_, replies)| {
                if replies.len() > 1 {
                    replies.pop_front()
                } else {
                    replies.front().cloned()
                }
            })
    }
    .unwrap_or_else(|| Reply::error(500, "NO_SCRIPT"));
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    Ok(build(&reply))
}

/// For multipart uploads the signature covers only the `meta` part.
fn signed_part(headers: &hyper::HeaderMap, body: &[u8]) -> Vec<u8> {
    let is_multipart = headers
        .get("Content-Type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        return body.to_vec();
    }
    let text = String::from_utf8_lossy(body);
    text.split("\r\n\r\n")
        .nth(1)
        .and_then(|rest| rest.split("\r\n--").next())
        .map(|meta| meta.as_bytes().to_vec())
        .unwrap_or_default()
}

/// Parses the Authorization header and verifies it with the merchant certificate's key.
fn check_authorization(
    header: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> (bool, String) {
    let Some(parts) = protocol::parse_authorization(header) else {
        return (false, String::new());
    };
    let merchant = PlatformCertificate::from_pem(&fixture("java_merchant_certificate.pem"))
        .expect("merchant certificate");
    let message =
        protocol::signing_message(method, path_and_query, &parts.timestamp, &parts.nonce, body);
    let ok = parts.mchid == MCHID
        && parts.serial_no == MERCHANT_SERIAL
        && merchant.key.verify(&message, &parts.signature);
    (ok, parts.nonce)
}

/// Signs `timestamp\nnonce\nbody\n` with the platform private key.
pub fn platform_sign(timestamp: &str, nonce: &str, body: &[u8]) -> String {
    sign_with("java_wechatpay_private_key.pem", timestamp, nonce, body)
}

/// Signs `timestamp\nnonce\nbody\n` with the private key in fixture `key_file`.
pub fn sign_with(key_file: &str, timestamp: &str, nonce: &str, body: &[u8]) -> String {
    MerchantKey::from_pem(&fixture(key_file))
        .expect("fixture key")
        .sign(&protocol::verify_message(timestamp, nonce, body))
        .expect("signs")
}

/// Signature headers for a body, as WeChat Pay sends them.
pub fn signature_headers(body: &[u8], serial: &str, skew: i64) -> Vec<(&'static str, String)> {
    signature_headers_by("java_wechatpay_private_key.pem", body, serial, skew)
}

/// Signature headers for a body signed with the private key in fixture `key_file`.
pub fn signature_headers_by(
    key_file: &str,
    body: &[u8],
    serial: &str,
    skew: i64,
) -> Vec<(&'static str, String)> {
    let timestamp = protocol::unix_now().saturating_add(skew).to_string();
    let nonce = "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4".to_string();
    let signature = sign_with(key_file, &timestamp, &nonce, body);
    vec![
        (protocol::HEADER_TIMESTAMP, timestamp),
        (protocol::HEADER_NONCE, nonce),
        (protocol::HEADER_SIGNATURE, signature),
        (protocol::HEADER_SERIAL, serial.to_string()),
        (
            protocol::HEADER_SIGNATURE_TYPE,
            protocol::AUTHORIZATION_SCHEME.to_string(),
        ),
    ]
}

fn build(reply: &Reply) -> Response<Full<Bytes>> {
    let mut body = reply.body.clone();
    let headers = match &reply.signing {
        Signing::As(serial) => signature_headers(&body, serial, 0),
        Signing::By(serial, key_file) => signature_headers_by(key_file, &body, serial, 0),
        Signing::TamperBody => {
            let h = signature_headers(&body, PUBLIC_KEY_ID, 0);
            body.extend_from_slice(b" ");
            h
        }
        Signing::Probe => {
            let mut h = signature_headers(&body, PUBLIC_KEY_ID, 0);
            h[2].1 = format!("{}AAAA", protocol::PROBE_PREFIX);
            h
        }
        Signing::Skew(s) => signature_headers(&body, PUBLIC_KEY_ID, *s),
        Signing::MissingSignature => {
            let mut h = signature_headers(&body, PUBLIC_KEY_ID, 0);
            h.remove(2);
            h
        }
        Signing::None => Vec::new(),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = hyper::StatusCode::from_u16(reply.status).expect("status");
    for (name, value) in headers {
        response
            .headers_mut()
            .insert(name, value.parse().expect("header value"));
    }
    response.headers_mut().insert(
        protocol::HEADER_REQUEST_ID,
        "08F0D3E2C70610BA0318B0E3F82F2088ACD71F"
            .parse()
            .expect("header"),
    );
    response
}

/// A decrypted payload type, as generated crates declare them.
#[derive(Debug, serde::Deserialize, PartialEq)]
pub struct TransactionEvent {
    pub out_trade_no: String,
    pub trade_state: String,
}

impl wechatpay_apiv3_runtime::NotificationEvent for TransactionEvent {
    const EVENT_TYPES: &'static [&'static str] = &["TRANSACTION.SUCCESS"];
    const ORIGINAL_TYPE: &'static str = "transaction";
    const SUMMARY: &'static str = "payment succeeded";
}

/// A TRANSACTION-style callback as WeChat Pay sends it: the resource encrypted with the APIv3 key,
/// the envelope signed with the platform key; `tamper` changes the body after signing.
pub fn callback(event_type: &str, resource: &str, tamper: bool) -> (http::HeaderMap, Vec<u8>) {
    let (headers, body) = callback_by(
        "java_wechatpay_private_key.pem",
        PUBLIC_KEY_ID,
        event_type,
        resource,
    );
    let body = if tamper {
        [body, b" ".to_vec()].concat()
    } else {
        body
    };
    (headers, body)
}

/// The envelope of a TRANSACTION-style callback around `resource`, sealed with the APIv3 key.
pub fn callback_body(event_type: &str, resource: &str) -> Vec<u8> {
    let key = wechatpay_apiv3_runtime::client::ApiV3Key::new(APIV3_KEY).expect("key");
    let nonce = "fdasflkja484";
    let ciphertext = key
        .encrypt(nonce, "transaction", resource.as_bytes())
        .expect("seal");
    serde_json::json!({
        "id": "EV-2018022511223320873", "create_time": "2015-05-20T13:29:35+08:00", "event_type": event_type,
        "resource_type": "encrypt-resource", "summary": "支付成功",
        "resource": { "original_type": "transaction", "algorithm": protocol::AEAD_ALGORITHM, "ciphertext": ciphertext,
                      "associated_data": "transaction", "nonce": nonce }
    })
    .to_string()
    .into_bytes()
}

/// A callback signed with the private key in fixture `key_file`, naming `serial`.
pub fn callback_by(
    key_file: &str,
    serial: &str,
    event_type: &str,
    resource: &str,
) -> (http::HeaderMap, Vec<u8>) {
    let body = callback_body(event_type, resource);
    (
        headers_of(&signature_headers_by(key_file, &body, serial, 0)),
        body,
    )
}

/// Header pairs as a map.
pub fn headers_of(pairs: &[(&'static str, String)]) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    for (name, value) in pairs {
        headers.insert(*name, value.parse().expect("header"));
    }
    headers
}

/// The body of `GET /v3/certificates` listing these fixture certificates, each sealed with the
/// APIv3 key, and the answer that serves it signed by `signer` (serial and private key file).
pub fn certificate_list(certificates: &[&str], signer: (&str, &'static str)) -> Reply {
    let key = wechatpay_apiv3_runtime::client::ApiV3Key::new(APIV3_KEY).expect("key");
    let data: Vec<serde_json::Value> = certificates
        .iter()
        .map(|file| {
            let pem = fixture(file);
            let cert = PlatformCertificate::from_pem(&pem).expect("certificate");
            let nonce = "c2VyaWFsMDAw";
            serde_json::json!({
                "serial_no": cert.serial,
                "effective_time": "2024-01-01T00:00:00+08:00",
                "expire_time": "2124-01-01T00:00:00+08:00",
                "encrypt_certificate": {
                    "algorithm": protocol::AEAD_ALGORITHM, "associated_data": "certificate", "nonce": nonce,
                    "ciphertext": key.encrypt(nonce, "certificate", &pem).expect("seal"),
                }
            })
        })
        .collect();
    let body = serde_json::json!({ "data": data }).to_string();
    Reply::json(200, &body).signed(Signing::By(signer.0.to_string(), signer.1))
}

/// The serial of a fixture certificate.
pub fn serial_of(file: &str) -> String {
    PlatformCertificate::from_pem(&fixture(file))
        .expect("certificate")
        .serial
}

/// The fixture merchant's configuration against `url` (no backup host, no retries), for the
/// test to add its WeChat Pay keys to.
pub fn merchant_config(url: &str) -> wechatpay_apiv3_runtime::client::ConfigBuilder {
    let key =
        MerchantKey::from_pem(&fixture("java_merchant_private_key.pem")).expect("merchant key");
    wechatpay_apiv3::config(MCHID, MERCHANT_SERIAL, key)
        .base_url(url)
        .backup_url(None)
        .retry(wechatpay_apiv3_runtime::client::RetryPolicy::none())
}

/// A keyring holding only the fixture WeChat Pay public key.
pub fn public_key_keyring() -> wechatpay_apiv3_runtime::client::Keyring {
    let mut keyring = wechatpay_apiv3_runtime::client::Keyring::new();
    keyring.add_public_key(
        PUBLIC_KEY_ID,
        wechatpay_apiv3_runtime::client::VerifyingKey::from_public_key_pem(&fixture(
            "java_wechatpay_public_key.pem",
        ))
        .expect("public key"),
    );
    keyring
}
