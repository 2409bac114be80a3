//! Bitmap commands over string values: GETBIT, SETBIT, BITCOUNT, BITPOS and
//! BITOP. Bits are numbered from the most significant bit of the first byte,
//! as in Redis. Handlers touch only the keyspace in their `Ctx`.

use crate::spec::{flags::*, kflags, ArgSpec, CommandSpec, Exec, KeySpec};
use crate::strings::{clamp_range, parts, raw_mut, str_of};
use crate::{errors, notify, parse, Ctx};
use tessera_resp::Arg;
use tessera_storage::{RawStr, Value};

const BIT_OFFSET_ERR: &str = "ERR bit offset is not an integer or out of range";

/// Redis's `getBitOffsetFromArgument` for GETBIT/SETBIT: a non-negative
/// integer whose byte index stays below `proto-max-bulk-len`.
fn bit_offset(arg: &[u8], limit: u64) -> Result<u64, &'static str> {
    match parse::int(arg) {
        Some(n) if n >= 0 && ((n as u64) >> 3) < limit => Ok(n as u64),
        _ => Err(BIT_OFFSET_ERR),
    }
}

/// GETBIT key offset
fn getbit(ctx: &mut Ctx, argv: &[Arg]) {
    let limit = ctx.config.proto_max_bulk_len;
    let (db, out, now) = parts(ctx);
    let offset = match bit_offset(&argv[2], limit) {
        Ok(o) => o,
        Err(e) => return out.error(e),
    };
    let Some(v) = db.get(&argv[1], now) else {
        return out.int(0);
    };
    let Some(s) = str_of(v) else {
        return out.error(errors::WRONGTYPE);
    };
    let byte = (offset >> 3) as usize;
    let bit = s.get(byte).map_or(0, |b| (b >> (7 - (offset & 7))) & 1);
    out.int(bit as i64);
}

/// SETBIT key offset value
fn setbit(ctx: &mut Ctx, argv: &[Arg]) {
    let limit = ctx.config.proto_max_bulk_len;
    let (db, out, now) = parts(ctx);
    let offset = match bit_offset(&argv[2], limit) {
        Ok(o) => o,
        Err(e) => return out.error(e),
    };
    let on = match parse::int(&argv[3]) {
        Some(b @ (0 | 1)) => b as u8,
        _ => return out.error("ERR bit is not an integer or out of range"),
    };
    let byte = (offset >> 3) as usize;
    let shift = 7 - (offset & 7) as u8;
    let key = &argv[1][..];
    let (old, changed) = match db.get_mut(key, now) {
        None => {
            let mut s = RawStr::default();
            s.ensure_len(byte + 1);
            s.bytes_mut()[byte] |= on << shift;
            db.set(key, Value::Str(s), now);
            (0, true)
        }
        Some(v) => {
            let Some(s) = raw_mut(v) else {
                return out.error(errors::WRONGTYPE);
            };
            let grew = s.len() <= byte;
            s.ensure_len(byte + 1);
            let b = &mut s.bytes_mut()[byte];
            let old = (*b >> shift) & 1;
            *b = (*b & !(1 << shift)) | (on << shift);
            (old, grew || old != on)
        }
    };
    // Like Redis 7.0, an unchanged bit of an unchanged-length string is not a change.
    if changed {
        ctx.dirty += 1;
        ctx.notify(notify::STRING, "setbit", key);
    }
    ctx.out.int(old as i64);
}

/// Counts the set bits of `s` in the inclusive bit range `[from, to]`.
fn count_bits(s: &[u8], from: u64, to: u64) -> u64 {
    let (fb, tb) = ((from >> 3) as usize, (to >> 3) as usize);
    let mut n: u64 = s[fb..=tb].iter().map(|b| b.count_ones() as u64).sum();
    // Take away the bits of the edge bytes that lie outside the range.
    let head = s[fb] & !(0xffu8 >> (from & 7));
    let tail_mask = if to & 7 == 7 {
        0
    } else {
        0xffu8 >> ((to & 7) + 1)
    };
    let tail = s[tb] & tail_mask;
    n -= head.count_ones() as u64 + tail.count_ones() as u64;
    n
}

/// Parses the optional BYTE | BIT unit; `Err` is a syntax error.
fn unit_is_bit(arg: &[u8]) -> Result<bool, ()> {
    if parse::is(arg, "bit") {
        Ok(true)
    } else if parse::is(arg, "byte") {
        Ok(false)
    } else {
        Err(())
    }
}

/// BITCOUNT key [start end [BYTE | BIT]]
fn bitcount(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    // Redis 7.0 looks the key up before it reads the range: a missing key
    // counts 0 whatever the other arguments are.
    let Some(v) = db.get(&argv[1], now) else {
        return out.int(0);
    };
    let Some(s) = str_of(v) else {
        return out.error(errors::WRONGTYPE);
    };
    let len = s.len() as i64;
    let range = match argv.len() {
        2 => (len > 0).then(|| (0, len * 8 - 1)),
        4 | 5 => {
            let (Some(start), Some(end)) = (parse::int(&argv[2]), parse::int(&argv[3])) else {
                return out.error(errors::NOT_INT);
            };
            // Redis 7.0 answers 0 for two negative indexes with start > end
            // before it looks at the unit.
            if start < 0 && end < 0 && start > end {
                return out.int(0);
            }
            let is_bit = match argv.get(4).map(|a| unit_is_bit(a)) {
                None => false,
                Some(Ok(b)) => b,
                Some(Err(())) => return out.error(errors::SYNTAX),
            };
            if is_bit {
                clamp_range(start, end, len * 8)
            } else {
                clamp_range(start, end, len).map(|(a, b)| (a * 8, b * 8 + 7))
            }
        }
        _ => return out.error(errors::SYNTAX),
    };
    match range {
        Some((from, to)) => out.int(count_bits(&s, from as u64, to as u64) as i64),
        None => out.int(0),
    }
}

/// The first bit equal to `bit` in the inclusive bit range `[from, to]`.
fn find_bit(s: &[u8], bit: u8, from: u64, to: u64) -> Option<u64> {
    let skip = if bit == 1 { 0x00 } else { 0xff };
    let mut pos = from;
    while pos <= to {
        let byte = s[(pos >> 3) as usize];
        if pos & 7 == 0 && to - pos >= 7 && byte == skip {
            pos += 8;
            continue;
        }
        if (byte >> (7 - (pos & 7))) & 1 == bit {
            return Some(pos);
        }
        pos += 1;
    }
    None
}

/// BITPOS key bit [start [end [BYTE | BIT]]]
fn bitpos(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    let bit = match parse::int(&argv[2]) {
        Some(b @ (0 | 1)) => b as u8,
        Some(_) => return out.error("ERR The bit argument must be 1 or 0."),
        None => return out.error(errors::NOT_INT),
    };
    // A missing key is an endless run of zero bits.
    let Some(v) = db.get(&argv[1], now) else {
        return out.int(if bit == 1 { -1 } else { 0 });
    };
    let Some(s) = str_of(v) else {
        return out.error(errors::WRONGTYPE);
    };
    let len = s.len() as i64;
    let (mut start, mut end, is_bit, end_given) = match argv.len() {
        3 => (0, len - 1, false, false),
        4..=6 => {
            let Some(start) = parse::int(&argv[3]) else {
                return out.error(errors::NOT_INT);
            };
            let is_bit = match argv.get(5).map(|a| unit_is_bit(a)) {
                None => false,
                Some(Ok(b)) => b,
                Some(Err(())) => return out.error(errors::SYNTAX),
            };
            let total = if is_bit { len * 8 } else { len };
            match argv.get(4) {
                Some(e) => match parse::int(e) {
                    Some(end) => (start, end, is_bit, true),
                    None => return out.error(errors::NOT_INT),
                },
                None => (start, total - 1, is_bit, false),
            }
        }
        _ => return out.error(errors::SYNTAX),
    };
    let total = if is_bit { len * 8 } else { len };
    if start < 0 {
        start = total.saturating_add(start);
    }
    if end < 0 {
        end = total.saturating_add(end);
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    // An empty range holds neither a 0 nor a 1.
    if start > end {
        return out.int(-1);
    }
    let (from, to) = if is_bit {
        (start as u64, end as u64)
    } else {
        (start as u64 * 8, end as u64 * 8 + 7)
    };
    match find_bit(&s, bit, from, to) {
        Some(p) => out.int(p as i64),
        None if bit == 1 || end_given => out.int(-1),
        // Without an explicit end the string counts as padded with zeros.
        None => out.int(to as i64 + 1),
    }
}

/// BITOP <AND | OR | XOR | NOT> destkey key [key ...]
fn bitop(ctx: &mut Ctx, argv: &[Arg]) {
    #[derive(Clone, Copy, PartialEq)]
    enum Op {
        And,
        Or,
        Xor,
        Not,
    }
    let (db, out, now) = parts(ctx);
    let op = match &argv[1][..] {
        a if parse::is(a, "and") => Op::And,
        a if parse::is(a, "or") => Op::Or,
        a if parse::is(a, "xor") => Op::Xor,
        a if parse::is(a, "not") => Op::Not,
        _ => return out.error(errors::SYNTAX),
    };
    if op == Op::Not && argv.len() != 4 {
        return out.error("ERR BITOP NOT must be called with a single source key.");
    }
    let mut srcs: Vec<Vec<u8>> = Vec::with_capacity(argv.len() - 3);
    for key in &argv[3..] {
        match db.get(key, now) {
            None => srcs.push(Vec::new()),
            Some(v) => match str_of(v) {
                Some(s) => srcs.push(s.into_owned()),
                None => return out.error(errors::WRONGTYPE),
            },
        }
    }
    let max = srcs.iter().map(Vec::len).max().unwrap_or(0);
    let dest = &argv[2][..];
    if max == 0 {
        // An all-empty result deletes the destination.
        if db.remove(dest, now).is_some() {
            ctx.dirty += 1;
            ctx.notify(notify::GENERIC, "del", dest);
        }
        return ctx.out.int(0);
    }
    // Missing bytes of shorter strings count as zeros.
    let byte = |s: &Vec<u8>, i: usize| s.get(i).copied().unwrap_or(0);
    let res: Vec<u8> = (0..max)
        .map(|i| {
            let first = byte(&srcs[0], i);
            srcs[1..].iter().fold(
                if op == Op::Not { !first } else { first },
                |acc, s| match op {
                    Op::And => acc & byte(s, i),
                    Op::Or => acc | byte(s, i),
                    Op::Xor => acc ^ byte(s, i),
                    Op::Not => acc,
                },
            )
        })
        .collect();
    let mut s = RawStr::from(res);
    // The result is built in place, so it has the "raw" encoding as in Redis.
    s.bytes_mut();
    db.set(dest, Value::Str(s), now);
    ctx.dirty += 1;
    ctx.notify(notify::STRING, "set", dest);
    ctx.out.int(max as i64);
}

const RO_ACCESS: u32 = kflags::RO | kflags::ACCESS;

const INDEX_UNIT: ArgSpec = ArgSpec::oneof(
    "index_unit",
    &[ArgSpec::token("byte", "BYTE"), ArgSpec::token("bit", "BIT")],
)
.since("7.0.0")
.optional();

/// The bitmap group's defaults, filled in per command below.
const BITMAP: CommandSpec = CommandSpec {
    group: "bitmap",
    complexity: "O(1)",
    ..CommandSpec::DEFAULT
};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "getbit",
        arity: 3,
        flags: READONLY | FAST,
        acl: &["read", "bitmap", "fast"],
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: &[ArgSpec::key("key", 0), ArgSpec::integer("offset")],
        summary: "Returns one bit of the string at a key (0 beyond its end).",
        since: "2.2.0",
        exec: Exec::Keys(getbit),
        ..BITMAP
    },
    CommandSpec {
        name: "setbit",
        arity: 4,
        flags: WRITE | DENYOOM,
        acl: &["write", "bitmap", "slow"],
        keys: &[KeySpec::single(1, kflags::RW | kflags::ACCESS | kflags::UPDATE)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("offset"),
            ArgSpec::integer("value"),
        ],
        summary: "Sets or clears one bit of the string at a key, growing it with zeros, and returns the old bit.",
        since: "2.2.0",
        exec: Exec::Keys(setbit),
        ..BITMAP
    },
    CommandSpec {
        name: "bitcount",
        arity: -2,
        flags: READONLY,
        acl: &["read", "bitmap", "slow"],
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::block(
                "index",
                &[ArgSpec::integer("start"), ArgSpec::integer("end"), INDEX_UNIT],
            )
            .optional(),
        ],
        summary: "Counts the set bits of a string, optionally within a byte or bit range.",
        since: "2.6.0",
        complexity: "O(N) for a range of N bytes.",
        exec: Exec::Keys(bitcount),
        ..BITMAP
    },
    CommandSpec {
        name: "bitpos",
        arity: -3,
        flags: READONLY,
        acl: &["read", "bitmap", "slow"],
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("bit"),
            ArgSpec::block(
                "index",
                &[
                    ArgSpec::integer("start"),
                    ArgSpec::block("end_index", &[ArgSpec::integer("end"), INDEX_UNIT]).optional(),
                ],
            )
            .optional(),
        ],
        summary: "Finds the first bit set to 0 or 1 in a string, optionally within a byte or bit range.",
        since: "2.8.7",
        complexity: "O(N) for a range of N bytes.",
        exec: Exec::Keys(bitpos),
        ..BITMAP
    },
    CommandSpec {
        name: "bitop",
        arity: -4,
        flags: WRITE | DENYOOM,
        acl: &["write", "bitmap", "slow"],
        keys: &[
            KeySpec::single(2, kflags::OW | kflags::UPDATE),
            KeySpec::range_to_end(3, 1, RO_ACCESS),
        ],
        args: &[
            ArgSpec::string("operation"),
            ArgSpec::key("destkey", 0),
            ArgSpec::key("key", 1).multiple(),
        ],
        summary: "Combines strings bit by bit with AND, OR, XOR or NOT and stores the result.",
        since: "2.6.0",
        complexity: "O(N) for a longest source string of N bytes.",
        exec: Exec::Keys(bitop),
        ..BITMAP
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitcount_answers_zero_for_reversed_negative_indexes_before_the_unit() {
        // Checked against Redis 7.0.15: `BITCOUNT k -1 -100 WORD` is 0, not a syntax error.
        let mut h = crate::harness::Harness::new();
        assert_eq!(h.run(&["SET", "k", "1"]), "+OK\r\n");
        assert_eq!(h.run(&["BITCOUNT", "k", "-1", "-100", "WORD"]), ":0\r\n");
        assert_eq!(
            h.run(&["BITCOUNT", "k", "0", "-1", "WORD"]),
            "-ERR syntax error\r\n"
        );
    }

    #[test]
    fn count_bits_masks_edges() {
        let s = [0xffu8, 0x0f, 0xf0];
        assert_eq!(count_bits(&s, 0, 23), 16);
        assert_eq!(count_bits(&s, 4, 11), 4);
        assert_eq!(count_bits(&s, 12, 12), 1);
        assert_eq!(count_bits(&s, 11, 11), 0);
        assert_eq!(count_bits(&s, 16, 19), 4);
        assert_eq!(count_bits(&s, 20, 23), 0);
    }

    #[test]
    fn find_bit_skips_whole_bytes() {
        let s = [0u8, 0, 0x01, 0xff];
        assert_eq!(find_bit(&s, 1, 0, 31), Some(23));
        assert_eq!(find_bit(&s, 0, 24, 31), None);
        assert_eq!(find_bit(&s, 0, 20, 31), Some(20));
        assert_eq!(find_bit(&s, 1, 0, 22), None);
    }
}
