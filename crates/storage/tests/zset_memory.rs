//! Measures what small sorted sets cost per key with a counting allocator
//! that models the server's; this test binary's allocator is for
//! measurement only and nothing ships it.
//!
//! The load is bench/load.py's `zset` shape, which `bench/run.sh` loads into
//! both servers: 100,000 keys `zset:<i>`, each `ZADD zset:<i> <j + i % 100>
//! member:<j> ...` for j in 0..10 (listpack encoding in Redis).
//!
//! Reference point: Redis 7.0.15 uses 202.7 bytes per key for that load
//! (`MEMORY=1 MEM_COLL=zset ONLY=NONE SHARDS=1 N=1000 REPS=1 bench/run.sh`:
//! INFO used_memory before and after). The target is at most 0.95 of it.
//!
//! Measured here: 184.9 bytes per key in mimalloc's size classes (185.5 with
//! the real mimalloc, and about that in the bench; 0.91 of Redis): the 112-byte
//! packed buffer (8 header bytes and ten 10-byte entries: one length byte,
//! the 8-byte member, one score byte), the key's table node (42 bytes, but
//! 64 in the server, see `usable`), and 10.5 bytes of bucket array (2^17
//! buckets for 10^5 keys). The `ZSet` itself is a pointer inside the node's
//! `Value`.
//!
//! Large sorted sets: 100,000 members `member:<n>` with integer scores
//! below 10^6, as `redis-benchmark -r 1000000 ZADD myzset __rand_int__
//! member:__rand_int__` builds them. Redis 7.0.15 uses 136.8 bytes per member
//! there (used_memory of 45.99 MB for 329,900 members, less the empty
//! server's 0.87 MB). Measured here: about 95 bytes, an 80-byte node for the
//! three members in four that have one level (32 header bytes, 20 per level:
//! the link, the successor's score and the span, then the member) and 8 to
//! 16 bytes of index bucket.

mod common;

use common::live;
use std::alloc::Layout;
use tessera_storage::zset::Limits;
use tessera_storage::{Db, Value, ZSet};

/// mimalloc v3's size class for a small request: 8 and 16 bytes, 16-byte
/// steps up to 128, then four classes per power of two.
fn size_class(size: usize) -> usize {
    if size <= 16 {
        return size.max(1).next_multiple_of(8);
    }
    if size <= 128 {
        return size.next_multiple_of(16);
    }
    let w = (size - 1) / 8;
    let b = usize::BITS - 1 - w.leading_zeros();
    let step = 1usize << (b - 2);
    ((w >> (b - 2)) + 1) * step * 8
}

/// The bytes the server's allocator counts for a request. The server calls
/// `mi_malloc_aligned(size, align)`, and mimalloc v3 serves an alignment
/// above 1 exactly only when the size class is a power of two; otherwise it
/// over-allocates `size + align - 1` (so a 42-byte key node, 8-aligned,
/// takes 64 bytes).
fn usable(layout: Layout) -> usize {
    let class = size_class(layout.size());
    if layout.align() > 1 && (layout.align() > layout.size() || !class.is_power_of_two()) {
        size_class(layout.size() + layout.align() - 1)
    } else {
        class
    }
}

#[global_allocator]
static ALLOC: common::Counting = common::Counting::new(usable);

const KEYS: usize = 100_000;
const REDIS_BYTES_PER_KEY: f64 = 202.7;
const TARGET: f64 = 0.95;

#[test]
fn size_classes_match_mimalloc() {
    // Values read with mi_usable_size from the server's mimalloc build.
    for (size, align, want) in [
        (10, 1, 16),
        (17, 1, 32),
        (42, 1, 48),
        (100, 1, 112),
        (112, 1, 112),
        (129, 1, 160),
        (257, 1, 320),
        (32, 8, 32),
        (40, 8, 48),
        (42, 8, 64),
        (112, 8, 128),
    ] {
        let l = Layout::from_size_align(size, align).unwrap();
        assert_eq!(usable(l), want, "{size} bytes, align {align}");
    }
}

#[test]
fn small_zsets_cost_less_than_in_redis() {
    let members: Vec<Vec<u8>> = (0..10)
        .map(|j| format!("member:{j}").into_bytes())
        .collect();
    let mut db = Db::new();
    let before = live();
    for i in 0..KEYS {
        let mut z = ZSet::new();
        for (j, m) in members.iter().enumerate() {
            z.upsert(m, (j + i % 100) as f64, Limits::default());
        }
        db.set(format!("zset:{i}").as_bytes(), Value::ZSet(z), 0);
    }
    while db.rehash_step(1_000) {}
    let after = live();
    assert_eq!(db.len(), KEYS);
    let requested = (after.0 - before.0) as f64 / KEYS as f64;
    let used = (after.1 - before.1) as f64 / KEYS as f64;
    println!(
        "zsets: {requested:.1} bytes/key requested, {used:.1} in size classes \
         ({:.2} of Redis)",
        used / REDIS_BYTES_PER_KEY
    );
    assert!(
        used <= REDIS_BYTES_PER_KEY * TARGET,
        "{used} bytes/key, over {TARGET} of Redis's {REDIS_BYTES_PER_KEY}"
    );
}

/// What Redis 7.0.15 spends per member of a large (skiplist) sorted set.
const REDIS_BYTES_PER_LARGE_MEMBER: f64 = 136.8;

#[test]
fn large_zsets_cost_less_per_member_than_in_redis() {
    let mut x = 99u64;
    let before = live();
    let mut z = ZSet::new();
    z.convert();
    for _ in 0..100_000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let score = ((x >> 33) % 1_000_000) as f64;
        let member = format!("member:{}", (x >> 11) % 1_000_000);
        z.upsert(member.as_bytes(), score, Limits::default());
    }
    let after = live();
    let used = (after.1 - before.1) as f64 / z.len() as f64;
    println!(
        "large zset: {used:.1} bytes/member in size classes ({:.2} of Redis)",
        used / REDIS_BYTES_PER_LARGE_MEMBER
    );
    assert!(
        used <= REDIS_BYTES_PER_LARGE_MEMBER * 0.8,
        "{used} bytes/member, over 0.8 of Redis's {REDIS_BYTES_PER_LARGE_MEMBER}"
    );
}
