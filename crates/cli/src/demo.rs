//! `onshi demo`: from nothing to a running platform with a synthetic town.
//!
//! Creates (or reuses) the SQLite database in the data directory, generates a
//! town of `--people` residents (kept in `{data_dir}/demo-town-…` so a second
//! run reuses it), imports registry, members and facilities, then serves.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use onshi_app::import::Kind;
use onshi_synth::SynthConfig;

use crate::import_cmd;
use crate::settings::{self, ServeArgs};

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Residents in the synthetic town.
    #[arg(long, default_value_t = 10_000)]
    people: usize,
    /// Seed of the town.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Import and exit instead of serving (useful in scripts).
    #[arg(long)]
    no_serve: bool,
    #[command(flatten)]
    serve: ServeArgs,
}

pub(crate) async fn run(config_file: Option<PathBuf>, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let loaded = settings::load(config_file, &settings::serve_overrides(&args.serve)?)?;
    let data_dir = loaded.config.data_dir.clone();
    std::fs::create_dir_all(&data_dir)
        .map_err(|e| anyhow::anyhow!("cannot create the data directory {}: {e}", data_dir.display()))?;
    eprintln!("onshi demo: data directory {}", data_dir.display());
    eprintln!("database: {}", onshi_server::config::redact_url(&loaded.config.database_url()));
    let store = settings::open_store(&loaded).await?;

    let today = onshi_server::Clock::System.today();
    let counts = store.counts(today).await?;
    if counts.residents >= args.people as u64 {
        eprintln!("[1/4] reusing the town already in the database ({} residents)", counts.residents);
    } else {
        let town = data_dir.join(format!("demo-town-{}-seed{}-{}", args.people, args.seed, today));
        let config = SynthConfig { people: args.people, seed: args.seed, as_of: today, ..SynthConfig::default() };
        if town.join("facilities.csv").exists() {
            eprintln!("[1/4] reusing the generated town in {}", town.display());
        } else {
            eprintln!("[1/4] generating a town of {} people in {}", args.people, town.display());
            crate::synth_cmd::generate(&config, &town, false)?;
        }
        for (step, kind, file) in [
            (2, Kind::Registry, "registry.csv"),
            (3, Kind::Members, "members.csv"),
            (4, Kind::Facilities, "facilities.csv"),
        ] {
            eprintln!("[{step}/4] importing {file}");
            let path = town.join(file);
            let rejects = town.join(file.replace(".csv", ".rejects.csv"));
            let (report, elapsed) =
                import_cmd::import_file(store.clone(), kind, &path, rejects.clone(), 50_000, false).await?;
            import_cmd::print_report(&path, &report, elapsed, &rejects);
        }
    }
    let counts = store.counts(today).await?;
    eprintln!(
        "ready: {} residents, {} insurers, {} members ({} linked, {} eligible today), {} facilities",
        counts.residents,
        counts.insurers,
        counts.members,
        counts.members_linked,
        counts.members_eligible_today,
        counts.facilities
    );
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    onshi_server::init_tracing(loaded.config.log.format, &loaded.config.log.filter)?;
    settings::run_server(&loaded, store, |addr| {
        eprintln!();
        eprintln!("  open http://{addr}/           the landing page (日本語)");
        eprintln!("       http://{addr}/openapi.json  the API description");
        eprintln!("       http://{addr}/metrics       Prometheus metrics");
        eprintln!();
        eprintln!("  Ctrl-C stops the server; `onshi demo` again reuses the data.");
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}
