//! Build information for `mltui --version`: the target, and, for release builds made by
//! `release/build.sh`, the commit, date and glibc floor it passes in.

fn main() {
    for var in [
        "MLTUI_BUILD_COMMIT",
        "MLTUI_BUILD_DATE",
        "MLTUI_BUILD_GLIBC",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let target = get("TARGET").unwrap_or_else(|| "unknown target".into());
    let profile = get("PROFILE").unwrap_or_default();
    let mut parts = Vec::new();
    match get("MLTUI_BUILD_COMMIT") {
        Some(commit) => parts.push(format!("commit {commit}")),
        None => parts.push(format!("{profile} build from source")),
    }
    if let Some(date) = get("MLTUI_BUILD_DATE") {
        parts.push(format!("built {date}"));
    }
    parts.push(target);
    if let Some(glibc) = get("MLTUI_BUILD_GLIBC") {
        parts.push(format!("runs on glibc >= {glibc}"));
    }
    println!(
        "cargo:rustc-env=MLTUI_LONG_VERSION={} ({})",
        std::env::var("CARGO_PKG_VERSION").unwrap_or_default(),
        parts.join(", ")
    );
}
