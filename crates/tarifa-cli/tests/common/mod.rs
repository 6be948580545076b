//! What the black-box tests of the binary share: running it, checking it
//! succeeded, a temporary directory, and the backends to run on.

#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tarifa_store::testing::TestDatabase;

pub fn tarifa(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tarifa"))
        .args(args)
        .output()
        .expect("the tarifa binary runs")
}

/// The command's standard output; a failure names its code and output.
pub fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "tarifa failed ({:?}):\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh directory of this test process.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tarifa-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

pub fn s(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// SQLite always; PostgreSQL when `TARIFA_TEST_DATABASE_URL` is set.
pub async fn backends() -> Vec<(String, Option<TestDatabase>)> {
    let mut all = vec![("sqlite".to_owned(), None)];
    if let Some(db) = TestDatabase::postgres().await.expect("test database") {
        all.push(("postgres".to_owned(), Some(db)));
    }
    all
}
