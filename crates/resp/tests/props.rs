//! Property tests for the wire format: encoder output parses back, any split
//! of a valid pipeline gives the same commands, arbitrary bytes never panic,
//! and the fuzz corpus replays cleanly. They use only the public API.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use tessera_resp::{parse_command, split_elements, CommandParser, Limits, Out, Proto};

/// One command of a generated pipeline, with the arguments it must parse to.
#[derive(Debug, Clone)]
enum Cmd {
    /// A multibulk of arbitrary binary arguments.
    Multi(Vec<Vec<u8>>),
    /// An inline command of plain words.
    Inline(Vec<String>),
    /// Something Redis skips: `*0`, a negative count or a blank line.
    Skipped(&'static [u8]),
}

impl Cmd {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Cmd::Multi(args) => {
                let mut o = Out::new(Proto::Resp2);
                o.array(args.len());
                for a in args {
                    o.bulk(a);
                }
                out.extend_from_slice(&o.buf);
            }
            Cmd::Inline(words) => {
                out.extend_from_slice(words.join(" ").as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            Cmd::Skipped(raw) => out.extend_from_slice(raw),
        }
    }

    fn expected(&self) -> Option<Vec<Vec<u8>>> {
        match self {
            Cmd::Multi(args) if !args.is_empty() => Some(args.clone()),
            Cmd::Inline(words) => Some(words.iter().map(|w| w.as_bytes().to_vec()).collect()),
            _ => None,
        }
    }
}

fn cmd_strategy() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        4 => prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 1..6)
            .prop_map(Cmd::Multi),
        2 => prop::collection::vec("[a-zA-Z0-9:_]{1,12}", 1..5).prop_map(Cmd::Inline),
        1 => prop::sample::select(vec![
            &b"*0\r\n"[..],
            b"*-1\r\n",
            b"\r\n",
            b"\n",
            b"  \t \r\n",
        ])
        .prop_map(Cmd::Skipped),
    ]
}

/// Parses `input` delivered in pieces cut at `cuts`, with both the stateless
/// function and a resumable parser, and returns the non-empty commands.
fn parse_in_pieces(input: &[u8], cuts: &[usize], stateful: bool) -> (Vec<Vec<Bytes>>, usize) {
    let limits = Limits::default();
    let mut parser = CommandParser::new();
    let mut buf = BytesMut::new();
    let mut cmds = Vec::new();
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    bounds.push(input.len());
    bounds.sort_unstable();
    let mut fed = 0;
    for b in bounds {
        buf.extend_from_slice(&input[fed..b]);
        fed = b;
        loop {
            let before = buf.len();
            let got = if stateful {
                parser.parse(&mut buf, &limits)
            } else {
                parse_command(&mut buf, &limits)
            };
            match got.expect("a valid pipeline never errors") {
                Some(args) => {
                    if !args.is_empty() {
                        cmds.push(args);
                    }
                }
                None => {
                    assert_eq!(buf.len(), before, "Ok(None) consumed bytes");
                    break;
                }
            }
        }
    }
    (cmds, buf.len())
}

/// A reply value, to check that encoded sequences split back apart.
#[derive(Debug, Clone)]
enum Reply {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    Null,
    NullArray,
    Double(f64),
    Bool(bool),
    Verbatim(Vec<u8>),
    Array(Vec<Reply>),
    Map(Vec<(Reply, Reply)>),
    Set(Vec<Reply>),
    Push(Vec<Reply>),
}

impl Reply {
    fn encode(&self, o: &mut Out) {
        match self {
            Reply::Simple(s) => o.simple(s),
            Reply::Error(s) => o.error(s),
            Reply::Int(n) => o.int(*n),
            Reply::Bulk(b) => o.bulk(b),
            Reply::Null => o.null(),
            Reply::NullArray => o.null_array(),
            Reply::Double(d) => o.double(*d),
            Reply::Bool(b) => o.bool(*b),
            Reply::Verbatim(t) => o.verbatim("txt", t),
            Reply::Array(items) => {
                o.array(items.len());
                items.iter().for_each(|i| i.encode(o));
            }
            Reply::Map(pairs) => {
                o.map(pairs.len());
                for (k, v) in pairs {
                    k.encode(o);
                    v.encode(o);
                }
            }
            Reply::Set(items) => {
                o.set(items.len());
                items.iter().for_each(|i| i.encode(o));
            }
            Reply::Push(items) => {
                o.push(items.len());
                items.iter().for_each(|i| i.encode(o));
            }
        }
    }
}

fn reply_strategy() -> impl Strategy<Value = Reply> {
    let leaf = prop_oneof![
        "[a-zA-Z0-9 ]{0,10}".prop_map(Reply::Simple),
        "ERR [a-z \r\n]{0,10}".prop_map(Reply::Error),
        any::<i64>().prop_map(Reply::Int),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(Reply::Bulk),
        Just(Reply::Null),
        Just(Reply::NullArray),
        any::<f64>().prop_map(Reply::Double),
        any::<bool>().prop_map(Reply::Bool),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(Reply::Verbatim),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Reply::Array),
            prop::collection::vec((inner.clone(), inner.clone()), 0..3).prop_map(Reply::Map),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Reply::Set),
            prop::collection::vec(inner, 0..4).prop_map(Reply::Push),
        ]
    })
}

/// Bytes that look like RESP often enough to reach deep into the parser.
fn resp_ish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"*".to_vec()),
        Just(b"$".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"'".to_vec()),
        Just(b"\\".to_vec()),
        Just(b"\x00".to_vec()),
        Just(b"-".to_vec()),
        "[0-9]{1,3}".prop_map(|s| s.into_bytes()),
        prop::collection::vec(any::<u8>(), 1..8),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn any_split_of_a_pipeline_parses_the_same(
        cmds in prop::collection::vec(cmd_strategy(), 1..8),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let mut input = Vec::new();
        cmds.iter().for_each(|c| c.encode(&mut input));
        let want: Vec<Vec<Vec<u8>>> = cmds.iter().filter_map(Cmd::expected).collect();
        for stateful in [false, true] {
            let (got, left) = parse_in_pieces(&input, &cuts, stateful);
            let got: Vec<Vec<Vec<u8>>> = got
                .into_iter()
                .map(|args| args.into_iter().map(|a| a.to_vec()).collect())
                .collect();
            prop_assert_eq!(&got, &want);
            prop_assert_eq!(left, 0);
        }
        // The same pipeline through the fuzz checks, which compare batch
        // parsing with one command at a time over several read sizes.
        let mut with_seed = vec![cuts.len() as u8 & 0x7f];
        with_seed.extend_from_slice(&input);
        tessera_resp::fuzzing::check_parser(&with_seed);
    }

    #[test]
    fn arbitrary_bytes_keep_the_parser_promises(data in resp_ish_bytes(), seed in any::<u8>()) {
        let mut with_seed = vec![seed];
        with_seed.extend_from_slice(&data);
        tessera_resp::fuzzing::check_parser(&with_seed);
    }

    #[test]
    fn random_bytes_keep_the_parser_promises(data in prop::collection::vec(any::<u8>(), 0..300)) {
        tessera_resp::fuzzing::check_parser(&data);
    }

    #[test]
    fn encoded_commands_round_trip(args in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..100), 1..10)) {
        let mut o = Out::new(Proto::Resp2);
        o.array(args.len());
        args.iter().for_each(|a| o.bulk(a));
        let mut buf = o.buf;
        let got = parse_command(&mut buf, &Limits::default()).unwrap().unwrap();
        prop_assert_eq!(got.iter().map(|a| a.to_vec()).collect::<Vec<_>>(), args);
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn split_elements_recovers_each_encoded_reply(
        replies in prop::collection::vec(reply_strategy(), 0..8),
        resp3 in any::<bool>(),
    ) {
        let proto = if resp3 { Proto::Resp3 } else { Proto::Resp2 };
        let mut all = Out::new(proto);
        let mut each = Vec::new();
        for r in &replies {
            let mut one = Out::new(proto);
            r.encode(&mut one);
            r.encode(&mut all);
            each.push(one.buf.to_vec());
        }
        let data = all.buf.to_vec();
        let parts: Vec<Vec<u8>> = split_elements(&data).into_iter().map(|r| data[r].to_vec()).collect();
        prop_assert_eq!(parts, each);
    }
}

/// Replays every file of the committed fuzz corpus through the same checks
/// the fuzz target runs, so the corpus is a regression suite without nightly.
#[test]
fn fuzz_corpus_replays_cleanly() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/parse_command");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "the seed corpus lost files: {}",
        files.len()
    );
    for f in files {
        let data = std::fs::read(&f).expect("corpus file");
        tessera_resp::fuzzing::check_parser(&data);
    }
}
