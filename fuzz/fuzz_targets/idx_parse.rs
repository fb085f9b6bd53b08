//! Any bytes (raw or gzip) given to the IDX reader: an error is fine, a panic, an
//! abort or a huge allocation is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ferrograd::io::idx::read_idx_bytes(data);
});
