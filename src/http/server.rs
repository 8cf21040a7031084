//! The connection loop: hyper's HTTP/1 server over a tokio listener, with the limits a router
//! cannot set.
//!
//! - A request head (request line and headers) must arrive within `--header-timeout` seconds
//!   of the connection opening or of its previous answer; hyper closes the connection past it,
//!   so a client that trickles its head (slowloris) or sits idle on a keep-alive connection
//!   holds nothing for long.
//! - A head over [`MAX_HEAD_BYTES`] is answered 431 by hyper and the connection closed.
//! - A connection that moves no byte either way for `--idle-timeout` seconds (a client that
//!   stops reading its answer, or trickles a body) is closed ([`IdleTimeout`]).
//! - Shutdown stops accepting, lets requests in flight finish (up to the request timeout and a
//!   second), and closes idle keep-alive connections at once.

use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::time::{Instant, Sleep};

use super::layers::MAX_HEAD_BYTES;
use crate::config::ServeConfig;

/// Serves `router` on `listener` until `shutdown` completes, then drains connections.
pub async fn run(listener: TcpListener, router: Router, config: &ServeConfig, shutdown: impl Future<Output = ()>) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(config.header_timeout))
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    let idle = Duration::from_secs(config.idle_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(IdleTimeout::new(stream, idle));
        let connection = graceful.watch(builder.serve_connection(io, TowerToHyperService::new(router.clone())));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let grace = config.timeout() + Duration::from_secs(1);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(grace) => tracing::warn!("connections still open after {grace:?}; closing them"),
    }
}

/// An accept error: a connection that went away before it was accepted is nothing; running out
/// of file descriptors or memory is logged and waited out instead of spinning.
async fn accept_failed(e: &io::Error) {
    use io::ErrorKind::*;
    if matches!(e.kind(), ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted) {
        return;
    }
    tracing::warn!(error = %e, "could not accept a connection");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// An I/O stream that fails with [`io::ErrorKind::TimedOut`] once it has moved no byte in
/// either direction for its timeout while a read or write waits.
pub struct IdleTimeout<T> {
    io: T,
    timeout: Duration,
    last_progress: Instant,
    timer: Pin<Box<Sleep>>,
}

impl<T> IdleTimeout<T> {
    /// Wraps `io`.
    pub fn new(io: T, timeout: Duration) -> Self {
        let now = Instant::now();
        IdleTimeout { io, timeout, last_progress: now, timer: Box::pin(tokio::time::sleep_until(now + timeout)) }
    }

    fn progress(&mut self) {
        // Only a clock read per transfer: the timer is moved when it fires, not on every byte.
        self.last_progress = Instant::now();
    }

    /// Called when the stream would wait: an error once the deadline has passed.
    fn expired<R>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        loop {
            let deadline = self.last_progress + self.timeout;
            if self.timer.deadline() != deadline {
                self.timer.as_mut().reset(deadline);
            }
            match self.timer.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) if Instant::now() >= self.last_progress + self.timeout => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("no byte moved for {:?}", self.timeout),
                    )));
                }
                Poll::Ready(()) => {}
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for IdleTimeout<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    this.progress();
                }
                Poll::Ready(result)
            }
            Poll::Pending => this.expired(cx),
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_write(cx, buf) {
            Poll::Ready(result) => {
                if matches!(result, Ok(n) if n > 0) {
                    this.progress();
                }
                Poll::Ready(result)
            }
            Poll::Pending => this.expired(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_write_vectored(cx, bufs) {
            Poll::Ready(result) => {
                if matches!(result, Ok(n) if n > 0) {
                    this.progress();
                }
                Poll::Ready(result)
            }
            Poll::Pending => this.expired(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_flush(cx) {
            Poll::Pending => this.expired(cx),
            ready => ready,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_silent_peer_times_out_and_a_talking_one_does_not() {
        let (ours, mut theirs) = tokio::io::duplex(64);
        let mut stream = IdleTimeout::new(ours, Duration::from_millis(300));
        let talker = tokio::spawn(async move {
            for _ in 0..5 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                theirs.write_all(b"x").await.unwrap();
            }
            theirs // then silence, connection kept open
        });
        let mut got = Vec::new();
        let start = std::time::Instant::now();
        let err = loop {
            let mut byte = [0u8; 1];
            match stream.read(&mut byte).await {
                Ok(n) => got.extend_from_slice(&byte[..n]),
                Err(e) => break e,
            }
        };
        let _theirs = talker.await.unwrap();
        assert_eq!(got, b"xxxxx", "every trickled byte arrives: progress resets the clock");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(750), "timed out only after 300 ms of silence: {waited:?}");
    }

    #[tokio::test]
    async fn a_peer_that_stops_reading_times_the_writer_out() {
        let (ours, _theirs) = tokio::io::duplex(64);
        let mut stream = IdleTimeout::new(ours, Duration::from_millis(200));
        let err = stream.write_all(&[0u8; 4096]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
