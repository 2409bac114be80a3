//! Templates for the collection families of the differential test (lists, hashes, sets, sorted sets, SORT); like `templates.rs` it only builds argument lists and never talks to a server.
//!
//! Elements come from small pools so that they repeat (LREM, LPOS, SMOVE onto an existing
//! member, ZADD on a member with the same score). Now and then an add carries a whole batch
//! of members sized around Redis's encoding thresholds (128 entries for hashes and sorted
//! sets, 512 integers for sets) or an element of 63 to 65 bytes around the 64-byte value
//! limit, so that conversions happen and the `OBJECT ENCODING` template sees both sides of
//! every threshold. The batches are deterministic (`m0`, `m1`, ... or spaced integers), so
//! consecutive batches overlap and sizes end up on either side of the limits.
//!
//! Keys are the shared pool of `templates.rs`, so collections collide with strings and with
//! each other (WRONGTYPE paths), and the multi-key commands name keys on different shards.
//! Blocking forms are generated only inside MULTI, where they never block; their timeouts
//! are tiny anyway, so a shrunk sequence that lost its MULTI still answers quickly.

use super::templates::{args, checked, t, wrong_arity, Check, Gen, Pick, Shape, Template};
use rand::Rng;

/// List elements and set/zset members: short, repeating, some numeric (sets keep integers
/// in an intset, SORT compares them as numbers), one empty.
const ELEMS: &[&str] = &[
    "a",
    "b",
    "c",
    "d",
    "x",
    "1",
    "2",
    "3",
    "10",
    "-1",
    "0",
    "",
    "foo",
    "hello world",
    "3.5",
    "1e2",
];

/// Hash fields.
const FIELDS: &[&str] = &["f1", "f2", "f3", "a", "b", "1", "2", ""];

/// Hash values: numbers for HINCRBY/HINCRBYFLOAT, text, edge cases.
const HVALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "42",
    "3.5",
    "1e2",
    "abc",
    "",
    "9223372036854775807",
    "-9223372036854775808",
    "hello world",
];

/// List and rank indexes, some out of range or malformed.
const INDEXES: &[&str] = &[
    "0",
    "1",
    "2",
    "-1",
    "-2",
    "3",
    "5",
    "-5",
    "100",
    "-100",
    "x",
    "9223372036854775807",
    "-9223372036854775808",
];

/// Counts of LPOP/RPOP/ZPOPMIN/SPOP...: zero, negative and malformed included.
const COUNTS: &[&str] = &["1", "1", "2", "3", "10", "0", "-1", "x", ""];

/// Counts of the random picks: negative ones allow repeats.
const PICK_COUNTS: &[&str] = &["1", "2", "3", "5", "200", "0", "-1", "-3", "-5", "x"];

/// Sorted-set scores and increments.
const SCORES: &[&str] = &[
    "0", "1", "1", "2", "-1", "2.5", "1e2", "10", "3", "-inf", "+inf", "inf", "1.5", "0.1", "-0",
    "3.0", "0x10",
];

/// Scores that are not floats, drawn now and then.
const BAD_SCORES: &[&str] = &["nan", "abc", "", "1.5x"];

/// Score range ends: inclusive, exclusive, infinite, malformed.
const SCORE_RANGE: &[&str] = &[
    "-inf", "+inf", "0", "(0", "1", "(1", "2.5", "(2.5", "10", "(10", "-1", "abc", "(abc", "(",
    "inf", "nan",
];

/// Lex range ends: valid ones start with `[`, `(`, `-` or `+`.
const LEX_RANGE: &[&str] = &[
    "-", "+", "[a", "(a", "[b", "(b", "[c", "(d", "[1", "(10", "[", "(", "a", "[x", "+", "-",
];

impl Gen {
    /// An element: mostly from the pool, sometimes 63 to 65 bytes long.
    pub fn elem(&mut self) -> String {
        if self.chance(0.03) {
            let n = self.rng.gen_range(63..=65);
            "L".repeat(n)
        } else {
            self.pick(ELEMS)
        }
    }

    /// Between `lo` and `hi` elements; now and then a batch around an encoding threshold
    /// (`ints` picks the set batch of integers around 512, otherwise strings around 128).
    pub fn elems(&mut self, lo: usize, hi: usize, ints: bool) -> Vec<String> {
        if self.chance(0.06) {
            let n = if ints {
                self.rng.gen_range(509..=514)
            } else {
                self.rng.gen_range(125..=131)
            };
            return (0..n)
                .map(|i| {
                    if ints {
                        (i as i64 * 7 - 300).to_string()
                    } else {
                        format!("m{i}")
                    }
                })
                .collect();
        }
        let n = self.rng.gen_range(lo..=hi);
        (0..n).map(|_| self.elem()).collect()
    }

    pub fn field(&mut self) -> String {
        if self.chance(0.03) {
            let n = self.rng.gen_range(63..=65);
            "F".repeat(n)
        } else {
            self.pick(FIELDS)
        }
    }

    pub fn hvalue(&mut self) -> String {
        if self.chance(0.04) {
            let n = self.rng.gen_range(63..=65);
            "V".repeat(n)
        } else {
            self.pick(HVALUES)
        }
    }

    pub fn index(&mut self) -> String {
        self.pick(INDEXES)
    }

    pub fn score(&mut self) -> String {
        if self.chance(0.06) {
            self.pick(BAD_SCORES)
        } else {
            self.pick(SCORES)
        }
    }

    /// `numkeys key...`: usually the right count, sometimes a wrong or malformed one.
    pub fn numkeys(&mut self, lo: usize, hi: usize) -> Vec<String> {
        let keys = self.keys(lo, hi);
        let n = match self.rng.gen_range(0..12) {
            0 => "0".to_string(),
            1 => (keys.len() + 1).to_string(),
            2 => "-1".to_string(),
            3 => "x".to_string(),
            _ => keys.len().to_string(),
        };
        let mut a = vec![n];
        a.extend(keys);
        a
    }
}

/// `POP key [count]`.
fn pop(name: &str, g: &mut Gen) -> Vec<Vec<u8>> {
    let mut a = vec![name.to_string(), g.key()];
    if g.chance(0.5) {
        a.push(g.pick(COUNTS));
    }
    args(a)
}

/// `CMD key elem...`, the shape of the pushes and of SADD/SREM.
fn key_elems(name: &str, g: &mut Gen, ints: bool) -> Vec<Vec<u8>> {
    let mut a = vec![name.to_string(), g.key()];
    a.extend(g.elems(1, 4, ints));
    args(a)
}

/// A list end, sometimes misspelt.
fn end(g: &mut Gen) -> String {
    g.pick(&["LEFT", "RIGHT", "left", "RIGHT", "LEFT", "UP"])
}

/// Tiny blocking timeouts: the command runs inside MULTI, so it never waits.
fn timeout(g: &mut Gen) -> String {
    g.pick(&["0.01", "0.01", "0.001", "-1", "x"])
}

pub fn lists() -> Vec<Template> {
    vec![
        t("LPUSH", 6, |g| key_elems("LPUSH", g, false)),
        t("RPUSH", 6, |g| key_elems("RPUSH", g, false)),
        t("LPUSHX", 2, |g| key_elems("LPUSHX", g, false)),
        t("RPUSHX", 2, |g| key_elems("RPUSHX", g, false)),
        t("LPOP", 3, |g| pop("LPOP", g)),
        t("RPOP", 3, |g| pop("RPOP", g)),
        t("LLEN", 2, |g| args(["LLEN".to_string(), g.key()])),
        t("LINDEX", 3, |g| {
            args(["LINDEX".to_string(), g.key(), g.index()])
        }),
        t("LSET", 2, |g| {
            args(["LSET".to_string(), g.key(), g.index(), g.elem()])
        }),
        t("LRANGE", 5, |g| {
            args(["LRANGE".to_string(), g.key(), g.index(), g.index()])
        }),
        t("LTRIM", 2, |g| {
            args(["LTRIM".to_string(), g.key(), g.index(), g.index()])
        }),
        t("LREM", 3, |g| {
            let count = g.pick(&["0", "1", "2", "-1", "-2", "5", "x"]);
            args(["LREM".to_string(), g.key(), count, g.elem()])
        }),
        t("LINSERT", 3, |g| {
            let side = g.pick(&["BEFORE", "AFTER", "after", "MIDDLE"]);
            args(["LINSERT".to_string(), g.key(), side, g.elem(), g.elem()])
        }),
        t("LPOS", 4, |g| {
            let mut a = vec!["LPOS".to_string(), g.key(), g.elem()];
            for _ in 0..g.rng.gen_range(0..=3) {
                match g.rng.gen_range(0..4) {
                    0 => a.extend([
                        "RANK".into(),
                        g.pick(&["1", "2", "-1", "-2", "0", "x", "-9223372036854775808"]),
                    ]),
                    1 => a.extend(["COUNT".into(), g.pick(&["0", "1", "2", "-1", "x"])]),
                    2 => a.extend(["MAXLEN".into(), g.pick(&["0", "1", "3", "-1"])]),
                    _ => a.push(g.pick(&["RANK", "COUNT", "BOGUS"])),
                }
            }
            args(a)
        }),
        t("RPOPLPUSH", 2, |g| {
            args(["RPOPLPUSH".to_string(), g.key(), g.key()])
        }),
        t("LMOVE", 3, |g| {
            args(["LMOVE".to_string(), g.key(), g.key(), end(g), end(g)])
        }),
        t("LMPOP", 3, |g| {
            let mut a = vec!["LMPOP".to_string()];
            a.extend(g.numkeys(1, 3));
            a.push(end(g));
            if g.chance(0.5) {
                a.extend(["COUNT".into(), g.pick(COUNTS)]);
            }
            args(a)
        }),
        t("BLPOP", 2, |g| {
            let mut a = vec!["BLPOP".to_string()];
            a.extend(g.keys(1, 3));
            a.push(timeout(g));
            args(a)
        })
        .in_multi(),
        t("BRPOP", 1, |g| {
            let mut a = vec!["BRPOP".to_string()];
            a.extend(g.keys(1, 3));
            a.push(timeout(g));
            args(a)
        })
        .in_multi(),
        t("BRPOPLPUSH", 1, |g| {
            args(["BRPOPLPUSH".to_string(), g.key(), g.key(), timeout(g)])
        })
        .in_multi(),
        t("BLMOVE", 1, |g| {
            args([
                "BLMOVE".to_string(),
                g.key(),
                g.key(),
                end(g),
                end(g),
                timeout(g),
            ])
        })
        .in_multi(),
        t("BLMPOP", 1, |g| {
            let mut a = vec!["BLMPOP".to_string(), timeout(g)];
            a.extend(g.numkeys(1, 3));
            a.push(end(g));
            if g.chance(0.5) {
                a.extend(["COUNT".into(), g.pick(COUNTS)]);
            }
            args(a)
        })
        .in_multi(),
    ]
}

/// `field value...` pairs for HSET/HMSET: sometimes a batch around 128 fields, sometimes
/// a dangling field (a wrong number of arguments).
fn field_values(g: &mut Gen, a: &mut Vec<String>) {
    if g.chance(0.07) {
        let n = g.rng.gen_range(125..=131);
        for i in 0..n {
            a.push(format!("f{i}"));
            a.push(i.to_string());
        }
        return;
    }
    for _ in 0..g.rng.gen_range(1..=3) {
        a.push(g.field());
        a.push(g.hvalue());
    }
    if g.chance(0.05) {
        a.pop();
    }
}

pub fn hashes() -> Vec<Template> {
    vec![
        t("HSET", 7, |g| {
            let mut a = vec!["HSET".to_string(), g.key()];
            field_values(g, &mut a);
            args(a)
        }),
        t("HSETNX", 2, |g| {
            args(["HSETNX".to_string(), g.key(), g.field(), g.hvalue()])
        }),
        t("HMSET", 2, |g| {
            let mut a = vec!["HMSET".to_string(), g.key()];
            field_values(g, &mut a);
            args(a)
        }),
        t("HGET", 4, |g| {
            args(["HGET".to_string(), g.key(), g.field()])
        }),
        t("HMGET", 2, |g| {
            let mut a = vec!["HMGET".to_string(), g.key()];
            for _ in 0..g.rng.gen_range(1..=3) {
                a.push(g.field());
            }
            args(a)
        }),
        checked("HGETALL", 4, Check::ByEncoding(Shape::Pairs), |g| {
            args(["HGETALL".to_string(), g.key()])
        }),
        checked("HKEYS", 2, Check::ByEncoding(Shape::Flat), |g| {
            args(["HKEYS".to_string(), g.key()])
        }),
        checked("HVALS", 2, Check::ByEncoding(Shape::Flat), |g| {
            args(["HVALS".to_string(), g.key()])
        }),
        t("HDEL", 3, |g| {
            let mut a = vec!["HDEL".to_string(), g.key()];
            for _ in 0..g.rng.gen_range(1..=3) {
                a.push(g.field());
            }
            args(a)
        }),
        t("HLEN", 2, |g| args(["HLEN".to_string(), g.key()])),
        t("HEXISTS", 2, |g| {
            args(["HEXISTS".to_string(), g.key(), g.field()])
        }),
        t("HINCRBY", 3, |g| {
            args(["HINCRBY".to_string(), g.key(), g.field(), g.int()])
        }),
        t("HINCRBYFLOAT", 3, |g| {
            let by = g.pick(&[
                "0", "1", "-1", "0.1", "1.5", "-2.25", "1e3", "3e-2", "abc", "inf", "nan", "10.50",
                "5.0e3",
            ]);
            args(["HINCRBYFLOAT".to_string(), g.key(), g.field(), by])
        }),
        t("HSTRLEN", 2, |g| {
            args(["HSTRLEN".to_string(), g.key(), g.field()])
        }),
        checked("HRANDFIELD", 3, Check::Random(Pick::HashField), |g| {
            let mut a = vec!["HRANDFIELD".to_string(), g.key()];
            if g.chance(0.7) {
                a.push(g.pick(PICK_COUNTS));
                if g.chance(0.5) {
                    a.push(g.pick(&["WITHVALUES", "withvalues", "WITHSCORES"]));
                }
            }
            args(a)
        }),
    ]
}

pub fn sets() -> Vec<Template> {
    /// Members for SADD/SREM: integers (to keep intsets) half of the time.
    fn members(g: &mut Gen, a: &mut Vec<String>) {
        if g.chance(0.5) {
            a.extend(g.elems(1, 4, true));
        } else {
            for _ in 0..g.rng.gen_range(1..=4) {
                a.push(g.pick(&["1", "2", "3", "10", "-1", "0", "7", "100"]));
            }
        }
    }
    vec![
        t("SADD", 7, |g| {
            let mut a = vec!["SADD".to_string(), g.key()];
            members(g, &mut a);
            args(a)
        }),
        t("SREM", 3, |g| {
            let mut a = vec!["SREM".to_string(), g.key()];
            members(g, &mut a);
            args(a)
        }),
        t("SISMEMBER", 2, |g| {
            args(["SISMEMBER".to_string(), g.key(), g.elem()])
        }),
        t("SMISMEMBER", 2, |g| {
            let mut a = vec!["SMISMEMBER".to_string(), g.key()];
            a.extend(g.elems(1, 3, false));
            args(a)
        }),
        checked("SMEMBERS", 4, Check::ByEncoding(Shape::Flat), |g| {
            args(["SMEMBERS".to_string(), g.key()])
        }),
        t("SCARD", 2, |g| args(["SCARD".to_string(), g.key()])),
        t("SMOVE", 2, |g| {
            args(["SMOVE".to_string(), g.key(), g.key(), g.elem()])
        }),
        checked("SINTER", 2, Check::Unordered, |g| {
            let mut a = vec!["SINTER".to_string()];
            a.extend(g.keys(1, 3));
            args(a)
        }),
        checked("SUNION", 2, Check::Unordered, |g| {
            let mut a = vec!["SUNION".to_string()];
            a.extend(g.keys(1, 3));
            args(a)
        }),
        checked("SDIFF", 2, Check::Unordered, |g| {
            let mut a = vec!["SDIFF".to_string()];
            a.extend(g.keys(1, 3));
            args(a)
        }),
        t("SINTERSTORE", 2, |g| {
            let mut a = vec!["SINTERSTORE".to_string(), g.key()];
            a.extend(g.keys(1, 3));
            args(a)
        }),
        t("SUNIONSTORE", 2, |g| {
            let mut a = vec!["SUNIONSTORE".to_string(), g.key()];
            a.extend(g.keys(1, 3));
            args(a)
        }),
        t("SDIFFSTORE", 2, |g| {
            let mut a = vec!["SDIFFSTORE".to_string(), g.key()];
            a.extend(g.keys(1, 3));
            args(a)
        }),
        t("SINTERCARD", 2, |g| {
            let mut a = vec!["SINTERCARD".to_string()];
            a.extend(g.numkeys(1, 3));
            if g.chance(0.4) {
                a.extend(["LIMIT".into(), g.pick(&["0", "1", "2", "-1", "x"])]);
            }
            args(a)
        }),
        checked("SPOP", 2, Check::Random(Pick::SetPop), |g| {
            let mut a = vec!["SPOP".to_string(), g.key()];
            if g.chance(0.5) {
                a.push(g.pick(COUNTS));
            }
            args(a)
        }),
        checked("SRANDMEMBER", 3, Check::Random(Pick::SetMember), |g| {
            let mut a = vec!["SRANDMEMBER".to_string(), g.key()];
            if g.chance(0.7) {
                a.push(g.pick(PICK_COUNTS));
            }
            args(a)
        }),
    ]
}

/// The arguments of ZRANGE/ZRANGESTORE after the key(s): a range by index or score (or
/// by lex if `lex`), with REV, LIMIT and (if `scores`) WITHSCORES in random combination.
fn zrange_tail(g: &mut Gen, a: &mut Vec<String>, scores: bool, lex: bool) {
    let by = if lex { 2 } else { g.rng.gen_range(0..2) };
    let (lo, hi) = match by {
        0 => (g.index(), g.index()),
        1 => (g.pick(SCORE_RANGE), g.pick(SCORE_RANGE)),
        _ => (g.pick(LEX_RANGE), g.pick(LEX_RANGE)),
    };
    a.push(lo);
    a.push(hi);
    let mut opts: Vec<Vec<String>> = Vec::new();
    match by {
        1 => opts.push(vec!["BYSCORE".into()]),
        2 => opts.push(vec!["BYLEX".into()]),
        _ => {}
    }
    if g.chance(0.4) {
        opts.push(vec!["REV".into()]);
    }
    // An index range refuses LIMIT (other than a count of -1), so it gets one seldom.
    if g.chance(if by == 0 { 0.05 } else { 0.35 }) {
        opts.push(vec![
            "LIMIT".into(),
            g.pick(&["0", "1", "2", "-1", "x"]),
            g.pick(&["1", "2", "-1", "0", "5"]),
        ]);
    }
    if scores && g.chance(0.4) {
        opts.push(vec!["WITHSCORES".into()]);
    }
    if g.chance(0.15) {
        // Options in another order, which Redis accepts.
        let i = g.rng.gen_range(0..opts.len().max(1));
        if i < opts.len() {
            let o = opts.remove(i);
            opts.push(o);
        }
    }
    a.extend(opts.into_iter().flatten());
}

/// `WEIGHTS`/`AGGREGATE`/`WITHSCORES` options of ZUNION/ZINTER and their STORE forms.
fn zset_op_options(g: &mut Gen, a: &mut Vec<String>, nkeys: usize, scores: bool) {
    if g.chance(0.35) {
        a.push("WEIGHTS".into());
        let n = if g.chance(0.85) { nkeys } else { nkeys + 1 };
        for _ in 0..n {
            a.push(g.pick(&["1", "2", "0", "-1", "0.5", "inf", "x"]));
        }
    }
    if g.chance(0.35) {
        a.extend([
            "AGGREGATE".into(),
            g.pick(&["SUM", "MIN", "MAX", "max", "AVG"]),
        ]);
    }
    if scores && g.chance(0.5) {
        a.push("WITHSCORES".into());
    }
}

/// Sorted-set commands. Their templates are marked as landing, so the test keeps passing
/// while the family is still on its way into Tessera.
pub fn zsets() -> Vec<Template> {
    let all = vec![
        t("ZADD", 8, |g| {
            let mut a = vec!["ZADD".to_string(), g.key()];
            if g.chance(0.4) {
                for _ in 0..g.rng.gen_range(1..=2) {
                    a.push(g.pick(&["NX", "XX", "GT", "LT", "CH", "INCR", "CH", "gt"]));
                }
            }
            if g.chance(0.07) {
                // A batch around the 128-entry listpack limit, all on close scores.
                let n = g.rng.gen_range(125..=131);
                for i in 0..n {
                    a.push((i % 7).to_string());
                    a.push(format!("m{i}"));
                }
            } else {
                // One score for every member now and then, so lex ranges have sets with
                // equal scores to work on.
                let same = g.chance(0.3);
                for _ in 0..g.rng.gen_range(1..=3) {
                    a.push(if same { "0".to_string() } else { g.score() });
                    a.push(g.elem());
                }
                if g.chance(0.05) {
                    a.pop();
                }
            }
            args(a)
        }),
        t("ZREM", 3, |g| {
            let mut a = vec!["ZREM".to_string(), g.key()];
            a.extend(g.elems(1, 3, false));
            args(a)
        }),
        t("ZCARD", 2, |g| args(["ZCARD".to_string(), g.key()])),
        t("ZINCRBY", 3, |g| {
            args(["ZINCRBY".to_string(), g.key(), g.score(), g.elem()])
        }),
        t("ZCOUNT", 2, |g| {
            args([
                "ZCOUNT".to_string(),
                g.key(),
                g.pick(SCORE_RANGE),
                g.pick(SCORE_RANGE),
            ])
        }),
        checked("ZLEXCOUNT", 2, Check::SameScores(1), |g| {
            args([
                "ZLEXCOUNT".to_string(),
                g.key(),
                g.pick(LEX_RANGE),
                g.pick(LEX_RANGE),
            ])
        }),
        t("ZSCORE", 3, |g| {
            args(["ZSCORE".to_string(), g.key(), g.elem()])
        }),
        t("ZMSCORE", 2, |g| {
            let mut a = vec!["ZMSCORE".to_string(), g.key()];
            a.extend(g.elems(1, 3, false));
            args(a)
        }),
        t("ZRANK", 2, |g| {
            args(["ZRANK".to_string(), g.key(), g.elem()])
        }),
        t("ZREVRANK", 2, |g| {
            args(["ZREVRANK".to_string(), g.key(), g.elem()])
        }),
        t("ZRANGE", 6, |g| {
            let mut a = vec!["ZRANGE".to_string(), g.key()];
            zrange_tail(g, &mut a, true, false);
            args(a)
        }),
        checked("ZRANGE BYLEX", 2, Check::SameScores(1), |g| {
            let mut a = vec!["ZRANGE".to_string(), g.key()];
            zrange_tail(g, &mut a, true, true);
            args(a)
        }),
        t("ZRANGESTORE", 2, |g| {
            let mut a = vec!["ZRANGESTORE".to_string(), g.key(), g.key()];
            zrange_tail(g, &mut a, false, false);
            args(a)
        }),
        checked("ZRANGESTORE BYLEX", 1, Check::SameScores(2), |g| {
            let mut a = vec!["ZRANGESTORE".to_string(), g.key(), g.key()];
            zrange_tail(g, &mut a, false, true);
            args(a)
        }),
        t("ZREVRANGE", 2, |g| {
            let mut a = vec!["ZREVRANGE".to_string(), g.key(), g.index(), g.index()];
            if g.chance(0.5) {
                a.push("WITHSCORES".into());
            }
            args(a)
        }),
        t("ZRANGEBYSCORE", 3, |g| {
            let name = g.pick(&["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]);
            let mut a = vec![name, g.key(), g.pick(SCORE_RANGE), g.pick(SCORE_RANGE)];
            if g.chance(0.4) {
                a.push("WITHSCORES".into());
            }
            if g.chance(0.4) {
                a.extend([
                    "LIMIT".into(),
                    g.pick(&["0", "1", "-1"]),
                    g.pick(&["1", "2", "-1", "0"]),
                ]);
            }
            args(a)
        }),
        checked("ZRANGEBYLEX", 3, Check::SameScores(1), |g| {
            let name = g.pick(&["ZRANGEBYLEX", "ZREVRANGEBYLEX"]);
            let mut a = vec![name, g.key(), g.pick(LEX_RANGE), g.pick(LEX_RANGE)];
            if g.chance(0.4) {
                a.extend([
                    "LIMIT".into(),
                    g.pick(&["0", "1", "-1"]),
                    g.pick(&["1", "2", "-1", "0"]),
                ]);
            }
            args(a)
        }),
        t("ZREMRANGEBYRANK", 1, |g| {
            args(["ZREMRANGEBYRANK".to_string(), g.key(), g.index(), g.index()])
        }),
        t("ZREMRANGEBYSCORE", 1, |g| {
            args([
                "ZREMRANGEBYSCORE".to_string(),
                g.key(),
                g.pick(SCORE_RANGE),
                g.pick(SCORE_RANGE),
            ])
        }),
        checked("ZREMRANGEBYLEX", 1, Check::SameScores(1), |g| {
            args([
                "ZREMRANGEBYLEX".to_string(),
                g.key(),
                g.pick(LEX_RANGE),
                g.pick(LEX_RANGE),
            ])
        }),
        t("ZPOPMIN", 2, |g| pop("ZPOPMIN", g)),
        t("ZPOPMAX", 2, |g| pop("ZPOPMAX", g)),
        t("ZMPOP", 2, |g| {
            let mut a = vec!["ZMPOP".to_string()];
            a.extend(g.numkeys(1, 3));
            a.push(g.pick(&["MIN", "MAX", "max", "MID"]));
            if g.chance(0.5) {
                a.extend(["COUNT".into(), g.pick(COUNTS)]);
            }
            args(a)
        }),
        t("ZUNION/ZINTER", 3, |g| {
            let mut a = vec![g.pick(&["ZUNION", "ZINTER"])];
            let nk = g.numkeys(1, 3);
            let n = nk.len() - 1;
            a.extend(nk);
            zset_op_options(g, &mut a, n, true);
            args(a)
        }),
        t("ZUNIONSTORE/ZINTERSTORE", 2, |g| {
            let mut a = vec![g.pick(&["ZUNIONSTORE", "ZINTERSTORE"]), g.key()];
            let nk = g.numkeys(1, 3);
            let n = nk.len() - 1;
            a.extend(nk);
            zset_op_options(g, &mut a, n, false);
            args(a)
        }),
        t("ZDIFF", 2, |g| {
            let mut a = vec!["ZDIFF".to_string()];
            a.extend(g.numkeys(1, 3));
            if g.chance(0.5) {
                a.push("WITHSCORES".into());
            }
            args(a)
        }),
        t("ZDIFFSTORE", 1, |g| {
            let mut a = vec!["ZDIFFSTORE".to_string(), g.key()];
            a.extend(g.numkeys(1, 3));
            args(a)
        }),
        t("ZINTERCARD", 2, |g| {
            let mut a = vec!["ZINTERCARD".to_string()];
            a.extend(g.numkeys(1, 3));
            if g.chance(0.4) {
                a.extend(["LIMIT".into(), g.pick(&["0", "1", "2", "-1", "x"])]);
            }
            args(a)
        }),
        checked("ZRANDMEMBER", 3, Check::Random(Pick::ZsetMember), |g| {
            let mut a = vec!["ZRANDMEMBER".to_string(), g.key()];
            if g.chance(0.7) {
                a.push(g.pick(PICK_COUNTS));
                if g.chance(0.5) {
                    a.push(g.pick(&["WITHSCORES", "withscores", "WITHVALUES"]));
                }
            }
            args(a)
        }),
        t("zset arity", 1, |g| {
            const ARITY: &[(&str, i32)] = &[
                ("ZADD", -4),
                ("ZRANGE", -4),
                ("ZRANGESTORE", -5),
                ("ZINCRBY", 4),
                ("ZMPOP", -4),
                ("ZUNIONSTORE", -4),
                ("ZSCORE", 3),
            ];
            wrong_arity(g, ARITY)
        }),
        t("BZPOPMIN/BZPOPMAX", 2, |g| {
            let mut a = vec![g.pick(&["BZPOPMIN", "BZPOPMAX"])];
            a.extend(g.keys(1, 3));
            a.push(timeout(g));
            args(a)
        })
        .in_multi(),
        t("BZMPOP", 1, |g| {
            let mut a = vec!["BZMPOP".to_string(), timeout(g)];
            a.extend(g.numkeys(1, 3));
            a.push(g.pick(&["MIN", "MAX"]));
            if g.chance(0.5) {
                a.extend(["COUNT".into(), g.pick(COUNTS)]);
            }
            args(a)
        })
        .in_multi(),
    ];
    all.into_iter().map(|tpl| tpl.landing("zadd")).collect()
}

/// Which ordering a SORT template asks for.
#[derive(Clone, Copy, PartialEq)]
enum SortBy {
    /// By the elements or by numeric weights: Redis breaks ties by comparing the elements,
    /// so the order is fully specified.
    Specified,
    /// BY a pattern with ALPHA: Redis compares only the weights, so elements with equal
    /// (or missing) weights come out in the order its sort leaves them, from a set's or
    /// sorted set's hashtable order: unspecified.
    AlphaWeights,
    /// BY nosort: a list's or sorted set's own order, a set's hashtable order.
    Nosort,
}

/// `BY`/`LIMIT`/`GET`/`ASC|DESC`/`ALPHA` options of SORT and SORT_RO. The patterns reach
/// keys of the pool: elements `1` and `2` make `k*` read `k1` and `k2`, and `*` reads the
/// element itself as a key (`a`, `b`, ...), so weights and GETs find strings, hashes
/// (`->f1`) and wrong types alike.
fn sort_options(g: &mut Gen, a: &mut Vec<String>, by: SortBy) {
    const PATTERNS: &[&str] = &["k*", "*", "w_*", "k*->f1", "*->a", "{t}*"];
    match by {
        SortBy::Nosort => a.extend(["BY".into(), "nosort".into()]),
        SortBy::AlphaWeights => a.extend(["BY".into(), g.pick(PATTERNS)]),
        SortBy::Specified => {
            if g.chance(0.4) {
                a.extend(["BY".into(), g.pick(PATTERNS)]);
            }
        }
    }
    // A LIMIT picks by position, which is unspecified for ties of alpha weights too.
    if by == SortBy::Specified && g.chance(0.3) {
        a.extend([
            "LIMIT".into(),
            g.pick(&["0", "1", "-1", "x"]),
            g.pick(&["1", "2", "-1", "10"]),
        ]);
    }
    for _ in 0..g.rng.gen_range(0..=2) {
        if g.chance(0.5) {
            a.extend([
                "GET".into(),
                g.pick(&["#", "k*", "*", "k*->f1", "*->a", "#"]),
            ]);
        }
    }
    if g.chance(0.4) {
        a.push(g.pick(&["ASC", "DESC", "desc"]));
    }
    let by_pattern = a.iter().any(|w| w == "BY");
    if by == SortBy::AlphaWeights || (!by_pattern && g.chance(0.4)) {
        a.push("ALPHA".into());
    }
}

/// SORT and SORT_RO, marked as landing until Tessera has them. The orders Redis leaves
/// unspecified (see `SortBy`) are compared unordered and never stored.
pub fn sort() -> Vec<Template> {
    vec![
        t("SORT", 4, |g| {
            let mut a = vec!["SORT".to_string(), g.key()];
            sort_options(g, &mut a, SortBy::Specified);
            if g.chance(0.3) {
                a.extend(["STORE".into(), g.key()]);
            }
            args(a)
        })
        .landing("sort"),
        checked("SORT BY ALPHA", 1, Check::Unordered, |g| {
            let mut a = vec!["SORT".to_string(), g.key()];
            sort_options(g, &mut a, SortBy::AlphaWeights);
            args(a)
        })
        .landing("sort"),
        checked("SORT nosort", 1, Check::Unordered, |g| {
            let mut a = vec!["SORT".to_string(), g.key()];
            sort_options(g, &mut a, SortBy::Nosort);
            args(a)
        })
        .landing("sort"),
        t("SORT_RO", 2, |g| {
            let mut a = vec!["SORT_RO".to_string(), g.key()];
            sort_options(g, &mut a, SortBy::Specified);
            if g.chance(0.1) {
                a.extend(["STORE".into(), g.key()]);
            }
            args(a)
        })
        .landing("sort_ro"),
    ]
}
