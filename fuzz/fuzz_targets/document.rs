#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tenant_atlas::fuzzing::document(data));
