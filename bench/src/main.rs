//! `cargo xtask bench`: prints every figure of BENCHMARKS.md next to its reference, measured in
//! the same run. Asserts nothing: the machines are shared and noisy.
//!
//! The loopback server is a separate process (`bench --serve`) that answers every request with one
//! response signed at start-up, so it costs almost nothing and the client's CPU time and peak RSS
//! are read from this process alone.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use wechatpay_apiv3::marketing::busifavor::UseCouponRequest;
use wechatpay_apiv3::{Client, Config, MerchantKey, RetryPolicy};
use wechatpay_apiv3_runtime::client::Keyring;
use wechatpay_apiv3_runtime::client::crypto::{ApiV3Key, VerifyingKey};
use wechatpay_apiv3_runtime::protocol;
use wechatpay_apiv3_sim as sim;

mod compile;

const WINDOW: Duration = Duration::from_secs(3);
const ANSWER: &[u8] = br#"{"stock_id":"100088","openid":"xsd3434454567676","wechatpay_use_time":"2015-05-20T13:29:35.120+08:00"}"#;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        return serve();
    }
    let quick = args.iter().any(|a| a == "--quick");
    let calls_only = args.iter().any(|a| a == "--calls-only");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("workspace root")?
        .to_path_buf();
    println!("machine: {} cores, {}", cores(), cpu_model());
    if args.iter().any(|a| a == "--compile-only") {
        return compile::compile_cost(&root);
    }
    println!("window per throughput figure: {WINDOW:?}\n");

    let bound = crypto_bound()?;
    println!(
        "bound: one RSA-2048 signature + one verification: {:.0} per second per core ({:.1} us sign, {:.1} us verify); {:.0}/s on all {} cores",
        bound.per_core,
        bound.sign_us,
        bound.verify_us,
        bound.per_core * cores() as f64,
        cores()
    );
    println!(
        "bound measured on all {} cores at once: {:.0}/s ({:.1}% of one core's rate times the cores)",
        cores(),
        bound.all_cores,
        100.0 * bound.all_cores / (bound.per_core * cores() as f64)
    );

    let server = Server::spawn()?;
    let layouts = [
        (
            Layout::Shared { lifo: true },
            "one multi-threaded runtime, one client",
        ),
        (
            Layout::PerCore,
            "thread per core: a current-thread runtime and a client on each core",
        ),
        (
            Layout::Shared { lifo: false },
            "one multi-threaded runtime with its LIFO slot disabled, one client",
        ),
    ];
    for (layout, name) in layouts {
        if matches!(layout, Layout::Shared { lifo: false }) && !cfg!(tokio_unstable) {
            continue; // tokio offers the switch only with `--cfg tokio_unstable`
        }
        println!("{name}:");
        for concurrency in [1_usize, 8, 64] {
            if matches!(layout, Layout::PerCore) && concurrency == 1 {
                continue; // one call at a time is the same on both layouts
            }
            // The machine is shared: measure the reference again right before each figure so
            // that the ratio compares two measurements taken side by side.
            let bound = crypto_bound()?;
            let all_cores = bound.all_cores;
            println!(
                "  reference now: sign {:.1} us + verify {:.1} us on one core; {all_cores:.0}/s on all cores at once",
                bound.sign_us, bound.verify_us
            );
            let (rate, cpu_us_per_call) = throughput(&server, concurrency, layout)?;
            let overhead = cpu_us_per_call - bound.sign_us - bound.verify_us;
            println!(
                "throughput c={concurrency:>2}: {rate:>7.0} calls/s = {:>5.1}% of the all-core bound; client CPU {cpu_us_per_call:.1} us/call, overhead beyond sign+verify {overhead:.1} us/call",
                100.0 * rate / all_cores
            );
            if concurrency > 1 {
                // With every core busy a signature costs more than on an idle machine: price it
                // as measured on all cores at once too.
                let busy_pair_us = 1e6 * cores() as f64 / all_cores;
                println!(
                    "  c={concurrency}: sign+verify with all cores busy {busy_pair_us:.1} us/call; overhead beyond that {:.1} us/call",
                    cpu_us_per_call - busy_pair_us
                );
            }
        }
    }
    println!(
        "peak RSS of the client process (after c=64): {:.1} MB",
        peak_rss_mb()
    );
    drop(server);
    simulator_figure()?;
    if calls_only {
        return Ok(());
    }

    let (per_sec, us) = notifications()?;
    println!(
        "\ncallbacks: verify + decrypt + decode: {per_sec:.0} per second on one core ({us:.1} us each; verification alone {:.1} us)",
        bound.verify_us
    );

    println!();
    generator(&root, quick)?;
    if !quick {
        println!();
        compile::compile_cost(&root)?;
    }
    Ok(())
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// A process's (user, system) CPU time (Linux `/proc/<pid>/stat`, clock ticks of 10 ms);
/// `"self"` for this one.
fn cpu_times(pid: &str) -> (Duration, Duration) {
    let (user, system, _, _) = stat_times(pid);
    (user, system)
}

/// User, system, and finished children's user and system time of a process (`/proc/<pid>/stat`
/// fields 14 to 17; a child's count once it has been waited for, its own children's included).
fn stat_times(pid: &str) -> (Duration, Duration, Duration, Duration) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        let t = fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0);
        Duration::from_millis(t * 10)
    };
    (ticks(11), ticks(12), ticks(13), ticks(14))
}

/// The whole machine's (busy, idle, stolen) CPU time so far (Linux `/proc/stat`, all cores):
/// tells a core the client left idle from one a noisy neighbour took.
fn machine_times() -> (Duration, Duration, Duration) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let at = |i: usize| Duration::from_millis(ticks.get(i).copied().unwrap_or(0) * 10);
    // user nice system idle iowait irq softirq steal
    let busy = at(0) + at(1) + at(2) + at(5) + at(6);
    (busy, at(3) + at(4), at(7))
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

struct Bound {
    per_core: f64,
    sign_us: f64,
    verify_us: f64,
    /// Sign + verify pairs per second with every core doing nothing else at once (shared caches,
    /// turbo limits and sibling hyperthreads make this less than `per_core` times the cores).
    all_cores: f64,
}

/// One signature and one verification, on one core, with the fixture keys.
fn crypto_bound() -> Res<Bound> {
    let key = MerchantKey::from_pem(sim::FIXTURE_MERCHANT_PRIVATE_KEY)?;
    let verifier = VerifyingKey::from_public_key_pem(sim::FIXTURE_WECHATPAY_PUBLIC_KEY)?;
    let message = &protocol::signing_message(
        "POST",
        "/v3/marketing/busifavor/coupons/use",
        "1554208460",
        "593BEC0C930BF1AFEB40B4A08C8FB242",
        b"{}",
    );
    let platform = MerchantKey::from_pem(include_bytes!(
        "../../sim/fixtures/java_wechatpay_private_key.pem"
    ))?;
    let response =
        protocol::verify_message("1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242", ANSWER);
    let signature = platform.sign(&response)?;
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        let mut n = 0_u64;
        while start.elapsed() < Duration::from_secs(1) {
            f();
            n += 1;
        }
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    };
    let sign_us = time(&mut || {
        let _ = key.sign(message);
    });
    let verify_us = time(&mut || {
        let _ = verifier.verify(&response, &signature);
    });
    let pairs = std::sync::atomic::AtomicU64::new(0);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..cores() {
            scope.spawn(|| {
                let mut n = 0;
                while start.elapsed() < Duration::from_secs(1) {
                    let _ = key.sign(message);
                    let _ = verifier.verify(&response, &signature);
                    n += 1;
                }
                pairs.fetch_add(n, Ordering::Relaxed);
            });
        }
    });
    Ok(Bound {
        per_core: 1e6 / (sign_us + verify_us),
        sign_us,
        verify_us,
        all_cores: pairs.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64(),
    })
}

struct Server {
    child: std::process::Child,
    url: String,
}

impl Server {
    /// The server process's CPU time so far, user plus system.
    fn cpu(&self) -> Duration {
        let (user, sys) = cpu_times(&self.child.id().to_string());
        user + sys
    }
}

impl Server {
    fn spawn() -> Res<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("--serve")
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("server stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        Ok(Self {
            child,
            url: line.trim().to_string(),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The loopback server: one response, signed once, for every request; exits after 10 minutes.
fn serve() -> Res<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("http://{}", listener.local_addr()?);
        let config = sim::SimConfig::fixture()?;
        let headers: Arc<Vec<(&'static str, String)>> = Arc::new(config.sign_answer(ANSWER, &[]));
        let deadline = tokio::time::sleep(Duration::from_secs(600));
        tokio::pin!(deadline);
        loop {
            let accepted = tokio::select! {
                _ = &mut deadline => return Ok(()),
                a = listener.accept() => a,
            };
            let Ok((stream, _)) = accepted else { continue };
            // Answers go out at once: with Nagle's algorithm on, a response written in two pieces
            // waits for the client's delayed ACK and both processes sit idle meanwhile.
            let _ = stream.set_nodelay(true);
            let headers = headers.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |_req: hyper::Request<hyper::body::Incoming>| {
                        let headers = headers.clone();
                        async move {
                            let mut response = hyper::Response::new(http_body_util::Full::new(
                                bytes::Bytes::from_static(ANSWER),
                            ));
                            for (name, value) in headers.iter() {
                                if let Ok(v) = http::HeaderValue::from_str(value) {
                                    response.headers_mut().insert(*name, v);
                                }
                            }
                            Ok::<_, std::convert::Infallible>(response)
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

fn request() -> UseCouponRequest {
    UseCouponRequest::builder()
        .coupon_code("sxxe34343434")
        .stock_id("100088")
        .appid("wx1234567889999")
        .use_time("2015-05-20T13:29:35+08:00")
        .use_request_no("1002600620019090123143254435")
        .openid("xsd3434454567676")
        .build()
        .unwrap_or_else(|e| unreachable!("the seed request is valid: {e}"))
}

/// Signed + sent + verified + decoded calls per second, and client CPU time per call.
/// How the calls are spread over the cores.
#[derive(Clone, Copy)]
enum Layout {
    /// One multi-threaded tokio runtime and one shared client (the usual setup). `lifo: false`
    /// disables tokio's LIFO slot (needs `--cfg tokio_unstable`): the slot holds the task woken
    /// last and cannot be stolen (tokio issue #4941), so behind a 200 µs RSA signature it can
    /// leave the other core idle.
    Shared { lifo: bool },
    /// A single-threaded runtime and its own client on each core (thread per core).
    PerCore,
}

fn bench_client(url: &str) -> Res<Client> {
    let config = Config::builder(
        sim::FIXTURE_MCHID,
        sim::FIXTURE_MERCHANT_SERIAL,
        MerchantKey::from_pem(sim::FIXTURE_MERCHANT_PRIVATE_KEY)?,
    )
    .wechatpay_public_key(
        sim::FIXTURE_PUBLIC_KEY_ID,
        sim::FIXTURE_WECHATPAY_PUBLIC_KEY,
    )
    .base_url(url)
    .backup_url(None)
    .retry(RetryPolicy::none())
    .build()?;
    Ok(Client::new(config)?)
}

/// Completed and failed calls, counted by every task.
#[derive(Default)]
struct Counts {
    done: AtomicU64,
    failed: AtomicU64,
}

/// `tasks` tasks calling through `client` in a loop until the window closes.
async fn call_loop(client: Client, tasks: usize, counts: Arc<Counts>, start: Instant) {
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (client, counts) = (client.clone(), counts.clone());
        handles.push(tokio::spawn(async move {
            while start.elapsed() < WINDOW {
                match client.execute(request()).await {
                    Ok(_) => counts.done.fetch_add(1, Ordering::Relaxed),
                    Err(_) => counts.failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    for h in handles {
        let _ = h.await;
    }
}

/// Calls per second and client CPU microseconds per call at `concurrency`.
fn throughput(server: &Server, concurrency: usize, layout: Layout) -> Res<(f64, f64)> {
    let url = server.url.as_str();
    let counts = Arc::new(Counts::default());
    let server0 = server.cpu();
    let machine0 = machine_times();
    let (user0, sys0) = cpu_times("self");
    let start;
    match layout {
        Layout::Shared { lifo } => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            if !lifo {
                #[cfg(tokio_unstable)]
                builder.disable_lifo_slot();
            }
            let runtime = builder.enable_all().build()?;
            let client = bench_client(url)?;
            runtime.block_on(client.execute(request()))?; // warm the connection pool
            start = Instant::now();
            runtime.block_on(call_loop(client, concurrency, counts.clone(), start));
        }
        Layout::PerCore => {
            let per_core = concurrency.div_ceil(cores());
            start = Instant::now();
            std::thread::scope(|scope| -> Res<()> {
                let threads: Vec<_> = (0..cores())
                    .map(|_| {
                        let counts = counts.clone();
                        scope.spawn(move || -> Result<(), String> {
                            let runtime = tokio::runtime::Builder::new_current_thread()
                                .enable_all()
                                .build()
                                .map_err(|e| e.to_string())?;
                            let client = bench_client(url).map_err(|e| e.to_string())?;
                            runtime.block_on(call_loop(client, per_core, counts, start));
                            Ok(())
                        })
                    })
                    .collect();
                for t in threads {
                    t.join().map_err(|_| "a bench thread panicked")??;
                }
                Ok(())
            })?;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let (user1, sys1) = cpu_times("self");
    let server_cpu = (server.cpu() - server0).as_secs_f64();
    let machine1 = machine_times();
    let (user, sys) = ((user1 - user0).as_secs_f64(), (sys1 - sys0).as_secs_f64());
    let calls = counts.done.load(Ordering::Relaxed);
    let per_call = |seconds: f64| seconds * 1e6 / calls.max(1) as f64;
    // The server runs on the same cores: what it takes is not available to the client.
    println!(
        "  c={concurrency}: client user {:.1} us/call, kernel {:.1} us/call; server process {:.1} us/call",
        per_call(user),
        per_call(sys),
        per_call(server_cpu)
    );
    // Where the rest of the cores' time went: other processes, idle, or taken by the hypervisor.
    let share = |d: Duration| 100.0 * d.as_secs_f64() / (elapsed * cores() as f64);
    let others = (machine1.0 - machine0.0).as_secs_f64() - user - sys - server_cpu;
    println!(
        "  c={concurrency}: of all cores' time: other processes {:.1}%, idle {:.1}%, stolen {:.1}%",
        100.0 * others.max(0.0) / (elapsed * cores() as f64),
        share(machine1.1 - machine0.1),
        share(machine1.2 - machine0.2)
    );
    let failed = counts.failed.load(Ordering::Relaxed);
    if failed > 0 {
        println!("  ({failed} calls failed)");
    }
    Ok((
        calls as f64 / elapsed,
        (user + sys) * 1e6 / calls.max(1) as f64,
    ))
}

/// Signed answers per second the simulator itself serves at concurrency 64 (its whole path:
/// route, signature check, validation, the lifecycle engine's replay, the answer's own RSA
/// signature), next to the RSA bound measured right before it. Client and simulator share the
/// machine: each call is two signatures (request, answer) and one verification.
fn simulator_figure() -> Res<()> {
    let bound = crypto_bound()?;
    let pair_busy_us = 1e6 * cores() as f64 / bound.all_cores;
    // sign + verify (client) + sign (simulator), priced with all cores busy.
    let per_call_us =
        pair_busy_us + bound.sign_us * pair_busy_us / (bound.sign_us + bound.verify_us);
    let ceiling = 1e6 * cores() as f64 / per_call_us;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (rate, failed) = runtime.block_on(async {
        let simulator = sim::Simulator::start().await?;
        simulator.provision_busifavor_coupon("100088", "sxxe34343434", "xsd3434454567676");
        let client = Client::new(
            simulator
                .client_config()
                .retry(RetryPolicy::none())
                .build()?,
        )?;
        // The coupon is used once; every later call is a replay of that first answer.
        client.execute(request()).await?;
        let counts = Arc::new(Counts::default());
        let start = Instant::now();
        call_loop(client, 64, counts.clone(), start).await;
        let rate = counts.done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
        Ok::<_, Box<dyn std::error::Error>>((rate, counts.failed.load(Ordering::Relaxed)))
    })?;
    println!(
        "simulator c=64 (in process, busifavor.use_coupon replayed): {rate:.0} signed answers/s = {:.1}% of the bound for 2 signatures + 1 verification per call on all cores ({ceiling:.0}/s; RSA sign {:.1} us, verify {:.1} us on one core)",
        100.0 * rate / ceiling,
        bound.sign_us,
        bound.verify_us
    );
    if failed > 0 {
        println!("  ({failed} calls failed)");
    }
    Ok(())
}

/// A callback as WeChat Pay sends it, parsed again and again on one core.
fn notifications() -> Res<(f64, f64)> {
    #[derive(serde::Deserialize)]
    struct Event {
        #[allow(dead_code)]
        out_trade_no: String,
    }
    impl wechatpay_apiv3_runtime::NotificationEvent for Event {
        const EVENT_TYPES: &'static [&'static str] = &["TRANSACTION.SUCCESS"];
        const ORIGINAL_TYPE: &'static str = "transaction";
        const SUMMARY: &'static str = "bench";
    }
    let config = sim::SimConfig::fixture()?;
    let key = ApiV3Key::new(sim::FIXTURE_APIV3_KEY)?;
    let resource = br#"{"out_trade_no":"1217752501201407033233368018","trade_state":"SUCCESS","amount":{"total":100}}"#;
    let ciphertext = key.encrypt("fdasflkja484", "transaction", resource)?;
    let body = serde_json::json!({
        "id": "EV-1", "create_time": "2015-05-20T13:29:35+08:00", "event_type": "TRANSACTION.SUCCESS",
        "resource_type": "encrypt-resource", "summary": "ok",
        "resource": { "original_type": "transaction", "algorithm": protocol::AEAD_ALGORITHM, "ciphertext": ciphertext,
                      "associated_data": "transaction", "nonce": "fdasflkja484" }
    })
    .to_string();
    let mut headers = http::HeaderMap::new();
    for (name, value) in config.sign_answer(body.as_bytes(), &[]) {
        headers.insert(name, http::HeaderValue::from_str(&value)?);
    }
    let mut keyring = Keyring::new();
    keyring.add_public_key(
        sim::FIXTURE_PUBLIC_KEY_ID,
        VerifyingKey::from_public_key_pem(sim::FIXTURE_WECHATPAY_PUBLIC_KEY)?,
    );
    let now = protocol::unix_now();
    let start = Instant::now();
    let mut n = 0_u64;
    while start.elapsed() < Duration::from_secs(2) {
        wechatpay_apiv3_runtime::client::notify::parse::<Event>(
            &keyring,
            &key,
            &headers,
            body.as_bytes(),
            now,
        )?;
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    Ok((n as f64 / secs, secs * 1e6 / n as f64))
}

/// Generation time for spec/ and for synthetic specs of 1,000 and 10,000 operations.
fn generator(root: &Path, quick: bool) -> Res<()> {
    let target = wechatpay_apiv3_generator::Target::main();
    let start = Instant::now();
    let files = wechatpay_apiv3_generator::generate(&root.join("spec"), &target)?;
    let api = wechatpay_apiv3_generator::check_spec(&root.join("spec"), &[])?;
    let ops: usize = api.families.iter().map(|f| f.operations.len()).sum();
    println!(
        "generator: spec/ ({ops} operations, {} files) in {:.2?}",
        files.len(),
        start.elapsed()
    );
    let sizes: &[usize] = if quick { &[1000] } else { &[1000, 10_000] };
    let mut per_op = Vec::new();
    for &n in sizes {
        let dir = std::env::temp_dir().join(format!("wechatpay-bench-spec-{n}"));
        synthetic_spec(&dir, n)?;
        let start = Instant::now();
        let files = wechatpay_apiv3_generator::generate(&dir, &target)?;
        let secs = start.elapsed().as_secs_f64();
        per_op.push(secs * 1e3 / n as f64);
        println!(
            "generator: {n:>6} synthetic operations ({} files) in {secs:.2} s = {:.2} ms per operation",
            files.len(),
            secs * 1e3 / n as f64
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    if per_op.len() == 2 {
        println!(
            "generator: cost per operation at 10,000 / at 1,000 = {:.2} (1.00 is linear)",
            per_op[1] / per_op[0]
        );
    }
    Ok(())
}

/// `n` operations in families of 100, each with a shared type, an enum and a nested body.
fn synthetic_spec(dir: &Path, n: usize) -> Res<()> {
    let _ = std::fs::remove_dir_all(dir);
    for family in 0..n.div_ceil(100) {
        let fdir = dir.join(format!("fam{family}"));
        std::fs::create_dir_all(&fdir)?;
        std::fs::write(
            fdir.join("family.yaml"),
            format!(
                "family: {{ name: fam{family}, module: synth::fam{family}, feature: fam{family}, title: F, doc: D }}\ntypes:\n  Thing:\n    doc: A thing.\n    fields:\n      id: {{ type: string, required: true, max_length: 32, doc: ID. }}\n      state: {{ type: State, doc: State. }}\n      amount: {{ type: integer, minimum: 0, doc: Fen. }}\n  State:\n    doc: S.\n    values:\n      ON: On.\n      OFF: Off.\n"
            ),
        )?;
        for op in 0..100.min(n - family * 100) {
            std::fs::write(
                fdir.join(format!("op{op}.yaml")),
                format!(
                    "operation:\n  id: op{op}\n  title: Op\n  doc: Does.\n  method: POST\n  path: /v3/synth/fam{family}/{{id}}/op{op}\n  doc_url: https://example.com\n  callers: [merchant]\n  idempotency_keys: [out_request_no]\n  path_params:\n    id: {{ type: string, doc: ID. }}\n  body:\n    out_request_no: {{ type: string, required: true, max_length: 32, doc: No. }}\n    thing: {{ type: Thing, required: true, doc: T. }}\n    note: {{ type: string, doc: N. }}\n  response: {{ type: Thing }}\n  errors:\n    - {{ status: 500, code: SYSTEM_ERROR, description: B., solution: R., retry: true }}\n  examples:\n    - name: e\n      request: {{ path: {{ id: a }}, body: {{ out_request_no: x, thing: {{ id: t, state: \"ON\", amount: 1 }} }} }}\n      response: {{ id: t }}\n"
                ),
            )?;
        }
    }
    Ok(())
}
