//! Differential test: random command sequences run on tessera-server and on redis-server, replies compared; on a mismatch the sequence is shrunk and the shortest one printed. The generator lives in `differential/templates.rs`; this file only drives and compares.
//!
//! Each sequence starts on FLUSHALLed servers with fresh connections, runs its commands on
//! both servers in lockstep and compares every reply by the template's `Check`. A failing
//! sequence is cut after its first mismatch and then reduced by delta debugging: chunks of
//! commands are dropped, replaying from empty servers each time, while the mismatch stays.
//!
//! Commands inside MULTI are followed too: the driver keeps the checks of the queued
//! commands and compares EXEC's array element by element with them. Checks that read the
//! server again around a command (SCAN, RANDOMKEY, random picks) cannot be queued; the
//! generator never puts them inside MULTI, and a shrunk candidate that does is discarded.
//!
//! Run with `TESSERA_TEST_SERVER=redis DIFF_KNOWN_BUGS=1`, the test compares two Redis
//! processes, whose hash seeds (so hashtable orders and random picks) differ: it must pass,
//! which is how the unordered and random checks themselves are checked.
//!
//! Templates of commands still landing in Tessera (`Template::landing`) are left out while
//! Tessera's `COMMAND INFO` does not know the command; the test says which on stderr.
//!
//! CI runs a small deterministic batch. `DIFF_SEQUENCES=N DIFF_SEED=S [DIFF_LEN=L]` run
//! more (scripts/diff-long.sh does), and a failure prints the seed that replays it alone.
//! `DIFF_STATS=1` prints per-template counts and `DIFF_TRACE=<template>` one template's
//! commands with Redis's replies, to tune the generator. `DIFF_KNOWN_BUGS=1` also generates the commands of `templates::KNOWN_BUGS`, the Tessera
//! bugs found here and not fixed yet, which the generator otherwise steers around.

mod checks;
mod collections;
mod templates;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;
use templates::{Check, Gen, Shape, Template};
use tessera_testkit::{Conn, RedisServer, Reply, Server};

const DEFAULT_SEQUENCES: u64 = 100;
const DEFAULT_LEN: usize = 40;
const DEFAULT_SEED: u64 = 0x7e55_e2a0;

/// Replays allowed while shrinking one failure, so a pathological case stays bounded.
const MAX_REPLAYS: usize = 400;

fn env_num(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// One generated command and how to compare its replies.
#[derive(Clone)]
struct Cmd {
    name: &'static str,
    check: Check,
    args: Vec<Vec<u8>>,
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            let printable = !a.is_empty()
                && a.iter()
                    .all(|&c| c.is_ascii_graphic() && c != b'"' && c != b'\\');
            if printable {
                f.write_str(&String::from_utf8_lossy(a))?;
            } else {
                write!(f, "{}", Reply::Bulk(a.clone()))?;
            }
        }
        Ok(())
    }
}

/// What one side answered, normalised by the command's `Check` so equal means agreeing.
#[derive(Clone, Debug, PartialEq)]
enum Obs {
    Reply(Reply),
    /// Keys whose order is unspecified, sorted (KEYS) or collected (SCAN).
    KeySet(Vec<Vec<u8>>),
    /// RANDOMKEY returned a key that exists on that server.
    SomeExistingKey,
    /// A lex range over members with different scores, run on neither side.
    NotRun,
    /// EXEC's array, each element normalised by the check of the command queued for it.
    Exec(Vec<(Check, Obs)>),
    /// The connection failed: the server crashed, hung or closed it.
    Io(String),
}

impl fmt::Display for Obs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Obs::Reply(r) => write!(f, "{r}"),
            Obs::KeySet(keys) => write!(f, "(keys) {}", Reply::bulks(keys)),
            Obs::SomeExistingKey => f.write_str("(an existing key)"),
            Obs::NotRun => f.write_str("(not run: the members have different scores)"),
            Obs::Exec(items) => {
                f.write_str("(exec)")?;
                for (i, (_, o)) in items.iter().enumerate() {
                    write!(f, " {}) {o}", i + 1)?;
                }
                Ok(())
            }
            Obs::Io(e) => write!(f, "(connection failed: {e})"),
        }
    }
}

fn agree(check: Check, a: &Obs, b: &Obs) -> bool {
    match (check, a, b) {
        (Check::Near(tol), Obs::Reply(Reply::Int(x)), Obs::Reply(Reply::Int(y))) => {
            x == y || (*x >= 0 && *y >= 0 && (x - y).abs() <= tol)
        }
        (_, Obs::Exec(x), Obs::Exec(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((c, p), (_, q))| agree(*c, p, q))
        }
        _ => a == b,
    }
}

/// Normalises a reply by its check, for the checks that need nothing but the reply (all
/// that may be queued in MULTI; a hash or set compares unordered inside EXEC, where the
/// driver cannot ask for its encoding).
fn normalise(check: Check, r: Reply) -> Obs {
    match (check, r) {
        (Check::Sorted, Reply::Array(items)) => {
            let mut keys: Vec<Vec<u8>> = items
                .iter()
                .map(|k| k.as_bytes().unwrap_or(b"(not a string)").to_vec())
                .collect();
            keys.sort();
            Obs::KeySet(keys)
        }
        (Check::Unordered, r) => Obs::Reply(checks::unordered(r, Shape::Flat)),
        (Check::ByEncoding(shape), r) => Obs::Reply(checks::unordered(r, shape)),
        (_, r) => Obs::Reply(r),
    }
}

/// What the driver knows about the connection, from Redis's replies: whether it is inside
/// MULTI and the checks of the commands queued so far.
#[derive(Default)]
struct Session {
    in_multi: bool,
    queued: Vec<Check>,
}

impl Session {
    /// Follows MULTI, EXEC, DISCARD and queued commands by Redis's reply to `cmd`.
    fn update(&mut self, cmd: &Cmd, redis: &Obs) {
        let name = String::from_utf8_lossy(&cmd.args[0]).to_uppercase();
        let reply = match redis {
            Obs::Reply(r) => r,
            // An EXEC that ran its queued commands.
            Obs::Exec(_) => &Reply::Array(Vec::new()),
            _ => return,
        };
        if !self.in_multi {
            if name == "MULTI" && *reply == Reply::ok() {
                self.in_multi = true;
                self.queued.clear();
            }
            return;
        }
        let arity_error = reply
            .error_text()
            .is_some_and(|e| e.starts_with("ERR wrong number of arguments"));
        if (name == "EXEC" || name == "DISCARD") && !arity_error {
            self.in_multi = false;
            self.queued.clear();
        } else if *reply == Reply::simple("QUEUED") {
            self.queued.push(cmd.check);
        }
    }
}

/// Runs one command on one side and normalises the reply. Random picks are run by
/// `observe_pick`; a hash or set by encoding is left exact here and decided by the caller.
fn observe(c: &mut Conn, cmd: &Cmd, session: &Session) -> Obs {
    let is_exec = cmd.args[0].eq_ignore_ascii_case(b"EXEC");
    match cmd.check {
        Check::ScanAll => scan_all(c, &cmd.args),
        _ => match c.try_cmd(&cmd.args) {
            Err(e) => Obs::Io(e.to_string()),
            Ok(r) => match (cmd.check, r) {
                (_, Reply::Array(items))
                    if is_exec && session.in_multi && items.len() == session.queued.len() =>
                {
                    Obs::Exec(
                        session
                            .queued
                            .iter()
                            .zip(items)
                            .map(|(&c, r)| (c, normalise(c, r)))
                            .collect(),
                    )
                }
                (Check::ByEncoding(_), r) => Obs::Reply(r),
                (Check::RandomKey, Reply::Bulk(k)) => {
                    match c.try_cmd(&[b"EXISTS".as_slice(), &k]) {
                        Ok(Reply::Int(1)) => Obs::SomeExistingKey,
                        Ok(other) => Obs::Reply(Reply::Array(vec![
                            Reply::Bulk(k),
                            Reply::simple("but EXISTS says"),
                            other,
                        ])),
                        Err(e) => Obs::Io(e.to_string()),
                    }
                }
                (c, r) => normalise(c, r),
            },
        },
    }
}

/// Runs a random pick on both sides. After an SPOP that removed different members, the
/// members are put back and taken out on Tessera so that its set equals Redis's again.
fn observe_pick(ct: &mut Conn, cr: &mut Conn, cmd: &Cmd, pick: templates::Pick) -> (Obs, Obs) {
    let a = checks::pick(ct, &cmd.args, pick);
    let b = checks::pick(cr, &cmd.args, pick);
    if let (Ok(pa), Ok(pb), templates::Pick::SetPop) = (&a, &b, pick) {
        let key = &cmd.args[1];
        let extra: Vec<&Vec<u8>> = pa.members.difference(&pb.members).collect();
        let missing: Vec<&Vec<u8>> = pb.members.difference(&pa.members).collect();
        for (verb, members) in [("SADD", extra), ("SREM", missing)] {
            if members.is_empty() {
                continue;
            }
            let mut repair: Vec<&[u8]> = vec![verb.as_bytes(), key];
            repair.extend(members.iter().map(|m| m.as_slice()));
            // The reply does not matter: a failure shows in the next comparison.
            let _ = ct.try_cmd(&repair);
        }
    }
    let obs = |r: std::io::Result<checks::Picked>| match r {
        Ok(p) => Obs::Reply(p.reply),
        Err(e) => Obs::Io(e.to_string()),
    };
    (obs(a), obs(b))
}

/// Whether the sorted set at `key` holds different scores, read on Redis. Anything else
/// (no key, another type, one score) reads as false, so the command runs.
fn mixed_scores(cr: &mut Conn, key: Option<&Vec<u8>>) -> bool {
    let Some(key) = key else { return false };
    let r = cr.try_cmd(&[b"ZRANGE".as_slice(), key, b"0", b"-1", b"WITHSCORES"]);
    let Ok(Reply::Array(items)) = r else {
        return false;
    };
    // RESP2 alternates member and score; RESP3 has [member, score] pairs.
    let scores: BTreeSet<Reply> = if items.iter().all(|i| matches!(i, Reply::Array(_))) {
        items
            .iter()
            .filter_map(|p| p.as_array().and_then(|p| p.get(1)).cloned())
            .collect()
    } else {
        items.iter().skip(1).step_by(2).cloned().collect()
    };
    scores.len() > 1
}

/// For a hash or set compared by encoding: when Redis holds the key as a hashtable, both
/// replies are made unordered.
fn by_encoding(cr: &mut Conn, cmd: &Cmd, shape: Shape, a: Obs, b: Obs) -> (Obs, Obs) {
    let ordered = match cmd.args.get(1) {
        Some(key) => matches!(
            cr.try_cmd(&[b"OBJECT".as_slice(), b"ENCODING", key]),
            Ok(Reply::Bulk(e)) if e == b"listpack" || e == b"intset"
        ),
        None => true,
    };
    if ordered {
        return (a, b);
    }
    let un = |o: Obs| match o {
        Obs::Reply(r) => Obs::Reply(checks::unordered(r, shape)),
        o => o,
    };
    (un(a), un(b))
}

/// Iterates SCAN (args without the cursor) to the end; an error reply is the observation.
fn scan_all(c: &mut Conn, args: &[Vec<u8>]) -> Obs {
    let mut seen = BTreeSet::new();
    let mut cursor = b"0".to_vec();
    for _ in 0..10_000 {
        let mut full = vec![args[0].clone(), cursor.clone()];
        full.extend_from_slice(&args[1..]);
        let r = match c.try_cmd(&full) {
            Ok(r) => r,
            Err(e) => return Obs::Io(e.to_string()),
        };
        let parts = match r.as_array() {
            Some(p) if p.len() == 2 && p[1].as_array().is_some() => p,
            _ => return Obs::Reply(r),
        };
        for k in parts[1].as_array().unwrap_or(&[]) {
            seen.insert(k.as_bytes().unwrap_or(b"(not a string)").to_vec());
        }
        match parts[0].as_bytes() {
            Some(b"0") => return Obs::KeySet(seen.into_iter().collect()),
            Some(next) => cursor = next.to_vec(),
            None => return Obs::Reply(r),
        }
    }
    Obs::Io("SCAN did not finish in 10000 calls".into())
}

/// A server under comparison; a crashed Tessera is restarted so shrinking can go on.
struct Side<'a> {
    label: &'static str,
    server: &'a mut Server,
    /// Whether the sequence runs on a RESP3 connection (after `HELLO 3`).
    resp3: bool,
}

impl Side<'_> {
    /// A fresh connection to an emptied server.
    fn fresh(&mut self) -> Conn {
        if !self.server.is_running() {
            eprintln!("{} had exited; restarting it", self.label);
            let opts = self.server.opts().clone();
            *self.server = Server::start(opts);
        }
        let mut c = self.server.conn();
        c.set_timeout(Duration::from_secs(5));
        let r = c.cmd(&["FLUSHALL"]);
        assert_eq!(r, Reply::ok(), "FLUSHALL on {}", self.label);
        if self.resp3 {
            // The HELLO reply itself names the server and the client id, so it is not
            // compared; that it is a map is checked by the resp3 tests.
            let r = c.cmd(&["HELLO", "3"]);
            assert!(!r.is_error(), "HELLO 3 on {}: {r}", self.label);
        }
        c
    }
}

struct Mismatch {
    index: usize,
    tessera: Obs,
    redis: Obs,
}

impl Mismatch {
    /// True when a server stopped answering (as opposed to answering wrongly or crashing).
    fn is_hang(&self) -> bool {
        [&self.tessera, &self.redis]
            .iter()
            .any(|o| matches!(o, Obs::Io(e) if e.contains("no reply within")))
    }
}

/// Per template: how often it ran and how often Redis answered it with an error. Printed
/// with `DIFF_STATS=1`, to see whether a new template mostly exercises error paths.
/// Some templates also count what Redis answered (`OBJECT ENCODING -> skiplist`, `EXEC ->
/// aborted by WATCH`), to see whether thresholds and transactions are really reached.
type Stats = BTreeMap<String, (u64, u64)>;

/// The outcome worth counting for `cmd`, from Redis's observation.
fn outcome(cmd: &Cmd, redis: &Obs) -> Option<String> {
    let what = match (cmd.name, redis) {
        ("OBJECT ENCODING", Obs::Reply(Reply::Bulk(e))) => String::from_utf8_lossy(e).into_owned(),
        ("EXEC", Obs::Exec(items)) => format!("ran {} commands", items.len()),
        ("EXEC", Obs::Reply(r)) if r.is_nil() => "aborted by WATCH".into(),
        ("EXEC", Obs::Reply(Reply::Error(e))) if e.starts_with("EXECABORT") => "EXECABORT".into(),
        (_, Obs::NotRun) => "not run".into(),
        _ => return None,
    };
    Some(format!("{} -> {what}", cmd.name))
}

/// A sequence that puts a command which cannot be queued inside MULTI. The generator
/// never makes one; shrinking can, by dropping an EXEC, and such a candidate is discarded.
struct Unqueueable;

/// Runs `seq` on both sides from empty; returns the first disagreement.
fn run(seq: &[Cmd], t: &mut Side, r: &mut Side) -> Result<Option<Mismatch>, Unqueueable> {
    run_counted(seq, t, r, &mut Stats::new())
}

fn run_counted(
    seq: &[Cmd],
    t: &mut Side,
    r: &mut Side,
    stats: &mut Stats,
) -> Result<Option<Mismatch>, Unqueueable> {
    let mut ct = t.fresh();
    let mut cr = r.fresh();
    let mut session = Session::default();
    // DIFF_TRACE=<template name> prints that template's commands with Redis's replies.
    let trace = std::env::var("DIFF_TRACE").ok();
    for (index, cmd) in seq.iter().enumerate() {
        if session.in_multi && !cmd.check.may_queue() {
            return Err(Unqueueable);
        }
        let (a, b) = match cmd.check {
            Check::Random(pick) => observe_pick(&mut ct, &mut cr, cmd, pick),
            Check::SameScores(at) if mixed_scores(&mut cr, cmd.args.get(at)) => {
                (Obs::NotRun, Obs::NotRun)
            }
            Check::ByEncoding(shape) if !session.in_multi => {
                let a = observe(&mut ct, cmd, &session);
                let b = observe(&mut cr, cmd, &session);
                by_encoding(&mut cr, cmd, shape, a, b)
            }
            _ => (
                observe(&mut ct, cmd, &session),
                observe(&mut cr, cmd, &session),
            ),
        };
        session.update(cmd, &b);
        let entry = stats.entry(cmd.name.to_string()).or_default();
        entry.0 += 1;
        if matches!(&b, Obs::Reply(r) if r.is_error()) {
            entry.1 += 1;
        }
        if let Some(o) = outcome(cmd, &b) {
            stats.entry(o).or_default().0 += 1;
        }
        if trace.as_deref() == Some(cmd.name) {
            eprintln!("{cmd}\n  -> {b}");
        }
        if !agree(cmd.check, &a, &b) {
            return Ok(Some(Mismatch {
                index,
                tessera: a,
                redis: b,
            }));
        }
        if matches!(a, Obs::Io(_)) {
            // Both connections failed alike; nothing after this point is meaningful.
            return Ok(None);
        }
    }
    Ok(None)
}

/// Delta debugging: the smallest sequence found that still disagrees somewhere.
fn shrink(seq: Vec<Cmd>, t: &mut Side, r: &mut Side) -> Vec<Cmd> {
    ddmin(seq, MAX_REPLAYS, |candidate| {
        run(candidate, t, r).ok().flatten().map(|m| m.index)
    })
}

/// Shrinks `seq` while `fails` still reports a failure, trying at most `budget` candidates.
/// `fails` returns the index of the failing element, and everything after it is dropped
/// at once: later commands cannot matter to a difference that already happened.
fn ddmin<T: Clone>(
    mut seq: Vec<T>,
    budget: usize,
    mut fails: impl FnMut(&[T]) -> Option<usize>,
) -> Vec<T> {
    let mut tries = 0;
    let mut parts = 2usize;
    while seq.len() >= 2 && tries < budget {
        let chunk = seq.len().div_ceil(parts);
        let mut reduced = false;
        for start in (0..seq.len()).step_by(chunk) {
            let mut candidate = seq[..start].to_vec();
            candidate.extend_from_slice(&seq[(start + chunk).min(seq.len())..]);
            tries += 1;
            if let Some(index) = fails(&candidate) {
                candidate.truncate(index + 1);
                seq = candidate;
                parts = (parts - 1).max(2);
                reduced = true;
                break;
            }
            if tries >= budget {
                break;
            }
        }
        if !reduced {
            if parts >= seq.len() {
                break;
            }
            parts = (parts * 2).min(seq.len());
        }
    }
    seq
}

/// How much more often the templates of a sequence's focus families are picked.
const FOCUS: u32 = 5;

/// Inside MULTI, the chance that the next command ends the transaction.
const END_MULTI: f64 = 0.15;

/// One sequence. It favours one or two families (its focus), so that the keys of those
/// types build up state deep enough to cross encoding thresholds, while everything else
/// still runs now and then against the same keys.
fn generate(seed: u64, len: usize, table: &[Template]) -> Vec<Cmd> {
    let mut g = Gen::new(StdRng::seed_from_u64(seed));
    let families: BTreeSet<&str> = table.iter().map(|t| t.family).collect();
    let families: Vec<&str> = families.into_iter().collect();
    let focus: Vec<&str> = (0..g.rng.gen_range(1..=2))
        .map(|_| families[g.rng.gen_range(0..families.len())])
        .collect();
    let weight = |t: &Template| {
        if focus.contains(&t.family) {
            t.weight * FOCUS
        } else {
            t.weight
        }
    };
    let by_name = |name: &str| table.iter().find(|t| t.name == name);
    let avoid_known_bugs = std::env::var_os("DIFF_KNOWN_BUGS").is_none();
    let mut out = Vec::with_capacity(len);
    let mut history = Vec::new();
    while out.len() < len {
        let ending = if g.in_multi && g.chance(END_MULTI) {
            by_name(if g.chance(0.8) { "EXEC" } else { "DISCARD" })
        } else {
            None
        };
        let tpl = match ending {
            Some(tpl) => tpl,
            None => {
                let in_multi = g.in_multi;
                let eligible = |t: &&Template| {
                    if in_multi {
                        t.check.may_queue()
                    } else {
                        !t.only_in_multi
                    }
                };
                let total: u32 = table.iter().filter(eligible).map(weight).sum();
                let mut x = g.rng.gen_range(0..total);
                table
                    .iter()
                    .filter(eligible)
                    .find(|t| {
                        let w = weight(t);
                        if x < w {
                            true
                        } else {
                            x -= w;
                            false
                        }
                    })
                    .expect("weights cover the range")
            }
        };
        g.family = tpl.family;
        let args = (tpl.gen)(&mut g);
        g.last_arg = args.get(1).map(|a| String::from_utf8_lossy(a).into_owned());
        if avoid_known_bugs {
            let words = templates::words(&args);
            if templates::hits_known_bug(&history, &words) {
                continue;
            }
            history.push(words);
        }
        // MULTI inside MULTI is refused and leaves the transaction open.
        match tpl.name {
            "MULTI" => g.in_multi = true,
            "EXEC" | "DISCARD" => g.in_multi = false,
            _ => {}
        }
        out.push(Cmd {
            name: tpl.name,
            check: tpl.check,
            args,
        });
    }
    out
}

/// Leaves out the templates of commands that have not landed in Tessera yet, saying so.
fn landed(mut table: Vec<Template>, tessera: &mut Conn) -> Vec<Template> {
    let mut missing = BTreeSet::new();
    for name in table.iter().filter_map(|t| t.landing) {
        if missing.contains(name) {
            continue;
        }
        let r = tessera.cmd(&["COMMAND", "INFO", name]);
        let known = matches!(r.as_array(), Some([info]) if !info.is_nil());
        if !known {
            missing.insert(name);
        }
    }
    if !missing.is_empty() {
        eprintln!(
            "differential: tessera does not have {} yet; their templates are left out",
            missing.iter().copied().collect::<Vec<_>>().join(", ")
        );
    }
    table.retain(|t| t.landing.is_none_or(|name| !missing.contains(name)));
    table
}

fn report(seq: &[Cmd], m: &Mismatch, seed: u64, resp3: bool) -> String {
    let proto = if resp3 {
        "RESP3 (HELLO 3 first)"
    } else {
        "RESP2"
    };
    let mut out = format!(
        "tessera and redis disagree (replay alone with DIFF_SEED={seed} DIFF_SEQUENCES=1)\n\
         shortest failing sequence, from empty databases, on a {proto} connection:\n"
    );
    for (i, cmd) in seq.iter().enumerate() {
        out.push_str(&format!("  {:>3}. {cmd}\n", i + 1));
    }
    out.push_str(&format!(
        "last command ({}):\n  tessera: {}\n  redis:   {}\n",
        seq[m.index].name, m.tessera, m.redis
    ));
    out
}

sharded! {
    fn differential_against_redis(srv) {
        let sequences = env_num("DIFF_SEQUENCES", DEFAULT_SEQUENCES);
        let seed = env_num("DIFF_SEED", DEFAULT_SEED);
        let len = env_num("DIFF_LEN", DEFAULT_LEN as u64) as usize;
        let table = landed(templates::table(), &mut srv.conn());
        if std::env::var_os("DIFF_KNOWN_BUGS").is_none() {
            eprintln!(
                "differential: steering around {} known Tessera bugs (DIFF_KNOWN_BUGS=1 \
                 generates them):",
                templates::KNOWN_BUGS.len()
            );
            for bug in templates::KNOWN_BUGS {
                eprintln!("  - {}", bug.what);
            }
        }
        let mut redis = RedisServer::start();
        let mut t = Side { label: "tessera", server: srv, resp3: false };
        let mut r = Side { label: "redis", server: &mut redis, resp3: false };

        let mut failures = Vec::new();
        let mut stats = Stats::new();
        for i in 0..sequences {
            let s = seed.wrapping_add(i);
            let seq = generate(s, len, &table);
            // Odd seeds run on RESP3 connections, where nulls, maps and doubles differ.
            let resp3 = s % 2 == 1;
            t.resp3 = resp3;
            r.resp3 = resp3;
            let outcome = run_counted(&seq, &mut t, &mut r, &mut stats);
            let Ok(outcome) = outcome else {
                let shown: Vec<String> = seq.iter().map(|c| c.to_string()).collect();
                panic!(
                    "seed {s}: the generator queued a command that cannot be queued in MULTI:\n{}",
                    shown.join("\n")
                );
            };
            if let Some(m) = outcome {
                let cut = seq[..=m.index].to_vec();
                if m.is_hang() {
                    // Every replay would wait out the read timeout, and the hung server
                    // cannot be reused: report the sequence as it is and stop.
                    let text = report(&cut, &m, s, resp3);
                    eprintln!("{text}");
                    failures.push(text);
                    break;
                }
                let small = shrink(cut.clone(), &mut t, &mut r);
                // The shrunk sequence is replayed once more for the report's replies. If
                // it no longer disagrees, the difference depends on timing: say so, and
                // show the sequence as it first failed.
                let text = match run(&small, &mut t, &mut r).ok().flatten() {
                    Some(m) => report(&small, &m, s, resp3),
                    None => format!(
                        "{}(this did not reproduce on replay: the difference depends on timing)\n",
                        report(&cut, &m, s, resp3)
                    ),
                };
                eprintln!("{text}");
                failures.push(text);
                if failures.len() >= 3 {
                    break;
                }
            }
        }
        if std::env::var_os("DIFF_STATS").is_some() {
            for (name, (n, errors)) in &stats {
                eprintln!("{name:>24}: {n:>6} run, {errors:>6} errors");
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {sequences} sequences disagree (seed {seed}, length {len}); first:\n{}",
            failures.len(),
            failures[0]
        );
        eprintln!("differential: {sequences} sequences of {len} commands agree");
    }
}

#[cfg(test)]
mod generator_tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_covers_the_table() {
        let table = templates::table();
        let show = |s: &[Cmd]| s.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(
            show(&generate(1, 2000, &table)),
            show(&generate(1, 2000, &table))
        );
        let mut names = BTreeSet::new();
        for seed in 0..500 {
            names.extend(generate(seed, 100, &table).iter().map(|c| c.name));
        }
        for t in &table {
            assert!(names.contains(t.name), "{} never generated", t.name);
        }
    }

    #[test]
    fn generator_keeps_unqueueable_commands_out_of_multi() {
        let table = templates::table();
        for seed in 0..200 {
            let mut in_multi = false;
            for c in generate(seed, 100, &table) {
                let only_in_multi = table.iter().any(|t| t.name == c.name && t.only_in_multi);
                assert!(
                    !in_multi || c.check.may_queue(),
                    "seed {seed}: {c} inside MULTI"
                );
                assert!(in_multi || !only_in_multi, "seed {seed}: {c} outside MULTI");
                match c.name {
                    "MULTI" => in_multi = true,
                    "EXEC" | "DISCARD" => in_multi = false,
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn ddmin_finds_the_two_commands_that_matter() {
        // "Fails" when 3 is followed later by 7; the failure shows at the 7.
        let fails = |s: &[u32]| {
            let three = s.iter().position(|&x| x == 3)?;
            s.iter()
                .skip(three)
                .position(|&x| x == 7)
                .map(|i| three + i)
        };
        let seq: Vec<u32> = (0..40).map(|i| i % 10).collect();
        assert_eq!(ddmin(seq, 1000, fails), vec![3, 7]);
        let no_budget: Vec<u32> = (0..40).map(|i| i % 10).collect();
        assert_eq!(ddmin(no_budget.clone(), 0, fails), no_budget);
    }

    #[test]
    fn ttl_tolerance_keeps_codes_exact() {
        let int = |n| Obs::Reply(Reply::Int(n));
        assert!(agree(Check::Near(1), &int(99), &int(100)));
        assert!(!agree(Check::Near(1), &int(98), &int(100)));
        assert!(!agree(Check::Near(1), &int(-1), &int(0)));
        assert!(!agree(Check::Near(1000), &int(-2), &int(-1)));
        assert!(!agree(Check::Exact, &int(99), &int(100)));
    }
}
