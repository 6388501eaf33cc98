//! [`ReadBuf`]: a caller-owned buffer that may start out uninitialised, with two cursors.

use std::fmt;
use std::io;
use std::mem::MaybeUninit;

/// A borrowed byte buffer that a reader fills, tracking which bytes are *filled* (hold data)
/// and which are *initialised* (hold some value, possibly stale).
///
/// ```text
///  0            filled         initialized         capacity
///  |--- filled ---|-- initialised, unfilled --|-- uninitialised --|
///  |<------------- initialized() ------------>|
///                 |<-------------- remaining() ------------------>|
/// ```
///
/// # Invariant
///
/// `filled <= initialized <= capacity`, always. Every method either keeps it or panics before
/// breaking it (see each method's `# Panics`). The bytes below `initialized` hold valid `u8`
/// values, so they may be viewed as `&[u8]`; the bytes above it may not be read.
///
/// Why two cursors: handing a reader an uninitialised buffer avoids zeroing memory that is
/// about to be overwritten, and remembering how far a buffer is already initialised means a
/// reader that needs `&mut [u8]` pays for zeroing a region once, not on every call.
///
/// # Panics
///
/// Like tokio's `ReadBuf`, the methods panic when asked to break the invariant (advancing past
/// initialised bytes, putting more than fits). Those are bugs in the calling reader, not
/// conditions of the I/O source, so a loud failure at the faulty line is the useful answer.
pub struct ReadBuf<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    filled: usize,
    initialized: usize,
}

impl<'a> ReadBuf<'a> {
    /// Wraps a fully initialised buffer: nothing is filled, everything is initialised.
    #[inline]
    pub fn new(buf: &'a mut [u8]) -> ReadBuf<'a> {
        let initialized = buf.len();
        // SAFETY: `MaybeUninit<u8>` has `u8`'s layout, so the cast covers the same memory. The
        // hazard, writing an uninitialised value back, cannot happen: safe methods write only
        // initialised bytes and the unsafe accessors (`unfilled_mut`, `inner_mut`) make their
        // callers promise the same.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        ReadBuf {
            buf,
            filled: 0,
            initialized,
        }
    }

    /// Wraps a buffer of possibly uninitialised bytes: nothing is filled or initialised.
    #[inline]
    pub fn uninit(buf: &'a mut [MaybeUninit<u8>]) -> ReadBuf<'a> {
        ReadBuf {
            buf,
            filled: 0,
            initialized: 0,
        }
    }

    /// Wraps `buf` whose first `initialized` bytes are known to be initialised (an earlier
    /// read into the same memory wrote them): nothing is filled.
    ///
    /// # Safety
    ///
    /// `initialized <= buf.len()`, and the first `initialized` bytes of `buf` are initialised.
    #[inline]
    pub(crate) unsafe fn uninit_with_init(
        buf: &'a mut [MaybeUninit<u8>],
        initialized: usize,
    ) -> ReadBuf<'a> {
        debug_assert!(initialized <= buf.len());
        ReadBuf {
            buf,
            filled: 0,
            initialized,
        }
    }

    /// The total size of the buffer.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The filled part: the data read so far.
    #[inline]
    pub fn filled(&self) -> &[u8] {
        // SAFETY: `filled <= initialized`, so `buf[..filled]` is initialised.
        unsafe { assume_init_ref(&self.buf[..self.filled]) }
    }

    /// The filled part, mutably.
    #[inline]
    pub fn filled_mut(&mut self) -> &mut [u8] {
        // SAFETY: `filled <= initialized`, so `buf[..filled]` is initialised; any `u8` written
        // through the returned slice is initialised too.
        unsafe { assume_init_mut(&mut self.buf[..self.filled]) }
    }

    /// The initialised part (filled bytes followed by initialised, unfilled bytes).
    #[inline]
    pub fn initialized(&self) -> &[u8] {
        // SAFETY: `buf[..initialized]` is initialised by the type's invariant.
        unsafe { assume_init_ref(&self.buf[..self.initialized]) }
    }

    /// The initialised part, mutably.
    #[inline]
    pub fn initialized_mut(&mut self) -> &mut [u8] {
        // SAFETY: `buf[..initialized]` is initialised by the type's invariant; writes through
        // `&mut [u8]` can only store initialised bytes.
        unsafe { assume_init_mut(&mut self.buf[..self.initialized]) }
    }

    /// The unfilled part, which may be uninitialised.
    ///
    /// # Safety
    ///
    /// The caller must not write `MaybeUninit::uninit()` into any byte: doing so would
    /// de-initialise bytes this `ReadBuf` (or the owner of a buffer passed to [`new`]) counts
    /// as initialised. Writing initialised bytes is fine; call [`assume_init`] afterwards to
    /// record them.
    ///
    /// [`new`]: ReadBuf::new
    /// [`assume_init`]: ReadBuf::assume_init
    #[inline]
    pub unsafe fn unfilled_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        &mut self.buf[self.filled..]
    }

    /// The whole buffer, filled or not, as possibly uninitialised bytes.
    ///
    /// # Safety
    ///
    /// As for [`unfilled_mut`](ReadBuf::unfilled_mut): the caller must not de-initialise any
    /// byte.
    #[inline]
    pub unsafe fn inner_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        self.buf
    }

    /// Initialises (by zeroing, where needed) the whole unfilled part and returns it.
    #[inline]
    pub fn initialize_unfilled(&mut self) -> &mut [u8] {
        self.initialize_unfilled_to(self.remaining())
    }

    /// Initialises (by zeroing, where needed) the first `n` unfilled bytes and returns them.
    ///
    /// Bytes that are already initialised are left as they are, so repeated calls are cheap.
    ///
    /// # Panics
    ///
    /// If `n > self.remaining()`.
    #[inline]
    #[track_caller]
    pub fn initialize_unfilled_to(&mut self, n: usize) -> &mut [u8] {
        assert!(
            n <= self.remaining(),
            "ReadBuf::initialize_unfilled_to: asked for {n} bytes but only {} remain unfilled",
            self.remaining()
        );
        let end = self.filled + n;
        if self.initialized < end {
            self.buf[self.initialized..end].fill(MaybeUninit::new(0));
            self.initialized = end;
        }
        // SAFETY: `end <= initialized` now (either it already was, or the bytes up to `end`
        // were just zeroed), so `buf[filled..end]` is initialised.
        unsafe { assume_init_mut(&mut self.buf[self.filled..end]) }
    }

    /// Fills the unfilled part straight from a read into uninitialised memory, such as
    /// `recv(2)`, and marks filled — and initialised — exactly the bytes that read stored:
    /// nothing is zeroed first, and no byte the read did not write is ever counted as
    /// initialised. Returns how many bytes were filled.
    ///
    /// `read` gets the unfilled part (`remaining()` bytes, possibly uninitialised) and returns
    /// the bytes it stored as a `&mut [u8]` at the start of that same memory, which is how
    /// corium's `*_uninit` socket reads answer. That slice's existence is what proves the
    /// bytes initialised, so neither side needs `unsafe`. An error from `read` marks nothing.
    /// (A corium addition: tokio leaves this to `unsafe` `unfilled_mut` + `assume_init`.)
    ///
    /// # Panics
    ///
    /// If `read` returns a non-empty slice that does not start at the memory it was given:
    /// a bug in `read`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::mem::MaybeUninit;
    /// use corium_net::io::ReadBuf;
    /// use corium_selector_sys::net::UnixDatagram;
    ///
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hello")?;
    ///
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 64];
    /// let mut buf = ReadBuf::uninit(&mut storage);
    /// let n = buf.fill_uninit(|unfilled| b.recv_uninit(unfilled))?;
    /// assert_eq!(n, 5);
    /// assert_eq!(buf.filled(), b"hello");
    /// // Only what the kernel wrote counts as initialised; nothing was zeroed.
    /// assert_eq!(buf.initialized().len(), 5);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[inline]
    #[track_caller]
    pub fn fill_uninit(
        &mut self,
        read: impl for<'x> FnOnce(&'x mut [MaybeUninit<u8>]) -> io::Result<&'x mut [u8]>,
    ) -> io::Result<usize> {
        let before = self.filled;
        self.fill_uninit_with(|unfilled| read(unfilled).map(|stored| (stored, ())))?;
        Ok(self.filled - before)
    }

    /// [`fill_uninit`](ReadBuf::fill_uninit) for a read that also returns a value, such as
    /// `recvfrom(2)` and its sender's address, which is passed back.
    ///
    /// # Panics
    ///
    /// As [`fill_uninit`](ReadBuf::fill_uninit).
    #[inline]
    #[track_caller]
    pub fn fill_uninit_with<A>(
        &mut self,
        read: impl for<'x> FnOnce(&'x mut [MaybeUninit<u8>]) -> io::Result<(&'x mut [u8], A)>,
    ) -> io::Result<A> {
        let unfilled = &mut self.buf[self.filled..];
        let (start, room) = (unfilled.as_ptr().cast::<u8>(), unfilled.len());
        let (stored, value) = read(unfilled)?;
        let n = stored.len();
        assert!(
            n == 0 || (std::ptr::eq(stored.as_ptr(), start) && n <= room),
            "ReadBuf::fill_uninit: the read returned {n} bytes that are not at the start of \
             the {room}-byte buffer it was given"
        );
        // Why no `unsafe` is needed to count these bytes initialised: `stored` is a `&mut [u8]`
        // over `buf[filled..filled + n]` (just checked), and a `&mut [u8]` may only exist over
        // initialised bytes, so they are. The invariant `filled <= initialized` holds after.
        let end = self.filled + n;
        if end > self.initialized {
            self.initialized = end;
        }
        self.filled = end;
        Ok(value)
    }

    /// How many bytes can still be filled: `capacity() - filled().len()`.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.capacity() - self.filled
    }

    /// Forgets the filled data. Initialisation is kept, so the bytes need not be zeroed again.
    #[inline]
    pub fn clear(&mut self) {
        self.filled = 0;
    }

    /// Marks `n` more bytes as filled.
    ///
    /// # Panics
    ///
    /// If the filled part would grow past the initialised part (`filled + n > initialized`).
    #[inline]
    #[track_caller]
    pub fn advance(&mut self, n: usize) {
        let new = self
            .filled
            .checked_add(n)
            .expect("ReadBuf::advance: filled length overflows usize");
        self.set_filled(new);
    }

    /// Sets the filled length to `n`, which may shrink it.
    ///
    /// # Panics
    ///
    /// If `n > initialized().len()`: only initialised bytes may count as data.
    #[inline]
    #[track_caller]
    pub fn set_filled(&mut self, n: usize) {
        assert!(
            n <= self.initialized,
            "ReadBuf: filled length {n} would exceed the initialized length {}; \
             initialise the bytes first (initialize_unfilled, put_slice or assume_init)",
            self.initialized
        );
        self.filled = n;
    }

    /// Records that the first `n` unfilled bytes are initialised. It never shrinks the
    /// initialised part.
    ///
    /// # Safety
    ///
    /// The bytes `filled().len() .. filled().len() + n` of the buffer must really be
    /// initialised (typically because the caller wrote them through
    /// [`unfilled_mut`](ReadBuf::unfilled_mut)), and `n <= remaining()`.
    #[inline]
    #[track_caller]
    pub unsafe fn assume_init(&mut self, n: usize) {
        assert!(
            n <= self.remaining(),
            "ReadBuf::assume_init: {n} bytes exceed the {} remaining",
            self.remaining()
        );
        let end = self.filled + n;
        if end > self.initialized {
            self.initialized = end;
        }
    }

    /// Appends `data` to the filled part.
    ///
    /// # Panics
    ///
    /// If `data.len() > remaining()`.
    #[inline]
    #[track_caller]
    pub fn put_slice(&mut self, data: &[u8]) {
        assert!(
            data.len() <= self.remaining(),
            "ReadBuf::put_slice: {} bytes do not fit in the {} remaining",
            data.len(),
            self.remaining()
        );
        let end = self.filled + data.len();
        for (slot, byte) in self.buf[self.filled..end].iter_mut().zip(data) {
            *slot = MaybeUninit::new(*byte);
        }
        if end > self.initialized {
            self.initialized = end;
        }
        self.filled = end;
    }

    /// Appends `n` copies of `byte` to the filled part (as `bytes::BufMut::put_bytes`).
    ///
    /// # Panics
    ///
    /// If `n > remaining()`.
    #[inline]
    #[track_caller]
    pub fn put_bytes(&mut self, byte: u8, n: usize) {
        assert!(
            n <= self.remaining(),
            "ReadBuf::put_bytes: {n} bytes do not fit in the {} remaining",
            self.remaining()
        );
        let end = self.filled + n;
        self.buf[self.filled..end].fill(MaybeUninit::new(byte));
        if end > self.initialized {
            self.initialized = end;
        }
        self.filled = end;
    }

    /// A new `ReadBuf` over the first `min(n, remaining())` unfilled bytes, with nothing
    /// filled and the initialised part carried over.
    ///
    /// Adaptors such as [`Take`](crate::io::util::Take) use it to cap how much an inner reader
    /// may put; afterwards they copy the inner buffer's progress back with
    /// [`assume_init`](ReadBuf::assume_init) and [`advance`](ReadBuf::advance).
    #[inline]
    pub fn take(&mut self, n: usize) -> ReadBuf<'_> {
        let len = n.min(self.remaining());
        let initialized = (self.initialized - self.filled).min(len);
        ReadBuf {
            buf: &mut self.buf[self.filled..self.filled + len],
            filled: 0,
            initialized,
        }
    }

    /// `(filled().len(), initialized().len())`, without building (and bounds-checking) the
    /// slices: for adaptors on a hot path that only need the counts.
    #[inline]
    pub(crate) fn cursors(&self) -> (usize, usize) {
        (self.filled, self.initialized)
    }

    /// Address of the first byte of the buffer, so adaptors can check that a reader wrote into
    /// the buffer they handed it and did not swap in another `ReadBuf`.
    #[inline]
    pub(crate) fn start_ptr(&self) -> *const u8 {
        self.buf.as_ptr().cast()
    }
}

impl fmt::Debug for ReadBuf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadBuf")
            .field("filled", &self.filled)
            .field("initialized", &self.initialized)
            .field("capacity", &self.capacity())
            .finish()
    }
}

/// # Safety
///
/// Every byte of `slice` must be initialised.
unsafe fn assume_init_ref(slice: &[MaybeUninit<u8>]) -> &[u8] {
    // SAFETY: same layout (see `ReadBuf::new`); the caller guarantees every byte is
    // initialised, which is what `u8` requires.
    unsafe { &*(slice as *const [MaybeUninit<u8>] as *const [u8]) }
}

/// # Safety
///
/// Every byte of `slice` must be initialised.
unsafe fn assume_init_mut(slice: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    // SAFETY: same layout; every byte is initialised (caller's promise), and a `&mut [u8]`
    // can only write initialised bytes back.
    unsafe { &mut *(slice as *mut [MaybeUninit<u8>] as *mut [u8]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(b: &ReadBuf<'_>) -> (usize, usize, usize) {
        (b.filled().len(), b.initialized().len(), b.capacity())
    }

    #[test]
    fn new_is_fully_initialised_and_empty() {
        let mut storage = [7u8; 8];
        let b = ReadBuf::new(&mut storage);
        assert_eq!(parts(&b), (0, 8, 8));
        assert_eq!(b.remaining(), 8);
        assert_eq!(b.initialized(), &[7; 8]);
    }

    #[test]
    fn uninit_starts_with_nothing_initialised() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 8];
        let b = ReadBuf::uninit(&mut storage);
        assert_eq!(parts(&b), (0, 0, 8));
    }

    #[test]
    fn put_slice_moves_both_cursors() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 8];
        let mut b = ReadBuf::uninit(&mut storage);
        b.put_slice(b"abc");
        assert_eq!(parts(&b), (3, 3, 8));
        assert_eq!(b.filled(), b"abc");
        b.put_slice(b"defgh");
        assert_eq!(b.filled(), b"abcdefgh");
        assert_eq!(b.remaining(), 0);
    }

    #[test]
    fn initialize_unfilled_zeroes_only_new_bytes() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 8];
        let mut b = ReadBuf::uninit(&mut storage);
        b.put_slice(b"ab");
        let s = b.initialize_unfilled_to(3);
        assert_eq!(s, &[0, 0, 0]);
        s.copy_from_slice(b"xyz");
        assert_eq!(parts(&b), (2, 5, 8));
        // Re-initialising the same region keeps the bytes written above.
        assert_eq!(b.initialize_unfilled_to(2), b"xy");
        b.advance(3);
        assert_eq!(b.filled(), b"abxyz");
        assert_eq!(b.initialize_unfilled().len(), 3);
        assert_eq!(parts(&b), (5, 8, 8));
    }

    #[test]
    fn clear_keeps_initialisation() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 4];
        let mut b = ReadBuf::uninit(&mut storage);
        b.put_slice(b"abcd");
        b.clear();
        assert_eq!(parts(&b), (0, 4, 4));
        b.set_filled(2);
        assert_eq!(b.filled(), b"ab");
        b.set_filled(1);
        assert_eq!(b.filled_mut(), b"a");
    }

    #[test]
    fn assume_init_records_raw_writes_and_never_shrinks() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 6];
        let mut b = ReadBuf::uninit(&mut storage);
        b.put_slice(b"ab");
        // SAFETY: only initialised values are written.
        let unfilled = unsafe { b.unfilled_mut() };
        unfilled[0] = MaybeUninit::new(b'c');
        unfilled[1] = MaybeUninit::new(b'd');
        // SAFETY: the two bytes after the filled part were just written.
        unsafe { b.assume_init(2) };
        assert_eq!(parts(&b), (2, 4, 6));
        // SAFETY: asserting a shorter prefix is trivially true; it must not shrink.
        unsafe { b.assume_init(1) };
        assert_eq!(parts(&b), (2, 4, 6));
        b.advance(2);
        assert_eq!(b.filled(), b"abcd");
    }

    #[test]
    fn take_caps_and_carries_initialisation() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 8];
        let mut b = ReadBuf::uninit(&mut storage);
        b.put_slice(b"ab");
        b.initialize_unfilled_to(4);
        {
            let t = b.take(3);
            assert_eq!(parts(&t), (0, 3, 3));
        }
        let t = b.take(100);
        assert_eq!(parts(&t), (0, 4, 6));
    }

    #[test]
    fn inner_mut_sees_the_whole_buffer() {
        let mut storage = [1u8; 3];
        let mut b = ReadBuf::new(&mut storage);
        b.advance(1);
        // SAFETY: nothing is written through it.
        assert_eq!(unsafe { b.inner_mut() }.len(), 3);
    }

    #[test]
    fn fill_uninit_marks_only_the_returned_bytes() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 8];
        let mut b = ReadBuf::uninit(&mut storage);
        b.put_slice(b"ab");
        // A read that stores two bytes and returns them, as a syscall wrapper does.
        let n = b
            .fill_uninit(|unfilled| Ok(write_copy(unfilled, b"cd")))
            .unwrap();
        assert_eq!(n, 2);
        assert_eq!(parts(&b), (4, 4, 8));
        assert_eq!(b.filled(), b"abcd");
        // An error marks nothing; its value comes back.
        let err = b
            .fill_uninit_with(|_| Err::<(&mut [u8], ()), _>(io::ErrorKind::WouldBlock.into()))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert_eq!(parts(&b), (4, 4, 8));
        // An empty answer (end of stream) may point anywhere.
        assert_eq!(b.fill_uninit_with(|_| Ok((&mut [][..], 7))).unwrap(), 7);
        assert_eq!(parts(&b), (4, 4, 8));
    }

    /// Copies `src` into the start of `dst` and returns those bytes as initialised.
    fn write_copy<'a>(dst: &'a mut [MaybeUninit<u8>], src: &[u8]) -> &'a mut [u8] {
        let dst = &mut dst[..src.len()];
        for (d, s) in dst.iter_mut().zip(src) {
            d.write(*s);
        }
        // SAFETY: every byte of `dst` was just written.
        unsafe { assume_init_mut(dst) }
    }

    #[test]
    #[should_panic(expected = "not at the start of the 8-byte buffer")]
    fn fill_uninit_rejects_bytes_from_elsewhere() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 8];
        let mut b = ReadBuf::uninit(&mut storage);
        let elsewhere: &'static mut [u8] = Box::leak(vec![1u8, 2].into_boxed_slice());
        let _ = b.fill_uninit(|_| Ok(elsewhere));
    }

    #[test]
    fn put_bytes_fills_and_initialises() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 6];
        let mut b = ReadBuf::uninit(&mut storage);
        b.put_slice(b"a");
        b.put_bytes(b'z', 3);
        assert_eq!(parts(&b), (4, 4, 6));
        assert_eq!(b.filled(), b"azzz");
    }

    #[test]
    #[should_panic(expected = "would exceed the initialized length")]
    fn advance_past_initialised_panics() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 4];
        let mut b = ReadBuf::uninit(&mut storage);
        b.advance(1);
    }

    #[test]
    #[should_panic(expected = "do not fit")]
    fn put_slice_overflow_panics() {
        let mut storage = [0u8; 2];
        ReadBuf::new(&mut storage).put_slice(b"abc");
    }

    #[test]
    #[should_panic(expected = "only 1 remain unfilled")]
    fn initialize_unfilled_to_past_capacity_panics() {
        let mut storage = [0u8; 2];
        let mut b = ReadBuf::new(&mut storage);
        b.advance(1);
        b.initialize_unfilled_to(2);
    }
}
