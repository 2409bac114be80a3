//! Finding a command's keys from its key specs (Redis 7's begin-search /
//! find-keys model). Used for routing and by COMMAND GETKEYS. Nothing here
//! knows any particular command: everything comes from the key specs.

use crate::spec::{kflags, BeginSearch, CommandSpec, FindKeys};

/// A key argument: its index in argv and the flags of its key spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyPos {
    pub index: usize,
    pub flags: u32,
    /// How many arguments starting at `index` belong to this key (the key step).
    pub step: usize,
}

/// Why the keys could not be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysError {
    /// A keynum argument was not a valid number (the handler reports the precise error).
    BadKeynum,
    /// (Strict search only.) A key spec points outside the arguments, or a
    /// keynum says zero keys: Redis then reports no keys at all for the command.
    OutOfRange,
}

/// Returns the key positions of `argv` for `spec`, in key-spec order, for
/// routing. Lenient: a range that runs past the end of the arguments is cut
/// short and a keynum of zero yields no keys, so the command still reaches a
/// handler that reports the precise argument error. Key specs flagged
/// `not_key` (a shard channel, say) are skipped, as Redis skips them.
pub fn find_keys<A: AsRef<[u8]>>(spec: &CommandSpec, argv: &[A]) -> Result<Vec<KeyPos>, KeysError> {
    search(spec, argv, false)
}

/// Like [`find_keys`], but fails wherever Redis's own key-spec search gives
/// up on the whole command (COMMAND GETKEYS answers "Invalid arguments" then):
/// a range whose first or last key lies outside the arguments or ends before
/// it starts, and a keynum of zero.
pub fn find_keys_strict<A: AsRef<[u8]>>(
    spec: &CommandSpec,
    argv: &[A],
) -> Result<Vec<KeyPos>, KeysError> {
    search(spec, argv, true)
}

/// Where the keyword of a keyword begin-search is, following Redis: a
/// positive `start_from` searches forward from that index (a keyword in the
/// last argument has no key after it and does not count); zero or negative
/// searches backward from `argc + start_from` down to index 1.
fn keyword_at<A: AsRef<[u8]>>(argv: &[A], keyword: &str, start_from: i32) -> Option<i64> {
    let argc = argv.len() as i64;
    let hit = |i: &i64| {
        argv[*i as usize]
            .as_ref()
            .eq_ignore_ascii_case(keyword.as_bytes())
    };
    if start_from > 0 {
        (start_from as i64..argc - 1).find(hit)
    } else {
        let start = argc + start_from as i64;
        if start >= argc {
            return None;
        }
        (1..=start).rev().find(hit)
    }
}

fn search<A: AsRef<[u8]>>(
    spec: &CommandSpec,
    argv: &[A],
    strict: bool,
) -> Result<Vec<KeyPos>, KeysError> {
    let mut out = Vec::new();
    let argc = argv.len() as i64;
    for ks in spec.keys {
        if ks.flags & kflags::NOT_KEY != 0 {
            continue;
        }
        let begin: i64 = match ks.begin {
            BeginSearch::Index(i) => i as i64,
            BeginSearch::Keyword {
                keyword,
                start_from,
            } => match keyword_at(argv, keyword, start_from) {
                Some(i) => i + 1,
                // A missing keyword means this spec has no keys, never an error.
                None => continue,
            },
        };
        if begin <= 0 || begin >= argc {
            if strict {
                return Err(KeysError::OutOfRange);
            }
            continue;
        }
        match ks.find {
            FindKeys::Range {
                last_key,
                key_step,
                limit,
            } => {
                let step = key_step.max(1) as i64;
                let last = if last_key >= 0 {
                    begin + last_key as i64
                } else if limit > 1 {
                    // Redis: with a limit, keys take 1/limit of the remaining args.
                    begin + (argc - begin) / limit as i64 - 1
                } else {
                    argc + last_key as i64
                };
                if strict && (last >= argc || last < begin) {
                    return Err(KeysError::OutOfRange);
                }
                let last = last.min(argc - 1);
                let mut i = begin;
                while i <= last {
                    out.push(KeyPos {
                        index: i as usize,
                        flags: ks.flags,
                        step: step as usize,
                    });
                    i += step;
                }
            }
            FindKeys::Keynum {
                keynum_idx,
                first_key,
                key_step,
            } => {
                let ni = begin + keynum_idx as i64;
                if ni >= argc {
                    if strict {
                        return Err(KeysError::OutOfRange);
                    }
                    continue;
                }
                let n: i64 =
                    crate::parse::int(argv[ni as usize].as_ref()).ok_or(KeysError::BadKeynum)?;
                if n < 0 {
                    return Err(KeysError::BadKeynum);
                }
                if n == 0 && strict {
                    return Err(KeysError::OutOfRange);
                }
                let step = key_step.max(1) as i64;
                let first = begin + first_key as i64;
                let mut i = first;
                let mut k = 0;
                while k < n && i < argc {
                    out.push(KeyPos {
                        index: i as usize,
                        flags: ks.flags,
                        step: step as usize,
                    });
                    i += step;
                    k += 1;
                }
                if k < n {
                    return Err(KeysError::BadKeynum);
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::KeySpec;
    use bytes::Bytes;

    fn argv(s: &str) -> Vec<Bytes> {
        s.split(' ')
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect()
    }

    fn indexes(r: Result<Vec<KeyPos>, KeysError>) -> Result<Vec<usize>, KeysError> {
        r.map(|v| v.into_iter().map(|k| k.index).collect())
    }

    static KEYNUM: CommandSpec = CommandSpec {
        name: "zunion",
        arity: -3,
        keys: &[KeySpec {
            flags: kflags::RO,
            begin: BeginSearch::Index(1),
            find: FindKeys::Keynum {
                keynum_idx: 0,
                first_key: 1,
                key_step: 1,
            },
        }],
        ..CommandSpec::DEFAULT
    };

    static STREAMS: CommandSpec = CommandSpec {
        name: "xread",
        arity: -4,
        keys: &[KeySpec {
            flags: kflags::RO,
            begin: BeginSearch::Keyword {
                keyword: "STREAMS",
                start_from: 1,
            },
            find: FindKeys::Range {
                last_key: -1,
                key_step: 1,
                limit: 2,
            },
        }],
        ..CommandSpec::DEFAULT
    };

    static BACKWARD: CommandSpec = CommandSpec {
        name: "migrate",
        arity: -6,
        keys: &[KeySpec {
            flags: kflags::RW,
            begin: BeginSearch::Keyword {
                keyword: "KEYS",
                start_from: -2,
            },
            find: FindKeys::Range {
                last_key: -1,
                key_step: 1,
                limit: 0,
            },
        }],
        ..CommandSpec::DEFAULT
    };

    static CHANNEL: CommandSpec = CommandSpec {
        name: "spublish",
        arity: 3,
        keys: &[KeySpec::single(1, kflags::NOT_KEY)],
        ..CommandSpec::DEFAULT
    };

    #[test]
    fn keynum_zero_is_empty_when_lenient_and_invalid_when_strict() {
        assert_eq!(indexes(find_keys(&KEYNUM, &argv("zunion 0 a"))), Ok(vec![]));
        assert_eq!(
            indexes(find_keys_strict(&KEYNUM, &argv("zunion 0 a"))),
            Err(KeysError::OutOfRange)
        );
        assert_eq!(
            indexes(find_keys_strict(&KEYNUM, &argv("zunion 2 a b"))),
            Ok(vec![2, 3])
        );
        assert_eq!(
            indexes(find_keys(&KEYNUM, &argv("zunion 3 a b"))),
            Err(KeysError::BadKeynum)
        );
        assert_eq!(
            indexes(find_keys(&KEYNUM, &argv("zunion x a"))),
            Err(KeysError::BadKeynum)
        );
        // Redis's integer rules: no leading '+' or zeros.
        assert_eq!(
            indexes(find_keys(&KEYNUM, &argv("zunion 01 a"))),
            Err(KeysError::BadKeynum)
        );
    }

    #[test]
    fn keyword_with_limit_takes_half_of_the_rest() {
        let a = argv("xread count 2 streams a b 0 0");
        assert_eq!(indexes(find_keys(&STREAMS, &a)), Ok(vec![4, 5]));
        // STREAMS as the last argument has no key after it: not found.
        assert_eq!(
            indexes(find_keys_strict(&STREAMS, &argv("xread count 2 streams"))),
            Ok(vec![])
        );
        // One argument after STREAMS: the range ends before it starts.
        assert_eq!(
            indexes(find_keys(&STREAMS, &argv("xread streams a"))),
            Ok(vec![])
        );
        assert_eq!(
            indexes(find_keys_strict(&STREAMS, &argv("xread streams a"))),
            Err(KeysError::OutOfRange)
        );
    }

    #[test]
    fn backward_keyword_search_finds_the_last_occurrence() {
        let a = argv("migrate h p x 0 5 KEYS a b");
        assert_eq!(indexes(find_keys(&BACKWARD, &a)), Ok(vec![7, 8]));
        assert_eq!(
            indexes(find_keys(&BACKWARD, &argv("migrate h p k 0 5"))),
            Ok(vec![])
        );
    }

    #[test]
    fn not_key_specs_are_skipped() {
        assert_eq!(
            indexes(find_keys(&CHANNEL, &argv("spublish ch m"))),
            Ok(vec![])
        );
    }
}
