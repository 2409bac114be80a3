//! CLIENT ID/SETNAME/GETNAME/SETINFO/LIST/INFO/KILL/REPLY/NO-EVICT/HELP.
//!
//! Each shard owns the clients it accepted (`Shard::clients`), so LIST and
//! KILL ask every shard over the mesh and merge. The argument parsing is
//! kept apart from the work so it can be tested without a server. Nothing
//! here changes a client other than through `ClientInfo` (name, flags) or
//! `ClientInfo::kill`.

use crate::conn::{Conn, ReplyMode};
use crate::exec::RuntimeHandler;
use crate::shard::{unix_ms, ClientInfo};
use futures::future::LocalBoxFuture;
use futures::FutureExt;
use std::fmt::Write as _;
use tessera_commands::errors;
use tessera_commands::parse;
use tessera_commands::spec::{flags::*, ArgSpec, CommandSpec, Exec};
use tessera_resp::Arg;

/// The client classes of CLIENT LIST TYPE and CLIENT KILL TYPE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientType {
    Normal,
    Replica,
    Master,
    PubSub,
}

impl ClientType {
    /// Redis's names, `slave` being the old spelling of `replica`.
    pub fn parse(name: &[u8]) -> Result<ClientType, String> {
        let t = match name.to_ascii_lowercase().as_slice() {
            b"normal" => ClientType::Normal,
            b"replica" | b"slave" => ClientType::Replica,
            b"master" => ClientType::Master,
            b"pubsub" => ClientType::PubSub,
            _ => {
                return Err(format!(
                    "ERR Unknown client type '{}'",
                    String::from_utf8_lossy(name)
                ))
            }
        };
        Ok(t)
    }

    /// The class of a client: Tessera has no replication links, so a client
    /// is a subscriber (flag `P`) or a normal one.
    fn of(info: &ClientInfo) -> ClientType {
        if info.flags.borrow().contains('P') {
            ClientType::PubSub
        } else {
            ClientType::Normal
        }
    }
}

/// What CLIENT KILL was asked to kill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kill {
    /// `CLIENT KILL ip:port`: the clients connected from that address; an
    /// error when there is none.
    Addr(String),
    /// `CLIENT KILL <filter> <value> ...`: every client matching all
    /// filters; replies the number killed.
    Filter(KillFilter),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KillFilter {
    pub id: Option<u64>,
    pub addr: Option<String>,
    pub laddr: Option<String>,
    pub kind: Option<ClientType>,
    pub user: Option<String>,
    /// Whether the calling client is spared (the default).
    pub skip_me: bool,
}

impl KillFilter {
    fn matches(&self, c: &ClientInfo, caller: u64) -> bool {
        // A client already killed is gone as far as anyone can tell (its
        // socket is shut down), even if its loop has not run its cleanup.
        !c.killed.get()
            && (!self.skip_me || c.id != caller)
            && self.id.is_none_or(|id| c.id == id)
            && self.addr.as_deref().is_none_or(|a| c.addr == a)
            && self.laddr.as_deref().is_none_or(|a| c.laddr == a)
            && self.kind.is_none_or(|k| ClientType::of(c) == k)
            // Every client is authenticated as `default`, the only user.
            && self.user.as_deref().is_none_or(|u| u == "default")
    }
}

/// Parses CLIENT KILL's arguments (after `KILL`), with Redis's errors.
pub fn parse_kill(args: &[Arg<'_>]) -> Result<Kill, String> {
    if args.len() == 1 {
        return Ok(Kill::Addr(String::from_utf8_lossy(&args[0]).into_owned()));
    }
    let mut f = KillFilter {
        skip_me: true,
        ..KillFilter::default()
    };
    let mut i = 0;
    while i < args.len() {
        let Some(value) = args.get(i + 1) else {
            return Err(errors::SYNTAX.into());
        };
        let opt = &args[i];
        let text = || String::from_utf8_lossy(value).into_owned();
        if parse::is(opt, "id") {
            match parse::int(value) {
                Some(id) if id > 0 => f.id = Some(id as u64),
                _ => return Err("ERR client-id should be greater than 0".into()),
            }
        } else if parse::is(opt, "type") {
            f.kind = Some(ClientType::parse(value)?);
        } else if parse::is(opt, "addr") {
            f.addr = Some(text());
        } else if parse::is(opt, "laddr") {
            f.laddr = Some(text());
        } else if parse::is(opt, "user") {
            if value.as_ref() != b"default" {
                return Err(format!("ERR No such user '{}'", text()));
            }
            f.user = Some(text());
        } else if parse::is(opt, "skipme") {
            if parse::is(value, "yes") {
                f.skip_me = true;
            } else if parse::is(value, "no") {
                f.skip_me = false;
            } else {
                return Err(errors::SYNTAX.into());
            }
        } else {
            return Err(errors::SYNTAX.into());
        }
        i += 2;
    }
    Ok(Kill::Filter(f))
}

/// Which clients CLIENT LIST shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListFilter {
    All,
    Type(ClientType),
    Ids(Vec<u64>),
}

impl ListFilter {
    fn matches(&self, c: &ClientInfo) -> bool {
        // As for CLIENT KILL: a killed client is no longer listed.
        if c.killed.get() {
            return false;
        }
        match self {
            ListFilter::All => true,
            ListFilter::Type(t) => ClientType::of(c) == *t,
            ListFilter::Ids(ids) => ids.contains(&c.id),
        }
    }
}

/// Parses CLIENT LIST's arguments (after `LIST`), with Redis's errors.
pub fn parse_list(args: &[Arg<'_>]) -> Result<ListFilter, String> {
    match args {
        [] => Ok(ListFilter::All),
        [opt, t] if parse::is(opt, "type") => Ok(ListFilter::Type(ClientType::parse(t)?)),
        [opt, ids @ ..] if parse::is(opt, "id") && !ids.is_empty() => {
            let mut v = Vec::with_capacity(ids.len());
            for id in ids {
                // Ids are positive; an integer that names no client
                // simply matches nothing.
                match parse::int(id) {
                    Some(n) => v.push(n.max(0) as u64),
                    None => return Err("ERR Invalid client ID".into()),
                }
            }
            Ok(ListFilter::Ids(v))
        }
        _ => Err(errors::SYNTAX.into()),
    }
}

/// One client's CLIENT LIST line (without the trailing newline), with Redis
/// 7.0's fields in Redis 7.0's order. Buffers Tessera does not keep per
/// client (reply lists, argument copies) show as empty.
pub fn client_line(c: &ClientInfo, now_ms: i64) -> String {
    let mut s = String::with_capacity(256);
    let name = c.name.borrow();
    let name = name
        .as_ref()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_default();
    let age = (now_ms - c.created_ms).max(0) / 1000;
    let idle = (now_ms - c.last_interaction_ms.get()).max(0) / 1000;
    let qbuf = c.query_buf.get();
    let obuf = c.output_buf.get();
    let (sub, psub, ssub) = c.pubsub.counts();
    let _ = write!(
        s,
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} \
         sub={} psub={} ssub={} multi={} qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 \
         rbs={} rbp=0 obl=0 oll=0 omem=0 tot-mem={} events=r cmd={} user=default \
         redir=-1 resp={}",
        c.id,
        c.addr,
        c.laddr,
        c.fd,
        name,
        age,
        idle,
        c.flags.borrow(),
        c.db.get(),
        sub,
        psub,
        ssub,
        c.multi.get(),
        qbuf,
        obuf,
        qbuf + obuf,
        c.last_cmd.borrow(),
        c.resp.get(),
    );
    s
}

/// CLIENT ID
fn id(c: &mut Conn, _argv: &[Arg<'_>]) {
    c.out.int(c.id() as i64);
}

/// Whether a client name or library attribute is acceptable: printable
/// ASCII without spaces.
fn valid_attr(v: &[u8]) -> bool {
    v.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

/// CLIENT SETNAME name
fn setname(c: &mut Conn, argv: &[Arg<'_>]) {
    let name = &argv[2];
    if !valid_attr(name) {
        c.out
            .error("ERR Client names cannot contain spaces, newlines or special characters.");
        return;
    }
    *c.info.name.borrow_mut() = if name.is_empty() {
        None
    } else {
        Some(name.to_bytes())
    };
    c.out.ok();
}

/// CLIENT GETNAME
fn getname(c: &mut Conn, _argv: &[Arg<'_>]) {
    let name = c.info.name.borrow().clone();
    c.out.bulk_opt(name.as_deref());
}

/// CLIENT SETINFO LIB-NAME|LIB-VER value
fn setinfo(c: &mut Conn, argv: &[Arg<'_>]) {
    let (attr, value) = (&argv[2], &argv[3]);
    let slot = if parse::is(attr, "lib-name") {
        &c.info.lib_name
    } else if parse::is(attr, "lib-ver") {
        &c.info.lib_ver
    } else {
        c.out.error(&format!(
            "ERR Unrecognized option '{}'",
            String::from_utf8_lossy(attr)
        ));
        return;
    };
    if !valid_attr(value) {
        c.out.error(&format!(
            "ERR {} cannot contain spaces, newlines or special characters.",
            String::from_utf8_lossy(attr)
        ));
        return;
    }
    *slot.borrow_mut() = if value.is_empty() {
        None
    } else {
        Some(value.to_bytes())
    };
    c.out.ok();
}

/// CLIENT INFO
fn info(c: &mut Conn, _argv: &[Arg<'_>]) {
    let mut line = client_line(&c.info, unix_ms());
    line.push('\n');
    c.out.verbatim("txt", line.as_bytes());
}

/// CLIENT LIST [TYPE type] [ID id [id ...]]
fn list<'a>(c: &'a mut Conn, argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    async move {
        let filter = match parse_list(&argv[2..]) {
            Ok(f) => f,
            Err(e) => {
                c.out.error(&e);
                return;
            }
        };
        let sh = c.sh.clone();
        let per_shard = crate::mesh::on_every_shard(&sh, move |s| {
            let now = unix_ms();
            s.clients
                .borrow()
                .values()
                .filter(|ci| filter.matches(ci))
                .map(|ci| (ci.id, client_line(ci, now)))
                .collect::<Vec<_>>()
        })
        .await;
        let mut lines: Vec<(u64, String)> = per_shard.into_iter().flatten().collect();
        lines.sort_by_key(|(id, _)| *id);
        let mut text = String::new();
        for (_, l) in lines {
            text.push_str(&l);
            text.push('\n');
        }
        c.out.verbatim("txt", text.as_bytes());
    }
    .boxed_local()
}

/// CLIENT KILL ip:port | CLIENT KILL <filter> <value> [<filter> <value> ...]
fn kill<'a>(c: &'a mut Conn, argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    async move {
        let (filter, old_form) = match parse_kill(&argv[2..]) {
            Ok(Kill::Addr(addr)) => (
                KillFilter {
                    addr: Some(addr),
                    skip_me: false,
                    ..KillFilter::default()
                },
                true,
            ),
            Ok(Kill::Filter(f)) => (f, false),
            Err(e) => {
                c.out.error(&e);
                return;
            }
        };
        let me = c.id();
        let sh = c.sh.clone();
        // Each shard kills its own matching clients, except the caller,
        // which must first get its reply: it is closed after this command.
        let per_shard = crate::mesh::on_every_shard(&sh, move |s| {
            let mut hit_me = false;
            let victims: Vec<_> = s
                .clients
                .borrow()
                .values()
                .filter(|ci| filter.matches(ci, me))
                .cloned()
                .collect();
            for ci in &victims {
                if ci.id == me {
                    hit_me = true;
                } else {
                    crate::pubsub::kill(s, ci);
                }
            }
            (victims.len() as i64, hit_me)
        })
        .await;
        let killed: i64 = per_shard.iter().map(|(n, _)| n).sum();
        if per_shard.iter().any(|(_, me)| *me) {
            c.close = true;
        }
        if !old_form {
            c.out.int(killed);
        } else if killed == 0 {
            c.out.error("ERR No such client");
        } else {
            c.out.ok();
        }
    }
    .boxed_local()
}

/// CLIENT REPLY ON|OFF|SKIP. OFF and SKIP are not answered.
fn reply(c: &mut Conn, argv: &[Arg<'_>]) {
    let mode = &argv[2];
    if parse::is(mode, "on") {
        c.reply_mode = ReplyMode::On;
        c.out.ok();
    } else if parse::is(mode, "off") {
        c.reply_mode = ReplyMode::Off;
    } else if parse::is(mode, "skip") {
        // SKIP while replies are off changes nothing, as in Redis.
        if c.reply_mode != ReplyMode::Off {
            c.reply_mode = ReplyMode::Skip;
        }
    } else {
        c.out.error(errors::SYNTAX);
    }
}

/// CLIENT NO-EVICT ON|OFF
fn no_evict(c: &mut Conn, argv: &[Arg<'_>]) {
    let v = &argv[2];
    if parse::is(v, "on") {
        c.info.no_evict.set(true);
    } else if parse::is(v, "off") {
        c.info.no_evict.set(false);
    } else {
        c.out.error(errors::SYNTAX);
        return;
    }
    c.out.ok();
}

/// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
fn unblock<'a>(c: &'a mut Conn, argv: &'a [Arg<'_>]) -> futures::future::LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        let Some(id) = parse::int(&argv[2]) else {
            return c.out.error(errors::NOT_INT);
        };
        let error = match argv.get(3) {
            None => false,
            Some(m) if parse::is(m, "timeout") => false,
            Some(m) if parse::is(m, "error") => true,
            Some(_) => {
                return c
                    .out
                    .error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            }
        };
        if argv.len() > 4 {
            return c.out.error(errors::SYNTAX);
        }
        let found = crate::mesh::on_every_shard(&c.sh, move |sh| {
            crate::blocking::unblock_here(sh, id as u64, error)
        })
        .await;
        c.out.int(found.into_iter().any(|f| f) as i64);
    })
}

/// CLIENT HELP
fn help(c: &mut Conn, _argv: &[Arg<'_>]) {
    super::help_reply(
        &mut c.out,
        "CLIENT",
        &[
            "GETNAME",
            "    Show the name of this connection.",
            "ID",
            "    Show the id of this connection.",
            "INFO",
            "    Describe this connection, in the format of CLIENT LIST.",
            "KILL <ip:port>",
            "    Close the connections that come from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Close every connection that matches all the filters given:",
            "    * ID <client-id>",
            "      The connection with this id.",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Connections that come from this address.",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Connections made to this local address.",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Connections of this kind.",
            "    * USER <username>",
            "      Connections authenticated as <username>.",
            "    * SKIPME (YES|NO)",
            "      Whether to spare this connection (yes unless told otherwise).",
            "LIST [options ...]",
            "    Describe the connections, one per line. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Only connections of this kind.",
            "    * ID <client-id> [<client-id> ...]",
            "      Only the connections with these ids.",
            "NO-EVICT (ON|OFF)",
            "    Exempt this connection from client eviction, or not.",
            "REPLY (ON|OFF|SKIP)",
            "    Turn the replies to this connection on or off, or skip the next one.",
            "SETINFO <LIB-NAME|LIB-VER> <value>",
            "    Record the name or version of the client library in use.",
            "SETNAME <name>",
            "    Give this connection a name.",
        ],
    );
}

static ID: RuntimeHandler = RuntimeHandler::Sync(id);
static SETNAME: RuntimeHandler = RuntimeHandler::Sync(setname);
static GETNAME: RuntimeHandler = RuntimeHandler::Sync(getname);
static SETINFO: RuntimeHandler = RuntimeHandler::Sync(setinfo);
static INFO: RuntimeHandler = RuntimeHandler::Sync(info);
static LIST: RuntimeHandler = RuntimeHandler::Async(list);
static KILL: RuntimeHandler = RuntimeHandler::Async(kill);
static REPLY: RuntimeHandler = RuntimeHandler::Sync(reply);
static NO_EVICT: RuntimeHandler = RuntimeHandler::Sync(no_evict);
static HELP: RuntimeHandler = RuntimeHandler::Sync(help);
static UNBLOCK: RuntimeHandler = RuntimeHandler::Async(unblock);

const CONN_ACL: &[&str] = &["slow", "connection"];
const ADMIN_ACL: &[&str] = &["admin", "slow", "dangerous", "connection"];
const CLIENT_TYPES: &[ArgSpec] = &[
    ArgSpec::token("normal", "NORMAL"),
    ArgSpec::token("master", "MASTER"),
    ArgSpec::token("replica", "REPLICA"),
    ArgSpec::token("pubsub", "PUBSUB"),
];

/// A CLIENT subcommand declaration; the table is easier to read with every
/// field given positionally than with ten struct literals.
#[allow(clippy::too_many_arguments)]
const fn sub(
    name: &'static str,
    arity: i32,
    flags: u64,
    acl: &'static [&'static str],
    args: &'static [ArgSpec],
    summary: &'static str,
    since: &'static str,
    h: &'static RuntimeHandler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        acl,
        keys: &[],
        args,
        summary,
        since,
        group: "connection",
        complexity: "O(1)",
        exec: Exec::Runtime(h),
        subcommands: &[],
    }
}

static SUBCOMMANDS: &[CommandSpec] = &[
    sub(
        "getname",
        2,
        NOSCRIPT | LOADING | STALE,
        CONN_ACL,
        &[],
        "Returns the name of the connection.",
        "2.6.9",
        &GETNAME,
    ),
    sub(
        "help",
        2,
        LOADING | STALE,
        CONN_ACL,
        &[],
        "Lists the CLIENT subcommands.",
        "5.0.0",
        &HELP,
    ),
    sub(
        "id",
        2,
        NOSCRIPT | LOADING | STALE,
        CONN_ACL,
        &[],
        "Returns the unique id of the connection.",
        "5.0.0",
        &ID,
    ),
    sub(
        "info",
        2,
        NOSCRIPT | LOADING | STALE,
        CONN_ACL,
        &[],
        "Describes the connection in CLIENT LIST's format.",
        "6.2.0",
        &INFO,
    ),
    CommandSpec {
        complexity: "O(N) where N is the number of client connections",
        ..sub(
            "kill",
            -3,
            ADMIN | NOSCRIPT | LOADING | STALE,
            ADMIN_ACL,
            &[ArgSpec::oneof(
                "filter",
                &[
                    ArgSpec::string("ip:port").display("ip:port"),
                    ArgSpec::oneof(
                        "new-format",
                        &[
                            ArgSpec::integer("client-id")
                                .with_token("ID")
                                .since("2.8.12"),
                            ArgSpec::oneof("client-type", CLIENT_TYPES)
                                .with_token("TYPE")
                                .since("2.8.12"),
                            ArgSpec::string("username").with_token("USER"),
                            ArgSpec::string("ip:port").with_token("ADDR"),
                            ArgSpec::string("ip:port")
                                .with_token("LADDR")
                                .since("6.2.0"),
                            ArgSpec::string("yes/no").with_token("SKIPME"),
                        ],
                    )
                    .multiple(),
                ],
            )],
            "Closes the connections that match an address or filters.",
            "2.4.0",
            &KILL,
        )
    },
    CommandSpec {
        complexity: "O(N) where N is the number of client connections",
        ..sub(
            "list",
            -2,
            ADMIN | NOSCRIPT | LOADING | STALE,
            ADMIN_ACL,
            &[
                ArgSpec::oneof("client-type", CLIENT_TYPES)
                    .with_token("TYPE")
                    .optional()
                    .since("5.0.0"),
                ArgSpec::integer("client-id")
                    .with_token("ID")
                    .optional()
                    .multiple()
                    .since("6.2.0"),
            ],
            "Describes every connection, one line each.",
            "2.4.0",
            &LIST,
        )
    },
    sub(
        "no-evict",
        3,
        ADMIN | NOSCRIPT | LOADING | STALE,
        ADMIN_ACL,
        &[ArgSpec::oneof(
            "enabled",
            &[ArgSpec::token("on", "ON"), ArgSpec::token("off", "OFF")],
        )],
        "Exempts the connection from client eviction, or not.",
        "7.0.0",
        &NO_EVICT,
    ),
    sub(
        "reply",
        3,
        NOSCRIPT | LOADING | STALE,
        CONN_ACL,
        &[ArgSpec::oneof(
            "action",
            &[
                ArgSpec::token("on", "ON"),
                ArgSpec::token("off", "OFF"),
                ArgSpec::token("skip", "SKIP"),
            ],
        )],
        "Turns the server's replies to this connection on or off.",
        "3.2.0",
        &REPLY,
    ),
    sub(
        "setinfo",
        4,
        NOSCRIPT | LOADING | STALE,
        CONN_ACL,
        &[ArgSpec::oneof(
            "attr",
            &[
                ArgSpec::string("libname").with_token("LIB-NAME"),
                ArgSpec::string("libver").with_token("LIB-VER"),
            ],
        )],
        "Records the name or version of the client library.",
        "7.2.0",
        &SETINFO,
    ),
    sub(
        "unblock",
        -3,
        ADMIN | NOSCRIPT | LOADING | STALE,
        ADMIN_ACL,
        &[
            ArgSpec::integer("client-id"),
            ArgSpec::oneof(
                "unblock-type",
                &[
                    ArgSpec::token("timeout", "TIMEOUT"),
                    ArgSpec::token("error", "ERROR"),
                ],
            )
            .optional(),
        ],
        "Ends the wait of a client blocked in BLPOP, BLMOVE and the like.",
        "5.0.0",
        &UNBLOCK,
    ),
    sub(
        "setname",
        3,
        NOSCRIPT | LOADING | STALE,
        CONN_ACL,
        &[ArgSpec::string("connection-name")],
        "Names the connection.",
        "2.6.9",
        &SETNAME,
    ),
];

pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "client",
    arity: -2,
    summary: "Inspects and manages client connections.",
    since: "2.4.0",
    group: "connection",
    complexity: "Depends on subcommand.",
    subcommands: SUBCOMMANDS,
    ..CommandSpec::DEFAULT
}];

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter().map(|s| Bytes::from(s.to_string())).collect()
    }

    fn filter(v: &[&str]) -> KillFilter {
        match parse_kill(&Arg::all(&args(v))) {
            Ok(Kill::Filter(f)) => f,
            other => panic!("{v:?}: {other:?}"),
        }
    }

    #[test]
    fn one_argument_is_the_old_address_form() {
        assert_eq!(
            parse_kill(&Arg::all(&args(&["1.2.3.4:5"]))),
            Ok(Kill::Addr("1.2.3.4:5".into()))
        );
        // Even a filter name alone is an address there, as in Redis.
        assert_eq!(
            parse_kill(&Arg::all(&args(&["id"]))),
            Ok(Kill::Addr("id".into()))
        );
    }

    #[test]
    fn filters_combine_and_skipme_defaults_to_yes() {
        let f = filter(&["ID", "7", "type", "Normal", "ADDR", "1.2.3.4:5"]);
        assert_eq!(f.id, Some(7));
        assert_eq!(f.kind, Some(ClientType::Normal));
        assert_eq!(f.addr.as_deref(), Some("1.2.3.4:5"));
        assert!(f.skip_me);
        assert!(!filter(&["skipme", "NO"]).skip_me);
        assert_eq!(filter(&["type", "slave"]).kind, Some(ClientType::Replica));
        assert_eq!(
            filter(&["laddr", "127.0.0.1:1"]).laddr.as_deref(),
            Some("127.0.0.1:1")
        );
        assert_eq!(
            filter(&["user", "default"]).user.as_deref(),
            Some("default")
        );
    }

    #[test]
    fn kill_errors_are_redis_errors() {
        let err = |v: &[&str]| parse_kill(&Arg::all(&args(v))).unwrap_err();
        assert_eq!(
            err(&["id", "abc"]),
            "ERR client-id should be greater than 0"
        );
        assert_eq!(err(&["id", "0"]), "ERR client-id should be greater than 0");
        assert_eq!(err(&["foo", "bar"]), "ERR syntax error");
        assert_eq!(err(&["type", "foo"]), "ERR Unknown client type 'foo'");
        assert_eq!(
            err(&["type", "normal", "skipme", "maybe"]),
            "ERR syntax error"
        );
        assert_eq!(err(&["type", "normal", "skipme"]), "ERR syntax error");
        assert_eq!(err(&["user", "nobody"]), "ERR No such user 'nobody'");
        assert_eq!(err(&["maxage", "3"]), "ERR syntax error");
    }

    #[test]
    fn list_arguments() {
        let p = |v: &[&str]| parse_list(&Arg::all(&args(v)));
        assert_eq!(p(&[]), Ok(ListFilter::All));
        assert_eq!(
            p(&["TYPE", "pubsub"]),
            Ok(ListFilter::Type(ClientType::PubSub))
        );
        assert_eq!(p(&["id", "1", "2"]), Ok(ListFilter::Ids(vec![1, 2])));
        assert_eq!(p(&["id", "abc"]), Err("ERR Invalid client ID".into()));
        assert_eq!(
            p(&["type", "foo"]),
            Err("ERR Unknown client type 'foo'".into())
        );
        assert_eq!(p(&["id"]), Err("ERR syntax error".into()));
        assert_eq!(p(&["foo"]), Err("ERR syntax error".into()));
        assert_eq!(
            p(&["type", "normal", "id", "1"]),
            Err("ERR syntax error".into())
        );
    }

    fn client(id: u64, addr: &str) -> ClientInfo {
        let c = ClientInfo::new(id, 9, addr.into(), "127.0.0.1:6379".into(), 1_000);
        *c.name.borrow_mut() = Some(Bytes::from_static(b"me"));
        c.last_interaction_ms.set(4_000);
        c.db.set(3);
        *c.last_cmd.borrow_mut() = "client|list".into();
        c.resp.set(3);
        c.query_buf.set(26);
        c
    }

    #[test]
    fn list_line_has_redis_fields_in_order() {
        let line = client_line(&client(5, "127.0.0.1:4000"), 6_500);
        assert_eq!(
            line,
            "id=5 addr=127.0.0.1:4000 laddr=127.0.0.1:6379 fd=9 name=me age=5 idle=2 \
             flags=N db=3 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=0 argv-mem=0 \
             multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=26 events=r \
             cmd=client|list user=default redir=-1 resp=3"
        );
    }

    #[test]
    fn kill_filters_match_and_spare_the_caller() {
        let a = client(1, "1.1.1.1:1");
        let b = client(2, "2.2.2.2:2");
        let by_addr = filter(&["addr", "2.2.2.2:2"]);
        assert!(!by_addr.matches(&a, 9));
        assert!(by_addr.matches(&b, 9));
        let everyone = filter(&["type", "normal"]);
        assert!(everyone.matches(&a, 2));
        assert!(!everyone.matches(&b, 2), "SKIPME yes spares the caller");
        assert!(filter(&["type", "normal", "skipme", "no"]).matches(&b, 2));
        assert!(!filter(&["type", "pubsub"]).matches(&a, 9));
        assert!(filter(&["id", "1"]).matches(&a, 9));
    }
}
