//! Configuration: every setting defined once, as clap arguments that also read the environment.
//!
//! | flag | environment | default |
//! |---|---|---|
//! | `--index DIR` | `TALKSEARCH_INDEX` | `index` |
//! | `--addr HOST:PORT` | `TALKSEARCH_ADDR` | `127.0.0.1:8080` |
//! | `--request-timeout SECS` | `TALKSEARCH_REQUEST_TIMEOUT` | `10` |
//! | `--cors-origin ORIGIN` | `TALKSEARCH_CORS_ORIGINS` | none |
//! | `--write-token TOKEN` | `TALKSEARCH_WRITE_TOKEN` | none: no write API |
//! | `--max-body SIZE` | `TALKSEARCH_MAX_BODY` | `16MiB` |
//! | `--max-concurrent N` | `TALKSEARCH_MAX_CONCURRENT` | `64` |
//! | `--header-timeout SECS` | `TALKSEARCH_HEADER_TIMEOUT` | `10` |
//! | `--idle-timeout SECS` | `TALKSEARCH_IDLE_TIMEOUT` | `30` |

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::store::IndexDir;

/// Where the index lives.
#[derive(Debug, Clone, Args)]
pub struct IndexConfig {
    /// Index directory.
    #[arg(long = "index", value_name = "DIR", env = "TALKSEARCH_INDEX", default_value = "index", global = true)]
    pub dir: PathBuf,
}

impl IndexConfig {
    /// The index directory.
    pub fn index_dir(&self) -> IndexDir {
        IndexDir::new(&self.dir)
    }
}

/// Default largest write request body: 16 MiB.
pub const DEFAULT_MAX_BODY: usize = 16 << 20;

/// How `serve` serves.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on. Binds to loopback by default: say 0.0.0.0:8080 to expose it.
    #[arg(long, value_name = "HOST:PORT", env = "TALKSEARCH_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Longest time a request may take before it is answered with 503, in seconds (a write, or
    /// a wait for one; a search runs on the request's own thread and answers when it ends).
    #[arg(long, value_name = "SECS", env = "TALKSEARCH_REQUEST_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub request_timeout: u64,
    /// A web origin (`https://example.org`) allowed to call the API from its pages, e.g. with
    /// `/widget.js`; repeat, or separate with commas. None by default.
    #[arg(long = "cors-origin", value_name = "ORIGIN", env = "TALKSEARCH_CORS_ORIGINS", value_delimiter = ',',
          value_parser = parse_origin)]
    pub cors_origins: Vec<String>,
    /// Requests served at once; past it the server answers 503 with `Retry-After` at once
    /// instead of queueing.
    #[arg(long, value_name = "N", env = "TALKSEARCH_MAX_CONCURRENT", default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_concurrent: u32,
    /// Answers to recent distinct searches kept for the current index state and served again
    /// without ranking (a commit or re-index drops them all); 0 turns the cache off.
    #[arg(long, value_name = "N", env = "TALKSEARCH_CACHE_ENTRIES", default_value_t = 1_000,
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub cache_entries: u32,
    /// Threads one search may use: 2 lets a search that runs alone (no other search at the
    /// time) and right after another (the second core awake) hand half of its segments and
    /// hits to a helper thread; 1 keeps every search on one thread. Default: the cores, at
    /// most 2.
    #[arg(long, value_name = "N", env = "TALKSEARCH_SEARCH_THREADS", default_value_t = crate::fanout::Fanout::available() as u8,
          value_parser = clap::value_parser!(u8).range(1..=2))]
    pub search_threads: u8,
    /// Seconds a client has to send a request's head (line and headers), counted from when the
    /// connection opens or its previous answer was sent; an idle keep-alive connection is
    /// closed after it too.
    #[arg(long, value_name = "SECS", env = "TALKSEARCH_HEADER_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_timeout: u64,
    /// Seconds a connection may move no byte in either direction (a client that stops reading
    /// its answer, or trickles a body) before it is closed. Must exceed `--request-timeout`.
    #[arg(long, value_name = "SECS", env = "TALKSEARCH_IDLE_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(2..=3600))]
    pub idle_timeout: u64,
    /// Turns on the write API (`POST /api/talks`, `DELETE /api/talks/{id}`) for requests with
    /// `Authorization: Bearer TOKEN`; at least 16 characters. Prefer the environment variable:
    /// a command-line argument is visible to other users in the process list.
    #[arg(long, value_name = "TOKEN", env = "TALKSEARCH_WRITE_TOKEN", hide_env_values = true,
          value_parser = parse_token)]
    pub write_token: Option<WriteToken>,
    /// Largest write request body (`POST /api/talks`), in bytes or with a unit: 512KiB, 16MiB.
    #[arg(long, value_name = "SIZE", env = "TALKSEARCH_MAX_BODY", default_value = "16MiB",
          value_parser = parse_size)]
    pub max_body: usize,
}

/// The write API's bearer token. Its `Debug` form does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct WriteToken(pub String);

impl std::fmt::Debug for WriteToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteToken(..)")
    }
}

/// Shortest write token accepted, in characters.
pub const MIN_TOKEN_CHARS: usize = 16;

fn parse_token(text: &str) -> Result<WriteToken, String> {
    if text.chars().count() < MIN_TOKEN_CHARS {
        return Err(format!("a write token needs at least {MIN_TOKEN_CHARS} characters"));
    }
    if !text.chars().all(|c| c.is_ascii_graphic()) {
        return Err("a write token is printable ASCII without spaces (it travels in an HTTP header)".into());
    }
    Ok(WriteToken(text.to_string()))
}

/// A size: a whole number of bytes, optionally with a unit (`KiB`, `MiB`, `GiB`, or `K`, `M`, `G`
/// for the same binary multiples).
fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        _ => return Err(format!("{text:?}: unknown unit; use bytes, KiB, MiB or GiB")),
    };
    let n: usize = number.parse().map_err(|_| format!("{text:?} is not a size like 16MiB"))?;
    match n.checked_mul(1 << shift) {
        Some(0) | None => Err(format!("{text:?}: must be between 1 byte and {} bytes", usize::MAX)),
        Some(bytes) => Ok(bytes),
    }
}

/// An origin: `http` or `https`, a host, an optional port, nothing else.
fn parse_origin(text: &str) -> Result<String, String> {
    let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
    let ok = rest.is_some_and(|r| {
        !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    });
    if ok { Ok(text.to_string()) } else { Err(format!("{text:?} is not an origin like https://example.org")) }
}

impl ServeConfig {
    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout)
    }

    /// Checks settings that depend on each other: the idle timeout must outlast a request.
    pub fn validate(&self) -> Result<(), crate::Error> {
        if self.idle_timeout <= self.request_timeout {
            return Err(crate::Error::bad_param(
                "--idle-timeout",
                format!(
                    "{} s must be more than --request-timeout ({} s): a connection is idle while its request runs",
                    self.idle_timeout, self.request_timeout
                ),
            ));
        }
        Ok(())
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            request_timeout: 10,
            cors_origins: Vec::new(),
            write_token: None,
            max_body: DEFAULT_MAX_BODY,
            max_concurrent: 64,
            cache_entries: 1_000,
            search_threads: crate::fanout::Fanout::available() as u8,
            header_timeout: 10,
            idle_timeout: 30,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert!(parse_origin("https://example.org").is_ok());
        assert!(parse_origin("http://localhost:3000").is_ok());
        for bad in ["example.org", "https://", "https://a.org/path", "*", "javascript:alert(1)"] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_take_binary_units() {
        assert_eq!(parse_size("16MiB"), Ok(DEFAULT_MAX_BODY));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        for bad in ["", "0", "MiB", "12 parsecs", "-1", "99999999999999999999G"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn write_tokens_are_long_printable_and_not_shown_in_debug() {
        assert!(parse_token("short").is_err());
        assert!(parse_token("sixteen chars ok").is_err(), "no spaces");
        let token = parse_token("0123456789abcdef").unwrap();
        assert_eq!(format!("{token:?}"), "WriteToken(..)");
    }

    #[test]
    fn serve_binds_to_loopback_unless_told_otherwise() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeConfig,
        }
        if std::env::var_os("TALKSEARCH_ADDR").is_some() {
            println!("skipped: TALKSEARCH_ADDR is set");
            return;
        }
        let parsed = <Cli as clap::Parser>::try_parse_from(["talksearch"]).unwrap();
        assert_eq!(parsed.serve.addr, SocketAddr::from(([127, 0, 0, 1], 8080)));
        assert!(parsed.serve.addr.ip().is_loopback() && ServeConfig::default().addr.ip().is_loopback());
    }

    #[test]
    fn the_idle_timeout_must_outlast_a_request() {
        assert!(ServeConfig::default().validate().is_ok());
        let config = ServeConfig { request_timeout: 30, idle_timeout: 30, ..ServeConfig::default() };
        let message = config.validate().unwrap_err().to_string();
        assert!(message.starts_with("parameter `--idle-timeout`: 30 s must be more"), "{message}");
    }

    #[test]
    fn a_search_uses_one_or_two_threads() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeConfig,
        }
        let parse = |n: &str| <Cli as clap::Parser>::try_parse_from(["talksearch", "--search-threads", n]);
        assert_eq!(parse("1").unwrap().serve.search_threads, 1);
        assert_eq!(parse("2").unwrap().serve.search_threads, 2);
        for bad in ["0", "3", "many"] {
            let message = parse(bad).err().expect("rejected").to_string();
            assert!(message.contains("--search-threads"), "{bad}: {message}");
        }
    }
}
