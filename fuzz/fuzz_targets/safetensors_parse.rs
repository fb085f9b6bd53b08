//! Any bytes given to the safetensors reader: an error is fine, a panic, an abort
//! or a huge allocation is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(loaded) = ferrograd::io::safetensors::parse(data) {
        // What loads must also write back and load again.
        let bytes = ferrograd::io::safetensors::serialize(&loaded.tensors, &loaded.metadata).unwrap();
        ferrograd::io::safetensors::parse(&bytes).unwrap();
    }
});
