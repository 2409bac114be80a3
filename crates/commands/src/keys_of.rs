//! Finding a command's keys from its key specs (Redis 7's begin-search /
//! find-keys model). Used for routing and by COMMAND GETKEYS.

use crate::spec::{BeginSearch, CommandSpec, FindKeys};
use bytes::Bytes;

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
}

/// Returns the key positions of `argv` for `spec`, in argument order.
pub fn find_keys(spec: &CommandSpec, argv: &[Bytes]) -> Result<Vec<KeyPos>, KeysError> {
    let mut out = Vec::new();
    let argc = argv.len() as i64;
    for ks in spec.keys {
        let begin: i64 = match ks.begin {
            BeginSearch::Index(i) => i as i64,
            BeginSearch::Keyword {
                keyword,
                start_from,
            } => {
                let found = if start_from >= 0 {
                    (start_from as i64..argc)
                        .find(|&i| argv[i as usize].eq_ignore_ascii_case(keyword.as_bytes()))
                } else {
                    let start = argc + start_from as i64;
                    (1..=start)
                        .rev()
                        .find(|&i| argv[i as usize].eq_ignore_ascii_case(keyword.as_bytes()))
                };
                match found {
                    Some(i) => i + 1,
                    None => continue,
                }
            }
        };
        if begin <= 0 || begin >= argc {
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
                    continue;
                }
                let n: i64 = std::str::from_utf8(&argv[ni as usize])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or(KeysError::BadKeynum)?;
                if n < 0 {
                    return Err(KeysError::BadKeynum);
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
