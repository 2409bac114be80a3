//! Connection commands: PING ECHO SELECT QUIT HELLO AUTH RESET, and SHUTDOWN.

use crate::conn::{Conn, ReplyMode};
use crate::exec::RuntimeHandler;
use bytes::Bytes;
use tessera_commands::spec::{flags::*, ArgSpec, CommandSpec, Exec};
use tessera_commands::{errors, parse};
use tessera_resp::Arg;
use tessera_resp::Proto;

/// PING [message]
fn ping(c: &mut Conn, argv: &[Arg<'_>]) {
    // The table's arity (-1) lets any count through; Redis checks the
    // upper bound in the command.
    if argv.len() > 2 {
        c.out.error(&errors::arity("ping"));
        return;
    }
    // A subscribed RESP2 client gets PING's answer in the shape of a message.
    if c.proto() == Proto::Resp2 && c.info.pubsub.subscribed() {
        c.out.array(2);
        c.out.bulk(b"pong");
        c.out.bulk(argv.get(1).map_or(&b""[..], |m| m));
        return;
    }
    match argv.get(1) {
        None => c.out.simple("PONG"),
        Some(m) => c.out.bulk(m),
    }
}

/// ECHO message
fn echo(c: &mut Conn, argv: &[Arg<'_>]) {
    c.out.bulk(&argv[1]);
}

/// SELECT index
fn select(c: &mut Conn, argv: &[Arg<'_>]) {
    let Some(i) = parse::int(&argv[1]) else {
        c.out.error(errors::NOT_INT);
        return;
    };
    let databases = c.sh.config.borrow().databases as i64;
    if i < 0 || i >= databases {
        c.out.error(errors::DB_INDEX);
        return;
    }
    c.set_db(i as usize);
    c.out.ok();
}

/// QUIT
fn quit(c: &mut Conn, _argv: &[Arg<'_>]) {
    c.out.ok();
    c.close = true;
}

/// Checks a password against `requirepass`, Redis's way.
fn check_password(c: &mut Conn, user: Option<&[u8]>, pass: &[u8]) -> Result<(), &'static str> {
    let required = c.sh.config.borrow().requirepass.clone();
    let user_ok = user.is_none_or(|u| u == b"default");
    match required {
        None if user.is_none() => Err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"),
        None if user_ok => Ok(()),
        Some(p) if user_ok && p.as_bytes() == pass => Ok(()),
        _ => Err("WRONGPASS invalid username-password pair or user is disabled."),
    }
}

/// AUTH [username] password
fn auth(c: &mut Conn, argv: &[Arg<'_>]) {
    let r = match argv.len() {
        2 => check_password(c, None, &argv[1]),
        3 => check_password(c, Some(&argv[1]), &argv[2]),
        _ => {
            c.out.error(errors::SYNTAX);
            return;
        }
    };
    match r {
        Ok(()) => {
            c.authenticated = true;
            c.out.ok();
        }
        Err(e) => c.out.error(e),
    }
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
fn hello(c: &mut Conn, argv: &[Arg<'_>]) {
    let mut proto = c.proto();
    let mut i = 1;
    if let Some(v) = argv.get(1) {
        match parse::int(v) {
            Some(2) => proto = Proto::Resp2,
            Some(3) => proto = Proto::Resp3,
            Some(_) => {
                c.out.error("NOPROTO unsupported protocol version");
                return;
            }
            None => {
                c.out
                    .error("ERR Protocol version is not an integer or out of range");
                return;
            }
        }
        i = 2;
    }
    let mut setname: Option<Bytes> = None;
    while i < argv.len() {
        let more = argv.len() - i - 1;
        if parse::is(&argv[i], "auth") && more >= 2 {
            if let Err(e) = check_password(c, Some(&argv[i + 1]), &argv[i + 2]) {
                c.out.error(e);
                return;
            }
            c.authenticated = true;
            i += 3;
        } else if parse::is(&argv[i], "setname") && more >= 1 {
            setname = Some(argv[i + 1].to_bytes());
            i += 2;
        } else {
            c.out.error(&format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(&argv[i])
            ));
            return;
        }
    }
    if !c.authenticated {
        c.out.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
        return;
    }
    if let Some(name) = setname {
        if name.iter().any(|&b| b <= b' ' || b > b'~') {
            c.out
                .error("ERR Client names cannot contain spaces, newlines or special characters.");
            return;
        }
        *c.info.name.borrow_mut() = if name.is_empty() { None } else { Some(name) };
    }
    c.out.proto = proto;
    c.info.resp.set(if proto == Proto::Resp3 { 3 } else { 2 });
    c.out.map(7);
    c.out.bulk(b"server");
    c.out.bulk(b"redis");
    c.out.bulk(b"version");
    c.out.bulk(super::REDIS_VERSION.as_bytes());
    c.out.bulk(b"proto");
    c.out.int(if proto == Proto::Resp3 { 3 } else { 2 });
    c.out.bulk(b"id");
    c.out.int(c.id() as i64);
    c.out.bulk(b"mode");
    c.out.bulk(b"standalone");
    c.out.bulk(b"role");
    c.out.bulk(b"master");
    c.out.bulk(b"modules");
    c.out.array(0);
}

/// RESET
fn reset(c: &mut Conn, _argv: &[Arg<'_>]) {
    crate::pubsub::pending_into(&c.info, &mut c.out);
    crate::pubsub::forget(&c.sh, &c.info);
    c.multi = None;
    crate::multi::mark_multi(c, false);
    crate::watch::unwatch_in_background(c);
    c.set_db(0);
    c.out.proto = Proto::Resp2;
    c.info.resp.set(2);
    c.reply_mode = ReplyMode::On;
    *c.info.name.borrow_mut() = None;
    c.authenticated = c.sh.config.borrow().requirepass.is_none();
    c.out.simple("RESET");
}

/// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
fn shutdown(c: &mut Conn, argv: &[Arg<'_>]) {
    for a in &argv[1..] {
        if !(parse::is(a, "nosave")
            || parse::is(a, "save")
            || parse::is(a, "now")
            || parse::is(a, "force"))
        {
            if parse::is(a, "abort") {
                c.out.error("ERR No shutdown in progress.");
            } else {
                c.out.error(errors::SYNTAX);
            }
            return;
        }
    }
    tracing::warn!("User requested shutdown...");
    crate::server::begin_shutdown(&c.sh.global, &c.sh.mesh);
    // Redis closes the connection without a reply on success.
    c.close = true;
}

/// TIME
fn time(c: &mut Conn, _argv: &[Arg<'_>]) {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    c.out.array(2);
    c.out.bulk(d.as_secs().to_string().as_bytes());
    c.out.bulk(d.subsec_micros().to_string().as_bytes());
}

static PING: RuntimeHandler = RuntimeHandler::Sync(ping);
static ECHO: RuntimeHandler = RuntimeHandler::Sync(echo);
static SELECT: RuntimeHandler = RuntimeHandler::Sync(select);
static QUIT: RuntimeHandler = RuntimeHandler::Sync(quit);
static AUTH: RuntimeHandler = RuntimeHandler::Sync(auth);
static HELLO: RuntimeHandler = RuntimeHandler::Sync(hello);
static RESET: RuntimeHandler = RuntimeHandler::Sync(reset);
static SHUTDOWN: RuntimeHandler = RuntimeHandler::Sync(shutdown);
static TIME: RuntimeHandler = RuntimeHandler::Sync(time);

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "ping",
        arity: -1,
        flags: FAST | SENTINEL,
        acl: &["fast", "connection"],
        args: &[ArgSpec::string("message").optional()],
        summary: "Answers PONG, or echoes the message given.",
        since: "1.0.0",
        group: "connection",
        exec: Exec::Runtime(&PING),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "echo",
        arity: 2,
        flags: FAST,
        acl: &["fast", "connection"],
        args: &[ArgSpec::string("message")],
        summary: "Answers with the message given.",
        since: "1.0.0",
        group: "connection",
        exec: Exec::Runtime(&ECHO),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "select",
        arity: 2,
        flags: LOADING | STALE | FAST,
        acl: &["fast", "connection"],
        args: &[ArgSpec::integer("index")],
        summary: "Switches the connection to another database.",
        since: "1.0.0",
        group: "connection",
        exec: Exec::Runtime(&SELECT),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "quit",
        arity: -1,
        flags: ALLOW_BUSY | NOSCRIPT | LOADING | STALE | FAST | NO_AUTH,
        acl: &["fast", "connection"],
        summary: "Closes the connection after replying.",
        since: "1.0.0",
        group: "connection",
        exec: Exec::Runtime(&QUIT),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "auth",
        arity: -2,
        flags: NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY,
        acl: &["fast", "connection"],
        args: &[ArgSpec::string("username").optional().since("6.0.0"), ArgSpec::string("password")],
        summary: "Authenticates the connection.",
        since: "1.0.0",
        group: "connection",
        complexity: "O(N) where N is the number of passwords defined for the user",
        exec: Exec::Runtime(&AUTH),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hello",
        arity: -1,
        flags: NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY,
        acl: &["fast", "connection"],
        args: &[ArgSpec::block(
            "arguments",
            &[
                ArgSpec::integer("protover"),
                ArgSpec::block("username-password", &[ArgSpec::string("username"), ArgSpec::string("password")])
                    .with_token("AUTH")
                    .optional(),
                ArgSpec::string("clientname").with_token("SETNAME").optional(),
            ],
        )
        .optional()],
        summary: "Chooses the protocol version, optionally authenticating and naming the connection.",
        since: "6.0.0",
        group: "connection",
        exec: Exec::Runtime(&HELLO),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "reset",
        arity: 1,
        flags: NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        acl: &["fast", "connection"],
        summary: "Returns the connection to its initial state.",
        since: "6.2.0",
        group: "connection",
        exec: Exec::Runtime(&RESET),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "shutdown",
        arity: -1,
        flags: ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | SENTINEL | ALLOW_BUSY,
        acl: &["admin", "slow", "dangerous"],
        args: &[
            ArgSpec::oneof("save-selector", &[ArgSpec::token("nosave", "NOSAVE"), ArgSpec::token("save", "SAVE")]).optional(),
            ArgSpec::token("now", "NOW").optional().since("7.0.0"),
            ArgSpec::token("force", "FORCE").optional().since("7.0.0"),
            ArgSpec::token("abort", "ABORT").optional().since("7.0.0"),
        ],
        summary: "Stops the server gracefully, after finishing replies in flight.",
        since: "1.0.0",
        group: "server",
        complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
        exec: Exec::Runtime(&SHUTDOWN),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "time",
        arity: 1,
        flags: LOADING | STALE | FAST,
        acl: &["fast"],
        summary: "Returns the server's clock as seconds and microseconds.",
        since: "2.6.0",
        group: "server",
        exec: Exec::Runtime(&TIME),
        ..CommandSpec::DEFAULT
    },
];
