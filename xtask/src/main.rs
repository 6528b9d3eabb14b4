//! `cargo xtask`: maintainer tasks over the workspace (a thin CLI over the generator library).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod interop;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Maintainer tasks for wechatpay-apiv3")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate generated/ from spec/ (with --check: change nothing, fail if it is stale).
    Gen {
        /// Only compare; list stale, missing and orphaned files and fail if there are any.
        #[arg(long)]
        check: bool,
    },
    /// Run the benchmarks (release build) and print every figure of BENCHMARKS.md.
    Bench {
        /// Skip the 10,000-operation generator run and the compile-cost builds.
        #[arg(long)]
        quick: bool,
    },
    /// Run the public Node and Python WeChat Pay SDKs against the simulator binary, in both key
    /// modes (installs them at pinned versions into target/interop/; needs node, npm, python3).
    Interop,
    /// Check spec files without generating: all of spec/, or only the family folders given.
    Validate {
        /// Family folders (e.g. spec/marketing/favor); default: all of spec/.
        dirs: Vec<PathBuf>,
    },
}

fn workspace_root() -> PathBuf {
    // xtask lives one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    let spec = root.join("spec");
    match cli.task {
        Task::Gen { check } => {
            // Generate everything before writing anything: one bad spec stops every output.
            let mut outputs = Vec::new();
            for job in wechatpay_apiv3_generator::jobs(&root) {
                match wechatpay_apiv3_generator::generate(&job.spec, &job.target) {
                    Ok(files) => outputs.push((job.out, files)),
                    Err(e) => {
                        eprintln!(
                            "{}: {e}",
                            job.spec.strip_prefix(&root).unwrap_or(&job.spec).display()
                        );
                        return ExitCode::FAILURE;
                    }
                }
            }
            // The simulator serves spec/ from a copy inside its own crate, so it still has it
            // when installed from a registry or a git dependency.
            match wechatpay_apiv3_generator::bundle::spec_bundle(&spec) {
                Ok(files) => outputs.push((root.join("sim/embedded"), files)),
                Err(e) => {
                    eprintln!("spec: {e}");
                    return ExitCode::FAILURE;
                }
            }
            let mut ok = true;
            for (out, files) in outputs {
                let shown = out
                    .strip_prefix(&root)
                    .unwrap_or(&out)
                    .display()
                    .to_string();
                if check {
                    let stale = wechatpay_apiv3_generator::check(&files, &out);
                    for s in &stale {
                        eprintln!("{shown}: {s}");
                    }
                    if stale.is_empty() {
                        println!("{shown}/ is up to date ({} files)", files.len());
                    } else {
                        eprintln!("{shown}/ is stale: run `cargo xtask gen`");
                        ok = false;
                    }
                    continue;
                }
                match wechatpay_apiv3_generator::write(&files, &out) {
                    Ok(changes) => {
                        for c in &changes {
                            println!("{shown}: {c}");
                        }
                        println!("{shown}/: {} files, {} changed", files.len(), changes.len());
                    }
                    Err(e) => {
                        eprintln!("writing {shown}/: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Task::Bench { quick } => {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut cmd = std::process::Command::new(cargo);
            cmd.args([
                "run",
                "--release",
                "-q",
                "-p",
                "wechatpay-apiv3-bench",
                "--",
            ])
            .current_dir(&root);
            if quick {
                cmd.arg("--quick");
            }
            match cmd.status() {
                Ok(s) if s.success() => ExitCode::SUCCESS,
                Ok(_) => ExitCode::FAILURE,
                Err(e) => {
                    eprintln!("cannot run cargo: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Task::Interop => match interop::run(&root) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("interop: {e}");
                ExitCode::FAILURE
            }
        },
        Task::Validate { dirs } => {
            // A folder inside spec/ is checked with the rest of spec/ loaded for context; a folder
            // elsewhere (a draft) is checked on its own, as if it were the whole spec.
            let cwd = std::env::current_dir().unwrap_or_default();
            let absolute: Vec<PathBuf> = dirs
                .iter()
                .map(|d| {
                    if d.is_absolute() {
                        d.clone()
                    } else {
                        cwd.join(d)
                    }
                })
                .collect();
            let (spec, only): (PathBuf, Vec<PathBuf>) =
                match absolute.iter().find(|d| !d.starts_with(&spec)) {
                    Some(draft) if absolute.len() == 1 => (draft.clone(), Vec::new()),
                    Some(draft) => {
                        eprintln!(
                            "{}: a folder outside spec/ is checked alone; give it by itself",
                            draft.display()
                        );
                        return ExitCode::FAILURE;
                    }
                    None => {
                        let only = absolute
                            .iter()
                            .map(|d| {
                                d.strip_prefix(&spec)
                                    .map(Path::to_path_buf)
                                    .unwrap_or_default()
                            })
                            .collect();
                        (spec, only)
                    }
                };
            match wechatpay_apiv3_generator::check_spec(&spec, &only) {
                Ok(api) => {
                    let ops: usize = api.families.iter().map(|f| f.operations.len()).sum();
                    let notes: usize = api.families.iter().map(|f| f.notifications.len()).sum();
                    println!(
                        "spec is valid: {} families, {ops} operations, {notes} notifications",
                        api.families.len()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
