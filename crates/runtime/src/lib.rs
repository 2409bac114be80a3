//! The thread-per-core runtime: one glommio executor per shard, the shard
//! mesh, connections, routing, the multi-shard coordinator, and the commands
//! that need connection state or the whole server.
//!
//! Nothing here knows how any particular data type works; that is
//! `tessera-commands`' business.

pub mod alloc;
pub mod blocking;
pub mod cmds;
pub mod combine;
pub mod conn;
pub mod coord;
pub mod exec;
pub mod locks;
pub mod mesh;
pub mod monitor;
pub mod multi;
pub mod pubsub;
pub mod remote;
pub mod server;
pub mod shard;
pub mod stats;
pub mod watch;

pub use server::{run, StartError};
