//! The simulator as a server facing hostile clients: uploads are checked against their signature
//! before the rest of the body is read, multipart boundaries follow RFC 2046, slow clients are cut
//! off, connections are bounded, and no header value makes it drop a request unanswered. Every test
//! talks raw TCP to a real simulator on 127.0.0.1, with a bounded number of requests.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wechatpay_apiv3_runtime::client::{MerchantKey, crypto, sign};
use wechatpay_apiv3_sim::{
    FIXTURE_MCHID, FIXTURE_MERCHANT_PRIVATE_KEY, FIXTURE_MERCHANT_SERIAL, ServerLimits, SimConfig,
    Simulator,
};

/// Generous on a loaded machine; only a bound, never a speed claim.
const PATIENCE: Duration = Duration::from_secs(60);
const UPLOAD: &str = "/v3/marketing/favor/media/image-upload";

/// Sends raw bytes and reads until the server closes (every request says `Connection: close`).
async fn raw(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream.write_all(request).await.expect("sends");
    let mut answer = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut answer))
        .await
        .expect("the simulator answers and closes in time")
        .expect("reads");
    String::from_utf8_lossy(&answer).into_owned()
}

fn status(answer: &str) -> &str {
    answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|a| a.get(..3))
        .unwrap_or("no answer")
}

fn now() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(since.as_secs()).expect("fits")
}

/// `Authorization` for a POST to `path` signed over `signed` with the fixture merchant key.
fn authorization(path: &str, signed: &[u8]) -> String {
    let key = MerchantKey::from_pem(FIXTURE_MERCHANT_PRIVATE_KEY).expect("fixture key");
    sign::authorization(
        FIXTURE_MCHID,
        FIXTURE_MERCHANT_SERIAL,
        &key,
        "POST",
        path,
        now(),
        &crypto::nonce(),
        signed,
    )
    .expect("signs")
}

/// A multipart body of `(headers, content)` parts.
fn multipart(boundary: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (head, content) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n{head}\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// A picture upload's `meta` and `file` parts.
fn image_parts(file: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let meta = format!(
        r#"{{"filename":"a.png","sha256":"{}"}}"#,
        crypto::sha256_hex(file)
    );
    (meta.into_bytes(), file.to_vec())
}

fn post(path: &str, authorization: Option<&str>, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n",
        body.len()
    )
    .into_bytes();
    if let Some(a) = authorization {
        request.extend_from_slice(format!("Authorization: {a}\r\n").as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body);
    request
}

/// A signed upload with this boundary and these parts (the signature over `meta`).
fn signed_upload(boundary: &str, meta: &[u8], parts: &[(&str, &[u8])]) -> Vec<u8> {
    let auth = authorization(UPLOAD, meta);
    let content_type = format!("multipart/form-data; boundary={boundary}");
    post(
        UPLOAD,
        Some(&auth),
        &content_type,
        &multipart(boundary, parts),
    )
}

/// A simulator on a free loopback port with these limits.
async fn start_limited(limits: ServerLimits) -> Simulator {
    Simulator::start_with_limits(
        SimConfig::fixture().expect("fixture"),
        SocketAddr::from(([127, 0, 0, 1], 0)),
        limits,
    )
    .await
    .expect("starts")
}

const META_HEAD: &str =
    "Content-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json";
const FILE_HEAD: &str =
    "Content-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png";

#[tokio::test]
async fn a_signed_upload_is_answered() {
    let sim = Simulator::start().await.expect("starts");
    let (meta, file) = image_parts(b"\x89PNG fixture");
    let boundary = "b".repeat(70);
    let request = signed_upload(&boundary, &meta, &[(META_HEAD, &meta), (FILE_HEAD, &file)]);
    let answer = raw(sim.addr(), &request).await;
    assert_eq!(status(&answer), "200", "{answer}");
    assert!(answer.contains("media_url"), "{answer}");
}

#[tokio::test]
async fn the_upload_signature_is_checked_on_meta_alone_before_the_rest_is_read() {
    let sim = Simulator::start().await.expect("starts");
    let (meta, _) = image_parts(b"\x89PNG fixture");
    // Signed over `meta`, with no `file` part: the signature holds (it covers `meta` only, found
    // without reading on), and only then is the missing part reported.
    let request = signed_upload("XyZ", &meta, &[(META_HEAD, &meta)]);
    let answer = raw(sim.addr(), &request).await;
    assert_eq!(status(&answer), "400", "{answer}");
    assert!(
        answer.contains("expected multipart/form-data with `meta` and `file`"),
        "{answer}"
    );
    // A `meta` signed for other bytes is refused whatever follows it.
    let auth = authorization(UPLOAD, b"{\"other\":1}");
    let body = multipart("XyZ", &[(META_HEAD, &meta), (FILE_HEAD, b"x")]);
    let answer = raw(
        sim.addr(),
        &post(
            UPLOAD,
            Some(&auth),
            "multipart/form-data; boundary=XyZ",
            &body,
        ),
    )
    .await;
    assert_eq!(status(&answer), "401", "{answer}");
    assert!(answer.contains("the signature does not verify"), "{answer}");
}

#[tokio::test]
async fn a_boundary_past_70_characters_is_refused() {
    let sim = Simulator::start().await.expect("starts");
    let (meta, file) = image_parts(b"\x89PNG fixture");
    let boundary = "b".repeat(71);
    let request = signed_upload(&boundary, &meta, &[(META_HEAD, &meta), (FILE_HEAD, &file)]);
    let answer = raw(sim.addr(), &request).await;
    assert_eq!(status(&answer), "400", "{answer}");
    assert!(
        answer.contains("the multipart boundary has 71 characters; RFC 2046 allows 1 to 70"),
        "{answer}"
    );
}

#[tokio::test]
async fn unsigned_pathological_multipart_bodies_are_refused() {
    let sim = Simulator::start().await.expect("starts");
    // The shapes that cost O(body x boundary) before: a long boundary of dashes over a body of
    // dashes, and the longest allowed boundary over 6 MiB of near-matches. Timings are printed,
    // not asserted.
    let dashes = vec![b'-'; 6 * 1024 * 1024];
    for boundary in ["-".repeat(100_000) + "b", "-".repeat(69) + "b"] {
        let request = post(
            UPLOAD,
            None,
            &format!("multipart/form-data; boundary={boundary}"),
            &dashes,
        );
        let started = Instant::now();
        let answer = raw(sim.addr(), &request).await;
        eprintln!(
            "boundary of {} characters over {} bytes of dashes: {} in {:?}",
            boundary.len(),
            dashes.len(),
            status(&answer),
            started.elapsed()
        );
        // A boundary past 70 characters is refused before the body is looked at (or, this long,
        // by hyper's header limit); a valid one leaves the body to the signature check.
        let expected: &[&str] = if boundary.len() > 70 {
            &["400", "431"]
        } else {
            &["401"]
        };
        assert!(
            expected.contains(&status(&answer)),
            "{}",
            &answer[..answer.len().min(300)]
        );
    }
}

#[tokio::test]
async fn a_client_that_does_not_finish_its_headers_is_cut_off() {
    let limits = ServerLimits {
        header_read_timeout: Duration::from_secs(1),
        ..ServerLimits::default()
    };
    let sim = start_limited(limits).await;
    let mut stream = TcpStream::connect(sim.addr()).await.expect("connects");
    stream.write_all(b"GET /v3/x HT").await.expect("sends");
    let mut rest = Vec::new();
    // Without a timer hyper waited for the rest of the headers for ever.
    let closed = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut rest)).await;
    assert!(
        closed.is_ok(),
        "the connection is closed once the header-read timeout passes"
    );
}

#[tokio::test]
async fn connections_past_the_limit_wait_for_a_free_slot() {
    let limits = ServerLimits {
        max_connections: 2,
        ..ServerLimits::default()
    };
    let sim = start_limited(limits).await;
    // Two slow clients hold both slots.
    let mut first = TcpStream::connect(sim.addr()).await.expect("connects");
    let mut second = TcpStream::connect(sim.addr()).await.expect("connects");
    first.write_all(b"GET /v3/x HT").await.expect("sends");
    second.write_all(b"GET /v3/x HT").await.expect("sends");
    let mut third = TcpStream::connect(sim.addr()).await.expect("connects");
    third
        .write_all(b"GET /v3/certificates HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("sends");
    let mut answer = Vec::new();
    let early = tokio::time::timeout(Duration::from_secs(2), third.read_to_end(&mut answer)).await;
    assert!(
        early.is_err() && answer.is_empty(),
        "a third connection is not served while two hold the slots"
    );
    drop(first);
    tokio::time::timeout(PATIENCE, third.read_to_end(&mut answer))
        .await
        .expect("served once a slot is free")
        .expect("reads");
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(status(&answer), "401", "{answer}");
    drop(second);
}

#[tokio::test]
async fn no_header_value_leaves_a_request_unanswered() {
    let sim = Simulator::start().await.expect("starts");
    let ts_min = format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"{FIXTURE_MCHID}\",nonce_str=\"n\",timestamp=\"-9223372036854775808\",serial_no=\"{FIXTURE_MERCHANT_SERIAL}\",signature=\"c2ln\""
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "Authorization",
            b"WECHATPAY2-SHA256-RSA2048 mchid=\"\xb9\xff\"".to_vec(),
        ),
        ("Authorization", b"\x80\x81\x82\xfe".to_vec()),
        ("Authorization", ts_min.into_bytes()),
        (
            "Authorization",
            b"WECHATPAY2-SHA256-RSA2048 timestamp=\"99999999999999999999\"".to_vec(),
        ),
        (
            "Content-Type",
            b"multipart/form-data; boundary=\xe4\xb8\x9c\xe8\xa5\xbf".to_vec(),
        ),
        ("Content-Type", b"multipart/form-data; boundary=".to_vec()),
        ("Content-Type", b"multipart/form-data; boundary=\"".to_vec()),
        ("Content-Type", b"multipart/form-data".to_vec()),
        ("Content-Type", b"\xff\xfe multipart/form-data".to_vec()),
        ("Wechatpay-Serial", b"\x00\x7f\xc3\x28".to_vec()),
        ("Content-Length", b"\xb9".to_vec()),
    ];
    for (name, value) in &cases {
        let mut request =
            format!("POST {UPLOAD} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n")
                .into_bytes();
        request.extend_from_slice(name.as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\n{}");
        let answer = raw(sim.addr(), &request).await;
        let code = status(&answer);
        eprintln!("{name}: {:?} -> {code}", String::from_utf8_lossy(value));
        // D7: an i64::MIN timestamp once overflowed the skew check; it is a 401 like any other.
        assert!(
            code.starts_with('4'),
            "{name}: {:?} got {answer}",
            String::from_utf8_lossy(value)
        );
    }
    // And it still serves a good request.
    let (meta, file) = image_parts(b"\x89PNG fixture");
    let request = signed_upload("XyZ", &meta, &[(META_HEAD, &meta), (FILE_HEAD, &file)]);
    assert_eq!(status(&raw(sim.addr(), &request).await), "200");
}
