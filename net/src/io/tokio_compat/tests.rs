use super::*;
use crate::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use std::future::{poll_fn, Future};
use std::io::Cursor;
use std::mem::MaybeUninit;
use std::pin::pin;
use std::task::Waker;

/// Polls a future whose sources are always ready; a `Pending` here is a bug.
fn now<F: Future>(f: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(f).poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("an always-ready future returned Pending"),
    }
}

#[test]
fn corium_reader_fills_a_tokio_read_buf_without_initialising_more() {
    let mut storage = [MaybeUninit::<u8>::uninit(); 32];
    let mut buf = tokio::io::ReadBuf::uninit(&mut storage);
    buf.put_slice(b">");
    let mut reader = TokioCompat::new(&b"hello"[..]);
    now(poll_fn(|cx| {
        tokio::io::AsyncRead::poll_read(Pin::new(&mut reader), cx, &mut buf)
    }))
    .unwrap();
    assert_eq!(buf.filled(), b">hello");
    assert_eq!(buf.initialized().len(), 6, "only the bytes written count");
}

#[test]
fn tokio_reader_fills_a_corium_read_buf_without_initialising_more() {
    let mut storage = [MaybeUninit::<u8>::uninit(); 32];
    let mut buf = ReadBuf::uninit(&mut storage);
    buf.put_slice(b">");
    let mut reader = TokioCompat::new(&b"hello"[..]);
    now(poll_fn(|cx| {
        AsyncRead::poll_read(Pin::new(&mut reader), cx, &mut buf)
    }))
    .unwrap();
    assert_eq!(buf.filled(), b">hello");
    assert_eq!(buf.initialized().len(), 6, "only the bytes written count");
}

#[test]
fn initialised_bytes_are_carried_across_both_ways() {
    // A corium buffer that knows 20 bytes are initialised keeps knowing it after a tokio read.
    let mut storage = [0u8; 32];
    let mut buf = ReadBuf::new(&mut storage[..20]);
    let mut reader = TokioCompat::new(&b"abc"[..]);
    now(poll_fn(|cx| {
        AsyncRead::poll_read(Pin::new(&mut reader), cx, &mut buf)
    }))
    .unwrap();
    assert_eq!((buf.filled(), buf.initialized().len()), (&b"abc"[..], 20));

    let mut storage = [0u8; 20];
    let mut buf = tokio::io::ReadBuf::new(&mut storage);
    let mut reader = TokioCompat::new(&b"abc"[..]);
    now(poll_fn(|cx| {
        tokio::io::AsyncRead::poll_read(Pin::new(&mut reader), cx, &mut buf)
    }))
    .unwrap();
    assert_eq!((buf.filled(), buf.initialized().len()), (&b"abc"[..], 20));
}

/// A corium reader that swaps the lent buffer for another and claims success.
struct Swapper;

impl AsyncRead for Swapper {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        *buf = ReadBuf::new(&mut []);
        Poll::Ready(Ok(()))
    }
}

#[test]
fn a_corium_reader_swapping_the_buffer_is_an_error_not_ub() {
    let mut storage = [MaybeUninit::<u8>::uninit(); 8];
    let mut buf = tokio::io::ReadBuf::uninit(&mut storage);
    let mut reader = TokioCompat::new(Swapper);
    let err = now(poll_fn(|cx| {
        tokio::io::AsyncRead::poll_read(Pin::new(&mut reader), cx, &mut buf)
    }))
    .unwrap_err();
    assert!(err.to_string().contains("replaced the ReadBuf"), "{err}");
    assert_eq!(buf.filled().len(), 0);
}

#[test]
fn corium_utilities_drive_a_tokio_stream() {
    // tokio's Cursor implements tokio's read, buffered read, write and seek.
    let mut stream = TokioCompat::new(Cursor::new(b"line one\nline two\n".to_vec()));
    let mut line = String::new();
    now(stream.read_line(&mut line)).unwrap();
    assert_eq!(line, "line one\n");
    let mut rest = Vec::new();
    now(stream.read_to_end(&mut rest)).unwrap();
    assert_eq!(rest, b"line two\n");
    assert_eq!(now(stream.seek(SeekFrom::Start(5))).unwrap(), 5);
    now(stream.write_all(b"ONE")).unwrap();
    now(stream.flush()).unwrap();
    now(stream.shutdown()).unwrap();
    assert_eq!(stream.into_inner().into_inner(), b"line ONE\nline two\n");
}

#[test]
fn tokio_callers_drive_a_corium_stream() {
    // corium's Cursor impls, seen through tokio's traits.
    let mut stream = TokioCompat::new(Cursor::new(b"abcdef".to_vec()));
    let mut cx = Context::from_waker(Waker::noop());
    let mut s = Pin::new(&mut stream);
    tokio::io::AsyncSeek::start_seek(s.as_mut(), SeekFrom::Start(2)).unwrap();
    assert!(matches!(
        tokio::io::AsyncSeek::poll_complete(s.as_mut(), &mut cx),
        Poll::Ready(Ok(2))
    ));
    let Poll::Ready(Ok(chunk)) = tokio::io::AsyncBufRead::poll_fill_buf(s.as_mut(), &mut cx) else {
        panic!("a cursor is always ready");
    };
    assert_eq!(chunk, b"cdef");
    tokio::io::AsyncBufRead::consume(s.as_mut(), 1);
    assert!(matches!(
        tokio::io::AsyncWrite::poll_write(s.as_mut(), &mut cx, b"XY"),
        Poll::Ready(Ok(2))
    ));
    let bufs = [IoSlice::new(b"Z")];
    assert!(matches!(
        tokio::io::AsyncWrite::poll_write_vectored(s.as_mut(), &mut cx, &bufs),
        Poll::Ready(Ok(1))
    ));
    assert!(tokio::io::AsyncWrite::poll_flush(s.as_mut(), &mut cx).is_ready());
    assert!(tokio::io::AsyncWrite::poll_shutdown(s.as_mut(), &mut cx).is_ready());
    assert_eq!(stream.into_inner().into_inner(), b"abcXYZ");
}
