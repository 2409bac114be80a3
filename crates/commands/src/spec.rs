//! The shape of a command declaration. Every command is declared once, next
//! to its handler, as a [`CommandSpec`]; routing, arity checks, COMMAND and
//! its subcommands, and ACL categories all read these declarations.

use crate::Ctx;
use tessera_resp::Arg;

/// A shard-local handler: runs on the shard that owns the command's keys,
/// never awaits, never touches another shard, and writes its reply into `ctx.out`.
pub type Handler = fn(&mut Ctx, &[Arg]);

/// How the runtime executes a command.
#[derive(Clone, Copy)]
pub enum Exec {
    /// Runs `Handler` where the keys live. When the keys span shards, the
    /// runtime locks them, gathers copies into a scratch keyspace, runs the
    /// handler there, and writes the keys it may write back to their owners.
    Keys(Handler),
    /// Each key (with the `key_step - 1` arguments after it) is independent:
    /// every shard runs the handler on its own subset and the replies are merged.
    Split(Handler, Merge),
    /// Runs on every shard with the same arguments; the replies are merged.
    AllShards(Handler, Merge),
    /// Routed by a SCAN cursor: the runtime sends the command to shard
    /// `cursor % shards` (the local shard when the cursor does not parse).
    ByCursor(Handler),
    /// Implemented by the runtime (connection state or server-wide work); the
    /// value is the runtime's own handler, recovered by downcasting.
    Runtime(&'static (dyn std::any::Any + Sync)),
    /// A container whose subcommands are declared in `subcommands`.
    Container,
}

/// How replies from several shards are combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merge {
    /// Integer replies are added up (DEL, EXISTS, DBSIZE).
    Sum,
    /// Every shard replied `+OK`; the client gets one `+OK`.
    Ok,
    /// Each shard replied an array with one element per key it got; the
    /// elements are put back in the order of the keys in the request (MGET).
    KeyOrder,
    /// The arrays of all shards are concatenated (KEYS).
    Concat,
    /// One non-null reply picked at random, or null if all are null (RANDOMKEY).
    AnyNonNull,
}

/// Command flags, Redis's names.
pub mod flags {
    pub const WRITE: u64 = 1 << 0;
    pub const READONLY: u64 = 1 << 1;
    pub const DENYOOM: u64 = 1 << 2;
    pub const ADMIN: u64 = 1 << 3;
    pub const PUBSUB: u64 = 1 << 4;
    pub const NOSCRIPT: u64 = 1 << 5;
    pub const BLOCKING: u64 = 1 << 6;
    pub const LOADING: u64 = 1 << 7;
    pub const STALE: u64 = 1 << 8;
    pub const SKIP_MONITOR: u64 = 1 << 9;
    pub const SKIP_SLOWLOG: u64 = 1 << 10;
    pub const ASKING: u64 = 1 << 11;
    pub const FAST: u64 = 1 << 12;
    pub const NO_AUTH: u64 = 1 << 13;
    pub const MAY_REPLICATE: u64 = 1 << 14;
    pub const NO_MANDATORY_KEYS: u64 = 1 << 15;
    pub const NO_MULTI: u64 = 1 << 16;
    pub const ALLOW_BUSY: u64 = 1 << 17;
    pub const SENTINEL: u64 = 1 << 18;
    pub const ONLY_SENTINEL: u64 = 1 << 19;
    pub const NO_ASYNC_LOADING: u64 = 1 << 20;
    pub const MOVABLE_KEYS: u64 = 1 << 21;

    /// Names in the order COMMAND INFO lists them.
    pub const NAMES: &[(u64, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (MOVABLE_KEYS, "movablekeys"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (ASKING, "asking"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_MULTI, "no_multi"),
        (ALLOW_BUSY, "allow_busy"),
        (NO_ASYNC_LOADING, "no_async_loading"),
    ];
}

/// Key-spec flags (Redis 7's names).
pub mod kflags {
    pub const RO: u32 = 1 << 0;
    pub const RW: u32 = 1 << 1;
    pub const OW: u32 = 1 << 2;
    pub const RM: u32 = 1 << 3;
    pub const ACCESS: u32 = 1 << 4;
    pub const UPDATE: u32 = 1 << 5;
    pub const INSERT: u32 = 1 << 6;
    pub const DELETE: u32 = 1 << 7;
    pub const NOT_KEY: u32 = 1 << 8;
    pub const INCOMPLETE: u32 = 1 << 9;
    pub const VARIABLE_FLAGS: u32 = 1 << 10;

    pub const NAMES: &[(u32, &str)] = &[
        (RO, "RO"),
        (RW, "RW"),
        (OW, "OW"),
        (RM, "RM"),
        (ACCESS, "access"),
        (UPDATE, "update"),
        (INSERT, "insert"),
        (DELETE, "delete"),
        (NOT_KEY, "not_key"),
        (INCOMPLETE, "incomplete"),
        (VARIABLE_FLAGS, "variable_flags"),
    ];

    /// Flags that mean the key may be written.
    pub const WRITES: u32 = RW | OW | RM;
}

/// Where the search for keys begins.
#[derive(Clone, Copy, Debug)]
pub enum BeginSearch {
    /// At a fixed argument index (0 is the command name).
    Index(i32),
    /// After the first (or, with negative `start_from`, last) occurrence of `keyword`.
    Keyword {
        keyword: &'static str,
        start_from: i32,
    },
}

/// How keys are found from where the search begins.
#[derive(Clone, Copy, Debug)]
pub enum FindKeys {
    /// `last_key` relative to the begin index (-1 is the last argument),
    /// every `key_step` arguments, `limit` as in Redis (0: no limit).
    Range {
        last_key: i32,
        key_step: i32,
        limit: i32,
    },
    /// The number of keys is at `keynum_idx` (relative to begin); keys start
    /// at `first_key` (relative to begin) every `key_step` arguments.
    Keynum {
        keynum_idx: i32,
        first_key: i32,
        key_step: i32,
    },
}

/// A Redis 7 key specification.
#[derive(Clone, Copy, Debug)]
pub struct KeySpec {
    pub flags: u32,
    pub begin: BeginSearch,
    pub find: FindKeys,
}

impl KeySpec {
    /// The common case: one key at index `i`.
    pub const fn single(i: i32, flags: u32) -> KeySpec {
        KeySpec {
            flags,
            begin: BeginSearch::Index(i),
            find: FindKeys::Range {
                last_key: 0,
                key_step: 1,
                limit: 0,
            },
        }
    }

    /// Keys from index `i` to the end, every `step` arguments.
    pub const fn range_to_end(i: i32, step: i32, flags: u32) -> KeySpec {
        KeySpec {
            flags,
            begin: BeginSearch::Index(i),
            find: FindKeys::Range {
                last_key: -1,
                key_step: step,
                limit: 0,
            },
        }
    }
}

/// Argument types, as COMMAND DOCS reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    String,
    Integer,
    Double,
    Key,
    Pattern,
    UnixTime,
    PureToken,
    OneOf,
    Block,
}

impl ArgKind {
    pub fn name(self) -> &'static str {
        match self {
            ArgKind::String => "string",
            ArgKind::Integer => "integer",
            ArgKind::Double => "double",
            ArgKind::Key => "key",
            ArgKind::Pattern => "pattern",
            ArgKind::UnixTime => "unix-time",
            ArgKind::PureToken => "pure-token",
            ArgKind::OneOf => "oneof",
            ArgKind::Block => "block",
        }
    }
}

/// One node of a command's argument tree.
#[derive(Clone, Copy, Debug)]
pub struct ArgSpec {
    pub name: &'static str,
    pub kind: ArgKind,
    /// For `Key` arguments: the index of the key spec it belongs to.
    pub key_spec: i32,
    pub token: Option<&'static str>,
    pub optional: bool,
    pub multiple: bool,
    pub multiple_token: bool,
    pub since: Option<&'static str>,
    pub display: Option<&'static str>,
    pub subargs: &'static [ArgSpec],
}

impl ArgSpec {
    const fn new(name: &'static str, kind: ArgKind) -> ArgSpec {
        ArgSpec {
            name,
            kind,
            key_spec: -1,
            token: None,
            optional: false,
            multiple: false,
            multiple_token: false,
            since: None,
            display: None,
            subargs: &[],
        }
    }
    pub const fn key(name: &'static str, spec: i32) -> ArgSpec {
        let mut a = ArgSpec::new(name, ArgKind::Key);
        a.key_spec = spec;
        a
    }
    pub const fn string(name: &'static str) -> ArgSpec {
        ArgSpec::new(name, ArgKind::String)
    }
    pub const fn integer(name: &'static str) -> ArgSpec {
        ArgSpec::new(name, ArgKind::Integer)
    }
    pub const fn double(name: &'static str) -> ArgSpec {
        ArgSpec::new(name, ArgKind::Double)
    }
    pub const fn pattern(name: &'static str) -> ArgSpec {
        ArgSpec::new(name, ArgKind::Pattern)
    }
    pub const fn unix_time(name: &'static str) -> ArgSpec {
        ArgSpec::new(name, ArgKind::UnixTime)
    }
    /// A bare keyword such as `NX`; its name is the lowercase keyword.
    pub const fn token(name: &'static str, token: &'static str) -> ArgSpec {
        let mut a = ArgSpec::new(name, ArgKind::PureToken);
        a.token = Some(token);
        a
    }
    pub const fn oneof(name: &'static str, subargs: &'static [ArgSpec]) -> ArgSpec {
        let mut a = ArgSpec::new(name, ArgKind::OneOf);
        a.subargs = subargs;
        a
    }
    pub const fn block(name: &'static str, subargs: &'static [ArgSpec]) -> ArgSpec {
        let mut a = ArgSpec::new(name, ArgKind::Block);
        a.subargs = subargs;
        a
    }
    /// Prefixes a non-token argument with a keyword (`EX seconds`).
    pub const fn with_token(mut self, token: &'static str) -> ArgSpec {
        self.token = Some(token);
        self
    }
    pub const fn optional(mut self) -> ArgSpec {
        self.optional = true;
        self
    }
    pub const fn multiple(mut self) -> ArgSpec {
        self.multiple = true;
        self
    }
    pub const fn multiple_token(mut self) -> ArgSpec {
        self.multiple_token = true;
        self
    }
    pub const fn since(mut self, v: &'static str) -> ArgSpec {
        self.since = Some(v);
        self
    }
    pub const fn display(mut self, d: &'static str) -> ArgSpec {
        self.display = Some(d);
        self
    }
}

/// One command (or subcommand) declaration.
pub struct CommandSpec {
    /// Lowercase name; for subcommands just the subcommand (`get` of `config`).
    pub name: &'static str,
    /// Redis's rule: `N` exactly N arguments (name included), `-N` at least N.
    pub arity: i32,
    pub flags: u64,
    /// ACL categories without the `@`.
    pub acl: &'static [&'static str],
    pub keys: &'static [KeySpec],
    pub args: &'static [ArgSpec],
    /// One line in our own words.
    pub summary: &'static str,
    /// The Redis version that introduced the command.
    pub since: &'static str,
    /// The command group of COMMAND DOCS (`string`, `generic`, `server`, ...).
    pub group: &'static str,
    pub complexity: &'static str,
    pub exec: Exec,
    pub subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    /// A declaration with everything but the name and handler left empty, to
    /// be filled in with struct-update syntax.
    pub const DEFAULT: CommandSpec = CommandSpec {
        name: "",
        arity: 1,
        flags: 0,
        acl: &[],
        keys: &[],
        args: &[],
        summary: "",
        since: "1.0.0",
        group: "generic",
        complexity: "O(1)",
        exec: Exec::Container,
        subcommands: &[],
    };

    pub fn has(&self, flag: u64) -> bool {
        self.flags & flag != 0
    }

    /// Whether `argc` (name included) satisfies the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        if self.arity >= 0 {
            argc == self.arity as usize
        } else {
            argc >= (-self.arity) as usize
        }
    }
}
