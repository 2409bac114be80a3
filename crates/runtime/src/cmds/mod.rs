//! Commands implemented by the runtime: they need connection state (SELECT,
//! HELLO, AUTH, CLIENT) or the whole server (INFO, CONFIG, SHUTDOWN). They
//! are declared like every other command, with `Exec::Runtime`.

pub mod client;
pub mod config;
pub mod connection;
pub mod debug;
pub mod info;
pub mod pubsub;
pub mod slowlog;

use tessera_commands::CommandSpec;

/// The Redis version whose behaviour Tessera matches; clients pick features by it.
pub const REDIS_VERSION: &str = "7.0.15";

/// This crate's command families.
pub fn families() -> Vec<&'static [CommandSpec]> {
    vec![
        connection::COMMANDS,
        info::COMMANDS,
        config::COMMANDS,
        client::COMMANDS,
        slowlog::COMMANDS,
        debug::COMMANDS,
        pubsub::COMMANDS,
        crate::multi::COMMANDS,
    ]
}

/// Writes a HELP reply in Redis's shape: a header naming the command, the
/// given lines, and the closing HELP entry, each as a status line.
pub(crate) fn help_reply(out: &mut tessera_resp::Out, command: &str, lines: &[&str]) {
    out.array(lines.len() + 3);
    out.simple(&format!(
        "{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    ));
    for l in lines {
        out.simple(l);
    }
    out.simple("HELP");
    out.simple("    Print this help.");
}

#[cfg(test)]
mod tests {
    #[test]
    fn runtime_declarations_keep_the_table_invariants() {
        let violations = tessera_commands::introspect::check_families(&super::families());
        assert!(violations.is_empty(), "{}", violations.join("\n"));
    }
}
