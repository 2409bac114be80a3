//! A command harness for tests: one keyspace, a settable clock, no threads
//! and no sockets. Commands go through the same table lookup and arity checks
//! as in the server; commands implemented by the runtime are not available.
//!
//! ```
//! let mut h = tessera_commands::harness::Harness::new();
//! assert_eq!(h.run(&["SET", "k", "v"]), "+OK\r\n");
//! assert_eq!(h.run(&["GET", "k"]), "$1\r\nv\r\n");
//! ```

use crate::table::{Lookup, Table};
use crate::{errors, Ctx, Exec};
use bytes::Bytes;
use tessera_config::Config;
use tessera_resp::Arg;
use tessera_resp::{Out, Proto};
use tessera_storage::{Keyspace, Ms};

pub struct Harness {
    pub table: Table,
    pub ks: Keyspace,
    pub config: Config,
    /// The clock, in Unix milliseconds. Tests move it forward by hand.
    pub now: Ms,
    pub db: usize,
    pub proto: Proto,
    /// Whether blocking commands may block (as outside MULTI); false by
    /// default, like a command inside MULTI.
    pub may_block: bool,
    /// The timeout a blocking command asked to wait with in the last `run`
    /// (`Ctx::block`), `None` if it did not block.
    pub blocked: Option<Ms>,
    /// The keyspace-event classes handlers see as listened for (`Ctx::notify_mask`).
    pub notify_mask: u32,
    /// The events the last `run` raised.
    pub events: Vec<crate::notify::Event>,
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

impl Harness {
    pub fn new() -> Harness {
        let config = Config::default();
        Harness {
            table: Table::new(&crate::families()),
            ks: Keyspace::new(config.databases),
            config,
            now: 1_700_000_000_000,
            db: 0,
            proto: Proto::Resp2,
            may_block: false,
            blocked: None,
            notify_mask: 0,
            events: Vec::new(),
        }
    }

    /// Moves the clock forward by `ms` milliseconds.
    pub fn advance(&mut self, ms: Ms) {
        self.now += ms;
    }

    /// Runs one command and returns its reply as RESP text.
    pub fn run(&mut self, args: &[&str]) -> String {
        let argv: Vec<Bytes> = args
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        String::from_utf8_lossy(&self.run_bytes(&Arg::all(&argv))).into_owned()
    }

    /// Runs one command given as raw arguments and returns the reply bytes.
    pub fn run_bytes(&mut self, argv: &[Arg]) -> Vec<u8> {
        self.blocked = None;
        self.events.clear();
        let mut out = Out::new(self.proto);
        match self.table.lookup(argv) {
            Lookup::UnknownCommand => out.error("ERR unknown command"),
            Lookup::UnknownSubcommand(parent) => out.error(&errors::unknown_subcommand(
                parent.name,
                argv.get(1).map(|a| a.as_slice()),
            )),
            Lookup::Found(spec) => {
                if !spec.arity_ok(argv.len()) {
                    out.error(&errors::arity(&self.table.full_name(spec)));
                } else {
                    let handler = match spec.exec {
                        Exec::Keys(h)
                        | Exec::Split(h, _)
                        | Exec::AllShards(h, _)
                        | Exec::ByCursor(h) => Some(h),
                        Exec::Runtime(_) | Exec::Container => None,
                    };
                    match handler {
                        Some(h) => {
                            let mut ctx = Ctx::new(
                                &mut self.ks,
                                self.db,
                                self.now,
                                &mut out,
                                &self.config,
                                0,
                                1,
                            );
                            ctx.may_block = self.may_block;
                            ctx.listen(self.notify_mask);
                            h(&mut ctx, argv);
                            self.blocked = ctx.block;
                            self.events = ctx.take_events();
                        }
                        None => out.error("ERR command not available in the harness"),
                    }
                }
            }
        }
        out.buf.to_vec()
    }
}
