//! Giving memory back to the system after a large piece of work (an import of places): the
//! allocator keeps what was freed, in one arena per thread that allocated, for later use, which
//! left a server a hundred megabytes bigger after one import. The crate's only unsafe code: one
//! call into the C library, without preconditions.

/// Returns the freed memory of every allocator arena to the system (glibc's `malloc_trim`); does
/// nothing elsewhere.
#[allow(unsafe_code)]
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes a size (0: keep no padding) and only walks the allocator's own
    // free lists, under the allocator's locks; it is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
