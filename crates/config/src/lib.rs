//! Server configuration: every directive Tessera knows, with Redis's names,
//! defaults, parsing and formatting; the redis.conf file syntax; and the
//! command-line form `tessera-server [file] [--directive value ...]`.
//! This crate does no networking and starts nothing: it only reads text
//! (a file, stdin, arguments) and cgroup/affinity facts into a [`Config`].
//!
//! Map of the crate:
//! - `table`: the declarative directive table (one entry per directive) and
//!   CONFIG GET / CONFIG SET on top of it.
//! - `syntax`: quoting, argument splitting, integers, memory units, globs.
//! - `file`: the config-file reader, `include`, CONFIG REWRITE.
//! - `cli`: the command line.
//! - `cpus`: how many CPUs this process may use.
//! - `sample`: the annotated `config/tessera.conf`, generated from the table.

mod cli;
mod cpus;
mod file;
mod sample;
pub mod syntax;
mod table;

use std::path::PathBuf;

pub use cli::{load_from_args, usage, version_text, Loaded};
pub use cpus::{allowed_cpu_list, available_cpus, cgroup1_cpus, cgroup2_cpus};
pub use file::{ConfigError, TESSERA_VERSION};
pub use sample::sample_config;
pub use table::{directives, Directive, Kind, Mutability};

/// The typed configuration. Fields are named after their directives; the
/// directive table in `table.rs` says how each is parsed and shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub port: u16,
    /// Addresses to listen on. A leading `-` marks an address that may be
    /// missing on this host (Redis's `-::1` form); see [`Config::bind_addrs`].
    pub bind: Vec<String>,
    pub databases: usize,
    pub dir: PathBuf,
    /// Number of shards (one per core); `None` means use the CPUs available.
    pub shards: Option<usize>,
    /// Whether each shard's thread is pinned to its own CPU.
    pub shard_affinity: bool,
    /// Whether a connection whose commands keep going to one other shard
    /// moves to that shard (see the runtime's `conn.rs`).
    pub migrate_connections: bool,
    /// One of debug, verbose, notice, warning (always lower case).
    pub loglevel: String,
    pub requirepass: Option<String>,
    pub proto_max_bulk_len: u64,
    pub client_query_buffer_limit: u64,
    pub maxclients: u64,
    pub timeout: u64,
    pub tcp_keepalive: u64,
    pub hz: u64,
    pub slowlog_log_slower_than: i64,
    pub slowlog_max_len: u64,
    /// The config file this configuration was read from, as an absolute
    /// path; CONFIG REWRITE writes back to it. Not a directive.
    pub config_file: Option<String>,

    pub protected_mode: bool,
    /// Log file path; empty means standard output.
    pub logfile: String,
    /// Always false: Tessera does not fork into the background.
    pub daemonize: bool,
    /// Where to write the process id; empty means nowhere.
    pub pidfile: String,
    pub tcp_backlog: u64,
    pub unixsocket: String,
    pub client_output_buffer_limit: OutputBufferLimits,
    pub latency_monitor_threshold: u64,
    /// Keyspace notification classes in Redis's canonical form (as CONFIG GET
    /// shows them, e.g. `AKE`); empty means notifications are off.
    pub notify_keyspace_events: String,
    /// Snapshot rules; always empty until snapshots exist.
    pub save: Vec<SaveRule>,
    pub dbfilename: String,
    /// Always false until the append-only file exists.
    pub appendonly: bool,
    pub appendfsync: AppendFsync,
    pub appendfilename: String,
    pub appenddirname: String,
    /// Always 0 until eviction exists.
    pub maxmemory: u64,
    /// Always `noeviction` until eviction exists.
    pub maxmemory_policy: String,
    /// Always false: Tessera has no cluster mode.
    pub cluster_enabled: bool,
    pub list_max_listpack_size: i64,
    pub list_compress_depth: u64,
    pub hash_max_listpack_entries: u64,
    pub hash_max_listpack_value: u64,
    pub set_max_intset_entries: u64,
    pub set_max_listpack_entries: u64,
    pub zset_max_listpack_entries: u64,
    pub zset_max_listpack_value: u64,
    pub stream_node_max_bytes: u64,
    pub stream_node_max_entries: u64,
    pub hll_sparse_max_bytes: u64,
    pub busy_reply_threshold: u64,
    pub activerehashing: bool,
    pub dynamic_hz: bool,
    /// One of no, yes, local.
    pub enable_debug_command: String,
    pub io_threads: u64,
}

/// Output buffer limits of one client class: a hard limit in bytes, and a
/// soft limit in bytes that may be exceeded for at most `soft_seconds`.
/// Zero disables a limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputBufferLimit {
    pub hard: u64,
    pub soft: u64,
    pub soft_seconds: u64,
}

/// `client-output-buffer-limit` for the three client classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputBufferLimits {
    pub normal: OutputBufferLimit,
    pub replica: OutputBufferLimit,
    pub pubsub: OutputBufferLimit,
}

/// One `save <seconds> <changes>` rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaveRule {
    pub seconds: u64,
    pub changes: u64,
}

/// The `appendfsync` policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendFsync {
    Always,
    Everysec,
    No,
}

impl AppendFsync {
    pub fn as_str(self) -> &'static str {
        match self {
            AppendFsync::Always => "always",
            AppendFsync::Everysec => "everysec",
            AppendFsync::No => "no",
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        let limit = |hard, soft, soft_seconds| OutputBufferLimit {
            hard,
            soft,
            soft_seconds,
        };
        Config {
            port: 6379,
            bind: vec!["127.0.0.1".into()],
            databases: 16,
            dir: PathBuf::from("."),
            shards: None,
            shard_affinity: true,
            migrate_connections: true,
            loglevel: "notice".into(),
            requirepass: None,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            maxclients: 10000,
            timeout: 0,
            tcp_keepalive: 300,
            hz: 10,
            slowlog_log_slower_than: 10000,
            slowlog_max_len: 128,
            config_file: None,
            protected_mode: true,
            logfile: String::new(),
            daemonize: false,
            pidfile: String::new(),
            tcp_backlog: 511,
            unixsocket: String::new(),
            client_output_buffer_limit: OutputBufferLimits {
                normal: limit(0, 0, 0),
                replica: limit(256 << 20, 64 << 20, 60),
                pubsub: limit(32 << 20, 8 << 20, 60),
            },
            latency_monitor_threshold: 0,
            notify_keyspace_events: String::new(),
            save: Vec::new(),
            dbfilename: "dump.rdb".into(),
            appendonly: false,
            appendfsync: AppendFsync::Everysec,
            appendfilename: "appendonly.aof".into(),
            appenddirname: "appendonlydir".into(),
            maxmemory: 0,
            maxmemory_policy: "noeviction".into(),
            cluster_enabled: false,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            set_max_listpack_entries: 128,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            stream_node_max_bytes: 4096,
            stream_node_max_entries: 100,
            hll_sparse_max_bytes: 3000,
            busy_reply_threshold: 5000,
            activerehashing: true,
            dynamic_hz: true,
            enable_debug_command: "no".into(),
            io_threads: 1,
        }
    }
}

impl Config {
    /// The number of shards to run: the `shards` directive, or the CPUs this
    /// process may use when it was left at `auto`.
    pub fn shard_count(&self) -> usize {
        self.shards.unwrap_or_else(available_cpus)
    }

    /// The `bind` addresses with their optional flag: `-::1` becomes
    /// `("::1", true)`, meaning a failure to bind it is not fatal.
    pub fn bind_addrs(&self) -> Vec<(String, bool)> {
        self.bind
            .iter()
            .map(|a| match a.strip_prefix('-') {
                Some(rest) => (rest.to_string(), true),
                None => (a.clone(), false),
            })
            .collect()
    }
}
