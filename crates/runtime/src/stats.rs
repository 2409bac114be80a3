//! Per-shard counters, summed over shards by INFO. Plain integers: each is
//! touched only by its own shard's thread.

#[derive(Clone, Copy, Debug, Default)]
pub struct ShardStats {
    pub commands: u64,
    pub dirty: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    pub connections: u64,
    pub expired_keys: u64,
    pub multi_shard_ops: u64,
    /// Connections that moved to this shard (see `conn.rs`).
    pub migrated_connections: u64,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct CmdStats {
    pub calls: u64,
    pub usec: u64,
    pub rejected: u64,
    pub failed: u64,
}

use crate::shard::{ClientInfo, Shard, SlowEntry};
use bytes::Bytes;
use std::sync::atomic::Ordering;
use tessera_commands::CommandSpec;
use tessera_resp::Arg;

/// The key of a command in `Shard::cmdstats`: the address of its
/// declaration, which is static. Subcommands share their parent's name
/// (`get` of CONFIG and GET are different), so the name cannot be the key;
/// INFO turns keys back into `config|get` by walking the table.
pub fn cmd_key(spec: &'static CommandSpec) -> usize {
    spec as *const CommandSpec as usize
}

/// Calls of one command not yet added to the shard's counters. A
/// connection running a pipeline of the same command adds them up here and
/// touches the shard's table once per run instead of once per call.
#[derive(Default)]
pub struct Pending {
    spec: Option<&'static CommandSpec>,
    calls: u64,
    usec: u64,
    failed: u64,
}

impl Pending {
    /// Counts one call of `spec`; a call of another command first flushes
    /// the run so far.
    pub fn add(&mut self, sh: &Shard, spec: &'static CommandSpec, us: u64, failed: bool) {
        if let Some(s) = self.spec {
            if !std::ptr::eq(s, spec) {
                self.flush(sh);
            }
        }
        self.spec = Some(spec);
        self.calls += 1;
        self.usec += us;
        self.failed += u64::from(failed);
    }

    /// Adds the pending calls to the shard's counters.
    pub fn flush(&mut self, sh: &Shard) {
        let Some(spec) = self.spec.take() else {
            return;
        };
        sh.stats.borrow_mut().commands += self.calls;
        let mut m = sh.cmdstats.borrow_mut();
        let e = m.entry(cmd_key(spec)).or_default();
        e.calls += self.calls;
        e.usec += self.usec;
        e.failed += self.failed;
        self.calls = 0;
        self.usec = 0;
        self.failed = 0;
    }
}

/// Counts one call of `spec` taking `us` microseconds.
pub fn record(sh: &Shard, spec: &'static CommandSpec, us: u64, failed: bool) {
    sh.stats.borrow_mut().commands += 1;
    let mut m = sh.cmdstats.borrow_mut();
    let e = m.entry(cmd_key(spec)).or_default();
    e.calls += 1;
    e.usec += us;
    if failed {
        e.failed += 1;
    }
}

/// Counts a call of `spec` refused before it ran (wrong arity, NOAUTH, not
/// allowed in the client's state or in MULTI): Redis's `rejected_calls`.
/// The error itself goes to errorstats through [`record_error`].
pub fn record_rejected(sh: &Shard, spec: &'static CommandSpec) {
    sh.cmdstats
        .borrow_mut()
        .entry(cmd_key(spec))
        .or_default()
        .rejected += 1;
}

/// The code of an encoded error reply (`ERR`, `WRONGTYPE`...): the first
/// word after the `-`, as Redis's errorstats count them.
pub fn error_code(reply: &[u8]) -> Option<&str> {
    let rest = reply.strip_prefix(b"-")?;
    let end = rest
        .iter()
        .position(|&c| c == b' ' || c == b'\r')
        .unwrap_or(rest.len());
    std::str::from_utf8(&rest[..end]).ok()
}

/// Counts an error reply (the encoded reply starting with `-`) in errorstats.
pub fn record_error(sh: &Shard, reply: &[u8]) {
    let Some(code) = error_code(reply) else {
        return;
    };
    let mut m = sh.errorstats.borrow_mut();
    match m.get_mut(code) {
        Some(n) => *n += 1,
        None => {
            m.insert(code.to_string(), 1);
        }
    }
}

/// Adds a SLOWLOG entry when the command took at least `slowlog-log-slower-than`.
#[inline]
pub fn maybe_slowlog(sh: &Shard, client: &ClientInfo, argv: &[Arg<'_>], us: u64) {
    let threshold = sh.config.borrow().slowlog_log_slower_than;
    if threshold >= 0 && us as i64 >= threshold {
        slowlog(sh, client, argv, us);
    }
}

#[inline(never)]
fn slowlog(sh: &Shard, client: &ClientInfo, argv: &[Arg<'_>], us: u64) {
    let max_len = sh.config.borrow().slowlog_max_len as usize;
    if max_len == 0 {
        return;
    }
    // Like Redis: at most 32 arguments, each at most 128 bytes, with a note
    // of what was left out.
    let mut args: Vec<Bytes> = Vec::new();
    let shown = argv.len().min(32);
    for (i, a) in argv.iter().take(shown).enumerate() {
        if i == 31 && argv.len() > 32 {
            args.push(Bytes::from(format!(
                "... ({} more arguments)",
                argv.len() - 31
            )));
        } else if a.len() > 128 {
            let mut v = a[..128].to_vec();
            v.extend_from_slice(format!("... ({} more bytes)", a.len() - 128).as_bytes());
            args.push(Bytes::from(v));
        } else {
            args.push(Bytes::copy_from_slice(a));
        }
    }
    // Ids are server-wide so that SLOWLOG GET can merge the shards' logs
    // by id, newest first; slow commands are rare, so the shared counter
    // costs nothing on the fast path.
    let id = sh.global.slowlog_next_id.fetch_add(1, Ordering::Relaxed);
    let mut log = sh.slowlog.borrow_mut();
    log.push_front(SlowEntry {
        id,
        at_unix_s: crate::shard::unix_ms() / 1000,
        micros: us,
        args,
        addr: client.addr.clone(),
        name: client
            .name
            .borrow()
            .as_ref()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default(),
    });
    log.truncate(max_len);
}

#[cfg(test)]
mod tests {
    use super::error_code;

    #[test]
    fn error_codes_are_the_first_word() {
        assert_eq!(error_code(b"-ERR syntax error\r\n"), Some("ERR"));
        assert_eq!(error_code(b"-WRONGTYPE Operation\r\n"), Some("WRONGTYPE"));
        assert_eq!(error_code(b"-NOAUTH\r\n"), Some("NOAUTH"));
        assert_eq!(error_code(b"+OK\r\n"), None);
    }
}
