//! The command table and the shard-local command handlers, one file per family.
//!
//! Handlers are synchronous functions over one shard's keyspace: they never
//! await, never reach another shard, never touch a socket, and take the time
//! from [`Ctx::now`]. The runtime decides where they run (see `tessera-runtime`).

pub mod errors;
pub mod harness;
pub mod keys_of;
pub mod notify;
pub mod parse;
pub mod spec;
pub mod table;

pub mod introspect;
#[cfg(test)]
mod table_tests;

pub mod bits;
pub mod expire;
pub mod hashes;
pub mod keyspace;
pub mod lists;
pub mod sets;
pub mod sort;
pub mod strings;
pub mod zsets;

pub use keys_of::{find_keys, KeyPos};
pub use spec::{ArgSpec, CommandSpec, Exec, Handler, KeySpec, Merge};
pub use table::Table;

use tessera_config::Config;
use tessera_resp::Out;
use tessera_storage::{Db, Keyspace, Ms};

/// Everything a handler may touch.
pub struct Ctx<'a> {
    /// The shard's databases (or, for a command whose keys span shards, a
    /// scratch keyspace holding copies of exactly its keys).
    pub ks: &'a mut Keyspace,
    /// The selected database.
    pub db: usize,
    /// The time the command runs at, in Unix milliseconds.
    pub now: Ms,
    pub out: &'a mut Out,
    pub config: &'a Config,
    /// This shard's index and the number of shards (for SCAN cursors).
    pub shard: usize,
    pub shards: usize,
    /// Count of keys changed by this command, for `rdb_changes_since_last_save`.
    pub dirty: u64,
    /// The keyspace-event classes that are being listened for (`notify::*`
    /// bits, from `notify-keyspace-events`); 0 when notifications are off.
    /// Set it with [`Ctx::listen`], which also arms the keyspace for the
    /// `new` and `keymiss` events storage finds.
    pub(crate) notify_mask: u32,
    /// Whether `listen` armed key-event recording in `ks` (the `n` or `m`
    /// class is listened for): those events are then collected from the
    /// keyspace before each event the handler raises and at the end.
    pub(crate) tracking: bool,
    /// Events raised by the handler through [`Ctx::notify`].
    pub events: notify::Events,
    /// Whether a blocking command may block here. False inside MULTI/EXEC
    /// (where a blocking command behaves as its non-blocking form, as in
    /// Redis) and wherever the runtime cannot wait.
    pub may_block: bool,
    /// Set by a blocking command (BLPOP...) that found nothing to serve and
    /// wants to wait on its keys: the timeout in milliseconds, 0 for ever.
    /// The handler writes no reply in that case; the runtime waits for one
    /// of the keys to be written and runs the command again.
    pub block: Option<Ms>,
}

impl<'a> Ctx<'a> {
    /// A context with no events, no blocking, and nothing dirty.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        ks: &'a mut Keyspace,
        db: usize,
        now: Ms,
        out: &'a mut Out,
        config: &'a Config,
        shard: usize,
        shards: usize,
    ) -> Ctx<'a> {
        Ctx {
            ks,
            db,
            now,
            out,
            config,
            shard,
            shards,
            dirty: 0,
            notify_mask: 0,
            tracking: false,
            events: notify::Events::default(),
            may_block: false,
            block: None,
        }
    }

    /// The selected database.
    pub fn db(&mut self) -> &mut Db {
        self.ks.db(self.db)
    }

    /// Listens for the event classes in `mask` (`notify::*` bits). With
    /// `n` or `m` among them the keyspace records the keys the handler adds
    /// and the reads that miss, until this context is dropped; otherwise
    /// this is one integer test.
    #[inline]
    pub fn listen(&mut self, mask: u32) {
        self.notify_mask = mask;
        if mask & (notify::NEW | notify::KEY_MISS) != 0 {
            self.track(mask);
        }
    }

    /// Arms the keyspace for the `new` and `keymiss` events in `mask`.
    #[inline(never)]
    fn track(&mut self, mask: u32) {
        let mut track = 0;
        if mask & notify::NEW != 0 {
            track |= tessera_storage::db::TRACK_NEW;
        }
        if mask & notify::KEY_MISS != 0 {
            track |= tessera_storage::db::TRACK_MISS;
        }
        self.ks.track_key_events(track);
        self.tracking = true;
    }

    /// The classes being listened for (see [`Ctx::listen`]).
    pub fn notify_mask(&self) -> u32 {
        self.notify_mask
    }

    /// Takes the events raised so far, including the `new` and `keymiss`
    /// events storage recorded since the last event the handler raised.
    pub fn take_events(&mut self) -> Vec<notify::Event> {
        if self.tracking {
            self.collect_key_events();
        }
        self.events.take()
    }

    /// Moves the key events the keyspace recorded into `events`. Redis
    /// raises `new` inside dbAdd and `keymiss` inside the lookup, so they
    /// come before whatever the command raises after adding or reading.
    fn collect_key_events(&mut self) {
        for (db, d) in self.ks.dbs_mut().iter_mut().enumerate() {
            if !d.has_key_events() {
                continue;
            }
            for (ev, key) in d.drain_key_events() {
                let (class, name) = match ev {
                    tessera_storage::db::KeyEvent::New => (notify::NEW, "new"),
                    tessera_storage::db::KeyEvent::Miss => (notify::KEY_MISS, "keymiss"),
                };
                self.events.push(notify::Event {
                    class,
                    name,
                    db,
                    key: bytes::Bytes::from(key),
                });
            }
        }
    }

    /// A read of `key` in the selected database found nothing, seen without
    /// `Db::get` (which notes its own misses): counts the miss and raises
    /// `keymiss` when listened for, as Redis's lookupKeyRead does.
    pub fn read_missed(&mut self, key: &[u8]) {
        let db = self.db;
        self.ks.db(db).note_miss(key);
    }

    /// Raises a keyspace event (`set`, `del`, `lpush`, `expire`, ...) of
    /// `class` on `key` in the selected database. Costs one branch when
    /// nobody listens for that class.
    pub fn notify(&mut self, class: u32, event: &'static str, key: &[u8]) {
        if self.notify_mask & class != 0 {
            if self.tracking {
                self.collect_key_events();
            }
            self.events.push(notify::Event {
                class,
                name: event,
                db: self.db,
                key: bytes::Bytes::copy_from_slice(key),
            });
        }
    }
}

impl Drop for Ctx<'_> {
    /// Disarms the keyspace, so writes outside a command (the coordinator's
    /// write-back, loading) record nothing, even if the handler panicked.
    /// Inline: a context usually has nothing to undo, and the out-of-line
    /// drop was ~20 instructions a command.
    #[inline]
    fn drop(&mut self) {
        if self.tracking {
            self.ks.track_key_events(0);
        }
    }
}

/// Every family's declarations, in the order COMMAND lists them.
pub fn families() -> Vec<&'static [CommandSpec]> {
    vec![
        strings::COMMANDS,
        bits::COMMANDS,
        keyspace::COMMANDS,
        expire::COMMANDS,
        introspect::COMMANDS,
        hashes::COMMANDS,
        zsets::COMMANDS,
        lists::COMMANDS,
        sets::COMMANDS,
        sort::COMMANDS,
    ]
}
