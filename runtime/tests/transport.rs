//! The transport and the orchestrator against real, misbehaving servers on 127.0.0.1: one test
//! per defect of issue 12 (reliability findings D1–D4, D9, D14–D16), named after it. Every
//! server loop is bounded; timeouts are generous and nothing asserts speed.
#![cfg(feature = "client")]

mod support;

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};
use support::{APIV3_KEY, MCHID, MERCHANT_SERIAL, PUBLIC_KEY_ID, Reply, Server, Signing, fixture};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wechatpay_apiv3_runtime::client::{
    AnyErrorCode, BodyKind, Client, Config, Error, Limits, MerchantKey, RequestOptions,
    RetryPolicy, TimeoutKind, Timeouts, TooLarge, TrustError,
};
use wechatpay_apiv3_runtime::decode::{self, DecodeError};
use wechatpay_apiv3_runtime::{BuildError, Operation, OperationMeta, RequestBody, ResponseKind};

const MIB: u64 = 1024 * 1024;

/// A POST operation with a typed answer, retry-safe or not.
struct Pay<const SAFE: bool>;

/// The typed answer of [`Pay`].
#[derive(Debug, serde::Deserialize, PartialEq)]
struct Prepay {
    prepay_id: String,
}

impl<const SAFE: bool> Operation for Pay<SAFE> {
    type Body = Value;
    type Response = Prepay;
    type ErrorCode = AnyErrorCode;
    const META: OperationMeta = OperationMeta {
        id: "test.pay",
        summary: "test",
        method: http::Method::POST,
        path_template: "/v3/test/pay",
        doc_url: "https://example.com",
        callers: &[],
        idempotency_keys: &["out_trade_no"],
        retry_safe: SAFE,
        rate_limit: None,
        success_status: 200,
        response: ResponseKind::Json,
        has_sensitive_fields: false,
        errors: &[],
    };
    fn path(&self) -> String {
        "/v3/test/pay".into()
    }
    fn body(&self) -> RequestBody<'_, Value> {
        static BODY: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
        RequestBody::Json(BODY.get_or_init(|| json!({ "out_trade_no": "T-1", "total": 1 })))
    }
    fn validate(&self) -> Result<(), BuildError> {
        Ok(())
    }
    fn decode_response(body: &[u8]) -> Result<Prepay, DecodeError> {
        decode::json(body)
    }
}

/// A typed file download (unsigned bytes).
struct File;

impl Operation for File {
    type Body = ();
    type Response = Vec<u8>;
    type ErrorCode = AnyErrorCode;
    const META: OperationMeta = OperationMeta {
        id: "test.file",
        summary: "download",
        method: http::Method::GET,
        path_template: "/v3/billdownload/file",
        doc_url: "https://example.com",
        callers: &[],
        idempotency_keys: &[],
        retry_safe: true,
        rate_limit: None,
        success_status: 200,
        response: ResponseKind::Download,
        has_sensitive_fields: false,
        errors: &[],
    };
    fn path(&self) -> String {
        "/v3/billdownload/file?token=t".into()
    }
    fn body(&self) -> RequestBody<'_, ()> {
        RequestBody::None
    }
    fn validate(&self) -> Result<(), BuildError> {
        Ok(())
    }
    fn decode_response(body: &[u8]) -> Result<Vec<u8>, DecodeError> {
        decode::bytes(body)
    }
}

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_millis(500),
        attempt: Duration::from_secs(20),
        total: Duration::from_secs(60),
    }
}

fn retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
    }
}

/// A public-key-mode client of `url` (and `backup`), with these timeouts and limits.
fn client(url: &str, backup: Option<String>, timeouts: Timeouts, limits: Limits) -> Client {
    let key =
        MerchantKey::from_pem(&fixture("java_merchant_private_key.pem")).expect("merchant key");
    let config = Config::builder(MCHID, MERCHANT_SERIAL, key)
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
        .apiv3_key(APIV3_KEY)
        .base_url(url)
        .backup_url(backup)
        .timeouts(timeouts)
        .retry(retry())
        .limits(limits)
        .build()
        .expect("config");
    Client::new(config).expect("client")
}

fn default_client(url: &str) -> Client {
    client(url, None, timeouts(), Limits::default())
}

/// What a raw server does once it has read a request.
#[derive(Clone)]
enum Raw {
    /// Answers this status with an endless chunked body (stops after 1 GiB or when the client
    /// goes away).
    Endless(u16),
    /// Writes these bytes and closes.
    Bytes(Vec<u8>),
    /// Closes without answering.
    Close,
}

/// A server on 127.0.0.1 that reads each request head and body, then behaves as `raw`; it
/// counts the requests it read.
async fn raw_server(raw: Raw) -> (SocketAddr, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let raw = raw.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                if read_request(&mut stream).await.is_none() {
                    return;
                }
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                match raw {
                    Raw::Endless(status) => {
                        let head = format!(
                            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        );
                        if stream.write_all(head.as_bytes()).await.is_err() {
                            return;
                        }
                        let mut chunk = b"10000\r\n".to_vec();
                        chunk.extend(std::iter::repeat_n(b'a', 0x10000));
                        chunk.extend_from_slice(b"\r\n");
                        for _ in 0..16 * 1024 {
                            if stream.write_all(&chunk).await.is_err() {
                                return;
                            }
                        }
                    }
                    Raw::Bytes(bytes) => {
                        let _ = stream.write_all(&bytes).await;
                        let _ = stream.shutdown().await;
                    }
                    Raw::Close => {}
                }
            });
        }
    });
    (addr, count)
}

/// Reads one request (head, then a Content-Length body); `None` if the client went away.
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut byte = [0; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
        let n = stream.read(&mut byte).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&byte[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut byte).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&byte[..n]);
    }
    Some(buf)
}

/// A 127.0.0.1 listener whose accept queue is full and never drained, so the kernel drops
/// further SYNs and a connect can only time out. The streams filling the queue are returned so
/// they stay open.
fn saturated_listener() -> (
    SocketAddr,
    tokio::net::TcpListener,
    Vec<std::net::TcpStream>,
) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let listener = socket.listen(0).expect("listen");
    let addr = listener.local_addr().expect("addr");
    let mut fillers = Vec::new();
    for _ in 0..64 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(s) => fillers.push(s),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return (addr, listener, fillers),
            Err(e) => panic!("unexpected connect error while filling the queue: {e}"),
        }
    }
    panic!("the accept queue never filled: this kernel does not drop SYNs on overflow");
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).expect("gzip");
    gz.finish().expect("gzip")
}

fn unsigned(body: Vec<u8>) -> Reply {
    Reply {
        status: 200,
        body,
        signing: Signing::None,
        delay: Duration::ZERO,
    }
}

fn sha1(data: &[u8]) -> String {
    wechatpay_apiv3_runtime::client::crypto::sha1_hex(data)
}

#[tokio::test]
async fn d1_endless_body_is_capped() {
    let (addr, _) = raw_server(Raw::Endless(200)).await;
    let limits = Limits {
        response: MIB,
        ..Limits::default()
    };
    let result = client(&format!("http://{addr}"), None, timeouts(), limits)
        .call_json(http::Method::GET, "/v3/x", None, false)
        .await;
    match result {
        Err(Error::TooLarge(e)) => {
            assert_eq!(
                e,
                TooLarge {
                    body: BodyKind::Response,
                    limit: MIB,
                    status: 200
                }
            );
            let text = Error::<AnyErrorCode>::TooLarge(e).to_string();
            assert!(
                text.contains("1048576 bytes") && text.contains("Limits::response"),
                "{text}"
            );
        }
        other => panic!("expected the response limit, got {other:?}"),
    }
}

#[tokio::test]
async fn d1_a_signed_body_over_the_default_limit_is_not_decoded() {
    // Correctly signed, so only the limit can refuse it.
    let big = format!(r#"{{"prepay_id":"{}"}}"#, "x".repeat(5 * MIB as usize));
    let server = Server::start(vec![Reply::json(200, &big)]).await;
    let result = default_client(&server.url()).execute(Pay::<false>).await;
    assert!(
        matches!(
            result,
            Err(Error::TooLarge(TooLarge {
                body: BodyKind::Response,
                limit,
                ..
            })) if limit == Limits::default().response
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn d1_error_bodies_are_capped_and_the_message_bounded() {
    // A 4 MiB message in a well-formed error body.
    let message = "m".repeat(4 * MIB as usize);
    let body = json!({ "code": "PARAM_ERROR", "message": message }).to_string();
    let server = Server::start(vec![Reply {
        status: 400,
        body: body.into_bytes(),
        signing: Signing::None,
        delay: Duration::ZERO,
    }])
    .await;
    let limits = Limits {
        error: 8 * MIB,
        ..Limits::default()
    };
    match client(&server.url(), None, timeouts(), limits)
        .execute(Pay::<false>)
        .await
    {
        Err(Error::Api(e)) => {
            assert_eq!((e.status, e.code.0.as_str()), (400, "PARAM_ERROR"));
            assert!(e.message.len() <= 1024 + 3, "{} bytes", e.message.len());
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    // An endless error body is read up to the error limit, then the status is reported.
    let (addr, _) = raw_server(Raw::Endless(500)).await;
    match default_client(&format!("http://{addr}"))
        .call_json(http::Method::GET, "/v3/x", None, false)
        .await
    {
        Err(Error::Api(e)) => {
            assert_eq!(e.status, 500);
            assert!(e.message.len() <= 1024 + 3, "{} bytes", e.message.len());
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn d1_downloads_have_their_own_limit() {
    let small = vec![b'a'; 32 * 1024];
    let big = vec![b'b'; 128 * 1024];
    let server = Server::start(vec![unsigned(small.clone()), unsigned(big.clone())]).await;
    let limits = Limits {
        response: 1024,
        download: 64 * 1024,
        ..Limits::default()
    };
    let client = client(&server.url(), None, timeouts(), limits);
    assert_eq!(
        client
            .download_verified(File, "SHA1", &sha1(&small))
            .await
            .expect("over the JSON limit, within the download limit"),
        small
    );
    let url = format!("{}/v3/billdownload/file?token=t", server.url());
    let result = client.download_bill(&url, "SHA1", &sha1(&big)).await;
    assert!(
        matches!(
            result,
            Err(Error::TooLarge(TooLarge {
                body: BodyKind::Download,
                limit: 65536,
                ..
            }))
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn d2_gzip_bomb_is_capped_unpacked() {
    let zeros = vec![0; 16 * MIB as usize];
    let bomb = gzip(&zeros);
    assert!(bomb.len() < 64 * 1024, "{} bytes packed", bomb.len());
    let server = Server::start(vec![unsigned(bomb)]).await;
    let limits = Limits {
        unpacked: MIB,
        ..Limits::default()
    };
    let url = format!("{}/v3/billdownload/file?token=t", server.url());
    let result = client(&server.url(), None, timeouts(), limits)
        .download_bill(&url, "SHA1", &sha1(&zeros))
        .await;
    match result {
        Err(Error::TooLarge(e)) => {
            assert_eq!((e.body, e.limit), (BodyKind::Unpacked, MIB));
            let text = Error::<AnyErrorCode>::TooLarge(e).to_string();
            assert!(text.contains("Limits::unpacked"), "{text}");
        }
        other => panic!("expected the unpacked limit, got {other:?}"),
    }
}

#[tokio::test]
async fn d2_unknown_hash_type_is_refused_before_sending() {
    let server = Server::start(vec![unsigned(b"bill".to_vec())]).await;
    let client = default_client(&server.url());
    let url = format!("{}/v3/billdownload/file?token=t", server.url());
    let bill = client.download_bill(&url, "MD5", "00").await;
    assert!(
        matches!(bill, Err(Error::Config(ref m)) if m.contains("MD5")),
        "{bill:?}"
    );
    let typed = client.download_verified(File, "SM3", "00").await;
    assert!(
        matches!(typed, Err(Error::Config(ref m)) if m.contains("SM3")),
        "{typed:?}"
    );
    assert_eq!(server.seen().len(), 0, "nothing was sent");
}

#[tokio::test]
async fn d16_multi_member_gzip_is_read_whole() {
    let (first, second) = (
        "交易时间,公众账号ID\n".as_bytes(),
        "`2025-08-03 12:00:00,`wx1\n".as_bytes(),
    );
    let whole = [first, second].concat();
    let two_members = [gzip(first), gzip(second)].concat();
    let server = Server::start(vec![unsigned(two_members)]).await;
    let url = format!("{}/v3/billdownload/file?token=t", server.url());
    assert_eq!(
        default_client(&server.url())
            .download_bill(&url, "SHA1", &sha1(&whole))
            .await
            .expect("both members, one hash"),
        whole
    );
}

#[tokio::test]
async fn d15_3_invalid_gzip_is_a_download_error() {
    let server = Server::start(vec![unsigned(vec![0x1f, 0x8b, 0xff, 0x00, 0x13, 0x37])]).await;
    let url = format!("{}/v3/billdownload/file?token=t", server.url());
    let result = default_client(&server.url())
        .download_bill(&url, "SHA1", &"0".repeat(40))
        .await;
    match result {
        Err(e @ Error::Download(_)) => assert!(e.to_string().contains("gzip"), "{e}"),
        other => panic!("expected a download error, got {other:?}"),
    }
}

#[tokio::test]
async fn d3_redirects_are_not_followed() {
    let elsewhere = Server::start(vec![Reply::json(200, r#"{"prepay_id":"stolen"}"#)]).await;
    for status in [301, 302, 303, 307, 308] {
        let location = format!(
            "http://localhost:{}/stolen?token=SECRET",
            elsewhere.addr.port()
        );
        let answer = format!(
            "HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let (addr, _) = raw_server(Raw::Bytes(answer.into_bytes())).await;
        let result = default_client(&format!("http://{addr}"))
            .execute(Pay::<true>)
            .await;
        match result {
            Err(
                ref e @ Error::Redirected {
                    status: s,
                    ref location_host,
                },
            ) => {
                assert_eq!(s, status);
                assert_eq!(location_host.as_deref(), Some("localhost"));
                let text = e.to_string();
                assert!(
                    text.contains(&status.to_string()) && text.contains("localhost"),
                    "{text}"
                );
                assert!(!text.contains("SECRET"), "no query in the error: {text}");
            }
            other => panic!("{status}: expected a redirect error, got {other:?}"),
        }
    }
    assert!(elsewhere.seen().is_empty(), "the other host got nothing");
}

#[tokio::test]
async fn d4_connect_timeout_fails_over_to_the_backup() {
    let (primary, _listener, _fillers) = saturated_listener();
    let backup = Server::start(vec![Reply::json(200, r#"{"prepay_id":"backup"}"#)]).await;
    let client = client(
        &format!("http://{primary}"),
        Some(backup.url()),
        timeouts(),
        Limits::default(),
    );
    // Not retry-safe: failing over is right only because no connection was made.
    let answer = client.execute(Pay::<false>).await.expect("backup answers");
    assert_eq!(answer.prepay_id, "backup");
    let untyped = client
        .call_json(http::Method::POST, "/v3/test/pay", Some(&json!({})), false)
        .await
        .expect("backup answers untyped calls too");
    assert_eq!(untyped["prepay_id"], "backup");
    assert_eq!(backup.seen().len(), 2);
}

#[tokio::test]
async fn d4_no_failover_once_the_request_may_have_arrived() {
    // The primary reads the request, then drops the connection.
    let (primary, read) = raw_server(Raw::Close).await;
    let backup = Server::start(vec![Reply::json(200, r#"{"prepay_id":"backup"}"#)]).await;
    let client = client(
        &format!("http://{primary}"),
        Some(backup.url()),
        timeouts(),
        Limits::default(),
    );
    let result = client.execute(Pay::<false>).await;
    assert!(matches!(result, Err(Error::Transport(_))), "{result:?}");
    assert_eq!(read.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(backup.seen().is_empty(), "never sent twice");
}

#[tokio::test]
async fn d15_1_errors_after_sending_say_the_call_may_have_taken_effect() {
    let (after, _) = raw_server(Raw::Close).await;
    let sent = default_client(&format!("http://{after}"))
        .execute(Pay::<false>)
        .await
        .expect_err("dropped");
    assert!(matches!(sent, Error::Transport(_)), "{sent:?}");
    let text = sent.to_string();
    assert!(
        text.contains("may have reached WeChat Pay") && text.contains("may have taken effect"),
        "{text}"
    );

    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let never = default_client(&format!("http://{refused}"))
        .execute(Pay::<false>)
        .await
        .expect_err("refused");
    assert!(matches!(never, Error::Unreachable(_)), "{never:?}");
    let text = never.to_string();
    assert!(
        text.contains("could not connect") && text.contains("nothing was sent"),
        "{text}"
    );
    assert!(!text.contains("may have"), "{text}");
}

#[tokio::test]
async fn d15_4_a_timeout_names_which_timeout_fired_and_its_duration() {
    // Connect: a saturated listener and no backup.
    let (primary, _listener, _fillers) = saturated_listener();
    let err = default_client(&format!("http://{primary}"))
        .execute(Pay::<false>)
        .await
        .expect_err("connect times out");
    match &err {
        Error::Timeout(t) => {
            assert_eq!(
                (t.kind, t.limit),
                (TimeoutKind::Connect, Duration::from_millis(500))
            );
            assert!(!t.request_may_have_arrived());
        }
        other => panic!("expected a connect timeout, got {other:?}"),
    }
    assert!(
        err.to_string().contains("connect timeout of 500ms"),
        "{err}"
    );

    // Attempt: a server that answers far later than the attempt timeout.
    let slow = Server::start(vec![
        Reply::json(200, r#"{"prepay_id":"late"}"#).delayed(Duration::from_secs(30)),
    ])
    .await;
    let short = Timeouts {
        attempt: Duration::from_millis(700),
        ..timeouts()
    };
    let err = client(&slow.url(), None, short, Limits::default())
        .execute(Pay::<false>)
        .await
        .expect_err("attempt times out");
    match &err {
        Error::Timeout(t) => {
            assert_eq!(
                (t.kind, t.limit),
                (TimeoutKind::Attempt, Duration::from_millis(700))
            );
            assert!(t.request_may_have_arrived());
        }
        other => panic!("expected an attempt timeout, got {other:?}"),
    }
    assert!(
        err.to_string().contains("attempt timeout of 700ms"),
        "{err}"
    );

    // Total: shorter than one attempt, across retries of a retry-safe call.
    let total = Timeouts {
        attempt: Duration::from_secs(20),
        total: Duration::from_millis(900),
        ..timeouts()
    };
    let err = client(&slow.url(), None, total, Limits::default())
        .execute(Pay::<true>)
        .await
        .expect_err("total times out");
    match &err {
        Error::Timeout(t) => assert_eq!(
            (t.kind, t.limit),
            (TimeoutKind::Total, Duration::from_millis(900))
        ),
        other => panic!("expected the total timeout, got {other:?}"),
    }
    assert!(err.to_string().contains("total timeout of 900ms"), "{err}");
}

#[tokio::test]
async fn d9_total_duration_max_means_no_overall_limit() {
    let server = Server::start(vec![
        Reply::error(500, "SYSTEM_ERROR"),
        Reply::json(200, r#"{"prepay_id":"p1"}"#),
    ])
    .await;
    let unlimited = Timeouts {
        total: Duration::MAX,
        ..timeouts()
    };
    let client = client(&server.url(), None, unlimited, Limits::default());
    // A retry (backoff against the deadline) and a success.
    assert_eq!(
        client
            .execute(Pay::<true>)
            .await
            .expect("retried")
            .prepay_id,
        "p1"
    );
    // The same through a per-call override.
    let answer = client
        .execute_with(
            Pay::<true>,
            &RequestOptions::new().total_timeout(Duration::MAX),
        )
        .await
        .expect("no overall limit");
    assert_eq!(answer.value.prepay_id, "p1");
}

#[tokio::test]
async fn d14_the_path_signed_is_the_path_sent() {
    let server = Server::start(vec![Reply::json(200, r#"{"ok":true}"#)]).await;
    let client = default_client(&server.url());
    let paths = [
        "/v3/marketing/favor/stocks?note=咖啡",
        "/v3/marketing/favor/stocks?note=a b",
        "/v3/marketing/favor/../favor/stocks?x=1",
        "/v3/marketing/favor/stocks?x=1#frag",
        "/v3/marketing/favor/stocks?x=\"",
    ];
    for path in paths {
        client
            .call_json(http::Method::GET, path, None, false)
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    // A "path" that would change the host is refused before anything is sent.
    for not_a_path in ["@evil.example/v3/x", ".evil.example/v3/x"] {
        let refused = client
            .call_json(http::Method::GET, not_a_path, None, false)
            .await;
        assert!(
            matches!(refused, Err(Error::Config(ref m)) if m.contains("does not start with `/`")),
            "{refused:?}"
        );
    }
    let url = format!("{}/v3/billdownload/a/../file?token=t", server.url());
    let bill = br#"{"ok":true}"#;
    client
        .download_bill(&url, "SHA1", &sha1(bill))
        .await
        .expect("bill with a dot segment");
    let seen = server.seen();
    assert_eq!(seen.len(), paths.len() + 1);
    for s in &seen {
        assert!(
            s.authorization_valid,
            "the server's check accepts the signature over what it received: {}",
            s.path_and_query
        );
    }
    let received: Vec<&str> = seen.iter().map(|s| s.path_and_query.as_str()).collect();
    assert_eq!(
        received,
        [
            "/v3/marketing/favor/stocks?note=%E5%92%96%E5%95%A1",
            "/v3/marketing/favor/stocks?note=a%20b",
            "/v3/marketing/favor/stocks?x=1",
            "/v3/marketing/favor/stocks?x=1",
            "/v3/marketing/favor/stocks?x=%22",
            "/v3/billdownload/file?token=t",
        ]
    );
}

#[tokio::test]
async fn an_undecodable_verified_answer_is_kept_whole_and_kept_out_of_logs() {
    let body = r#"{"prepay_id": 5, "payer_name": "PLAINTEXT-MARKER-110101199003077777"}"#;
    let server = Server::start(vec![Reply::json(200, body)]).await;
    let err = default_client(&server.url())
        .execute(Pay::<false>)
        .await
        .expect_err("prepay_id is not a string");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("PLAINTEXT-MARKER"), "{shown}");
    assert!(!shown.contains("prepay_id"), "{shown}");
    assert!(shown.contains("line 1 column"), "{shown}");
    match err {
        Error::Undecodable(e) => assert_eq!(e.body(), body.as_bytes()),
        other => panic!("expected an undecodable answer, got {other:?}"),
    }
}

#[tokio::test]
async fn execute_with_overrides_retries_and_returns_the_request_id() {
    let server = Server::start(vec![
        Reply::error(500, "SYSTEM_ERROR"),
        Reply::json(200, r#"{"prepay_id":"p1"}"#),
    ])
    .await;
    let client = default_client(&server.url());
    // No retries for this call, although the operation is retry-safe.
    let once = client
        .execute_with(
            Pay::<true>,
            &RequestOptions::new().retry(RetryPolicy::none()),
        )
        .await;
    assert!(
        matches!(once, Err(Error::Api(ref e)) if e.status == 500),
        "{once:?}"
    );
    assert_eq!(server.seen().len(), 1);
    let server = Server::start(vec![
        Reply::error(500, "SYSTEM_ERROR"),
        Reply::json(200, r#"{"prepay_id":"p1"}"#),
    ])
    .await;
    let answer = default_client(&server.url())
        .execute_with(Pay::<true>, &RequestOptions::new())
        .await
        .expect("second attempt");
    assert_eq!(answer.value.prepay_id, "p1");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.attempts, 2);
    assert_eq!(
        answer.request_id.as_deref(),
        Some("08F0D3E2C70610BA0318B0E3F82F2088ACD71F")
    );
    // A per-call attempt timeout.
    let slow = Server::start(vec![
        Reply::json(200, r#"{"prepay_id":"late"}"#).delayed(Duration::from_secs(30)),
    ])
    .await;
    let err = default_client(&slow.url())
        .execute_with(
            Pay::<false>,
            &RequestOptions::new().attempt_timeout(Duration::from_millis(600)),
        )
        .await
        .expect_err("times out");
    assert!(
        matches!(err, Error::Timeout(t) if t.kind == TimeoutKind::Attempt && t.limit == Duration::from_millis(600)),
        "{err:?}"
    );
}

/// Untrusted answers stay untrusted through the new body reader (a tampered, capped-size body).
#[tokio::test]
async fn a_tampered_body_read_in_chunks_is_still_rejected() {
    let big = format!(r#"{{"prepay_id":"{}"}}"#, "y".repeat(MIB as usize));
    let server = Server::start(vec![Reply::json(200, &big).signed(Signing::TamperBody)]).await;
    let result = default_client(&server.url()).execute(Pay::<false>).await;
    assert!(
        matches!(result, Err(Error::Untrusted(TrustError::BadSignature))),
        "{result:?}"
    );
}
