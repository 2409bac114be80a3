//! The directive table: one declarative entry per directive (name, aliases,
//! type, default, runtime mutability, accessors), and CONFIG GET / CONFIG SET
//! built on it. Adding a directive means adding one entry here and a field to
//! `Config`; nothing else matches on directive names. No file or socket I/O.

use crate::syntax::{glob_match, is_pattern, parse_memory, parse_strict_i64};
use crate::{AppendFsync, Config, OutputBufferLimit, OutputBufferLimits};
use std::path::PathBuf;

/// Whether CONFIG SET may change a directive while the server runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutability {
    Mutable,
    /// Only settable at start-up (file or command line).
    Immutable,
    /// Redis's "protected" configs (paths the server writes to): refused at
    /// runtime, with Redis's own error text, because a client able to change
    /// them could make the server write files anywhere.
    Protected,
}

type Setter<T> = fn(&mut Config, T) -> Result<(), String>;

/// A directive's value type with its accessors. Every single-valued kind
/// takes exactly one argument in a config file; `Special` kinds validate
/// their own argument lists.
#[derive(Clone, Copy)]
pub enum Kind {
    /// `yes` or `no`, case-insensitive.
    Bool {
        get: fn(&Config) -> bool,
        set: Setter<bool>,
    },
    /// A strict integer in `min..=max`; with `memory` set, a size with units
    /// (`512mb`, `1gb`, `100k`) that CONFIG GET shows in bytes.
    Int {
        min: i128,
        max: i128,
        memory: bool,
        get: fn(&Config) -> i128,
        set: Setter<i128>,
    },
    /// One of a fixed list of words, case-insensitive; stored lower case.
    Enum {
        values: &'static [&'static str],
        get: fn(&Config) -> String,
        set: Setter<&'static str>,
    },
    /// Free text.
    Str {
        get: fn(&Config) -> String,
        set: fn(&mut Config, &str) -> Result<(), String>,
    },
    /// Anything else: several arguments in a file (`bind a b`, `save 900 1`,
    /// `client-output-buffer-limit normal 0 0 0`), one space-separated string
    /// in CONFIG SET. `file_lines` gives the argument lists that recreate the
    /// current value in a config file, one list per line.
    Special {
        get: fn(&Config) -> String,
        set: fn(&mut Config, &[String]) -> Result<(), String>,
        file_lines: fn(&Config) -> Vec<Vec<String>>,
    },
}

/// One directive of the table.
#[derive(Clone, Copy)]
pub struct Directive {
    /// Canonical name, lower case.
    pub name: &'static str,
    /// Other accepted names (Redis's historical ones).
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    /// Default value in config-file syntax (what `config/tessera.conf`
    /// shows); a table test checks it agrees with `Config::default()`.
    pub default: &'static str,
    pub mutability: Mutability,
    /// One line in our own words, used for the annotated sample config.
    pub summary: &'static str,
}

fn ok() -> Result<(), String> {
    Ok(())
}

const LOGLEVELS: &[&str] = &["debug", "verbose", "notice", "warning"];
const FSYNC: &[&str] = &["everysec", "always", "no"];
const POLICIES: &[&str] = &[
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
];
const DEBUG_COMMAND: &[&str] = &["no", "yes", "local"];
const I32_MAX: i128 = i32::MAX as i128;
const I64_MAX: i128 = i64::MAX as i128;

/// Shorthand for the many plain mutable integer directives.
macro_rules! int {
    ($min:expr, $max:expr, $memory:expr, $field:ident) => {
        Kind::Int {
            min: $min,
            max: $max,
            memory: $memory,
            get: |c| c.$field as i128,
            set: |c, v| {
                c.$field = v as _;
                ok()
            },
        }
    };
}

macro_rules! boolean {
    ($field:ident) => {
        Kind::Bool {
            get: |c| c.$field,
            set: |c, v| {
                c.$field = v;
                ok()
            },
        }
    };
}

macro_rules! text {
    ($field:ident) => {
        Kind::Str {
            get: |c| c.$field.clone(),
            set: |c, v| {
                c.$field = v.to_string();
                ok()
            },
        }
    };
}

use Mutability::{Immutable, Mutable, Protected};

static TABLE: &[Directive] = &[
    Directive {
        name: "port",
        aliases: &[],
        kind: int!(0, 65535, false, port),
        default: "6379",
        // Redis can move its listener at runtime; Tessera's listeners are one
        // per shard, so the port is fixed for the life of the process.
        mutability: Immutable,
        summary: "TCP port to accept clients on (0 disables TCP).",
    },
    Directive {
        name: "bind",
        aliases: &[],
        kind: Kind::Special {
            get: |c| c.bind.join(" "),
            set: set_bind,
            file_lines: |c| vec![c.bind.clone()],
        },
        default: "127.0.0.1",
        mutability: Immutable,
        summary: "Addresses to listen on; a leading '-' (as in -::1) means skip it if the host lacks it.",
    },
    Directive {
        name: "protected-mode",
        aliases: &[],
        kind: boolean!(protected_mode),
        default: "yes",
        mutability: Mutable,
        summary: "Refuse non-loopback clients when no password is set.",
    },
    Directive {
        name: "unixsocket",
        aliases: &[],
        kind: Kind::Str {
            get: |c| c.unixsocket.clone(),
            set: |c, v| {
                if !v.is_empty() {
                    return Err("unix sockets are not supported yet; leave unixsocket empty".into());
                }
                c.unixsocket = String::new();
                ok()
            },
        },
        default: "\"\"",
        mutability: Immutable,
        summary: "Unix socket path; only the empty value (no socket) is accepted today.",
    },
    Directive {
        name: "tcp-backlog",
        aliases: &[],
        kind: int!(0, I32_MAX, false, tcp_backlog),
        default: "511",
        mutability: Immutable,
        summary: "Length of the kernel's queue of connections not yet accepted.",
    },
    Directive {
        name: "timeout",
        aliases: &[],
        kind: int!(0, I32_MAX, false, timeout),
        default: "0",
        mutability: Mutable,
        summary: "Close a client idle for this many seconds (0 never does).",
    },
    Directive {
        name: "tcp-keepalive",
        aliases: &[],
        kind: int!(0, I32_MAX, false, tcp_keepalive),
        default: "300",
        mutability: Mutable,
        summary: "Seconds between TCP keepalive probes on client sockets (0 turns them off).",
    },
    Directive {
        name: "daemonize",
        aliases: &[],
        kind: Kind::Bool {
            get: |c| c.daemonize,
            set: |c, v| {
                if v {
                    return Err("daemonize yes is not supported: Tessera runs in the foreground; \
                                use a supervisor such as systemd to run it in the background"
                        .into());
                }
                c.daemonize = false;
                ok()
            },
        },
        default: "no",
        mutability: Immutable,
        summary: "Must be no: Tessera stays in the foreground (use a supervisor to background it).",
    },
    Directive {
        name: "pidfile",
        aliases: &[],
        kind: text!(pidfile),
        default: "\"\"",
        mutability: Immutable,
        summary: "File to write the process id to at start-up (empty: none).",
    },
    Directive {
        name: "loglevel",
        aliases: &[],
        kind: Kind::Enum {
            values: LOGLEVELS,
            get: |c| c.loglevel.clone(),
            set: |c, v| {
                c.loglevel = v.to_string();
                ok()
            },
        },
        default: "notice",
        mutability: Mutable,
        summary: "How much to log: debug, verbose, notice or warning.",
    },
    Directive {
        name: "logfile",
        aliases: &[],
        kind: text!(logfile),
        default: "\"\"",
        mutability: Immutable,
        summary: "File to append the log to; empty means standard output.",
    },
    Directive {
        name: "databases",
        aliases: &[],
        kind: int!(1, I32_MAX, false, databases),
        default: "16",
        mutability: Immutable,
        summary: "Number of logical databases (SELECT 0 to N-1).",
    },
    Directive {
        name: "shards",
        aliases: &[],
        kind: Kind::Special {
            get: |c| c.shard_count().to_string(),
            set: set_shards,
            file_lines: |c| {
                vec![vec![c.shards.map_or("auto".to_string(), |n| n.to_string())]]
            },
        },
        default: "auto",
        mutability: Immutable,
        summary: "Tessera only: number of shards, one thread each; auto means one per usable CPU.",
    },
    Directive {
        name: "shard-affinity",
        aliases: &[],
        kind: boolean!(shard_affinity),
        default: "yes",
        mutability: Immutable,
        summary: "Tessera only: pin each shard's thread to its own CPU; say no when other busy processes (a load generator, other pods) share these CPUs.",
    },
    Directive {
        name: "migrate-connections",
        aliases: &[],
        kind: boolean!(migrate_connections),
        default: "yes",
        mutability: Mutable,
        summary: "Tessera only: move a connection to the shard its keys live on when its commands keep going to that one other shard, saving a hop per command.",
    },
    Directive {
        name: "dir",
        aliases: &[],
        kind: Kind::Str {
            get: |c| display_dir(&c.dir),
            set: |c, v| {
                c.dir = PathBuf::from(v);
                ok()
            },
        },
        default: "./",
        mutability: Protected,
        summary: "Working directory for data files; the server creates it at start-up if missing.",
    },
    Directive {
        name: "requirepass",
        aliases: &[],
        kind: Kind::Str {
            get: |c| c.requirepass.clone().unwrap_or_default(),
            set: |c, v| {
                c.requirepass = (!v.is_empty()).then(|| v.to_string());
                ok()
            },
        },
        default: "\"\"",
        mutability: Mutable,
        summary: "Password the default user must AUTH with; empty means no password.",
    },
    Directive {
        name: "maxclients",
        aliases: &[],
        kind: int!(1, u32::MAX as i128, false, maxclients),
        default: "10000",
        mutability: Mutable,
        summary: "Most clients connected at once; more are refused with an error.",
    },
    Directive {
        name: "proto-max-bulk-len",
        aliases: &[],
        kind: int!(1024 * 1024, I64_MAX, true, proto_max_bulk_len),
        default: "512mb",
        mutability: Mutable,
        summary: "Largest single bulk string a client may send.",
    },
    Directive {
        name: "client-query-buffer-limit",
        aliases: &[],
        kind: int!(1024 * 1024, I64_MAX, true, client_query_buffer_limit),
        default: "1gb",
        mutability: Mutable,
        summary: "Largest unparsed input a client may have buffered before it is disconnected.",
    },
    Directive {
        name: "client-output-buffer-limit",
        aliases: &[],
        kind: Kind::Special {
            get: format_output_limits,
            set: set_output_limits,
            file_lines: output_limit_lines,
        },
        default: "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60",
        mutability: Mutable,
        summary: "Per class (normal, replica, pubsub): hard limit, soft limit and seconds over soft before disconnect.",
    },
    Directive {
        name: "hz",
        aliases: &[],
        kind: Kind::Int {
            min: 0,
            max: I32_MAX,
            memory: false,
            get: |c| c.hz as i128,
            // Redis accepts any non-negative value and quietly keeps it
            // within 1..=500; CONFIG GET then shows the clamped value.
            set: |c, v| {
                c.hz = v.clamp(1, 500) as u64;
                ok()
            },
        },
        default: "10",
        mutability: Mutable,
        summary: "Background task frequency per second (expiry sampling, timeouts); kept within 1..500.",
    },
    Directive {
        name: "dynamic-hz",
        aliases: &[],
        kind: boolean!(dynamic_hz),
        default: "yes",
        mutability: Mutable,
        summary: "Raise the background frequency when many clients are connected.",
    },
    Directive {
        name: "activerehashing",
        aliases: &[],
        kind: boolean!(activerehashing),
        default: "yes",
        mutability: Mutable,
        summary: "Spend background time finishing hash table resizes.",
    },
    Directive {
        name: "slowlog-log-slower-than",
        aliases: &[],
        kind: int!(-1, I64_MAX, false, slowlog_log_slower_than),
        default: "10000",
        mutability: Mutable,
        summary: "Log commands slower than this many microseconds (-1 disables, 0 logs all).",
    },
    Directive {
        name: "slowlog-max-len",
        aliases: &[],
        kind: int!(0, I64_MAX, false, slowlog_max_len),
        default: "128",
        mutability: Mutable,
        summary: "Entries kept in the slow log.",
    },
    Directive {
        name: "latency-monitor-threshold",
        aliases: &[],
        kind: int!(0, I64_MAX, false, latency_monitor_threshold),
        default: "0",
        mutability: Mutable,
        summary: "Record events slower than this many milliseconds (0 turns the monitor off).",
    },
    Directive {
        name: "busy-reply-threshold",
        aliases: &["lua-time-limit"],
        kind: int!(0, I64_MAX, false, busy_reply_threshold),
        default: "5000",
        mutability: Mutable,
        summary: "Milliseconds a script may run before other clients get BUSY replies.",
    },
    Directive {
        name: "notify-keyspace-events",
        aliases: &[],
        kind: Kind::Str {
            // The stored value keeps every class, `n` included; only what
            // CONFIG GET shows hides `n` behind `A`, as Redis's does.
            get: |c| {
                format_keyspace_events(parse_keyspace_events(&c.notify_keyspace_events).unwrap_or(0))
            },
            set: |c, v| {
                let flags = parse_keyspace_events(v).ok_or_else(|| {
                    "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".to_string()
                })?;
                let mut stored = format_keyspace_events(flags);
                if flags & EV_ALL == EV_ALL && flags & EV_NEW != 0 {
                    stored.push('n');
                }
                c.notify_keyspace_events = stored;
                ok()
            },
        },
        default: "\"\"",
        mutability: Mutable,
        summary: "Keyspace notification classes to publish (letters as in Redis); empty disables them.",
    },
    Directive {
        name: "save",
        aliases: &[],
        kind: Kind::Special {
            get: |c| {
                c.save
                    .iter()
                    .map(|r| format!("{} {}", r.seconds, r.changes))
                    .collect::<Vec<_>>()
                    .join(" ")
            },
            set: set_save,
            file_lines: |c| {
                if c.save.is_empty() {
                    return vec![vec![String::new()]];
                }
                c.save
                    .iter()
                    .map(|r| vec![r.seconds.to_string(), r.changes.to_string()])
                    .collect()
            },
        },
        default: "\"\"",
        mutability: Mutable,
        summary: "Snapshot rules; only \"\" (no snapshots) is accepted until snapshots exist.",
    },
    Directive {
        name: "dbfilename",
        aliases: &[],
        kind: text!(dbfilename),
        default: "dump.rdb",
        mutability: Protected,
        summary: "File name of the snapshot inside dir.",
    },
    Directive {
        name: "appendonly",
        aliases: &[],
        kind: Kind::Bool {
            get: |c| c.appendonly,
            set: |c, v| {
                if v {
                    return Err("appendonly yes is not supported yet: the append-only file \
                                comes in a later release; use appendonly no"
                        .into());
                }
                c.appendonly = false;
                ok()
            },
        },
        default: "no",
        mutability: Mutable,
        summary: "Log every write to the append-only file; must be no until it exists.",
    },
    Directive {
        name: "appendfsync",
        aliases: &[],
        kind: Kind::Enum {
            values: FSYNC,
            get: |c| c.appendfsync.as_str().to_string(),
            set: |c, v| {
                c.appendfsync = match v {
                    "always" => AppendFsync::Always,
                    "no" => AppendFsync::No,
                    _ => AppendFsync::Everysec,
                };
                ok()
            },
        },
        default: "everysec",
        mutability: Mutable,
        summary: "When the append-only file is flushed to disk: always, everysec or no.",
    },
    Directive {
        name: "appendfilename",
        aliases: &[],
        kind: text!(appendfilename),
        default: "appendonly.aof",
        mutability: Immutable,
        summary: "Base name of the append-only files.",
    },
    Directive {
        name: "appenddirname",
        aliases: &[],
        kind: text!(appenddirname),
        default: "appendonlydir",
        mutability: Immutable,
        summary: "Directory inside dir that holds the append-only files.",
    },
    Directive {
        name: "maxmemory",
        aliases: &[],
        kind: Kind::Int {
            min: 0,
            max: u64::MAX as i128,
            memory: true,
            get: |c| c.maxmemory as i128,
            set: |c, v| {
                if v != 0 {
                    return Err("maxmemory is not supported yet: eviction comes in a later \
                                release; use maxmemory 0"
                        .into());
                }
                c.maxmemory = 0;
                ok()
            },
        },
        default: "0",
        mutability: Mutable,
        summary: "Memory limit for data; must be 0 (no limit) until eviction exists.",
    },
    Directive {
        name: "maxmemory-policy",
        aliases: &[],
        kind: Kind::Enum {
            values: POLICIES,
            get: |c| c.maxmemory_policy.clone(),
            set: |c, v| {
                if v != "noeviction" {
                    return Err(format!(
                        "maxmemory-policy {v} is not supported yet: eviction comes in a later \
                         release; use noeviction"
                    ));
                }
                c.maxmemory_policy = v.to_string();
                ok()
            },
        },
        default: "noeviction",
        mutability: Mutable,
        summary: "What to do at the memory limit; only noeviction is accepted today.",
    },
    Directive {
        name: "replicaof",
        aliases: &["slaveof"],
        kind: Kind::Special {
            get: |_| String::new(),
            set: set_replicaof,
            file_lines: |_| Vec::new(),
        },
        default: "no one",
        mutability: Immutable,
        summary: "Replicate another server; only 'no one' is accepted until replication exists.",
    },
    Directive {
        name: "cluster-enabled",
        aliases: &[],
        kind: Kind::Bool {
            get: |c| c.cluster_enabled,
            set: |c, v| {
                if v {
                    return Err("cluster-enabled yes is not supported: Tessera shards inside \
                                one process and has no cluster mode"
                        .into());
                }
                c.cluster_enabled = false;
                ok()
            },
        },
        default: "no",
        mutability: Immutable,
        summary: "Must be no: Tessera has no cluster mode.",
    },
    Directive {
        name: "io-threads",
        aliases: &[],
        kind: int!(1, 128, false, io_threads),
        default: "1",
        mutability: Immutable,
        summary: "Accepted for compatibility and ignored: every shard thread does its own I/O.",
    },
    Directive {
        name: "enable-debug-command",
        aliases: &[],
        kind: Kind::Enum {
            values: DEBUG_COMMAND,
            get: |c| c.enable_debug_command.clone(),
            set: |c, v| {
                c.enable_debug_command = v.to_string();
                ok()
            },
        },
        default: "no",
        mutability: Immutable,
        summary: "Allow the DEBUG command: no, yes, or local (loopback clients only).",
    },
    Directive {
        name: "list-max-listpack-size",
        aliases: &["list-max-ziplist-size"],
        kind: int!(i32::MIN as i128, I32_MAX, false, list_max_listpack_size),
        default: "-2",
        mutability: Mutable,
        summary: "Size of each list node: positive counts entries, -1..-5 mean 4kb..64kb.",
    },
    Directive {
        name: "list-compress-depth",
        aliases: &[],
        kind: int!(0, I32_MAX, false, list_compress_depth),
        default: "0",
        mutability: Mutable,
        summary: "List nodes at each end kept uncompressed (0 disables compression).",
    },
    Directive {
        name: "hash-max-listpack-entries",
        aliases: &["hash-max-ziplist-entries"],
        kind: int!(0, I64_MAX, false, hash_max_listpack_entries),
        default: "512",
        mutability: Mutable,
        summary: "Hashes with at most this many fields use the compact encoding.",
    },
    Directive {
        name: "hash-max-listpack-value",
        aliases: &["hash-max-ziplist-value"],
        kind: int!(0, I64_MAX, true, hash_max_listpack_value),
        default: "64",
        mutability: Mutable,
        summary: "Hashes whose fields and values are all this short use the compact encoding.",
    },
    Directive {
        name: "set-max-intset-entries",
        aliases: &[],
        kind: int!(0, I64_MAX, false, set_max_intset_entries),
        default: "512",
        mutability: Mutable,
        summary: "Sets of integers with at most this many members use the integer-array encoding.",
    },
    Directive {
        name: "set-max-listpack-entries",
        aliases: &[],
        kind: int!(0, I64_MAX, false, set_max_listpack_entries),
        default: "128",
        mutability: Mutable,
        summary: "Small non-integer sets up to this many members use the compact encoding.",
    },
    Directive {
        name: "zset-max-listpack-entries",
        aliases: &["zset-max-ziplist-entries"],
        kind: int!(0, I64_MAX, false, zset_max_listpack_entries),
        default: "128",
        mutability: Mutable,
        summary: "Sorted sets with at most this many members use the compact encoding.",
    },
    Directive {
        name: "zset-max-listpack-value",
        aliases: &["zset-max-ziplist-value"],
        kind: int!(0, I64_MAX, true, zset_max_listpack_value),
        default: "64",
        mutability: Mutable,
        summary: "Sorted sets whose members are all this short use the compact encoding.",
    },
    Directive {
        name: "stream-node-max-bytes",
        aliases: &[],
        kind: int!(0, I64_MAX, true, stream_node_max_bytes),
        default: "4kb",
        mutability: Mutable,
        summary: "Largest stream node in bytes before a new one starts (0: no limit).",
    },
    Directive {
        name: "stream-node-max-entries",
        aliases: &[],
        kind: int!(0, I64_MAX, false, stream_node_max_entries),
        default: "100",
        mutability: Mutable,
        summary: "Most entries in one stream node before a new one starts (0: no limit).",
    },
    Directive {
        name: "hll-sparse-max-bytes",
        aliases: &[],
        kind: int!(0, I64_MAX, true, hll_sparse_max_bytes),
        default: "3000",
        mutability: Mutable,
        summary: "HyperLogLogs switch from the sparse to the dense form above this size.",
    },
];

/// Every directive, in table order.
pub fn directives() -> &'static [Directive] {
    TABLE
}

/// Finds a directive by name or alias, case-insensitively.
pub fn lookup(name: &str) -> Option<&'static Directive> {
    lookup_spelling(name).map(|(d, _)| d)
}

/// Like [`lookup`], also returning the table's spelling of the name that
/// matched (the canonical name or one alias), which Redis quotes in CONFIG
/// SET errors.
fn lookup_spelling(name: &str) -> Option<(&'static Directive, &'static str)> {
    TABLE.iter().find_map(|d| {
        std::iter::once(&d.name)
            .chain(d.aliases)
            .find(|n| n.eq_ignore_ascii_case(name))
            .map(|n| (d, *n))
    })
}

impl Directive {
    /// The value as CONFIG GET shows it.
    pub fn get(&self, c: &Config) -> String {
        match self.kind {
            Kind::Bool { get, .. } => yes_no(get(c)).to_string(),
            Kind::Int { get, .. } => get(c).to_string(),
            Kind::Enum { get, .. } | Kind::Str { get, .. } | Kind::Special { get, .. } => get(c),
        }
    }

    /// Parses and stores `args` (the words after the directive name). The
    /// error is Redis's reason text, without the "ERR" or line context.
    pub fn apply(&self, c: &mut Config, args: &[String]) -> Result<(), String> {
        let one = || match args {
            [value] => Ok(value.as_str()),
            _ => Err("wrong number of arguments".to_string()),
        };
        match self.kind {
            Kind::Bool { set, .. } => {
                let value = one()?;
                if value.eq_ignore_ascii_case("yes") {
                    set(c, true)
                } else if value.eq_ignore_ascii_case("no") {
                    set(c, false)
                } else {
                    Err("argument must be 'yes' or 'no'".into())
                }
            }
            Kind::Int {
                min,
                max,
                memory,
                set,
                ..
            } => {
                let value = one()?;
                let n: i128 = if memory {
                    parse_memory(value).ok_or("argument must be a memory value")? as i128
                } else {
                    parse_strict_i64(value).ok_or("argument couldn't be parsed into an integer")?
                        as i128
                };
                if n < min || n > max {
                    return Err(format!(
                        "argument must be between {min} and {max} inclusive"
                    ));
                }
                set(c, n)
            }
            Kind::Enum { values, set, .. } => {
                let value = one()?;
                match values.iter().find(|v| v.eq_ignore_ascii_case(value)) {
                    Some(v) => set(c, v),
                    None => Err(format!(
                        "argument(s) must be one of the following: {}",
                        values.join(", ")
                    )),
                }
            }
            Kind::Str { set, .. } => set(c, one()?),
            Kind::Special { set, .. } => set(c, args),
        }
    }

    /// Argument lists that recreate the current value in a config file, one
    /// list per line (usually one line with one value).
    pub fn file_lines(&self, c: &Config) -> Vec<Vec<String>> {
        match self.kind {
            Kind::Special { file_lines, .. } => file_lines(c),
            Kind::Str { .. } if self.name == "dir" => vec![vec![c.dir.display().to_string()]],
            _ => vec![vec![self.get(c)]],
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Redis shows `dir` as an absolute path (it has chdir'ed into it); Tessera
/// does not change its working directory, so it resolves a relative path
/// against the current one for display.
fn display_dir(dir: &std::path::Path) -> String {
    if dir.is_absolute() {
        return dir.display().to_string();
    }
    match std::env::current_dir() {
        Ok(cwd) => {
            let joined = cwd.join(dir);
            std::fs::canonicalize(&joined)
                .unwrap_or(joined)
                .display()
                .to_string()
        }
        Err(_) => dir.display().to_string(),
    }
}

fn set_bind(c: &mut Config, args: &[String]) -> Result<(), String> {
    // CONFIG SET bind "" would leave the server with no listener; Redis allows
    // it, Tessera refuses because its port is not movable at runtime either.
    let addrs: Vec<String> = args.iter().filter(|a| !a.is_empty()).cloned().collect();
    if addrs.is_empty() {
        return Err("wrong number of arguments".into());
    }
    if addrs.len() > 16 {
        return Err("Too many bind addresses specified.".into());
    }
    c.bind = addrs;
    ok()
}

fn set_shards(c: &mut Config, args: &[String]) -> Result<(), String> {
    let [value] = args else {
        return Err("wrong number of arguments".into());
    };
    if value.eq_ignore_ascii_case("auto") || value == "0" {
        c.shards = None;
        return ok();
    }
    let n = parse_strict_i64(value).ok_or("argument must be 'auto' or a number of shards")?;
    if !(1..=1024).contains(&n) {
        return Err("argument must be between 1 and 1024 inclusive, or 'auto'".into());
    }
    c.shards = Some(n as usize);
    ok()
}

fn set_save(c: &mut Config, args: &[String]) -> Result<(), String> {
    // `save ""` clears the rules; a blank word anywhere else is an error.
    if args.is_empty() {
        return Err("wrong number of arguments".into());
    }
    if args.len() == 1 && args[0].is_empty() {
        c.save.clear();
        return ok();
    }
    if !args.len().is_multiple_of(2) {
        return Err("Invalid save parameters".into());
    }
    for pair in args.chunks(2) {
        let seconds = parse_strict_i64(&pair[0]).filter(|n| *n >= 1);
        let changes = parse_strict_i64(&pair[1]).filter(|n| *n >= 0);
        if seconds.is_none() || changes.is_none() {
            return Err("Invalid save parameters".into());
        }
    }
    // The rules are well formed, but nothing could honour them yet; the
    // field stays empty so `save` keeps meaning "no snapshots".
    Err("snapshots are not supported yet; use save \"\"".into())
}

fn set_replicaof(c: &mut Config, args: &[String]) -> Result<(), String> {
    let _ = c;
    match args {
        [a, b] if a.eq_ignore_ascii_case("no") && b.eq_ignore_ascii_case("one") => ok(),
        [_, _] => Err("replication is not supported yet; use replicaof no one".into()),
        _ => Err("wrong number of arguments".into()),
    }
}

fn format_output_limits(c: &Config) -> String {
    let l = &c.client_output_buffer_limit;
    let one = |name: &str, x: &OutputBufferLimit| {
        format!("{name} {} {} {}", x.hard, x.soft, x.soft_seconds)
    };
    // Redis names the replica class "slave" in this output.
    format!(
        "{} {} {}",
        one("normal", &l.normal),
        one("slave", &l.replica),
        one("pubsub", &l.pubsub)
    )
}

fn output_limit_lines(c: &Config) -> Vec<Vec<String>> {
    let l = &c.client_output_buffer_limit;
    [
        ("normal", l.normal),
        ("replica", l.replica),
        ("pubsub", l.pubsub),
    ]
    .into_iter()
    .map(|(name, x)| {
        vec![
            name.to_string(),
            x.hard.to_string(),
            x.soft.to_string(),
            x.soft_seconds.to_string(),
        ]
    })
    .collect()
}

fn set_output_limits(c: &mut Config, args: &[String]) -> Result<(), String> {
    let words: Vec<&String> = args.iter().filter(|a| !a.is_empty()).collect();
    if words.is_empty() && !args.is_empty() {
        // CONFIG SET client-output-buffer-limit "" changes nothing, as in Redis.
        return ok();
    }
    if words.is_empty() || !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    // Validate every group before changing anything, so a bad second group
    // leaves the first untouched.
    let mut new: OutputBufferLimits = c.client_output_buffer_limit;
    for g in words.chunks(4) {
        let class = g[0].to_ascii_lowercase();
        let hard = parse_memory(g[1]);
        let soft = parse_memory(g[2]);
        let secs = parse_strict_i64(g[3]).filter(|n| *n >= 0);
        let slot = match class.as_str() {
            "normal" => &mut new.normal,
            "replica" | "slave" => &mut new.replica,
            "pubsub" => &mut new.pubsub,
            _ => {
                return Err("Invalid client class specified in buffer limit configuration.".into())
            }
        };
        match (hard, soft, secs) {
            (Some(hard), Some(soft), Some(secs)) => {
                *slot = OutputBufferLimit {
                    hard,
                    soft,
                    soft_seconds: secs as u64,
                }
            }
            _ => {
                return Err(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .into(),
                )
            }
        }
    }
    c.client_output_buffer_limit = new;
    ok()
}

// Keyspace event classes. `ALL` is what the letter `A` stands for; it does
// not include key-miss (`m`) or new-key (`n`) events.
const EV_GENERIC: u32 = 1 << 0;
const EV_STRING: u32 = 1 << 1;
const EV_LIST: u32 = 1 << 2;
const EV_SET: u32 = 1 << 3;
const EV_HASH: u32 = 1 << 4;
const EV_ZSET: u32 = 1 << 5;
const EV_EXPIRED: u32 = 1 << 6;
const EV_EVICTED: u32 = 1 << 7;
const EV_STREAM: u32 = 1 << 8;
const EV_MODULE: u32 = 1 << 9;
const EV_NEW: u32 = 1 << 10;
const EV_KEYSPACE: u32 = 1 << 11;
const EV_KEYEVENT: u32 = 1 << 12;
const EV_MISS: u32 = 1 << 13;
const EV_ALL: u32 = EV_GENERIC
    | EV_STRING
    | EV_LIST
    | EV_SET
    | EV_HASH
    | EV_ZSET
    | EV_EXPIRED
    | EV_EVICTED
    | EV_STREAM
    | EV_MODULE;

/// Class letters in the order CONFIG GET prints them.
const EV_LETTERS: &[(u8, u32)] = &[
    (b'g', EV_GENERIC),
    (b'$', EV_STRING),
    (b'l', EV_LIST),
    (b's', EV_SET),
    (b'h', EV_HASH),
    (b'z', EV_ZSET),
    (b'x', EV_EXPIRED),
    (b'e', EV_EVICTED),
    (b't', EV_STREAM),
    (b'd', EV_MODULE),
    (b'n', EV_NEW),
];

fn parse_keyspace_events(s: &str) -> Option<u32> {
    let mut flags = 0;
    for b in s.bytes() {
        flags |= match b {
            b'A' => EV_ALL,
            b'K' => EV_KEYSPACE,
            b'E' => EV_KEYEVENT,
            b'm' => EV_MISS,
            _ => EV_LETTERS.iter().find(|(l, _)| *l == b)?.1,
        };
    }
    Some(flags)
}

fn format_keyspace_events(flags: u32) -> String {
    let mut s = String::new();
    if flags & EV_ALL == EV_ALL {
        // Redis prints `A` alone for the full set, which also hides `n`.
        s.push('A');
    } else {
        for (letter, bit) in EV_LETTERS {
            if flags & bit != 0 {
                s.push(*letter as char);
            }
        }
    }
    for (letter, bit) in [('K', EV_KEYSPACE), ('E', EV_KEYEVENT), ('m', EV_MISS)] {
        if flags & bit != 0 {
            s.push(letter);
        }
    }
    s
}

impl Config {
    /// CONFIG GET with one pattern: see [`Config::get_many`].
    pub fn get(&self, pattern: &str) -> Vec<(String, String)> {
        self.get_many(&[pattern])
    }

    /// CONFIG GET with several patterns. A pattern with `*`, `?` or `[`
    /// matches names and aliases case-insensitively; a plain name is looked up
    /// directly and echoed back as the client spelled it (Redis does the
    /// same). Each name appears once, the first time a pattern matches it,
    /// and matches of a glob come in table order (Redis's order is its hash
    /// table's, i.e. unspecified).
    pub fn get_many<S: AsRef<str>>(&self, patterns: &[S]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let mut push = |shown: String, value: String, out: &mut Vec<(String, String)>| {
            let key = shown.to_ascii_lowercase();
            if !seen.contains(&key) {
                seen.push(key);
                out.push((shown, value));
            }
        };
        for p in patterns {
            let p = p.as_ref();
            if !is_pattern(p) {
                if let Some(d) = lookup(p) {
                    push(p.to_string(), d.get(self), &mut out);
                }
                continue;
            }
            for d in TABLE {
                for name in std::iter::once(&d.name).chain(d.aliases.iter()) {
                    if glob_match(p, name) {
                        push(name.to_string(), d.get(self), &mut out);
                    }
                }
            }
        }
        out
    }

    /// CONFIG SET over name/value pairs, all or nothing: either every pair
    /// is applied or the configuration is left unchanged. The error is the
    /// full Redis error reply text without the leading `-`
    /// (`ERR CONFIG SET failed (possibly related to argument 'hz') - ...`).
    pub fn set(&mut self, pairs: &[(String, String)]) -> Result<(), String> {
        // First pass, as Redis does: unknown names, immutable directives and
        // duplicates are reported before any value is parsed.
        let mut chosen: Vec<(&'static Directive, &'static str)> = Vec::with_capacity(pairs.len());
        for (i, (name, _)) in pairs.iter().enumerate() {
            let Some(found) = lookup_spelling(name) else {
                return Err(format!(
                    "ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
                ));
            };
            let refused = match found.0.mutability {
                Mutability::Mutable => None,
                Mutability::Immutable => Some("can't set immutable config"),
                Mutability::Protected => Some("can't set protected config"),
            };
            if let Some(why) = refused {
                return Err(set_failed(name, why));
            }
            // Redis's duplicate check compares the names as typed (an alias
            // and its canonical name in one call are both applied).
            if pairs[..i].iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                return Err(set_failed(name, "duplicate parameter"));
            }
            chosen.push(found);
        }
        // Second pass on a copy, so a failure leaves `self` untouched.
        let mut next = self.clone();
        for ((d, spelled), (_, value)) in chosen.iter().zip(pairs) {
            let args: Vec<String> = match d.kind {
                // Multi-word directives take one space-separated string;
                // "" stays one empty word (`save ""`), and doubled spaces
                // give empty words that each directive judges.
                Kind::Special { .. } => value.split(' ').map(String::from).collect(),
                _ => vec![value.clone()],
            };
            d.apply(&mut next, &args)
                .map_err(|why| set_failed(spelled, &why))?;
        }
        *self = next;
        Ok(())
    }

    /// CONFIG SET with its raw arguments (everything after `SET`): checks
    /// that they come in pairs (`ERR syntax error` otherwise, as Redis says)
    /// and calls [`Config::set`].
    pub fn set_args<S: AsRef<str>>(&mut self, args: &[S]) -> Result<(), String> {
        if args.is_empty() || !args.len().is_multiple_of(2) {
            return Err("ERR syntax error".into());
        }
        let pairs: Vec<(String, String)> = args
            .chunks(2)
            .map(|p| (p[0].as_ref().to_string(), p[1].as_ref().to_string()))
            .collect();
        self.set(&pairs)
    }
}

fn set_failed(name: &str, why: &str) -> String {
    format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {why}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn set(c: &mut Config, args: &[&str]) -> Result<(), String> {
        c.set_args(args)
    }

    #[test]
    fn names_are_unique_and_lower_case() {
        let mut all: Vec<&str> = Vec::new();
        for d in TABLE {
            for n in std::iter::once(&d.name).chain(d.aliases) {
                assert_eq!(*n, n.to_ascii_lowercase());
                assert!(!all.contains(n), "duplicate {n}");
                all.push(n);
            }
        }
    }

    #[test]
    fn table_defaults_agree_with_config_default() {
        let base = Config::default();
        for d in TABLE {
            let args = crate::syntax::split_args(d.default).expect(d.name);
            let mut c = Config::default();
            // Start from a value that differs where possible, so that the
            // default really has to be parsed to pass.
            d.apply(&mut c, &args)
                .unwrap_or_else(|e| panic!("default of {} does not parse: {e}", d.name));
            assert_eq!(d.get(&c), d.get(&base), "{}", d.name);
            assert!(!d.summary.is_empty());
        }
    }

    #[test]
    fn get_default_values_like_redis() {
        let c = Config::default();
        let get = |p: &str| c.get(p);
        assert_eq!(get("save"), vec![("save".into(), "".into())]);
        assert_eq!(get("appendonly"), vec![("appendonly".into(), "no".into())]);
        assert_eq!(get("maxmemory"), vec![("maxmemory".into(), "0".into())]);
        assert_eq!(get("proto-max-bulk-len")[0].1, "536870912");
        assert_eq!(get("client-query-buffer-limit")[0].1, "1073741824");
        assert_eq!(
            get("client-output-buffer-limit")[0].1,
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        );
        assert_eq!(get("requirepass")[0].1, "");
        assert_eq!(get("replicaof")[0].1, "");
        assert_eq!(get("slaveof")[0].1, "");
        assert_eq!(get("list-max-ziplist-size")[0].1, "-2");
        assert_eq!(get("stream-node-max-bytes")[0].1, "4096");
        assert!(std::path::Path::new(&get("dir")[0].1).is_absolute());
    }

    #[test]
    fn get_exact_name_echoes_spelling() {
        let c = Config::default();
        assert_eq!(c.get("PORT"), vec![("PORT".into(), "6379".into())]);
        assert_eq!(c.get("nosuch"), vec![]);
    }

    #[test]
    fn get_patterns_include_aliases_and_dedupe() {
        let c = Config::default();
        let names: Vec<String> = c.get("hash-max-*").into_iter().map(|p| p.0).collect();
        assert_eq!(
            names,
            s(&[
                "hash-max-listpack-entries",
                "hash-max-ziplist-entries",
                "hash-max-listpack-value",
                "hash-max-ziplist-value"
            ])
        );
        let got = c.get_many(&["port", "max*", "PORT", "maxclients"]);
        let names: Vec<&str> = got.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(
            names,
            ["port", "maxclients", "maxmemory", "maxmemory-policy"]
        );
        let all = c.get("*");
        assert!(all.len() > TABLE.len());
        assert!(all.iter().any(|(n, _)| n == "slaveof"));
        assert_eq!(c.get("P?RT"), vec![("port".into(), "6379".into())]);
    }

    #[test]
    fn set_error_messages_match_redis() {
        let mut c = Config::default();
        let cases: &[(&[&str], &str)] = &[
            (&["foo", "bar"], "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"),
            (&["maxclients", "abc"], "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer"),
            (&["MAXCLIENTS", "abc"], "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer"),
            (&["port", "1"], "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config"),
            (&["databases", "1", "foo", "1"], "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"),
            (&["foo", "1", "databases", "1"], "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"),
            (&["hz", "10", "maxclients", "abc", "foo", "1"], "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"),
            (&["dir", "/tmp"], "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"),
            (&["maxclients", "1", "maxclients", "2"], "ERR CONFIG SET failed (possibly related to argument 'maxclients') - duplicate parameter"),
            (&["hz", "7", "HZ", "8"], "ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter"),
            (&["hz", "10", "foo"], "ERR syntax error"),
            (&["timeout", "-1"], "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive"),
            (&["loglevel", "bogus"], "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning"),
            (&["appendonly", "maybe"], "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'"),
            (&["maxmemory", "1zb"], "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"),
            (&["proto-max-bulk-len", "1"], "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive"),
            (&["proto-max-bulk-len", "18446744073709551615"], "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive"),
            (&["slowlog-log-slower-than", "-5"], "ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - argument must be between -1 and 9223372036854775807 inclusive"),
            (&["maxclients", "99999999999999999999"], "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer"),
            (&["maxclients", "0"], "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive"),
            (&["appendfsync", "bogus"], "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no"),
            (&["maxmemory-policy", "bogus"], "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"),
            (&["notify-keyspace-events", "Q"], "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
            (&["client-output-buffer-limit", "normal 1 2"], "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration."),
            (&["client-output-buffer-limit", "foo 1 2 3"], "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration."),
            (&["client-output-buffer-limit", "normal -1 0 0"], "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration."),
            (&["save", "1 a"], "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"),
            (&["save", "1 1 2"], "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"),
            (&["replicaof", "127.0.0.1 1"], "ERR CONFIG SET failed (possibly related to argument 'replicaof') - can't set immutable config"),
            (&["slaveof", "127.0.0.1 1"], "ERR CONFIG SET failed (possibly related to argument 'slaveof') - can't set immutable config"),
            (&["save", "  "], "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"),
            (&["lua-time-limit", "abc"], "ERR CONFIG SET failed (possibly related to argument 'lua-time-limit') - argument couldn't be parsed into an integer"),
            (&["HASH-MAX-ZIPLIST-ENTRIES", "abc"], "ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - argument couldn't be parsed into an integer"),
        ];
        for (args, want) in cases {
            assert_eq!(set(&mut c, args).unwrap_err(), *want, "{args:?}");
        }
        assert_eq!(c, Config::default(), "failed sets changed nothing");
    }

    #[test]
    fn set_tessera_restrictions() {
        let mut c = Config::default();
        for (args, needle) in [
            (["save", "3600 1"], "snapshots are not supported yet"),
            (["appendonly", "yes"], "appendonly yes is not supported yet"),
            (["maxmemory", "1gb"], "maxmemory is not supported yet"),
            (["maxmemory-policy", "allkeys-lru"], "not supported yet"),
        ] {
            let err = set(&mut c, &args).unwrap_err();
            assert!(
                err.starts_with(&format!(
                    "ERR CONFIG SET failed (possibly related to argument '{}') - ",
                    args[0]
                )),
                "{err}"
            );
            assert!(err.contains(needle), "{err}");
        }
        set(
            &mut c,
            &[
                "save",
                "",
                "appendonly",
                "no",
                "maxmemory",
                "0",
                "maxmemory-policy",
                "NOEVICTION",
            ],
        )
        .unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn set_is_atomic() {
        let mut c = Config::default();
        assert!(set(&mut c, &["timeout", "5", "maxclients", "abc"]).is_err());
        assert_eq!(c.timeout, 0);
        set(&mut c, &["timeout", "5", "maxclients", "7"]).unwrap();
        assert_eq!((c.timeout, c.maxclients), (5, 7));
    }

    #[test]
    fn set_values_and_get_them_back() {
        let mut c = Config::default();
        let cases: &[(&str, &str, &str)] = &[
            ("maxclients", "123", "123"),
            ("hz", "100000", "500"),
            ("hz", "0", "1"),
            ("loglevel", "WARNING", "warning"),
            ("protected-mode", "No", "no"),
            ("client-query-buffer-limit", "2gb", "2147483648"),
            ("proto-max-bulk-len", "100mb", "104857600"),
            ("hash-max-ziplist-entries", "3", "3"),
            ("hash-max-listpack-value", "1k", "1000"),
            ("list-max-listpack-size", "-6", "-6"),
            ("slowlog-log-slower-than", "-1", "-1"),
            ("requirepass", "secret", "secret"),
            ("requirepass", "", ""),
            ("appendfsync", "always", "always"),
            ("lua-time-limit", "100", "100"),
            ("notify-keyspace-events", "KEA", "AKE"),
            ("notify-keyspace-events", "Ex", "xE"),
            ("notify-keyspace-events", "Anm", "Am"),
            ("notify-keyspace-events", "gn", "gn"),
            ("notify-keyspace-events", "Kd", "dK"),
            ("notify-keyspace-events", "mEKndtexzhsl$", "$lshzxetdnKEm"),
            ("notify-keyspace-events", "mEKndtexzhsl$g", "AKEm"),
            ("notify-keyspace-events", "", ""),
            ("maxmemory", "", "0"),
            ("save", "", ""),
            (
                "client-output-buffer-limit",
                "",
                "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
            ),
        ];
        for (name, value, shown) in cases {
            set(&mut c, &[name, value]).unwrap_or_else(|e| panic!("{name} {value}: {e}"));
            assert_eq!(c.get(name)[0].1, *shown, "{name} {value}");
        }
        // `A` hides `n` from CONFIG GET, but the class stays on (Redis 7.0
        // still raises `new` events then).
        set(&mut c, &["notify-keyspace-events", "KEAn"]).unwrap();
        assert_eq!(c.get("notify-keyspace-events")[0].1, "AKE");
        assert!(c.notify_keyspace_events.contains('n'));
        assert_eq!(c.requirepass, None);
        assert_eq!(c.busy_reply_threshold, 100);
        set(
            &mut c,
            &[
                "client-output-buffer-limit",
                "NORMAL 1mb 2gb 3 pubsub 0 0 0",
            ],
        )
        .unwrap();
        assert_eq!(
            c.get("client-output-buffer-limit")[0].1,
            "normal 1048576 2147483648 3 slave 268435456 67108864 60 pubsub 0 0 0"
        );
        set(&mut c, &["client-output-buffer-limit", "replica 1 2 3"]).unwrap();
        assert_eq!(c.client_output_buffer_limit.replica.soft_seconds, 3);
    }

    #[test]
    fn apply_argument_counts() {
        let mut c = Config::default();
        let port = lookup("port").unwrap();
        assert_eq!(
            port.apply(&mut c, &[]).unwrap_err(),
            "wrong number of arguments"
        );
        assert_eq!(
            port.apply(&mut c, &s(&["1", "2"])).unwrap_err(),
            "wrong number of arguments"
        );
        let bind = lookup("bind").unwrap();
        bind.apply(&mut c, &s(&["127.0.0.1", "-::1"])).unwrap();
        assert_eq!(bind.get(&c), "127.0.0.1 -::1");
        assert_eq!(
            c.bind_addrs(),
            vec![("127.0.0.1".into(), false), ("::1".into(), true)]
        );
        let shards = lookup("shards").unwrap();
        shards.apply(&mut c, &s(&["4"])).unwrap();
        assert_eq!((c.shards, c.shard_count()), (Some(4), 4));
        shards.apply(&mut c, &s(&["auto"])).unwrap();
        assert_eq!(c.shards, None);
        assert!(shards.apply(&mut c, &s(&["0x"])).is_err());
        assert!(shards.apply(&mut c, &s(&["5000"])).is_err());
        let rep = lookup("SLAVEOF").unwrap();
        rep.apply(&mut c, &s(&["no", "one"])).unwrap();
        assert!(rep
            .apply(&mut c, &s(&["127.0.0.1", "6379"]))
            .unwrap_err()
            .contains("replication"));
    }
}
