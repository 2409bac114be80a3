//! Invariant checks over the command parser, shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/parse_command.rs`) and the corpus replay test. It
//! panics on purpose when an invariant breaks, so production code must never
//! call it.

use bytes::{Bytes, BytesMut};

use crate::{parse_command, Arg, Batch, CommandParser, Limits, ProtocolError};

/// How a run over some input ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// Waiting for more input, with this many bytes buffered.
    Wait(usize),
    Error(ProtocolError),
}

/// Feeds `data` through the parser the way a connection would and checks
/// that nothing panics and that the parser keeps its promises.
///
/// The first byte picks the read sizes (and, with its top bit, the
/// unauthenticated limits); the rest is the byte stream. The stream is parsed
/// twice, arriving whole and arriving in pieces, and at every step the
/// resumable [`CommandParser`] must agree with the stateless
/// [`parse_command`] on the same buffer. A partial command must consume
/// nothing. The two deliveries must give the same commands, except that
/// pieces may hit a "too big" line limit that the whole input does not,
/// exactly as with Redis (it checks those limits on whatever is buffered).
pub fn check_parser(data: &[u8]) {
    let (seed, input) = match data.split_first() {
        Some((s, rest)) => (*s, rest),
        None => (0, data),
    };
    let limits = Limits {
        max_bulk_len: 4096,
        max_inline_len: 256,
        max_multibulk_len: 1024,
        unauthenticated: seed & 0x80 != 0,
    };
    let (whole_cmds, whole_end) = run(input, &[input.len().max(1)], &limits);
    // Read sizes from 1 to 32 bytes, varied by the seed so the fuzzer can
    // explore where the reads fall.
    let sizes: Vec<usize> = (0..16u8)
        .map(|i| usize::from(seed.wrapping_mul(i + 1).wrapping_add(i) % 32) + 1)
        .collect();
    let (piece_cmds, piece_end) = run(input, &sizes, &limits);
    // A connection takes whole batches: the same pieces through
    // `parse_batch` must give what one command at a time gave.
    let (batch_cmds, batch_end) = run_batches(input, &sizes, &limits);
    // It skips empty commands (`*0`, blank lines) itself.
    let non_empty: Vec<&Vec<Bytes>> = piece_cmds.iter().filter(|c| !c.is_empty()).collect();
    assert_eq!(
        batch_cmds.iter().collect::<Vec<_>>(),
        non_empty,
        "parse_batch gave other commands"
    );
    assert_eq!(batch_end, piece_end, "parse_batch ended differently");
    let too_big = matches!(&piece_end, End::Error(e) if e.0.starts_with("too big"));
    if too_big {
        assert!(
            piece_cmds.len() <= whole_cmds.len()
                && whole_cmds[..piece_cmds.len()] == piece_cmds[..],
            "commands before a line-limit error differ from the whole-input parse"
        );
    } else {
        assert_eq!(piece_cmds, whole_cmds, "read sizes changed the commands");
        assert_eq!(piece_end, whole_end, "read sizes changed how parsing ended");
    }
}

/// Delivers `input` into a buffer in reads of the given sizes (cycled),
/// calling `parse` after each read; it takes what it can and returns the
/// protocol error that stops the run, if any.
fn deliver(
    input: &[u8],
    sizes: &[usize],
    mut parse: impl FnMut(&mut BytesMut) -> Option<ProtocolError>,
) -> End {
    let mut buf = BytesMut::new();
    let mut fed = 0;
    let mut next_size = sizes.iter().copied().cycle();
    loop {
        let take = next_size.next().unwrap_or(1).max(1).min(input.len() - fed);
        buf.extend_from_slice(&input[fed..fed + take]);
        fed += take;
        if let Some(e) = parse(&mut buf) {
            return End::Error(e);
        }
        if fed == input.len() {
            return End::Wait(buf.len());
        }
    }
}

/// Delivers `input` in reads of the given sizes, parsing after each read one
/// command at a time until the parser wants more, with the resumable and the
/// stateless parser side by side; returns the commands and the end.
fn run(input: &[u8], sizes: &[usize], limits: &Limits) -> (Vec<Vec<Bytes>>, End) {
    let mut parser = CommandParser::new();
    let mut cmds = Vec::new();
    let end = deliver(input, sizes, |buf| loop {
        let mut copy = buf.clone();
        let stateless = parse_command(&mut copy, limits);
        let before = buf.len();
        let got = parser.parse(buf, limits);
        assert_eq!(got, stateless, "resumable and stateless parsers disagree");
        match got {
            Ok(Some(args)) => {
                assert!(buf.len() < before, "a command consumed no bytes");
                assert_eq!(*buf, copy, "the two parsers consumed different bytes");
                let arg_bytes: usize = args.iter().map(|a| a.len()).sum();
                assert!(
                    arg_bytes <= before - buf.len(),
                    "arguments longer than input"
                );
                cmds.push(args);
            }
            Ok(None) => {
                assert_eq!(buf.len(), before, "a partial command consumed bytes");
                return None;
            }
            Err(e) => return Some(e),
        }
    });
    (cmds, end)
}

/// Like [`run`], but takes each read's commands with
/// [`CommandParser::parse_batch`].
fn run_batches(input: &[u8], sizes: &[usize], limits: &Limits) -> (Vec<Vec<Bytes>>, End) {
    let mut parser = CommandParser::new();
    let mut cmds = Vec::new();
    let mut batch = Batch::new();
    let end = deliver(input, sizes, |buf| {
        let error = parser.parse_batch(buf, limits, &mut batch);
        let mut args = Vec::new();
        batch.args(&mut args);
        for &(start, end) in batch.commands() {
            assert!(start < end, "an empty command was delivered");
            cmds.push(Arg::owned(&args[start..end]));
        }
        assert_eq!(
            batch.commands().last().map_or(0, |r| r.1),
            args.len(),
            "arguments outside any command"
        );
        drop(args);
        batch.clear();
        error
    });
    (cmds, end)
}
