//! The connection layer under hyper: each request head is read and checked here before hyper
//! parses it, so every answer — including those to requests too malformed or too large to reach a
//! handler — goes through the server's own code, with its security headers and error shape.
//!
//! hyper answers a head it cannot parse by itself (`400`, `414`, `431`, a bare status without
//! headers or body). [`Checked`] sits between the socket and hyper, finds each request head of a
//! connection (following `Content-Length` and chunked bodies to the next one), and checks it with
//! the same parser hyper uses (`httparse`) against limits tighter than hyper's. A head it refuses
//! never reaches hyper: hyper is handed a small well-formed request instead, carrying the status in
//! the [`REJECTED`] header and `Connection: close`, which the request guard answers
//! ([`super::limits::guard`]); the rest of what the client sent is read and dropped. Framing hyper
//! would read differently (both `Transfer-Encoding` and `Content-Length`, differing lengths, a
//! transfer coding other than `chunked`) is refused the same way, so the two never disagree about
//! where a request ends.

use axum::http::{HeaderName, HeaderValue, Method, Uri};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The header of the stand-in request for a refused head: the status to answer with.
pub(crate) const REJECTED: &str = "x-atlas-rejected";

/// Most header lines a request may have (more is `431`).
const MAX_HEADERS: usize = 100;
/// Longest chunk-size or trailer line of a chunked body.
const MAX_LINE: usize = 4096;
/// Most bytes read and dropped after a refusal (so the client reads the answer, not a reset).
const DRAIN: usize = 1 << 20;

/// Sizes a request head must keep to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeadLimits {
    /// The whole head: request line and headers (`431` above).
    pub head: usize,
    /// The request target (`414` above).
    pub uri: usize,
    /// A declared `Content-Length` (`413` above).
    pub body: usize,
}

/// What the bytes read so far hold.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Not a whole head yet.
    Partial,
    /// A head of `len` bytes followed by a body framed as `body`.
    Complete { len: usize, body: Body },
    /// Refused with a status; `api` when the target was an API path.
    Reject { status: u16, api: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Length(u64),
    Chunked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// A chunk-size line.
    Size,
    /// Bytes of the current chunk left.
    Data(u64),
    /// The CRLF after a chunk's data.
    DataEnd,
    /// Trailer lines up to the empty line.
    Trailer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    Length(u64),
    Chunked(Chunk),
    /// A head was refused: hyper has its stand-in; the rest is dropped.
    Rejected {
        drained: usize,
    },
}

/// A socket whose request heads are checked before hyper reads them.
pub(crate) struct Checked<S> {
    inner: S,
    limits: HeadLimits,
    state: State,
    /// Read from the socket, not yet judged.
    pending: Vec<u8>,
    /// Judged, not yet handed to hyper.
    ready: Vec<u8>,
    ready_at: usize,
}

impl<S> Checked<S> {
    pub(crate) fn new(inner: S, limits: HeadLimits) -> Self {
        Checked {
            inner,
            limits,
            state: State::Head,
            pending: Vec::new(),
            ready: Vec::new(),
            ready_at: 0,
        }
    }

    /// Moves the first `n` pending bytes to hyper's side.
    fn pass(&mut self, n: usize) {
        if self.ready_at == self.ready.len() {
            self.ready.clear();
            self.ready_at = 0;
        }
        self.ready.extend(self.pending.drain(..n));
    }

    /// Judges pending bytes as far as they go: moves what is judged to hyper's side, or replaces
    /// a refused head with its stand-in.
    fn advance(&mut self) -> io::Result<()> {
        loop {
            match self.state {
                State::Head => match judge(&self.pending, self.limits) {
                    _ if self.pending.is_empty() => return Ok(()),
                    Verdict::Partial => return Ok(()),
                    Verdict::Complete { len, body } => {
                        self.pass(len);
                        self.state = match body {
                            Body::Length(n) => State::Length(n),
                            Body::Chunked => State::Chunked(Chunk::Size),
                        };
                    }
                    Verdict::Reject { status, api } => {
                        tracing::debug!(status, "refused a request head");
                        let path = if api { "/api/" } else { "/" };
                        self.pending.clear();
                        self.pass(0);
                        self.ready.extend_from_slice(
                            format!(
                                "GET {path} HTTP/1.1\r\nhost: atlas\r\nconnection: close\r\n{REJECTED}: {status}\r\n\r\n"
                            )
                            .as_bytes(),
                        );
                        self.state = State::Rejected { drained: 0 };
                        return Ok(());
                    }
                },
                State::Length(0) => self.state = State::Head,
                State::Length(n) => {
                    if self.pending.is_empty() {
                        return Ok(());
                    }
                    let take = self
                        .pending
                        .len()
                        .min(usize::try_from(n).unwrap_or(usize::MAX));
                    self.pass(take);
                    self.state = State::Length(n - take as u64);
                }
                State::Chunked(c) => match chunk_step(c, &self.pending)? {
                    None => return Ok(()),
                    Some((used, next)) => {
                        self.pass(used);
                        self.state = next;
                    }
                },
                State::Rejected { .. } => return Ok(()),
            }
        }
    }
}

/// One step of a chunked body: bytes used and the state after them, `None` when more is needed.
fn chunk_step(c: Chunk, buf: &[u8]) -> io::Result<Option<(usize, State)>> {
    let bad =
        |why: &str| io::Error::new(io::ErrorKind::InvalidData, format!("chunked body: {why}"));
    let line = |buf: &[u8]| -> io::Result<Option<usize>> {
        match buf.windows(2).position(|w| w == b"\r\n") {
            Some(i) if i <= MAX_LINE => Ok(Some(i)),
            Some(_) => Err(bad("line too long")),
            None if buf.len() > MAX_LINE => Err(bad("line too long")),
            None => Ok(None),
        }
    };
    Ok(match c {
        Chunk::Size => line(buf)?
            .map(|i| -> io::Result<_> {
                let text = std::str::from_utf8(&buf[..i]).map_err(|_| bad("size"))?;
                let hex = text
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim_end_matches([' ', '\t']);
                if hex.is_empty() || hex.len() > 16 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(bad("size"));
                }
                let n = u64::from_str_radix(hex, 16).map_err(|_| bad("size"))?;
                let next = if n == 0 {
                    Chunk::Trailer
                } else {
                    Chunk::Data(n)
                };
                Ok((i + 2, State::Chunked(next)))
            })
            .transpose()?,
        Chunk::Data(n) => {
            if buf.is_empty() {
                None
            } else {
                let take = buf.len().min(usize::try_from(n).unwrap_or(usize::MAX));
                let left = n - take as u64;
                let next = if left == 0 {
                    Chunk::DataEnd
                } else {
                    Chunk::Data(left)
                };
                Some((take, State::Chunked(next)))
            }
        }
        Chunk::DataEnd => match buf {
            [] | [b'\r'] => None,
            [b'\r', b'\n', ..] => Some((2, State::Chunked(Chunk::Size))),
            _ => return Err(bad("no CRLF after a chunk")),
        },
        Chunk::Trailer => line(buf)?.map(|i| {
            let next = if i == 0 {
                State::Head
            } else {
                State::Chunked(Chunk::Trailer)
            };
            (i + 2, next)
        }),
    })
}

/// Whether a request target is an API path (its refusal is answered as JSON).
fn api_target(buf: &[u8]) -> bool {
    let target = buf.split(|b| *b == b' ').nth(1).unwrap_or_default();
    [&b"/api/"[..], b"/metrics", b"/hooks/"]
        .iter()
        .any(|p| target.starts_with(p))
}

/// Judges the bytes of a request head read so far.
fn judge(buf: &[u8], limits: HeadLimits) -> Verdict {
    let reject = |status| Verdict::Reject {
        status,
        api: api_target(buf),
    };
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => {
            // Still reading: refuse as soon as a limit is certainly passed.
            let line = buf.iter().position(|b| *b == b'\n').unwrap_or(buf.len());
            return if line > limits.uri + 32 {
                reject(414)
            } else if buf.len() > limits.head {
                reject(431)
            } else {
                Verdict::Partial
            };
        }
        Err(httparse::Error::TooManyHeaders) => return reject(431),
        Err(_) => return reject(400),
    };
    let path = req.path.unwrap_or_default();
    if path.len() > limits.uri {
        return reject(414);
    }
    if len > limits.head {
        return reject(431);
    }
    let method = req.method.unwrap_or_default();
    match Method::from_bytes(method.as_bytes()) {
        Ok(m) if m != Method::CONNECT => {}
        _ => return reject(400),
    }
    if Uri::try_from(path).is_err() {
        return reject(400);
    }
    let http11 = req.version == Some(1);
    let mut length: Option<u64> = None;
    let mut chunked = None;
    for h in req.headers.iter() {
        let Ok(name) = HeaderName::from_bytes(h.name.as_bytes()) else {
            return reject(400);
        };
        if HeaderValue::from_bytes(h.value).is_err() {
            return reject(400);
        }
        if name == axum::http::header::TRANSFER_ENCODING {
            let value = std::str::from_utf8(h.value).unwrap_or("").trim();
            if !http11 || chunked.is_some() || !value.eq_ignore_ascii_case("chunked") {
                return reject(400);
            }
            chunked = Some(());
        } else if name == axum::http::header::CONTENT_LENGTH {
            let value = std::str::from_utf8(h.value).unwrap_or("").trim();
            let n = match value.parse::<u64>() {
                Ok(n) if value.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => return reject(400),
            };
            if length.is_some_and(|l| l != n) {
                return reject(400);
            }
            length = Some(n);
        }
    }
    let body = match (chunked, length) {
        (Some(()), Some(_)) => return reject(400),
        (Some(()), None) => Body::Chunked,
        (None, Some(n)) if n > limits.body as u64 => return reject(413),
        (None, n) => Body::Length(n.unwrap_or(0)),
    };
    Verdict::Complete { len, body }
}

impl<S: AsyncRead + Unpin> AsyncRead for Checked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if this.ready_at < this.ready.len() {
                let n = (this.ready.len() - this.ready_at).min(buf.remaining());
                buf.put_slice(&this.ready[this.ready_at..this.ready_at + n]);
                this.ready_at += n;
                return Poll::Ready(Ok(()));
            }
            if let State::Rejected { drained } = this.state {
                // hyper has its stand-in and answers it; what else arrives is read and dropped
                // until the answer is written and hyper closes (never an end of input for hyper,
                // which would drop the answer).
                if drained >= DRAIN {
                    return Poll::Pending;
                }
                let mut scratch = [0u8; 8192];
                let mut rb = ReadBuf::new(&mut scratch);
                match ready!(Pin::new(&mut this.inner).poll_read(cx, &mut rb)) {
                    Ok(()) if rb.filled().is_empty() => return Poll::Pending,
                    Ok(()) => {
                        this.state = State::Rejected {
                            drained: drained + rb.filled().len(),
                        };
                        continue;
                    }
                    Err(_) => return Poll::Pending,
                }
            }
            this.advance()?;
            if this.ready_at < this.ready.len() || matches!(this.state, State::Rejected { .. }) {
                continue;
            }
            let mut scratch = [0u8; 8192];
            let mut rb = ReadBuf::new(&mut scratch);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut rb))?;
            if rb.filled().is_empty() {
                // End of input: whatever partial head or body is pending, hyper sees the end.
                return Poll::Ready(Ok(()));
            }
            this.pending.extend_from_slice(rb.filled());
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Checked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const LIMITS: HeadLimits = HeadLimits {
        head: 1024,
        uri: 128,
        body: 64,
    };

    #[test]
    fn heads_are_judged_as_hyper_would_read_them() {
        let ok = b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
        assert_eq!(
            judge(ok, LIMITS),
            Verdict::Complete {
                len: ok.len(),
                body: Body::Length(0)
            }
        );
        assert_eq!(judge(&ok[..10], LIMITS), Verdict::Partial);
        let post = b"POST /api/x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(
            judge(post, LIMITS),
            Verdict::Complete {
                len: post.len() - 5,
                body: Body::Length(5)
            }
        );
        let rejected = |head: &[u8]| match judge(head, LIMITS) {
            Verdict::Reject { status, .. } => status,
            other => panic!("{other:?} for {}", String::from_utf8_lossy(head)),
        };
        assert_eq!(rejected(b"GET /x HTTP/1.1\r\nBad\x01Name: a\r\n\r\n"), 400);
        assert_eq!(rejected(b"GET /x HTTP/1.1\r\nA: b\x7fc\r\n\r\n"), 400);
        assert_eq!(rejected(b"G\x01T /x HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(rejected(b"CONNECT a:443 HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(
            rejected(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"),
            400
        );
        assert_eq!(
            rejected(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"),
            400
        );
        assert_eq!(
            rejected(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
            400
        );
        assert_eq!(
            rejected(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            400
        );
        assert_eq!(
            rejected(b"POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n"),
            413
        );
        let long = format!("GET /{} HTTP/1.1\r\n", "a".repeat(200));
        assert_eq!(rejected(long.as_bytes()), 414, "known before the head ends");
        let big = format!("GET / HTTP/1.1\r\nA: {}\r\n", "b".repeat(2000));
        assert_eq!(rejected(big.as_bytes()), 431);
        let many: String = (0..=MAX_HEADERS).map(|i| format!("h{i}: v\r\n")).collect();
        assert_eq!(
            rejected(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()),
            431
        );
        assert!(matches!(
            judge(b"GET /api/x HTTP/1.1\r\nA\x01: b\r\n\r\n", LIMITS),
            Verdict::Reject { api: true, .. }
        ));
    }

    /// What hyper would be handed for `input` sent in pieces of `step` bytes.
    async fn through(input: &[u8], step: usize) -> Vec<u8> {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let mut checked = Checked::new(server, LIMITS);
        let data = input.to_vec();
        let writer = tokio::spawn(async move {
            for piece in data.chunks(step) {
                client.write_all(piece).await.unwrap();
                tokio::task::yield_now().await;
            }
            client
        });
        let mut got = vec![];
        let mut buf = [0u8; 7];
        loop {
            let read = tokio::time::timeout(
                std::time::Duration::from_millis(300),
                checked.read(&mut buf),
            )
            .await;
            match read {
                Ok(Ok(0)) | Err(_) => break,
                Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
                Ok(Err(e)) => panic!("{e}"),
            }
        }
        drop(writer.await.unwrap());
        got
    }

    #[tokio::test]
    async fn bodies_are_followed_to_the_next_head() {
        let stream: &[u8] = b"POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\nGET POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\nGET /c HTTP/1.1\r\n\r\n";
        for step in [1, 3, stream.len()] {
            assert_eq!(through(stream, step).await, stream, "step {step}");
        }
    }

    #[tokio::test]
    async fn a_refused_head_reaches_hyper_as_a_stand_in() {
        let stream: &[u8] = b"GET /ok HTTP/1.1\r\n\r\nGET /api/x HTTP/1.1\r\nA\x01: b\r\n\r\nGET /never HTTP/1.1\r\n\r\n";
        let got = String::from_utf8(through(stream, 5).await).unwrap();
        assert_eq!(
            got,
            format!(
                "GET /ok HTTP/1.1\r\n\r\nGET /api/ HTTP/1.1\r\nhost: atlas\r\nconnection: close\r\n{REJECTED}: 400\r\n\r\n"
            )
        );
    }
}
