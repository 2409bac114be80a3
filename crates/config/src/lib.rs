//! Server configuration: every directive Tessera knows, with Redis's names,
//! defaults, parsing and formatting; the redis.conf file syntax; and the
//! command-line form `tessera-server [file] [--directive value ...]`.

use std::path::PathBuf;

/// The typed configuration. Fields are named after their directives.
#[derive(Clone, Debug)]
pub struct Config {
    pub port: u16,
    pub bind: Vec<String>,
    pub databases: usize,
    pub dir: PathBuf,
    /// Number of shards (one per core); `None` means use the CPUs available.
    pub shards: Option<usize>,
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
}

impl Default for Config {
    fn default() -> Config {
        Config {
            port: 6379,
            bind: vec!["127.0.0.1".into()],
            databases: 16,
            dir: PathBuf::from("."),
            shards: None,
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
        }
    }
}
