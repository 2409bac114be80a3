//! `tessera-server`: the binary. Parses the command line and config file the
//! way redis-server does, sets up logging and the allocator, checks that
//! io_uring is usable, and hands over to the runtime.

use std::process::ExitCode;

#[global_allocator]
static GLOBAL: tessera_runtime::alloc::Counting = tessera_runtime::alloc::Counting;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let loaded = match tessera_config::load_from_args(&args[1..]) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let config = match loaded {
        tessera_config::Loaded::Config(c) => *c,
        tessera_config::Loaded::Help => {
            println!("{}", tessera_config::usage());
            return ExitCode::SUCCESS;
        }
        tessera_config::Loaded::Version => {
            println!(
                "Tessera server v={} (Redis {} compatible) bits=64",
                env!("CARGO_PKG_VERSION"),
                tessera_runtime::cmds::REDIS_VERSION
            );
            return ExitCode::SUCCESS;
        }
    };
    init_logging(&config.loglevel);
    if let Err(e) =
        std::fs::create_dir_all(&config.dir).and_then(|_| std::env::set_current_dir(&config.dir))
    {
        eprintln!("Can't chdir to '{}': {e}", config.dir.display());
        return ExitCode::from(1);
    }
    if let Err(e) = tessera_runtime::server::preflight() {
        eprintln!("{e}");
        return ExitCode::from(1);
    }
    let cpus = tessera_config::allowed_cpu_list();
    let shards = config
        .shards
        .unwrap_or_else(tessera_config::available_cpus)
        .max(1);
    let opts = tessera_runtime::server::Options {
        shards,
        // Pin only when asked (`shard-affinity yes`, the default) and every
        // shard gets a CPU of its own; with more shards than CPUs, or other
        // busy processes on these CPUs, the kernel places threads better.
        cpus: if shards <= cpus.len() && config.shard_affinity {
            cpus
        } else {
            Vec::new()
        },
        executable: std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        config_file: config.config_file.clone(),
    };
    tessera_runtime::server::block_signals();
    match tessera_runtime::run(config, opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

/// Logs through `tracing`, with Redis's level names.
fn init_logging(level: &str) {
    let filter = match level {
        "debug" => "debug",
        "verbose" => "info",
        "notice" => "info",
        "warning" => "warn",
        "nothing" => "off",
        _ => "info",
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_target(false)
        .with_writer(std::io::stdout)
        .try_init();
}
