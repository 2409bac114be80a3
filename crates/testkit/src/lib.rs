//! Test-only toolkit: start real servers (Tessera or Redis) on free ports and talk RESP to them; never shipped, never used by the server itself.
//!
//! The client here is written independently of `tessera-resp` on purpose: a test oracle
//! that shared the parser under test would agree with that parser's bugs.

mod conn;
mod reply;
mod server;

pub use conn::Conn;
pub use reply::Reply;
pub use server::{free_port, RedisServer, Server, ServerKind, ServerOpts};

use std::time::{Duration, Instant};

/// Polls `cond` until it returns true or `deadline` has passed; returns whether it became true.
///
/// Polling starts at 1 ms and backs off to 50 ms, so a condition that is met quickly
/// costs almost nothing and a slow one does not spin a core that other tests need.
pub fn wait_until(deadline: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    let mut pause = Duration::from_millis(1);
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_until_reports_success_and_timeout() {
        let mut n = 0;
        assert!(wait_until(Duration::from_secs(5), || {
            n += 1;
            n == 3
        }));
        assert_eq!(n, 3);
        let start = Instant::now();
        assert!(!wait_until(Duration::from_millis(30), || false));
        assert!(start.elapsed() >= Duration::from_millis(30));
    }
}
