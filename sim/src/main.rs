//! `wechatpay-sim [--port N]`: runs the simulator on 127.0.0.1 until interrupted.

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut port = 0_u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().ok_or("--port needs a number")?.parse()?,
            "-h" | "--help" => {
                println!(
                    "usage: wechatpay-sim [--port N]   (serves every spec/ operation on 127.0.0.1)"
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}`; see --help").into()),
        }
    }
    let sim =
        wechatpay_apiv3_sim::Simulator::start_on(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    println!("WeChat Pay simulator listening on {}", sim.base_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
