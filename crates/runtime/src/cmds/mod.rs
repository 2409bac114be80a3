//! Commands implemented by the runtime: they need connection state (SELECT,
//! HELLO, AUTH, CLIENT) or the whole server (INFO, CONFIG, SHUTDOWN). They
//! are declared like every other command, with `Exec::Runtime`.

pub mod connection;

use tessera_commands::CommandSpec;

/// The Redis version whose behaviour Tessera matches; clients pick features by it.
pub const REDIS_VERSION: &str = "7.0.15";

/// This crate's command families.
pub fn families() -> Vec<&'static [CommandSpec]> {
    vec![connection::COMMANDS]
}
