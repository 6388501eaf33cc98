//! `AsyncRead`, `AsyncWrite` and `AsyncSeek` for [`File`], with tokio's rules (one job in
//! flight; a write is reported done once queued; reads, seeks, flushes and `&self` methods
//! wait for it), plus two things tokio does not do:
//!
//! * **Read-ahead chunks.** A read asks the pool for the caller's free space or the current
//!   chunk, whichever is larger; the chunk doubles on each full read up to `max_buf_size`.
//!   tokio reads only the caller's free space, so an 8 KiB `read` loop costs a pool hop per
//!   8 KiB; here it costs one per 2 MiB once the file is being read sequentially.
//! * **Write-behind that keeps going.** While the write job runs, further writes append to a
//!   second buffer (up to 256 KiB, `WRITE_CHUNK`) and return at once; the job takes that buffer
//!   when it finishes the first, so a stream of small writes becomes 256 KiB `write(2)`s by one
//!   pool job that lasts as long as the caller keeps it fed, overlapped with the copying.

use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use corium_net::io::{AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

use super::state::{Done, Job};
use super::File;

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        let mut st = me.shared.lock();
        ready!(st.poll_idle(cx))?;
        let answered = match st.done.take() {
            Some(Done::Read(Err(e))) => return Poll::Ready(Err(e)),
            Some(Done::Read(Ok(()))) => true,
            // A seek finished without its `poll_complete` (its position is in `st.pos`).
            Some(Done::Seek(_)) | None => false,
        };
        let unread = st.read.unread();
        if !unread.is_empty() || answered || dst.remaining() == 0 {
            // Buffered bytes, or our own read's answer (none at all means end of file).
            let n = unread.len().min(dst.remaining());
            dst.put_slice(&unread[..n]);
            st.read.pos += n;
            return Poll::Ready(Ok(()));
        }
        let want = dst.remaining().max(st.read_chunk).min(st.max_buf);
        let launch = me.shared.start_read(&mut st, &me.std, want)?;
        st.wait(cx.waker());
        drop(st);
        launch();
        Poll::Pending
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let mut st = me.shared.lock();
        if st.lost {
            return Poll::Ready(Err(st.lost_error()));
        }
        if let Some(e) = st.write_err.take() {
            return Poll::Ready(Err(e));
        }
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let limit = st.write_limit();
        match st.busy {
            Some(Job::Write) if st.pending.len() < limit => {
                // The running job will take these bytes when it finishes its current buffer.
                let n = src.len().min(limit - st.pending.len());
                st.pending.extend_from_slice(&src[..n]);
                return Poll::Ready(Ok(n));
            }
            Some(_) => {
                st.wait(cx.waker());
                return Poll::Pending;
            }
            None => {}
        }
        let rewind = st.take_unread();
        st.done = None;
        let n = src.len().min(limit);
        st.pending.extend_from_slice(&src[..n]);
        match me.shared.start_write(&mut st, &me.std, rewind) {
            Ok(launch) => {
                drop(st);
                launch();
                Poll::Ready(Ok(n))
            }
            Err(e) => {
                // Nothing was queued: take the bytes back so they are not written later.
                st.pending.clear();
                Poll::Ready(Err(e))
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.shared.lock();
        ready!(st.poll_idle(cx))?;
        // `std::fs::File` has no user-space buffer: once the job is done, so is the flush.
        Poll::Ready(st.write_err.take().map_or(Ok(()), Err))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl AsyncSeek for File {
    fn start_seek(self: Pin<&mut Self>, to: SeekFrom) -> io::Result<()> {
        let me = self.get_mut();
        let mut st = me.shared.lock();
        if st.lost {
            return Err(st.lost_error());
        }
        if st.busy.is_some() {
            return Err(io::Error::other(
                "corium::fs::File: another operation is in flight; call poll_complete until it \
                 returns Ready before start_seek (AsyncSeekExt::seek does)",
            ));
        }
        let rewind = st.take_unread();
        st.done = None;
        let to = match to {
            // The OS position is `rewind` bytes past the caller's.
            SeekFrom::Current(offset) => {
                SeekFrom::Current(offset.checked_sub(rewind).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidInput, "seek offset overflows an i64")
                })?)
            }
            absolute => absolute,
        };
        let launch = me.shared.start_seek(&mut st, &me.std, to)?;
        drop(st);
        launch();
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let mut st = self.shared.lock();
        ready!(st.poll_idle(cx))?;
        match st.done.take() {
            Some(Done::Seek(result)) => Poll::Ready(result),
            // A read's answer stays for the read that asked for it.
            read @ Some(Done::Read(_)) => {
                st.done = read;
                Poll::Ready(Ok(st.pos))
            }
            None => Poll::Ready(Ok(st.pos)),
        }
    }
}
