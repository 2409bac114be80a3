//! Table-wide invariants over every family this crate declares (the checks
//! themselves live in `introspect::check_families` / `check_table`, so the
//! runtime can run them on its full table), plus tests that the checks catch
//! what they claim to and accept Redis's legitimate oddities.

use crate::introspect::{check_families, check_table};
use crate::spec::{flags::*, kflags, ArgSpec, BeginSearch, CommandSpec, Exec, FindKeys, KeySpec};
use crate::table::Table;
use crate::Ctx;
use tessera_resp::Arg;

#[test]
fn every_declaration_keeps_the_table_invariants() {
    let violations = check_families(&crate::families());
    assert!(
        violations.is_empty(),
        "{} violation(s):\n{}",
        violations.len(),
        violations.join("\n")
    );
}

#[test]
fn the_global_table_keeps_them_too() {
    let violations = check_table(Table::global());
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

fn noop(_: &mut Ctx, _: &[Arg]) {}

/// A sound keyed command, the base the broken ones below are made from.
const GOOD: CommandSpec = CommandSpec {
    name: "good",
    arity: -3,
    flags: WRITE | DENYOOM,
    acl: &["string"],
    keys: &[KeySpec::single(1, kflags::RW | kflags::UPDATE)],
    args: &[ArgSpec::key("key", 0), ArgSpec::string("value").multiple()],
    summary: "A sound declaration.",
    since: "1.0.0",
    group: "string",
    exec: Exec::Keys(noop),
    ..CommandSpec::DEFAULT
};

/// The violations `spec` alone produces.
fn violations(spec: &'static CommandSpec) -> Vec<String> {
    check_families(&[std::slice::from_ref(spec)])
}

fn assert_flags(spec: &'static CommandSpec, needle: &str) {
    let v = violations(spec);
    assert!(
        v.iter().any(|m| m.contains(needle)),
        "expected a violation containing {needle:?}, got {v:?}"
    );
}

#[test]
fn a_sound_declaration_passes() {
    static S: CommandSpec = GOOD;
    assert_eq!(violations(&S), Vec::<String>::new());
}

#[test]
fn duplicate_names_are_reported() {
    static A: &[CommandSpec] = &[GOOD, GOOD];
    let v = check_families(&[A]);
    assert!(
        v.iter().any(|m| m == "good: declared more than once"),
        "{v:?}"
    );
}

#[test]
fn names_must_be_lowercase() {
    static S: CommandSpec = CommandSpec {
        name: "Good",
        ..GOOD
    };
    assert_flags(&S, "names are lowercase");
}

#[test]
fn negative_arity_must_equal_the_mandatory_arguments() {
    static S: CommandSpec = CommandSpec { arity: -4, ..GOOD };
    assert_flags(&S, "arity -4 but the arguments need at least 3");
}

#[test]
fn positive_arity_allows_no_optional_or_multiple_arguments() {
    static MULTI: CommandSpec = CommandSpec { arity: 3, ..GOOD };
    assert_flags(&MULTI, "arity 3 but the arguments take 3 to any number");
    static OPT: CommandSpec = CommandSpec {
        arity: 2,
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::token("nx", "NX").optional(),
        ],
        ..GOOD
    };
    assert_flags(&OPT, "arity 2 but the arguments take 2 to 3");
    static EXACT: CommandSpec = CommandSpec {
        arity: 4,
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("seconds").with_token("EX"),
        ],
        ..GOOD
    };
    assert_eq!(violations(&EXACT), Vec::<String>::new());
}

#[test]
fn blocks_and_oneofs_count_their_parts() {
    // MSET-like: key value pairs, at least one.
    static PAIRS: CommandSpec = CommandSpec {
        arity: -3,
        keys: &[KeySpec::range_to_end(1, 2, kflags::OW | kflags::UPDATE)],
        args: &[
            ArgSpec::block("data", &[ArgSpec::key("key", 0), ArgSpec::string("value")]).multiple(),
        ],
        ..GOOD
    };
    assert_eq!(violations(&PAIRS), Vec::<String>::new());
    // A oneof takes its shortest alternative.
    static ONEOF: CommandSpec = CommandSpec {
        arity: -3,
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::oneof(
                "how",
                &[
                    ArgSpec::token("keep", "KEEP"),
                    ArgSpec::integer("ms").with_token("PX"),
                ],
            ),
        ],
        ..GOOD
    };
    assert_eq!(violations(&ONEOF), Vec::<String>::new());
}

#[test]
fn key_arguments_and_key_specs_must_match_up() {
    static MISSING: CommandSpec = CommandSpec {
        args: &[ArgSpec::key("key", 1), ArgSpec::string("value").multiple()],
        ..GOOD
    };
    assert_flags(&MISSING, "key spec 1 does not exist");
    assert_flags(&MISSING, "key spec 0 is not referenced");
    static UNNAMED: CommandSpec = CommandSpec {
        args: &[ArgSpec::string("key"), ArgSpec::string("value").multiple()],
        ..GOOD
    };
    assert_flags(&UNNAMED, "key spec 0 is not referenced");
}

#[test]
fn keyed_commands_are_write_xor_readonly() {
    static NEITHER: CommandSpec = CommandSpec {
        flags: DENYOOM,
        keys: &[KeySpec::single(1, kflags::RO)],
        ..GOOD
    };
    assert_flags(&NEITHER, "must be write or readonly");
    static BOTH: CommandSpec = CommandSpec {
        flags: WRITE | READONLY,
        ..GOOD
    };
    assert_flags(&BOTH, "both write and readonly");
    static RO_WRITES: CommandSpec = CommandSpec {
        flags: READONLY,
        ..GOOD
    };
    assert_flags(&RO_WRITES, "lacks the write flag");
}

#[test]
fn text_fields_must_be_filled_in() {
    static S: CommandSpec = CommandSpec {
        summary: "",
        since: "",
        group: "",
        ..GOOD
    };
    assert_flags(&S, "empty summary");
    assert_flags(&S, "empty since");
    assert_flags(&S, "empty group");
}

#[test]
fn acl_categories_are_known_and_bare() {
    static S: CommandSpec = CommandSpec {
        acl: &["@string"],
        ..GOOD
    };
    assert_flags(&S, "unknown ACL category '@string'");
}

#[test]
fn subcommands_belong_to_containers_without_handlers() {
    static SUBS: &[CommandSpec] = &[CommandSpec {
        name: "sub",
        arity: -4,
        keys: &[KeySpec::single(2, kflags::RW | kflags::UPDATE)],
        ..GOOD
    }];
    static WITH_HANDLER: CommandSpec = CommandSpec {
        name: "box",
        arity: -2,
        flags: 0,
        keys: &[],
        args: &[],
        subcommands: SUBS,
        ..GOOD
    };
    assert_flags(&WITH_HANDLER, "subcommands belong to a container");
    static EMPTY: CommandSpec = CommandSpec {
        name: "box",
        arity: -2,
        flags: 0,
        keys: &[],
        args: &[],
        exec: Exec::Container,
        ..GOOD
    };
    assert_flags(&EMPTY, "container without subcommands");
    static SOUND: CommandSpec = CommandSpec {
        exec: Exec::Container,
        subcommands: SUBS,
        ..EMPTY
    };
    assert_eq!(violations(&SOUND), Vec::<String>::new());
}

#[test]
fn declared_movablekeys_must_follow_from_the_key_specs() {
    static S: CommandSpec = CommandSpec {
        flags: WRITE | MOVABLE_KEYS,
        ..GOOD
    };
    assert_flags(&S, "declares movablekeys");
}

/// Redis's own declarations bend some rules on purpose; the checks must
/// accept these shapes.
#[test]
fn redis_shaped_exceptions_pass() {
    // SPUBLISH: the shard channel is a not_key spec no argument points at,
    // and the command is neither write nor readonly.
    static SPUBLISH: CommandSpec = CommandSpec {
        name: "spublish",
        arity: 3,
        flags: PUBSUB | LOADING | STALE | FAST,
        acl: &[],
        keys: &[KeySpec::single(1, kflags::NOT_KEY)],
        args: &[ArgSpec::string("shardchannel"), ArgSpec::string("message")],
        group: "pubsub",
        ..GOOD
    };
    assert_eq!(violations(&SPUBLISH), Vec::<String>::new());
    // EVAL: RW keys found by keynum, no write flag (the script decides).
    static EVAL: CommandSpec = CommandSpec {
        name: "eval",
        arity: -3,
        flags: NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS,
        acl: &["scripting"],
        keys: &[KeySpec {
            flags: kflags::RW | kflags::ACCESS | kflags::UPDATE,
            begin: BeginSearch::Index(2),
            find: FindKeys::Keynum {
                keynum_idx: 0,
                first_key: 1,
                key_step: 1,
            },
        }],
        args: &[
            ArgSpec::string("script"),
            ArgSpec::integer("numkeys"),
            ArgSpec::key("key", 0).optional().multiple(),
            ArgSpec::string("arg").optional().multiple(),
        ],
        group: "scripting",
        ..GOOD
    };
    assert_eq!(violations(&EVAL), Vec::<String>::new());
    // SORT: a pattern argument (not a key) points at an incomplete spec.
    static SORT: CommandSpec = CommandSpec {
        name: "sort",
        arity: -2,
        flags: WRITE | DENYOOM,
        keys: &[
            KeySpec::single(1, kflags::RO | kflags::ACCESS),
            KeySpec {
                flags: kflags::RO | kflags::ACCESS | kflags::INCOMPLETE,
                begin: BeginSearch::Index(1),
                find: FindKeys::Range {
                    last_key: 0,
                    key_step: 1,
                    limit: 0,
                },
            },
        ],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::pattern("pattern").with_token("BY").optional(),
        ],
        ..GOOD
    };
    // Fix the pattern's key spec by hand: the builder only sets it for keys.
    static SORT_ARGS: &[ArgSpec] = &[
        ArgSpec::key("key", 0),
        ArgSpec {
            key_spec: 1,
            ..ArgSpec::pattern("pattern").with_token("BY").optional()
        },
    ];
    static SORT_FIXED: CommandSpec = CommandSpec {
        args: SORT_ARGS,
        ..SORT
    };
    assert_flags(&SORT, "key spec 1 is not referenced");
    assert_eq!(violations(&SORT_FIXED), Vec::<String>::new());
}
