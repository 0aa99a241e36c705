//! Fuzz target: see `mltui::fuzz_api::filter`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mltui::fuzz_api::filter(data);
});
