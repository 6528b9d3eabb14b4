//! The committed generated crates must be exactly what `cargo xtask gen` produces now, and
//! producing them twice must give the same bytes.

use std::path::Path;

use wechatpay_apiv3_generator::{check, generate, jobs};

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("generator/ has a parent")
}

#[test]
fn generated_crates_are_fresh() {
    for job in jobs(workspace_root()) {
        let files = generate(&job.spec, &job.target)
            .unwrap_or_else(|e| panic!("{}: {e}", job.spec.display()));
        let stale = check(&files, &job.out);
        let list: Vec<String> = stale.iter().map(ToString::to_string).collect();
        assert!(
            stale.is_empty(),
            "{} is stale; run `cargo xtask gen`:\n{}",
            job.out.display(),
            list.join("\n")
        );
    }
}

#[test]
fn generation_is_deterministic() {
    for job in jobs(workspace_root()) {
        let first = generate(&job.spec, &job.target).unwrap_or_else(|e| panic!("{e}"));
        let second = generate(&job.spec, &job.target).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first.len(), second.len());
        for (path, text) in &first {
            assert_eq!(
                Some(text),
                second.get(path),
                "{} differs between two runs",
                path.display()
            );
        }
    }
}
