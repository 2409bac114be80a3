//! The command table: every declaration, looked up by name.

use crate::spec::{CommandSpec, Exec};
use std::collections::HashMap;
use std::sync::OnceLock;

static GLOBAL: OnceLock<Table> = OnceLock::new();

/// All commands by lowercase name.
pub struct Table {
    by_name: HashMap<&'static str, &'static CommandSpec, ahash::RandomState>,
    ordered: Vec<&'static CommandSpec>,
}

/// The result of looking a command (and maybe its subcommand) up.
pub enum Lookup {
    Found(&'static CommandSpec),
    /// The first argument named no known command.
    UnknownCommand,
    /// A container was named, but the subcommand is unknown (or missing).
    UnknownSubcommand(&'static CommandSpec),
}

impl Table {
    /// Builds the table from family declaration lists. Panics on a duplicate
    /// name: that is a bug caught by the table-wide test.
    pub fn new(families: &[&'static [CommandSpec]]) -> Table {
        let mut by_name = HashMap::default();
        let mut ordered = Vec::new();
        for fam in families {
            for spec in fam.iter() {
                let prev = by_name.insert(spec.name, spec);
                assert!(prev.is_none(), "command {} declared twice", spec.name);
                ordered.push(spec);
            }
        }
        Table { by_name, ordered }
    }

    /// Installs the process-wide table (once, at start-up; later calls are
    /// ignored) and returns it. COMMAND and friends read it through [`Table::global`].
    pub fn install(families: &[&'static [CommandSpec]]) -> &'static Table {
        GLOBAL.get_or_init(|| Table::new(families))
    }

    /// The process-wide table. Before [`Table::install`] it holds this crate's families only.
    pub fn global() -> &'static Table {
        GLOBAL.get_or_init(|| Table::new(&crate::families()))
    }

    /// Looks up a top-level command by name, case-insensitively.
    pub fn get(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        let mut buf = [0u8; 32];
        if name.len() > buf.len() {
            return None;
        }
        for (i, c) in name.iter().enumerate() {
            buf[i] = c.to_ascii_lowercase();
        }
        let lower = std::str::from_utf8(&buf[..name.len()]).ok()?;
        self.by_name.get(lower).copied()
    }

    /// Resolves argv to the command that will run, descending into containers.
    pub fn lookup<A: AsRef<[u8]>>(&self, argv: &[A]) -> Lookup {
        let Some(spec) = argv.first().and_then(|n| self.get(n.as_ref())) else {
            return Lookup::UnknownCommand;
        };
        if spec.subcommands.is_empty() {
            return Lookup::Found(spec);
        }
        let sub = argv.get(1).and_then(|name| {
            spec.subcommands
                .iter()
                .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name.as_ref()))
        });
        match sub {
            Some(s) => Lookup::Found(s),
            // A command that also runs on its own (plain COMMAND); a pure
            // container (CONFIG) needs a subcommand, and an unknown one is
            // refused for either, as Redis's lookup refuses it.
            None if argv.len() == 1 && !matches!(spec.exec, Exec::Container) => Lookup::Found(spec),
            None => Lookup::UnknownSubcommand(spec),
        }
    }

    /// The parent of a subcommand, if `spec` is one.
    pub fn parent_of(&self, spec: &CommandSpec) -> Option<&'static CommandSpec> {
        self.ordered
            .iter()
            .copied()
            .find(|p| p.subcommands.iter().any(|s| std::ptr::eq(s, spec)))
    }

    /// The name Redis uses in errors and COMMAND output: `get`, or `config|get` for subcommands.
    pub fn full_name(&self, spec: &CommandSpec) -> String {
        match self.parent_of(spec) {
            Some(p) => format!("{}|{}", p.name, spec.name),
            None => spec.name.to_string(),
        }
    }

    /// All top-level commands in declaration order.
    pub fn all(&self) -> &[&'static CommandSpec] {
        &self.ordered
    }

    pub fn len(&self) -> usize {
        self.ordered.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ordered.is_empty()
    }
}
