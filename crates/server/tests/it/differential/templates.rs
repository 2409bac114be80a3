//! The command generator for the differential test: a table of weighted templates, one function per command family; it only builds argument lists and never talks to a server.
//!
//! To cover a new family (lists, hashes, ...), write a `fn lists() -> Vec<Template>` like
//! `strings()` below and add it to `table()`. Each template says how its replies compare
//! (`Check`), so commands whose order or value is unspecified can still be covered.
//!
//! Arguments come from small pools on purpose: eight keys make keys collide and types
//! clash, and the value pools hold the edge cases (empty, signed, overflowing, non-numeric)
//! where implementations usually disagree.
//!
//! Expiry times must not make the outcome depend on timing. Positive times are far in the
//! future, so no key expires by itself during a run. And no two positive times in one
//! sequence are close: `SETEX k 100 v` then `PEXPIRE k 100000 GT` succeeds or not depending
//! on whether a millisecond passed in between, on Redis itself. So each positive time takes
//! a fresh "slot" of 1000 s, and relative, absolute, second and millisecond forms are offset
//! inside the slot, which keeps any two of them at least 250 s apart.

use rand::rngs::StdRng;
use rand::Rng;
use std::time::{SystemTime, UNIX_EPOCH};

/// How the replies of one command are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Byte for byte.
    Exact,
    /// An array whose order is unspecified (KEYS): compared as sorted lists.
    Sorted,
    /// An integer that depends on the clock (TTL and friends): equal when negative (the
    /// -1/-2 codes), otherwise within this distance.
    Near(i64),
    /// RANDOMKEY: nil on both sides, or on each side a key that exists there.
    RandomKey,
    /// A SCAN without its cursor: the driver iterates to the end and compares the sets of
    /// keys seen.
    ScanAll,
}

/// One kind of generated command.
pub struct Template {
    /// Shown in statistics and failure reports.
    pub name: &'static str,
    /// Relative frequency.
    pub weight: u32,
    pub check: Check,
    pub gen: fn(&mut Gen) -> Vec<Vec<u8>>,
}

/// The keyspace: few keys, two sharing a hash tag so they land on one shard.
pub const KEYS: &[&str] = &["a", "b", "c", "d", "k1", "k2", "{t}x", "{t}y"];

const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "-1",
    "7",
    "42",
    "-42",
    "00",
    " 1",
    "3.5",
    "-0.25",
    "1e2",
    "abc",
    "hello world",
    "foobar",
    "9223372036854775807",
    "-9223372036854775808",
    "inf",
    "\u{0}\u{ff}x",
];

const INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "5",
    "100",
    "-100",
    "abc",
    "1.5",
    "",
    " 2",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
];

const FLOATS: &[&str] = &[
    "0", "1", "-1", "0.1", "1.5", "-2.25", "1e3", "3e-2", "abc", "inf", "-inf", "nan", "5.0e3",
    " 1", "", "10.50",
];

/// String offsets: small or invalid, never large and valid (that would allocate megabytes).
const OFFSETS: &[&str] = &[
    "0",
    "1",
    "2",
    "5",
    "-1",
    "-3",
    "10",
    "100",
    "-100",
    "abc",
    "9223372036854775807",
    "-9223372036854775808",
];

const BIT_OFFSETS: &[&str] = &[
    "0",
    "1",
    "7",
    "8",
    "15",
    "31",
    "100",
    "-1",
    "4294967296",
    "x",
];

/// Expiry times that are not positive and valid: zero, negative, malformed, overflowing.
const BAD_SECS: &[&str] = &["0", "-1", "abc", "9999999999999999", "1.5"];
const BAD_MILLIS: &[&str] = &["0", "-1", "abc", "9223372036854775807"];

/// How many 1000 s slots positive expiry times are drawn from.
const SLOTS: u64 = 1000;

const PATTERNS: &[&str] = &[
    "*", "k*", "?", "[ab]", "{t}*", "*x", "[^a]*", "nomatch", "\\{t\\}?",
];

/// The random source and argument pools templates draw from.
pub struct Gen {
    pub rng: StdRng,
    now_secs: u64,
    /// Slots already used by this sequence's positive expiry times.
    used_slots: Vec<u64>,
}

impl Gen {
    pub fn new(rng: StdRng) -> Gen {
        let now_secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs();
        Gen {
            rng,
            now_secs,
            used_slots: Vec::new(),
        }
    }

    /// One of `items`.
    pub fn pick(&mut self, items: &[&str]) -> String {
        items[self.rng.gen_range(0..items.len())].to_string()
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    pub fn key(&mut self) -> String {
        self.pick(KEYS)
    }

    /// Between `lo` and `hi` distinct-or-not keys.
    pub fn keys(&mut self, lo: usize, hi: usize) -> Vec<String> {
        let n = self.rng.gen_range(lo..=hi);
        (0..n).map(|_| self.key()).collect()
    }

    pub fn value(&mut self) -> String {
        self.pick(VALUES)
    }

    pub fn int(&mut self) -> String {
        self.pick(INTS)
    }

    /// A slot no earlier positive time of this sequence used.
    fn slot(&mut self) -> u64 {
        // The range grows with use, so long sequences always find free slots quickly.
        let top = SLOTS + 2 * self.used_slots.len() as u64;
        loop {
            let s = self.rng.gen_range(1..=top);
            if !self.used_slots.contains(&s) {
                self.used_slots.push(s);
                return s;
            }
        }
    }

    /// A relative time in seconds: far in the future, or one of the bad values.
    pub fn secs(&mut self) -> String {
        if self.chance(0.4) {
            self.pick(BAD_SECS)
        } else {
            (self.slot() * 1000).to_string()
        }
    }

    /// A relative time in milliseconds, like `secs`.
    pub fn millis(&mut self) -> String {
        if self.chance(0.4) {
            self.pick(BAD_MILLIS)
        } else {
            ((self.slot() * 1000 + 250) * 1000).to_string()
        }
    }

    /// An absolute time in seconds: far in the future, in the past, or invalid.
    pub fn unix_secs(&mut self) -> String {
        match self.rng.gen_range(0..5) {
            0 => "1".into(),
            1 => "abc".into(),
            _ => (self.now_secs + self.slot() * 1000 + 500).to_string(),
        }
    }

    /// An absolute time in milliseconds, like `unix_secs`.
    pub fn unix_millis(&mut self) -> String {
        match self.rng.gen_range(0..5) {
            0 => "1".into(),
            1 => "-5".into(),
            _ => ((self.now_secs + self.slot() * 1000 + 750) * 1000).to_string(),
        }
    }

    /// An expiry option of SET/GETEX with its argument, possibly invalid. `past` allows
    /// absolute times in the past: GETEX deletes such a key at once, but SET in Redis 7.0
    /// stores it already expired, and DBSIZE then counts it until the active expiry cycle
    /// happens to reclaim it, which no comparison can predict.
    fn expiry_option(&mut self, past: bool) -> Vec<String> {
        let abs = |g: &mut Gen, millis: bool| loop {
            let t = if millis {
                g.unix_millis()
            } else {
                g.unix_secs()
            };
            let in_past = t.parse::<u64>().is_ok_and(|n| n < g.now_secs);
            if past || !in_past {
                return t;
            }
        };
        match self.rng.gen_range(0..5) {
            0 => vec!["EX".into(), self.secs()],
            1 => vec!["PX".into(), self.millis()],
            2 => vec!["EXAT".into(), abs(self, false)],
            3 => vec!["PXAT".into(), abs(self, true)],
            _ => vec!["EX".into()],
        }
    }
}

/// Builds an argument list from anything string-like.
fn args<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Vec<Vec<u8>> {
    items
        .into_iter()
        .map(|s| s.as_ref().as_bytes().to_vec())
        .collect()
}

fn t(name: &'static str, weight: u32, gen: fn(&mut Gen) -> Vec<Vec<u8>>) -> Template {
    Template {
        name,
        weight,
        check: Check::Exact,
        gen,
    }
}

fn checked(
    name: &'static str,
    weight: u32,
    check: Check,
    gen: fn(&mut Gen) -> Vec<Vec<u8>>,
) -> Template {
    Template {
        name,
        weight,
        check,
        gen,
    }
}

/// Every template, all families.
pub fn table() -> Vec<Template> {
    let mut all = strings();
    all.extend(bits());
    all.extend(keyspace());
    all.extend(expiry());
    all.extend(errors());
    all
}

fn strings() -> Vec<Template> {
    vec![
        t("GET", 6, |g| args(["GET".to_string(), g.key()])),
        t("SET", 8, |g| {
            let mut a = vec!["SET".to_string(), g.key(), g.value()];
            // Options in random order and combination, conflicts included.
            for _ in 0..g.rng.gen_range(0..3) {
                match g.rng.gen_range(0..6) {
                    0 => a.push("NX".into()),
                    1 => a.push("XX".into()),
                    2 => a.push("GET".into()),
                    3 => a.push("KEEPTTL".into()),
                    _ => a.extend(g.expiry_option(false)),
                }
            }
            args(a)
        }),
        t("SETNX", 2, |g| {
            args(["SETNX".to_string(), g.key(), g.value()])
        }),
        t("SETEX", 2, |g| {
            args(["SETEX".to_string(), g.key(), g.secs(), g.value()])
        }),
        t("PSETEX", 1, |g| {
            args(["PSETEX".to_string(), g.key(), g.millis(), g.value()])
        }),
        t("GETSET", 2, |g| {
            args(["GETSET".to_string(), g.key(), g.value()])
        }),
        t("GETDEL", 2, |g| args(["GETDEL".to_string(), g.key()])),
        t("GETEX", 3, |g| {
            let mut a = vec!["GETEX".to_string(), g.key()];
            match g.rng.gen_range(0..4) {
                0 => {}
                1 => a.push("PERSIST".into()),
                2 => {
                    a.extend(g.expiry_option(true));
                    if g.chance(0.2) {
                        a.push("PERSIST".into());
                    }
                }
                _ => a.extend(g.expiry_option(true)),
            }
            args(a)
        }),
        t("MGET", 3, |g| {
            let mut a = vec!["MGET".to_string()];
            a.extend(g.keys(1, 4));
            args(a)
        }),
        t("MSET", 3, |g| {
            let mut a = vec!["MSET".to_string()];
            for _ in 0..g.rng.gen_range(1..=3) {
                a.push(g.key());
                a.push(g.value());
            }
            if g.chance(0.1) {
                a.push(g.key());
            }
            args(a)
        }),
        t("MSETNX", 2, |g| {
            let mut a = vec!["MSETNX".to_string()];
            for _ in 0..g.rng.gen_range(1..=3) {
                a.push(g.key());
                a.push(g.value());
            }
            args(a)
        }),
        t("APPEND", 3, |g| {
            args(["APPEND".to_string(), g.key(), g.value()])
        }),
        t("STRLEN", 2, |g| args(["STRLEN".to_string(), g.key()])),
        t("INCR", 3, |g| args(["INCR".to_string(), g.key()])),
        t("DECR", 2, |g| args(["DECR".to_string(), g.key()])),
        t("INCRBY", 3, |g| {
            args(["INCRBY".to_string(), g.key(), g.int()])
        }),
        t("DECRBY", 2, |g| {
            args(["DECRBY".to_string(), g.key(), g.int()])
        }),
        t("INCRBYFLOAT", 3, |g| {
            args(["INCRBYFLOAT".to_string(), g.key(), g.pick(FLOATS)])
        }),
        t("GETRANGE", 3, |g| {
            args([
                "GETRANGE".to_string(),
                g.key(),
                g.pick(OFFSETS),
                g.pick(OFFSETS),
            ])
        }),
        t("SETRANGE", 3, |g| {
            args(["SETRANGE".to_string(), g.key(), g.pick(OFFSETS), g.value()])
        }),
        t("LCS", 2, |g| {
            let mut a = vec!["LCS".to_string(), g.key(), g.key()];
            match g.rng.gen_range(0..5) {
                0 => a.push("LEN".into()),
                1 => a.push("IDX".into()),
                2 => a.extend(["IDX".into(), "WITHMATCHLEN".into()]),
                3 => a.extend([
                    "IDX".into(),
                    "MINMATCHLEN".into(),
                    g.pick(&["0", "1", "2", "x"]),
                ]),
                _ => {}
            }
            args(a)
        }),
    ]
}

fn bits() -> Vec<Template> {
    vec![
        t("GETBIT", 2, |g| {
            args(["GETBIT".to_string(), g.key(), g.pick(BIT_OFFSETS)])
        }),
        t("SETBIT", 3, |g| {
            args([
                "SETBIT".to_string(),
                g.key(),
                g.pick(BIT_OFFSETS),
                g.pick(&["0", "1", "1", "2", "-1"]),
            ])
        }),
        t("BITCOUNT", 2, |g| {
            let mut a = vec!["BITCOUNT".to_string(), g.key()];
            match g.rng.gen_range(0..4) {
                0 => {}
                1 => a.push(g.pick(OFFSETS)),
                2 => a.extend([g.pick(OFFSETS), g.pick(OFFSETS)]),
                _ => a.extend([
                    g.pick(OFFSETS),
                    g.pick(OFFSETS),
                    g.pick(&["BYTE", "BIT", "bit", "WORD"]),
                ]),
            }
            args(a)
        }),
        t("BITPOS", 2, |g| {
            let mut a = vec!["BITPOS".to_string(), g.key(), g.pick(&["0", "1", "1", "2"])];
            match g.rng.gen_range(0..4) {
                0 => {}
                1 => a.push(g.pick(OFFSETS)),
                2 => a.extend([g.pick(OFFSETS), g.pick(OFFSETS)]),
                _ => a.extend([g.pick(OFFSETS), g.pick(OFFSETS), g.pick(&["BYTE", "BIT"])]),
            }
            args(a)
        }),
        t("BITOP", 2, |g| {
            let op = g.pick(&["AND", "OR", "XOR", "NOT", "not", "NAND"]);
            let mut a = vec!["BITOP".to_string(), op, g.key()];
            a.extend(g.keys(1, 3));
            args(a)
        }),
    ]
}

fn keyspace() -> Vec<Template> {
    vec![
        t("DEL", 3, |g| {
            let mut a = vec!["DEL".to_string()];
            a.extend(g.keys(1, 3));
            args(a)
        }),
        t("EXISTS", 2, |g| {
            let mut a = vec!["EXISTS".to_string()];
            a.extend(g.keys(1, 4));
            args(a)
        }),
        t("TOUCH", 1, |g| {
            let mut a = vec!["TOUCH".to_string()];
            a.extend(g.keys(1, 3));
            args(a)
        }),
        t("TYPE", 2, |g| args(["TYPE".to_string(), g.key()])),
        t("RENAME", 2, |g| {
            args(["RENAME".to_string(), g.key(), g.key()])
        }),
        t("RENAMENX", 1, |g| {
            args(["RENAMENX".to_string(), g.key(), g.key()])
        }),
        t("COPY", 2, |g| {
            let mut a = vec!["COPY".to_string(), g.key(), g.key()];
            if g.chance(0.3) {
                a.extend(["DB".into(), g.pick(&["0", "1", "1", "16", "x"])]);
            }
            if g.chance(0.4) {
                a.push("REPLACE".into());
            }
            args(a)
        }),
        t("MOVE", 1, |g| {
            args([
                "MOVE".to_string(),
                g.key(),
                g.pick(&["1", "1", "0", "16", "-1", "x"]),
            ])
        }),
        t("SELECT", 1, |g| {
            args(["SELECT".to_string(), g.pick(&["0", "0", "1", "16", "x"])])
        }),
        t("SWAPDB", 1, |g| {
            args([
                "SWAPDB".to_string(),
                g.pick(&["0", "1"]),
                g.pick(&["0", "1", "16", "x"]),
            ])
        }),
        t("DBSIZE", 2, |_| args(["DBSIZE"])),
        t("FLUSHDB", 1, |g| {
            if g.chance(0.5) {
                // FLUSHDB is rare so that sequences build up state; half of the time it
                // is made harmless by an argument that must be refused.
                args(["FLUSHDB", "NOW"])
            } else {
                args(["FLUSHDB"])
            }
        }),
        checked("KEYS", 2, Check::Sorted, |g| {
            args(["KEYS".to_string(), g.pick(PATTERNS)])
        }),
        checked("SCAN", 2, Check::ScanAll, |g| {
            let mut a = vec!["SCAN".to_string()];
            if g.chance(0.5) {
                a.extend(["MATCH".into(), g.pick(PATTERNS)]);
            }
            if g.chance(0.5) {
                a.extend(["COUNT".into(), g.pick(&["1", "2", "10", "0", "x"])]);
            }
            if g.chance(0.3) {
                a.extend(["TYPE".into(), g.pick(&["string", "list", "none"])]);
            }
            args(a)
        }),
        checked("RANDOMKEY", 1, Check::RandomKey, |_| args(["RANDOMKEY"])),
    ]
}

fn expiry() -> Vec<Template> {
    /// The NX/XX/GT/LT flags, sometimes two of them (some pairs are refused).
    fn flags(g: &mut Gen, a: &mut Vec<String>) {
        for _ in 0..g.rng.gen_range(0..=2) {
            a.push(g.pick(&["NX", "XX", "GT", "LT", "gt", "YY"]));
        }
    }
    vec![
        t("EXPIRE", 3, |g| {
            let mut a = vec!["EXPIRE".to_string(), g.key(), g.secs()];
            flags(g, &mut a);
            args(a)
        }),
        t("PEXPIRE", 2, |g| {
            let mut a = vec!["PEXPIRE".to_string(), g.key(), g.millis()];
            flags(g, &mut a);
            args(a)
        }),
        t("EXPIREAT", 2, |g| {
            let mut a = vec!["EXPIREAT".to_string(), g.key(), g.unix_secs()];
            flags(g, &mut a);
            args(a)
        }),
        t("PEXPIREAT", 2, |g| {
            let mut a = vec!["PEXPIREAT".to_string(), g.key(), g.unix_millis()];
            flags(g, &mut a);
            args(a)
        }),
        checked("TTL", 3, Check::Near(1), |g| {
            args(["TTL".to_string(), g.key()])
        }),
        checked("PTTL", 2, Check::Near(1000), |g| {
            args(["PTTL".to_string(), g.key()])
        }),
        checked("EXPIRETIME", 1, Check::Near(1), |g| {
            args(["EXPIRETIME".to_string(), g.key()])
        }),
        checked("PEXPIRETIME", 1, Check::Near(1000), |g| {
            args(["PEXPIRETIME".to_string(), g.key()])
        }),
        t("PERSIST", 2, |g| args(["PERSIST".to_string(), g.key()])),
    ]
}

/// Wrong arity and unknown commands: the error text itself is compared.
fn errors() -> Vec<Template> {
    vec![t("arity", 3, |g| {
        // (name, Redis arity): N means exactly N words, -N at least N.
        const ARITY: &[(&str, i32)] = &[
            ("GET", 2),
            ("SET", -3),
            ("STRLEN", 2),
            ("INCR", 2),
            ("INCRBY", 3),
            ("APPEND", 3),
            ("GETRANGE", 4),
            ("SETRANGE", 4),
            ("MGET", -2),
            ("MSET", -3),
            ("DEL", -2),
            ("TTL", 2),
            ("EXPIRE", -3),
            ("TYPE", 2),
            ("RENAME", 3),
            ("LCS", -3),
            ("GETBIT", 3),
            ("SETBIT", 4),
            ("BITCOUNT", -2),
            ("DBSIZE", 1),
            ("PERSIST", 2),
            ("SWAPDB", 3),
            ("SELECT", 2),
            ("NOSUCHCOMMAND", 1),
        ];
        let (name, arity) = ARITY[g.rng.gen_range(0..ARITY.len())];
        let words = if arity > 0 {
            // One too few or one too many.
            if g.chance(0.5) && arity > 1 {
                arity - 1
            } else {
                arity + 1
            }
        } else {
            -arity - 1
        };
        let mut a = vec![name.to_string()];
        for _ in 1..words {
            a.push(g.key());
        }
        args(a)
    })]
}
