//! Configuration: every setting defined once, as clap arguments that also read the environment.
//!
//! | flag | environment | default |
//! |---|---|---|
//! | `--index DIR` | `TALKSEARCH_INDEX` | `index` |
//! | `--addr HOST:PORT` | `TALKSEARCH_ADDR` | `127.0.0.1:8080` |
//! | `--request-timeout SECS` | `TALKSEARCH_REQUEST_TIMEOUT` | `10` |
//! | `--cors-origin ORIGIN` | `TALKSEARCH_CORS_ORIGINS` | none |

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

/// How `serve` serves.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on. Binds to loopback by default: say 0.0.0.0:8080 to expose it.
    #[arg(long, value_name = "HOST:PORT", env = "TALKSEARCH_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Longest time a request may take before it is answered with 503, in seconds.
    #[arg(long, value_name = "SECS", env = "TALKSEARCH_REQUEST_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub request_timeout: u64,
    /// A web origin (`https://example.org`) allowed to call the API from its pages, e.g. with
    /// `/widget.js`; repeat, or separate with commas. None by default.
    #[arg(long = "cors-origin", value_name = "ORIGIN", env = "TALKSEARCH_CORS_ORIGINS", value_delimiter = ',',
          value_parser = parse_origin)]
    pub cors_origins: Vec<String>,
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
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig { addr: SocketAddr::from(([127, 0, 0, 1], 8080)), request_timeout: 10, cors_origins: Vec::new() }
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
}
