//! The command line, `tessera-server [config-file] [--directive value ...] [-]`,
//! with redis-server's grammar: options become config lines appended after the
//! file (and stdin), so they are checked by the same code and errors name a
//! line the same way. Reads files and stdin; starts nothing.
//!
//! This is parsed by hand rather than with clap: the option names are the
//! config directives themselves (an open set checked later by the table),
//! values are every argument up to the next `--name`, `--save` with no value
//! means `save ""`, `-` means stdin only in first or last position, and an
//! unknown option must fail as a config line with its line number. None of
//! that is clap's model of a fixed set of typed flags.

use crate::file::{io_reason, ConfigError, TESSERA_VERSION};
use crate::syntax::{quote, split_args};
use crate::Config;
use std::io::Read;

/// What the command line asks for.
#[derive(Debug)]
pub enum Loaded {
    /// Run the server with this configuration.
    Config(Box<Config>),
    /// Print [`usage`] and exit (`-h`, `--help`).
    Help,
    /// Print [`version_text`] and exit (`-v`, `--version`).
    Version,
}

/// Reads the configuration named by the command line. `args` are the
/// arguments after the program name (`std::env::args().skip(1)`). A `-`
/// argument reads more config from standard input. The error is the whole
/// message to print before exiting with status 1.
pub fn load_from_args(args: &[String]) -> Result<Loaded, String> {
    load_with_stdin(args, || {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    })
}

/// [`load_from_args`] with the standard-input reader passed in, for tests.
pub(crate) fn load_with_stdin(
    args: &[String],
    read_stdin: impl FnOnce() -> std::io::Result<String>,
) -> Result<Loaded, String> {
    match args.first().map(String::as_str) {
        Some("-v" | "--version") => return Ok(Loaded::Version),
        Some("-h" | "--help") => return Ok(Loaded::Help),
        _ => {}
    }
    // A first argument that does not start with '-' names the config file.
    let (file, rest) = match args.split_first() {
        Some((first, rest)) if !first.starts_with('-') => (Some(first.as_str()), rest),
        _ => (None, args),
    };
    let mut config = Config::default();
    let mut text = String::new();
    if let Some(file) = file {
        let path = std::path::absolute(file).unwrap_or_else(|_| file.into());
        text = std::fs::read_to_string(&path).map_err(|e| {
            ConfigError::Open {
                path: path.display().to_string(),
                reason: io_reason(&e),
            }
            .to_string()
        })?;
        config.config_file = Some(path.display().to_string());
    }
    let (options, from_stdin) = options_text(rest, file.is_none());
    if from_stdin {
        let input =
            read_stdin().map_err(|e| format!("Fatal error reading config from stdin: {e}"))?;
        // Keep the last file line and the first stdin line apart.
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&input);
    }
    if !options.is_empty() {
        // The newline before the options is why, with no file, the first
        // option is reported as line 2 (Redis counts the same way).
        text.push('\n');
        text.push_str(&options);
    }
    config.apply_text(&text).map_err(|e| e.to_string())?;
    // Fix `dir` to an absolute path now: the server changes into it at
    // start-up, after which a relative path would point somewhere else, and
    // CONFIG GET dir shows it absolute as Redis does.
    if let Ok(abs) = std::path::absolute(&config.dir) {
        config.dir = abs.components().collect();
    }
    Ok(Loaded::Config(Box::new(config)))
}

/// Turns the option arguments into config lines, one per `--directive`,
/// and says whether a `-` asked for stdin. `first_is_argv1` tells whether
/// `rest[0]` is the very first argument (no config file before it).
fn options_text(rest: &[String], first_is_argv1: bool) -> (String, bool) {
    let mut options = String::new();
    let mut from_stdin = false;
    // True right after a bare `--name`: the next argument is its value even
    // if it starts with `--`.
    let mut needs_value = false;
    for (j, arg) in rest.iter().enumerate() {
        let last = j + 1 == rest.len();
        if arg == "-" && ((j == 0 && first_is_argv1) || last) {
            from_stdin = true;
            continue;
        }
        if !needs_value && arg.starts_with("--") {
            if !options.is_empty() {
                options.push('\n');
            }
            options.push_str(&arg[2..]);
            options.push(' ');
            // `"--port 6380"` as one argument carries its own value.
            let words = split_args(arg).map_or(0, |w| w.len());
            needs_value = words == 1;
            let next_is_option = rest.get(j + 1).is_some_and(|n| n.starts_with("--"));
            if needs_value && arg[2..].eq_ignore_ascii_case("save") && (last || next_is_option) {
                // A bare `--save` means "no snapshots", as it did before
                // Redis 7; generated command lines rely on it.
                options.push_str("\"\"");
                needs_value = false;
            }
        } else {
            options.push_str(&quote(arg));
            options.push(' ');
            needs_value = false;
        }
    }
    (options, from_stdin)
}

/// The `--version` line.
pub fn version_text() -> String {
    format!(
        "Tessera server v={TESSERA_VERSION} bits={} arch={}",
        usize::BITS,
        std::env::consts::ARCH
    )
}

/// The `--help` text.
pub fn usage() -> String {
    "Usage: tessera-server [/path/to/tessera.conf] [options] [-]\n\
     \x20      tessera-server - (read config from stdin)\n\
     \x20      tessera-server -v or --version\n\
     \x20      tessera-server -h or --help\n\
     \n\
     Every config directive can be given as an option: --name value [value ...].\n\
     Options are applied after the config file and stdin, in order, so they win.\n\
     \n\
     Examples:\n\
     \x20      tessera-server (defaults: port 6379, one shard per CPU)\n\
     \x20      echo 'port 7777' | tessera-server -\n\
     \x20      tessera-server /etc/tessera/tessera.conf\n\
     \x20      tessera-server --port 7777 --shards 4\n\
     \x20      tessera-server --port 7777 --bind 127.0.0.1 -::1 --save ''\n\
     \x20      tessera-server /etc/tessera/tessera.conf --loglevel verbose -\n"
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn load(v: &[&str]) -> Result<Loaded, String> {
        load_with_stdin(&args(v), || panic!("stdin must not be read"))
    }

    fn run(v: &[&str]) -> Config {
        match load(v) {
            Ok(Loaded::Config(c)) => *c,
            other => panic!("{other:?}"),
        }
    }

    fn fatal(line: usize, text: &str, reason: &str) -> String {
        ConfigError::Line {
            line,
            text: text.into(),
            reason: reason.into(),
        }
        .to_string()
    }

    #[test]
    fn help_and_version_only_first() {
        assert!(matches!(load(&["-h"]), Ok(Loaded::Help)));
        assert!(matches!(load(&["--help"]), Ok(Loaded::Help)));
        assert!(matches!(load(&["-v"]), Ok(Loaded::Version)));
        assert!(matches!(load(&["--version"]), Ok(Loaded::Version)));
        assert!(version_text().contains(TESSERA_VERSION));
        assert!(usage().starts_with("Usage: tessera-server"));
        assert_eq!(
            load(&["--port", "7141", "--help"]).unwrap_err(),
            fatal(3, "help", "Bad directive or wrong number of arguments")
        );
    }

    #[test]
    fn no_arguments_means_defaults() {
        let c = run(&[]);
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(c.dir, cwd);
        assert_eq!(
            Config {
                dir: ".".into(),
                ..c
            },
            Config::default()
        );
    }

    #[test]
    fn dir_becomes_absolute() {
        let c = run(&["--dir", "data/./x"]);
        assert_eq!(c.dir, std::env::current_dir().unwrap().join("data/x"));
        assert_eq!(
            run(&["--dir", "/var/lib/tessera/"]).dir,
            std::path::Path::new("/var/lib/tessera")
        );
    }

    #[test]
    fn options_become_lines() {
        let c = run(&[
            "--port",
            "7141",
            "--bind",
            "127.0.0.1",
            "-::1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]);
        assert_eq!(c.port, 7141);
        assert_eq!(c.bind, args(&["127.0.0.1", "-::1"]));
        let c = run(&["--port 7142", "--hz", "20"]);
        assert_eq!((c.port, c.hz), (7142, 20));
        // A bare --save, before another option or at the end, means save "".
        run(&["--save", "--port", "1"]);
        run(&["--port", "1", "--save"]);
        // After a bare name, an argument starting with -- is its value.
        assert_eq!(
            load(&["--port", "--bogus"]).unwrap_err(),
            fatal(
                2,
                "port \"--bogus\"",
                "argument couldn't be parsed into an integer"
            )
        );
    }

    #[test]
    fn option_errors_name_lines_like_redis() {
        assert_eq!(
            load(&["--port", "7141", "--hz", "x"]).unwrap_err(),
            fatal(3, "hz \"x\"", "argument couldn't be parsed into an integer")
        );
        assert_eq!(
            load(&["--port", "7141", "--bind", "127.0.0.1", "::1", "--bogus"]).unwrap_err(),
            fatal(4, "bogus", "Bad directive or wrong number of arguments")
        );
        assert_eq!(
            load(&["--port 7141 x", "--bogus", "2"]).unwrap_err(),
            fatal(2, "port 7141 x", "wrong number of arguments")
        );
        assert_eq!(
            load(&["-x"]).unwrap_err(),
            fatal(2, "\"-x\"", "Bad directive or wrong number of arguments")
        );
        assert_eq!(
            load(&["--daemonize", "yes"]).unwrap_err(),
            fatal(
                2,
                "daemonize \"yes\"",
                "daemonize yes is not supported: Tessera runs in the foreground; use a supervisor such as systemd to run it in the background"
            )
        );
    }

    #[test]
    fn stdin_first_or_last_only() {
        let got = load_with_stdin(&args(&["-"]), || Ok("port 1\nbogus 2\n".into())).unwrap_err();
        assert_eq!(
            got,
            fatal(2, "bogus 2", "Bad directive or wrong number of arguments")
        );
        let got = load_with_stdin(&args(&["--hz", "20", "-"]), || Ok("port 1\n".into())).unwrap();
        let Loaded::Config(c) = got else { panic!() };
        assert_eq!((c.port, c.hz), (1, 20));
        // In the middle, '-' is a value like any other.
        assert_eq!(
            load(&["--port", "3", "-", "--bogus"]).unwrap_err(),
            fatal(2, "port \"3\" \"-\"", "wrong number of arguments")
        );
    }

    #[test]
    fn file_then_stdin_then_options() {
        let path = std::env::temp_dir().join(format!("tessera-cli-{}.conf", std::process::id()));
        std::fs::write(&path, "# test\nport 1000\nhz 11").unwrap();
        let p = path.display().to_string();
        let got = load_with_stdin(&args(&[&p, "--port", "2000", "-"]), || {
            Ok("hz 12\ntimeout 3\n".into())
        });
        let Ok(Loaded::Config(c)) = got else {
            panic!("{got:?}")
        };
        assert_eq!((c.port, c.hz, c.timeout), (2000, 12, 3));
        assert_eq!(c.config_file.as_deref(), Some(p.as_str()));
        std::fs::write(&path, "# test\nport 1000\n").unwrap();
        // Options start after a blank line that follows the file.
        assert_eq!(
            load(&[&p, "--bogus", "1"]).unwrap_err(),
            fatal(
                4,
                "bogus \"1\"",
                "Bad directive or wrong number of arguments"
            )
        );
        std::fs::remove_file(&path).unwrap();
        let missing = load(&[&p]).unwrap_err();
        assert!(
            missing.starts_with(&format!("Fatal error, can't open config file '{p}': ")),
            "{missing}"
        );
    }

    #[test]
    fn quoted_option_values_survive() {
        let c = run(&["--requirepass", "a \"b\"\n'c'", "--logfile", ""]);
        assert_eq!(c.requirepass.as_deref(), Some("a \"b\"\n'c'"));
        assert_eq!(c.logfile, "");
    }
}
