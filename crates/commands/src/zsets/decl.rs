//! The sorted-set family's declarations (arity, flags, key specs, argument
//! trees as Redis 7.0 documents them, summaries in our words); no logic here.

use super::*;
use crate::spec::{flags::*, kflags, ArgSpec, BeginSearch, CommandSpec, Exec, FindKeys, KeySpec};

/// The group's defaults, filled in per command below.
const ZSET: CommandSpec = CommandSpec {
    group: "sorted-set",
    ..CommandSpec::DEFAULT
};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "zadd",
        arity: -4,
        flags: WRITE | DENYOOM | FAST,
        acl: &["write", "sortedset", "fast"],
        keys: &[KeySpec { flags: kflags::RW | kflags::UPDATE, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::oneof(
              "condition",
              &[
                ArgSpec::token("nx", "NX"),
                ArgSpec::token("xx", "XX"),
              ],
            ).since("3.0.2").optional(),
            ArgSpec::oneof(
              "comparison",
              &[
                ArgSpec::token("gt", "GT"),
                ArgSpec::token("lt", "LT"),
              ],
            ).since("6.2.0").optional(),
            ArgSpec::token("change", "CH").since("3.0.2").optional(),
            ArgSpec::token("increment", "INCR").since("3.0.2").optional(),
            ArgSpec::block(
              "score_member",
              &[
                ArgSpec::double("score"),
                ArgSpec::string("member"),
              ],
            ).multiple()
        ],
        summary: "Adds members with scores to a sorted set, or updates their scores, under optional conditions.",
        since: "1.2.0",
        complexity: "O(log(N)) for each member added or updated, N being the size of the set.",
        exec: Exec::Keys(zadd),
        ..ZSET
    },
    CommandSpec {
        name: "zincrby",
        arity: 4,
        flags: WRITE | DENYOOM | FAST,
        acl: &["write", "sortedset", "fast"],
        keys: &[KeySpec { flags: kflags::RW | kflags::ACCESS | kflags::UPDATE, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("increment"),
            ArgSpec::string("member")
        ],
        summary: "Adds an increment to a member's score, adding the member if absent.",
        since: "1.2.0",
        complexity: "O(log(N)) for a set of N members.",
        exec: Exec::Keys(zincrby),
        ..ZSET
    },
    CommandSpec {
        name: "zrem",
        arity: -3,
        flags: WRITE | FAST,
        acl: &["write", "sortedset", "fast"],
        keys: &[KeySpec { flags: kflags::RW | kflags::DELETE, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::string("member").multiple()
        ],
        summary: "Removes members from a sorted set.",
        since: "1.2.0",
        complexity: "O(M*log(N)) for M members removed from a set of N.",
        exec: Exec::Keys(zrem),
        ..ZSET
    },
    CommandSpec {
        name: "zcard",
        arity: 2,
        flags: READONLY | FAST,
        acl: &["read", "sortedset", "fast"],
        keys: &[KeySpec { flags: kflags::RO, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0)
        ],
        summary: "Returns how many members a sorted set has.",
        since: "1.2.0",
        complexity: "O(1)",
        exec: Exec::Keys(zcard),
        ..ZSET
    },
    CommandSpec {
        name: "zcount",
        arity: 4,
        flags: READONLY | FAST,
        acl: &["read", "sortedset", "fast"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::double("min"),
            ArgSpec::double("max")
        ],
        summary: "Counts the members whose scores fall within a range.",
        since: "2.0.0",
        complexity: "O(log(N)) for a set of N members.",
        exec: Exec::Keys(zcount),
        ..ZSET
    },
    CommandSpec {
        name: "zlexcount",
        arity: 4,
        flags: READONLY | FAST,
        acl: &["read", "sortedset", "fast"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::string("min"),
            ArgSpec::string("max")
        ],
        summary: "Counts the members within a lexicographical range.",
        since: "2.8.9",
        complexity: "O(log(N)) for a set of N members.",
        exec: Exec::Keys(zlexcount),
        ..ZSET
    },
    CommandSpec {
        name: "zscore",
        arity: 3,
        flags: READONLY | FAST,
        acl: &["read", "sortedset", "fast"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::string("member")
        ],
        summary: "Returns the score of a member.",
        since: "1.2.0",
        complexity: "O(1)",
        exec: Exec::Keys(zscore),
        ..ZSET
    },
    CommandSpec {
        name: "zmscore",
        arity: -3,
        flags: READONLY | FAST,
        acl: &["read", "sortedset", "fast"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::string("member").multiple()
        ],
        summary: "Returns the scores of several members, null for absent ones.",
        since: "6.2.0",
        complexity: "O(N) for N requested members.",
        exec: Exec::Keys(zmscore),
        ..ZSET
    },
    CommandSpec {
        name: "zrank",
        arity: 3,
        flags: READONLY | FAST,
        acl: &["read", "sortedset", "fast"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::string("member")
        ],
        summary: "Returns a member's position in ascending score order.",
        since: "2.0.0",
        complexity: "O(log(N))",
        exec: Exec::Keys(zrank),
        ..ZSET
    },
    CommandSpec {
        name: "zrevrank",
        arity: 3,
        flags: READONLY | FAST,
        acl: &["read", "sortedset", "fast"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::string("member")
        ],
        summary: "Returns a member's position in descending score order.",
        since: "2.0.0",
        complexity: "O(log(N))",
        exec: Exec::Keys(zrevrank),
        ..ZSET
    },
    CommandSpec {
        name: "zrange",
        arity: -4,
        flags: READONLY,
        acl: &["read", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::string("start"),
            ArgSpec::string("stop"),
            ArgSpec::oneof(
              "sortby",
              &[
                ArgSpec::token("byscore", "BYSCORE"),
                ArgSpec::token("bylex", "BYLEX"),
              ],
            ).since("6.2.0").optional(),
            ArgSpec::token("rev", "REV").since("6.2.0").optional(),
            ArgSpec::block(
              "offset_count",
              &[
                ArgSpec::integer("offset"),
                ArgSpec::integer("count"),
              ],
            )
            .with_token("LIMIT").since("6.2.0").optional(),
            ArgSpec::token("withscores", "WITHSCORES").optional()
        ],
        summary: "Returns members in a range of positions, scores or lexicographical order.",
        since: "1.2.0",
        complexity: "O(log(N)+M) for M members returned from a set of N.",
        exec: Exec::Keys(zrange),
        ..ZSET
    },
    CommandSpec {
        name: "zrevrange",
        arity: -4,
        flags: READONLY,
        acl: &["read", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("start"),
            ArgSpec::integer("stop"),
            ArgSpec::token("withscores", "WITHSCORES").optional()
        ],
        summary: "Returns members in a range of positions, highest score first.",
        since: "1.2.0",
        complexity: "O(log(N)+M) for M members returned from a set of N.",
        exec: Exec::Keys(zrevrange),
        ..ZSET
    },
    CommandSpec {
        name: "zrangebyscore",
        arity: -4,
        flags: READONLY,
        acl: &["read", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::double("min"),
            ArgSpec::double("max"),
            ArgSpec::token("withscores", "WITHSCORES").since("2.0.0").optional(),
            ArgSpec::block(
              "offset_count",
              &[
                ArgSpec::integer("offset"),
                ArgSpec::integer("count"),
              ],
            )
            .with_token("LIMIT").optional()
        ],
        summary: "Returns members whose scores fall within a range, lowest first.",
        since: "1.0.5",
        complexity: "O(log(N)+M) for M members returned from a set of N.",
        exec: Exec::Keys(zrangebyscore),
        ..ZSET
    },
    CommandSpec {
        name: "zrevrangebyscore",
        arity: -4,
        flags: READONLY,
        acl: &["read", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::double("max"),
            ArgSpec::double("min"),
            ArgSpec::token("withscores", "WITHSCORES").optional(),
            ArgSpec::block(
              "offset_count",
              &[
                ArgSpec::integer("offset"),
                ArgSpec::integer("count"),
              ],
            )
            .with_token("LIMIT").optional()
        ],
        summary: "Returns members whose scores fall within a range, highest first.",
        since: "2.2.0",
        complexity: "O(log(N)+M) for M members returned from a set of N.",
        exec: Exec::Keys(zrevrangebyscore),
        ..ZSET
    },
    CommandSpec {
        name: "zrangebylex",
        arity: -4,
        flags: READONLY,
        acl: &["read", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::string("min"),
            ArgSpec::string("max"),
            ArgSpec::block(
              "offset_count",
              &[
                ArgSpec::integer("offset"),
                ArgSpec::integer("count"),
              ],
            )
            .with_token("LIMIT").optional()
        ],
        summary: "Returns members within a lexicographical range, in ascending order.",
        since: "2.8.9",
        complexity: "O(log(N)+M) for M members returned from a set of N.",
        exec: Exec::Keys(zrangebylex),
        ..ZSET
    },
    CommandSpec {
        name: "zrevrangebylex",
        arity: -4,
        flags: READONLY,
        acl: &["read", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::string("max"),
            ArgSpec::string("min"),
            ArgSpec::block(
              "offset_count",
              &[
                ArgSpec::integer("offset"),
                ArgSpec::integer("count"),
              ],
            )
            .with_token("LIMIT").optional()
        ],
        summary: "Returns members within a lexicographical range, in descending order.",
        since: "2.8.9",
        complexity: "O(log(N)+M) for M members returned from a set of N.",
        exec: Exec::Keys(zrevrangebylex),
        ..ZSET
    },
    CommandSpec {
        name: "zrangestore",
        arity: -5,
        flags: WRITE | DENYOOM,
        acl: &["write", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::OW | kflags::UPDATE, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }, KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(2), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("dst", 0),
            ArgSpec::key("src", 1),
            ArgSpec::string("min"),
            ArgSpec::string("max"),
            ArgSpec::oneof(
              "sortby",
              &[
                ArgSpec::token("byscore", "BYSCORE"),
                ArgSpec::token("bylex", "BYLEX"),
              ],
            ).optional(),
            ArgSpec::token("rev", "REV").optional(),
            ArgSpec::block(
              "offset_count",
              &[
                ArgSpec::integer("offset"),
                ArgSpec::integer("count"),
              ],
            )
            .with_token("LIMIT").optional()
        ],
        summary: "Stores a range of a sorted set (by position, score or lexicographical order) under another key.",
        since: "6.2.0",
        complexity: "O(log(N)+M) for M members stored from a set of N.",
        exec: Exec::Keys(zrangestore),
        ..ZSET
    },
    CommandSpec {
        name: "zremrangebyrank",
        arity: 4,
        flags: WRITE,
        acl: &["write", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RW | kflags::DELETE, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("start"),
            ArgSpec::integer("stop")
        ],
        summary: "Removes the members in a range of positions.",
        since: "2.0.0",
        complexity: "O(log(N)+M) for M members removed from a set of N.",
        exec: Exec::Keys(zremrangebyrank),
        ..ZSET
    },
    CommandSpec {
        name: "zremrangebyscore",
        arity: 4,
        flags: WRITE,
        acl: &["write", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RW | kflags::DELETE, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::double("min"),
            ArgSpec::double("max")
        ],
        summary: "Removes the members whose scores fall within a range.",
        since: "1.2.0",
        complexity: "O(log(N)+M) for M members removed from a set of N.",
        exec: Exec::Keys(zremrangebyscore),
        ..ZSET
    },
    CommandSpec {
        name: "zremrangebylex",
        arity: 4,
        flags: WRITE,
        acl: &["write", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RW | kflags::DELETE, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::string("min"),
            ArgSpec::string("max")
        ],
        summary: "Removes the members within a lexicographical range.",
        since: "2.8.9",
        complexity: "O(log(N)+M) for M members removed from a set of N.",
        exec: Exec::Keys(zremrangebylex),
        ..ZSET
    },
    CommandSpec {
        name: "zpopmin",
        arity: -2,
        flags: WRITE | FAST,
        acl: &["write", "sortedset", "fast"],
        keys: &[KeySpec { flags: kflags::RW | kflags::ACCESS | kflags::DELETE, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("count").optional()
        ],
        summary: "Removes and returns the members with the lowest scores.",
        since: "5.0.0",
        complexity: "O(log(N)*M) for M members popped from a set of N.",
        exec: Exec::Keys(zpopmin),
        ..ZSET
    },
    CommandSpec {
        name: "zpopmax",
        arity: -2,
        flags: WRITE | FAST,
        acl: &["write", "sortedset", "fast"],
        keys: &[KeySpec { flags: kflags::RW | kflags::ACCESS | kflags::DELETE, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("count").optional()
        ],
        summary: "Removes and returns the members with the highest scores.",
        since: "5.0.0",
        complexity: "O(log(N)*M) for M members popped from a set of N.",
        exec: Exec::Keys(zpopmax),
        ..ZSET
    },
    CommandSpec {
        name: "zmpop",
        arity: -4,
        flags: WRITE,
        acl: &["write", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RW | kflags::ACCESS | kflags::DELETE, begin: BeginSearch::Index(1), find: FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 } }],
        args: &[
            ArgSpec::integer("numkeys"),
            ArgSpec::key("key", 0).multiple(),
            ArgSpec::oneof(
              "where",
              &[
                ArgSpec::token("min", "MIN"),
                ArgSpec::token("max", "MAX"),
              ],
            ),
            ArgSpec::integer("count").with_token("COUNT").optional()
        ],
        summary: "Pops the lowest- or highest-scored members from the first non-empty sorted set of several.",
        since: "7.0.0",
        complexity: "O(K)+O(M*log(N)) for K keys and M members popped from a set of N.",
        exec: Exec::Keys(zmpop),
        ..ZSET
    },
    CommandSpec {
        name: "bzpopmin",
        arity: -3,
        flags: WRITE | NOSCRIPT | BLOCKING | FAST,
        acl: &["write", "sortedset", "fast", "blocking"],
        keys: &[KeySpec { flags: kflags::RW | kflags::ACCESS | kflags::DELETE, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: -2, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0).multiple(),
            ArgSpec::double("timeout")
        ],
        summary: "Pops the lowest-scored member of the first non-empty sorted set, waiting for one if none.",
        since: "5.0.0",
        complexity: "O(log(N)) for a set of N members.",
        exec: Exec::Keys(bzpopmin),
        ..ZSET
    },
    CommandSpec {
        name: "bzpopmax",
        arity: -3,
        flags: WRITE | NOSCRIPT | BLOCKING | FAST,
        acl: &["write", "sortedset", "fast", "blocking"],
        keys: &[KeySpec { flags: kflags::RW | kflags::ACCESS | kflags::DELETE, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: -2, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0).multiple(),
            ArgSpec::double("timeout")
        ],
        summary: "Pops the highest-scored member of the first non-empty sorted set, waiting for one if none.",
        since: "5.0.0",
        complexity: "O(log(N)) for a set of N members.",
        exec: Exec::Keys(bzpopmax),
        ..ZSET
    },
    CommandSpec {
        name: "bzmpop",
        arity: -5,
        flags: WRITE | BLOCKING,
        acl: &["write", "sortedset", "slow", "blocking"],
        keys: &[KeySpec { flags: kflags::RW | kflags::ACCESS | kflags::DELETE, begin: BeginSearch::Index(2), find: FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 } }],
        args: &[
            ArgSpec::double("timeout"),
            ArgSpec::integer("numkeys"),
            ArgSpec::key("key", 0).multiple(),
            ArgSpec::oneof(
              "where",
              &[
                ArgSpec::token("min", "MIN"),
                ArgSpec::token("max", "MAX"),
              ],
            ),
            ArgSpec::integer("count").with_token("COUNT").optional()
        ],
        summary: "Pops members from the first non-empty sorted set of several, waiting for one if none.",
        since: "7.0.0",
        complexity: "O(K)+O(M*log(N)) for K keys and M members popped from a set of N.",
        exec: Exec::Keys(bzmpop),
        ..ZSET
    },
    CommandSpec {
        name: "zrandmember",
        arity: -2,
        flags: READONLY,
        acl: &["read", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::block(
              "options",
              &[
                ArgSpec::integer("count"),
                ArgSpec::token("withscores", "WITHSCORES").optional(),
              ],
            ).optional()
        ],
        summary: "Returns random members, distinct for a positive count, possibly repeated for a negative one.",
        since: "6.2.0",
        complexity: "O(N) for N members returned.",
        exec: Exec::Keys(zrandmember),
        ..ZSET
    },
    CommandSpec {
        name: "zinter",
        arity: -3,
        flags: READONLY,
        acl: &["read", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 } }],
        args: &[
            ArgSpec::integer("numkeys"),
            ArgSpec::key("key", 0).multiple(),
            ArgSpec::integer("weight").with_token("WEIGHTS").optional().multiple(),
            ArgSpec::oneof(
              "aggregate",
              &[
                ArgSpec::token("sum", "SUM"),
                ArgSpec::token("min", "MIN"),
                ArgSpec::token("max", "MAX"),
              ],
            )
            .with_token("AGGREGATE").optional(),
            ArgSpec::token("withscores", "WITHSCORES").optional()
        ],
        summary: "Returns the intersection of sorted sets (and sets), with weighted, aggregated scores.",
        since: "6.2.0",
        complexity: "O(N*K)+O(M*log(M)) for the smallest input of N, K inputs and M results.",
        exec: Exec::Keys(zinter),
        ..ZSET
    },
    CommandSpec {
        name: "zunion",
        arity: -3,
        flags: READONLY,
        acl: &["read", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 } }],
        args: &[
            ArgSpec::integer("numkeys"),
            ArgSpec::key("key", 0).multiple(),
            ArgSpec::integer("weight").with_token("WEIGHTS").optional().multiple(),
            ArgSpec::oneof(
              "aggregate",
              &[
                ArgSpec::token("sum", "SUM"),
                ArgSpec::token("min", "MIN"),
                ArgSpec::token("max", "MAX"),
              ],
            )
            .with_token("AGGREGATE").optional(),
            ArgSpec::token("withscores", "WITHSCORES").optional()
        ],
        summary: "Returns the union of sorted sets (and sets), with weighted, aggregated scores.",
        since: "6.2.0",
        complexity: "O(N)+O(M*log(M)) for N input members in all and M results.",
        exec: Exec::Keys(zunion),
        ..ZSET
    },
    CommandSpec {
        name: "zdiff",
        arity: -3,
        flags: READONLY,
        acl: &["read", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 } }],
        args: &[
            ArgSpec::integer("numkeys"),
            ArgSpec::key("key", 0).multiple(),
            ArgSpec::token("withscores", "WITHSCORES").optional()
        ],
        summary: "Returns the members of the first sorted set that are in none of the others.",
        since: "6.2.0",
        complexity: "O(L+(N-K)log(N)) worst case for L input members in all and N in the first input.",
        exec: Exec::Keys(zdiff),
        ..ZSET
    },
    CommandSpec {
        name: "zinterstore",
        arity: -4,
        flags: WRITE | DENYOOM,
        acl: &["write", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::OW | kflags::UPDATE, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }, KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(2), find: FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 } }],
        args: &[
            ArgSpec::key("destination", 0),
            ArgSpec::integer("numkeys"),
            ArgSpec::key("key", 1).multiple(),
            ArgSpec::integer("weight").with_token("WEIGHTS").optional().multiple(),
            ArgSpec::oneof(
              "aggregate",
              &[
                ArgSpec::token("sum", "SUM"),
                ArgSpec::token("min", "MIN"),
                ArgSpec::token("max", "MAX"),
              ],
            )
            .with_token("AGGREGATE").optional()
        ],
        summary: "Stores the intersection of sorted sets (and sets) under a key.",
        since: "2.0.0",
        complexity: "O(N*K)+O(M*log(M)) for the smallest input of N, K inputs and M results.",
        exec: Exec::Keys(zinterstore),
        ..ZSET
    },
    CommandSpec {
        name: "zunionstore",
        arity: -4,
        flags: WRITE | DENYOOM,
        acl: &["write", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::OW | kflags::UPDATE, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }, KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(2), find: FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 } }],
        args: &[
            ArgSpec::key("destination", 0),
            ArgSpec::integer("numkeys"),
            ArgSpec::key("key", 1).multiple(),
            ArgSpec::integer("weight").with_token("WEIGHTS").optional().multiple(),
            ArgSpec::oneof(
              "aggregate",
              &[
                ArgSpec::token("sum", "SUM"),
                ArgSpec::token("min", "MIN"),
                ArgSpec::token("max", "MAX"),
              ],
            )
            .with_token("AGGREGATE").optional()
        ],
        summary: "Stores the union of sorted sets (and sets) under a key.",
        since: "2.0.0",
        complexity: "O(N)+O(M*log(M)) for N input members in all and M results.",
        exec: Exec::Keys(zunionstore),
        ..ZSET
    },
    CommandSpec {
        name: "zdiffstore",
        arity: -4,
        flags: WRITE | DENYOOM,
        acl: &["write", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::OW | kflags::UPDATE, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }, KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(2), find: FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 } }],
        args: &[
            ArgSpec::key("destination", 0),
            ArgSpec::integer("numkeys"),
            ArgSpec::key("key", 1).multiple()
        ],
        summary: "Stores the members of the first sorted set that are in none of the others under a key.",
        since: "6.2.0",
        complexity: "O(L+(N-K)log(N)) worst case for L input members in all and N in the first input.",
        exec: Exec::Keys(zdiffstore),
        ..ZSET
    },
    CommandSpec {
        name: "zintercard",
        arity: -3,
        flags: READONLY,
        acl: &["read", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 } }],
        args: &[
            ArgSpec::integer("numkeys"),
            ArgSpec::key("key", 0).multiple(),
            ArgSpec::integer("limit").with_token("LIMIT").optional()
        ],
        summary: "Counts the members of the intersection of sorted sets, optionally stopping at a limit.",
        since: "7.0.0",
        complexity: "O(N*K) for the smallest input of N and K inputs.",
        exec: Exec::Keys(zintercard),
        ..ZSET
    },
    CommandSpec {
        name: "zscan",
        arity: -3,
        flags: READONLY,
        acl: &["read", "sortedset", "slow"],
        keys: &[KeySpec { flags: kflags::RO | kflags::ACCESS, begin: BeginSearch::Index(1), find: FindKeys::Range { last_key: 0, key_step: 1, limit: 0 } }],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("cursor"),
            ArgSpec::pattern("pattern").with_token("MATCH").optional(),
            ArgSpec::integer("count").with_token("COUNT").optional()
        ],
        summary: "Iterates over the members and scores of a sorted set with a cursor.",
        since: "2.8.0",
        complexity: "O(1) per call, O(N) for a full iteration.",
        exec: Exec::Keys(zscan),
        ..ZSET
    },
];
