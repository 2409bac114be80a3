//! Reply normalisation for the differential test's unordered and random checks: turns a reply whose order or choice Redis leaves unspecified into one that equal behaviour makes equal; it never decides pass or fail itself.
//!
//! A random pick is checked by property. Before the command the driver reads the whole
//! collection on the same server (SMEMBERS, HGETALL, ZRANGE 0 -1 WITHSCORES); then every
//! member in the reply that belongs to the collection becomes the placeholder
//! `(member)`, every value or score that is the member's own becomes `(its value)`, and a
//! member repeated where the count asks for distinct ones becomes `(repeated member)`.
//! What is left (the reply's type and length, nils, errors, anything not in the collection)
//! is compared exactly, so two correct servers normalise to the same reply.

use super::templates::{Pick, Shape};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use tessera_testkit::{Conn, Reply};

/// Sorts the elements (or the pairs, for `Shape::Pairs`) of an array, set or map reply,
/// keeping its type; any other reply is returned as it is.
pub fn unordered(r: Reply, shape: Shape) -> Reply {
    match (r, shape) {
        (Reply::Array(mut items), Shape::Flat) => {
            items.sort();
            Reply::Array(items)
        }
        (Reply::Set(mut items), _) => {
            items.sort();
            Reply::Set(items)
        }
        (Reply::Map(mut pairs), _) => {
            pairs.sort();
            Reply::Map(pairs)
        }
        (Reply::Array(items), Shape::Pairs) if items.len() % 2 == 0 => {
            let mut pairs: Vec<(Reply, Reply)> = items
                .chunks(2)
                .map(|p| (p[0].clone(), p[1].clone()))
                .collect();
            pairs.sort();
            Reply::Array(pairs.into_iter().flat_map(|(a, b)| [a, b]).collect())
        }
        (r, _) => r,
    }
}

/// Members of the collection read before a pick, each with its value or score if it has one.
type Snapshot = BTreeMap<Reply, Option<Reply>>;

/// Reads the collection a pick draws from; an error (wrong type) reads as empty.
fn snapshot(c: &mut Conn, key: &[u8], pick: Pick) -> io::Result<Snapshot> {
    let (r, pairs) = match pick {
        Pick::SetMember | Pick::SetPop => (c.try_cmd(&[b"SMEMBERS".as_slice(), key])?, false),
        Pick::HashField => (c.try_cmd(&[b"HGETALL".as_slice(), key])?, true),
        Pick::ZsetMember => (
            c.try_cmd(&[b"ZRANGE".as_slice(), key, b"0", b"-1", b"WITHSCORES"])?,
            true,
        ),
    };
    let mut snap = Snapshot::new();
    match r {
        Reply::Map(p) => snap.extend(p.into_iter().map(|(m, v)| (m, Some(v)))),
        Reply::Array(items) | Reply::Set(items) => {
            if !pairs {
                snap.extend(items.into_iter().map(|m| (m, None)));
            } else if items
                .iter()
                .all(|i| matches!(i, Reply::Array(p) if p.len() == 2))
            {
                // RESP3 ZRANGE WITHSCORES: [member, score] pairs.
                for i in items {
                    if let Reply::Array(p) = i {
                        let mut p = p.into_iter();
                        if let (Some(m), Some(v)) = (p.next(), p.next()) {
                            snap.insert(m, Some(v));
                        }
                    }
                }
            } else {
                for p in items.chunks(2) {
                    if p.len() == 2 {
                        snap.insert(p[0].clone(), Some(p[1].clone()));
                    }
                }
            }
        }
        _ => {}
    }
    Ok(snap)
}

/// A pick run on one server: the normalised reply and the members it named (for SPOP).
pub struct Picked {
    pub reply: Reply,
    pub members: BTreeSet<Vec<u8>>,
}

/// Runs a random pick on one server and normalises its reply against what the collection
/// held just before.
pub fn pick(c: &mut Conn, args: &[Vec<u8>], pick: Pick) -> io::Result<Picked> {
    let snap = match args.get(1) {
        Some(key) => snapshot(c, key, pick)?,
        None => Snapshot::new(),
    };
    let reply = c.try_cmd(args)?;
    let word = |i: usize| {
        args.get(i)
            .map(|a| String::from_utf8_lossy(a).to_uppercase())
    };
    // A negative count allows repeats; a count of its own or none means distinct members.
    let distinct = !word(2).is_some_and(|n| n.starts_with('-'));
    let with_values = matches!(word(3).as_deref(), Some("WITHVALUES" | "WITHSCORES"));
    let mut norm = Normaliser {
        snap: &snap,
        distinct,
        seen: BTreeSet::new(),
    };
    let reply = match reply {
        Reply::Array(items) => Reply::Array(norm.items(items, with_values)),
        Reply::Set(items) => Reply::Set(norm.items(items, with_values)),
        r @ Reply::Bulk(_) => norm.member(r),
        r => r,
    };
    let members = norm
        .seen
        .into_iter()
        .filter_map(|m| m.as_bytes().map(<[u8]>::to_vec))
        .collect();
    Ok(Picked { reply, members })
}

struct Normaliser<'a> {
    snap: &'a Snapshot,
    distinct: bool,
    seen: BTreeSet<Reply>,
}

impl Normaliser<'_> {
    fn items(&mut self, items: Vec<Reply>, with_values: bool) -> Vec<Reply> {
        if !with_values {
            return items.into_iter().map(|m| self.member(m)).collect();
        }
        if items
            .iter()
            .all(|i| matches!(i, Reply::Array(p) if p.len() == 2))
        {
            // RESP3: one [member, value] array per pick.
            return items
                .into_iter()
                .map(|i| match i {
                    Reply::Array(p) => {
                        let mut p = p.into_iter();
                        let (m, v) = (
                            p.next().unwrap_or(Reply::Nil),
                            p.next().unwrap_or(Reply::Nil),
                        );
                        Reply::Array(self.pair(m, v).to_vec())
                    }
                    other => other,
                })
                .collect();
        }
        // RESP2: member, value, member, value...
        let mut out = Vec::with_capacity(items.len());
        let mut it = items.into_iter();
        while let Some(m) = it.next() {
            match it.next() {
                Some(v) => out.extend(self.pair(m, v)),
                None => out.push(m),
            }
        }
        out
    }

    fn pair(&mut self, m: Reply, v: Reply) -> [Reply; 2] {
        let own = matches!(self.snap.get(&m), Some(Some(x)) if *x == v);
        let v = if own { Reply::simple("(its value)") } else { v };
        [self.member(m), v]
    }

    fn member(&mut self, m: Reply) -> Reply {
        if !self.snap.contains_key(&m) {
            return m;
        }
        let again = !self.seen.insert(m);
        if again && self.distinct {
            Reply::simple("(repeated member)")
        } else {
            Reply::simple("(member)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unordered_keeps_the_reply_type_and_pairs() {
        let flat = Reply::bulks(&["b", "a", "c"]);
        assert_eq!(unordered(flat, Shape::Flat), Reply::bulks(&["a", "b", "c"]));
        let pairs = Reply::bulks(&["f2", "1", "f1", "2"]);
        assert_eq!(
            unordered(pairs, Shape::Pairs),
            Reply::bulks(&["f1", "2", "f2", "1"])
        );
        let set = Reply::Set(vec![Reply::bulk("y"), Reply::bulk("x")]);
        assert_eq!(
            unordered(set, Shape::Flat),
            Reply::Set(vec![Reply::bulk("x"), Reply::bulk("y")])
        );
        assert_eq!(unordered(Reply::Nil, Shape::Flat), Reply::Nil);
    }

    #[test]
    fn normaliser_marks_members_values_and_repeats() {
        let mut snap = Snapshot::new();
        snap.insert(Reply::bulk("f"), Some(Reply::bulk("1")));
        snap.insert(Reply::bulk("g"), Some(Reply::bulk("2")));
        let mut n = Normaliser {
            snap: &snap,
            distinct: true,
            seen: BTreeSet::new(),
        };
        let got = n.items(
            Reply::bulks(&["f", "1", "g", "1", "f", "1", "h", "3"])
                .as_array()
                .unwrap()
                .to_vec(),
            true,
        );
        let m = Reply::simple("(member)");
        let v = Reply::simple("(its value)");
        assert_eq!(
            got,
            vec![
                m.clone(),
                v.clone(),
                m,
                Reply::bulk("1"),
                Reply::simple("(repeated member)"),
                v,
                Reply::bulk("h"),
                Reply::bulk("3"),
            ]
        );
    }
}
