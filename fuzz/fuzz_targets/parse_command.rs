//! Fuzz target: feeds arbitrary bytes through the RESP command parser the way
//! a connection would (whole and in small reads, with small limits) and lets
//! `tessera_resp::fuzzing::check_parser` assert the parser's promises. It must
//! not hold checks of its own, so that the corpus replay test in
//! `crates/resp/tests/props.rs` runs exactly what the fuzzer runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tessera_resp::fuzzing::check_parser(data);
});
