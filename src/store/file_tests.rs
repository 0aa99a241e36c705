//! Tests of the file backend that need its private parts.

use super::*;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn run_meta(id: &str) -> String {
    format!(
        "experiment_id: '1'\nrun_id: {id}\nrun_name: r-{id}\nstatus: 3\nstart_time: 1\n\
         lifecycle_stage: active\n"
    )
}

#[test]
fn folders_without_meta_are_skipped_silently_and_batches_grow() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    write(
        &root.join("1/meta.yaml"),
        "experiment_id: '1'\nname: e\nlifecycle_stage: active\n",
    );
    for i in 0..300 {
        let id = format!("run{i:03}");
        write(&root.join("1").join(&id).join("meta.yaml"), &run_meta(&id));
        write(
            &root.join("1").join(&id).join("metrics/a/b"),
            "1 0.5 0\n2 nan 1\n",
        );
        write(&root.join("1").join(&id).join("params/p"), "v");
    }
    std::fs::create_dir_all(root.join("1/stray/params")).expect("mkdir");
    std::fs::create_dir_all(root.join("1/meta-is-a-dir/meta.yaml")).expect("mkdir");
    write(&root.join("1/not-a-dir"), "x");
    let store = FileStore::open(root).expect("open");
    let exps = store.experiments().expect("experiments").experiments;
    let mut sizes = Vec::new();
    let mut warnings = Vec::new();
    let mut runs = Vec::new();
    store
        .runs(&crate::store::RunQuery::all(&exps), &mut |b| {
            sizes.push(b.runs.len());
            warnings.extend(b.warnings);
            runs.extend(b.runs);
        })
        .expect("runs");
    assert!(warnings.is_empty(), "{warnings:?}");
    // 256 folders, then the other 47 (the stray ones take slots too).
    assert_eq!(sizes, [255, 45]);
    assert_eq!(runs.len(), 300);
    let m = &runs[0].metrics["a/b"];
    assert_eq!((m.count, m.min, m.latest.step), (Some(2), 0.5, 1));
    assert_eq!(runs[0].params["p"], "v");
}
