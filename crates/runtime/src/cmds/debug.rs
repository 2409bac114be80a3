//! DEBUG SLEEP/POPULATE/SET-ACTIVE-EXPIRE/HELP: the testing aids clients
//! and test suites rely on. Like Redis, DEBUG is refused unless
//! `enable-debug-command` allows it. Nothing here is meant for production
//! traffic; it must never be reachable with the option left at `no`.

use crate::conn::Conn;
use crate::exec::RuntimeHandler;
use crate::shard::{shard_of, unix_ms};
use bytes::Bytes;
use futures::future::LocalBoxFuture;
use futures::FutureExt;
use std::sync::atomic::Ordering;
use tessera_commands::parse;
use tessera_commands::spec::{flags::*, ArgSpec, CommandSpec, Exec};
use tessera_resp::Arg;

const NOT_ALLOWED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is \
set to \"local\", you can run it from a local connection, otherwise you need to set this option \
in the configuration file, and then restart the server.";

/// Whether `enable-debug-command` lets a client at `addr` use DEBUG.
pub fn allowed(setting: &str, addr: &str) -> bool {
    match setting {
        "yes" => true,
        "local" => {
            let host = addr.rsplit_once(':').map(|(h, _)| h).unwrap_or(addr);
            let host = host.trim_start_matches('[').trim_end_matches(']');
            host.parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback() || ip.to_canonical().is_loopback())
        }
        _ => false,
    }
}

/// The key and value DEBUG POPULATE writes for number `n`: `prefix:n` and
/// `value:n`, the value cut or padded with zero bytes to `size` when a
/// size is given. Fills the caller's buffers, which are reused across the
/// million keys a test may ask for.
pub fn populate_pair(prefix: &[u8], n: u64, size: usize, key: &mut Vec<u8>, value: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let num = &digits[at..];
    key.clear();
    key.extend_from_slice(prefix);
    key.push(b':');
    key.extend_from_slice(num);
    value.clear();
    value.extend_from_slice(b"value:");
    value.extend_from_slice(num);
    if size > 0 {
        value.resize(size, 0);
    }
}

/// Parses DEBUG POPULATE's count and size: non-negative integers.
fn positive(arg: &[u8]) -> Result<u64, &'static str> {
    match parse::int(arg) {
        Some(n) if n >= 0 => Ok(n as u64),
        _ => Err("ERR value is out of range, must be positive"),
    }
}

/// The seconds argument of DEBUG SLEEP, read as C's strtod reads it: the
/// longest numeric prefix, 0 when there is none.
pub fn sleep_seconds(arg: &[u8]) -> f64 {
    let text = String::from_utf8_lossy(arg);
    let text = text.trim_start();
    (0..=text.len())
        .rev()
        .filter(|&i| text.is_char_boundary(i))
        .find_map(|i| text[..i].parse::<f64>().ok())
        .filter(|s| s.is_finite())
        .unwrap_or(0.0)
}

fn unknown(c: &mut Conn, sub: &[u8]) {
    c.out.error(&format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
        String::from_utf8_lossy(sub)
    ));
}

/// DEBUG POPULATE count [prefix] [size]: every shard walks the numbers and
/// creates the keys it owns, so no key list crosses the mesh; keys that
/// already exist are left alone, as Redis does.
async fn populate(c: &mut Conn, argv: &[Arg<'_>]) {
    let count = match positive(&argv[2]) {
        Ok(n) => n,
        Err(e) => return c.out.error(e),
    };
    let prefix = argv
        .get(3)
        .map_or(Bytes::from_static(b"key"), Arg::to_bytes);
    let size = match argv.get(4).map(|s| positive(s)) {
        None => 0,
        Some(Ok(n)) => n as usize,
        Some(Err(e)) => return c.out.error(e),
    };
    let db = c.db;
    let sh = c.sh.clone();
    crate::mesh::on_every_shard(&sh, move |s| {
        let shards = s.shards();
        let now = unix_ms();
        let mut ks = s.ks.borrow_mut();
        let d = ks.db(db);
        let (mut key, mut value) = (Vec::new(), Vec::new());
        for n in 0..count {
            populate_pair(&prefix, n, size, &mut key, &mut value);
            if shard_of(&key, shards) != s.id || d.contains(&key, now) {
                continue;
            }
            d.set_bytes(&key, &value, None, now);
        }
    })
    .await;
    c.out.ok();
}

/// DEBUG subcommand [arg ...]
fn debug<'a>(c: &'a mut Conn, argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    async move {
        let setting = c.sh.config.borrow().enable_debug_command.clone();
        if !allowed(&setting, &c.info.addr) {
            c.out.error(NOT_ALLOWED);
            return;
        }
        let sub = &argv[1];
        let argc = argv.len();
        if parse::is(sub, "help") && argc == 2 {
            help(c);
        } else if parse::is(sub, "sleep") && argc == 3 {
            // Redis blocks its one thread here, and tests use this to hold
            // the server busy; likewise this blocks the connection's shard
            // (its other clients and the mesh hops to it), not the others.
            let secs = sleep_seconds(&argv[2]);
            if let Ok(d) = std::time::Duration::try_from_secs_f64(secs) {
                std::thread::sleep(d);
            }
            c.out.ok();
        } else if parse::is(sub, "populate") && (3..=5).contains(&argc) {
            populate(c, argv).await;
        } else if parse::is(sub, "set-active-expire") && argc == 3 {
            let on = parse::int(&argv[2]).unwrap_or(0) != 0;
            c.sh.global.active_expire.store(on, Ordering::Relaxed);
            c.out.ok();
        } else {
            unknown(c, sub);
        }
    }
    .boxed_local()
}

fn help(c: &mut Conn) {
    super::help_reply(
        &mut c.out,
        "DEBUG",
        &[
            "POPULATE <count> [<prefix>] [<size>]",
            "    Create <count> string keys named key:<num> (or <prefix>:<num>) holding",
            "    value:<num>, cut or padded with zero bytes to <size> when given. Keys",
            "    that exist are left alone.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    0 stops removing expired keys in the background (they still expire",
            "    when accessed); 1 turns it back on.",
            "SLEEP <seconds>",
            "    Block this connection's shard for <seconds> (decimals allowed).",
        ],
    );
}

static DEBUG: RuntimeHandler = RuntimeHandler::Async(debug);

pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "debug",
    arity: -2,
    flags: ADMIN | NOSCRIPT | LOADING | STALE,
    acl: &["admin", "slow", "dangerous"],
    args: &[
        ArgSpec::string("subcommand"),
        ArgSpec::string("arg").optional().multiple(),
    ],
    summary: "Testing aids: populate keys, sleep, switch background expiry.",
    since: "1.0.0",
    group: "server",
    complexity: "Depends on subcommand.",
    exec: Exec::Runtime(&DEBUG),
    ..CommandSpec::DEFAULT
}];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn populate_pairs_like_redis() {
        let pair = |prefix: &[u8], n, size| {
            let (mut k, mut v) = (b"stale".to_vec(), b"stale".to_vec());
            populate_pair(prefix, n, size, &mut k, &mut v);
            (k, v)
        };
        assert_eq!(pair(b"key", 7, 0), (b"key:7".to_vec(), b"value:7".to_vec()));
        assert_eq!(pair(b"key", 0, 0).0, b"key:0".to_vec());
        assert_eq!(pair(b"k", 1234567890, 0).0, b"k:1234567890".to_vec());
        assert_eq!(pair(b"p", 1, 10).1, b"value:1\0\0\0".to_vec());
        assert_eq!(pair(b"q", 2, 3).1, b"val".to_vec());
    }

    #[test]
    fn counts_must_be_non_negative_integers() {
        assert_eq!(positive(b"0"), Ok(0));
        assert_eq!(positive(b"12"), Ok(12));
        assert!(positive(b"-1").is_err());
        assert!(positive(b"abc").is_err());
    }

    #[test]
    fn sleep_reads_a_numeric_prefix() {
        assert_eq!(sleep_seconds(b"0.5"), 0.5);
        assert_eq!(sleep_seconds(b"2"), 2.0);
        assert_eq!(sleep_seconds(b"abc"), 0.0);
        assert_eq!(sleep_seconds(b"0.25s"), 0.25);
        assert_eq!(sleep_seconds(b"-1"), -1.0);
    }

    #[test]
    fn debug_permission() {
        assert!(allowed("yes", "10.0.0.1:5"));
        assert!(!allowed("no", "127.0.0.1:5"));
        assert!(allowed("local", "127.0.0.1:5"));
        assert!(allowed("local", "[::1]:5"));
        assert!(!allowed("local", "10.0.0.1:5"));
    }
}
