//! MONITOR: the line Redis streams to monitoring clients for every command,
//! and the feed that sends it to the shards that have monitors. It must cost
//! one local integer check per command while nobody monitors, and it never
//! waits.

use crate::shard::Shard;
use bytes::Bytes;
use tessera_commands::spec::flags;
use tessera_commands::CommandSpec;
use tessera_resp::Arg;

/// Streams one executed command to every monitor on the server. `db` and
/// `addr` are the issuing client's. Admin commands are not shown, as in Redis.
/// The monitor `skip` (a client id, 0 for none) does not get the line: a
/// monitor's own RESET, which Redis reports after the client stopped monitoring.
pub fn feed(sh: &Shard, spec: &CommandSpec, argv: &[Arg<'_>], db: usize, addr: &str, skip: u64) {
    if !crate::pubsub::monitors_exist() || spec.has(flags::ADMIN | flags::SKIP_MONITOR) {
        return;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let line = Bytes::from(line(now.as_secs(), now.subsec_micros(), db, addr, argv));
    for to in crate::pubsub::monitor_shards() {
        if to == sh.id {
            crate::pubsub::deliver_to_monitors(sh, &line, skip);
        } else {
            let line = line.clone();
            sh.mesh.post(
                to,
                Box::new(move |s: &std::rc::Rc<Shard>| {
                    crate::pubsub::deliver_to_monitors(s, &line, skip)
                }),
            );
        }
    }
}

/// The database a command is shown in: the client's, except that Redis
/// shows SELECT in the database it selects (it reports after running).
pub fn shown_db(argv: &[Arg<'_>], db: usize, databases: usize) -> usize {
    if argv.len() == 2 && argv[0].eq_ignore_ascii_case(b"select") {
        if let Some(i) = tessera_commands::parse::int(&argv[1]) {
            if i >= 0 && (i as usize) < databases {
                return i as usize;
            }
        }
    }
    db
}

/// One MONITOR line as a RESP simple string:
/// `+<secs>.<micros> [<db> <addr>] "ARG" "ARG"...`, secrets redacted.
pub fn line(secs: u64, micros: u32, db: usize, addr: &str, argv: &[Arg<'_>]) -> Vec<u8> {
    let mut s = Vec::with_capacity(64 + argv.iter().map(|a| a.len() + 3).sum::<usize>());
    s.push(b'+');
    s.extend_from_slice(format!("{secs}.{micros:06} [{db} {addr}]").as_bytes());
    let hidden = redacted(argv);
    for (i, a) in argv.iter().enumerate() {
        s.push(b' ');
        if hidden(i) {
            s.extend_from_slice(b"\"(redacted)\"");
        } else {
            quote_into(&mut s, a);
        }
    }
    s.extend_from_slice(b"\r\n");
    s
}

/// Which arguments hide a secret: every argument of AUTH, and the user and
/// password after HELLO's AUTH.
fn redacted(argv: &[Arg<'_>]) -> impl Fn(usize) -> bool {
    let mut hide = vec![false; argv.len()];
    if let Some(name) = argv.first() {
        if name.eq_ignore_ascii_case(b"auth") {
            for h in hide.iter_mut().skip(1) {
                *h = true;
            }
        } else if name.eq_ignore_ascii_case(b"hello") {
            let mut i = 2;
            while i < argv.len() {
                if argv[i].eq_ignore_ascii_case(b"auth") && i + 2 < argv.len() {
                    hide[i + 1] = true;
                    hide[i + 2] = true;
                    i += 3;
                } else if argv[i].eq_ignore_ascii_case(b"setname") {
                    i += 2;
                } else {
                    i += 1;
                }
            }
        }
    }
    move |i| hide[i]
}

/// Appends `a` in double quotes with Redis's escapes (`sdscatrepr`):
/// backslash escapes for `\ " \n \r \t \a \b`, `\xHH` for other bytes
/// outside printable ASCII.
pub fn quote_into(s: &mut Vec<u8>, a: &[u8]) {
    s.push(b'"');
    for &c in a {
        match c {
            b'\\' => s.extend_from_slice(b"\\\\"),
            b'"' => s.extend_from_slice(b"\\\""),
            b'\n' => s.extend_from_slice(b"\\n"),
            b'\r' => s.extend_from_slice(b"\\r"),
            b'\t' => s.extend_from_slice(b"\\t"),
            7 => s.extend_from_slice(b"\\a"),
            8 => s.extend_from_slice(b"\\b"),
            b' '..=b'~' => s.push(c),
            _ => s.extend_from_slice(format!("\\x{c:02x}").as_bytes()),
        }
    }
    s.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&[u8]]) -> Vec<Bytes> {
        v.iter().map(|a| Bytes::copy_from_slice(a)).collect()
    }

    #[test]
    fn lines_match_redis() {
        let l = line(
            1700000000,
            123,
            0,
            "127.0.0.1:5555",
            &Arg::all(&args(&[b"SET", b"k", b"v"])),
        );
        assert_eq!(
            l,
            b"+1700000000.000123 [0 127.0.0.1:5555] \"SET\" \"k\" \"v\"\r\n"
        );
        // Bytes as redis-server 7.0.15 printed them for the same argument.
        let l = line(
            1,
            0,
            3,
            "a:1",
            &Arg::all(&args(&[b"SET", b"k", b"v\"\\\n\x01\xc3\xbf \xc3\xa9"])),
        );
        assert_eq!(
            String::from_utf8(l).unwrap(),
            "+1.000000 [3 a:1] \"SET\" \"k\" \"v\\\"\\\\\\n\\x01\\xc3\\xbf \\xc3\\xa9\"\r\n"
        );
        let mut s = Vec::new();
        quote_into(&mut s, b"\r\t\x07\x08\x7f");
        assert_eq!(s, b"\"\\r\\t\\a\\b\\x7f\"");
    }

    #[test]
    fn secrets_are_redacted() {
        let l = line(1, 0, 0, "a:1", &Arg::all(&args(&[b"AUTH", b"x"])));
        assert_eq!(l, b"+1.000000 [0 a:1] \"AUTH\" \"(redacted)\"\r\n");
        let l = line(
            1,
            0,
            0,
            "a:1",
            &Arg::all(&args(&[
                b"HELLO", b"2", b"AUTH", b"u", b"p", b"SETNAME", b"n",
            ])),
        );
        assert_eq!(
            l,
            &b"+1.000000 [0 a:1] \"HELLO\" \"2\" \"AUTH\" \"(redacted)\" \"(redacted)\" \"SETNAME\" \"n\"\r\n"[..]
        );
    }

    #[test]
    fn select_shows_its_target() {
        assert_eq!(shown_db(&Arg::all(&args(&[b"select", b"3"])), 0, 16), 3);
        assert_eq!(shown_db(&Arg::all(&args(&[b"SELECT", b"99"])), 1, 16), 1);
        assert_eq!(shown_db(&Arg::all(&args(&[b"GET", b"3"])), 1, 16), 1);
    }
}
