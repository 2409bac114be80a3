//! COMMAND and its subcommands (COUNT, DOCS, GETKEYS, GETKEYSANDFLAGS, HELP,
//! INFO, LIST), and the invariants every declaration in the table must keep.
//!
//! Everything here is derived from the declarations ([`CommandSpec`]) in
//! [`Table::global`]: this file must not know anything about a particular
//! command other than COMMAND itself. The reply shapes follow Redis 7.0
//! exactly (which parts are sets, maps or arrays, and in which order fields
//! come), because clients such as redis-cli parse them.

use crate::keys_of::find_keys_strict;
use crate::spec::{
    flags, flags::*, kflags, ArgKind, ArgSpec, BeginSearch, CommandSpec, Exec, FindKeys, KeySpec,
};
use crate::table::Table;
use crate::{errors, Ctx};
use std::collections::HashSet;
use tessera_resp::Arg;
use tessera_resp::Out;
use tessera_storage::glob::glob_match;

/// Command flags in the order COMMAND INFO lists them. Redis leaves
/// `may_replicate`, `sentinel` and `only_sentinel` out of its replies on
/// purpose, so they are absent here too.
const REPLY_FLAGS: &[(u64, &str)] = &[
    (WRITE, "write"),
    (READONLY, "readonly"),
    (DENYOOM, "denyoom"),
    (ADMIN, "admin"),
    (PUBSUB, "pubsub"),
    (NOSCRIPT, "noscript"),
    (BLOCKING, "blocking"),
    (LOADING, "loading"),
    (STALE, "stale"),
    (SKIP_MONITOR, "skip_monitor"),
    (SKIP_SLOWLOG, "skip_slowlog"),
    (ASKING, "asking"),
    (FAST, "fast"),
    (NO_AUTH, "no_auth"),
    (NO_MANDATORY_KEYS, "no_mandatory_keys"),
    (NO_ASYNC_LOADING, "no_async_loading"),
    (NO_MULTI, "no_multi"),
    (MOVABLE_KEYS, "movablekeys"),
    (ALLOW_BUSY, "allow_busy"),
];

/// Redis's ACL categories, in the order COMMAND INFO and ACL CAT list them.
pub const ACL_CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// The command groups COMMAND DOCS may report.
const GROUPS: &[&str] = &[
    "generic",
    "string",
    "list",
    "set",
    "sorted-set",
    "hash",
    "pubsub",
    "transactions",
    "connection",
    "server",
    "scripting",
    "hyperloglog",
    "cluster",
    "sentinel",
    "geo",
    "stream",
    "bitmap",
];

/// A command's ACL categories as Redis reports them: the declared ones plus
/// those its flags imply (write, read, admin and dangerous, pubsub, fast,
/// blocking, and slow for whatever is not fast), in Redis's order. ACL CAT
/// and ACL rules should use this too, so that every view agrees.
pub fn acl_categories(spec: &CommandSpec) -> Vec<&'static str> {
    let declared = |c: &str| spec.acl.iter().any(|d| d.eq_ignore_ascii_case(c));
    let mut implied: Vec<&str> = Vec::new();
    if spec.has(WRITE) {
        implied.push("write");
    }
    // Scripts decide for themselves whether they read, so Redis keeps the
    // scripting commands out of @read even when they are flagged readonly.
    if spec.has(READONLY) && !declared("scripting") {
        implied.push("read");
    }
    if spec.has(ADMIN) {
        implied.extend(["admin", "dangerous"]);
    }
    if spec.has(PUBSUB) {
        implied.push("pubsub");
    }
    if spec.has(FAST) {
        implied.push("fast");
    }
    if spec.has(BLOCKING) {
        implied.push("blocking");
    }
    let on = |c: &str| declared(c) || implied.contains(&c);
    // Whatever is not fast is slow.
    let slow = !on("fast");
    ACL_CATEGORIES
        .iter()
        .copied()
        .filter(|c| on(c) || (slow && *c == "slow"))
        .collect()
}

/// The legacy key description (first key, last key, step) COMMAND INFO
/// reports, and whether the keys move around (`movablekeys`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegacyKeys {
    pub first: i32,
    /// Absolute index of the last key, or negative counted from the end.
    pub last: i32,
    pub step: i32,
    pub movable: bool,
}

/// Derives the legacy first/last/step triple from the key specs as Redis
/// does. A lone index+range spec is used as it is. Otherwise the index+range
/// specs with step 1 that follow one another without a gap are merged; any
/// spec that cannot be merged (keyword or keynum based, a step other than 1,
/// a gap) makes the keys movable, and so does an `incomplete` spec.
pub fn legacy_keys(spec: &CommandSpec) -> LegacyKeys {
    let plain = |ks: &KeySpec| match (ks.begin, ks.find) {
        (
            BeginSearch::Index(pos),
            FindKeys::Range {
                last_key, key_step, ..
            },
        ) => Some((pos, last_key, key_step)),
        _ => None,
    };
    let absolute = |pos: i32, last_key: i32| {
        if last_key >= 0 {
            pos + last_key
        } else {
            last_key
        }
    };
    match spec.keys {
        [] => LegacyKeys {
            first: 0,
            last: 0,
            step: 0,
            movable: false,
        },
        [only] if plain(only).is_some() => {
            let (pos, last_key, step) = plain(only).unwrap_or_default();
            LegacyKeys {
                first: pos,
                last: absolute(pos, last_key),
                step,
                movable: only.flags & kflags::INCOMPLETE != 0,
            }
        }
        specs => {
            let mut movable = false;
            let mut first = i32::MAX;
            let mut last: i32 = 0;
            for ks in specs {
                let Some((pos, last_key, step)) = plain(ks) else {
                    movable = true;
                    continue;
                };
                // `last` still 0 means no spec was merged yet.
                if step != 1 || (last != 0 && last != pos - 1) {
                    movable = true;
                    continue;
                }
                if ks.flags & kflags::INCOMPLETE != 0 {
                    movable = true;
                }
                first = first.min(pos);
                // Compared as unsigned, as Redis does: a last key counted from
                // the end (negative) outranks any absolute index.
                let abs = absolute(pos, last_key);
                if abs as u32 > last as u32 {
                    last = abs;
                }
            }
            if first == i32::MAX {
                LegacyKeys {
                    first: 0,
                    last: 0,
                    step: 0,
                    movable: true,
                }
            } else {
                LegacyKeys {
                    first,
                    last,
                    step: 1,
                    movable,
                }
            }
        }
    }
}

/// The flag names COMMAND INFO reports for `spec`, `movablekeys` included
/// when the key specs call for it.
pub fn reply_flags(spec: &CommandSpec) -> Vec<&'static str> {
    let mut f = spec.flags;
    if legacy_keys(spec).movable {
        f |= MOVABLE_KEYS;
    }
    REPLY_FLAGS
        .iter()
        .filter(|(bit, _)| f & bit != 0)
        .map(|(_, name)| *name)
        .collect()
}

/// Finds a command by the name COMMAND INFO and DOCS accept: `get`, or
/// `config|get` for a subcommand, in any case.
pub fn find_by_full_name(table: &Table, name: &[u8]) -> Option<&'static CommandSpec> {
    let mut parts = name.split(|&c| c == b'|');
    let top = table.get(parts.next()?)?;
    let Some(sub) = parts.next() else {
        return Some(top);
    };
    if parts.next().is_some() {
        return None;
    }
    top.subcommands
        .iter()
        .find(|s| s.name.as_bytes().eq_ignore_ascii_case(sub))
}

// ---------------------------------------------------------------------------
// Reply encoders. They take the spec and its full name and never consult the
// table, so tests can feed them any declaration.

fn simple_set(out: &mut Out, items: &[&str]) {
    out.set(items.len());
    for i in items {
        out.simple(i);
    }
}

fn key_spec_flags(flags: u32) -> Vec<&'static str> {
    kflags::NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect()
}

fn write_key_spec(out: &mut Out, ks: &KeySpec) {
    out.map(3);
    out.bulk_str("flags");
    simple_set(out, &key_spec_flags(ks.flags));
    out.bulk_str("begin_search");
    out.map(2);
    out.bulk_str("type");
    match ks.begin {
        BeginSearch::Index(i) => {
            out.bulk_str("index");
            out.bulk_str("spec");
            out.map(1);
            out.bulk_str("index");
            out.int(i as i64);
        }
        BeginSearch::Keyword {
            keyword,
            start_from,
        } => {
            out.bulk_str("keyword");
            out.bulk_str("spec");
            out.map(2);
            out.bulk_str("keyword");
            out.bulk_str(keyword);
            out.bulk_str("startfrom");
            out.int(start_from as i64);
        }
    }
    out.bulk_str("find_keys");
    out.map(2);
    out.bulk_str("type");
    match ks.find {
        FindKeys::Range {
            last_key,
            key_step,
            limit,
        } => {
            out.bulk_str("range");
            out.bulk_str("spec");
            out.map(3);
            out.bulk_str("lastkey");
            out.int(last_key as i64);
            out.bulk_str("keystep");
            out.int(key_step as i64);
            out.bulk_str("limit");
            out.int(limit as i64);
        }
        FindKeys::Keynum {
            keynum_idx,
            first_key,
            key_step,
        } => {
            out.bulk_str("keynum");
            out.bulk_str("spec");
            out.map(3);
            out.bulk_str("keynumidx");
            out.int(keynum_idx as i64);
            out.bulk_str("firstkey");
            out.int(first_key as i64);
            out.bulk_str("keystep");
            out.int(key_step as i64);
        }
    }
}

/// Writes one COMMAND INFO entry: name, arity, flags, first key, last key,
/// step, ACL categories, tips, key specs, subcommands.
pub fn write_info(out: &mut Out, spec: &CommandSpec, full_name: &str) {
    out.array(10);
    out.bulk_str(full_name);
    out.int(spec.arity as i64);
    simple_set(out, &reply_flags(spec));
    let lk = legacy_keys(spec);
    out.int(lk.first as i64);
    out.int(lk.last as i64);
    out.int(lk.step as i64);
    let cats = acl_categories(spec);
    out.set(cats.len());
    for c in &cats {
        out.simple(&format!("@{c}"));
    }
    // Request/response tips are not part of our declarations: always empty.
    out.set(0);
    out.set(spec.keys.len());
    for ks in spec.keys {
        write_key_spec(out, ks);
    }
    if spec.subcommands.is_empty() {
        out.set(0);
    } else {
        out.array(spec.subcommands.len());
        for sub in spec.subcommands {
            write_info(out, sub, &format!("{full_name}|{}", sub.name));
        }
    }
}

fn write_args(out: &mut Out, args: &[ArgSpec]) {
    out.array(args.len());
    for a in args {
        let arg_flags: Vec<&str> = [
            (a.optional, "optional"),
            (a.multiple, "multiple"),
            (a.multiple_token, "multiple_token"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect();
        let nested = matches!(a.kind, ArgKind::OneOf | ArgKind::Block);
        let fields = 2
            + usize::from(a.key_spec >= 0)
            + usize::from(a.token.is_some())
            + usize::from(a.since.is_some())
            + usize::from(!arg_flags.is_empty())
            + usize::from(nested);
        out.map(fields);
        out.bulk_str("name");
        out.bulk_str(a.name);
        out.bulk_str("type");
        out.bulk_str(a.kind.name());
        if a.key_spec >= 0 {
            out.bulk_str("key_spec_index");
            out.int(a.key_spec as i64);
        }
        if let Some(t) = a.token {
            out.bulk_str("token");
            out.bulk_str(t);
        }
        if let Some(s) = a.since {
            out.bulk_str("since");
            out.bulk_str(s);
        }
        if !arg_flags.is_empty() {
            out.bulk_str("flags");
            simple_set(out, &arg_flags);
        }
        if nested {
            out.bulk_str("arguments");
            write_args(out, a.subargs);
        }
    }
}

/// Writes one COMMAND DOCS value (the map that follows the command's name):
/// summary, since, group, complexity, then arguments and subcommands when
/// there are any. Redis 7.0 has no `display_text`, so `ArgSpec::display` is not sent.
pub fn write_docs(out: &mut Out, spec: &CommandSpec, full_name: &str) {
    let has_args = !spec.args.is_empty();
    let has_subs = !spec.subcommands.is_empty();
    out.map(4 + usize::from(has_args) + usize::from(has_subs));
    out.bulk_str("summary");
    out.bulk_str(spec.summary);
    out.bulk_str("since");
    out.bulk_str(spec.since);
    out.bulk_str("group");
    out.bulk_str(spec.group);
    out.bulk_str("complexity");
    out.bulk_str(spec.complexity);
    if has_args {
        out.bulk_str("arguments");
        write_args(out, spec.args);
    }
    if has_subs {
        out.bulk_str("subcommands");
        out.map(spec.subcommands.len());
        for sub in spec.subcommands {
            let name = format!("{full_name}|{}", sub.name);
            out.bulk_str(&name);
            write_docs(out, sub, &name);
        }
    }
}

// ---------------------------------------------------------------------------
// Handlers.

/// COMMAND [subcommand [arg ...]]
///
/// COMMAND is the one command that both runs bare (listing every command) and
/// has subcommands, so it is not a container: it dispatches its subcommands
/// itself, with their own arity checks.
fn command(ctx: &mut Ctx, argv: &[Arg]) {
    // `Table::lookup` routes COMMAND's subcommands to their own handlers and
    // refuses unknown ones, so only bare COMMAND gets here.
    if let Some(sub) = argv.get(1) {
        ctx.out
            .error(&errors::unknown_subcommand("command", Some(sub)));
        return;
    }
    info_all(ctx.out, Table::global());
}

fn info_all(out: &mut Out, table: &Table) {
    out.array(table.len());
    for spec in table.all() {
        write_info(out, spec, spec.name);
    }
}

/// COMMAND COUNT
fn count(ctx: &mut Ctx, _argv: &[Arg]) {
    ctx.out.int(Table::global().len() as i64);
}

/// COMMAND INFO [command-name ...]
fn info(ctx: &mut Ctx, argv: &[Arg]) {
    info_in(Table::global(), ctx.out, argv);
}

fn info_in(table: &Table, out: &mut Out, argv: &[Arg]) {
    if argv.len() == 2 {
        info_all(out, table);
        return;
    }
    out.array(argv.len() - 2);
    for name in &argv[2..] {
        match find_by_full_name(table, name) {
            Some(spec) => write_info(out, spec, &table.full_name(spec)),
            None => out.null(),
        }
    }
}

/// COMMAND DOCS [command-name ...]
fn docs(ctx: &mut Ctx, argv: &[Arg]) {
    docs_in(Table::global(), ctx.out, argv);
}

fn docs_in(table: &Table, out: &mut Out, argv: &[Arg]) {
    let found: Vec<&CommandSpec> = if argv.len() == 2 {
        table.all().to_vec()
    } else {
        // Unknown names are left out of the map, as Redis does.
        argv[2..]
            .iter()
            .filter_map(|n| find_by_full_name(table, n))
            .collect()
    };
    out.map(found.len());
    for spec in found {
        let name = table.full_name(spec);
        out.bulk_str(&name);
        write_docs(out, spec, &name);
    }
}

/// COMMAND GETKEYS command [arg ...]
fn getkeys(ctx: &mut Ctx, argv: &[Arg]) {
    keys_in(Table::global(), ctx.out, argv, false);
}

/// COMMAND GETKEYSANDFLAGS command [arg ...]
fn getkeysandflags(ctx: &mut Ctx, argv: &[Arg]) {
    keys_in(Table::global(), ctx.out, argv, true);
}

fn keys_in(table: &Table, out: &mut Out, argv: &[Arg], with_flags: bool) {
    let target = &argv[2..];
    let Some(mut spec) = table.get(&target[0]) else {
        out.error("ERR Invalid command specified");
        return;
    };
    if !spec.subcommands.is_empty() && target.len() > 1 {
        match spec
            .subcommands
            .iter()
            .find(|s| s.name.as_bytes().eq_ignore_ascii_case(&target[1]))
        {
            Some(sub) => spec = sub,
            None => {
                out.error("ERR Invalid command specified");
                return;
            }
        }
    }
    if !spec.keys.iter().any(|k| k.flags & kflags::NOT_KEY == 0) {
        out.error("ERR The command has no key arguments");
        return;
    }
    if !spec.arity_ok(target.len()) {
        out.error("ERR Invalid number of arguments specified for command");
        return;
    }
    let keys = match find_keys_strict(spec, target) {
        Ok(keys) if !keys.is_empty() => keys,
        _ if spec.has(NO_MANDATORY_KEYS) => Vec::new(),
        _ => {
            out.error("ERR Invalid arguments specified for command");
            return;
        }
    };
    out.array(keys.len());
    for k in keys {
        if with_flags {
            out.array(2);
            out.bulk(&target[k.index]);
            simple_set(out, &key_spec_flags(k.flags));
        } else {
            out.bulk(&target[k.index]);
        }
    }
}

/// COMMAND HELP
fn help(ctx: &mut Ctx, _argv: &[Arg]) {
    const LINES: &[&str] = &[
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Describe every command the server knows.",
        "COUNT",
        "    Count the commands the server knows (subcommands not included).",
        "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
        "    Name every command and subcommand, or only those that pass the filter.",
        "INFO [<command-name> ...]",
        "    Describe the named commands (`name|sub` for a subcommand),",
        "    or every command when none is named.",
        "DOCS [<command-name> ...]",
        "    Document the named commands: summary, version, group, arguments,",
        "    or every command when none is named.",
        "GETKEYS <full-command>",
        "    Show which arguments of the given command line are keys.",
        "GETKEYSANDFLAGS <full-command>",
        "    Like GETKEYS, with the access flags of every key.",
        "HELP",
        "    Show this help.",
    ];
    ctx.out.array(LINES.len());
    for l in LINES {
        ctx.out.simple(l);
    }
}

/// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]
fn list(ctx: &mut Ctx, argv: &[Arg]) {
    list_in(Table::global(), ctx.out, argv);
}

fn list_in(table: &Table, out: &mut Out, argv: &[Arg]) {
    enum Filter<'a> {
        All,
        /// Modules do not exist here, so a module filter matches nothing.
        Module,
        Category(&'a [u8]),
        Pattern(&'a [u8]),
    }
    let filter = match argv {
        [_, _] => Filter::All,
        [_, _, by, kind, value] if by.eq_ignore_ascii_case(b"filterby") => {
            if kind.eq_ignore_ascii_case(b"module") {
                Filter::Module
            } else if kind.eq_ignore_ascii_case(b"aclcat") {
                Filter::Category(value)
            } else if kind.eq_ignore_ascii_case(b"pattern") {
                Filter::Pattern(value)
            } else {
                out.error(errors::SYNTAX);
                return;
            }
        }
        _ => {
            out.error(errors::SYNTAX);
            return;
        }
    };
    let keep = |spec: &CommandSpec, name: &str| match filter {
        Filter::All => true,
        Filter::Module => false,
        Filter::Category(cat) => acl_categories(spec)
            .iter()
            .any(|c| c.as_bytes().eq_ignore_ascii_case(cat)),
        Filter::Pattern(p) => glob_match(p, name.as_bytes(), true),
    };
    let mut names = Vec::new();
    for spec in table.all() {
        if keep(spec, spec.name) {
            names.push(spec.name.to_string());
        }
        // Subcommands are listed on their own, whether or not the parent is.
        for sub in spec.subcommands {
            let name = format!("{}|{}", spec.name, sub.name);
            if keep(sub, &name) {
                names.push(name);
            }
        }
    }
    out.array(names.len());
    for n in names {
        out.bulk_str(&n);
    }
}

const fn sub(
    name: &'static str,
    arity: i32,
    args: &'static [ArgSpec],
    summary: &'static str,
    since: &'static str,
    complexity: &'static str,
    h: crate::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags: LOADING | STALE,
        acl: &["connection"],
        args,
        summary,
        since,
        group: "server",
        complexity,
        exec: Exec::Keys(h),
        ..CommandSpec::DEFAULT
    }
}

const COMMAND_NAMES: &[ArgSpec] = &[ArgSpec::string("command-name").optional().multiple()];
const FULL_COMMAND: &[ArgSpec] = &[
    ArgSpec::string("command"),
    ArgSpec::string("arg").multiple(),
];

static SUBCOMMANDS: &[CommandSpec] = &[
    sub(
        "count",
        2,
        &[],
        "Counts the commands the server knows.",
        "2.8.13",
        "O(1)",
        count,
    ),
    sub(
        "docs",
        -2,
        COMMAND_NAMES,
        "Documents the named commands, or all of them.",
        "7.0.0",
        "O(N) where N is the number of commands to look up",
        docs,
    ),
    sub(
        "getkeys",
        -4,
        FULL_COMMAND,
        "Shows which arguments of a full command line are keys.",
        "2.8.13",
        "O(N) where N is the number of arguments to the command",
        getkeys,
    ),
    sub(
        "getkeysandflags",
        -4,
        FULL_COMMAND,
        "Shows the keys of a full command line and how the command uses each.",
        "7.0.0",
        "O(N) where N is the number of arguments to the command",
        getkeysandflags,
    ),
    sub(
        "help",
        2,
        &[],
        "Shows what the COMMAND subcommands do.",
        "5.0.0",
        "O(1)",
        help,
    ),
    sub(
        "info",
        -2,
        COMMAND_NAMES,
        "Describes the named commands, or all of them.",
        "2.8.13",
        "O(N) where N is the number of commands to look up",
        info,
    ),
    sub(
        "list",
        -2,
        &[ArgSpec::oneof(
            "filterby",
            &[
                ArgSpec::string("module-name").with_token("MODULE"),
                ArgSpec::string("category").with_token("ACLCAT"),
                ArgSpec::pattern("pattern").with_token("PATTERN"),
            ],
        )
        .with_token("FILTERBY")
        .optional()],
        "Names the commands the server knows, optionally filtered.",
        "7.0.0",
        "O(N) where N is the total number of commands",
        list,
    ),
];

pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "command",
    arity: -1,
    flags: LOADING | STALE,
    acl: &["connection"],
    summary: "Describes every command the server knows.",
    since: "2.8.13",
    group: "server",
    complexity: "O(N) where N is the total number of commands",
    exec: Exec::Keys(command),
    subcommands: SUBCOMMANDS,
    ..CommandSpec::DEFAULT
}];

// ---------------------------------------------------------------------------
// Table-wide invariants.

/// Declarations that break a rule on purpose, as Redis's own do, and why.
const EXEMPT: &[(&str, Rule, &str)] = &[
    (
        "watch",
        Rule::WriteXorReadonly,
        "WATCH only remembers its keys; it neither reads nor writes them",
    ),
    (
        "pfcount",
        Rule::WriteSpecNeedsWrite,
        "PFCOUNT may refresh the cardinality cached inside the value, yet counts as a read",
    ),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rule {
    WriteXorReadonly,
    WriteSpecNeedsWrite,
}

fn exempt(spec: &CommandSpec, full: &str, rule: Rule) -> bool {
    // A script's keys are declared RW, but whether it writes is up to the
    // script, so scripting commands carry neither flag (EVAL, FCALL).
    let scripting = spec.acl.iter().any(|c| c.eq_ignore_ascii_case("scripting"));
    scripting || EXEMPT.iter().any(|(n, r, _)| *n == full && *r == rule)
}

/// Checks every declaration of `table` against the table-wide invariants
/// and returns one line per violation (empty when all is well). The runtime
/// can run it on its full table at start-up or in its own tests.
pub fn check_table(table: &Table) -> Vec<String> {
    let mut v = Vec::new();
    for spec in table.all() {
        check_command(spec, None, &mut v);
    }
    v
}

/// Like [`check_table`], over family lists that have not been made into a
/// table yet, so that a name declared twice is reported rather than a panic.
pub fn check_families(families: &[&'static [CommandSpec]]) -> Vec<String> {
    let mut v = Vec::new();
    let mut seen = HashSet::new();
    for fam in families {
        for spec in fam.iter() {
            if !seen.insert(spec.name) {
                v.push(format!("{}: declared more than once", spec.name));
            }
            check_command(spec, None, &mut v);
        }
    }
    v
}

/// How many argv entries an argument takes: at least `.0`, at most `.1`
/// (`None` when unbounded).
fn arg_span(a: &ArgSpec) -> (usize, Option<usize>) {
    let (mut lo, mut hi) = match a.kind {
        ArgKind::Block => a
            .subargs
            .iter()
            .map(arg_span)
            .fold((0, Some(0)), |(l, h), (sl, sh)| {
                (l + sl, h.zip(sh).map(|(x, y)| x + y))
            }),
        ArgKind::OneOf => {
            let lo = a.subargs.iter().map(|s| arg_span(s).0).min().unwrap_or(0);
            let hi = a
                .subargs
                .iter()
                .map(|s| arg_span(s).1)
                .try_fold(0, |m, h| h.map(|h| m.max(h)));
            (lo, hi)
        }
        // A pure token is itself the one argument.
        _ => (1, Some(1)),
    };
    if a.token.is_some() && a.kind != ArgKind::PureToken {
        lo += 1;
        hi = hi.map(|h| h + 1);
    }
    if a.multiple {
        hi = None;
    }
    if a.optional {
        lo = 0;
    }
    (lo, hi)
}

fn check_args(full: &str, args: &[ArgSpec], nkeys: usize, used: &mut [bool], v: &mut Vec<String>) {
    for a in args {
        let at = format!("{full}: argument '{}'", a.name);
        if a.name.is_empty() {
            v.push(format!("{full}: an argument has no name"));
        }
        let nested = matches!(a.kind, ArgKind::OneOf | ArgKind::Block);
        if nested && a.subargs.is_empty() {
            v.push(format!("{at}: a {} needs sub-arguments", a.kind.name()));
        }
        if !nested && !a.subargs.is_empty() {
            v.push(format!("{at}: only oneof and block take sub-arguments"));
        }
        if a.kind == ArgKind::PureToken && a.token.is_none() {
            v.push(format!("{at}: a pure-token needs its token"));
        }
        if a.multiple_token && !(a.multiple && a.token.is_some()) {
            v.push(format!("{at}: multiple_token needs multiple and a token"));
        }
        if a.key_spec >= 0 {
            match used.get_mut(a.key_spec as usize) {
                Some(u) => *u = true,
                None => v.push(format!(
                    "{at}: key spec {} does not exist ({nkeys} declared)",
                    a.key_spec
                )),
            }
        } else if a.kind == ArgKind::Key {
            v.push(format!("{at}: a key argument must name its key spec"));
        }
        check_args(full, a.subargs, nkeys, used, v);
    }
}

fn check_key_spec(full: &str, i: usize, ks: &KeySpec, first_arg: i32, v: &mut Vec<String>) {
    let at = format!("{full}: key spec {i}");
    let access = [kflags::RO, kflags::RW, kflags::OW, kflags::RM]
        .iter()
        .filter(|f| ks.flags & **f != 0)
        .count();
    if !(access == 1 || (access == 0 && ks.flags & kflags::NOT_KEY != 0)) {
        v.push(format!(
            "{at}: needs exactly one of RO, RW, OW, RM (or not_key alone)"
        ));
    }
    match ks.begin {
        BeginSearch::Index(i) if i < first_arg => v.push(format!(
            "{at}: begins at {i}, before the first argument ({first_arg})"
        )),
        BeginSearch::Keyword { keyword: "", .. } => v.push(format!("{at}: empty keyword")),
        _ => {}
    }
    match ks.find {
        FindKeys::Range {
            last_key,
            key_step,
            limit,
        } => {
            if key_step < 1 || limit < 0 || (limit > 0 && last_key != -1) {
                v.push(format!(
                    "{at}: range needs keystep >= 1, limit >= 0, and lastkey -1 with a limit"
                ));
            }
        }
        FindKeys::Keynum {
            keynum_idx,
            first_key,
            key_step,
        } => {
            if key_step < 1 || keynum_idx < 0 || first_key <= keynum_idx {
                v.push(format!(
                    "{at}: keynum needs keystep >= 1 and keys after the count"
                ));
            }
        }
    }
}

fn check_command(spec: &CommandSpec, parent: Option<&CommandSpec>, v: &mut Vec<String>) {
    let full = match parent {
        Some(p) => format!("{}|{}", p.name, spec.name),
        None => spec.name.to_string(),
    };
    let full = full.as_str();
    let base: i32 = if parent.is_some() { 2 } else { 1 };

    let name_ok = !spec.name.is_empty()
        && spec
            .name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-');
    if !name_ok {
        v.push(format!(
            "{full}: names are lowercase letters, digits, '-' and '_'"
        ));
    }
    for (field, text) in [
        ("summary", spec.summary),
        ("since", spec.since),
        ("group", spec.group),
        ("complexity", spec.complexity),
    ] {
        if text.trim().is_empty() {
            v.push(format!("{full}: empty {field}"));
        }
    }
    let version = spec.since.split('.').collect::<Vec<_>>();
    if version.len() != 3
        || version
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        v.push(format!(
            "{full}: since '{}' is not a version like 7.0.0",
            spec.since
        ));
    }
    if !GROUPS.contains(&spec.group) {
        v.push(format!("{full}: unknown group '{}'", spec.group));
    }
    for c in spec.acl {
        if !ACL_CATEGORIES.contains(c) {
            v.push(format!(
                "{full}: unknown ACL category '{c}' (declared without '@', lowercase)"
            ));
        }
    }

    // Containers and subcommands.
    let container = matches!(spec.exec, Exec::Container);
    if container {
        if parent.is_some() {
            v.push(format!("{full}: a subcommand cannot be a container"));
        }
        if spec.subcommands.is_empty() {
            v.push(format!(
                "{full}: a container without subcommands has no handler"
            ));
        }
        if spec.arity != -2 || !spec.args.is_empty() || !spec.keys.is_empty() {
            v.push(format!(
                "{full}: a container has arity -2, no arguments and no keys"
            ));
        }
    } else if !spec.subcommands.is_empty() {
        // COMMAND is the exception Redis makes: it runs bare (arity -1) and
        // dispatches its subcommands from its own handler.
        if parent.is_some() || spec.arity != -1 {
            v.push(format!(
                "{full}: subcommands belong to a container (Exec::Container)"
            ));
        }
    }
    let mut sub_names = HashSet::new();
    for sub in spec.subcommands {
        if !sub_names.insert(sub.name) {
            v.push(format!(
                "{full}: subcommand '{}' declared more than once",
                sub.name
            ));
        }
        check_command(sub, Some(spec), v);
    }

    // Arity against the argument tree.
    if !container {
        let (lo, hi) = spec
            .args
            .iter()
            .map(arg_span)
            .fold((0, Some(0)), |(l, h), (al, ah)| {
                (l + al, h.zip(ah).map(|(x, y)| x + y))
            });
        let lo = lo as i32 + base;
        let hi = hi.map(|h| h as i32 + base);
        if spec.arity == 0 {
            v.push(format!("{full}: arity 0 is never valid"));
        } else if spec.arity < 0 && lo != -spec.arity {
            v.push(format!(
                "{full}: arity {} but the arguments need at least {lo} (name included)",
                spec.arity
            ));
        } else if spec.arity > 0 && (lo != spec.arity || hi != Some(spec.arity)) {
            let most = hi.map_or("any number".to_string(), |h| h.to_string());
            v.push(format!(
                "{full}: arity {} but the arguments take {lo} to {most} (name included)",
                spec.arity
            ));
        }
    }

    // Keys: every key argument names a spec, every real spec is named.
    let mut used = vec![false; spec.keys.len()];
    check_args(full, spec.args, spec.keys.len(), &mut used, v);
    for (i, ks) in spec.keys.iter().enumerate() {
        check_key_spec(full, i, ks, base, v);
        // A not_key spec (a shard channel) has no key argument to point at it.
        if !used[i] && ks.flags & kflags::NOT_KEY == 0 {
            v.push(format!(
                "{full}: key spec {i} is not referenced by any argument"
            ));
        }
    }

    // Flags against keys.
    let real_keys = spec.keys.iter().filter(|k| k.flags & kflags::NOT_KEY == 0);
    let keyed = real_keys.clone().count() > 0;
    let writes = real_keys.clone().any(|k| k.flags & kflags::WRITES != 0);
    let (w, r) = (spec.has(WRITE), spec.has(READONLY));
    if w && r {
        v.push(format!("{full}: both write and readonly"));
    } else if keyed && !w && !r && !exempt(spec, full, Rule::WriteXorReadonly) {
        v.push(format!("{full}: has keys, so it must be write or readonly"));
    }
    if writes && !w && !exempt(spec, full, Rule::WriteSpecNeedsWrite) {
        v.push(format!(
            "{full}: a key spec may write (RW/OW/RM) but the command lacks the write flag"
        ));
    }
    if spec.has(flags::MOVABLE_KEYS) && !legacy_keys(spec).movable {
        v.push(format!(
            "{full}: declares movablekeys, but its key specs describe fixed positions"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::Harness;
    use crate::spec::{kflags::*, ArgSpec};
    use bytes::Bytes;
    use tessera_resp::Proto;

    include!("introspect_fixtures.rs");

    fn noop(_: &mut Ctx, _: &[Arg]) {}

    const BASE: CommandSpec = CommandSpec {
        summary: "A test declaration.",
        exec: Exec::Keys(noop),
        ..CommandSpec::DEFAULT
    };

    const fn range(begin: i32, last_key: i32, key_step: i32, flags: u32) -> KeySpec {
        KeySpec {
            flags,
            begin: BeginSearch::Index(begin),
            find: FindKeys::Range {
                last_key,
                key_step,
                limit: 0,
            },
        }
    }

    /// Key-related parts of some Redis commands whose COMMAND INFO has
    /// neither tips nor key-spec notes, so ours must equal Redis's byte for byte.
    static SAMPLES: &[CommandSpec] = &[
        CommandSpec {
            name: "bitop",
            arity: -4,
            flags: WRITE | DENYOOM,
            acl: &["bitmap"],
            keys: &[range(2, 0, 1, OW | UPDATE), range(3, -1, 1, RO | ACCESS)],
            ..BASE
        },
        CommandSpec {
            name: "lmove",
            arity: 5,
            flags: WRITE | DENYOOM,
            acl: &["list"],
            keys: &[
                range(1, 0, 1, RW | ACCESS | DELETE),
                range(2, 0, 1, RW | INSERT),
            ],
            ..BASE
        },
        CommandSpec {
            name: "zunionstore",
            arity: -4,
            flags: WRITE | DENYOOM,
            acl: &["sortedset"],
            keys: &[
                range(1, 0, 1, OW | UPDATE),
                KeySpec {
                    flags: RO | ACCESS,
                    begin: BeginSearch::Index(2),
                    find: FindKeys::Keynum {
                        keynum_idx: 0,
                        first_key: 1,
                        key_step: 1,
                    },
                },
            ],
            ..BASE
        },
        CommandSpec {
            name: "xread",
            arity: -4,
            flags: READONLY | BLOCKING,
            acl: &["stream"],
            keys: &[KeySpec {
                flags: RO | ACCESS,
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
            ..BASE
        },
        CommandSpec {
            name: "georadius",
            arity: -6,
            flags: WRITE | DENYOOM,
            acl: &["geo"],
            keys: &[
                range(1, 0, 1, RO | ACCESS),
                KeySpec {
                    flags: OW | UPDATE,
                    begin: BeginSearch::Keyword {
                        keyword: "STORE",
                        start_from: 6,
                    },
                    find: FindKeys::Range {
                        last_key: 0,
                        key_step: 1,
                        limit: 0,
                    },
                },
                KeySpec {
                    flags: OW | UPDATE,
                    begin: BeginSearch::Keyword {
                        keyword: "STOREDIST",
                        start_from: 6,
                    },
                    find: FindKeys::Range {
                        last_key: 0,
                        key_step: 1,
                        limit: 0,
                    },
                },
            ],
            ..BASE
        },
        CommandSpec {
            name: "brpop",
            arity: -3,
            flags: WRITE | NOSCRIPT | BLOCKING,
            acl: &["list"],
            keys: &[range(1, -2, 1, RW | ACCESS | DELETE)],
            ..BASE
        },
        CommandSpec {
            name: "eval",
            arity: -3,
            flags: NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MAY_REPLICATE,
            acl: &["scripting"],
            keys: &[KeySpec {
                flags: RW | ACCESS | UPDATE,
                begin: BeginSearch::Index(2),
                find: FindKeys::Keynum {
                    keynum_idx: 0,
                    first_key: 1,
                    key_step: 1,
                },
            }],
            ..BASE
        },
        CommandSpec {
            name: "mset",
            arity: -3,
            flags: WRITE | DENYOOM,
            acl: &["string"],
            keys: &[range(1, -1, 2, OW | UPDATE)],
            ..BASE
        },
        CommandSpec {
            name: "spublish",
            arity: 3,
            flags: PUBSUB | LOADING | STALE | FAST,
            keys: &[range(1, 0, 1, NOT_KEY)],
            ..BASE
        },
    ];

    fn sample(name: &str) -> &'static CommandSpec {
        SAMPLES.iter().find(|s| s.name == name).expect("sample")
    }

    fn encoded(f: impl Fn(&mut Out), proto: Proto) -> String {
        let mut out = Out::new(proto);
        f(&mut out);
        String::from_utf8(out.buf.to_vec()).expect("utf-8")
    }

    #[test]
    fn info_entries_match_redis_byte_for_byte() {
        for (name, resp2, resp3) in REDIS_INFO {
            let spec = match *name {
                "get" | "command|count" => continue,
                n => sample(n),
            };
            assert_eq!(
                encoded(|o| write_info(o, spec, name), Proto::Resp2),
                *resp2,
                "{name} RESP2"
            );
            assert_eq!(
                encoded(|o| write_info(o, spec, name), Proto::Resp3),
                *resp3,
                "{name} RESP3"
            );
        }
    }

    #[test]
    fn legacy_keys_follow_redis() {
        let lk = |n| {
            let l = legacy_keys(sample(n));
            (l.first, l.last, l.step, l.movable)
        };
        assert_eq!(lk("bitop"), (2, -1, 1, false));
        assert_eq!(lk("lmove"), (1, 2, 1, false));
        assert_eq!(lk("zunionstore"), (1, 1, 1, true));
        assert_eq!(lk("xread"), (0, 0, 0, true));
        assert_eq!(lk("georadius"), (1, 1, 1, true));
        assert_eq!(lk("brpop"), (1, -2, 1, false));
        assert_eq!(lk("mset"), (1, -1, 2, false));
        assert_eq!(lk("spublish"), (1, 1, 1, false));
        // may_replicate is never shown; movablekeys comes from the keynum spec.
        assert_eq!(
            reply_flags(sample("eval")),
            [
                "noscript",
                "stale",
                "skip_monitor",
                "no_mandatory_keys",
                "movablekeys"
            ]
        );
    }

    #[test]
    fn acl_categories_add_what_the_flags_imply_in_redis_order() {
        assert_eq!(
            acl_categories(sample("brpop")),
            ["write", "list", "slow", "blocking"]
        );
        assert_eq!(acl_categories(sample("spublish")), ["pubsub", "fast"]);
        assert_eq!(acl_categories(sample("eval")), ["slow", "scripting"]);
        static ADMIN_CMD: CommandSpec = CommandSpec {
            flags: ADMIN | READONLY,
            acl: &["keyspace"],
            ..BASE
        };
        assert_eq!(
            acl_categories(&ADMIN_CMD),
            ["keyspace", "read", "admin", "slow", "dangerous"]
        );
    }

    static ZADD_ARGS: &[ArgSpec] = &[
        ArgSpec::key("key", 0),
        ArgSpec::oneof(
            "condition",
            &[ArgSpec::token("nx", "NX"), ArgSpec::token("xx", "XX")],
        )
        .since("3.0.2")
        .optional(),
        ArgSpec::oneof(
            "comparison",
            &[ArgSpec::token("gt", "GT"), ArgSpec::token("lt", "LT")],
        )
        .since("6.2.0")
        .optional(),
        ArgSpec::token("change", "CH").since("3.0.2").optional(),
        ArgSpec::token("increment", "INCR")
            .since("3.0.2")
            .optional(),
        ArgSpec::block(
            "score_member",
            &[ArgSpec::double("score"), ArgSpec::string("member")],
        )
        .multiple(),
    ];

    static ZADD: CommandSpec = CommandSpec {
        name: "zadd",
        arity: -4,
        flags: WRITE | DENYOOM | FAST,
        acl: &["sortedset"],
        keys: &[range(1, 0, 1, RW | UPDATE)],
        args: ZADD_ARGS,
        summary: "Adds members to a sorted set.",
        since: "1.2.0",
        group: "sorted-set",
        complexity: "O(log(N)) per member",
        ..BASE
    };

    const OBJECT_KEYS: &[KeySpec] = &[range(2, 0, 1, RO)];
    const OBJECT_ARGS: &[ArgSpec] = &[ArgSpec::key("key", 0)];

    const fn object_sub(
        name: &'static str,
        summary: &'static str,
        since: &'static str,
    ) -> CommandSpec {
        CommandSpec {
            name,
            arity: 3,
            flags: READONLY,
            acl: &["keyspace"],
            keys: OBJECT_KEYS,
            args: OBJECT_ARGS,
            summary,
            since,
            complexity: "O(1)",
            ..BASE
        }
    }

    static OBJECT: CommandSpec = CommandSpec {
        name: "object",
        arity: -2,
        summary: "About object.",
        since: "2.2.3",
        exec: Exec::Container,
        subcommands: &[
            object_sub("freq", "About object|freq.", "4.0.0"),
            CommandSpec {
                name: "help",
                arity: 2,
                flags: LOADING | STALE,
                acl: &["keyspace"],
                summary: "About object|help.",
                since: "6.2.0",
                ..BASE
            },
            object_sub("idletime", "About object|idletime.", "2.2.3"),
            object_sub("refcount", "About object|refcount.", "2.2.3"),
            object_sub("encoding", "About object|encoding.", "2.2.3"),
        ],
        ..BASE
    };

    #[test]
    fn docs_match_redis_byte_for_byte() {
        for (spec, (resp2, resp3)) in [(&ZADD, REDIS_DOCS_ZADD), (&OBJECT, REDIS_DOCS_OBJECT)] {
            let name = spec.name;
            assert_eq!(
                encoded(|o| write_docs(o, spec, name), Proto::Resp2),
                resp2,
                "{name} RESP2"
            );
            assert_eq!(
                encoded(|o| write_docs(o, spec, name), Proto::Resp3),
                resp3,
                "{name} RESP3"
            );
        }
        // Our own samples keep the table invariants too.
        assert_eq!(
            check_families(&[std::slice::from_ref(&ZADD)]),
            Vec::<String>::new()
        );
        assert_eq!(
            check_families(&[std::slice::from_ref(&OBJECT)]),
            Vec::<String>::new()
        );
    }

    fn run(h: &mut Harness, proto: Proto, args: &[&str]) -> String {
        h.proto = proto;
        h.run(args)
    }

    fn redis_info(name: &str) -> (&'static str, &'static str) {
        let (_, a, b) = REDIS_INFO
            .iter()
            .find(|(n, _, _)| *n == name)
            .expect("fixture");
        (a, b)
    }

    #[test]
    fn command_info_through_the_table() {
        let mut h = Harness::new();
        for name in ["get", "command|count"] {
            let (resp2, resp3) = redis_info(name);
            assert_eq!(
                run(&mut h, Proto::Resp2, &["COMMAND", "INFO", name]),
                format!("*1\r\n{resp2}")
            );
            assert_eq!(
                run(&mut h, Proto::Resp3, &["command", "info", name]),
                format!("*1\r\n{resp3}")
            );
        }
        // Names are case-insensitive; unknown ones (and bad `a|b` forms) are null.
        assert_eq!(
            run(
                &mut h,
                Proto::Resp2,
                &[
                    "COMMAND",
                    "INFO",
                    "COMMAND|COUNT",
                    "nosuch",
                    "get|x",
                    "command|",
                    "a|b|c"
                ]
            ),
            format!(
                "*5\r\n{}$-1\r\n$-1\r\n$-1\r\n$-1\r\n",
                redis_info("command|count").0
            )
        );
        assert_eq!(
            run(&mut h, Proto::Resp3, &["COMMAND", "INFO", "nosuch"]),
            "*1\r\n_\r\n"
        );
        // Without names, INFO is the same as bare COMMAND: every top-level command.
        let all = run(&mut h, Proto::Resp2, &["COMMAND"]);
        assert_eq!(run(&mut h, Proto::Resp2, &["COMMAND", "INFO"]), all);
        assert!(all.starts_with(&format!("*{}\r\n*10\r\n", Table::global().len())));
    }

    #[test]
    fn command_count_and_dispatch_errors() {
        let mut h = Harness::new();
        let n = Table::global().len();
        assert_eq!(h.run(&["COMMAND", "COUNT"]), format!(":{n}\r\n"));
        assert_eq!(
            h.run(&["COMMAND", "COUNT", "x"]),
            "-ERR wrong number of arguments for 'command|count' command\r\n"
        );
        assert_eq!(
            h.run(&["COMMAND", "FOO"]),
            "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n"
        );
        assert_eq!(
            h.run(&["COMMAND", "GETKEYS", "get"]),
            "-ERR wrong number of arguments for 'command|getkeys' command\r\n"
        );
        let help = h.run(&["COMMAND", "HELP"]);
        assert!(help.starts_with(
            "*19\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
        ));
    }

    #[test]
    fn command_docs_through_the_table() {
        let mut h = Harness::new();
        assert_eq!(
            run(&mut h, Proto::Resp2, &["COMMAND", "DOCS", "nosuch"]),
            "*0\r\n"
        );
        assert_eq!(
            run(&mut h, Proto::Resp3, &["COMMAND", "DOCS", "nosuch"]),
            "%0\r\n"
        );
        let count = run(&mut h, Proto::Resp3, &["COMMAND", "DOCS", "command|count"]);
        assert_eq!(
            count,
            "%1\r\n$13\r\ncommand|count\r\n%4\r\n$7\r\nsummary\r\n$37\r\nCounts the commands the server knows.\r\n\
             $5\r\nsince\r\n$6\r\n2.8.13\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n"
        );
        let all = run(&mut h, Proto::Resp3, &["COMMAND", "DOCS"]);
        assert!(all.starts_with(&format!("%{}\r\n", Table::global().len())));
        // COMMAND itself takes no arguments but has subcommands: five fields.
        assert!(all.contains("$7\r\ncommand\r\n%5\r\n"), "{all}");
    }

    /// A table with the shapes GETKEYS must handle.
    fn getkeys_table() -> Table {
        Table::new(&[SAMPLES, COMMANDS, std::slice::from_ref(&OBJECT)])
    }

    fn getkeys(args: &[&str], with_flags: bool, proto: Proto) -> String {
        let argv: Vec<Bytes> = [
            "COMMAND",
            if with_flags {
                "GETKEYSANDFLAGS"
            } else {
                "GETKEYS"
            },
        ]
        .iter()
        .chain(args)
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect();
        encoded(
            |o| keys_in(&getkeys_table(), o, &Arg::all(&argv), with_flags),
            proto,
        )
    }

    #[test]
    fn getkeys_follows_redis() {
        let keys = |a: &[&str]| getkeys(a, false, Proto::Resp2);
        assert_eq!(keys(&["nosuch", "a"]), "-ERR Invalid command specified\r\n");
        assert_eq!(
            keys(&["object", "nosuch", "k"]),
            "-ERR Invalid command specified\r\n"
        );
        assert_eq!(
            keys(&["command", "count"]),
            "-ERR The command has no key arguments\r\n"
        );
        assert_eq!(
            keys(&["spublish", "ch", "m"]),
            "-ERR The command has no key arguments\r\n"
        );
        assert_eq!(
            keys(&["lmove", "a", "b"]),
            "-ERR Invalid number of arguments specified for command\r\n"
        );
        assert_eq!(keys(&["object", "encoding", "k"]), "*1\r\n$1\r\nk\r\n");
        assert_eq!(
            keys(&["MSET", "a", "1", "b"]),
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n"
        );
        assert_eq!(
            keys(&["bitop", "and", "d", "a", "b"]),
            "*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n"
        );
        assert_eq!(keys(&["xread", "streams", "a", "b"]), "*1\r\n$1\r\na\r\n");
        for bad in [
            &["xread", "count", "2", "a", "b"][..],
            &["zunionstore", "d", "0", "x"],
            &["zunionstore", "d", "2", "x"],
            &["zunionstore", "d", "x", "x"],
        ] {
            assert_eq!(
                keys(bad),
                "-ERR Invalid arguments specified for command\r\n",
                "{bad:?}"
            );
        }
        // EVAL needs no keys: an empty answer instead of an error.
        assert_eq!(keys(&["eval", "s", "0"]), "*0\r\n");
        assert_eq!(keys(&["eval", "s", "2", "a"]), "*0\r\n");
        assert_eq!(
            getkeys(&["lmove", "a", "b", "left", "right"], true, Proto::Resp2),
            "*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$1\r\nb\r\n*2\r\n+RW\r\n+insert\r\n"
        );
        assert_eq!(
            getkeys(&["georadius", "k", "1", "2", "3", "m", "STORE", "d"], true, Proto::Resp3),
            "*2\r\n*2\r\n$1\r\nk\r\n~2\r\n+RO\r\n+access\r\n*2\r\n$1\r\nd\r\n~2\r\n+OW\r\n+update\r\n"
        );
    }

    fn list(args: &[&str]) -> String {
        let argv: Vec<Bytes> = ["COMMAND", "LIST"]
            .iter()
            .chain(args)
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        encoded(
            |o| list_in(&getkeys_table(), o, &Arg::all(&argv)),
            Proto::Resp2,
        )
    }

    #[test]
    fn list_filters_like_redis() {
        assert_eq!(
            list(&["FILTERBY", "PATTERN", "object|*"]),
            "*5\r\n$11\r\nobject|freq\r\n$11\r\nobject|help\r\n$15\r\nobject|idletime\r\n\
             $15\r\nobject|refcount\r\n$15\r\nobject|encoding\r\n"
        );
        assert_eq!(
            list(&["filterby", "pattern", "OBJ*CT"]),
            "*1\r\n$6\r\nobject\r\n"
        );
        // Categories match case-insensitively, implied ones included, no '@'.
        assert_eq!(
            list(&["FILTERBY", "ACLCAT", "Blocking"]),
            "*2\r\n$5\r\nxread\r\n$5\r\nbrpop\r\n"
        );
        assert_eq!(list(&["FILTERBY", "ACLCAT", "@blocking"]), "*0\r\n");
        assert_eq!(list(&["FILTERBY", "MODULE", "x"]), "*0\r\n");
        let all = list(&[]);
        let total = SAMPLES.len() + 1 + SUBCOMMANDS.len() + 1 + OBJECT.subcommands.len();
        assert!(
            all.starts_with(&format!("*{total}\r\n$5\r\nbitop\r\n")),
            "{all}"
        );
        for bad in [
            &["FILTERBY"][..],
            &["foo"],
            &["FILTERBY", "foo", "bar"],
            &["FILTERBY", "PATTERN", "a", "b"],
        ] {
            assert_eq!(list(bad), "-ERR syntax error\r\n", "{bad:?}");
        }
    }
}
