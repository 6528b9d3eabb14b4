//! Times each phase of generating a crate from a spec folder: `cargo run --release -p
//! wechatpay-apiv3-generator --example gen_time -- <spec dir>`. Prints figures; asserts nothing.

use std::path::PathBuf;
use std::time::Instant;

use wechatpay_apiv3_generator::{Target, emit, load, lower, validate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spec: PathBuf = std::env::args()
        .nth(1)
        .ok_or("usage: gen_time <spec dir>")?
        .into();
    let start = Instant::now();
    let families = load::load_dir(&spec, &[])?;
    let loaded = start.elapsed();
    let api = lower::lower(&families)?;
    let lowered = start.elapsed();
    validate::validate(&api)?;
    let validated = start.elapsed();
    let files = emit::emit(&api, &Target::main())?;
    let emitted = start.elapsed();
    let ops: usize = api.families.iter().map(|f| f.operations.len()).sum();
    let bytes: usize = files.values().map(String::len).sum();
    println!(
        "{ops} operations, {} files, {} KiB: load {:.2?}, lower {:.2?}, validate {:.2?}, emit {:.2?}, total {:.2?}",
        files.len(),
        bytes / 1024,
        loaded,
        lowered - loaded,
        validated - lowered,
        emitted - validated,
        emitted
    );
    Ok(())
}
