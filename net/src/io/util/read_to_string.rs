//! The [`ReadToString`] future.

use std::future::Future;
use std::io;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::read_to_end::VecReadState;
use crate::io::AsyncRead;

/// Future of [`AsyncReadExt::read_to_string`](crate::io::AsyncReadExt::read_to_string).
///
/// The bytes are collected in a private vector and checked as UTF-8 once, at the end of the
/// stream, so a character split across two reads is never mistaken for bad data and the
/// caller's string is only touched on completion.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToString<'a, R: ?Sized> {
    reader: &'a mut R,
    output: &'a mut String,
    bytes: Vec<u8>,
    state: VecReadState,
}

impl<'a, R: ?Sized> ReadToString<'a, R> {
    pub(crate) fn new(reader: &'a mut R, output: &'a mut String) -> Self {
        ReadToString {
            reader,
            output,
            bytes: Vec::new(),
            state: VecReadState::default(),
        }
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        let io_result = ready!(me
            .state
            .poll_to_end(Pin::new(&mut *me.reader), cx, &mut me.bytes));
        let bytes = mem::take(&mut me.bytes);
        Poll::Ready(match (io_result, String::from_utf8(bytes)) {
            (Ok(()), Ok(text)) => {
                let n = text.len();
                append(me.output, text);
                Ok(n)
            }
            // The error owns the bytes (`FromUtf8Error::into_bytes`), so nothing is lost.
            (Ok(()), Err(bad)) => Err(io::Error::new(io::ErrorKind::InvalidData, bad)),
            // Keep whatever text arrived before the I/O error; only a trailing partial (or
            // invalid) sequence cannot be stored in a `String`.
            (Err(e), Ok(text)) => {
                append(me.output, text);
                Err(e)
            }
            (Err(e), Err(bad)) => {
                let valid = bad.utf8_error().valid_up_to();
                let mut bytes = bad.into_bytes();
                bytes.truncate(valid);
                if let Ok(text) = String::from_utf8(bytes) {
                    append(me.output, text);
                }
                Err(e)
            }
        })
    }
}

fn append(output: &mut String, text: String) {
    if output.is_empty() {
        // Reuse the allocation rather than copying into the caller's (empty) string.
        *output = text;
    } else {
        output.push_str(&text);
    }
}
