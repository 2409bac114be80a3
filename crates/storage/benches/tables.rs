//! A plain timing harness for the large (hashtable) forms of hashes and
//! sets: inserts, lookups, overwrites and removals on one big value, and the
//! worst single insert (the stall a resize would cause). It asserts nothing
//! about speed and must not run in the ordinary test suite; run it with
//! `cargo test --release -p tessera-storage --bench tables -- --ignored --nocapture`.

use std::time::{Duration, Instant};
use tessera_storage::hash::Limits;
use tessera_storage::{Hash, Set};

const N: usize = 1_000_000;

/// Field names shaped like redis-benchmark's `element:__rand_int__`.
fn names() -> Vec<Vec<u8>> {
    // A fixed odd multiplier scatters the numbers without a dependency on
    // an RNG, so every run uses the same order.
    (0..N)
        .map(|i| {
            format!(
                "element:{:012}",
                (i as u64).wrapping_mul(0x9e37_79b9) % 1_000_000_007
            )
            .into_bytes()
        })
        .collect()
}

/// Whether the insert that makes `len` fields may start a resize: the
/// tables grow when they reach a power of two.
fn at_growth(len: usize) -> bool {
    (len.saturating_sub(2)..=len + 2).any(usize::is_power_of_two)
}

/// Times `insert` over every name; prints the mean, the slowest insert at a
/// growth point and the slowest overall (on a shared machine the latter is
/// usually a preemption, a few milliseconds, wherever it falls).
fn time_inserts(what: &str, names: &[Vec<u8>], mut insert: impl FnMut(&[u8])) {
    let (mut worst, mut worst_growth) = (Duration::ZERO, Duration::ZERO);
    let start = begin();
    for (i, name) in names.iter().enumerate() {
        let t = Instant::now();
        insert(name);
        let took = t.elapsed();
        worst = worst.max(took);
        if at_growth(i + 1) {
            worst_growth = worst_growth.max(took);
        }
    }
    report(what, start, names.len());
    println!("  slowest insert at a growth point {worst_growth:?}, anywhere {worst:?}");
}

/// Nanoseconds this thread has run on a CPU (Linux's schedstat), so that
/// time spent preempted by other work on a shared machine is not counted.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// A phase being timed: wall clock and CPU time.
struct Phase(Instant, u64);

fn begin() -> Phase {
    Phase(Instant::now(), cpu_ns())
}

fn report(what: &str, phase: Phase, ops: usize) {
    let wall = phase.0.elapsed();
    let cpu = cpu_ns() - phase.1;
    println!(
        "{what:<34} {:>7.1} ns/op CPU, {:>7.1} wall",
        cpu as f64 / ops as f64,
        wall.as_nanos() as f64 / ops as f64,
    );
}

#[test]
#[ignore]
fn hash_table_form() {
    let names = names();
    let limits = Limits::default();
    let mut h = Hash::new();
    h.set(
        b"seed",
        b"x",
        Limits {
            entries: 0,
            value: 64,
        },
    );
    assert_eq!(h.encoding(), "hashtable");
    time_inserts("hash: insert 1M fields", &names, |f| {
        h.set(f, b"xxx", limits);
    });
    let start = begin();
    let mut found = 0;
    for f in &names {
        found += h.get(f).map_or(0, |v| v.len());
    }
    report("hash: 1M lookups (hits)", start, N);
    assert_eq!(found, 3 * N);
    let start = begin();
    let mut misses = 0;
    for f in &names {
        let mut g = f.clone();
        g[0] = b'E';
        misses += usize::from(h.get(&g).is_none());
    }
    report("hash: 1M lookups (misses)", start, N);
    assert_eq!(misses, N);
    let start = begin();
    for f in &names {
        h.set(f, b"yyy", limits);
    }
    report("hash: 1M overwrites, same length", start, N);
    let start = begin();
    for f in &names {
        h.set(f, b"zzzzzz", limits);
    }
    report("hash: 1M overwrites, longer value", start, N);
    let start = begin();
    for f in &names {
        assert!(h.remove(f));
    }
    report("hash: remove 1M fields", start, N);
    assert_eq!(h.len(), 1);
}

#[test]
#[ignore]
fn set_table_form() {
    let names = names();
    let mut s = Set::new_table();
    time_inserts("set: insert 1M members", &names, |m| {
        s.insert(m, 512);
    });
    let start = begin();
    let mut found = 0;
    for m in &names {
        found += usize::from(s.contains(m));
    }
    report("set: 1M lookups (hits)", start, N);
    assert_eq!(found, N);
    let start = begin();
    let mut rng = rand::thread_rng();
    let mut picked = 0;
    for _ in 0..N {
        picked += s.random(&mut rng).map_or(0, |m| m.to_vec().len());
    }
    report("set: 1M random picks", start, N);
    assert!(picked > 0);
    let start = begin();
    for m in &names {
        assert!(s.remove(m));
    }
    report("set: remove 1M members", start, N);
    assert!(s.is_empty());
}
