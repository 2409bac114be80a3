//! Measures the memory of small hashes with a counting allocator and checks
//! it against Redis; this test binary's allocator is for measurement only.
//!
//! Reference (Redis 7.0.15, `used_memory` before and after, 100,000 keys
//! `hash:%08d`, each set by one HSET of 10 pairs, listpack encoding):
//! - fields `field0..field9`, values `value0..value9`: 266.8 bytes per key;
//! - fields `f0..f9`, values the integers `i..i+9`: 180.4 bytes per key.
//!
//! Measured here, in mimalloc's size classes (the server's allocator):
//! 234.5 and 149.2 bytes per key (0.88 and 0.83 of Redis). Per key: the
//! keyspace's 48-byte node and its bucket share, the 16-byte `Hash` box, and
//! the packed buffer (140 and about 70 bytes: a tag byte per element, the
//! integers in 1 to 4 bytes, and no per-element back-length nor pair count,
//! which Redis's listpack has). Through the real server (INFO used_memory,
//! 2 shards) the same loads took 251.2 and 159.2 bytes per key.

mod common;

use std::alloc::Layout;
use tessera_storage::hash::Limits;
use tessera_storage::{Db, Hash, Value};

/// mimalloc's bin for a small request, as `mi_usable_size` reports it:
/// 8 bytes, then 16-byte steps up to 64 bytes (a 24-byte request gets 32),
/// then four bins per power of two.
fn size_class(size: usize) -> usize {
    let words = size.div_ceil(8).max(1);
    if words == 1 {
        return 8;
    }
    if words <= 8 {
        return words.next_multiple_of(2) * 8;
    }
    if size > 512 * 1024 {
        return words * 8;
    }
    let w = words - 1;
    let b = usize::BITS - 1 - w.leading_zeros();
    let step = 1usize << (b - 2);
    ((w >> (b - 2)) + 1) * step * 8
}

/// Rounds each request as the model above does (the size alone matters).
fn rounded(layout: Layout) -> usize {
    size_class(layout.size())
}

#[global_allocator]
static ALLOC: common::Counting = common::Counting::new(rounded);

const KEYS: usize = 100_000;

/// Bytes per key (in size classes) for KEYS hashes whose pairs `pair` gives.
fn per_key(pair: impl Fn(usize, usize) -> (String, String)) -> f64 {
    let mut db = Db::new();
    let before = common::live().1;
    for i in 0..KEYS {
        let mut h = Hash::new();
        for j in 0..10 {
            let (f, v) = pair(i, j);
            h.set(f.as_bytes(), v.as_bytes(), Limits::default());
        }
        assert_eq!(h.encoding(), "listpack");
        db.set(
            format!("hash:{i:08}").as_bytes(),
            Value::Hash(Box::new(h)),
            0,
        );
    }
    while db.rehash_step(1_000) {}
    let after = common::live().1;
    (after - before) as f64 / KEYS as f64
}

#[test]
fn small_hashes_use_less_memory_than_redis() {
    let words = per_key(|_, j| (format!("field{j}"), format!("value{j}")));
    println!("field/value words: {words:.1} bytes/key (Redis 266.8)");
    assert!(words <= 266.8, "{words} bytes/key");
    let ints = per_key(|i, j| (format!("f{j}"), (i + j).to_string()));
    println!("short fields, integer values: {ints:.1} bytes/key (Redis 180.4)");
    assert!(ints <= 180.4, "{ints} bytes/key");
}
