//! Prints the worst single ZADD (`ZSet::upsert`) latency while one sorted
//! set grows to two million members and shrinks back; it is a measuring
//! program, ignored by default, and must never assert on time (the machine
//! is shared, so timings only inform).
//!
//! Run it in release mode:
//! `cargo test -p tessera-storage --release --test zset_latency -- --ignored --nocapture`.
//! The growth crosses the member index's resize points at every power of
//! two; an index that rehashed all at once showed them as the worst
//! inserts, an incremental one does not.

use std::time::{Duration, Instant};
use tessera_storage::zset::Limits;
use tessera_storage::ZSet;

/// The server's allocator. With glibc's malloc instead, the first large
/// request after many frees sorts every freed chunk first (tens of
/// milliseconds after a million removals), which the server never sees.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const MEMBERS: u64 = 2_000_000;

/// The slowest few operations and the set size when each ran, so a
/// resize point shows as a cluster of sizes while a stall of the shared
/// machine shows as a lone random one.
struct Worst {
    top: Vec<(Duration, usize)>,
    over_ms: usize,
}

impl Worst {
    fn new() -> Worst {
        Worst {
            top: Vec::new(),
            over_ms: 0,
        }
    }

    fn record(&mut self, time: Duration, at: usize) {
        if time >= Duration::from_millis(1) {
            self.over_ms += 1;
        }
        if self.top.len() < 5 || time > self.top[4].0 {
            self.top.push((time, at));
            self.top.sort_by_key(|&(time, _)| std::cmp::Reverse(time));
            self.top.truncate(5);
        }
    }

    fn report(&self, what: &str) {
        println!(
            "{what}: {} operations took 1 ms or more; the slowest:",
            self.over_ms
        );
        for (time, at) in &self.top {
            println!("  {time:?} at {at} members");
        }
    }
}

#[test]
#[ignore = "a release-mode measurement; run with --ignored --nocapture"]
fn worst_zadd_while_growing_to_two_million() {
    let members: Vec<String> = (0..MEMBERS).map(|i| format!("member:{i}")).collect();
    let mut z = ZSet::new();
    z.convert();
    let mut x = 42u64;
    let mut grow = Worst::new();
    let mut total = Duration::ZERO;
    for m in &members {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let score = ((x >> 33) % 1_000_000) as f64;
        let t = Instant::now();
        z.upsert(m.as_bytes(), score, Limits::default());
        let d = t.elapsed();
        total += d;
        grow.record(d, z.len());
    }
    let mut shrink = Worst::new();
    for m in &members {
        let t = Instant::now();
        z.remove(m.as_bytes());
        shrink.record(t.elapsed(), z.len());
    }
    assert!(z.is_empty());
    println!(
        "mean ZADD while growing to {MEMBERS}: {:?}",
        total / MEMBERS as u32
    );
    grow.report("ZADD while growing");
    shrink.report("ZREM while shrinking");
}
