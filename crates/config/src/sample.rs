//! The annotated sample config (`config/tessera.conf`), generated from the
//! directive table so the file can never drift from the code: a test fails
//! when the checked-in file differs. Formatting only; no parsing here.

use crate::table::{directives, Mutability};

/// Section headings, each placed before the directive that opens it.
const SECTIONS: &[(&str, &str)] = &[
    ("port", "Network"),
    ("daemonize", "Process and logging"),
    ("databases", "Keyspace and shards"),
    ("requirepass", "Security and client limits"),
    ("hz", "Background work and monitoring"),
    ("notify-keyspace-events", "Keyspace notifications"),
    (
        "save",
        "Persistence (accepted in the forms Tessera supports today)",
    ),
    ("maxmemory", "Memory limit and eviction"),
    ("replicaof", "Replication and cluster"),
    ("io-threads", "Compatibility"),
    (
        "list-max-listpack-size",
        "Compact encodings of small collections",
    ),
];

/// The text of `config/tessera.conf`: every directive set to its default,
/// with a one-line explanation, its other names and whether CONFIG SET can
/// change it.
pub fn sample_config() -> String {
    let mut out = String::from(
        "# Tessera sample configuration.\n\
         #\n\
         # Every directive Tessera knows is listed below with its default value,\n\
         # so loading this file unchanged gives the same server as no file at all.\n\
         # Start the server with:  tessera-server /path/to/tessera.conf\n\
         # Any directive can also be given on the command line (--port 7000), and\n\
         # command-line options win over the file.\n\
         #\n\
         # Syntax: one directive per line, arguments separated by spaces; quote a\n\
         # value with \"double\" (backslash escapes work) or 'single' quotes; lines\n\
         # starting with # are comments; `include /other/file.conf` reads another\n\
         # file in place. Sizes accept units: 1k = 1000 bytes, 1kb = 1024 bytes,\n\
         # likewise m/mb and g/gb, in any case.\n\
         #\n\
         # This file is generated from crates/config/src/table.rs; edit the table\n\
         # and regenerate it (TESSERA_BLESS=1 cargo test -p tessera-config).\n",
    );
    for d in directives() {
        if let Some((_, title)) = SECTIONS.iter().find(|(first, _)| *first == d.name) {
            out.push_str(&format!("\n################ {title} ################\n"));
        }
        out.push('\n');
        out.push_str(&format!("# {}\n", d.summary));
        if !d.aliases.is_empty() {
            out.push_str(&format!("# Also accepted as: {}.\n", d.aliases.join(", ")));
        }
        out.push_str(match d.mutability {
            Mutability::Mutable => "# CONFIG SET can change it at runtime.\n",
            Mutability::Immutable | Mutability::Protected => "# Fixed at start-up.\n",
        });
        out.push_str(&format!("{} {}\n", d.name, d.default));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    fn sample_path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/tessera.conf")
    }

    #[test]
    fn checked_in_sample_is_current() {
        let want = sample_config();
        if std::env::var_os("TESSERA_BLESS").is_some() {
            std::fs::write(sample_path(), &want).unwrap();
        }
        let have = std::fs::read_to_string(sample_path()).unwrap_or_default();
        assert!(
            have == want,
            "config/tessera.conf is out of date; run TESSERA_BLESS=1 cargo test -p tessera-config"
        );
    }

    #[test]
    fn sample_loads_to_the_defaults() {
        let c = Config::from_text(&sample_config()).unwrap();
        assert_eq!(c, Config::default());
        for d in directives() {
            assert!(
                sample_config().contains(&format!("\n{} ", d.name)),
                "{}",
                d.name
            );
        }
        for (first, _) in SECTIONS {
            assert!(directives().iter().any(|d| d.name == *first), "{first}");
        }
    }
}
