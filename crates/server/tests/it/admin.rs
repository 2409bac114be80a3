//! Server administration over TCP: INFO, CONFIG, CLIENT, SLOWLOG and DEBUG, driven from several connections so that, with several shards, every answer has to cover clients and keys on other shards.

use std::collections::HashMap;
use std::time::{Duration, Instant};
use tessera_testkit::{Conn, Reply, Server, ServerKind};

/// The `name:value` fields of an INFO reply.
fn info(c: &mut Conn, sections: &[&str]) -> HashMap<String, String> {
    let mut args = vec!["INFO"];
    args.extend_from_slice(sections);
    let text = c.cmd(&args).as_string().expect("INFO text");
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn int_field(fields: &HashMap<String, String>, name: &str) -> i64 {
    fields
        .get(name)
        .unwrap_or_else(|| panic!("INFO has no {name}"))
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not an integer"))
}

/// The `key=value` fields of one CLIENT LIST / CLIENT INFO line, in order.
fn client_fields(line: &str) -> Vec<(String, String)> {
    line.split(' ')
        .filter_map(|f| f.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn client_lines(c: &mut Conn, args: &[&str]) -> Vec<Vec<(String, String)>> {
    let text = c.cmd(args).as_string().expect("CLIENT LIST text");
    assert!(text.is_empty() || text.ends_with('\n'), "{text:?}");
    text.lines().map(client_fields).collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    &fields
        .iter()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no {name} in {fields:?}"))
        .1
}

/// Opens `n` connections, names them `prefix0`.., and returns them with their ids.
fn named_conns(srv: &Server, prefix: &str, n: usize) -> Vec<(Conn, i64)> {
    (0..n)
        .map(|i| {
            let mut c = srv.conn();
            assert_eq!(
                c.cmd(&["CLIENT", "SETNAME", &format!("{prefix}{i}")]),
                Reply::ok()
            );
            let id = c.cmd(&["CLIENT", "ID"]).as_int().expect("client id");
            (c, id)
        })
        .collect()
}

sharded! {
    fn killed_client_is_gone_from_client_list_once_its_socket_is_closed(srv) {
        // A killed connection used to close its socket first and leave the
        // client registry after: a CLIENT LIST right after the victim saw
        // EOF could still list it.
        let mut c = srv.conn();
        for round in 0..40 {
            let mut victims = named_conns(srv, &format!("v{round}-"), 3);
            let id = victims[1].1.to_string();
            assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", &id]), Reply::Int(1));
            assert!(victims[1].0.wait_closed());
            let lines = client_lines(&mut c, &["CLIENT", "LIST"]);
            assert!(
                lines.iter().all(|l| field(l, "id") != id),
                "round {round}: killed client {id} still listed"
            );
            assert_eq!(lines.len(), 3, "round {round}: {lines:?}");
            for (v, _) in victims.iter_mut() {
                // The killed one is gone already.
                let _ = v.try_cmd(&["QUIT"]);
            }
            drop(victims);
            // The QUIT ones leave as soon as their reply is written; wait
            // until the list is back to the caller alone.
            assert!(tessera_testkit::wait_until(Duration::from_secs(10), || {
                client_lines(&mut c, &["CLIENT", "LIST"]).len() == 1
            }));
        }
    }
}

sharded! {
    fn info_sections_and_totals(srv) {
        let mut c = srv.conn();
        let text = c.cmd(&["INFO"]).as_string().expect("INFO text");
        let headers: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# ")).collect();
        assert_eq!(
            headers,
            [
                "Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                "Modules", "Errorstats", "Cluster", "Keyspace"
            ]
        );
        assert!(text.ends_with("\r\n"));
        assert!(text.split("\r\n").all(|l| l.is_empty() || l.starts_with("# ") || l.contains(':')));
        // Sections come in the server's order whatever the order asked, and
        // unknown names are ignored.
        let two = c.cmd(&["INFO", "CLUSTER", "nonsense", "server"]).as_string().unwrap();
        assert!(two.starts_with("# Server\r\n"), "{two}");
        assert!(two.ends_with("\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n"), "{two}");
        assert_eq!(c.cmd(&["INFO", "nonsense"]), Reply::bulk(""));

        // Keys on every shard, ten of them with a TTL.
        let mut mset = vec!["MSET".to_string()];
        for i in 0..100 {
            mset.push(format!("k{i}"));
            mset.push("v".into());
        }
        assert_eq!(c.cmd(&mset), Reply::ok());
        for i in 0..10 {
            assert_eq!(c.cmd(&["EXPIRE", &format!("k{i}"), "1000"]), Reply::Int(1));
        }
        for i in 0..5 {
            assert_eq!(c.cmd(&["GET", &format!("k{i}")]), Reply::bulk("v"));
        }
        for i in 0..3 {
            assert_eq!(c.cmd(&["GET", &format!("missing{i}")]), Reply::Nil);
        }
        let ks = info(&mut c, &["keyspace"]);
        assert!(ks["db0"].starts_with("keys=100,expires=10,avg_ttl="), "{:?}", ks["db0"]);
        let stats = info(&mut c, &["stats"]);
        assert_eq!(int_field(&stats, "keyspace_hits"), 5);
        assert_eq!(int_field(&stats, "keyspace_misses"), 3);

        // Clients and commands are counted on every shard.
        let mut others: Vec<Conn> = (0..3).map(|_| srv.conn()).collect();
        for o in &mut others {
            assert_eq!(o.cmd(&["PING"]), Reply::simple("PONG"));
        }
        let before = int_field(&info(&mut c, &["stats"]), "total_commands_processed");
        for o in &mut others {
            for _ in 0..4 {
                assert_eq!(o.cmd(&["PING"]), Reply::simple("PONG"));
            }
        }
        let all = info(&mut c, &["everything"]);
        // The twelve PINGs and the INFO before them.
        assert_eq!(int_field(&all, "total_commands_processed"), before + 13);
        assert_eq!(int_field(&all, "connected_clients"), 4);
        assert!(int_field(&all, "rdb_changes_since_last_save") >= 100);
        assert!(int_field(&all, "used_memory") > 0);
        assert!(int_field(&all, "used_memory_peak") >= int_field(&all, "used_memory"));
        assert_eq!(int_field(&all, "process_id"), srv.pid() as i64);
        assert_eq!(int_field(&all, "tcp_port"), srv.port() as i64);
        assert_eq!(all["redis_version"], "7.0.15");
        assert_eq!(all["role"], "master");
        assert_eq!(all["aof_enabled"], "0");
        assert_eq!(all["loading"], "0");
        assert!(all.contains_key("cmdstat_ping"));
        if srv.kind() == ServerKind::Tessera {
            assert_eq!(all["mem_allocator"], "mimalloc");
            assert_eq!(all["multiplexing_api"], "io_uring");
            assert_eq!(int_field(&all, "shards"), srv.opts().shards as i64);
        }
    }
}

sharded! {
    fn info_is_verbatim_text_in_resp3(srv) {
        let mut c = srv.conn();
        c.cmd(&["HELLO", "3"]);
        match c.cmd(&["INFO", "cluster"]) {
            Reply::Verbatim { format, text } => {
                assert_eq!(format, "txt");
                assert_eq!(text, b"# Cluster\r\ncluster_enabled:0\r\n");
            }
            other => panic!("want verbatim text, got {other}"),
        }
        match c.cmd(&["CLIENT", "INFO"]) {
            Reply::Verbatim { format, text } => {
                assert_eq!(format, "txt");
                assert!(text.ends_with(b" resp=3\n"));
            }
            other => panic!("want verbatim text, got {other}"),
        }
    }
}

sharded! {
    fn commandstats_and_errorstats_after_resetstat(srv) {
        let mut c = srv.conn();
        for i in 0..20 {
            c.cmd(&["SET", &format!("key{i}"), "v"]);
        }
        assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), Reply::ok());
        // Pipelined, so that with several shards remote GETs travel in batches.
        for i in 0..20 {
            c.send_cmd(&["GET", &format!("key{i}")]);
        }
        for _ in 0..20 {
            assert_eq!(c.read_reply(), Reply::bulk("v"));
        }
        c.cmd(&["CONFIG", "GET", "maxclients"]);
        c.cmd(&["CLIENT", "ID"]);
        assert!(c.cmd(&["NOSUCHCOMMAND"]).is_error());
        assert!(c.cmd(&["INCR", "key0"]).is_error());
        let text = c.cmd(&["INFO", "commandstats", "errorstats"]).as_string().unwrap();
        for want in [
            "cmdstat_get:calls=20,",
            "cmdstat_config|get:calls=1,",
            "cmdstat_config|resetstat:calls=1,",
            "cmdstat_client|id:calls=1,",
            "errorstat_ERR:count=2\r\n",
        ] {
            assert!(text.contains(want), "no {want} in {text}");
        }
        assert!(text.contains("cmdstat_incr:calls=1,"), "{text}");
        assert!(text.contains(",failed_calls=1\r\n"), "{text}");
        assert!(!text.contains("cmdstat_set:"), "RESETSTAT forgets earlier commands: {text}");
        let stats = info(&mut c, &["stats"]);
        assert_eq!(int_field(&stats, "total_error_replies"), 2);
    }
}

sharded! {
    // COMMAND's subcommands were all counted as `command`; Redis counts
    // `command|count`, `command|info` and so on, and plain COMMAND as `command`.
    fn commandstats_name_command_subcommands(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), Reply::ok());
        assert!(c.cmd(&["COMMAND", "COUNT"]).as_int().is_some());
        assert!(matches!(c.cmd(&["COMMAND", "INFO", "get"]), Reply::Array(_)));
        assert!(matches!(c.cmd(&["COMMAND"]), Reply::Array(_)));
        assert_eq!(
            c.cmd(&["COMMAND", "COUNT", "x"]).error_text().unwrap(),
            "ERR wrong number of arguments for 'command|count' command"
        );
        assert_eq!(
            c.cmd(&["COMMAND", "NOSUCH"]).error_text().unwrap(),
            "ERR unknown subcommand 'NOSUCH'. Try COMMAND HELP."
        );
        let text = c.cmd(&["INFO", "commandstats"]).as_string().unwrap();
        for want in [
            "cmdstat_command|count:calls=1,usec=",
            "cmdstat_command|info:calls=1,usec=",
            // COMMAND NOSUCH is refused before it runs: not a call.
            "cmdstat_command:calls=1,usec=",
        ] {
            assert!(text.contains(want), "no {want} in {text}");
        }
        let count = text
            .lines()
            .find(|l| l.starts_with("cmdstat_command|count:"))
            .unwrap_or_default();
        assert!(count.ends_with(",rejected_calls=1,failed_calls=0"), "{text}");
    }
}

sharded! {
    fn config_set_reaches_every_shard(srv) {
        let mut c = srv.conn();
        assert_eq!(
            c.cmd(&["CONFIG", "SET", "nosuch", "1"]).error_text().unwrap(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"
        );
        assert_eq!(
            c.cmd(&["CONFIG", "SET", "maxclients"]).error_text().unwrap(),
            "ERR wrong number of arguments for 'config|set' command"
        );
        assert_eq!(
            c.cmd(&["CONFIG", "FOO"]).error_text().unwrap(),
            "ERR unknown subcommand 'FOO'. Try CONFIG HELP."
        );
        assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]), Reply::ok());
        assert_eq!(c.cmd(&["SLOWLOG", "RESET"]), Reply::ok());
        // Every connection, whichever shard took it, now logs every command.
        let mut conns = named_conns(srv, "w", 6);
        for (i, (w, _)) in conns.iter_mut().enumerate() {
            assert_eq!(
                w.cmd(&["CONFIG", "GET", "slowlog-log-slower-than"]),
                Reply::bulks(&["slowlog-log-slower-than", "0"])
            );
            assert_eq!(w.cmd(&["ECHO", &format!("from {i}")]), Reply::bulk(format!("from {i}")));
        }
        let log = c.cmd(&["SLOWLOG", "GET", "-1"]);
        let entries = log.as_array().expect("entries");
        for i in 0..6 {
            let found = entries.iter().any(|e| {
                let e = e.as_array().unwrap();
                e[3] == Reply::bulks(&["ECHO", &format!("from {i}")])
                    && e[5] == Reply::bulk(format!("w{i}"))
            });
            assert!(found, "no ECHO from w{i} in {log}");
        }
        let help = c.cmd(&["CONFIG", "HELP"]);
        assert!(help.as_array().is_some_and(|l| l.len() > 5), "{help}");
    }
}

sharded! {
    fn slowlog_merges_shards_newest_first(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]), Reply::ok());
        let mut conns = named_conns(srv, "s", 5);
        assert_eq!(c.cmd(&["SLOWLOG", "RESET"]), Reply::ok());
        for (i, (w, _)) in conns.iter_mut().enumerate() {
            w.cmd(&["ECHO", &i.to_string()]);
        }
        let log = c.cmd(&["SLOWLOG", "GET", "3"]);
        let entries = log.as_array().expect("entries");
        assert_eq!(entries.len(), 3, "{log}");
        let mut last_id = i64::MAX;
        for (e, want) in entries.iter().zip(["4", "3", "2"]) {
            let e = e.as_array().expect("entry");
            assert_eq!(e.len(), 6);
            let id = e[0].as_int().unwrap();
            assert!(id < last_id, "ids must decrease: {log}");
            last_id = id;
            assert!(e[1].as_int().unwrap() > 1_600_000_000);
            assert!(e[2].as_int().unwrap() >= 0);
            assert_eq!(e[3], Reply::bulks(&["ECHO", want]));
            assert!(e[4].as_string().unwrap().starts_with("127.0.0.1:"));
            assert_eq!(e[5], Reply::bulk(format!("s{want}")));
        }
        // SLOWLOG RESET, five ECHOs and the GET.
        assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), Reply::Int(7));
        assert_eq!(
            c.cmd(&["SLOWLOG", "GET", "-2"]).error_text().unwrap(),
            "ERR count should be greater than or equal to -1"
        );
        assert_eq!(c.cmd(&["SLOWLOG", "RESET"]), Reply::ok());
        assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), Reply::Int(1));
    }
}

sharded! {
    fn client_list_and_kill_across_shards(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["CLIENT", "SETNAME", "main"]), Reply::ok());
        let my_id = c.cmd(&["CLIENT", "ID"]).as_int().unwrap();
        let mut workers = named_conns(srv, "w", 6);

        let lines = client_lines(&mut c, &["CLIENT", "LIST"]);
        assert_eq!(lines.len(), 7, "{lines:?}");
        let ids: Vec<i64> = lines.iter().map(|l| field(l, "id").parse().unwrap()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "CLIENT LIST is in id order");
        for (_, id) in &workers {
            assert!(ids.contains(id));
        }
        let me = lines.iter().find(|l| field(l, "id") == my_id.to_string()).unwrap();
        let names: Vec<&str> = me.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
                "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl",
                "oll", "omem", "tot-mem", "events", "cmd", "user", "redir", "resp"
            ]
        );
        assert_eq!(field(me, "name"), "main");
        assert_eq!(field(me, "cmd"), "client|list");
        assert_eq!(field(me, "flags"), "N");

        let pick = format!("{}", workers[2].1);
        let two = client_lines(&mut c, &["CLIENT", "LIST", "ID", &pick, "999999"]);
        assert_eq!(two.len(), 1);
        assert_eq!(field(&two[0], "name"), "w2");
        assert_eq!(client_lines(&mut c, &["CLIENT", "LIST", "TYPE", "normal"]).len(), 7);
        assert!(client_lines(&mut c, &["CLIENT", "LIST", "TYPE", "pubsub"]).is_empty());
        assert_eq!(
            c.cmd(&["CLIENT", "LIST", "TYPE", "foo"]).error_text().unwrap(),
            "ERR Unknown client type 'foo'"
        );

        // By id, wherever the client lives.
        let id0 = workers[0].1.to_string();
        assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", &id0]), Reply::Int(1));
        assert!(workers[0].0.wait_closed());
        // The old form, by address.
        let w1 = workers[1].0.cmd(&["CLIENT", "INFO"]).as_string().unwrap();
        let addr = field(&client_fields(w1.trim_end()), "addr").to_string();
        assert_eq!(c.cmd(&["CLIENT", "KILL", &addr]), Reply::ok());
        assert!(workers[1].0.wait_closed());
        assert_eq!(
            c.cmd(&["CLIENT", "KILL", "1.2.3.4:5"]).error_text().unwrap(),
            "ERR No such client"
        );
        // Everyone but the caller.
        assert_eq!(c.cmd(&["CLIENT", "KILL", "TYPE", "normal"]), Reply::Int(4));
        for (w, _) in workers.iter_mut().skip(2) {
            assert!(w.wait_closed());
        }
        assert_eq!(c.cmd(&["PING"]), Reply::simple("PONG"));
        assert_eq!(client_lines(&mut c, &["CLIENT", "LIST"]).len(), 1);
        // The caller too, after its reply.
        assert_eq!(
            c.cmd(&["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"]),
            Reply::Int(1)
        );
        assert!(c.wait_closed());
    }
}

sharded! {
    fn client_names_and_reply_modes(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Reply::Nil);
        assert_eq!(
            c.cmd(&["CLIENT", "SETNAME", "a b"]).error_text().unwrap(),
            "ERR Client names cannot contain spaces, newlines or special characters."
        );
        assert_eq!(c.cmd(&["CLIENT", "SETNAME", "x"]), Reply::ok());
        assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Reply::bulk("x"));
        assert_eq!(c.cmd(&["CLIENT", "SETNAME", ""]), Reply::ok());
        assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Reply::Nil);
        assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "on"]), Reply::ok());
        assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "maybe"]).error_text().unwrap(), "ERR syntax error");
        assert_eq!(c.cmd(&["CLIENT", "REPLY", "maybe"]).error_text().unwrap(), "ERR syntax error");
        assert_eq!(
            c.cmd(&["CLIENT", "NOPE"]).error_text().unwrap(),
            "ERR unknown subcommand 'NOPE'. Try CLIENT HELP."
        );

        // OFF silences everything until ON, which is answered.
        c.send_cmd(&["CLIENT", "REPLY", "OFF"]);
        c.send_cmd(&["SET", "k", "v"]);
        c.send_cmd(&["NOSUCHCOMMAND"]);
        c.send_cmd(&["CLIENT", "REPLY", "ON"]);
        assert_eq!(c.read_reply(), Reply::ok());
        assert_eq!(c.cmd(&["GET", "k"]), Reply::bulk("v"));
        // SKIP silences only the next command.
        c.send_cmd(&["CLIENT", "REPLY", "SKIP"]);
        c.send_cmd(&["ECHO", "skipped"]);
        c.send_cmd(&["ECHO", "seen"]);
        assert_eq!(c.read_reply(), Reply::bulk("seen"));

        if srv.kind() == ServerKind::Tessera {
            // Redis 7.2's SETINFO, accepted ahead of the 7.0 reference.
            assert_eq!(c.cmd(&["CLIENT", "SETINFO", "LIB-NAME", "redis-py"]), Reply::ok());
            assert_eq!(c.cmd(&["CLIENT", "SETINFO", "lib-ver", "5.0"]), Reply::ok());
            assert_eq!(
                c.cmd(&["CLIENT", "SETINFO", "lib-nope", "x"]).error_text().unwrap(),
                "ERR Unrecognized option 'lib-nope'"
            );
            assert_eq!(
                c.cmd(&["CLIENT", "SETINFO", "lib-name", "a b"]).error_text().unwrap(),
                "ERR lib-name cannot contain spaces, newlines or special characters."
            );
        }
    }
}

fn debug_server(shards: usize) -> Server {
    Server::start(crate::opts(shards).arg("--enable-debug-command").arg("yes"))
}

fn debug_body(srv: &Server) {
    let mut c = srv.conn();
    assert_eq!(c.cmd(&["SET", "key:5", "mine"]), Reply::ok());
    assert_eq!(c.cmd(&["DEBUG", "POPULATE", "1000"]), Reply::ok());
    assert_eq!(c.cmd(&["DBSIZE"]), Reply::Int(1000));
    assert_eq!(c.cmd(&["GET", "key:999"]), Reply::bulk("value:999"));
    assert_eq!(
        c.cmd(&["GET", "key:5"]),
        Reply::bulk("mine"),
        "existing keys are kept"
    );
    assert_eq!(c.cmd(&["DEBUG", "POPULATE", "3", "p", "10"]), Reply::ok());
    assert_eq!(c.cmd(&["GET", "p:1"]), Reply::bulk(b"value:1\0\0\0"));
    assert_eq!(c.cmd(&["DEBUG", "POPULATE", "3", "q", "3"]), Reply::ok());
    assert_eq!(c.cmd(&["GET", "q:2"]), Reply::bulk("val"));
    assert_eq!(c.cmd(&["SELECT", "2"]), Reply::ok());
    assert_eq!(c.cmd(&["DEBUG", "POPULATE", "5"]), Reply::ok());
    assert_eq!(c.cmd(&["DBSIZE"]), Reply::Int(5));
    assert_eq!(
        c.cmd(&["DEBUG", "POPULATE", "-1"]).error_text().unwrap(),
        "ERR value is out of range, must be positive"
    );
    assert_eq!(
        c.cmd(&["DEBUG", "NOPE"]).error_text().unwrap(),
        "ERR unknown subcommand or wrong number of arguments for 'NOPE'. Try DEBUG HELP."
    );
    assert_eq!(
        c.cmd(&["DEBUG"]).error_text().unwrap(),
        "ERR wrong number of arguments for 'debug' command"
    );
    let started = Instant::now();
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "0.2"]), Reply::ok());
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "abc"]), Reply::ok());
    assert_eq!(c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]), Reply::ok());
    assert!(c.cmd(&["DEBUG", "HELP"]).as_array().is_some());
}

#[test]
fn debug_populate_sleep_shards_1() {
    debug_body(&debug_server(1));
}

#[test]
fn debug_populate_sleep_shards_4() {
    debug_body(&debug_server(4));
}

#[test]
fn debug_is_refused_unless_enabled() {
    let srv = crate::start(2);
    let mut c = srv.conn();
    let e = c.cmd(&["DEBUG", "POPULATE", "10"]).error_text().unwrap();
    assert!(e.starts_with("ERR DEBUG command not allowed."), "{e}");
    assert_eq!(c.cmd(&["DBSIZE"]), Reply::Int(0));
}
