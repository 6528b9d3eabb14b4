//! `wechatpay-sim`: runs the simulator on 127.0.0.1 until interrupted, for a WeChat Pay SDK in any
//! language. It prints the identity to configure the SDK with, can write its key and certificate
//! files to a folder, and serves the control API under `/_sim/`.

use std::net::SocketAddr;
use std::path::PathBuf;

use wechatpay_apiv3_sim::{FIXTURE_PUBLIC_KEY_ID, SigningMode, Simulator};

const USAGE: &str = "\
usage: wechatpay-sim [--port N] [--mode public-key|certificate] [--write-credentials DIR]

Serves every spec/ operation on 127.0.0.1, signed and verified as WeChat Pay does.
  --port N                 listen on port N (default: a free port, printed at start)
  --mode public-key        sign answers with the WeChat Pay public key (PUB_KEY_ID_...; default)
  --mode certificate       sign with the platform certificate served at /v3/certificates
  --write-credentials DIR  write the merchant key and certificate, the WeChat Pay public key, the
                           platform certificate and credentials.json into DIR
The control API (unsigned JSON, loopback only) is under /_sim/: see README.md.";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut port = 0_u16;
    let mut mode = SigningMode::PublicKey(FIXTURE_PUBLIC_KEY_ID.into());
    let mut write_to: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().ok_or("--port needs a number")?.parse()?,
            "--mode" => {
                mode = match args.next().as_deref() {
                    Some("public-key") => SigningMode::PublicKey(FIXTURE_PUBLIC_KEY_ID.into()),
                    Some("certificate") => SigningMode::Certificate,
                    _ => return Err("--mode needs `public-key` or `certificate`".into()),
                }
            }
            "--write-credentials" => {
                write_to = Some(
                    args.next()
                        .ok_or("--write-credentials needs a folder")?
                        .into(),
                );
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}`; see --help").into()),
        }
    }
    let sim = Simulator::start_fixture(mode, SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let credentials = sim
        .credentials()
        .ok_or("the fixture identity has credentials")?;
    if let Some(dir) = &write_to {
        credentials
            .write_to(dir)
            .map_err(|e| format!("--write-credentials {}: {e}", dir.display()))?;
    }
    // One `name: value` a line, so a script can read what it needs (public test material).
    println!("WeChat Pay simulator listening on {}", sim.base_url());
    println!("base_url: {}", credentials.base_url);
    println!("control_url: {}/_sim", credentials.base_url);
    println!("mchid: {}", credentials.mchid);
    println!("merchant_serial: {}", credentials.merchant_serial);
    println!("apiv3_key: {}", credentials.apiv3_key);
    match &credentials.public_key_id {
        Some(id) => println!("mode: public-key\npublic_key_id: {id}"),
        None => println!("mode: certificate"),
    }
    println!(
        "platform_certificate_serial: {}",
        credentials.platform_certificate_serial
    );
    if let Some(dir) = &write_to {
        println!("credentials_dir: {}", dir.display());
    }
    println!("ready");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
