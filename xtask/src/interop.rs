//! `cargo xtask interop`: public WeChat Pay SDKs that no one here wrote, run against the simulator
//! binary.
//!
//! Installs the Node SDK (`wechatpay-axios-plugin`, npm) and the Python SDK (`wechatpayv3`, PyPI)
//! at the versions pinned in `interop/node/package-lock.json` and `interop/python/requirements.txt`
//! into `target/interop/`, builds `wechatpay-sim`, and for each signing mode (public key, platform
//! certificate) starts it on 127.0.0.1 with its credentials written to a folder and runs
//! `interop/node/interop.js` and `interop/python/interop.py` against it. A missing tool or an
//! unreachable registry fails with what to install; nothing is skipped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the simulator may take to print `ready`, and one script to finish (a loaded machine).
const START_TIMEOUT: Duration = Duration::from_secs(120);
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(600);

const MODES: [&str; 2] = ["public-key", "certificate"];

/// Runs everything; the error says what failed and what to do about it.
pub fn run(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    let scratch = root.join("target/interop");
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    for (tool, install) in [
        (
            "node",
            "Node.js 18 or later (Debian: apt-get install nodejs npm)",
        ),
        ("npm", "npm (Debian: apt-get install npm)"),
        (
            "python3",
            "Python 3.8 or later (Debian: apt-get install python3 python3-venv)",
        ),
    ] {
        let version = capture(Command::new(tool).arg("--version"))
            .map_err(|e| format!("`{tool}` is needed and {e}: install {install}"))?;
        println!("interop: {tool} {}", version.trim());
    }
    let node_modules = install_node(root, &scratch)?;
    let python = install_python(root, &scratch)?;
    let sim = build_simulator(root)?;
    println!("interop: installed and built in {:.0?}", started.elapsed());

    let mut passed = 0;
    for mode in MODES {
        let credentials = scratch.join(format!("credentials-{mode}"));
        let mut server = Simulator::start(&sim, mode, &credentials)?;
        println!("interop: simulator ({mode}) at {}", server.base_url);
        let node_script = root.join("interop/node/interop.js");
        let mut node = Command::new("node");
        node.arg(&node_script)
            .arg(&credentials)
            .arg(mode)
            .env("NODE_PATH", &node_modules);
        let mut py = Command::new(&python);
        py.arg(root.join("interop/python/interop.py"))
            .arg(&credentials)
            .arg(mode);
        for (name, cmd) in [("node", &mut node), ("python", &mut py)] {
            let result = run_script(cmd);
            match result {
                Ok(n) => passed += n,
                Err(e) => {
                    server.stop();
                    return Err(format!("{name} SDK, {mode} mode: {e}"));
                }
            }
        }
        server.stop();
    }
    println!(
        "interop: node and python SDKs in both modes in {:.0?}",
        started.elapsed()
    );
    println!("interop: {passed} passed, 0 failed");
    Ok(())
}

/// Output of a command that must succeed, or why it did not run or failed.
fn capture(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("cannot be run ({e})"))?;
    if !out.status.success() {
        return Err(format!(
            "failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs an install step unless `marker` already records `stamp` (the pinned versions) and what it
/// installed, `installed`, is still there.
fn install_once(
    marker: &Path,
    stamp: &str,
    installed: &Path,
    what: &str,
    step: impl FnOnce() -> Result<(), String>,
) -> Result<(), String> {
    if installed.exists() && std::fs::read_to_string(marker).is_ok_and(|s| s == stamp) {
        println!("interop: {what} already installed at the pinned versions");
        return Ok(());
    }
    let started = Instant::now();
    step()?;
    std::fs::write(marker, stamp).map_err(|e| format!("{}: {e}", marker.display()))?;
    println!("interop: installed {what} in {:.0?}", started.elapsed());
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// `npm ci` of interop/node's lockfile into target/interop/node; its node_modules folder.
fn install_node(root: &Path, scratch: &Path) -> Result<PathBuf, String> {
    let dir = scratch.join("node");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut stamp = String::new();
    for file in ["package.json", "package-lock.json"] {
        let text = read(&root.join("interop/node").join(file))?;
        std::fs::write(dir.join(file), &text).map_err(|e| format!("{file}: {e}"))?;
        stamp.push_str(&text);
    }
    install_once(
        &dir.join(".installed"),
        &stamp,
        &dir.join("node_modules/wechatpay-axios-plugin"),
        "wechatpay-axios-plugin (npm)",
        || {
            capture(
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                    .arg(&dir),
            )
            .map(drop)
            .map_err(|e| {
                format!("npm ci {e}\n(is the npm registry reachable? npm's own message is above)")
            })
        },
    )?;
    Ok(dir.join("node_modules"))
}

/// A venv in target/interop/venv with interop/python/requirements.txt; its python.
fn install_python(root: &Path, scratch: &Path) -> Result<PathBuf, String> {
    let venv = scratch.join("venv");
    let python = venv.join("bin/python");
    let requirements = root.join("interop/python/requirements.txt");
    let stamp = read(&requirements)?;
    install_once(
        &venv.join(".installed"),
        &stamp,
        &python,
        "wechatpayv3 (PyPI)",
        || {
            capture(Command::new("python3").args(["-m", "venv"]).arg(&venv)).map_err(|e| {
                format!(
                    "python3 -m venv {e}\n(install the venv module: apt-get install python3-venv)"
                )
            })?;
            capture(
                Command::new(&python)
                    .args(["-m", "pip", "install", "--quiet", "-r"])
                    .arg(&requirements),
            )
            .map(drop)
            .map_err(|e| format!("pip install {e}\n(is PyPI reachable?)"))
        },
    )?;
    Ok(python)
}

/// `cargo build` of the simulator binary; its path.
fn build_simulator(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "-q",
            "-p",
            "wechatpay-apiv3-sim",
            "--bin",
            "wechatpay-sim",
        ])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building wechatpay-sim failed".into());
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    Ok(target.join("debug/wechatpay-sim"))
}

/// A `wechatpay-sim` this task started; stopped (by its own handle) when done or dropped.
struct Simulator {
    child: Child,
    base_url: String,
}

impl Simulator {
    /// Starts it and waits for `ready`, reading `base_url:` from what it prints.
    fn start(binary: &Path, mode: &str, credentials: &Path) -> Result<Self, String> {
        let mut child = Command::new(binary)
            .args(["--port", "0", "--mode", mode, "--write-credentials"])
            .arg(credentials)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("the simulator has no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Self {
            child,
            base_url: String::new(),
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line == "ready" => return Ok(server),
                Ok(line) => {
                    if let Some(url) = line.strip_prefix("base_url: ") {
                        server.base_url = url.to_string();
                    }
                }
                Err(_) => {
                    server.stop();
                    return Err(format!(
                        "wechatpay-sim --mode {mode} did not print `ready` within {START_TIMEOUT:?}"
                    ));
                }
            }
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs one SDK script, echoing its lines; how many checks passed. It fails on a `FAIL` line, a
/// non-zero exit, no check at all, or taking longer than [`SCRIPT_TIMEOUT`].
fn run_script(cmd: &mut Command) -> Result<usize, String> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut ok, mut failed) = (0, false);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("  {line}");
            ok += usize::from(line.starts_with("ok "));
            failed |= line.starts_with("FAIL");
        }
        let _ = tx.send((ok, failed));
    });
    let counted = rx.recv_timeout(SCRIPT_TIMEOUT);
    if counted.is_err() {
        let _ = child.kill();
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let (ok, failed) = counted.map_err(|_| format!("did not finish within {SCRIPT_TIMEOUT:?}"))?;
    match (status.success(), failed, ok) {
        (true, false, 1..) => Ok(ok),
        (_, _, 0) => Err(format!("ran no check ({status})")),
        _ => Err(format!("a check failed ({status})")),
    }
}
