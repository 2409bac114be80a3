//! The counting global allocator the memory tests share (each test binary
//! that declares `mod common;` installs it with its own size-class model);
//! it is for measurement only, ships nowhere, and must not change what an
//! allocation does: every call goes unchanged to the system allocator.
//!
//! It keeps two running totals per thread: the bytes requested, and the
//! bytes the server's allocator would hold for those requests, as the
//! binary's size-class model says. A test reads both with [`live`] before
//! and after filling a keyspace. The models stay in the test files because
//! each one's reference numbers (in its module docs) were measured with it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Forwards to the system allocator and counts live bytes on this thread.
pub struct Counting {
    /// The bytes the modelled allocator would hold for a request.
    class: fn(Layout) -> usize,
}

impl Counting {
    /// An allocator that rounds each request with `class`.
    pub const fn new(class: fn(Layout) -> usize) -> Counting {
        Counting { class }
    }

    fn count(&self, layout: Layout, sign: isize) {
        // try_with: the thread-locals may be gone while a thread shuts down.
        let _ = REQUESTED.try_with(|c| c.set(c.get() + sign * layout.size() as isize));
        let _ = ROUNDED.try_with(|c| c.set(c.get() + sign * (self.class)(layout) as isize));
    }
}

thread_local! {
    static REQUESTED: Cell<isize> = const { Cell::new(0) };
    static ROUNDED: Cell<isize> = const { Cell::new(0) };
}

/// This thread's live heap bytes: as requested, and as the model rounds them.
pub fn live() -> (isize, isize) {
    (REQUESTED.with(Cell::get), ROUNDED.with(Cell::get))
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are plain thread-local cells with no allocation of their own, and
// the size-class functions only compute.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.count(layout, 1);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.count(layout, 1);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.count(layout, -1);
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.count(layout, -1);
        // SAFETY: the caller guarantees `new_size` is valid with the old
        // layout's alignment.
        self.count(
            unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) },
            1,
        );
        // SAFETY: forwarded with the caller's arguments.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
