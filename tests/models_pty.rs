//! The real binary at 80×24 in a pseudo-terminal, on an MLflow-written models store: the
//! Models screen → a model's versions → the champion's source run (its detail with models,
//! reproducibility and artifacts) → the artifact browser → a file's preview and pager →
//! saving it → back out with Esc/q, and the terminal restored.

mod common;
#[path = "common/models_fixture.rs"]
mod models_fixture;
#[path = "common/pty_session.rs"]
mod pty_session;

use pty_session::Session;

#[test]
fn models_to_version_to_run_to_artifact_preview() {
    let s = models_fixture::copy_store("v3", "file");
    let cwd = tempfile::tempdir().expect("tempdir");
    let mut t = Session::start(&[&s.store_arg(), "--refresh", "0"], cwd.path(), &[]);
    t.wait_for("models-α");
    t.wait_for("M models");
    t.keys("M");
    t.wait_for("Models");
    t.wait_for("fraud-detector");
    t.wait_for("champion→2");
    t.keys("j\r");
    t.wait_for("Models · fraud-detector");
    t.wait_for("challenger");
    // v3 is first; v2 (the champion) next: its source run.
    t.keys("j\r");
    t.wait_for("Run · models-α · train-lr");
    t.wait_for("@champion");
    t.wait_for("Reproducibility");
    // The git commit is a page down, the entry point's command two.
    t.keys("\x1b[6~");
    t.wait_for("9f2c4e1a7b3d5f60718293a4b5c6d7e8f9a0b1c2");
    t.keys("\x1b[6~");
    t.wait_for("python train.py --C {C} --penalty {penalty}");
    t.wait_for("model flavors    python_function, sklearn");
    // The artifact browser: the run's folder is open; config.json is the fourth entry.
    t.keys("a");
    t.wait_for("Artifacts · train-lr");
    t.wait_for("config.json");
    t.wait_for("[model]");
    t.keys("jjjj");
    t.wait_for("JSON · 55 B");
    t.wait_for("\"penalty\": \"l2\"");
    // Full screen, then back with q.
    t.keys("\r");
    t.wait_for("\"solver\": \"lbfgs\"");
    t.wait_for("PgDn page");
    t.keys("q");
    t.wait_for("Enter open");
    // Save it to the current directory.
    t.keys("w");
    t.wait_for("save to:");
    t.keys("\r");
    t.wait_for("saved config.json");
    let saved = std::fs::read_to_string(cwd.path().join("config.json")).expect("saved file");
    assert!(saved.contains("\"penalty\": \"l2\""), "{saved}");
    // The 3 MB log: only its first 256 KiB are read, and the preview says so.
    t.keys("gjjjjjj\r");
    t.wait_for("logs/");
    t.keys("j");
    t.wait_for("truncated");
    // Esc/q go back one level at a time: browser → run → versions → models → experiments.
    t.keys("\x1b");
    t.wait_for("Run · models-α · train-lr");
    t.keys("\x1b");
    t.wait_for("Models · fraud-detector");
    t.keys("q");
    t.wait_for("Enter versions");
    t.keys("q");
    t.wait_for("Enter open");
    t.keys("q");
    let status = t.wait_exit();
    assert!(status.success(), "{status:?}");
    let raw = t.raw_bytes();
    assert!(
        raw.windows(8).any(|w| w == b"\x1b[?1049l"),
        "the alternate screen is left"
    );
}
