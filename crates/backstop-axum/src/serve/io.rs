//! [`TimedIo`]: a connection whose first read and whose writes fail when they make no progress for
//! too long.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// Wraps a connection so that
/// - a write (or flush) that stays pending for `write_timeout` fails with `TimedOut`: a client that
///   stops reading its response cannot hold a connection, and the memory of its unsent response,
///   forever;
/// - the first read fails the same way after `first_read_timeout` with no byte received: hyper's
///   header-read timeout only starts once hyper-util's protocol detection (HTTP/1 or HTTP/2) has
///   read the first bytes, so a connection that never sends one would otherwise stay open forever.
///
/// (hyper has a header-read timeout but nothing for writes or the protocol sniff; tokio-io-timeout
/// does this too, for one more dependency.)
pub(crate) struct TimedIo<T> {
    inner: T,
    write_timeout: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
    /// Until the first byte arrives: how long to wait for it, and the timer once started.
    first_read: Option<(Duration, Option<Pin<Box<Sleep>>>)>,
}

impl<T> TimedIo<T> {
    pub(crate) fn new(inner: T, first_read_timeout: Duration, write_timeout: Duration) -> Self {
        TimedIo {
            inner,
            write_timeout,
            stalled: None,
            first_read: Some((first_read_timeout, None)),
        }
    }

    /// After a pending write: starts the stall timer if needed and says whether it ran out.
    fn stall(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let timeout = self.write_timeout;
        let sleep = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read nothing of the response for too long",
            )),
            Poll::Pending => Ok(()),
        }
    }

    fn progress<R>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        match poll {
            Poll::Ready(r) => {
                self.stalled = None;
                Poll::Ready(r)
            }
            Poll::Pending => match self.stall(cx) {
                Ok(()) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            },
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for TimedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        let Some((timeout, timer)) = &mut self.first_read else {
            return poll;
        };
        match poll {
            Poll::Ready(Ok(())) if buf.filled().len() == before => Poll::Ready(Ok(())), // EOF
            Poll::Ready(result) => {
                self.first_read = None;
                Poll::Ready(result)
            }
            Poll::Pending => {
                let timeout = *timeout;
                let sleep = timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client sent nothing",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for TimedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.progress(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.progress(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.progress(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.progress(cx, poll)
    }
}
