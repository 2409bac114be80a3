//! Keyspace-event classes (the letters of `notify-keyspace-events`) and the
//! events handlers raise. The runtime turns them into `__keyspace@<db>__`
//! and `__keyevent@<db>__` messages.

use bytes::Bytes;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

pub const GENERIC: u32 = 1 << 2; // g
pub const STRING: u32 = 1 << 3; // $
pub const LIST: u32 = 1 << 4; // l
pub const SET: u32 = 1 << 5; // s
pub const HASH: u32 = 1 << 6; // h
pub const ZSET: u32 = 1 << 7; // z
pub const EXPIRED: u32 = 1 << 8; // x
pub const EVICTED: u32 = 1 << 9; // e
pub const STREAM: u32 = 1 << 10; // t
pub const KEY_MISS: u32 = 1 << 11; // m
pub const MODULE: u32 = 1 << 12; // d
pub const NEW: u32 = 1 << 13; // n
/// `K`: publish on `__keyspace@<db>__:<key>`.
pub const KEYSPACE: u32 = 1 << 0;
/// `E`: publish on `__keyevent@<db>__:<event>`.
pub const KEYEVENT: u32 = 1 << 1;

/// One event raised by a handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub class: u32,
    pub name: &'static str,
    pub db: usize,
    pub key: Bytes,
}

/// The events of one command. Most commands raise none, and dropping an
/// empty `Vec<Event>` is an out-of-line call of ~25 instructions on every
/// command; this list frees only what it allocated.
#[derive(Debug, Default)]
pub struct Events(ManuallyDrop<Vec<Event>>);

impl Events {
    /// Takes the events out, leaving none.
    pub fn take(&mut self) -> Vec<Event> {
        std::mem::take(&mut *self.0)
    }
}

impl From<Vec<Event>> for Events {
    fn from(v: Vec<Event>) -> Events {
        Events(ManuallyDrop::new(v))
    }
}

impl Deref for Events {
    type Target = Vec<Event>;
    fn deref(&self) -> &Vec<Event> {
        &self.0
    }
}

impl DerefMut for Events {
    fn deref_mut(&mut self) -> &mut Vec<Event> {
        &mut self.0
    }
}

impl Drop for Events {
    #[inline]
    fn drop(&mut self) {
        if self.0.capacity() != 0 {
            self.free();
        }
    }
}

impl Events {
    /// The out-of-line half of `drop`, so that the inline half stays small
    /// enough for the drop of a `Ctx` to be inlined as well.
    #[inline(never)]
    fn free(&mut self) {
        // SAFETY: called from `drop` only, once, as the owner goes; the
        // list is not touched afterwards.
        unsafe { ManuallyDrop::drop(&mut self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::Harness;

    /// Runs `args` and returns the events raised, as `db:name:key`.
    fn events(h: &mut Harness, args: &[&str]) -> Vec<String> {
        h.run(args);
        h.events
            .iter()
            .map(|e| format!("{}:{}:{}", e.db, e.name, String::from_utf8_lossy(&e.key)))
            .collect()
    }

    /// The event sequences redis-server 7.0.15 published for the same
    /// commands (recorded with `notify-keyspace-events KEA`).
    #[test]
    fn handlers_raise_redis_events() {
        let mut h = Harness::new();
        h.notify_mask = !(NEW | KEY_MISS);
        let cases: &[(&[&str], &[&str])] = &[
            (&["SET", "a", "1"], &["0:set:a"]),
            (&["SET", "a", "2", "EX", "100"], &["0:set:a", "0:expire:a"]),
            (&["SET", "a", "3", "NX"], &[]),
            (&["SETEX", "c", "10", "v"], &["0:set:c", "0:expire:c"]),
            (&["GETSET", "c", "w"], &["0:set:c"]),
            (&["MSET", "d", "1", "e", "2"], &["0:set:d", "0:set:e"]),
            (&["MSETNX", "d", "1", "h", "1"], &[]),
            (&["APPEND", "a", "x"], &["0:append:a"]),
            (&["SETRANGE", "a", "10", "y"], &["0:setrange:a"]),
            (&["SETRANGE", "a", "0", ""], &[]),
            (&["DECR", "n"], &["0:incrby:n"]),
            (&["INCRBYFLOAT", "n", "1.5"], &["0:incrbyfloat:n"]),
            (&["GETDEL", "n"], &["0:del:n"]),
            (&["GETEX", "a", "EX", "100"], &["0:expire:a"]),
            (&["GETEX", "a", "PERSIST"], &["0:persist:a"]),
            (&["SETBIT", "bb", "3", "1"], &["0:setbit:bb"]),
            (&["SETBIT", "bb", "3", "1"], &[]),
            (&["BITOP", "OR", "bd", "bb"], &["0:set:bd"]),
            (&["BITOP", "AND", "bd", "nope"], &["0:del:bd"]),
            (&["DEL", "a", "zz", "c"], &["0:del:a", "0:del:c"]),
            (
                &["RENAME", "d", "d2"],
                &["0:rename_from:d", "0:rename_to:d2"],
            ),
            (&["RENAMENX", "e", "d2"], &[]),
            (&["COPY", "e", "e3"], &["0:copy_to:e3"]),
            (&["MOVE", "e3", "1"], &["0:move_from:e3", "1:move_to:e3"]),
            (&["EXPIRE", "e", "100"], &["0:expire:e"]),
            (&["EXPIRE", "e", "100", "NX"], &[]),
            (&["PERSIST", "e"], &["0:persist:e"]),
            (&["PERSIST", "e"], &[]),
            (&["EXPIRE", "e", "-1"], &["0:del:e"]),
            (&["TOUCH", "d2"], &[]),
        ];
        for (args, want) in cases {
            assert_eq!(events(&mut h, args), *want, "{args:?}");
        }
    }

    /// `new` and `keymiss` as redis-server 7.0.15 published them (with
    /// `notify-keyspace-events KEAnm`): `new` when a key is added (also
    /// when RENAME or COPY REPLACE replace one), before the command's own
    /// event; `keymiss` for read lookups only, OBJECT excepted.
    #[test]
    fn new_and_keymiss_follow_redis() {
        let mut h = Harness::new();
        h.notify_mask = !0;
        let cases: &[(&[&str], &[&str])] = &[
            (&["SET", "a", "1"], &["0:new:a", "0:set:a"]),
            (&["SET", "a", "2"], &["0:set:a"]),
            (
                &["SET", "b", "1", "GET"],
                &["0:keymiss:b", "0:new:b", "0:set:b"],
            ),
            (&["GETSET", "b", "2"], &["0:set:b"]),
            (
                &["MSET", "e", "1", "f", "2"],
                &["0:new:e", "0:set:e", "0:new:f", "0:set:f"],
            ),
            (&["INCR", "i"], &["0:new:i", "0:incrby:i"]),
            (&["BITOP", "AND", "m", "nope"], &["0:keymiss:nope"]),
            (&["LPUSH", "q", "x"], &["0:new:q", "0:lpush:q"]),
            (&["LPUSHX", "q2", "x"], &[]),
            (
                &["RENAME", "a", "b"],
                &["0:new:b", "0:rename_from:a", "0:rename_to:b"],
            ),
            (&["COPY", "b", "e"], &[]),
            (&["COPY", "b", "e", "REPLACE"], &["0:new:e", "0:copy_to:e"]),
            (
                &["MOVE", "e", "1"],
                &["1:new:e", "0:move_from:e", "1:move_to:e"],
            ),
            (&["SUNIONSTORE", "u", "nos"], &["0:keymiss:nos"]),
            (&["GET", "nos"], &["0:keymiss:nos"]),
            (&["EXISTS", "nos", "b"], &["0:keymiss:nos"]),
            (&["TYPE", "nos"], &["0:keymiss:nos"]),
            (&["TTL", "nos"], &["0:keymiss:nos"]),
            (&["OBJECT", "ENCODING", "nos"], &[]),
            (&["DEL", "nos"], &[]),
            (&["LPOP", "nos"], &[]),
        ];
        for (args, want) in cases {
            assert_eq!(events(&mut h, args), *want, "{args:?}");
        }
        // A key read after its deadline is expired (published by the
        // runtime from the database's expired list) and then missed.
        h.run(&["SET", "t", "1", "PX", "10"]);
        h.advance(20);
        assert_eq!(events(&mut h, &["GET", "t"]), ["0:keymiss:t"]);
        assert_eq!(h.ks.db(0).drain_expired(), vec![Box::from(&b"t"[..])]);
    }

    #[test]
    fn only_the_classes_listened_for_are_recorded() {
        let mut h = Harness::new();
        h.notify_mask = NEW | KEYEVENT;
        assert_eq!(events(&mut h, &["GET", "x"]), Vec::<String>::new());
        assert_eq!(events(&mut h, &["SET", "x", "1"]), ["0:new:x"]);
        h.notify_mask = KEY_MISS | KEYSPACE;
        assert_eq!(events(&mut h, &["SET", "y", "1"]), Vec::<String>::new());
        assert_eq!(events(&mut h, &["GET", "z"]), ["0:keymiss:z"]);
        // After a command the keyspace records nothing more.
        h.ks.db(0)
            .set(b"w", tessera_storage::Value::string(b"1"), h.now);
        assert!(!h.ks.db(0).has_key_events());
        assert_eq!(h.ks.db(0).track(), 0);
    }

    #[test]
    fn nothing_is_raised_for_classes_not_listened_for() {
        let mut h = Harness::new();
        h.notify_mask = GENERIC | KEYEVENT;
        assert!(events(&mut h, &["SET", "a", "1"]).is_empty());
        assert_eq!(events(&mut h, &["DEL", "a"]), ["0:del:a"]);
    }
}
