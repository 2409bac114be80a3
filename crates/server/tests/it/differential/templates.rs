//! The command generator for the differential test: a table of weighted templates, one function per command family; it only builds argument lists and never talks to a server.
//!
//! To cover a new family, write a `fn family() -> Vec<Template>` like `strings()` below (the
//! collection families live in `collections.rs`) and add it to `table()`. Each template
//! says how its replies compare (`Check`), so commands whose order or value is unspecified
//! can still be covered, whether it may only run inside MULTI, and whether its command may
//! still be landing in Tessera. Each sequence favours one or two families, and each family
//! favours a few keys, so collections grow past the encoding thresholds.
//!
//! `KNOWN_BUGS` lists the Tessera bugs this test found that are not fixed yet; the
//! generator steers around the commands that hit them, so CI stays green meanwhile.
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

use super::collections;
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
    /// An array or set reply whose order is unspecified (SINTER, SORT BY nosort): the
    /// elements are sorted on both sides before comparing, the reply type still counts.
    Unordered,
    /// A whole hash or set (HGETALL, SMEMBERS...): compared in order when Redis keeps the
    /// key in an ordered encoding (listpack, intset), as unordered elements or pairs when it
    /// is a hashtable, whose order depends on Redis's per-process hash seed. The driver asks
    /// Redis for OBJECT ENCODING of the key after the command.
    ByEncoding(Shape),
    /// A random pick (SRANDMEMBER, SPOP, HRANDFIELD, ZRANDMEMBER): checked by property
    /// against the collection read just before it on the same server. After an SPOP the
    /// driver makes Tessera's set equal to Redis's again, so later commands stay comparable.
    Random(Pick),
    /// A lex range over the sorted set whose key is the argument at this index: Redis
    /// leaves the result unspecified unless all members share one score, so the driver reads
    /// the scores on Redis first and, when they differ, runs the command on neither side.
    SameScores(usize),
}

/// How the elements of an unordered reply group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One element per member (HKEYS, HVALS, SMEMBERS).
    Flat,
    /// Field/value pairs, flat in RESP2 and a map in RESP3 (HGETALL).
    Pairs,
}

/// What a random pick draws from, which says how the driver reads the collection first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// SRANDMEMBER: members of a set.
    SetMember,
    /// SPOP: members of a set, removed.
    SetPop,
    /// HRANDFIELD: fields of a hash, with their values on request.
    HashField,
    /// ZRANDMEMBER: members of a sorted set, with their scores on request.
    ZsetMember,
}

impl Check {
    /// Whether a command with this check may be queued inside MULTI. The checks that read
    /// the server again around the command (SCAN's cursor loop, RANDOMKEY's EXISTS, a
    /// random pick's snapshot) cannot, because those reads would be queued too.
    pub fn may_queue(self) -> bool {
        !matches!(
            self,
            Check::ScanAll | Check::RandomKey | Check::Random(_) | Check::SameScores(_)
        )
    }
}

/// One kind of generated command.
pub struct Template {
    /// Shown in statistics and failure reports.
    pub name: &'static str,
    /// The family (`strings`, `lists`, ...) it belongs to; each sequence favours one or two.
    pub family: &'static str,
    /// Relative frequency.
    pub weight: u32,
    pub check: Check,
    pub gen: fn(&mut Gen) -> Vec<Vec<u8>>,
    /// Generated only inside MULTI, where a blocking command does not block.
    pub only_in_multi: bool,
    /// A command that may not have landed in Tessera yet: the driver leaves the template
    /// out (and says so) while `COMMAND INFO <name>` on Tessera does not know it.
    pub landing: Option<&'static str>,
}

impl Template {
    /// Marks a template to be generated inside MULTI only.
    pub fn in_multi(mut self) -> Template {
        self.only_in_multi = true;
        self
    }

    /// Marks a template as depending on a command that may not exist in Tessera yet.
    pub fn landing(mut self, command: &'static str) -> Template {
        self.landing = Some(command);
        self
    }
}

/// The keyspace: few keys, two sharing a hash tag so they land on one shard.
pub const KEYS: &[&str] = &["a", "b", "c", "d", "k1", "k2", "{t}x", "{t}y"];

/// The keys each collection family favours. They overlap (sets and sorted sets share two,
/// which ZUNION and ZINTER read together) and each spans several shards.
const FAVOURED: &[(&str, &[&str])] = &[
    ("lists", &["a", "k1", "{t}x"]),
    ("hashes", &["b", "k2", "{t}y"]),
    ("sets", &["c", "d", "k1", "{t}y"]),
    ("zsets", &["c", "d", "k2", "{t}x"]),
];

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
    /// Whether the commands generated so far leave the connection inside MULTI; kept by
    /// the sequence generator so templates that cannot be queued are not picked there.
    pub in_multi: bool,
    /// The family of the template being generated, set by the sequence generator.
    pub family: &'static str,
    /// The first argument of the previous command, usually its key (set by the generator).
    pub last_arg: Option<String>,
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
            in_multi: false,
            family: "",
            last_arg: None,
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

    /// A key: half of the time one of the keys the current family favours, so that keys of
    /// one type live long enough to grow, and otherwise any key, so that types still clash.
    pub fn key(&mut self) -> String {
        let favoured = FAVOURED
            .iter()
            .find(|(family, _)| *family == self.family)
            .map(|(_, keys)| *keys);
        match favoured {
            Some(keys) if self.chance(0.5) => self.pick(keys),
            _ => self.pick(KEYS),
        }
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

/// A Tessera bug this test found that is not fixed yet. The generator avoids commands it
/// matches, so CI stays green while the owner works on it; `DIFF_KNOWN_BUGS=1` generates
/// them again, to check a fix. Remove the entry with the fix.
pub struct KnownBug {
    /// What differs, with the shortest reproduction.
    pub what: &'static str,
    /// Whether a generated command (its words, upper-cased) hits the bug.
    pub hits: fn(&[String]) -> bool,
    /// Whether it hits the bug after the earlier commands of its sequence (words again).
    pub hits_after: fn(&[Vec<String>], &[String]) -> bool,
}

pub const KNOWN_BUGS: &[KnownBug] = &[];

/// A command's words, upper-cased, as the known bugs match them.
pub fn words(args: &[Vec<u8>]) -> Vec<String> {
    args.iter()
        .map(|a| String::from_utf8_lossy(a).to_uppercase())
        .collect()
}

/// Whether a generated command hits one of the known bugs after `earlier` commands.
pub fn hits_known_bug(earlier: &[Vec<String>], words: &[String]) -> bool {
    KNOWN_BUGS
        .iter()
        .any(|b| (b.hits)(words) || (b.hits_after)(earlier, words))
}

/// Builds an argument list from anything string-like.
pub fn args<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Vec<Vec<u8>> {
    items
        .into_iter()
        .map(|s| s.as_ref().as_bytes().to_vec())
        .collect()
}

/// A template compared byte for byte.
pub fn t(name: &'static str, weight: u32, gen: fn(&mut Gen) -> Vec<Vec<u8>>) -> Template {
    checked(name, weight, Check::Exact, gen)
}

/// A template compared by `check`.
pub fn checked(
    name: &'static str,
    weight: u32,
    check: Check,
    gen: fn(&mut Gen) -> Vec<Vec<u8>>,
) -> Template {
    Template {
        name,
        family: "",
        weight,
        check,
        gen,
        only_in_multi: false,
        landing: None,
    }
}

/// Every template, all families.
pub fn table() -> Vec<Template> {
    let families: [(&'static str, Vec<Template>); 11] = [
        ("strings", strings()),
        ("bits", bits()),
        ("keyspace", keyspace()),
        ("expiry", expiry()),
        ("errors", errors()),
        ("transactions", transactions()),
        ("lists", collections::lists()),
        ("hashes", collections::hashes()),
        ("sets", collections::sets()),
        ("zsets", collections::zsets()),
        ("sort", collections::sort()),
    ];
    let mut all = Vec::new();
    for (family, templates) in families {
        for mut tpl in templates {
            tpl.family = family;
            all.push(tpl);
        }
    }
    all.push(Template {
        family: "encodings",
        ..t("OBJECT ENCODING", 6, |g| {
            // Often the key the previous command wrote, to catch a conversion as it happens.
            let key = match g.last_arg.clone() {
                Some(k) if KEYS.contains(&k.as_str()) && g.chance(0.6) => k,
                _ => g.key(),
            };
            args(["OBJECT".to_string(), "ENCODING".into(), key])
        })
    });
    all
}

/// MULTI/EXEC/DISCARD/WATCH/UNWATCH. The sequence generator also ends an open MULTI now
/// and then by itself, so transactions hold a handful of queued commands.
fn transactions() -> Vec<Template> {
    vec![
        t("MULTI", 4, |_| args(["MULTI"])),
        t("EXEC", 1, |_| args(["EXEC"])),
        t("DISCARD", 1, |_| args(["DISCARD"])),
        t("WATCH", 3, |g| {
            let mut a = vec!["WATCH".to_string()];
            a.extend(g.keys(1, 3));
            args(a)
        }),
        t("UNWATCH", 1, |_| args(["UNWATCH"])),
    ]
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
        t("TYPE", 3, |g| args(["TYPE".to_string(), g.key()])),
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
            ("LPUSH", -3),
            ("LPOP", -2),
            ("LINDEX", 3),
            ("LINSERT", 5),
            ("LPOS", -3),
            ("LMOVE", 5),
            ("LMPOP", -4),
            ("HSET", -4),
            ("HGET", 3),
            ("HINCRBYFLOAT", 4),
            ("HRANDFIELD", -2),
            ("SADD", -3),
            ("SMOVE", 4),
            ("SINTERCARD", -3),
            ("SPOP", -2),
            ("WATCH", -2),
            ("UNWATCH", 1),
            ("NOSUCHCOMMAND", 1),
        ];
        wrong_arity(g, ARITY)
    })]
}

/// A call of one of `table`'s commands with a word too few or too many. Each entry is
/// (name, Redis arity): N means exactly N words, -N at least N.
pub fn wrong_arity(g: &mut Gen, table: &[(&str, i32)]) -> Vec<Vec<u8>> {
    let (name, arity) = table[g.rng.gen_range(0..table.len())];
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
}
