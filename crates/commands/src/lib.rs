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
pub use spec::{Arg, CommandSpec, Exec, Handler, KeySpec, Merge};
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
    pub notify_mask: u32,
    /// Events raised by the handler through [`Ctx::notify`].
    pub events: Vec<notify::Event>,
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
            events: Vec::new(),
            may_block: false,
            block: None,
        }
    }

    /// The selected database.
    pub fn db(&mut self) -> &mut Db {
        self.ks.db(self.db)
    }

    /// Raises a keyspace event (`set`, `del`, `lpush`, `expire`, ...) of
    /// `class` on `key` in the selected database. Costs one branch when
    /// nobody listens for that class.
    pub fn notify(&mut self, class: u32, event: &'static str, key: &[u8]) {
        if self.notify_mask & class != 0 {
            self.events.push(notify::Event {
                class,
                name: event,
                db: self.db,
                key: bytes::Bytes::copy_from_slice(key),
            });
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
