//! Command arguments as borrowed views into the frame they arrived in, and
//! the batch of commands one parse of a read buffer yields. Looking at an
//! argument must cost nothing: no reference count moves unless a handler
//! asks to keep the bytes.

use std::ops::{Deref, Range};

use bytes::Bytes;

/// One argument of a command: a slice of the frame (a frozen piece of the
/// read buffer, or any `Bytes`) it arrived in.
///
/// A `Bytes` per argument would cost an atomic increment when it is sliced
/// out of the frame and a decrement when it is dropped; at pipeline 16 that
/// was about a sixth of a shard's user-space time. An `Arg` is two borrows:
/// reading it is free, and [`Arg::to_bytes`] pays the reference count only
/// for the arguments a handler stores.
#[derive(Clone, Copy)]
pub struct Arg<'a> {
    data: &'a [u8],
    frame: &'a Bytes,
}

impl<'a> Arg<'a> {
    /// The bytes `range` of `frame`. Panics if the range is out of bounds.
    #[inline]
    pub fn new(frame: &'a Bytes, range: Range<usize>) -> Arg<'a> {
        Arg {
            data: &frame[range],
            frame,
        }
    }

    /// All of `b`.
    #[inline]
    pub fn whole(b: &'a Bytes) -> Arg<'a> {
        Arg { data: b, frame: b }
    }

    /// Views every element of `v`.
    pub fn all(v: &'a [Bytes]) -> Vec<Arg<'a>> {
        v.iter().map(Arg::whole).collect()
    }

    /// The bytes, borrowed for as long as the frame is.
    #[inline]
    pub fn as_slice(&self) -> &'a [u8] {
        self.data
    }

    /// The bytes as a `Bytes` sharing the frame: no copy, one reference
    /// count. What it keeps alive is the whole frame, so a value stored for
    /// long should be copied unless it is most of its frame.
    #[inline]
    pub fn to_bytes(&self) -> Bytes {
        self.frame.slice_ref(self.data)
    }

    /// `to_bytes` over every argument, for a command that must outlive its
    /// frame (queued in MULTI, sent to another shard, logged).
    pub fn owned(args: &[Arg<'_>]) -> Vec<Bytes> {
        args.iter().map(Arg::to_bytes).collect()
    }
}

impl Deref for Arg<'_> {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.data
    }
}

impl AsRef<[u8]> for Arg<'_> {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self.data
    }
}

impl std::borrow::Borrow<[u8]> for Arg<'_> {
    fn borrow(&self) -> &[u8] {
        self.data
    }
}

impl<'a> From<&'a Bytes> for Arg<'a> {
    fn from(b: &'a Bytes) -> Arg<'a> {
        Arg::whole(b)
    }
}

impl std::fmt::Debug for Arg<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Shown as `Bytes` shows itself, so test failures read the same.
        std::fmt::Debug::fmt(&Bytes::copy_from_slice(self.data), f)
    }
}

impl PartialEq for Arg<'_> {
    fn eq(&self, other: &Arg<'_>) -> bool {
        self.data == other.data
    }
}

impl Eq for Arg<'_> {}

impl PartialEq<[u8]> for Arg<'_> {
    fn eq(&self, other: &[u8]) -> bool {
        self.data == other
    }
}

impl PartialEq<&[u8]> for Arg<'_> {
    fn eq(&self, other: &&[u8]) -> bool {
        self.data == *other
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Arg<'_> {
    fn eq(&self, other: &&[u8; N]) -> bool {
        self.data == &other[..]
    }
}

impl PartialEq<Bytes> for Arg<'_> {
    fn eq(&self, other: &Bytes) -> bool {
        self.data == &other[..]
    }
}

impl std::hash::Hash for Arg<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.data.hash(state)
    }
}

/// The complete commands one [`crate::CommandParser::parse_batch`] call
/// took off a buffer: the frames they arrived in, and where each argument
/// lies in its frame. Reused from read to read for its allocations.
#[derive(Debug, Default)]
pub struct Batch {
    /// Usually one frame per read (all its multibulk commands); an inline
    /// command brings one frame per argument.
    pub(crate) frames: Vec<Bytes>,
    /// Per argument: its frame's index and its range in that frame.
    pub(crate) args: Vec<(u32, usize, usize)>,
    /// Per non-empty command: the range of `args` it occupies.
    pub(crate) cmds: Vec<(usize, usize)>,
}

impl Batch {
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Empties the batch, keeping its allocations.
    pub fn clear(&mut self) {
        self.frames.clear();
        self.args.clear();
        self.cmds.clear();
    }

    /// How many commands it holds.
    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    /// Per command, the range of [`Batch::args`]'s output it occupies.
    pub fn commands(&self) -> &[(usize, usize)] {
        &self.cmds
    }

    /// Appends every argument of every command to `out`, in order.
    pub fn args<'a>(&'a self, out: &mut Vec<Arg<'a>>) {
        // A mapped slice iterator has an exact length: `extend` reserves once
        // and writes each element without a capacity check.
        if let [frame] = &self.frames[..] {
            // The usual batch, one read's multibulk commands: every argument
            // is in this frame, so no argument needs its frame looked up.
            let data: &'a [u8] = frame;
            out.extend(self.args.iter().map(|&(_, start, end)| Arg {
                data: &data[start..end],
                frame,
            }));
        } else {
            out.extend(
                self.args
                    .iter()
                    .map(|&(f, start, end)| Arg::new(&self.frames[f as usize], start..end)),
            );
        }
    }

    /// The commands as owned argument lists (tests and tools).
    pub fn to_vecs(&self) -> Vec<Vec<Bytes>> {
        let mut all = Vec::new();
        self.args(&mut all);
        self.cmds
            .iter()
            .map(|&(a, b)| Arg::owned(&all[a..b]))
            .collect()
    }
}

/// Gives back a vector's allocation for arguments of another lifetime: the
/// in-place collect of an empty vector keeps its buffer, so a connection can
/// reuse one argument list from read to read without holding a borrow of
/// the previous read.
pub fn recycle<'b>(mut v: Vec<Arg<'_>>) -> Vec<Arg<'b>> {
    v.clear();
    v.into_iter()
        .map(|_| unreachable!("the vector is empty"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_bytes_shares_the_frame() {
        let frame = Bytes::from_static(b"SET key value");
        let a = Arg::new(&frame, 4..7);
        assert_eq!(&*a, b"key");
        let b = a.to_bytes();
        assert_eq!(&b[..], b"key");
        assert_eq!(b.as_ptr(), frame[4..].as_ptr());
        let empty = Arg::new(&frame, 3..3);
        assert!(empty.to_bytes().is_empty());
    }

    #[test]
    fn recycle_keeps_the_allocation() {
        let frame = Bytes::from_static(b"abc");
        let mut v = Vec::with_capacity(64);
        v.push(Arg::whole(&frame));
        let cap = v.capacity();
        let w: Vec<Arg<'static>> = recycle(v);
        assert!(w.is_empty());
        assert_eq!(w.capacity(), cap);
    }
}
