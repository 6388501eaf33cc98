//! `syscall(2)` as one instruction, for the Linux data path (`recvfrom`, `sendto`,
//! `epoll_pwait`, `epoll_pwait2`; see "Direct system calls" in `sys/mod.rs`).
//!
//! glibc's `syscall()` is a variadic trampoline: it shuffles the seven arguments one register
//! along (the kernel's convention puts the number in `rax`/`x8`, C's in the first argument
//! register) and turns a `-errno` return into `-1` plus `errno` — about 11 user-space
//! instructions per call under callgrind, paid two or three times per echo round trip. Here
//! the compiler puts each argument straight into its register and the call is the `syscall`
//! (x86_64) or `svc 0` (aarch64) instruction itself.
//!
//! The result keeps libc's contract, so the `syscall!` macro is unchanged: `-1` with `errno`
//! set on failure, the kernel's non-negative result otherwise. Elsewhere (other
//! architectures, and Miri, which cannot run inline assembly) [`syscall6`] forwards to libc's
//! `syscall()`.

#[cfg(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri)))]
use std::arch::asm;

/// One argument of a system call, as the register value the kernel reads.
pub trait SysArg {
    /// The register value: integers sign- or zero-extended as C would pass them, pointers by
    /// address.
    fn into_reg(self) -> usize;
}

impl SysArg for i64 {
    #[inline(always)]
    fn into_reg(self) -> usize {
        self as usize
    }
}

impl SysArg for i32 {
    #[inline(always)]
    fn into_reg(self) -> usize {
        // As C promotes an `int` vararg: sign-extended (the kernel reads the low 32 bits).
        i64::from(self) as usize
    }
}

impl SysArg for usize {
    #[inline(always)]
    fn into_reg(self) -> usize {
        self
    }
}

impl<T> SysArg for *const T {
    #[inline(always)]
    fn into_reg(self) -> usize {
        self.expose_provenance()
    }
}

impl<T> SysArg for *mut T {
    #[inline(always)]
    fn into_reg(self) -> usize {
        self.expose_provenance()
    }
}

/// `syscall(nr, a0, …, a5)` with libc's result convention (see the module docs).
///
/// # Safety
/// As for `libc::syscall`: `nr` and the arguments must make a valid call of that system call;
/// every pointer among them must be valid for what the kernel reads or writes through it.
#[inline(always)]
pub unsafe fn syscall6(
    nr: libc::c_long,
    a0: impl SysArg,
    a1: impl SysArg,
    a2: impl SysArg,
    a3: impl SysArg,
    a4: impl SysArg,
    a5: impl SysArg,
) -> libc::c_long {
    let args = [
        a0.into_reg(),
        a1.into_reg(),
        a2.into_reg(),
        a3.into_reg(),
        a4.into_reg(),
        a5.into_reg(),
    ];
    // SAFETY: the caller's contract, passed on unchanged.
    unsafe { raw(nr, args) }
}

/// The inline instruction.
///
/// # Safety
/// As [`syscall6`].
#[cfg(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri)))]
#[inline(always)]
unsafe fn raw(nr: libc::c_long, [a0, a1, a2, a3, a4, a5]: [usize; 6]) -> libc::c_long {
    let ret: isize;
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the caller's contract makes this a valid system call; the kernel reads the number
    // in rax and the arguments in rdi, rsi, rdx, r10, r8, r9, returns in rax, and clobbers only
    // rcx and r11 (declared); it touches no user stack.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") nr as isize => ret,
            in("rdi") a0,
            in("rsi") a1,
            in("rdx") a2,
            in("r10") a3,
            in("r8") a4,
            in("r9") a5,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: the caller's contract makes this a valid system call; the kernel reads the number
    // in x8 and the arguments in x0–x5, returns in x0, and preserves every other register; it
    // touches no user stack.
    unsafe {
        asm!(
            "svc 0",
            in("x8") nr,
            inlateout("x0") a0 as isize => ret,
            in("x1") a1,
            in("x2") a2,
            in("x3") a3,
            in("x4") a4,
            in("x5") a5,
            options(nostack),
        );
    }
    // The kernel returns -errno (between -4095 and -1) on failure.
    if (-4095..0).contains(&ret) {
        // SAFETY: `__errno_location` returns this thread's `errno`, valid for writes.
        unsafe { *libc::__errno_location() = -ret as libc::c_int };
        return -1;
    }
    ret as libc::c_long
}

/// libc's `syscall()`, where there is no inline version.
///
/// # Safety
/// As [`syscall6`].
#[cfg(not(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri))))]
#[inline(always)]
unsafe fn raw(nr: libc::c_long, [a0, a1, a2, a3, a4, a5]: [usize; 6]) -> libc::c_long {
    // SAFETY: the caller's contract; the registers are passed as the kernel reads them.
    unsafe { libc::syscall(nr, a0, a1, a2, a3, a4, a5) }
}

/// [`syscall6`] agrees with what the kernel and glibc report, results and errors alike.
#[cfg(test)]
mod tests {
    use super::syscall6 as syscall;
    use std::io;

    #[test]
    fn matches_libc_on_success_and_failure() {
        // getpid: no arguments that matter.
        // SAFETY: getpid takes no arguments and cannot fail.
        let ours = unsafe {
            syscall(
                libc::SYS_getpid,
                0usize,
                0usize,
                0usize,
                0usize,
                0usize,
                0usize,
            )
        };
        assert_eq!(ours, libc::c_long::from(std::process::id() as i32));
        // recvfrom on a bad fd: -1 and EBADF.
        let mut buf = [0u8; 8];
        // SAFETY: `buf` is writable for its length; the fd is invalid, so nothing is read.
        let bad = unsafe {
            syscall(
                libc::SYS_recvfrom,
                -1i32,
                buf.as_mut_ptr(),
                buf.len(),
                0i32,
                std::ptr::null_mut::<libc::sockaddr>(),
                std::ptr::null_mut::<libc::socklen_t>(),
            )
        };
        assert_eq!(bad, -1);
        assert_eq!(io::Error::last_os_error().raw_os_error(), Some(libc::EBADF));
        // A real exchange on a socket pair, byte-exact.
        let mut fds = [0; 2];
        // SAFETY: `fds` is writable for two ints.
        let made =
            unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, fds.as_mut_ptr()) };
        assert_eq!(made, 0);
        let msg = b"corium";
        // SAFETY: `msg` is readable for its length; fds[0] is an open socket.
        let sent = unsafe {
            syscall(
                libc::SYS_sendto,
                fds[0],
                msg.as_ptr(),
                msg.len(),
                0i32,
                std::ptr::null::<libc::sockaddr>(),
                0usize,
            )
        };
        assert_eq!(sent, msg.len() as libc::c_long);
        // SAFETY: `buf` is writable for its length; fds[1] is an open socket.
        let got = unsafe {
            syscall(
                libc::SYS_recvfrom,
                fds[1],
                buf.as_mut_ptr(),
                buf.len(),
                0i32,
                std::ptr::null_mut::<libc::sockaddr>(),
                std::ptr::null_mut::<libc::socklen_t>(),
            )
        };
        assert_eq!(&buf[..got as usize], msg);
        for fd in fds {
            // SAFETY: each fd was opened above and is closed once.
            unsafe { libc::close(fd) };
        }
    }
}
