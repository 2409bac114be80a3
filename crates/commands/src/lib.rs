//! The command table and the shard-local command handlers, one file per family.
//!
//! Handlers are synchronous functions over one shard's keyspace: they never
//! await, never reach another shard, never touch a socket, and take the time
//! from [`Ctx::now`]. The runtime decides where they run (see `tessera-runtime`).

pub mod errors;
pub mod harness;
pub mod keys_of;
pub mod parse;
pub mod spec;
pub mod table;

pub mod introspect;
#[cfg(test)]
mod table_tests;

pub mod bits;
pub mod expire;
pub mod keyspace;
pub mod strings;

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
}

impl<'a> Ctx<'a> {
    /// The selected database.
    pub fn db(&mut self) -> &mut Db {
        self.ks.db(self.db)
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
    ]
}
