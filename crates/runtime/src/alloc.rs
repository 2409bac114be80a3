//! The global allocator: mimalloc, with a per-thread count of bytes in use so
//! INFO can report `used_memory` without any shared counter on the hot path.
//!
//! Each thread adds what it allocates and subtracts what it frees to its own
//! counter; memory freed on another thread than the one that allocated it
//! moves the difference between counters, so only the sum is meaningful.

use mimalloc::MiMalloc;
use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;

pub struct Counting;

thread_local! {
    static USED: Cell<isize> = const { Cell::new(0) };
}

/// Registers this thread's counter with the runtime so INFO can sum them.
fn add(n: isize) {
    // `try_with` because allocation may happen while the thread-local is
    // being torn down.
    let _ = USED.try_with(|u| u.set(u.get() + n));
}

/// Whether mimalloc's plain entry points satisfy `layout`'s alignment: every
/// mimalloc block is aligned to 8 bytes, or to its size when smaller. The
/// aligned entry points must be avoided when they are not needed: mimalloc
/// v3 serves an aligned request whose size class is not a power of two from
/// `size + align - 1` bytes (a 42-byte, 8-aligned key node took 64 bytes
/// instead of 48).
fn plain(align: usize, size: usize) -> bool {
    align <= 8 && align <= size
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = if plain(layout.align(), layout.size()) {
            // SAFETY: a plain allocation of a non-zero size (align <= size).
            unsafe { libmimalloc_sys::mi_malloc(layout.size()) as *mut u8 }
        } else {
            // SAFETY: forwarding the caller's contract to mimalloc.
            unsafe { MiMalloc.alloc(layout) }
        };
        if !p.is_null() {
            add(usable(p, layout));
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-usable(ptr, layout));
        // SAFETY: `ptr` came from `alloc` with this layout; mimalloc frees
        // plain and aligned blocks alike.
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = if plain(layout.align(), layout.size()) {
            // SAFETY: a plain zeroed allocation of a non-zero size.
            unsafe { libmimalloc_sys::mi_zalloc(layout.size()) as *mut u8 }
        } else {
            // SAFETY: forwarding the caller's contract to mimalloc.
            unsafe { MiMalloc.alloc_zeroed(layout) }
        };
        if !p.is_null() {
            add(usable(p, layout));
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = usable(ptr, layout);
        let p = if plain(layout.align(), new_size) {
            // SAFETY: `ptr` is a live mimalloc block; the new size is non-zero.
            unsafe { libmimalloc_sys::mi_realloc(ptr as *mut _, new_size) as *mut u8 }
        } else {
            // SAFETY: forwarding the caller's contract to mimalloc.
            unsafe { MiMalloc.realloc(ptr, layout, new_size) }
        };
        if !p.is_null() {
            // SAFETY: `p` is a live allocation of at least `new_size` bytes.
            let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
            add(usable(p, new_layout) - old);
        }
        p
    }
}

/// The bytes really reserved for an allocation (mimalloc rounds up to size classes).
fn usable(p: *mut u8, layout: Layout) -> isize {
    if p.is_null() {
        return layout.size() as isize;
    }
    // SAFETY: `p` is a live mimalloc allocation.
    unsafe { libmimalloc_sys::mi_usable_size(p as *const _) as isize }
}

/// This thread's net allocated bytes.
pub fn thread_used() -> isize {
    USED.try_with(|u| u.get()).unwrap_or(0)
}
