//! INFO: the server's report, in Redis 7.0's sections and field names, with
//! the counters summed over every shard. It only reads state (and keeps the
//! instantaneous-rate samples and the memory peak); it changes nothing else.
//!
//! The numbers a shard owns (commands, bytes, keyspace, its thread's
//! allocations) are collected with one mesh hop per shard, all shards at
//! once; process-wide facts (CPU time, RSS, uptime) are read here.

use crate::conn::Conn;
use crate::exec::RuntimeHandler;
use crate::shard::{unix_ms, Shard};
use crate::stats::{CmdStats, ShardStats};
use futures::future::LocalBoxFuture;
use futures::FutureExt;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tessera_commands::spec::{flags::*, ArgSpec, CommandSpec, Exec};
use tessera_commands::table::Table;
use tessera_resp::Arg;

/// The sections INFO can show, in the order Redis prints them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Server,
    Clients,
    Memory,
    Persistence,
    Stats,
    Replication,
    Cpu,
    Modules,
    Commandstats,
    Errorstats,
    Cluster,
    Keyspace,
}

impl Section {
    const ALL: [Section; 12] = [
        Section::Server,
        Section::Clients,
        Section::Memory,
        Section::Persistence,
        Section::Stats,
        Section::Replication,
        Section::Cpu,
        Section::Modules,
        Section::Commandstats,
        Section::Errorstats,
        Section::Cluster,
        Section::Keyspace,
    ];

    fn title(self) -> &'static str {
        match self {
            Section::Server => "Server",
            Section::Clients => "Clients",
            Section::Memory => "Memory",
            Section::Persistence => "Persistence",
            Section::Stats => "Stats",
            Section::Replication => "Replication",
            Section::Cpu => "CPU",
            Section::Modules => "Modules",
            Section::Commandstats => "Commandstats",
            Section::Errorstats => "Errorstats",
            Section::Cluster => "Cluster",
            Section::Keyspace => "Keyspace",
        }
    }

    fn bit(self) -> u32 {
        1 << self as u32
    }

    /// Whether plain INFO (and `default`) shows this section: everything but
    /// the per-command statistics, as in Redis.
    fn is_default(self) -> bool {
        self != Section::Commandstats
    }
}

/// The set of sections an INFO call asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sections(u32);

impl Sections {
    pub fn contains(self, s: Section) -> bool {
        self.0 & s.bit() != 0
    }

    /// Parses INFO's arguments: section names in any case and any order,
    /// plus `default`, `all` and `everything`. Unknown names are ignored, as
    /// Redis ignores them; no argument means `default`.
    pub fn parse(args: &[Arg<'_>]) -> Sections {
        let default = Section::ALL
            .iter()
            .filter(|s| s.is_default())
            .fold(0, |m, s| m | s.bit());
        if args.is_empty() {
            return Sections(default);
        }
        let mut mask = 0;
        for a in args {
            let name = String::from_utf8_lossy(a).to_ascii_lowercase();
            match name.as_str() {
                "default" => mask |= default,
                "all" | "everything" => mask |= Section::ALL.iter().fold(0, |m, s| m | s.bit()),
                _ => {
                    if let Some(s) = Section::ALL
                        .iter()
                        .find(|s| s.title().eq_ignore_ascii_case(&name))
                    {
                        mask |= s.bit();
                    }
                }
            }
        }
        Sections(mask)
    }
}

/// Builds INFO's text: `# Title` headers, `name:value` lines, CRLF line
/// ends and one blank line between sections.
#[derive(Default)]
pub struct InfoText {
    pub text: String,
}

impl InfoText {
    pub fn section(&mut self, title: &str) {
        if !self.text.is_empty() {
            self.text.push_str("\r\n");
        }
        let _ = write!(self.text, "# {title}\r\n");
    }

    pub fn field(&mut self, name: &str, value: impl std::fmt::Display) {
        let _ = write!(self.text, "{name}:{value}\r\n");
    }
}

/// Redis's human-readable byte count (`943.96K`): plain bytes below 1K,
/// then two decimals in the largest unit that keeps the number at least 1.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [(&str, u32); 5] = [("K", 1), ("M", 2), ("G", 3), ("T", 4), ("P", 5)];
    if n < 1024 {
        return format!("{n}B");
    }
    for (unit, power) in UNITS {
        let size = 1024f64.powi(power as i32);
        if (n as f64) < size * 1024.0 || unit == "P" {
            return format!("{:.2}{unit}", n as f64 / size);
        }
    }
    format!("{n}B")
}

// ---------------------------------------------------------------------------
// What each shard reports.
// ---------------------------------------------------------------------------

/// One shard's numbers, collected on its own thread.
#[derive(Clone, Debug, Default)]
pub struct ShardReport {
    pub stats: ShardStats,
    pub cmdstats: Vec<(usize, CmdStats)>,
    pub errorstats: Vec<(String, u64)>,
    /// Keys and keys with a TTL, per database.
    pub dbs: Vec<(usize, usize)>,
    pub hits: u64,
    pub misses: u64,
    pub expired: u64,
    /// Net bytes allocated by this shard's thread.
    pub used_memory: isize,
    /// Instantaneous rates: commands/s, input KiB/s, output KiB/s.
    pub rates: [f64; 3],
    pub max_query_buf: usize,
    pub max_output_buf: usize,
    /// Connections of this shard waiting in a blocking command.
    pub blocked_clients: usize,
}

/// Collects this shard's report. Runs on the shard's thread.
pub fn report(sh: &Shard) -> ShardReport {
    let ks = sh.ks.borrow();
    let mut r = ShardReport {
        stats: *sh.stats.borrow(),
        cmdstats: sh.cmdstats.borrow().iter().map(|(k, v)| (*k, *v)).collect(),
        errorstats: sh
            .errorstats
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect(),
        dbs: ks
            .dbs()
            .iter()
            .map(|d| (d.len(), d.expires_len()))
            .collect(),
        used_memory: crate::alloc::thread_used(),
        rates: rates(),
        blocked_clients: sh.blocked.borrow().blocked_clients(),
        ..ShardReport::default()
    };
    for d in ks.dbs() {
        r.hits += d.stats.hits;
        r.misses += d.stats.misses;
        r.expired += d.stats.expired;
    }
    for c in sh.clients.borrow().values() {
        r.max_query_buf = r.max_query_buf.max(c.query_buf.get());
        r.max_output_buf = r.max_output_buf.max(c.output_buf.get());
    }
    r
}

/// Zeroes what CONFIG RESETSTAT resets on this shard: the counters, command
/// and error statistics and the keyspace hit counts. The count of changes
/// since the last save is not a statistic and stays. Runs on the shard's thread.
pub fn reset_shard_stats(sh: &Shard) {
    {
        let mut s = sh.stats.borrow_mut();
        *s = ShardStats {
            dirty: s.dirty,
            ..ShardStats::default()
        };
    }
    sh.cmdstats.borrow_mut().clear();
    sh.errorstats.borrow_mut().clear();
    for d in sh.ks.borrow_mut().dbs_mut() {
        d.stats = Default::default();
    }
    SAMPLER.with(|s| *s.borrow_mut() = Sampler::default());
}

/// Forgets the memory peak (CONFIG RESETSTAT).
pub fn reset_peak() {
    PEAK.store(0, Ordering::Relaxed);
}

// ---------------------------------------------------------------------------
// Instantaneous rates: like Redis, a rate is sampled every 100 ms and the
// last 16 samples are averaged. Each shard samples its own counters from
// its cron, so the samplers live in thread-locals (one shard per thread).
// ---------------------------------------------------------------------------

const SAMPLES: usize = 16;
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

#[derive(Default)]
struct Sampler {
    last: Option<(Instant, [u64; 3])>,
    samples: [[f64; 3]; SAMPLES],
    next: usize,
    filled: usize,
}

thread_local! {
    static SAMPLER: RefCell<Sampler> = RefCell::default();
}

/// The highest `used_memory` INFO has seen. Process-wide because one
/// process runs one server; updated whenever INFO reads the memory.
static PEAK: AtomicU64 = AtomicU64::new(0);

/// Takes a rate sample when 100 ms have passed since the last. Called from
/// each shard's cron.
pub fn sample(sh: &Shard) {
    let now = Instant::now();
    let counters = {
        let s = sh.stats.borrow();
        [s.commands, s.net_input_bytes, s.net_output_bytes]
    };
    SAMPLER.with(|cell| {
        let mut s = cell.borrow_mut();
        match s.last {
            Some((at, before)) => {
                let dt = now.duration_since(at);
                if dt < SAMPLE_EVERY {
                    return;
                }
                let secs = dt.as_secs_f64();
                let mut rate = [0.0; 3];
                for i in 0..3 {
                    rate[i] = counters[i].saturating_sub(before[i]) as f64 / secs;
                }
                rate[1] /= 1024.0;
                rate[2] /= 1024.0;
                let at = s.next;
                s.samples[at] = rate;
                s.next = (at + 1) % SAMPLES;
                s.filled = (s.filled + 1).min(SAMPLES);
                s.last = Some((now, counters));
            }
            None => s.last = Some((now, counters)),
        }
    });
}

fn rates() -> [f64; 3] {
    SAMPLER.with(|cell| {
        let s = cell.borrow();
        let mut sum = [0.0; 3];
        for sample in &s.samples[..s.filled] {
            for i in 0..3 {
                sum[i] += sample[i];
            }
        }
        if s.filled > 0 {
            for v in &mut sum {
                *v /= s.filled as f64;
            }
        }
        sum
    })
}

// ---------------------------------------------------------------------------
// Process facts.
// ---------------------------------------------------------------------------

/// Resident set size in bytes, from /proc/self/statm.
fn rss_bytes() -> u64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0);
    pages * page_size()
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 {
        n as u64
    } else {
        4096
    }
}

fn total_system_memory() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let pages = unsafe { libc::sysconf(libc::_SC_PHYS_PAGES) };
    if pages > 0 {
        pages as u64 * page_size()
    } else {
        0
    }
}

/// `sysname release machine`, as Redis's `os` field shows it.
fn os_name() -> String {
    // SAFETY: uname fills a zeroed struct we own; its fields are
    // NUL-terminated by the kernel.
    unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut u) != 0 {
            return "Linux".into();
        }
        let field = |f: &[libc::c_char]| {
            std::ffi::CStr::from_ptr(f.as_ptr())
                .to_string_lossy()
                .into_owned()
        };
        format!(
            "{} {} {}",
            field(&u.sysname),
            field(&u.release),
            field(&u.machine)
        )
    }
}

/// CPU time as `seconds.micros` (user, system) for `who`.
fn cpu_times(who: libc::c_int) -> (String, String) {
    // SAFETY: getrusage fills a zeroed struct we own.
    let u = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut u);
        u
    };
    let tv = |t: libc::timeval| format!("{}.{:06}", t.tv_sec, t.tv_usec);
    (tv(u.ru_utime), tv(u.ru_stime))
}

/// The replication id: random, fixed for the life of the process, and
/// unrelated to the run id, as in Redis.
fn master_replid() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        use rand::Rng;
        let mut r = rand::thread_rng();
        (0..40)
            .map(|_| char::from_digit(r.gen_range(0..16), 16).unwrap_or('0'))
            .collect()
    })
}

/// The `config|get` style name of every declared command, by `stats::cmd_key`.
fn command_names() -> &'static BTreeMap<usize, String> {
    static NAMES: std::sync::OnceLock<BTreeMap<usize, String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let mut m = BTreeMap::new();
        for spec in Table::global().all() {
            m.insert(crate::stats::cmd_key(spec), spec.name.to_string());
            for sub in spec.subcommands {
                m.insert(
                    crate::stats::cmd_key(sub),
                    format!("{}|{}", spec.name, sub.name),
                );
            }
        }
        m
    })
}

// ---------------------------------------------------------------------------
// The report.
// ---------------------------------------------------------------------------

/// Everything INFO prints, summed over the shards.
struct Totals {
    stats: ShardStats,
    cmdstats: BTreeMap<String, CmdStats>,
    errorstats: BTreeMap<String, u64>,
    dbs: Vec<(usize, usize)>,
    hits: u64,
    misses: u64,
    expired: u64,
    used_memory: u64,
    rates: [f64; 3],
    max_query_buf: usize,
    max_output_buf: usize,
    blocked_clients: usize,
    /// Distinct channels, patterns and shard channels with subscribers.
    pubsub: [usize; 3],
}

fn total(reports: Vec<ShardReport>) -> Totals {
    let mut t = Totals {
        stats: ShardStats::default(),
        cmdstats: BTreeMap::new(),
        errorstats: BTreeMap::new(),
        dbs: Vec::new(),
        hits: 0,
        misses: 0,
        expired: 0,
        used_memory: 0,
        rates: [0.0; 3],
        max_query_buf: 0,
        max_output_buf: 0,
        blocked_clients: 0,
        pubsub: [0; 3],
    };
    let mut used: isize = 0;
    for r in reports {
        let s = &mut t.stats;
        s.commands += r.stats.commands;
        s.dirty += r.stats.dirty;
        s.net_input_bytes += r.stats.net_input_bytes;
        s.net_output_bytes += r.stats.net_output_bytes;
        s.connections += r.stats.connections;
        s.multi_shard_ops += r.stats.multi_shard_ops;
        s.migrated_connections += r.stats.migrated_connections;
        for (key, c) in r.cmdstats {
            let Some(name) = command_names().get(&key) else {
                continue;
            };
            let e = t.cmdstats.entry(name.clone()).or_default();
            e.calls += c.calls;
            e.usec += c.usec;
            e.rejected += c.rejected;
            e.failed += c.failed;
        }
        for (code, n) in r.errorstats {
            *t.errorstats.entry(code).or_default() += n;
        }
        if t.dbs.len() < r.dbs.len() {
            t.dbs.resize(r.dbs.len(), (0, 0));
        }
        for (i, (keys, expires)) in r.dbs.into_iter().enumerate() {
            t.dbs[i].0 += keys;
            t.dbs[i].1 += expires;
        }
        t.hits += r.hits;
        t.misses += r.misses;
        t.expired += r.expired;
        used += r.used_memory;
        for i in 0..3 {
            t.rates[i] += r.rates[i];
        }
        t.max_query_buf = t.max_query_buf.max(r.max_query_buf);
        t.max_output_buf = t.max_output_buf.max(r.max_output_buf);
        t.blocked_clients += r.blocked_clients;
    }
    t.used_memory = used.max(0) as u64;
    t
}

/// Renders the sections asked for.
fn render(sh: &Shard, want: Sections, t: &Totals) -> String {
    let g = &sh.global;
    let config = g
        .config
        .lock()
        .map(|c| c.clone())
        .unwrap_or_else(|e| e.into_inner().clone());
    let mut o = InfoText::default();
    let now_ms = unix_ms();
    let uptime = g.started.elapsed().as_secs();
    for section in Section::ALL {
        if !want.contains(section) {
            continue;
        }
        o.section(section.title());
        match section {
            Section::Server => {
                o.field("redis_version", super::REDIS_VERSION);
                o.field("redis_git_sha1", "00000000");
                o.field("redis_git_dirty", 0);
                o.field("redis_build_id", "0");
                o.field("redis_mode", "standalone");
                o.field("os", os_name());
                o.field("arch_bits", usize::BITS);
                o.field("monotonic_clock", "POSIX clock_gettime");
                o.field("multiplexing_api", "io_uring");
                o.field("atomicvar_api", "c11-builtin");
                o.field("gcc_version", "0.0.0");
                o.field("process_id", std::process::id());
                o.field("process_supervised", "no");
                o.field("run_id", &g.run_id);
                o.field("tcp_port", g.port.load(Ordering::Relaxed));
                o.field("server_time_usec", now_ms * 1000);
                o.field("uptime_in_seconds", uptime);
                o.field("uptime_in_days", uptime / 86400);
                o.field("hz", config.hz);
                o.field("configured_hz", config.hz);
                o.field("lru_clock", tessera_storage::db::lru_clock(now_ms));
                o.field("executable", &g.executable);
                o.field("config_file", g.config_file.as_deref().unwrap_or(""));
                o.field("io_threads_active", 0);
                o.field("tessera_version", env!("CARGO_PKG_VERSION"));
                o.field("shards", g.shards);
            }
            Section::Clients => {
                o.field("connected_clients", g.clients.load(Ordering::Relaxed));
                o.field("cluster_connections", 0);
                o.field("maxclients", config.maxclients);
                o.field("client_recent_max_input_buffer", t.max_query_buf);
                o.field("client_recent_max_output_buffer", t.max_output_buf);
                o.field("blocked_clients", t.blocked_clients);
                o.field("tracking_clients", 0);
                o.field("clients_in_timeout_table", 0);
            }
            Section::Memory => {
                let used = t.used_memory;
                let peak = PEAK.fetch_max(used, Ordering::Relaxed).max(used);
                let rss = rss_bytes();
                let system = total_system_memory();
                o.field("used_memory", used);
                o.field("used_memory_human", human_bytes(used));
                o.field("used_memory_rss", rss);
                o.field("used_memory_rss_human", human_bytes(rss));
                o.field("used_memory_peak", peak);
                o.field("used_memory_peak_human", human_bytes(peak));
                o.field(
                    "used_memory_peak_perc",
                    format!("{:.2}%", used as f64 * 100.0 / peak.max(1) as f64),
                );
                o.field("total_system_memory", system);
                o.field("total_system_memory_human", human_bytes(system));
                o.field("maxmemory", config.maxmemory);
                o.field("maxmemory_human", human_bytes(config.maxmemory));
                o.field("maxmemory_policy", &config.maxmemory_policy);
                o.field(
                    "mem_fragmentation_ratio",
                    format!("{:.2}", rss as f64 / used.max(1) as f64),
                );
                o.field("mem_fragmentation_bytes", rss as i64 - used as i64);
                o.field("mem_not_counted_for_evict", 0);
                o.field("mem_replication_backlog", 0);
                o.field("mem_total_replication_buffers", 0);
                o.field("mem_clients_slaves", 0);
                o.field("mem_aof_buffer", 0);
                o.field("mem_allocator", "mimalloc");
                o.field("active_defrag_running", 0);
                o.field("lazyfree_pending_objects", 0);
                o.field("lazyfreed_objects", 0);
            }
            Section::Persistence => {
                o.field("loading", 0);
                o.field("async_loading", 0);
                o.field("current_cow_peak", 0);
                o.field("current_cow_size", 0);
                o.field("current_cow_size_age", 0);
                o.field("current_fork_perc", "0.00");
                o.field("current_save_keys_processed", 0);
                o.field("current_save_keys_total", 0);
                o.field("rdb_changes_since_last_save", t.stats.dirty);
                o.field("rdb_bgsave_in_progress", 0);
                o.field("rdb_last_save_time", g.started_unix_ms / 1000);
                o.field("rdb_last_bgsave_status", "ok");
                o.field("rdb_last_bgsave_time_sec", -1);
                o.field("rdb_current_bgsave_time_sec", -1);
                o.field("rdb_saves", 0);
                o.field("rdb_last_cow_size", 0);
                o.field("rdb_last_load_keys_expired", 0);
                o.field("rdb_last_load_keys_loaded", 0);
                o.field("aof_enabled", 0);
                o.field("aof_rewrite_in_progress", 0);
                o.field("aof_rewrite_scheduled", 0);
                o.field("aof_last_rewrite_time_sec", -1);
                o.field("aof_current_rewrite_time_sec", -1);
                o.field("aof_last_bgrewrite_status", "ok");
                o.field("aof_rewrites", 0);
                o.field("aof_rewrites_consecutive_failures", 0);
                o.field("aof_last_write_status", "ok");
                o.field("aof_last_cow_size", 0);
                o.field("module_fork_in_progress", 0);
                o.field("module_fork_last_cow_size", 0);
            }
            Section::Stats => {
                let errors: u64 = t.errorstats.values().sum();
                o.field("total_connections_received", t.stats.connections);
                o.field("total_commands_processed", t.stats.commands);
                o.field("instantaneous_ops_per_sec", t.rates[0].round() as u64);
                o.field("total_net_input_bytes", t.stats.net_input_bytes);
                o.field("total_net_output_bytes", t.stats.net_output_bytes);
                o.field("total_net_repl_input_bytes", 0);
                o.field("total_net_repl_output_bytes", 0);
                o.field("instantaneous_input_kbps", format!("{:.2}", t.rates[1]));
                o.field("instantaneous_output_kbps", format!("{:.2}", t.rates[2]));
                o.field("instantaneous_input_repl_kbps", "0.00");
                o.field("instantaneous_output_repl_kbps", "0.00");
                o.field(
                    "rejected_connections",
                    g.rejected_connections.load(Ordering::Relaxed),
                );
                o.field("sync_full", 0);
                o.field("sync_partial_ok", 0);
                o.field("sync_partial_err", 0);
                o.field("expired_keys", t.expired);
                o.field("expired_stale_perc", "0.00");
                o.field("expired_time_cap_reached_count", 0);
                o.field("expire_cycle_cpu_milliseconds", 0);
                o.field("evicted_keys", 0);
                o.field("evicted_clients", 0);
                o.field("total_eviction_exceeded_time", 0);
                o.field("current_eviction_exceeded_time", 0);
                o.field("keyspace_hits", t.hits);
                o.field("keyspace_misses", t.misses);
                o.field("pubsub_channels", t.pubsub[0]);
                o.field("pubsub_patterns", t.pubsub[1]);
                o.field("pubsubshard_channels", t.pubsub[2]);
                o.field("latest_fork_usec", 0);
                o.field("total_forks", 0);
                o.field("migrate_cached_sockets", 0);
                o.field("slave_expires_tracked_keys", 0);
                o.field("active_defrag_hits", 0);
                o.field("active_defrag_misses", 0);
                o.field("active_defrag_key_hits", 0);
                o.field("active_defrag_key_misses", 0);
                o.field("total_active_defrag_time", 0);
                o.field("current_active_defrag_time", 0);
                o.field("tracking_total_keys", 0);
                o.field("tracking_total_items", 0);
                o.field("tracking_total_prefixes", 0);
                o.field("unexpected_error_replies", 0);
                o.field("total_error_replies", errors);
                o.field("dump_payload_sanitizations", 0);
                o.field("multi_shard_ops", t.stats.multi_shard_ops);
                o.field("migrated_connections", t.stats.migrated_connections);
            }
            Section::Replication => {
                o.field("role", "master");
                o.field("connected_slaves", 0);
                o.field("master_failover_state", "no-failover");
                o.field("master_replid", master_replid());
                o.field("master_replid2", "0".repeat(40));
                o.field("master_repl_offset", 0);
                o.field("second_repl_offset", -1);
                o.field("repl_backlog_active", 0);
                o.field("repl_backlog_size", 1048576);
                o.field("repl_backlog_first_byte_offset", 0);
                o.field("repl_backlog_histlen", 0);
            }
            Section::Cpu => {
                let (user, sys) = cpu_times(libc::RUSAGE_SELF);
                let (cuser, csys) = cpu_times(libc::RUSAGE_CHILDREN);
                let (tuser, tsys) = cpu_times(libc::RUSAGE_THREAD);
                o.field("used_cpu_sys", sys);
                o.field("used_cpu_user", user);
                o.field("used_cpu_sys_children", csys);
                o.field("used_cpu_user_children", cuser);
                o.field("used_cpu_sys_main_thread", tsys);
                o.field("used_cpu_user_main_thread", tuser);
            }
            Section::Modules => {}
            Section::Commandstats => {
                for (name, c) in &t.cmdstats {
                    o.field(&format!("cmdstat_{name}"), cmdstat_line(c));
                }
            }
            Section::Errorstats => {
                for (code, n) in &t.errorstats {
                    o.field(&format!("errorstat_{code}"), format!("count={n}"));
                }
            }
            Section::Cluster => o.field("cluster_enabled", 0),
            Section::Keyspace => {
                for (i, (keys, expires)) in t.dbs.iter().enumerate() {
                    if *keys > 0 {
                        o.field(
                            &format!("db{i}"),
                            format!("keys={keys},expires={expires},avg_ttl=0"),
                        );
                    }
                }
            }
        }
    }
    o.text
}

/// `calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=..`
pub fn cmdstat_line(c: &CmdStats) -> String {
    let per_call = if c.calls == 0 {
        0.0
    } else {
        c.usec as f64 / c.calls as f64
    };
    format!(
        "calls={},usec={},usec_per_call={:.2},rejected_calls={},failed_calls={}",
        c.calls, c.usec, per_call, c.rejected, c.failed
    )
}

/// INFO [section [section ...]]
fn info<'a>(c: &'a mut Conn, argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    let want = Sections::parse(&argv[1..]);
    async move {
        let sh: Rc<Shard> = c.sh.clone();
        let reports = crate::mesh::on_every_shard(&sh, |s| report(s)).await;
        let mut t = total(reports);
        t.pubsub = crate::pubsub::info_counts(&sh).await;
        let text = render(&sh, want, &t);
        c.out.verbatim("txt", text.as_bytes());
    }
    .boxed_local()
}

static INFO: RuntimeHandler = RuntimeHandler::Async(info);

pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "info",
    arity: -1,
    flags: LOADING | STALE | SENTINEL,
    acl: &["slow", "dangerous"],
    args: &[ArgSpec::string("section")
        .optional()
        .multiple()
        .since("7.0.0")],
    summary: "Reports the server's state and statistics, by section.",
    since: "1.0.0",
    group: "server",
    exec: Exec::Runtime(&INFO),
    ..CommandSpec::DEFAULT
}];

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter().map(|s| Bytes::from(s.to_string())).collect()
    }

    #[test]
    fn default_sections_leave_out_commandstats() {
        let d = Sections::parse(&[]);
        assert!(d.contains(Section::Server));
        assert!(d.contains(Section::Errorstats));
        assert!(d.contains(Section::Keyspace));
        assert!(!d.contains(Section::Commandstats));
        assert_eq!(Sections::parse(&Arg::all(&args(&["default"]))), d);
    }

    #[test]
    fn named_sections_ignore_case_and_unknown_names() {
        let s = Sections::parse(&Arg::all(&args(&["CLUSTER", "server", "nonsense"])));
        assert!(s.contains(Section::Cluster));
        assert!(s.contains(Section::Server));
        assert!(!s.contains(Section::Clients));
        assert_eq!(
            Sections::parse(&Arg::all(&args(&["nonsense"]))),
            Sections(0)
        );
        let all = Sections::parse(&Arg::all(&args(&["everything"])));
        assert!(Section::ALL.iter().all(|s| all.contains(*s)));
        assert_eq!(all, Sections::parse(&Arg::all(&args(&["all"]))));
    }

    #[test]
    fn text_has_headers_crlf_and_blank_lines_between_sections() {
        let mut o = InfoText::default();
        o.section("Modules");
        o.section("Cluster");
        o.field("cluster_enabled", 0);
        assert_eq!(
            o.text,
            "# Modules\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n"
        );
    }

    #[test]
    fn human_bytes_like_redis() {
        assert_eq!(human_bytes(0), "0B");
        assert_eq!(human_bytes(1023), "1023B");
        assert_eq!(human_bytes(966616), "943.96K");
        assert_eq!(human_bytes(7176192), "6.84M");
        assert_eq!(human_bytes(25276502016), "23.54G");
        assert_eq!(human_bytes(1 << 40), "1.00T");
    }

    #[test]
    fn cmdstat_lines() {
        let c = CmdStats {
            calls: 17,
            usec: 100372,
            rejected: 1,
            failed: 7,
        };
        assert_eq!(
            cmdstat_line(&c),
            "calls=17,usec=100372,usec_per_call=5904.24,rejected_calls=1,failed_calls=7"
        );
    }

    #[test]
    fn totals_add_up_shards_and_keep_the_larger_database_count() {
        let a = ShardReport {
            dbs: vec![(3, 1), (0, 0)],
            hits: 2,
            used_memory: 100,
            ..ShardReport::default()
        };
        let b = ShardReport {
            dbs: vec![(4, 0), (1, 1)],
            misses: 5,
            used_memory: -30,
            ..ShardReport::default()
        };
        let t = total(vec![a, b]);
        assert_eq!(t.dbs, vec![(7, 1), (1, 1)]);
        assert_eq!((t.hits, t.misses, t.used_memory), (2, 5, 70));
    }
}
