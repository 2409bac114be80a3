//! Per-shard intent locks for multi-shard work (see `coord.rs` for the
//! protocol that uses them).
//!
//! A request names keys (each shared or exclusive) or the whole shard. The
//! table is a FIFO queue of requests: a request is granted when it conflicts
//! with no request ahead of it, granted or waiting. That gives isolation
//! between multi-shard operations, and no starvation: a waiting request is
//! never overtaken by a later one it conflicts with.
//!
//! The table is empty almost always; a command checks `is_empty()` first and
//! then runs without touching it, so single-key traffic pays one branch.

use bytes::Bytes;
use futures::channel::oneshot;
use std::collections::{HashMap, VecDeque};

/// Lock strength.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Shared,
    Exclusive,
}

/// What a request locks.
#[derive(Clone, Debug)]
pub enum Scope {
    /// These keys (db index, key).
    Keys(Vec<(usize, Bytes, Mode)>),
    /// Every key of the shard, in every database.
    All(Mode),
}

impl Scope {
    fn conflicts(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::All(a), Scope::All(b)) => *a == Mode::Exclusive || *b == Mode::Exclusive,
            (Scope::All(m), Scope::Keys(ks)) | (Scope::Keys(ks), Scope::All(m)) => {
                !ks.is_empty()
                    && (*m == Mode::Exclusive || ks.iter().any(|k| k.2 == Mode::Exclusive))
            }
            // Small scopes (one command's keys) compare pairwise; a batch of
            // combined operations can name hundreds of keys, and two such
            // batches would cost a product of comparisons, so the smaller
            // side is indexed instead.
            (Scope::Keys(a), Scope::Keys(b)) if a.len().saturating_mul(b.len()) <= 64 => {
                a.iter().any(|(da, ka, ma)| {
                    b.iter().any(|(db, kb, mb)| {
                        da == db && ka == kb && (*ma == Mode::Exclusive || *mb == Mode::Exclusive)
                    })
                })
            }
            (Scope::Keys(a), Scope::Keys(b)) => {
                let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
                let mut index: HashMap<(usize, &[u8]), bool> = HashMap::with_capacity(small.len());
                for (d, k, m) in small {
                    *index.entry((*d, &k[..])).or_insert(false) |= *m == Mode::Exclusive;
                }
                large.iter().any(|(d, k, m)| {
                    index
                        .get(&(*d, &k[..]))
                        .is_some_and(|&exclusive| exclusive || *m == Mode::Exclusive)
                })
            }
        }
    }
}

struct Request {
    id: u64,
    scope: Scope,
    granted: bool,
    notify: Option<oneshot::Sender<()>>,
}

/// One shard's lock table.
#[derive(Default)]
pub struct LockTable {
    queue: VecDeque<Request>,
    next_id: u64,
}

/// A ticket for a queued request; [`LockTable::release`] takes it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket(u64);

impl LockTable {
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Whether a command over `scope` could run right now without queueing:
    /// it conflicts with no request, granted or waiting.
    pub fn is_free(&self, scope: &Scope) -> bool {
        self.queue.iter().all(|r| !r.scope.conflicts(scope))
    }

    /// Queues a request. Returns its ticket and, if it must wait, a receiver
    /// that completes when it is granted.
    pub fn acquire(&mut self, scope: Scope) -> (Ticket, Option<oneshot::Receiver<()>>) {
        let id = self.next_id;
        self.next_id += 1;
        let free = self.is_free(&scope);
        let (notify, wait) = if free {
            (None, None)
        } else {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(rx))
        };
        self.queue.push_back(Request {
            id,
            scope,
            granted: free,
            notify,
        });
        (Ticket(id), wait)
    }

    /// Releases a request (granted or not) and grants those now free.
    pub fn release(&mut self, t: Ticket) {
        if let Some(pos) = self.queue.iter().position(|r| r.id == t.0) {
            self.queue.remove(pos);
        }
        for i in 0..self.queue.len() {
            if self.queue[i].granted {
                continue;
            }
            let blocked = (0..i).any(|j| self.queue[j].scope.conflicts(&self.queue[i].scope));
            if !blocked {
                let r = &mut self.queue[i];
                r.granted = true;
                if let Some(tx) = r.notify.take() {
                    let _ = tx.send(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(ks: &[(&str, Mode)]) -> Scope {
        Scope::Keys(
            ks.iter()
                .map(|(k, m)| (0, Bytes::copy_from_slice(k.as_bytes()), *m))
                .collect(),
        )
    }

    #[test]
    fn fifo_grants_in_order_and_shared_locks_share() {
        let mut t = LockTable::default();
        let (a, wa) = t.acquire(keys(&[("x", Mode::Exclusive)]));
        assert!(wa.is_none());
        let (b, mut wb) = t.acquire(keys(&[("x", Mode::Shared)]));
        let (c, mut wc) = t.acquire(keys(&[("x", Mode::Shared)]));
        let (_d, wd) = t.acquire(keys(&[("y", Mode::Exclusive)]));
        assert!(wd.is_none(), "unrelated keys are not blocked");
        assert!(!t.is_free(&keys(&[("x", Mode::Shared)])));
        t.release(a);
        assert_eq!(wb.as_mut().unwrap().try_recv(), Ok(Some(())));
        assert_eq!(wc.as_mut().unwrap().try_recv(), Ok(Some(())));
        t.release(b);
        t.release(c);
        assert!(t.is_free(&keys(&[("x", Mode::Exclusive)])));
    }

    #[test]
    fn large_scopes_conflict_exactly_when_small_ones_would() {
        // Two batches of 40 keys each: indexed comparison, same answers as
        // the pairwise one.
        let many = |prefix: &str, shared_tail: Option<Mode>| {
            let mut ks: Vec<(usize, Bytes, Mode)> = (0..40)
                .map(|i| (0, Bytes::from(format!("{prefix}{i}")), Mode::Shared))
                .collect();
            if let Some(m) = shared_tail {
                ks.push((0, Bytes::from_static(b"common"), m));
            }
            Scope::Keys(ks)
        };
        assert!(!many("a", None).conflicts(&many("b", None)));
        assert!(!many("a", Some(Mode::Shared)).conflicts(&many("b", Some(Mode::Shared))));
        assert!(many("a", Some(Mode::Exclusive)).conflicts(&many("b", Some(Mode::Shared))));
        assert!(many("a", Some(Mode::Shared)).conflicts(&many("b", Some(Mode::Exclusive))));
        assert!(
            many("a", None).conflicts(&keys(&[("a3", Mode::Exclusive)])),
            "a small exclusive request against a large shared one"
        );
        // The same key in another database is another key.
        let other_db = Scope::Keys(
            (0..40)
                .map(|i| (1, Bytes::from(format!("a{i}")), Mode::Exclusive))
                .collect(),
        );
        assert!(!many("a", None).conflicts(&other_db));
    }

    #[test]
    fn whole_shard_lock_waits_for_keys_and_blocks_later_keys() {
        let mut t = LockTable::default();
        let (a, _) = t.acquire(keys(&[("x", Mode::Shared)]));
        let (all, mut wall) = t.acquire(Scope::All(Mode::Exclusive));
        assert!(wall.is_some());
        let (_b, wb) = t.acquire(keys(&[("z", Mode::Shared)]));
        assert!(
            wb.is_some(),
            "a later request may not overtake a waiting one it conflicts with"
        );
        t.release(a);
        assert_eq!(wall.as_mut().unwrap().try_recv(), Ok(Some(())));
        t.release(all);
    }
}
