//! Replies recorded from redis-server 7.0.15 for command sequences of the
//! string and bitmap families; each test starts from an empty database.
//! Do not edit the expectations by hand: they are Redis's bytes; re-record them
//! from a real redis-server when a case changes.

use super::{expect, Harness};
#[test]
fn redis_get_set_basic() {
    let mut h = Harness::new();
    expect(&mut h, &[b"GET", b"k"], b"$-1\r\n");
    expect(&mut h, &[b"SET", b"k", b"v"], b"+OK\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$1\r\nv\r\n");
    expect(&mut h, &[b"SET", b"k", b"123"], b"+OK\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$3\r\n123\r\n");
    expect(&mut h, &[b"SET", b"k", b"-0"], b"+OK\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$2\r\n-0\r\n");
    expect(&mut h, &[b"SET", b"k", b""], b"+OK\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$0\r\n\r\n");
    expect(&mut h, &[b"STRLEN", b"k"], b":0\r\n");
    expect(
        &mut h,
        &[b"SET", b"k"],
        b"-ERR wrong number of arguments for 'set' command\r\n",
    );
    expect(
        &mut h,
        &[b"GET"],
        b"-ERR wrong number of arguments for 'get' command\r\n",
    );
    expect(
        &mut h,
        &[b"GET", b"k", b"extra"],
        b"-ERR wrong number of arguments for 'get' command\r\n",
    );
}

#[test]
fn redis_set_options() {
    let mut h = Harness::new();
    expect(&mut h, &[b"SET", b"k", b"v", b"NX"], b"+OK\r\n");
    expect(&mut h, &[b"SET", b"k", b"v2", b"NX"], b"$-1\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$1\r\nv\r\n");
    expect(&mut h, &[b"SET", b"k", b"v3", b"XX"], b"+OK\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$2\r\nv3\r\n");
    expect(&mut h, &[b"SET", b"missing", b"v", b"XX"], b"$-1\r\n");
    expect(&mut h, &[b"GET", b"missing"], b"$-1\r\n");
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"NX", b"XX"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"XX", b"NX"],
        b"-ERR syntax error\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"v", b"NX", b"NX"], b"$-1\r\n");
    expect(&mut h, &[b"SET", b"k", b"v", b"GET"], b"$2\r\nv3\r\n");
    expect(
        &mut h,
        &[b"SET", b"k", b"w", b"GET", b"GET"],
        b"$1\r\nv\r\n",
    );
    expect(&mut h, &[b"SET", b"nk", b"w", b"GET"], b"$-1\r\n");
    expect(&mut h, &[b"SET", b"k", b"a", b"NX", b"GET"], b"$1\r\nw\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$1\r\nw\r\n");
    expect(&mut h, &[b"SET", b"k2", b"b", b"NX", b"GET"], b"$-1\r\n");
    expect(&mut h, &[b"GET", b"k2"], b"$1\r\nb\r\n");
    expect(&mut h, &[b"SET", b"k3", b"c", b"XX", b"GET"], b"$-1\r\n");
    expect(&mut h, &[b"GET", b"k3"], b"$-1\r\n");
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"EX"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"EX", b"10", b"PX", b"10"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"EX", b"10", b"KEEPTTL"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"KEEPTTL", b"EX", b"10"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"KEEPTTL", b"KEEPTTL"],
        b"+OK\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"EXAT", b"10", b"PXAT", b"10"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"PERSIST"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"FOO"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"EX", b"abc", b"NX", b"XX"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"EX", b"abc"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"EX", b"0"],
        b"-ERR invalid expire time in 'set' command\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"EX", b"-5"],
        b"-ERR invalid expire time in 'set' command\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"PX", b"0"],
        b"-ERR invalid expire time in 'set' command\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"EXAT", b"0"],
        b"-ERR invalid expire time in 'set' command\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"PXAT", b"-1"],
        b"-ERR invalid expire time in 'set' command\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"EX", b"9223372036854775807"],
        b"-ERR invalid expire time in 'set' command\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"EX", b"9223372036854775"],
        b"-ERR invalid expire time in 'set' command\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"PX", b"9223372036854775807"],
        b"-ERR invalid expire time in 'set' command\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"EXAT", b"9223372036854775807"],
        b"-ERR invalid expire time in 'set' command\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"ex", b"10", b"ex", b"20"],
        b"+OK\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"ex", b"01"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"ex", b"1.5"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"v", b"EXAT", b"1"], b"+OK\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$-1\r\n");
    expect(
        &mut h,
        &[b"SET", b"k", b"v", b"PXAT", b"1", b"GET"],
        b"$-1\r\n",
    );
    expect(&mut h, &[b"GET", b"k"], b"$-1\r\n");
    expect(&mut h, &[b"SET", b"k", b"v"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"SET", b"k", b"v2", b"EXAT", b"1", b"GET"],
        b"$1\r\nv\r\n",
    );
    expect(&mut h, &[b"GET", b"k"], b"$-1\r\n");
    expect(&mut h, &[b"SET", b"k", b"v", b"keepttl"], b"+OK\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$1\r\nv\r\n");
}

#[test]
fn redis_setnx_setex() {
    let mut h = Harness::new();
    expect(&mut h, &[b"SETNX", b"k", b"v"], b":1\r\n");
    expect(&mut h, &[b"SETNX", b"k", b"w"], b":0\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$1\r\nv\r\n");
    expect(
        &mut h,
        &[b"SETEX", b"k", b"0", b"v"],
        b"-ERR invalid expire time in 'setex' command\r\n",
    );
    expect(
        &mut h,
        &[b"SETEX", b"k", b"-1", b"v"],
        b"-ERR invalid expire time in 'setex' command\r\n",
    );
    expect(
        &mut h,
        &[b"SETEX", b"k", b"abc", b"v"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"SETEX", b"k", b"100", b"v2"], b"+OK\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$2\r\nv2\r\n");
    expect(
        &mut h,
        &[b"PSETEX", b"k", b"0", b"v"],
        b"-ERR invalid expire time in 'psetex' command\r\n",
    );
    expect(&mut h, &[b"PSETEX", b"k", b"100000", b"v3"], b"+OK\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$2\r\nv3\r\n");
    expect(
        &mut h,
        &[b"PSETEX", b"k", b"9223372036854775807", b"v"],
        b"-ERR invalid expire time in 'psetex' command\r\n",
    );
    expect(
        &mut h,
        &[b"SETEX", b"k", b"9223372036854775807", b"v"],
        b"-ERR invalid expire time in 'setex' command\r\n",
    );
    expect(
        &mut h,
        &[b"SETNX", b"k"],
        b"-ERR wrong number of arguments for 'setnx' command\r\n",
    );
    expect(
        &mut h,
        &[b"SETEX", b"k", b"1"],
        b"-ERR wrong number of arguments for 'setex' command\r\n",
    );
}

#[test]
fn redis_getset_getdel() {
    let mut h = Harness::new();
    expect(&mut h, &[b"GETSET", b"k", b"v"], b"$-1\r\n");
    expect(&mut h, &[b"GETSET", b"k", b"w"], b"$1\r\nv\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$1\r\nw\r\n");
    expect(&mut h, &[b"GETDEL", b"k"], b"$1\r\nw\r\n");
    expect(&mut h, &[b"GETDEL", b"k"], b"$-1\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$-1\r\n");
    expect(&mut h, &[b"SET", b"n", b"5"], b"+OK\r\n");
    expect(&mut h, &[b"GETDEL", b"n"], b"$1\r\n5\r\n");
    expect(&mut h, &[b"GETSET", b"n", b"7"], b"$-1\r\n");
    expect(&mut h, &[b"INCR", b"n"], b":8\r\n");
}

#[test]
fn redis_getex() {
    let mut h = Harness::new();
    expect(&mut h, &[b"GETEX", b"k"], b"$-1\r\n");
    expect(&mut h, &[b"GETEX", b"k", b"EX", b"10"], b"$-1\r\n");
    expect(&mut h, &[b"SET", b"k", b"v"], b"+OK\r\n");
    expect(&mut h, &[b"GETEX", b"k"], b"$1\r\nv\r\n");
    expect(&mut h, &[b"GETEX", b"k", b"EX", b"10"], b"$1\r\nv\r\n");
    expect(&mut h, &[b"GETEX", b"k", b"PERSIST"], b"$1\r\nv\r\n");
    expect(&mut h, &[b"GETEX", b"k", b"PX", b"100000"], b"$1\r\nv\r\n");
    expect(
        &mut h,
        &[b"GETEX", b"k", b"PERSIST", b"EX", b"10"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"GETEX", b"k", b"EX", b"10", b"PERSIST"],
        b"-ERR syntax error\r\n",
    );
    expect(&mut h, &[b"GETEX", b"k", b"EX"], b"-ERR syntax error\r\n");
    expect(
        &mut h,
        &[b"GETEX", b"k", b"EX", b"0"],
        b"-ERR invalid expire time in 'getex' command\r\n",
    );
    expect(
        &mut h,
        &[b"GETEX", b"k", b"EX", b"-1"],
        b"-ERR invalid expire time in 'getex' command\r\n",
    );
    expect(
        &mut h,
        &[b"GETEX", b"k", b"EX", b"abc"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"GETEX", b"nokey", b"EX", b"0"], b"$-1\r\n");
    expect(
        &mut h,
        &[b"GETEX", b"nokey", b"FOO"],
        b"-ERR syntax error\r\n",
    );
    expect(&mut h, &[b"GETEX", b"k", b"NX"], b"-ERR syntax error\r\n");
    expect(
        &mut h,
        &[b"GETEX", b"k", b"KEEPTTL"],
        b"-ERR syntax error\r\n",
    );
    expect(&mut h, &[b"GETEX", b"k", b"GET"], b"-ERR syntax error\r\n");
    expect(
        &mut h,
        &[b"GETEX", b"k", b"EX", b"10", b"EX", b"20"],
        b"$1\r\nv\r\n",
    );
    expect(
        &mut h,
        &[b"GETEX", b"k", b"EX", b"10", b"PX", b"10"],
        b"-ERR syntax error\r\n",
    );
    expect(&mut h, &[b"GETEX", b"k", b"EXAT", b"1"], b"$1\r\nv\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$-1\r\n");
    expect(&mut h, &[b"SET", b"k", b"42"], b"+OK\r\n");
    expect(&mut h, &[b"GETEX", b"k", b"PXAT", b"1"], b"$2\r\n42\r\n");
    expect(&mut h, &[b"GETEX", b"k"], b"$-1\r\n");
    expect(&mut h, &[b"SET", b"k", b"v"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"GETEX", b"k", b"PX", b"9223372036854775807"],
        b"-ERR invalid expire time in 'getex' command\r\n",
    );
    expect(
        &mut h,
        &[b"GETEX", b"k", b"EXAT", b"9223372036854775807"],
        b"-ERR invalid expire time in 'getex' command\r\n",
    );
    expect(&mut h, &[b"GET", b"k"], b"$1\r\nv\r\n");
}

#[test]
fn redis_mget_mset() {
    let mut h = Harness::new();
    expect(
        &mut h,
        &[b"MGET", b"a", b"b", b"c"],
        b"*3\r\n$-1\r\n$-1\r\n$-1\r\n",
    );
    expect(&mut h, &[b"MSET", b"a", b"1", b"b", b"2"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"MGET", b"a", b"b", b"c"],
        b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n",
    );
    expect(
        &mut h,
        &[b"MSET", b"a"],
        b"-ERR wrong number of arguments for 'mset' command\r\n",
    );
    expect(
        &mut h,
        &[b"MSET", b"a", b"1", b"b"],
        b"-ERR wrong number of arguments for 'mset' command\r\n",
    );
    expect(&mut h, &[b"MSET", b"a", b"1", b"a", b"2"], b"+OK\r\n");
    expect(&mut h, &[b"GET", b"a"], b"$1\r\n2\r\n");
    expect(&mut h, &[b"MSETNX", b"a", b"1", b"c", b"3"], b":0\r\n");
    expect(&mut h, &[b"MGET", b"c"], b"*1\r\n$-1\r\n");
    expect(&mut h, &[b"MSETNX", b"c", b"3", b"d", b"4"], b":1\r\n");
    expect(
        &mut h,
        &[b"MGET", b"a", b"b", b"c", b"d"],
        b"*4\r\n$1\r\n2\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n",
    );
    expect(&mut h, &[b"MSETNX", b"e", b"1", b"e", b"2"], b":1\r\n");
    expect(&mut h, &[b"GET", b"e"], b"$1\r\n2\r\n");
    expect(
        &mut h,
        &[b"MSETNX", b"x", b"1", b"y"],
        b"-ERR wrong number of arguments for 'msetnx' command\r\n",
    );
    expect(
        &mut h,
        &[b"MGET"],
        b"-ERR wrong number of arguments for 'mget' command\r\n",
    );
    expect(
        &mut h,
        &[b"MSET"],
        b"-ERR wrong number of arguments for 'mset' command\r\n",
    );
    expect(
        &mut h,
        &[b"MSETNX", b"a"],
        b"-ERR wrong number of arguments for 'msetnx' command\r\n",
    );
}

#[test]
fn redis_append_strlen() {
    let mut h = Harness::new();
    expect(&mut h, &[b"APPEND", b"k", b"hello"], b":5\r\n");
    expect(&mut h, &[b"APPEND", b"k", b" world"], b":11\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$11\r\nhello world\r\n");
    expect(&mut h, &[b"STRLEN", b"k"], b":11\r\n");
    expect(&mut h, &[b"STRLEN", b"nokey"], b":0\r\n");
    expect(&mut h, &[b"SET", b"n", b"12"], b"+OK\r\n");
    expect(&mut h, &[b"APPEND", b"n", b"34"], b":4\r\n");
    expect(&mut h, &[b"GET", b"n"], b"$4\r\n1234\r\n");
    expect(&mut h, &[b"INCR", b"n"], b":1235\r\n");
    expect(&mut h, &[b"APPEND", b"n", b""], b":4\r\n");
    expect(&mut h, &[b"STRLEN", b"n"], b":4\r\n");
    expect(&mut h, &[b"SET", b"n", b"99"], b"+OK\r\n");
    expect(&mut h, &[b"STRLEN", b"n"], b":2\r\n");
    expect(&mut h, &[b"SET", b"n", b"-1234"], b"+OK\r\n");
    expect(&mut h, &[b"STRLEN", b"n"], b":5\r\n");
    expect(&mut h, &[b"APPEND", b"new", b"77"], b":2\r\n");
    expect(&mut h, &[b"INCR", b"new"], b":78\r\n");
}

#[test]
fn redis_incr_decr() {
    let mut h = Harness::new();
    expect(&mut h, &[b"INCR", b"k"], b":1\r\n");
    expect(&mut h, &[b"INCR", b"k"], b":2\r\n");
    expect(&mut h, &[b"DECR", b"k"], b":1\r\n");
    expect(&mut h, &[b"DECR", b"k"], b":0\r\n");
    expect(&mut h, &[b"DECR", b"k"], b":-1\r\n");
    expect(&mut h, &[b"INCRBY", b"k", b"10"], b":9\r\n");
    expect(&mut h, &[b"DECRBY", b"k", b"3"], b":6\r\n");
    expect(&mut h, &[b"INCRBY", b"k", b"-20"], b":-14\r\n");
    expect(&mut h, &[b"DECRBY", b"k", b"-5"], b":-9\r\n");
    expect(
        &mut h,
        &[b"INCRBY", b"k", b"abc"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBY", b"k", b"1.5"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBY", b"k", b" 1"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBY", b"k", b"01"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBY", b"k", b"+1"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"DECRBY", b"k", b"9223372036854775808"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"DECRBY", b"k", b"-9223372036854775808"],
        b"-ERR decrement would overflow\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"9223372036854775807"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCR", b"k"],
        b"-ERR increment or decrement would overflow\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBY", b"k", b"0"],
        b":9223372036854775807\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"-9223372036854775808"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"DECR", b"k"],
        b"-ERR increment or decrement would overflow\r\n",
    );
    expect(
        &mut h,
        &[b"DECRBY", b"k", b"1"],
        b"-ERR increment or decrement would overflow\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBY", b"k", b"-1"],
        b"-ERR increment or decrement would overflow\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"abc"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCR", b"k"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b" 1"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCR", b"k"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"1.0"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCR", b"k"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"00"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCR", b"k"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"-0"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCR", b"k"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"9223372036854775808"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCR", b"k"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b""], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCR", b"k"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"18"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCRBY", b"k", b"9223372036854775807"],
        b"-ERR increment or decrement would overflow\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"-18"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCRBY", b"k", b"-9223372036854775808"],
        b"-ERR increment or decrement would overflow\r\n",
    );
    expect(
        &mut h,
        &[b"DECRBY", b"k", b"9223372036854775807"],
        b"-ERR increment or decrement would overflow\r\n",
    );
}

#[test]
fn redis_incrbyfloat() {
    let mut h = Harness::new();
    expect(&mut h, &[b"INCRBYFLOAT", b"k", b"0.1"], b"$3\r\n0.1\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"k", b"0.1"], b"$3\r\n0.2\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"k", b"0.1"], b"$3\r\n0.3\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"k", b"3.0"], b"$3\r\n3.3\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"k", b"-3.3"], b"$1\r\n0\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"k", b"1e2"], b"$3\r\n100\r\n");
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"1.5e-3"],
        b"$8\r\n100.0015\r\n",
    );
    expect(&mut h, &[b"GET", b"k"], b"$8\r\n100.0015\r\n");
    expect(&mut h, &[b"SET", b"k", b"10"], b"+OK\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"k", b"5"], b"$2\r\n15\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"k", b"0x10"], b"$2\r\n31\r\n");
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"abc"],
        b"-ERR value is not a valid float\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b""],
        b"-ERR value is not a valid float\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b" 1"],
        b"-ERR value is not a valid float\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"1 "],
        b"-ERR value is not a valid float\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"inf"],
        b"-ERR increment would produce NaN or Infinity\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"-inf"],
        b"-ERR increment would produce NaN or Infinity\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"nan"],
        b"-ERR value is not a valid float\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"1e5000"],
        b"-ERR value is not a valid float\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"1e-5000"],
        b"-ERR value is not a valid float\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"abc"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"1"],
        b"-ERR value is not a valid float\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"1e400"], b"+OK\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"k", b"1"], b"$401\r\n10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880\r\n");
    expect(&mut h, &[b"SET", b"k", b"5.0e3"], b"+OK\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"k", b"2.0e2"], b"$4\r\n5200\r\n");
    expect(&mut h, &[b"SET", b"k", b"1.18e4932"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"1.18e4932"],
        b"-ERR increment would produce NaN or Infinity\r\n",
    );
    expect(&mut h, &[b"GET", b"k"], b"$9\r\n1.18e4932\r\n");
    expect(&mut h, &[b"SET", b"k", b"0"], b"+OK\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"k", b"-0"], b"$1\r\n0\r\n");
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"0.0000000000000000001"],
        b"$1\r\n0\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"-0.000000000000000006"],
        b"$20\r\n-0.00000000000000001\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"1"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"0.123456789012345678901234"],
        b"$19\r\n1.12345678901234568\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"3.14159"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"2.71828"],
        b"$7\r\n5.85987\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"1e20"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"1"],
        b"$21\r\n100000000000000000000\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"12345678901234567890"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"1"],
        b"$20\r\n12345678901234567891\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"-1.5"], b"+OK\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"k", b"0.5"], b"$2\r\n-1\r\n");
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"1e-17"],
        b"$20\r\n-0.99999999999999999\r\n",
    );
    expect(&mut h, &[b"SET", b"k", b"0.1"], b"+OK\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"k", b"0.2"], b"$3\r\n0.3\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"k", b"1.7976931348623157e308"], b"$309\r\n179769313486231569995921046774104434048386446944329178485314420765176628523124396354701868608387085564428793419425520689308708363451136055357897278026477617073498977686288394835618163294045594434929537447290627480669417384648879122776218333598953852832103282504751611691208117720159985926376802466863339536384\r\n");
    expect(&mut h, &[b"SET", b"k", b"9223372036854775807"], b"+OK\r\n");
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k", b"1"],
        b"$19\r\n9223372036854775808\r\n",
    );
    expect(&mut h, &[b"INCRBYFLOAT", b"nk", b"7"], b"$1\r\n7\r\n");
    expect(&mut h, &[b"GET", b"nk"], b"$1\r\n7\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"nk", b"1E1"], b"$2\r\n17\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"nk", b".5e1"], b"$2\r\n22\r\n");
    expect(&mut h, &[b"INCRBYFLOAT", b"nk", b"5."], b"$2\r\n27\r\n");
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"nk", b"1e"],
        b"-ERR value is not a valid float\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"nk", b"0x1p-3"],
        b"$6\r\n27.125\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"nk", b"-0x1.8p1"],
        b"$6\r\n24.125\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"nk", b"infinity"],
        b"-ERR increment would produce NaN or Infinity\r\n",
    );
    expect(&mut h, &[b"INCRBYFLOAT", b"nk", b"1e4932"], b"$4933\r\n1000000000000000000006018949387963891323837774254533114773785041352533019486608722407533327779433142773666525563666277682061860906440460336623416164931097542108653623739947237824273607755646282077337746770628281083461244709457643633409272844851420914666765408339856497738306756454137037618440476182982865954054046320908299555942321302503320602080070208203623921079151881460203745014774931620490030394998719312614654064081373493248877120892455186383753439197870978041502797716880193955403107721911638646256939484197293128160329482360996995779489224859264034146949087194820794222433687849284561987230134006305414553626323614864479565079390052761980633463640128979696615362545507608303960553830866145592644372289102918602696741767741297153998359263135897985849697638678310586803720024647593066044070323761747439375151949994191528876172274034561238465689530914002496208547488452249219821049217690359246594326188537200846025476936856707726986425804304053688317572380292690880454677852210458790733177421098965346383845533016192965653377533421097553773202105452559589360227732550843545717469715211293029277100649951579279463212875228768700827274629951331584994203243708412190948315614798641721054158397351395747758548328754270534225721361640356227816080094892433366902417454242382629232277544026609640255325557814321580325340352330660617642326696140257239552549121071985189443846777623334881929189773707008403466595204838733621633273383631944856989484138444978386656058755310848833689791896484998847550364264104800800578245511762594691161545730891319744107953897993101008217601269310629890308357893793344340072837782716410520818640099771094401772024731084835860689936533035726854175396195351768096519310944631445923638053214575993378468775292865871435742249777979822775014324475845899615096380079899099538453121043851821349178371736640702645304284254885437611441690360616466368202194307769462209963387690446576691969551571041941288302648912827345194286271122230347823246073498285153708579500062656222714954113329293953346495615947784091175883554988117167387650681525781361864450364992605079129770604793291076559668041153558254765774288831330658676910296506538343982699076824147706077401185501337053676875440863113630172067902223837838525802181406003942606507609826320015193807633035586661539150425605940691768637845815434184585255915074081317250319572700370579877977177644345205933505850374212779064837146242765034714569464306865784829936445754893825213995710137567750342556762329137973387913047300554841737506800154984198686923965286147079273203561004647365286049876790788288301130050437207489067798842078443360167772245834103629301041345252122743437501935254370757049878526838283810705343010153283985958550741661374001212323172562230037290597675029278865489570268803618001520280748588481858632332145422181524500970533738858652881625738158955840469334830106366243262210429210258173978186522208306814207038831590332622155464159216193005478809313772661406449321989529908990407599717265354887081027622412165764793106246309910984757869627982700885055259900973567128498437782671492610351088858271463387495833021819318548705558606395846070390500323204636339383655528123657438115225035433947543876805317781492691295772410403746456774175666884503175504415270824258750305653788473882671038340481278188648013647450190431469737277008003041204693859153544058059108384516541261521127088116402349679151317227395183628490922161336429757386698401928682323657056924758648793848799822907606679071280964393541325129231682456669123450140879120137931548652537601508656209183486928384515842973760163601756230697826779237275078471824258664382133759876151537532598429521999758431018087001817485300919479583171049967781322202936864648780744025361452947117776701129210049872555316467204668470989130203733391349501708713181244068921199587314823974568234174792429139799088587794666528769986602820375968045445209219875596678877912103336949894142378173648692130854177898020194629670311101994938157038765957014792056173739623614871557317714453597336202068774935086409386414223375141765601758268418764114651053088281009248246110195084364468926837572992870110411414878770616397817334529367403238061699632089293543118185299881280463481800696201966723511922556078483839325067415562633057448408746541808590342228476964416681055875561781810005936328191844815915658719683522845979901018335050006246392027657149580332319739660376707180429166280658258434773362764563277134220525779869893832824866422909928484939374964071386248088592408142723646533801882861736205992781965360090000802821408763787641023437653119263757280212773694655213507075717622521160227187157631635583682130089364682543007292042009976150135189415923413244100006421082817394988300265734422677548100741829682842668334472314928702968616204691717366798642916146473018363370523427203416579250811577900985980957404830019403600361860520985937973506956557739754741783354728589350876379371163141086538418113791886622720\r\n");
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"nk", b"1e4933"],
        b"-ERR value is not a valid float\r\n",
    );
    expect(&mut h, &[b"SET", b"w", b"0"], b"+OK\r\n");
    expect(
        &mut h,
        &[
            b"INCRBYFLOAT",
            b"w",
            b"1234567890123456789012345678901234567890.5",
        ],
        b"$40\r\n1234567890123456788999898750329779388416\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"0.30000000000000000000000000000001"],
        b"$40\r\n1234567890123456788999898750329779388416\r\n",
    );
    expect(
        &mut h,
        &[
            b"INCRBYFLOAT",
            b"w",
            b"-1234567890123456789012345678901234567890.5",
        ],
        b"$1\r\n0\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"123456789012345678901234567890e-25"],
        b"$22\r\n12345.6789012345678902\r\n",
    );
    expect(
        &mut h,
        &[
            b"INCRBYFLOAT",
            b"w",
            b"99999999999999999999999999999999999999999999999999e-60",
        ],
        b"$23\r\n12345.67890123466789021\r\n",
    );
    expect(
        &mut h,
        &[
            b"INCRBYFLOAT",
            b"w",
            b"0.000000000000000000000000000000000000001e39",
        ],
        b"$23\r\n12346.67890123466789021\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"18446744073709551615.75"],
        b"$20\r\n18446744073709563962\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"0x1.fffffffffffffffep63"],
        b"$20\r\n36893488147419115576\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"0xffffffffffffffffff"],
        b"$22\r\n4759259971017064329216\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"-0x1p-16445"],
        b"$22\r\n4759259971017064329216\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"0x1p-16446"],
        b"-ERR value is not a valid float\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"0x1p-16500"],
        b"-ERR value is not a valid float\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"0x0p-99999"],
        b"$22\r\n4759259971017064329216\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"1e-4951"],
        b"-ERR value is not a valid float\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"3.6e-4951"],
        b"$22\r\n4759259971017064329216\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"0.00"],
        b"$22\r\n4759259971017064329216\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"2.5"],
        b"$22\r\n4759259971017064329216\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"1.0000000000000000001"],
        b"$22\r\n4759259971017064329216\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"1e19"],
        b"$22\r\n4769259971017064329216\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"0.000001"],
        b"$22\r\n4769259971017064329216\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"1e-18"],
        b"$22\r\n4769259971017064329216\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"w", b"7e-18"],
        b"$22\r\n4769259971017064329216\r\n",
    );
}

#[test]
fn redis_getrange_setrange() {
    let mut h = Harness::new();
    expect(&mut h, &[b"GETRANGE", b"k", b"0", b"-1"], b"$0\r\n\r\n");
    expect(&mut h, &[b"SET", b"k", b"This is a string"], b"+OK\r\n");
    expect(&mut h, &[b"GETRANGE", b"k", b"0", b"3"], b"$4\r\nThis\r\n");
    expect(&mut h, &[b"GETRANGE", b"k", b"-3", b"-1"], b"$3\r\ning\r\n");
    expect(
        &mut h,
        &[b"GETRANGE", b"k", b"0", b"-1"],
        b"$16\r\nThis is a string\r\n",
    );
    expect(
        &mut h,
        &[b"GETRANGE", b"k", b"10", b"100"],
        b"$6\r\nstring\r\n",
    );
    expect(&mut h, &[b"GETRANGE", b"k", b"5", b"3"], b"$0\r\n\r\n");
    expect(&mut h, &[b"GETRANGE", b"k", b"-1", b"-5"], b"$0\r\n\r\n");
    expect(
        &mut h,
        &[b"GETRANGE", b"k", b"-100", b"-50"],
        b"$1\r\nT\r\n",
    );
    expect(
        &mut h,
        &[b"GETRANGE", b"k", b"-100", b"2"],
        b"$3\r\nThi\r\n",
    );
    expect(&mut h, &[b"GETRANGE", b"k", b"100", b"200"], b"$0\r\n\r\n");
    expect(
        &mut h,
        &[b"GETRANGE", b"k", b"a", b"1"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"GETRANGE", b"k", b"0", b"b"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"SUBSTR", b"k", b"0", b"3"], b"$4\r\nThis\r\n");
    expect(&mut h, &[b"SUBSTR", b"k", b"-3", b"-1"], b"$3\r\ning\r\n");
    expect(&mut h, &[b"SET", b"n", b"12345"], b"+OK\r\n");
    expect(&mut h, &[b"GETRANGE", b"n", b"1", b"2"], b"$2\r\n23\r\n");
    expect(&mut h, &[b"GETRANGE", b"n", b"-2", b"-1"], b"$2\r\n45\r\n");
    expect(
        &mut h,
        &[b"GETRANGE", b"k", b"0", b"9223372036854775807"],
        b"$16\r\nThis is a string\r\n",
    );
    expect(
        &mut h,
        &[b"GETRANGE", b"k", b"-9223372036854775808", b"1"],
        b"$2\r\nTh\r\n",
    );
    expect(&mut h, &[b"SET", b"e", b""], b"+OK\r\n");
    expect(&mut h, &[b"GETRANGE", b"e", b"0", b"-1"], b"$0\r\n\r\n");
    expect(&mut h, &[b"GETRANGE", b"e", b"0", b"0"], b"$0\r\n\r\n");
    expect(&mut h, &[b"SETRANGE", b"k", b"10", b"Redis"], b":16\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$16\r\nThis is a Redisg\r\n");
    expect(&mut h, &[b"SETRANGE", b"k2", b"5", b"Hi"], b":7\r\n");
    expect(
        &mut h,
        &[b"GET", b"k2"],
        b"$7\r\n\x00\x00\x00\x00\x00Hi\r\n",
    );
    expect(&mut h, &[b"SETRANGE", b"k3", b"0", b""], b":0\r\n");
    expect(&mut h, &[b"GET", b"k3"], b"$-1\r\n");
    expect(&mut h, &[b"SETRANGE", b"k3", b"5", b""], b":0\r\n");
    expect(
        &mut h,
        &[b"SETRANGE", b"k", b"-1", b"x"],
        b"-ERR offset is out of range\r\n",
    );
    expect(
        &mut h,
        &[b"SETRANGE", b"k", b"a", b"x"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"SETRANGE", b"k", b"536870912", b"x"],
        b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
    );
    expect(&mut h, &[b"SETRANGE", b"k", b"536870912", b""], b":16\r\n");
    expect(&mut h, &[b"SETRANGE", b"n", b"1", b"x"], b":5\r\n");
    expect(&mut h, &[b"GET", b"n"], b"$5\r\n1x345\r\n");
    expect(&mut h, &[b"SET", b"n", b"12345"], b"+OK\r\n");
    expect(&mut h, &[b"SETRANGE", b"n", b"1", b""], b":5\r\n");
    expect(&mut h, &[b"GET", b"n"], b"$5\r\n12345\r\n");
    expect(&mut h, &[b"SETRANGE", b"n", b"5", b"6"], b":6\r\n");
    expect(&mut h, &[b"INCR", b"n"], b":123457\r\n");
    expect(
        &mut h,
        &[b"SETRANGE", b"k", b"9223372036854775807", b"x"],
        b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
    );
}

#[test]
fn redis_bits() {
    let mut h = Harness::new();
    expect(&mut h, &[b"GETBIT", b"k", b"0"], b":0\r\n");
    expect(&mut h, &[b"SETBIT", b"k", b"7", b"1"], b":0\r\n");
    expect(&mut h, &[b"GETBIT", b"k", b"7"], b":1\r\n");
    expect(&mut h, &[b"GETBIT", b"k", b"6"], b":0\r\n");
    expect(&mut h, &[b"GETBIT", b"k", b"100"], b":0\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$1\r\n\x01\r\n");
    expect(&mut h, &[b"SETBIT", b"k", b"7", b"0"], b":1\r\n");
    expect(&mut h, &[b"SETBIT", b"k", b"7", b"0"], b":0\r\n");
    expect(&mut h, &[b"GET", b"k"], b"$1\r\n\x00\r\n");
    expect(
        &mut h,
        &[b"SETBIT", b"k", b"1", b"2"],
        b"-ERR bit is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"SETBIT", b"k", b"1", b"-1"],
        b"-ERR bit is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"SETBIT", b"k", b"1", b"a"],
        b"-ERR bit is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"SETBIT", b"k", b"-1", b"1"],
        b"-ERR bit offset is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"SETBIT", b"k", b"a", b"1"],
        b"-ERR bit offset is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"GETBIT", b"k", b"-1"],
        b"-ERR bit offset is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"GETBIT", b"k", b"a"],
        b"-ERR bit offset is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"SETBIT", b"k", b"4294967296", b"1"],
        b"-ERR bit offset is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"GETBIT", b"k", b"4294967296"],
        b"-ERR bit offset is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"SETBIT", b"k", b"#1", b"1"],
        b"-ERR bit offset is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"SET", b"n", b"1"], b"+OK\r\n");
    expect(&mut h, &[b"GETBIT", b"n", b"2"], b":1\r\n");
    expect(&mut h, &[b"GETBIT", b"n", b"7"], b":1\r\n");
    expect(&mut h, &[b"SETBIT", b"n", b"6", b"1"], b":0\r\n");
    expect(&mut h, &[b"GET", b"n"], b"$1\r\n3\r\n");
    expect(&mut h, &[b"SETBIT", b"n", b"15", b"1"], b":0\r\n");
    expect(&mut h, &[b"STRLEN", b"n"], b":2\r\n");
    expect(&mut h, &[b"SETBIT", b"big", b"23", b"1"], b":0\r\n");
    expect(&mut h, &[b"STRLEN", b"big"], b":3\r\n");
    expect(&mut h, &[b"BITCOUNT", b"big"], b":1\r\n");
    expect(&mut h, &[b"GETBIT", b"k", b"4294967295"], b":0\r\n");
}

#[test]
fn redis_bitcount() {
    let mut h = Harness::new();
    expect(&mut h, &[b"BITCOUNT", b"k"], b":0\r\n");
    expect(&mut h, &[b"BITCOUNT", b"k", b"0"], b":0\r\n");
    expect(
        &mut h,
        &[b"BITCOUNT", b"k", b"1", b"2", b"3", b"4", b"5"],
        b":0\r\n",
    );
    expect(&mut h, &[b"BITCOUNT", b"k", b"a", b"b"], b":0\r\n");
    expect(&mut h, &[b"SET", b"k", b"foobar"], b"+OK\r\n");
    expect(&mut h, &[b"BITCOUNT", b"k"], b":26\r\n");
    expect(&mut h, &[b"BITCOUNT", b"k", b"0", b"0"], b":4\r\n");
    expect(&mut h, &[b"BITCOUNT", b"k", b"1", b"1"], b":6\r\n");
    expect(&mut h, &[b"BITCOUNT", b"k", b"1", b"1", b"BYTE"], b":6\r\n");
    expect(
        &mut h,
        &[b"BITCOUNT", b"k", b"5", b"30", b"BIT"],
        b":17\r\n",
    );
    expect(&mut h, &[b"BITCOUNT", b"k", b"-1", b"-1"], b":4\r\n");
    expect(
        &mut h,
        &[b"BITCOUNT", b"k", b"-2", b"-1", b"bit"],
        b":1\r\n",
    );
    expect(&mut h, &[b"BITCOUNT", b"k", b"0"], b"-ERR syntax error\r\n");
    expect(
        &mut h,
        &[b"BITCOUNT", b"k", b"0", b"1", b"2"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"BITCOUNT", b"k", b"0", b"1", b"FOO"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"BITCOUNT", b"k", b"a", b"1"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"BITCOUNT", b"k", b"0", b"b"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"BITCOUNT", b"k", b"5", b"2"], b":0\r\n");
    expect(&mut h, &[b"BITCOUNT", b"k", b"-1", b"-5"], b":0\r\n");
    expect(&mut h, &[b"BITCOUNT", b"k", b"-100", b"100"], b":26\r\n");
    expect(&mut h, &[b"BITCOUNT", b"k", b"0", b"-100"], b":4\r\n");
    expect(
        &mut h,
        &[b"BITCOUNT", b"k", b"3", b"100", b"bit"],
        b":24\r\n",
    );
    expect(
        &mut h,
        &[b"BITCOUNT", b"k", b"47", b"47", b"bit"],
        b":0\r\n",
    );
    expect(
        &mut h,
        &[b"BITCOUNT", b"k", b"46", b"47", b"bit"],
        b":1\r\n",
    );
    expect(
        &mut h,
        &[b"BITCOUNT", b"k", b"0", b"9223372036854775807"],
        b":26\r\n",
    );
    expect(
        &mut h,
        &[b"BITCOUNT", b"k", b"-9223372036854775808", b"-1", b"bit"],
        b":26\r\n",
    );
    expect(&mut h, &[b"SET", b"n", b"255"], b"+OK\r\n");
    expect(&mut h, &[b"BITCOUNT", b"n"], b":11\r\n");
    expect(&mut h, &[b"SET", b"e", b""], b"+OK\r\n");
    expect(&mut h, &[b"BITCOUNT", b"e"], b":0\r\n");
    expect(&mut h, &[b"BITCOUNT", b"e", b"0", b"-1"], b":0\r\n");
    expect(&mut h, &[b"BITCOUNT", b"e", b"0", b"-1", b"bit"], b":0\r\n");
}

#[test]
fn redis_bitpos() {
    let mut h = Harness::new();
    expect(&mut h, &[b"BITPOS", b"k", b"0"], b":0\r\n");
    expect(&mut h, &[b"BITPOS", b"k", b"1"], b":-1\r\n");
    expect(
        &mut h,
        &[b"BITPOS", b"k", b"2"],
        b"-ERR The bit argument must be 1 or 0.\r\n",
    );
    expect(
        &mut h,
        &[b"BITPOS", b"k", b"a"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"BITPOS", b"k", b"1", b"a", b"b"], b":-1\r\n");
    expect(&mut h, &[b"SET", b"k", b"\xff\xf0\x00"], b"+OK\r\n");
    expect(&mut h, &[b"BITPOS", b"k", b"0"], b":12\r\n");
    expect(&mut h, &[b"BITPOS", b"k", b"1"], b":0\r\n");
    expect(&mut h, &[b"BITPOS", b"k", b"1", b"2"], b":-1\r\n");
    expect(&mut h, &[b"BITPOS", b"k", b"0", b"0", b"0"], b":-1\r\n");
    expect(&mut h, &[b"BITPOS", b"k", b"0", b"0"], b":12\r\n");
    expect(
        &mut h,
        &[b"BITPOS", b"k", b"1", b"2", b"-1", b"BYTE"],
        b":-1\r\n",
    );
    expect(
        &mut h,
        &[b"BITPOS", b"k", b"1", b"7", b"15", b"BIT"],
        b":7\r\n",
    );
    expect(
        &mut h,
        &[b"BITPOS", b"k", b"0", b"7", b"15", b"BIT"],
        b":12\r\n",
    );
    expect(
        &mut h,
        &[b"BITPOS", b"k", b"0", b"0", b"11", b"bit"],
        b":-1\r\n",
    );
    expect(
        &mut h,
        &[b"BITPOS", b"k", b"0", b"0", b"12", b"bit"],
        b":12\r\n",
    );
    expect(
        &mut h,
        &[b"BITPOS", b"k", b"1", b"12", b"bit"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"BITPOS", b"k", b"0", b"3", b"bit"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"BITPOS", b"k", b"1", b"-1", b"-1"], b":-1\r\n");
    expect(&mut h, &[b"BITPOS", b"k", b"1", b"5", b"2"], b":-1\r\n");
    expect(&mut h, &[b"BITPOS", b"k", b"1", b"-5", b"-10"], b":0\r\n");
    expect(&mut h, &[b"BITPOS", b"k", b"0", b"-5", b"-10"], b":-1\r\n");
    expect(
        &mut h,
        &[b"BITPOS", b"k", b"1", b"0", b"-1", b"FOO"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"BITPOS", b"k", b"1", b"a"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"BITPOS", b"k", b"1", b"0", b"b"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut h,
        &[b"BITPOS", b"k", b"1", b"0", b"1", b"bit", b"extra"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"BITPOS", b"k", b"2", b"0"],
        b"-ERR The bit argument must be 1 or 0.\r\n",
    );
    expect(&mut h, &[b"SET", b"f", b"\xff\xff"], b"+OK\r\n");
    expect(&mut h, &[b"BITPOS", b"f", b"0"], b":16\r\n");
    expect(&mut h, &[b"BITPOS", b"f", b"0", b"0"], b":16\r\n");
    expect(&mut h, &[b"BITPOS", b"f", b"0", b"0", b"-1"], b":-1\r\n");
    expect(
        &mut h,
        &[b"BITPOS", b"f", b"0", b"0", b"-1", b"bit"],
        b":-1\r\n",
    );
    expect(
        &mut h,
        &[b"BITPOS", b"f", b"0", b"3", b"bit"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"BITPOS", b"f", b"1", b"100"], b":-1\r\n");
    expect(&mut h, &[b"BITPOS", b"f", b"0", b"100"], b":-1\r\n");
    expect(&mut h, &[b"SET", b"z", b"\x00\x00"], b"+OK\r\n");
    expect(&mut h, &[b"BITPOS", b"z", b"1"], b":-1\r\n");
    expect(&mut h, &[b"BITPOS", b"z", b"0"], b":0\r\n");
    expect(&mut h, &[b"BITPOS", b"z", b"1", b"1", b"1"], b":-1\r\n");
    expect(&mut h, &[b"SET", b"e", b""], b"+OK\r\n");
    expect(&mut h, &[b"BITPOS", b"e", b"0"], b":-1\r\n");
    expect(&mut h, &[b"BITPOS", b"e", b"1"], b":-1\r\n");
    expect(&mut h, &[b"BITPOS", b"e", b"0", b"0"], b":-1\r\n");
    expect(&mut h, &[b"SET", b"n", b"1"], b"+OK\r\n");
    expect(&mut h, &[b"BITPOS", b"n", b"1"], b":2\r\n");
    expect(
        &mut h,
        &[
            b"BITPOS",
            b"n",
            b"0",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"bit",
        ],
        b":-1\r\n",
    );
}

#[test]
fn redis_bitop() {
    let mut h = Harness::new();
    expect(&mut h, &[b"SET", b"a", b"foof"], b"+OK\r\n");
    expect(&mut h, &[b"SET", b"b", b"bar"], b"+OK\r\n");
    expect(&mut h, &[b"BITOP", b"AND", b"d", b"a", b"b"], b":4\r\n");
    expect(&mut h, &[b"GET", b"d"], b"$4\r\nbab\x00\r\n");
    expect(&mut h, &[b"BITOP", b"OR", b"d", b"a", b"b"], b":4\r\n");
    expect(&mut h, &[b"GET", b"d"], b"$4\r\nfo\x7ff\r\n");
    expect(&mut h, &[b"BITOP", b"XOR", b"d", b"a", b"b"], b":4\r\n");
    expect(&mut h, &[b"GET", b"d"], b"$4\r\n\x04\x0e\x1df\r\n");
    expect(&mut h, &[b"BITOP", b"NOT", b"d", b"a"], b":4\r\n");
    expect(&mut h, &[b"GET", b"d"], b"$4\r\n\x99\x90\x90\x99\r\n");
    expect(
        &mut h,
        &[b"BITOP", b"NOT", b"d", b"a", b"b"],
        b"-ERR BITOP NOT must be called with a single source key.\r\n",
    );
    expect(
        &mut h,
        &[b"BITOP", b"FOO", b"d", b"a"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"BITOP", b"and", b"d", b"a", b"missing"],
        b":4\r\n",
    );
    expect(&mut h, &[b"GET", b"d"], b"$4\r\n\x00\x00\x00\x00\r\n");
    expect(
        &mut h,
        &[b"BITOP", b"or", b"d", b"missing1", b"missing2"],
        b":0\r\n",
    );
    expect(&mut h, &[b"GET", b"d"], b"$-1\r\n");
    expect(&mut h, &[b"SET", b"d", b"x"], b"+OK\r\n");
    expect(&mut h, &[b"BITOP", b"NOT", b"d", b"missing"], b":0\r\n");
    expect(&mut h, &[b"GET", b"d"], b"$-1\r\n");
    expect(&mut h, &[b"BITOP", b"xor", b"d", b"a"], b":4\r\n");
    expect(&mut h, &[b"GET", b"d"], b"$4\r\nfoof\r\n");
    expect(&mut h, &[b"SET", b"n", b"12"], b"+OK\r\n");
    expect(&mut h, &[b"BITOP", b"OR", b"d", b"n"], b":2\r\n");
    expect(&mut h, &[b"GET", b"d"], b"$2\r\n12\r\n");
    expect(
        &mut h,
        &[b"BITOP", b"NOT", b"d"],
        b"-ERR wrong number of arguments for 'bitop' command\r\n",
    );
    expect(
        &mut h,
        &[b"BITOP", b"AND", b"d"],
        b"-ERR wrong number of arguments for 'bitop' command\r\n",
    );
}

#[test]
fn redis_lcs() {
    let mut h = Harness::new();
    expect(&mut h, &[b"LCS", b"a", b"b"], b"$0\r\n\r\n");
    expect(&mut h, &[b"SET", b"a", b"ohmytext"], b"+OK\r\n");
    expect(&mut h, &[b"SET", b"b", b"mynewtext"], b"+OK\r\n");
    expect(&mut h, &[b"LCS", b"a", b"b"], b"$6\r\nmytext\r\n");
    expect(&mut h, &[b"LCS", b"a", b"b", b"LEN"], b":6\r\n");
    expect(&mut h, &[b"LCS", b"a", b"b", b"IDX"], b"*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
    expect(&mut h, &[b"LCS", b"a", b"b", b"IDX", b"WITHMATCHLEN"], b"*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n");
    expect(&mut h, &[b"LCS", b"a", b"b", b"IDX", b"MINMATCHLEN", b"4"], b"*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n");
    expect(&mut h, &[b"LCS", b"a", b"b", b"IDX", b"MINMATCHLEN", b"4", b"WITHMATCHLEN"], b"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n");
    expect(&mut h, &[b"LCS", b"a", b"b", b"IDX", b"MINMATCHLEN", b"-3"], b"*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
    expect(
        &mut h,
        &[b"LCS", b"a", b"b", b"LEN", b"IDX"],
        b"-ERR If you want both the length and indexes, please just use IDX.\r\n",
    );
    expect(
        &mut h,
        &[b"LCS", b"a", b"b", b"FOO"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"LCS", b"a", b"b", b"MINMATCHLEN"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut h,
        &[b"LCS", b"a", b"b", b"MINMATCHLEN", b"x"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(&mut h, &[b"LCS", b"a", b"missing"], b"$0\r\n\r\n");
    expect(
        &mut h,
        &[b"LCS", b"a", b"missing", b"IDX"],
        b"*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n",
    );
    expect(&mut h, &[b"LCS", b"missing", b"missing", b"LEN"], b":0\r\n");
    expect(&mut h, &[b"SET", b"c", b"12345"], b"+OK\r\n");
    expect(&mut h, &[b"SET", b"d", b"2x4y5"], b"+OK\r\n");
    expect(&mut h, &[b"LCS", b"c", b"d"], b"$3\r\n245\r\n");
    expect(&mut h, &[b"LCS", b"c", b"d", b"IDX", b"WITHMATCHLEN"], b"*4\r\n$7\r\nmatches\r\n*3\r\n*3\r\n*2\r\n:4\r\n:4\r\n*2\r\n:4\r\n:4\r\n:1\r\n*3\r\n*2\r\n:3\r\n:3\r\n*2\r\n:2\r\n:2\r\n:1\r\n*3\r\n*2\r\n:1\r\n:1\r\n*2\r\n:0\r\n:0\r\n:1\r\n$3\r\nlen\r\n:3\r\n");
    expect(&mut h, &[b"LCS", b"a", b"a", b"IDX"], b"*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:0\r\n:7\r\n*2\r\n:0\r\n:7\r\n$3\r\nlen\r\n:8\r\n");
    expect(&mut h, &[b"LCS", b"a", b"b", b"len", b"len"], b":6\r\n");
    expect(&mut h, &[b"LCS", b"a", b"b", b"idx", b"idx", b"withmatchlen"], b"*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n");
    expect(&mut h, &[b"SET", b"x", b"abcabcabc"], b"+OK\r\n");
    expect(&mut h, &[b"SET", b"y", b"cbacba"], b"+OK\r\n");
    expect(&mut h, &[b"LCS", b"x", b"y", b"IDX", b"WITHMATCHLEN"], b"*4\r\n$7\r\nmatches\r\n*4\r\n*3\r\n*2\r\n:8\r\n:8\r\n*2\r\n:3\r\n:3\r\n:1\r\n*3\r\n*2\r\n:6\r\n:6\r\n*2\r\n:2\r\n:2\r\n:1\r\n*3\r\n*2\r\n:4\r\n:4\r\n*2\r\n:1\r\n:1\r\n:1\r\n*3\r\n*2\r\n:2\r\n:2\r\n*2\r\n:0\r\n:0\r\n:1\r\n$3\r\nlen\r\n:4\r\n");
    expect(&mut h, &[b"LCS", b"x", b"y"], b"$4\r\ncbac\r\n");
    expect(
        &mut h,
        &[b"LCS", b"a"],
        b"-ERR wrong number of arguments for 'lcs' command\r\n",
    );
}

#[test]
fn redis_arity() {
    let mut h = Harness::new();
    expect(
        &mut h,
        &[b"GETRANGE", b"k", b"0"],
        b"-ERR wrong number of arguments for 'getrange' command\r\n",
    );
    expect(
        &mut h,
        &[b"SETRANGE", b"k", b"0"],
        b"-ERR wrong number of arguments for 'setrange' command\r\n",
    );
    expect(
        &mut h,
        &[b"INCR"],
        b"-ERR wrong number of arguments for 'incr' command\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBY", b"k"],
        b"-ERR wrong number of arguments for 'incrby' command\r\n",
    );
    expect(
        &mut h,
        &[b"DECRBY", b"k", b"1", b"2"],
        b"-ERR wrong number of arguments for 'decrby' command\r\n",
    );
    expect(
        &mut h,
        &[b"APPEND", b"k"],
        b"-ERR wrong number of arguments for 'append' command\r\n",
    );
    expect(
        &mut h,
        &[b"STRLEN"],
        b"-ERR wrong number of arguments for 'strlen' command\r\n",
    );
    expect(
        &mut h,
        &[b"GETDEL"],
        b"-ERR wrong number of arguments for 'getdel' command\r\n",
    );
    expect(
        &mut h,
        &[b"GETEX"],
        b"-ERR wrong number of arguments for 'getex' command\r\n",
    );
    expect(
        &mut h,
        &[b"GETBIT", b"k"],
        b"-ERR wrong number of arguments for 'getbit' command\r\n",
    );
    expect(
        &mut h,
        &[b"SETBIT", b"k", b"1"],
        b"-ERR wrong number of arguments for 'setbit' command\r\n",
    );
    expect(
        &mut h,
        &[b"BITCOUNT"],
        b"-ERR wrong number of arguments for 'bitcount' command\r\n",
    );
    expect(
        &mut h,
        &[b"BITPOS", b"k"],
        b"-ERR wrong number of arguments for 'bitpos' command\r\n",
    );
    expect(
        &mut h,
        &[b"BITOP", b"AND", b"d"],
        b"-ERR wrong number of arguments for 'bitop' command\r\n",
    );
    expect(
        &mut h,
        &[b"LCS", b"a"],
        b"-ERR wrong number of arguments for 'lcs' command\r\n",
    );
    expect(
        &mut h,
        &[b"SUBSTR", b"k", b"1"],
        b"-ERR wrong number of arguments for 'substr' command\r\n",
    );
    expect(
        &mut h,
        &[b"SETNX", b"k"],
        b"-ERR wrong number of arguments for 'setnx' command\r\n",
    );
    expect(
        &mut h,
        &[b"PSETEX", b"k", b"1"],
        b"-ERR wrong number of arguments for 'psetex' command\r\n",
    );
    expect(
        &mut h,
        &[b"GETSET", b"k"],
        b"-ERR wrong number of arguments for 'getset' command\r\n",
    );
    expect(
        &mut h,
        &[b"INCRBYFLOAT", b"k"],
        b"-ERR wrong number of arguments for 'incrbyfloat' command\r\n",
    );
    expect(
        &mut h,
        &[b"DECR"],
        b"-ERR wrong number of arguments for 'decr' command\r\n",
    );
}
