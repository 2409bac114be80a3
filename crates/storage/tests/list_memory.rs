//! Measures the memory of small lists with a counting allocator; this test
//! binary's allocator is for measurement only and nothing ships it.
//!
//! Reference point: Redis 7.0.15, 100,000 keys `key:<i>` each made by one
//! `RPUSH key:<i> v0 v1 ... v9`, grows used_memory by 21,832,416 bytes:
//! 218.3 bytes per key (the key's dict entry and sds, the robj, the quicklist
//! header, one quicklist node and one 47-byte listpack, in jemalloc classes).
//!
//! Measured here: 149.4 bytes per key requested, 161.7 in mimalloc's size
//! classes (a 48-byte key node, the 40-byte `List`, an exactly sized deque
//! of one 16-byte node handle, a 42-byte packed node rounded to 48, and about
//! 8 bytes of bucket array): 0.74 of Redis.

mod common;

use common::live;
use std::alloc::Layout;
use tessera_storage::{Db, List, Value};

/// mimalloc's bin size for a small request: 8-byte steps up to 64 bytes,
/// then four bins per power of two.
fn size_class(size: usize) -> usize {
    let words = size.div_ceil(8).max(1);
    if words <= 8 || size > 512 * 1024 {
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
const REDIS_BYTES_PER_KEY: f64 = 218.3;

#[test]
fn small_lists_use_less_memory_than_redis() {
    let values: Vec<Vec<u8>> = (0..10).map(|j| format!("v{j}").into_bytes()).collect();
    let mut db = Db::new();
    let before = live();
    for i in 0..KEYS {
        // As RPUSH does: one element at a time onto a new list.
        let mut l = List::new();
        for v in &values {
            l.push_back(v, -2);
        }
        db.set(format!("key:{i}").as_bytes(), Value::List(Box::new(l)), 0);
    }
    while db.rehash_step(1_000) {}
    let after = live();
    assert_eq!(db.len(), KEYS);
    let requested = (after.0 - before.0) as f64 / KEYS as f64;
    let rounded = (after.1 - before.1) as f64 / KEYS as f64;
    println!(
        "lists of 10: {requested:.1} bytes/key requested, {rounded:.1} in size classes \
         ({:.2} of Redis)",
        rounded / REDIS_BYTES_PER_KEY
    );
    assert!(rounded <= REDIS_BYTES_PER_KEY, "{rounded} bytes/key");
}
