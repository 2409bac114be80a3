//! How many CPUs this process may really use: the scheduler affinity mask,
//! further limited by a cgroup (v2 or v1) CPU quota. Used for the default
//! shard count. Reads /proc and /sys only; never changes affinity or limits.

use std::path::{Path, PathBuf};

/// The CPUs this process may run on: the affinity mask, capped by the
/// cgroup CPU quota (a quota of 2.5 CPUs counts as 3), and at least 1.
pub fn available_cpus() -> usize {
    let affinity = affinity_cpus()
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let quota = cgroup_quota_cpus();
    quota.map_or(affinity, |q| affinity.min(q)).max(1)
}

#[cfg(target_os = "linux")]
fn affinity_cpus() -> Option<usize> {
    // SAFETY: cpu_set_t is plain data, valid when zeroed, and the kernel
    // writes at most size_of::<cpu_set_t>() bytes into it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return None;
        }
        let n = libc::CPU_COUNT(&set);
        (n > 0).then_some(n as usize)
    }
}

#[cfg(not(target_os = "linux"))]
fn affinity_cpus() -> Option<usize> {
    None
}

/// The ids of the CPUs in this process's affinity mask, ascending, for
/// pinning one shard thread per CPU. Empty when the mask cannot be read.
/// The cgroup quota is not applied here: it limits time, not which CPUs.
#[cfg(target_os = "linux")]
pub fn allowed_cpu_list() -> Vec<usize> {
    // SAFETY: as in `affinity_cpus`; CPU_ISSET only reads the set, and
    // every index passed is below CPU_SETSIZE.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&cpu| libc::CPU_ISSET(cpu, &set))
            .collect()
    }
}

#[cfg(not(target_os = "linux"))]
pub fn allowed_cpu_list() -> Vec<usize> {
    Vec::new()
}

/// Parses a cgroup v2 `cpu.max` file: `"max 100000"` (no limit) gives
/// `None`; `"400000 100000"` gives 4; fractions round up.
pub fn cgroup2_cpus(cpu_max: &str) -> Option<usize> {
    let mut words = cpu_max.split_whitespace();
    let quota = words.next()?;
    let period = words.next().unwrap_or("100000");
    if quota == "max" {
        return None;
    }
    quota_to_cpus(quota.parse().ok()?, period.parse().ok()?)
}

/// Parses cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`: a quota
/// of -1 means no limit.
pub fn cgroup1_cpus(quota_us: &str, period_us: &str) -> Option<usize> {
    let quota: i64 = quota_us.trim().parse().ok()?;
    let period: i64 = period_us.trim().parse().ok()?;
    if quota <= 0 {
        return None;
    }
    quota_to_cpus(quota as u64, u64::try_from(period).ok()?)
}

fn quota_to_cpus(quota: u64, period: u64) -> Option<usize> {
    if period == 0 || quota == 0 {
        return None;
    }
    Some(quota.div_ceil(period).max(1) as usize)
}

/// The tightest quota among this process's cgroup and its ancestors, for
/// whichever cgroup versions are mounted.
fn cgroup_quota_cpus() -> Option<usize> {
    let membership = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let root = Path::new("/sys/fs/cgroup");
    let mut best: Option<usize> = None;
    let mut take = |n: Option<usize>| {
        if let Some(n) = n {
            best = Some(best.map_or(n, |b| b.min(n)));
        }
    };
    for line in membership.lines() {
        // Lines look like "0::/path" (v2) or "4:cpu,cpuacct:/path" (v1).
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let rel = path.trim_start_matches('/');
        if controllers.is_empty() {
            for dir in ancestors(&root.join(rel), root) {
                take(read(&dir.join("cpu.max")).and_then(|s| cgroup2_cpus(&s)));
            }
        } else if controllers.split(',').any(|c| c == "cpu") {
            for mount in ["cpu", "cpu,cpuacct", "cpuacct,cpu"] {
                let base = root.join(mount);
                for dir in ancestors(&base.join(rel), &base) {
                    let quota = read(&dir.join("cpu.cfs_quota_us"));
                    let period = read(&dir.join("cpu.cfs_period_us"));
                    if let (Some(q), Some(p)) = (quota, period) {
                        take(cgroup1_cpus(&q, &p));
                    }
                }
            }
        }
    }
    best
}

/// `dir` and its parents down to and including `stop`.
fn ancestors(dir: &Path, stop: &Path) -> Vec<PathBuf> {
    dir.ancestors()
        .take_while(|d| d.starts_with(stop))
        .map(Path::to_path_buf)
        .collect()
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup2_samples() {
        assert_eq!(cgroup2_cpus("max 100000\n"), None);
        assert_eq!(cgroup2_cpus("max"), None);
        assert_eq!(cgroup2_cpus("400000 100000\n"), Some(4));
        assert_eq!(cgroup2_cpus("150000 100000"), Some(2));
        assert_eq!(cgroup2_cpus("50000 100000"), Some(1));
        assert_eq!(cgroup2_cpus("200000"), Some(2));
        assert_eq!(cgroup2_cpus(""), None);
        assert_eq!(cgroup2_cpus("abc 100000"), None);
        assert_eq!(cgroup2_cpus("100000 0"), None);
    }

    #[test]
    fn cgroup1_samples() {
        assert_eq!(cgroup1_cpus("-1\n", "100000\n"), None);
        assert_eq!(cgroup1_cpus("300000\n", "100000\n"), Some(3));
        assert_eq!(cgroup1_cpus("250000", "100000"), Some(3));
        assert_eq!(cgroup1_cpus("1000", "100000"), Some(1));
        assert_eq!(cgroup1_cpus("x", "100000"), None);
        assert_eq!(cgroup1_cpus("100000", "0"), None);
    }

    #[test]
    fn available_is_within_the_affinity_mask() {
        let n = available_cpus();
        assert!(n >= 1);
        if let Some(mask) = affinity_cpus() {
            assert!(n <= mask);
        }
    }

    #[test]
    fn cpu_list_matches_the_mask() {
        let list = allowed_cpu_list();
        assert_eq!(Some(list.len()), affinity_cpus());
        assert!(list.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn ancestors_stop_at_the_mount() {
        let got = ancestors(Path::new("/sys/fs/cgroup/a/b"), Path::new("/sys/fs/cgroup"));
        assert_eq!(
            got,
            vec![
                PathBuf::from("/sys/fs/cgroup/a/b"),
                PathBuf::from("/sys/fs/cgroup/a"),
                PathBuf::from("/sys/fs/cgroup")
            ]
        );
    }
}
