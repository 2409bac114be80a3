//! Keyspace-event classes (the letters of `notify-keyspace-events`) and the
//! events handlers raise. The runtime turns them into `__keyspace@<db>__`
//! and `__keyevent@<db>__` messages.

use bytes::Bytes;

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
        h.notify_mask = !0;
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

    #[test]
    fn nothing_is_raised_for_classes_not_listened_for() {
        let mut h = Harness::new();
        h.notify_mask = GENERIC | KEYEVENT;
        assert!(events(&mut h, &["SET", "a", "1"]).is_empty());
        assert_eq!(events(&mut h, &["DEL", "a"]), ["0:del:a"]);
    }
}
