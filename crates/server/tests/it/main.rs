//! The integration test binary: starts the real tessera-server per test and talks RESP to it over TCP; no test here reaches into the server's code.
//!
//! `sharded!` runs each test body twice, against `--shards 1` and `--shards 4`, because
//! most bugs of a thread-per-core design only show when keys live on different shards.
//! Set `TESSERA_TEST_SERVER=redis` to run the same suite against Debian's redis-server,
//! which is how the suite itself is checked, and `TESSERA_BIN` to test another binary.

use tessera_testkit::{Server, ServerOpts};

/// Options for the server under test with `shards` shards.
pub fn opts(shards: usize) -> ServerOpts {
    ServerOpts::from_env(env!("CARGO_BIN_EXE_tessera-server")).shards(shards)
}

/// Starts the server under test with `shards` shards.
pub fn start(shards: usize) -> Server {
    Server::start(opts(shards))
}

/// Defines a test module whose `shards_1` and `shards_4` tests run the same body, which
/// gets `&mut Server` under the given name.
macro_rules! sharded {
    ($(#[$meta:meta])* fn $name:ident($srv:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[allow(unused_variables, unused_mut)]
            fn body($srv: &mut tessera_testkit::Server) $body

            #[test]
            fn shards_1() {
                body(&mut crate::start(1))
            }

            #[test]
            fn shards_4() {
                body(&mut crate::start(4))
            }
        }
    };
}

mod admin;
mod basic;
mod blocking;
mod client_crate;
mod concurrency;
mod contention;
mod differential;
mod keyspace;
mod lifecycle;
mod migration;
mod notify_new_keymiss;
mod pubsub;
mod resp3;
mod sort;
mod transactions;
