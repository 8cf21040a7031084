//! The commands that change or read out the live index: `add`, `remove`, `stats`, `export`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::CliError;
use crate::error::{Error, Result};
use crate::export::{self, ExportFormat};
use crate::ingest::{self, Format, ReadOptions, Source};
use crate::stats::{self, Stats};
use crate::store::IndexDir;
use crate::update::{self, Applied};

/// How input files are read (`index` and `add`).
#[derive(Debug, clap::Args)]
pub(super) struct InputArgs {
    /// Take the valid records and list the rejected ones, instead of failing.
    #[arg(long)]
    skip_invalid: bool,
    /// Read every file in this format instead of detecting it.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// CSV: read record FIELD from column COLUMN (repeatable), e.g. --map abstract=description.
    #[arg(long, value_name = "FIELD=COLUMN", value_parser = ingest::csv_table::parse_map)]
    map: Vec<(String, String)>,
}

impl InputArgs {
    pub(super) fn read_options(self) -> ReadOptions {
        ReadOptions { format: self.format, skip_invalid: self.skip_invalid, map: self.map }
    }
}

/// Longest wait for another process writing the index.
#[derive(Debug, clap::Args)]
pub(super) struct WaitArg {
    /// Seconds to wait for another process that is writing the index, then fail.
    #[arg(long, value_name = "SECS", default_value_t = update::LOCK_PATIENCE.as_secs(),
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    wait: u64,
}

/// `talksearch add`.
#[derive(Debug, clap::Args)]
pub(super) struct AddArgs {
    /// Files of talks, in any format `index` reads.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    wait: WaitArg,
}

/// `talksearch remove`.
#[derive(Debug, clap::Args)]
pub(super) struct RemoveArgs {
    /// Ids of the talks to remove.
    #[arg(value_name = "ID", required = true)]
    ids: Vec<String>,
    #[command(flatten)]
    wait: WaitArg,
}

/// `talksearch stats`.
#[derive(Debug, clap::Args)]
pub(super) struct StatsArgs {
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// `talksearch export`.
#[derive(Debug, clap::Args)]
pub(super) struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    format: ExportFormat,
    /// Write to this file (replaced only once complete) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

pub(super) fn add(dir: &IndexDir, args: AddArgs) -> Result<(), CliError> {
    let start = Instant::now();
    let sources: Vec<Source> = args.files.into_iter().map(Source::File).collect();
    let import = ingest::read_sources(&sources, args.input.read_options())?;
    for r in &import.rejected {
        eprintln!("rejected: {r}");
    }
    let applied = update::upsert(dir, &import.talks, Duration::from_secs(args.wait.wait))?;
    let Applied { added, replaced, talks, .. } = applied;
    eprintln!(
        "added {} talks ({added} new, {replaced} replaced), {} rejected, in {:.2} s; the index holds {talks} talks",
        added + replaced,
        import.rejected.len(),
        start.elapsed().as_secs_f64(),
    );
    Ok(())
}

pub(super) fn remove(dir: &IndexDir, args: RemoveArgs) -> Result<(), CliError> {
    let start = Instant::now();
    let applied = update::remove(dir, &args.ids, Duration::from_secs(args.wait.wait))?;
    eprintln!(
        "removed {} talks in {:.2} s; the index holds {} talks",
        applied.removed,
        start.elapsed().as_secs_f64(),
        applied.talks
    );
    Ok(())
}

pub(super) fn stats(dir: &IndexDir, args: StatsArgs) -> Result<(), CliError> {
    let stats = stats::stats(dir)?;
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &stats).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        print_stats(&mut out, &stats)?;
    }
    out.flush()?;
    Ok(())
}

fn print_stats(out: &mut dyn Write, s: &Stats) -> io::Result<()> {
    let years = match (s.years.first, s.years.last) {
        (Some(first), Some(last)) => format!("{first}-{last} ({} distinct)", s.years.count),
        _ => "none dated".to_string(),
    };
    writeln!(out, "talks        {}", s.talks)?;
    writeln!(out, "events       {}", s.events)?;
    writeln!(out, "years        {years}")?;
    writeln!(out, "index size   {:.1} MB ({} bytes)", s.index_bytes as f64 / 1e6, s.index_bytes)?;
    writeln!(out, "generation   {}", s.generation)?;
    writeln!(out, "last commit  {}", s.last_commit.as_deref().unwrap_or("unknown"))
}

pub(super) fn export(dir: &IndexDir, args: ExportArgs) -> Result<(), CliError> {
    let ExportFormat::Jsonl = args.format;
    let written = match &args.output {
        Some(path) => export::write_jsonl_file(dir, path)?,
        None => match export::write_jsonl(dir, &mut io::stdout().lock(), "<stdout>") {
            Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => {
                return Err(CliError::BrokenPipe);
            }
            other => other?,
        },
    };
    if let Some(path) = &args.output {
        eprintln!("exported {written} talks to {}", path.display());
    }
    Ok(())
}
