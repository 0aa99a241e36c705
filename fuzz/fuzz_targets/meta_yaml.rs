//! Fuzz target: see `mltui::fuzz_api::meta_yaml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mltui::fuzz_api::meta_yaml(data);
});
