//! Fuzz target: see `mltui::fuzz_api::metric_lines`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mltui::fuzz_api::metric_lines(data);
});
