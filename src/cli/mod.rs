//! The command line: flags defined and validated once here, each command a thin call into the
//! library. [`main`] returns the process exit code; a closed stdout (`| head`) is not an error.
//!
//! Exit codes: 0 success, 1 failure (I/O, index), 2 usage error or bad option value,
//! 3 invalid input records (nothing imported), 4 talk not found.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use crate::config::{IndexConfig, ServeConfig};
use crate::error::{Error, Result};
use crate::facets::Facet;
use crate::ingest::{self, ReadOptions, Source};
use crate::search::{DEFAULT_LIMIT, Engine, Filters, SearchRequest, Sort};
use crate::store::IndexDir;
use crate::synonyms::Synonyms;
use crate::{eval, http, indexer};

mod import;
mod output;
mod update;
use output::{print_results, print_talk, use_color};

const QUERY_HELP: &str = "\
Query syntax:
  pypy jit              words; talks matching more of them rank higher
  \"event loop\"          exact phrase
  -django               exclude a word (or -\"a phrase\")
  title:jit             only in titles; also speaker:, event:, tag:, abstract:
  speaker:\"ned batchelder\"
  year:2012             talks from 2012; year:2010..2015 for a range
Malformed syntax (an unbalanced quote, an unknown field:) is read as plain words.";

const EXIT_CODES: &str = "\
Exit codes: 0 success, 1 failure (I/O, index), 2 usage error or bad option value,
3 invalid input records (nothing imported), 4 talk not found.";

/// talksearch: full-text search for conference talks.
#[derive(Debug, Parser)]
#[command(name = "talksearch", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    index: IndexConfig,
    /// Synonyms file replacing the bundled data/synonyms.txt (one group of equivalent forms a
    /// line, comma-separated).
    #[arg(long, value_name = "FILE", env = "TALKSEARCH_SYNONYMS", global = true)]
    synonyms: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the index from talk files (the bundled PyCon US 2012 listing if none), replacing
    /// the existing index atomically.
    #[command(after_help = "Formats: JSON Lines (.jsonl), JSON arrays (.json), frab/pretalx schedules (.xml, .json), \
                      CSV (.csv, --map FIELD=COLUMN), plain-text session listings (.txt), pyvideo data trees (a directory).")]
    Index {
        /// Files to import; none: the bundled listing.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        input: update::InputArgs,
    },
    /// Search the index.
    #[command(after_help = QUERY_HELP)]
    Search {
        /// The query.
        #[arg(value_name = "QUERY", required = true, num_args = 1..)]
        query: Vec<String>,
        /// Hits to show (1-100).
        #[arg(long, short = 'n', default_value_t = DEFAULT_LIMIT)]
        limit: usize,
        /// Hits to skip (0-10000).
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Print one JSON object, as the HTTP API returns it.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        refine: Refine,
    },
    /// Print one talk.
    Show {
        /// Talk id, e.g. pycon-us-2012/how-the-pypy-jit-works.
        id: String,
        /// Print the talk as JSON (its stored record).
        #[arg(long)]
        json: bool,
    },
    /// Measure relevance: run judged queries and print nDCG@10, Recall@100 and MRR@10.
    Eval {
        /// Queries, JSON Lines `{"id", "text"}`.
        #[arg(long, value_name = "FILE")]
        queries: PathBuf,
        /// Judgments, TSV `query-id corpus-id score` with a header line.
        #[arg(long, value_name = "FILE")]
        qrels: PathBuf,
        /// Also write a TREC run file (100 hits a query) here.
        #[arg(long, value_name = "FILE")]
        run: Option<PathBuf>,
    },
    /// Download talk data and build the index from it (`import pyvideo`).
    Import(import::ImportArgs),
    /// Serve the JSON API and the search page over HTTP.
    Serve {
        #[command(flatten)]
        config: ServeConfig,
    },
    /// Insert talks into the live index, replacing those with the same id, in one commit that
    /// a running server sees within a second.
    Add(update::AddArgs),
    /// Remove talks from the live index by id, in one commit (an unknown id: nothing removed, exit 4).
    Remove(update::RemoveArgs),
    /// Print what the index holds: talks, events, years, size, generation, last commit.
    Stats(update::StatsArgs),
    /// Write every talk out as JSON Lines, ordered by id (`index` reads it back).
    Export(update::ExportArgs),
}

/// Filters, facets and order of a search (the HTTP API's parameters of the same names).
#[derive(Debug, clap::Args)]
struct Refine {
    /// Only talks at this event (exact name); repeat for alternatives.
    #[arg(long, value_name = "NAME")]
    event: Vec<String>,
    /// Only talks by this speaker (exact name); repeat for alternatives.
    #[arg(long, value_name = "NAME")]
    speaker: Vec<String>,
    /// Only talks with this tag; repeat for alternatives.
    #[arg(long, value_name = "TAG")]
    tag: Vec<String>,
    /// Only talks in this language (as stored, e.g. eng); repeat for alternatives.
    #[arg(long, value_name = "CODE")]
    language: Vec<String>,
    /// Only talks from this year; repeat for alternatives.
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(u16).range(1000..=9999))]
    year: Vec<u16>,
    /// Only talks from this year on.
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(u16).range(1000..=9999))]
    year_from: Option<u16>,
    /// Only talks up to this year.
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(u16).range(1000..=9999))]
    year_to: Option<u16>,
    /// Count these facets over all matches (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',')]
    facets: Vec<Facet>,
    /// Order of hits.
    #[arg(long, value_enum, default_value_t = Sort::Relevance)]
    sort: Sort,
    /// Show a talk given at several events once.
    #[arg(long)]
    distinct: bool,
}

impl Refine {
    fn apply(self, req: &mut SearchRequest) {
        req.filters = Filters {
            event: self.event,
            speaker: self.speaker,
            tag: self.tag,
            language: self.language,
            year: self.year,
            year_from: self.year_from,
            year_to: self.year_to,
        };
        req.facets = self.facets;
        req.sort = self.sort;
        req.distinct = self.distinct;
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::BrokenPipe) => ExitCode::SUCCESS,
        Err(CliError::Talksearch(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// What can end a command.
enum CliError {
    /// stdout was closed by the reader: not an error.
    BrokenPipe,
    Talksearch(Error),
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Talksearch(e)
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Talksearch(Error::io("<stdout>", e))
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let dir = cli.index.index_dir();
    let synonyms = cli.synonyms;
    match cli.command {
        Command::Index { files, input } => {
            let sources: Vec<Source> =
                if files.is_empty() { vec![ingest::bundled()] } else { files.into_iter().map(Source::File).collect() };
            index(&dir, &sources, input.read_options())?;
        }
        Command::Search { query, limit, offset, json, refine } => {
            let engine = with_synonyms(open_or_build(&dir)?, synonyms.as_deref())?;
            let mut req = SearchRequest { limit, offset, ..SearchRequest::new(query.join(" ")) };
            refine.apply(&mut req);
            let resp = engine.search(&req)?;
            let mut out = io::stdout().lock();
            if json {
                serde_json::to_writer(&mut out, &resp).map_err(io::Error::from)?;
                writeln!(out)?;
            } else {
                print_results(&mut out, &resp, use_color())?;
            }
            out.flush()?;
        }
        Command::Show { id, json } => {
            let engine = Engine::open(dir)?;
            let talk = engine.get(&id)?;
            let mut out = io::stdout().lock();
            if json {
                serde_json::to_writer(&mut out, &talk).map_err(io::Error::from)?;
                writeln!(out)?;
            } else {
                print_talk(&mut out, &talk)?;
            }
            out.flush()?;
        }
        Command::Eval { queries, qrels, run } => {
            let engine = with_synonyms(Engine::open(dir)?, synonyms.as_deref())?;
            let queries = eval::read_queries(&queries)?;
            let qrels = eval::read_qrels(&qrels)?;
            let runs = eval::run(&engine, &queries)?;
            if let Some(path) = run {
                std::fs::write(&path, eval::trec_run(&runs, "talksearch")).map_err(|e| Error::io(&path, e))?;
            }
            let m = eval::score(&runs, &qrels);
            let mut out = io::stdout().lock();
            writeln!(
                out,
                "queries {}  nDCG@10 {:.4}  Recall@100 {:.4}  MRR@10 {:.4}",
                m.queries, m.ndcg_10, m.recall_100, m.mrr_10
            )?;
        }
        Command::Import(args) => import::run(&dir, args)?,
        Command::Serve { config } => {
            config.validate()?;
            let engine = with_synonyms(open_or_build(&dir)?, synonyms.as_deref())?;
            let engine = engine.with_cache(config.cache_entries as usize).with_threads(config.search_threads.into());
            http::serve(engine, config)?;
        }
        Command::Add(args) => update::add(&dir, args)?,
        Command::Remove(args) => update::remove(&dir, args)?,
        Command::Stats(args) => update::stats(&dir, args)?,
        Command::Export(args) => update::export(&dir, args)?,
    }
    Ok(())
}

/// The engine with the synonyms of `path` instead of the bundled ones, if given.
fn with_synonyms(engine: Engine, path: Option<&std::path::Path>) -> Result<Engine> {
    match path {
        Some(path) => Ok(engine.with_synonyms(Synonyms::load(path)?)),
        None => Ok(engine),
    }
}

/// Opens the index, first building it from the bundled listing if there is none.
fn open_or_build(dir: &IndexDir) -> Result<Engine> {
    if !dir.exists() {
        eprintln!(
            "No index at {} yet: building it from the bundled listing ({}).",
            dir.path().display(),
            ingest::BUNDLED_NAME
        );
        index(dir, &[ingest::bundled()], ReadOptions::default())?;
    }
    Engine::open(dir.clone())
}

fn index(dir: &IndexDir, sources: &[Source], opts: ReadOptions) -> Result<()> {
    let start = Instant::now();
    let import = ingest::read_sources(sources, opts)?;
    for r in &import.rejected {
        eprintln!("rejected: {r}");
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(import.talks.len() as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} talks {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let stats = indexer::build(dir, &import.talks, &mut |n| bar.set_position(n as u64))?;
    bar.finish_and_clear();
    eprintln!(
        "indexed {} talks, {} rejected, in {:.2} s into {}",
        stats.talks,
        import.rejected.len(),
        start.elapsed().as_secs_f64(),
        dir.path().display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
