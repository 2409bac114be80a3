//! Unit tests of the hash type: a property test against a map model in both
//! encodings, the conversion thresholds, and the SCAN guarantee across resizes.

use super::*;
use proptest::prelude::*;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use std::collections::{BTreeMap, BTreeSet};

fn lim(entries: u64, value: u64) -> Limits {
    Limits { entries, value }
}

fn pairs(h: &Hash) -> BTreeMap<Vec<u8>, Vec<u8>> {
    h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect()
}

#[test]
fn integers_round_trip_through_the_packed_form() {
    let mut h = Hash::new();
    let texts = [
        "0",
        "127",
        "128",
        "-1",
        "-128",
        "32767",
        "-32768",
        "32768",
        "8388607",
        "-8388608",
        "8388608",
        "2147483647",
        "-2147483648",
        "2147483648",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "007",
        "-0",
        "+5",
        " 1",
        "",
    ];
    for (i, t) in texts.iter().enumerate() {
        assert!(h.set(t.as_bytes(), format!("v{i}").as_bytes(), Limits::default()));
        assert!(h.set(format!("v{i}").as_bytes(), t.as_bytes(), Limits::default()));
    }
    assert!(h.is_compact());
    for (i, t) in texts.iter().enumerate() {
        assert_eq!(
            &*h.get(t.as_bytes()).unwrap(),
            format!("v{i}").as_bytes(),
            "{t}"
        );
        assert_eq!(
            &*h.get(format!("v{i}").as_bytes()).unwrap(),
            t.as_bytes(),
            "{t}"
        );
    }
    // A canonical integer field is found whichever way it was stored.
    assert!(h.contains(b"127"));
    assert!(!h.contains(b"0127"));
}

#[test]
fn values_are_replaced_in_place_or_resized() {
    let mut h = Hash::new();
    assert!(h.set(b"a", b"1", Limits::default()));
    assert!(h.set(b"b", b"xyz", Limits::default()));
    assert!(!h.set(b"a", b"2", Limits::default()));
    assert!(!h.set(b"a", b"a longer value than before", Limits::default()));
    assert!(!h.set(b"b", b"", Limits::default()));
    assert_eq!(&*h.get(b"a").unwrap(), b"a longer value than before");
    assert_eq!(&*h.get(b"b").unwrap(), b"");
    assert_eq!(h.len(), 2);
    assert!(h.remove(b"a"));
    assert!(!h.remove(b"a"));
    assert_eq!(h.len(), 1);
    assert!(h.remove(b"b"));
    assert!(h.is_empty());
}

#[test]
fn converts_when_entries_exceed_the_limit() {
    let mut h = Hash::new();
    for i in 0..512 {
        h.set(format!("f{i}").as_bytes(), b"v", Limits::default());
    }
    assert_eq!(h.encoding(), "listpack");
    // Updating an existing field does not count.
    h.set(b"f0", b"w", Limits::default());
    assert_eq!(h.encoding(), "listpack");
    h.set(b"f512", b"v", Limits::default());
    assert_eq!(h.encoding(), "hashtable");
    assert_eq!(h.len(), 513);
    // Never converts back, even when small again.
    for i in 0..513 {
        assert!(h.remove(format!("f{i}").as_bytes()));
    }
    assert_eq!(h.encoding(), "hashtable");
    assert!(h.is_empty());
}

#[test]
fn converts_on_long_strings() {
    let long = [b'x'; 65];
    let mut h = Hash::new();
    h.set(b"f", &long[..64], Limits::default());
    h.set(&long[..64], b"v", Limits::default());
    assert_eq!(h.encoding(), "listpack");
    let mut v = h.clone();
    v.set(b"g", &long, Limits::default());
    assert_eq!(v.encoding(), "hashtable");
    let mut f = h.clone();
    f.set(&long, b"v", Limits::default());
    assert_eq!(f.encoding(), "hashtable");
    assert_eq!(f.len(), 3);
    // prepare converts on any long argument, even one that is never stored.
    let mut p = h.clone();
    p.prepare([1, 65], Limits::default());
    assert_eq!(p.encoding(), "hashtable");
    assert_eq!(p, h);
    let mut q = h.clone();
    q.prepare([64, 64], Limits::default());
    assert_eq!(q.encoding(), "listpack");
}

#[test]
fn zero_entries_limit_converts_at_once() {
    let mut h = Hash::new();
    h.set(b"a", b"b", lim(0, 64));
    assert_eq!(h.encoding(), "hashtable");
}

#[test]
fn table_grows_and_shrinks() {
    let mut h = Hash::new();
    h.convert_to_table();
    for i in 0..10_000 {
        h.set(
            format!("{i}").as_bytes(),
            format!("v{i}").as_bytes(),
            Limits::default(),
        );
    }
    let Repr::Table(t) = &mut h.repr else {
        panic!()
    };
    while t.rehash(100) {}
    assert_eq!(t.buckets(), 16384);
    for i in 0..9_990 {
        assert!(h.remove(format!("{i}").as_bytes()));
    }
    // A shrink starts only after a delete and when no resize is under way
    // (Redis's rule), so finish the one in flight and delete once more.
    let Repr::Table(t) = &mut h.repr else {
        panic!()
    };
    while t.rehash(100) {}
    assert!(h.remove(b"9990"));
    h.set(b"9990", b"v9990", Limits::default());
    let Repr::Table(t) = &mut h.repr else {
        panic!()
    };
    while t.rehash(100) {}
    assert!(t.buckets() <= 128, "{}", t.buckets());
    assert_eq!(h.len(), 10);
    for i in 9_990..10_000 {
        assert_eq!(
            &*h.get(format!("{i}").as_bytes()).unwrap(),
            format!("v{i}").as_bytes()
        );
    }
}

#[test]
fn table_resizes_a_bucket_at_a_time() {
    let mut h = Hash::new();
    h.convert_to_table();
    let mut i = 0;
    // Fill to the load limit; the next insert starts a resize.
    while {
        let Repr::Table(t) = &h.repr else { panic!() };
        !t.is_rehashing()
    } {
        h.set(format!("f{i}").as_bytes(), b"v", Limits::default());
        i += 1;
        assert!(i < 10_000, "no resize started");
    }
    let Repr::Table(t) = &h.repr else { panic!() };
    let started_at = t.len();
    // Every write moves one bucket along; reads see the fields meanwhile.
    let mut writes = 0;
    while {
        let Repr::Table(t) = &h.repr else { panic!() };
        t.is_rehashing()
    } {
        for j in 0..i {
            assert!(h.contains(format!("f{j}").as_bytes()), "f{j}");
        }
        h.set(format!("f{i}").as_bytes(), b"v", Limits::default());
        i += 1;
        writes += 1;
    }
    assert!(
        writes > started_at / 8,
        "a resize of {started_at} fields finished after {writes} writes"
    );
    assert_eq!(h.len(), i);
}

#[test]
fn table_values_change_in_place_and_by_size() {
    let mut h = Hash::new();
    h.convert_to_table();
    h.set(b"f", b"abc", Limits::default());
    h.set(b"g", b"", Limits::default());
    assert!(!h.set(b"f", b"xyz", Limits::default()));
    assert_eq!(&*h.get(b"f").unwrap(), b"xyz");
    assert!(!h.set(b"f", b"longer value", Limits::default()));
    assert_eq!(&*h.get(b"f").unwrap(), b"longer value");
    assert!(!h.set(b"f", b"", Limits::default()));
    assert_eq!(&*h.get(b"f").unwrap(), b"");
    assert_eq!(&*h.get(b"g").unwrap(), b"");
    assert!(h.get(b"").is_none());
    assert!(h.set(b"", b"empty field", Limits::default()));
    assert_eq!(&*h.get(b"").unwrap(), b"empty field");
    assert_eq!(h.len(), 3);
    let c = h.clone();
    assert_eq!(c, h);
    assert!(h.remove(b"f"));
    assert_ne!(c, h);
    assert_eq!(c.len(), 3);
}

#[test]
fn table_holds_fields_of_every_length_form() {
    // A field of 16 MiB or more takes the long node form.
    let long = vec![b'L'; (1 << 24) + 3];
    let edge = vec![b'E'; (1 << 24) - 1];
    let mut h = Hash::new();
    h.set(&long, b"long", Limits::default());
    h.set(&edge, b"edge", Limits::default());
    h.set(b"short", &long, Limits::default());
    assert_eq!(h.encoding(), "hashtable");
    assert_eq!(&*h.get(&long).unwrap(), b"long");
    assert_eq!(&*h.get(&edge).unwrap(), b"edge");
    assert_eq!(&*h.get(b"short").unwrap(), &long[..]);
    assert!(h.get(&long[1..]).is_none());
    assert!(h.get(&edge[1..]).is_none());
    let c = h.clone();
    assert_eq!(c, h);
    assert!(h.remove(&long));
    assert!(h.remove(&edge));
    assert!(!h.remove(&edge));
    assert_eq!(h.len(), 1);
    assert!(h.heap_size() > long.len());
}

/// Runs a full scan, calling `between` after every step.
fn scan_all(h: &mut Hash, mut between: impl FnMut(&mut Hash, usize)) -> BTreeSet<Vec<u8>> {
    let mut seen = BTreeSet::new();
    let mut cursor = 0;
    let mut step = 0;
    loop {
        cursor = h.scan(cursor, |f, _| {
            seen.insert(f.to_vec());
        });
        if cursor == 0 {
            return seen;
        }
        between(h, step);
        step += 1;
    }
}

#[test]
fn scan_returns_every_stable_field_across_resizes() {
    let mut h = Hash::new();
    for i in 0..1000 {
        h.set(format!("stable{i}").as_bytes(), b"v", Limits::default());
    }
    assert!(!h.is_compact());
    // Grows the table a lot in the middle of the scan, then shrinks it.
    let seen = scan_all(&mut h, |h, step| {
        if step == 100 {
            for i in 0..20_000 {
                h.set(format!("temp{i}").as_bytes(), b"v", Limits::default());
            }
        }
        if step == 3000 {
            for i in 0..20_000 {
                h.remove(format!("temp{i}").as_bytes());
            }
        }
    });
    for i in 0..1000 {
        assert!(seen.contains(format!("stable{i}").as_bytes()), "stable{i}");
    }
    // A scan with no changes sees each field exactly once.
    let mut count = 0;
    let mut cursor = 0;
    loop {
        cursor = h.scan(cursor, |_, _| count += 1);
        if cursor == 0 {
            break;
        }
    }
    assert_eq!(count, 1000);
}

#[test]
fn packed_scan_returns_everything_at_once() {
    let mut h = Hash::new();
    h.set(b"a", b"1", Limits::default());
    h.set(b"b", b"2", Limits::default());
    let mut got = Vec::new();
    assert_eq!(h.scan(12345, |f, v| got.push((f.to_vec(), v.to_vec()))), 0);
    assert_eq!(
        got,
        vec![
            (b"a".to_vec(), b"1".to_vec()),
            (b"b".to_vec(), b"2".to_vec())
        ]
    );
}

#[test]
fn random_draws_every_pair_in_both_forms() {
    let mut rng = SmallRng::seed_from_u64(7);
    let mut h = Hash::new();
    assert!(h.random(&mut rng).is_none());
    for i in 0..20 {
        h.set(
            format!("f{i}").as_bytes(),
            format!("{i}").as_bytes(),
            Limits::default(),
        );
    }
    for packed in [true, false] {
        if !packed {
            h.convert_to_table();
        }
        let mut seen = BTreeSet::new();
        for _ in 0..2000 {
            let (f, v) = h.random(&mut rng).unwrap();
            assert_eq!(&*h.get(&f).unwrap(), &*v);
            seen.insert(f.to_vec());
        }
        assert_eq!(seen.len(), 20);
    }
}

#[test]
fn equality_ignores_encoding_and_order() {
    let mut a = Hash::new();
    let mut b = Hash::new();
    a.set(b"x", b"1", Limits::default());
    a.set(b"y", b"2", Limits::default());
    b.set(b"y", b"2", Limits::default());
    b.set(b"x", b"1", Limits::default());
    assert_eq!(a, b);
    b.convert_to_table();
    assert_eq!(a, b);
    b.set(b"x", b"3", Limits::default());
    assert_ne!(a, b);
    assert!(format!("{a:?}").contains("listpack"));
}

#[derive(Debug, Clone)]
enum Op {
    Set(Vec<u8>, Vec<u8>),
    Remove(Vec<u8>),
    Prepare(usize),
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // Small fields that collide often.
        "[a-d]{0,2}".prop_map(String::into_bytes),
        // Integers of every width, canonical or not.
        any::<i64>().prop_map(|n| n.to_string().into_bytes()),
        (0i64..300).prop_map(|n| n.to_string().into_bytes()),
        "0[0-9]{1,3}".prop_map(String::into_bytes),
        // Strings around the length thresholds.
        prop::collection::vec(any::<u8>(), 60..70),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (bytes(), bytes()).prop_map(|(f, v)| Op::Set(f, v)),
        2 => bytes().prop_map(Op::Remove),
        1 => (0usize..80).prop_map(Op::Prepare),
    ]
}

proptest! {
    #[test]
    fn behaves_like_a_map(ops in prop::collection::vec(op(), 1..200), entries in 0u64..20) {
        let limits = lim(entries, 64);
        let mut h = Hash::new();
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        let mut was_table = false;
        for op in ops {
            match op {
                Op::Set(f, v) => {
                    let new = model.insert(f.clone(), v.clone()).is_none();
                    prop_assert_eq!(h.set(&f, &v, limits), new);
                    if f.len() > 64 || v.len() > 64 || model.len() as u64 > entries {
                        prop_assert!(!h.is_compact());
                    }
                }
                Op::Remove(f) => {
                    prop_assert_eq!(h.remove(&f), model.remove(&f).is_some());
                }
                Op::Prepare(n) => {
                    h.prepare([n], limits);
                    if n > 64 {
                        prop_assert!(!h.is_compact());
                    }
                }
            }
            // Once a table, always a table.
            prop_assert!(!(was_table && h.is_compact()));
            was_table = !h.is_compact();
            prop_assert_eq!(h.len(), model.len());
        }
        prop_assert_eq!(pairs(&h), model.clone());
        for (f, v) in &model {
            prop_assert_eq!(&*h.get(f).unwrap(), &v[..]);
        }
        let scanned = scan_all(&mut h, |_, _| {});
        prop_assert_eq!(scanned, model.keys().cloned().collect::<BTreeSet<_>>());
    }
}

#[test]
fn hash_box_is_small() {
    // The box behind `Value::Hash` is part of every hash's cost.
    assert!(std::mem::size_of::<Hash>() <= 16);
}
