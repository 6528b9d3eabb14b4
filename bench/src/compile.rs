//! Compile cost of the generated crate, the emitter of this tree beside the emitter of
//! [`OLD_EMITTER`] (the commit before the generated shape changed), in one run.
//!
//! The old emitter is checked out with `git worktree add` into a temporary folder and driven by a
//! ten-line program written there (its generator library, `generate` then `write`). Every crate
//! is generated into `target/bench-compile/crates/<label>/` as a workspace of its own, with the
//! lock file of its emitter's tree and an absolute path to that tree's runtime, and built with
//! the dependencies already built: a first build, `cargo clean -p wechatpay-apiv3`, then the
//! timed build. Each build reports wall time and the CPU time of cargo and rustc (user + system,
//! steadier than wall time on a shared machine), and the peak RSS of the largest child (rustc)
//! when `/usr/bin/time` is there.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::Res;

/// The commit whose emitter the new one is compared with (the old shape, 936 lines per
/// operation on its 95-operation spec/).
pub const OLD_EMITTER: &str = "b59cbe9";

/// Which emitter wrote a crate.
#[derive(Clone, Copy, PartialEq)]
enum Emitter {
    Old,
    New,
}

/// One generated crate on disk.
struct Crate {
    dir: PathBuf,
    operations: usize,
    families: Vec<String>,
}

/// One cold build.
struct Build {
    wall: Duration,
    cpu: Duration,
    peak_rss_mb: Option<f64>,
}

struct Bench {
    root: PathBuf,
    old_tree: PathBuf,
    target_dir: PathBuf,
    cargo: String,
}

/// Prints every compile figure: lines per operation, payments only, all families, synthetic 100
/// and 1,000 operations, old emitter beside new.
pub fn compile_cost(root: &Path) -> Res<()> {
    let bench = Bench {
        root: root.to_path_buf(),
        old_tree: std::env::temp_dir().join(format!("wechatpay-bench-{OLD_EMITTER}")),
        target_dir: root.join("target/bench-compile"),
        cargo: std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
    };
    println!("compile: load average before: {}", load_average());
    bench.check_out_old()?;
    let result = bench.run();
    bench.remove_old();
    println!("compile: load average after: {}", load_average());
    result
}

impl Bench {
    fn run(&self) -> Res<()> {
        let old_spec = self.old_tree.join("spec");
        let today = self.root.join("spec");
        // The old generator cannot read today's spec/ (shared error rows, lifecycles): both
        // emitters get the old tree's spec/; today's spec/ goes through the new one alone.
        let old = self.generate(Emitter::Old, &old_spec, "old-spec-old")?;
        let new = self.generate(Emitter::New, &old_spec, "old-spec-new")?;
        let current = self.generate(Emitter::New, &today, "today-new")?;
        for (label, c) in [
            (
                format!("{OLD_EMITTER}'s spec/, {OLD_EMITTER}'s emitter"),
                &old,
            ),
            (format!("{OLD_EMITTER}'s spec/, this emitter"), &new),
            ("today's spec/, this emitter".to_string(), &current),
        ] {
            let lines = count_lines(&c.dir.join("src"))?;
            println!(
                "compile: generated lines per operation, {label}: {:.0} ({lines} lines, {} operations)",
                lines as f64 / c.operations as f64,
                c.operations
            );
        }

        println!(
            "compile: cold builds, dependencies built; CPU = user + system of cargo and rustc"
        );
        self.side_by_side("payments only", &old, &new, |_| vec!["payments".into()])?;
        self.side_by_side("all families", &old, &new, |c| c.families.clone())?;
        let all_today = self.build(&current, &current.families)?;
        println!(
            "compile: all families, today's spec/ ({} operations), this emitter: {}",
            current.operations,
            all_today.show(current.operations)
        );

        let mut per_op_new = Vec::new();
        for n in [100, 1000] {
            let dir = std::env::temp_dir().join(format!("wechatpay-bench-compile-spec-{n}"));
            super::synthetic_spec(&dir, n)?;
            let old = self.generate(Emitter::Old, &dir, &format!("synthetic-{n}-old"))?;
            let new = self.generate(Emitter::New, &dir, &format!("synthetic-{n}-new"))?;
            let _ = std::fs::remove_dir_all(&dir);
            let label = format!("synthetic {n} operations");
            let new_build = self.side_by_side(&label, &old, &new, |c| c.families.clone())?;
            per_op_new.push(new_build.cpu.as_secs_f64() / n as f64);
        }
        println!(
            "compile: this emitter, CPU per operation at 1,000 / at 100 = {:.2} (1.00 is linear)",
            per_op_new[1] / per_op_new[0]
        );
        Ok(())
    }

    /// Builds both crates with the same features and prints them with the ratio of their cost
    /// per operation; returns the new build.
    fn side_by_side(
        &self,
        label: &str,
        old: &Crate,
        new: &Crate,
        features: impl Fn(&Crate) -> Vec<String>,
    ) -> Res<Build> {
        let old_build = self.build(old, &features(old))?;
        let new_build = self.build(new, &features(new))?;
        let ops = |c: &Crate, f: &[String]| {
            if f.len() == c.families.len() {
                c.operations
            } else {
                c.operations_in(f)
            }
        };
        let (old_ops, new_ops) = (ops(old, &features(old)), ops(new, &features(new)));
        let per_op = |b: &Build, n: usize| b.cpu.as_secs_f64() / n.max(1) as f64;
        println!(
            "compile: {label}: {OLD_EMITTER}'s emitter {} | this emitter {} | new/old CPU per operation {:.0}%",
            old_build.show(old_ops),
            new_build.show(new_ops),
            100.0 * per_op(&new_build, new_ops) / per_op(&old_build, old_ops)
        );
        Ok(new_build)
    }

    fn check_out_old(&self) -> Res<()> {
        self.remove_old();
        let status = Command::new("git")
            .args(["worktree", "add", "-q", "--detach"])
            .arg(&self.old_tree)
            .arg(OLD_EMITTER)
            .current_dir(&self.root)
            .status()?;
        if !status.success() {
            return Err(format!("git worktree add {OLD_EMITTER} failed").into());
        }
        // A program that runs the old generator library: spec folder, output folder, runtime.
        let driver = self.old_tree.join("bench-old-emitter");
        std::fs::create_dir_all(driver.join("src"))?;
        std::fs::write(
            driver.join("Cargo.toml"),
            "[package]\nname = \"bench-old-emitter\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\nwechatpay-apiv3-generator = { path = \"../generator\" }\n\n[workspace]\n",
        )?;
        std::fs::write(
            driver.join("src/main.rs"),
            "fn main() {\n    let a: Vec<String> = std::env::args().collect();\n    let target = wechatpay_apiv3_generator::Target { crate_name: \"wechatpay-apiv3\".into(), runtime_path: a[3].clone() };\n    let files = wechatpay_apiv3_generator::generate(a[1].as_ref(), &target).expect(\"generate\");\n    wechatpay_apiv3_generator::write(&files, a[2].as_ref()).expect(\"write\");\n}\n",
        )?;
        std::fs::copy(self.old_tree.join("Cargo.lock"), driver.join("Cargo.lock"))?;
        self.cargo(
            &["build", "-q", "--manifest-path"],
            &driver.join("Cargo.toml"),
        )
    }

    fn remove_old(&self) {
        if self.old_tree.exists() {
            let _ = Command::new("git")
                .args(["worktree", "remove", "--force"])
                .arg(&self.old_tree)
                .current_dir(&self.root)
                .status();
        }
        let _ = Command::new("git")
            .args(["worktree", "prune"])
            .current_dir(&self.root)
            .status();
    }

    /// Generates `spec` with `emitter` into a crate folder of its own.
    fn generate(&self, emitter: Emitter, spec: &Path, label: &str) -> Res<Crate> {
        let dir = self.target_dir.join("crates").join(label);
        let _ = std::fs::remove_dir_all(&dir);
        let tree = match emitter {
            Emitter::Old => &self.old_tree,
            Emitter::New => &self.root,
        };
        let runtime = tree.join("runtime").display().to_string();
        match emitter {
            Emitter::Old => {
                let status = Command::new(self.target_dir.join("debug/bench-old-emitter"))
                    .arg(spec)
                    .arg(&dir)
                    .arg(&runtime)
                    .status()?;
                if !status.success() {
                    return Err(
                        format!("{OLD_EMITTER}'s emitter failed on {}", spec.display()).into(),
                    );
                }
            }
            Emitter::New => {
                let target = wechatpay_apiv3_generator::Target {
                    crate_name: "wechatpay-apiv3".into(),
                    runtime_path: runtime,
                };
                let files = wechatpay_apiv3_generator::generate(spec, &target)?;
                wechatpay_apiv3_generator::write(&files, &dir)?;
            }
        }
        // A workspace of its own, resolved like its emitter's tree and inheriting what that
        // tree's workspace gives its members (the old crate takes `edition` from there).
        let manifest = dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest)?;
        let inherited = workspace_tables(&std::fs::read_to_string(tree.join("Cargo.toml"))?);
        std::fs::write(&manifest, format!("{text}\n[workspace]\n{inherited}"))?;
        std::fs::copy(tree.join("Cargo.lock"), dir.join("Cargo.lock"))?;
        let families: Vec<String> = text
            .lines()
            .skip_while(|l| !l.starts_with("[features]"))
            .filter(|l| l.ends_with("= []") && !l.starts_with("test-support"))
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect();
        let api = wechatpay_apiv3_generator::check_spec(spec, &[])?;
        let operations = api.families.iter().map(|f| f.operations.len()).sum();
        Ok(Crate {
            dir,
            operations,
            families,
        })
    }

    /// A cold build of the crate's library with `features` (dependencies built first, untimed).
    fn build(&self, c: &Crate, features: &[String]) -> Res<Build> {
        let manifest = c.dir.join("Cargo.toml");
        let features = features.join(",");
        let args = [
            "build",
            "-q",
            "--lib",
            "--no-default-features",
            "--features",
            &features,
            "--manifest-path",
        ];
        self.cargo(&args, &manifest)?;
        self.cargo(
            &["clean", "-q", "-p", "wechatpay-apiv3", "--manifest-path"],
            &manifest,
        )?;
        let rss_file = self.target_dir.join("peak-rss.txt");
        let time = Path::new("/usr/bin/time");
        let mut cmd = if time.exists() {
            let mut cmd = Command::new(time);
            cmd.arg("-f")
                .arg("%M")
                .arg("-o")
                .arg(&rss_file)
                .arg(&self.cargo);
            cmd
        } else {
            Command::new(&self.cargo)
        };
        cmd.args(args)
            .arg(&manifest)
            .env("CARGO_TARGET_DIR", &self.target_dir);
        let cpu_before = children_cpu();
        let start = Instant::now();
        let status = cmd.status()?;
        let wall = start.elapsed();
        let cpu = children_cpu().saturating_sub(cpu_before);
        if !status.success() {
            return Err(format!("build of {} with {features} failed", c.dir.display()).into());
        }
        let peak_rss_mb = time
            .exists()
            .then(|| std::fs::read_to_string(&rss_file).ok())
            .flatten()
            .and_then(|t| t.trim().lines().last()?.parse::<f64>().ok())
            .map(|kb| kb / 1024.0);
        Ok(Build {
            wall,
            cpu,
            peak_rss_mb,
        })
    }

    fn cargo(&self, args: &[&str], manifest: &Path) -> Res<()> {
        let status = Command::new(&self.cargo)
            .args(args)
            .arg(manifest)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("cargo {} {} failed", args.join(" "), manifest.display()).into())
        }
    }
}

impl Crate {
    /// Operations of the families behind `features` (one family folder per feature file).
    fn operations_in(&self, features: &[String]) -> usize {
        let manifest = std::fs::read_to_string(self.dir.join("Cargo.toml")).unwrap_or_default();
        // The generated manifest writes `# ...: N operation(s).` above each family's feature.
        let mut count = 0;
        let mut last = 0;
        for line in manifest.lines() {
            if let Some(n) = line
                .strip_suffix(" operation(s).")
                .and_then(|l| l.rsplit(' ').next())
                .and_then(|n| n.parse().ok())
            {
                last = n;
            } else if let Some(name) = line.split_whitespace().next()
                && line.ends_with("= []")
                && features.iter().any(|f| f == name)
            {
                count += last;
            }
        }
        count
    }
}

impl Build {
    fn show(&self, operations: usize) -> String {
        let per100 = 100.0 * self.cpu.as_secs_f64() / operations.max(1) as f64;
        let rss = self
            .peak_rss_mb
            .map(|mb| format!(", peak RSS {mb:.0} MB"))
            .unwrap_or_default();
        format!(
            "{:.2} s CPU ({:.2} s wall) for {operations} operations = {per100:.2} s CPU per 100{rss}",
            self.cpu.as_secs_f64(),
            self.wall.as_secs_f64()
        )
    }
}

/// User + system time of this process's finished children (and theirs).
fn children_cpu() -> Duration {
    let (_, _, user, system) = super::stat_times("self");
    user + system
}

/// The `[workspace.*]` tables of a workspace manifest (package fields, lints), not its members.
fn workspace_tables(manifest: &str) -> String {
    let mut out = String::new();
    let mut keep = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            keep = line.starts_with("[workspace.");
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn count_lines(dir: &Path) -> Res<usize> {
    let mut total = 0;
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                total += std::fs::read_to_string(&path)?.lines().count();
            }
        }
    }
    Ok(total)
}
