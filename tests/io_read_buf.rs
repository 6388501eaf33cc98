//! `ReadBuf` from a reader's point of view: the cursors and the documented panics on misuse.

use std::mem::MaybeUninit;

use corium_net::io::ReadBuf;

#[track_caller]
fn assert_cursors(buf: &ReadBuf<'_>, filled: usize, initialized: usize, capacity: usize) {
    assert_eq!(
        (buf.filled().len(), buf.initialized().len(), buf.capacity()),
        (filled, initialized, capacity),
        "(filled, initialized, capacity)"
    );
    assert_eq!(buf.remaining(), capacity - filled, "remaining");
}

#[test]
fn cursors_move_in_order_through_a_realistic_sequence() {
    let mut storage = [MaybeUninit::<u8>::uninit(); 16];
    let mut buf = ReadBuf::uninit(&mut storage);
    assert_cursors(&buf, 0, 0, 16);

    buf.put_slice(b"head");
    assert_cursors(&buf, 4, 4, 16);

    // A reader that needs `&mut [u8]` initialises only what it asks for.
    let dst = buf.initialize_unfilled_to(6);
    dst[..3].copy_from_slice(b"abc");
    assert_cursors(&buf, 4, 10, 16);
    buf.advance(3);
    assert_cursors(&buf, 7, 10, 16);
    assert_eq!(buf.filled(), b"headabc");

    // Shrinking the filled part keeps the initialised part.
    buf.set_filled(2);
    assert_cursors(&buf, 2, 10, 16);
    buf.clear();
    assert_cursors(&buf, 0, 10, 16);

    // initialize_unfilled zeroes only the bytes past the initialised cursor.
    let all = buf.initialize_unfilled();
    assert_eq!(&all[..4], b"head", "already-initialised bytes must be kept");
    assert_eq!(&all[10..], &[0; 6], "new bytes must be zeroed");
    assert_cursors(&buf, 0, 16, 16);
}

#[test]
fn take_limits_the_inner_view_and_progress_can_be_copied_back() {
    let mut storage = [0u8; 10];
    let mut buf = ReadBuf::new(&mut storage);
    buf.put_slice(b"12");
    let n = {
        let mut inner = buf.take(3);
        assert_cursors(&inner, 0, 3, 3);
        inner.put_slice(b"345");
        assert_eq!(inner.remaining(), 0);
        inner.filled().len()
    };
    buf.advance(n);
    assert_eq!(buf.filled(), b"12345");
    assert_eq!(buf.take(100).capacity(), 5, "take is capped by remaining()");
}

#[test]
fn filled_mut_and_initialized_mut_edit_in_place() {
    let mut storage = *b"xxxxxx";
    let mut buf = ReadBuf::new(&mut storage);
    buf.advance(3);
    buf.filled_mut()[0] = b'F';
    buf.initialized_mut()[5] = b'I';
    assert_eq!(buf.filled(), b"Fxx");
    assert_eq!(buf.initialized(), b"FxxxxI");
}

#[test]
#[should_panic(expected = "would exceed the initialized length")]
fn advancing_past_initialised_bytes_panics() {
    let mut storage = [MaybeUninit::<u8>::uninit(); 8];
    let mut buf = ReadBuf::uninit(&mut storage);
    buf.put_slice(b"ab");
    buf.advance(1);
}

#[test]
#[should_panic(expected = "would exceed the initialized length")]
fn set_filled_past_initialised_bytes_panics() {
    let mut storage = [0u8; 4];
    let mut buf = ReadBuf::new(&mut storage);
    buf.set_filled(5);
}

#[test]
#[should_panic(expected = "do not fit")]
fn put_slice_larger_than_remaining_panics() {
    let mut storage = [0u8; 4];
    let mut buf = ReadBuf::new(&mut storage);
    buf.put_slice(b"abc");
    buf.put_slice(b"de");
}

#[test]
#[should_panic(expected = "remain unfilled")]
fn initialize_unfilled_to_more_than_remaining_panics() {
    let mut storage = [0u8; 4];
    let mut buf = ReadBuf::new(&mut storage);
    buf.initialize_unfilled_to(5);
}
