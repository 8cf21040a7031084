//! The real `talksearch serve` process over raw TCP: slow clients (slowloris), idle keep-alive
//! connections, oversized request heads, and shutdown with connections open.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::util::{fixture, spawn_serve, talksearch, talksearch_command};

/// A `serve` process on a free loopback port, over an index of the test fixture; killed on drop.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    _tmp: tempfile::TempDir,
}

impl Server {
    /// Starts `serve` with `args` added.
    pub fn start(args: &[&str]) -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let idx = tmp.path().join("index").display().to_string();
        let talks = fixture("talks.jsonl").display().to_string();
        let built = talksearch(&["--index", &idx, "index", &talks]);
        assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
        let mut command = talksearch_command(&["--index", &idx, "serve", "--addr", "127.0.0.1:0"]);
        command.args(args).env("RUST_LOG", "warn");
        let (child, addr) = spawn_serve(command);
        Server { child, addr, _tmp: tmp }
    }

    /// Sends `request` on a new connection and reads the answer to the end.
    pub fn send(&self, request: &[u8]) -> String {
        let mut conn = TcpStream::connect(&self.addr).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = conn.write_all(request);
        let mut answer = Vec::new();
        let _ = conn.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// `GET path` with `Connection: close`.
    pub fn get(&self, path: &str) -> String {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes())
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the server has closed `conn` (EOF or reset) without waiting for it.
fn closed_by_server(conn: &mut TcpStream) -> bool {
    conn.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 512];
    let closed = loop {
        match conn.read(&mut buf) {
            Ok(0) => break true,
            Ok(_) => continue, // an answer (408, ...) before the close
            Err(e) if e.kind() == ErrorKind::WouldBlock => break false,
            Err(_) => break true,
        }
    };
    conn.set_nonblocking(false).unwrap();
    closed
}

#[test]
fn slow_clients_are_dropped_while_others_are_answered() {
    let server = Server::start(&["--header-timeout", "2"]);
    let closed = Arc::new(AtomicUsize::new(0));
    let slow: Vec<_> = (0..20)
        .map(|_| {
            let mut conn = TcpStream::connect(&server.addr).unwrap();
            let closed = Arc::clone(&closed);
            std::thread::spawn(move || {
                let start = Instant::now();
                // One byte of a request head every 100 ms, never finishing it; at most 8 s.
                for byte in b"GET /api/search?q=".iter().cycle() {
                    if closed_by_server(&mut conn) || conn.write_all(&[*byte]).is_err() {
                        closed.fetch_add(1, Ordering::SeqCst);
                        return Some(start.elapsed());
                    }
                    if start.elapsed() > Duration::from_secs(8) {
                        return None;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                unreachable!()
            })
        })
        .collect();
    // With 20 slow clients connected, others are answered at once.
    for _ in 0..10 {
        let answer = server.get("/api/search?q=pypy");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    assert_eq!(closed.load(Ordering::SeqCst), 0, "the slow clients were still connected while others were answered");
    for handle in slow {
        let held = handle.join().unwrap().expect("a slow client was dropped within 8 s");
        assert!(held >= Duration::from_millis(1500), "dropped after {held:?}, before the 2 s header timeout");
    }
    assert!(server.get("/healthz").starts_with("HTTP/1.1 200"), "still serving");
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let server = Server::start(&["--header-timeout", "1"]);
    let mut conn = TcpStream::connect(&server.addr).unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let mut buf = [0u8; 4096];
    let n = conn.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    assert!(!closed_by_server(&mut conn), "kept alive after an answer");
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let start = Instant::now();
    let n = conn.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "closed, not answered: {}", String::from_utf8_lossy(&buf[..n]));
    assert!(start.elapsed() < Duration::from_secs(4), "closed by the server, not by the test's read timeout");
}

#[test]
fn oversized_heads_get_431_and_long_urls_414() {
    let server = Server::start(&[]);
    let answer = server.get(&format!("/api/search?q={}", "a".repeat(20_000)));
    assert!(answer.starts_with("HTTP/1.1 414"), "{answer}");
    assert!(answer.contains("\"uri_too_long\"") && answer.contains("content-security-policy"), "{answer}");

    let headers: String = (0..20).map(|i| format!("X-Filler-{i}: {}\r\n", "v".repeat(1000))).collect();
    let answer =
        server.send(format!("GET /healthz HTTP/1.1\r\nHost: t\r\n{headers}Connection: close\r\n\r\n").as_bytes());
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert!(answer.contains("\"headers_too_large\""), "{answer}");

    // Past 64 KiB hyper refuses the head itself: a 431 (or, if the client is still writing
    // when the server closes, a reset), never a read of the whole thing.
    for head in [
        format!("GET /api/search?q={} HTTP/1.1\r\nHost: t\r\n\r\n", "a".repeat(1 << 20)),
        format!("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n", "v".repeat(100_000)),
    ] {
        let answer = server.send(head.as_bytes());
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 431"), "{}", &answer[..answer.len().min(300)]);
    }
    let answer =
        server.send(b"GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(server.get("/healthz").starts_with("HTTP/1.1 200"), "still serving");
}

#[test]
fn shutdown_closes_idle_keep_alive_connections_and_exits_cleanly() {
    let mut server = Server::start(&["--header-timeout", "30"]);
    let mut conn = TcpStream::connect(&server.addr).unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let mut buf = [0u8; 4096];
    assert!(conn.read(&mut buf).unwrap() > 0);
    let start = Instant::now();
    let status = server.terminate();
    assert!(status.success(), "graceful shutdown exits 0, got {status:?}");
    assert!(start.elapsed() < Duration::from_secs(10), "an idle keep-alive connection does not hold shutdown");
}

#[test]
fn inconsistent_timeouts_are_refused_at_start() {
    let out =
        talksearch(&["--index", "/nonexistent-index", "serve", "--request-timeout", "30", "--idle-timeout", "20"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--idle-timeout") && err.contains("--request-timeout"), "{err}");
}
