//! The release profiles keep the settings README and `release/build.sh` rely on.

use toml::Value;

fn profile(manifest: &Value, name: &str) -> toml::Table {
    manifest["profile"][name]
        .as_table()
        .unwrap_or_else(|| panic!("[profile.{name}] is missing"))
        .clone()
}

#[test]
fn release_profiles_are_tuned_for_size_speed_and_terminal_restore() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("Cargo.toml");
    let manifest: Value = toml::from_str(&text).expect("valid Cargo.toml");

    let release = profile(&manifest, "release");
    assert_eq!(release["lto"].as_str(), Some("thin"));
    assert_eq!(release["strip"].as_bool(), Some(true));
    // An abort on panic would skip the guard that leaves the alternate screen.
    assert_eq!(release["panic"].as_str(), Some("unwind"));

    let dist = profile(&manifest, "dist");
    assert_eq!(dist["inherits"].as_str(), Some("release"));
    assert_eq!(dist["lto"].as_str(), Some("fat"));
    assert_eq!(dist["codegen-units"].as_integer(), Some(1));
    assert!(
        dist.get("panic").is_none(),
        "dist keeps release's unwinding"
    );
}

/// The release script's glibc check really rejects a binary that needs a newer glibc: this
/// test binary is linked against the build machine's glibc (2.34+ symbols), so it must fail
/// against 2.17 and pass against a far-future floor.
#[test]
fn glibc_check_rejects_newer_symbols_and_accepts_older_ones() {
    let root = env!("CARGO_MANIFEST_DIR");
    let script = format!("{root}/release/check-glibc.sh");
    let me = std::env::current_exe().expect("test binary path");
    if std::process::Command::new("objdump")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("objdump (binutils) is needed by release/check-glibc.sh");
    }
    let check = |floor: &str| {
        std::process::Command::new("bash")
            .arg(&script)
            .arg(&me)
            .arg(floor)
            .output()
            .expect("run check-glibc.sh")
    };
    let strict = check("2.17");
    assert!(
        !strict.status.success(),
        "a glibc-2.3x binary passed the 2.17 check"
    );
    assert!(String::from_utf8_lossy(&strict.stderr).contains("newer than the promised 2.17"));
    let lax = check("99.0");
    assert!(
        lax.status.success(),
        "{}",
        String::from_utf8_lossy(&lax.stderr)
    );

    let build = std::fs::read_to_string(format!("{root}/release/build.sh")).expect("build.sh");
    assert!(build.contains("GLIBC=2.17") && build.contains("release/check-glibc.sh"));
    assert!(build.contains("--profile dist"));
}
