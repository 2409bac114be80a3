//! A run of a connection's consecutive commands for one other shard, sent
//! there as one message and answered by one message back. It never reorders
//! a connection's commands: the caller sends one run and awaits its replies
//! before it runs the next command.
//!
//! The round trip is one allocation that travels and comes back: a
//! [`Batch`] carries the run's arguments packed in one buffer with a small
//! index (copying a few dozen bytes is cheaper than a reference count per
//! argument on the read buffer, a cache line then shared by two threads),
//! is itself the mesh task (`mesh::Task`) both ways, and comes back with the
//! replies and where each one ends. The origin waits on a slot of its own
//! thread's table, filled by the answering task, which runs on the origin's
//! thread: no oneshot, no `Arc`, no closure boxes. A connection keeps its
//! batch for the next run, so a round trip allocates nothing once warm and
//! frees nothing on the other thread.

use crate::mesh::Task;
use crate::shard::Shard;
use bytes::{Bytes, BytesMut};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use tessera_commands::{CommandSpec, Handler};
use tessera_resp::{Arg, Out, Proto};

/// A batch whose buffers grew past this is not kept for the next run.
const KEEP_CAPACITY: usize = 64 * 1024;

/// One command of a batch.
struct Cmd {
    spec: &'static CommandSpec,
    handler: Handler,
    /// End of its arguments in `Batch::arg_ends` (they start where the
    /// previous command's end).
    args_end: usize,
}

/// A run of commands for one shard and, once it ran there, their replies.
pub struct Batch {
    cmds: Vec<Cmd>,
    /// Every argument of every command, back to back.
    args: BytesMut,
    /// Where each argument ends in `args`.
    arg_ends: Vec<usize>,
    db: usize,
    proto: Proto,
    /// The shard that sent it and its waiting slot there.
    origin: usize,
    slot: usize,
    /// Set by the shard that ran it: the task now answers.
    answered: bool,
    /// The replies, concatenated, and where each command's reply ends.
    out: BytesMut,
    reply_ends: Vec<usize>,
    /// An empty list whose allocation the running shard reuses for the
    /// views of a command's arguments.
    views: Vec<Arg<'static>>,
}

impl Batch {
    pub fn new() -> Box<Batch> {
        Box::new(Batch {
            cmds: Vec::new(),
            args: BytesMut::new(),
            arg_ends: Vec::new(),
            db: 0,
            proto: Proto::Resp2,
            origin: 0,
            slot: 0,
            answered: false,
            out: BytesMut::new(),
            reply_ends: Vec::new(),
            views: Vec::new(),
        })
    }

    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    /// Appends a command, copying its arguments.
    pub fn push(&mut self, spec: &'static CommandSpec, handler: Handler, argv: &[Arg<'_>]) {
        for a in argv {
            self.args.extend_from_slice(a);
            self.arg_ends.push(self.args.len());
        }
        self.cmds.push(Cmd {
            spec,
            handler,
            args_end: self.arg_ends.len(),
        });
    }

    /// The last command and the name it was sent with.
    pub fn last(&self) -> Option<(&'static CommandSpec, &[u8])> {
        let c = self.cmds.last()?;
        let first = self
            .cmds
            .len()
            .checked_sub(2)
            .map_or(0, |i| self.cmds[i].args_end);
        let start = first.checked_sub(1).map_or(0, |i| self.arg_ends[i]);
        let end = self.arg_ends[first];
        Some((c.spec, &self.args[start..end]))
    }

    /// The replies of every command, concatenated (after the answer).
    pub fn replies(&self) -> &[u8] {
        &self.out
    }

    /// Each command with its reply (after the answer).
    pub fn each_reply(&self) -> impl Iterator<Item = (&'static CommandSpec, &[u8])> + '_ {
        let mut start = 0usize;
        self.cmds
            .iter()
            .zip(&self.reply_ends)
            .map(move |(c, &end)| {
                let r = &self.out[start..end];
                start = end;
                (c.spec, r)
            })
    }

    /// Empties the batch for the next run, or gives it up when it grew
    /// large (a big value or reply), so a connection does not keep that
    /// memory.
    pub fn recycle(mut self: Box<Self>) -> Option<Box<Batch>> {
        if self.out.capacity() > KEEP_CAPACITY || self.args.capacity() > KEEP_CAPACITY {
            return None;
        }
        self.cmds.clear();
        self.args.clear();
        self.arg_ends.clear();
        self.out.clear();
        self.reply_ends.clear();
        self.answered = false;
        Some(self)
    }

    /// Runs the commands on this shard, in order, and posts the batch back
    /// to its origin with their replies. While a multi-shard operation
    /// holds locks here, each command waits for its keys (`exec::run_here`)
    /// on a task of its own.
    fn execute(mut self: Box<Self>, sh: &Rc<Shard>) {
        let frame = std::mem::take(&mut self.args).freeze();
        if sh.locks.borrow().is_empty() {
            let now = crate::shard::unix_ms();
            let mut out = Out::with_buf(std::mem::take(&mut self.out), self.proto);
            let mut views = tessera_resp::recycle(std::mem::take(&mut self.views));
            let mut first = 0usize;
            for i in 0..self.cmds.len() {
                let c = &self.cmds[i];
                self.arg_views(&frame, first, c.args_end, &mut views);
                first = c.args_end;
                sh.run_handler_inline(c.spec, c.handler, &views, self.db, now, &mut out, false);
                self.reply_ends.push(out.buf.len());
            }
            self.views = tessera_resp::recycle(views);
            self.out = out.buf;
            self.answer(sh, frame);
            return;
        }
        let sh = sh.clone();
        glommio::spawn_local(async move {
            let mut out = Out::with_buf(std::mem::take(&mut self.out), self.proto);
            let mut views = Vec::new();
            let mut first = 0usize;
            for i in 0..self.cmds.len() {
                let (spec, handler, end) = {
                    let c = &self.cmds[i];
                    (c.spec, c.handler, c.args_end)
                };
                self.arg_views(&frame, first, end, &mut views);
                first = end;
                crate::exec::run_here(&sh, spec, handler, &views, self.db, &mut out).await;
                self.reply_ends.push(out.buf.len());
            }
            drop(views);
            self.out = out.buf;
            self.answer(&sh, frame);
        })
        .detach();
    }

    /// Fills `views` with the arguments `first..end` (indexes into
    /// `arg_ends`) as slices of `frame`.
    fn arg_views<'a>(&self, frame: &'a Bytes, first: usize, end: usize, views: &mut Vec<Arg<'a>>) {
        views.clear();
        let mut start = first.checked_sub(1).map_or(0, |i| self.arg_ends[i]);
        for &e in &self.arg_ends[first..end] {
            views.push(Arg::new(frame, start..e));
            start = e;
        }
    }

    /// Takes the argument buffer back (unless a handler kept a slice of
    /// it) and posts the batch back to its origin.
    fn answer(mut self: Box<Self>, sh: &Shard, frame: Bytes) {
        self.args = frame.try_into_mut().unwrap_or_default();
        self.answered = true;
        let origin = self.origin;
        sh.mesh.post(origin, self);
    }

    /// On the origin's thread: hands the answered batch to its waiter.
    fn deliver(self: Box<Self>) {
        let waker = SLOTS.with(|slots| {
            let mut slots = slots.borrow_mut();
            let i = self.slot;
            match std::mem::replace(&mut slots.entries[i], Slot::Free) {
                Slot::Waiting(w) => {
                    slots.entries[i] = Slot::Done(self);
                    w
                }
                // The waiter is gone (its connection ended): the slot is
                // free again now that nothing more can arrive for it.
                Slot::Abandoned => {
                    slots.free.push(i);
                    None
                }
                Slot::Free | Slot::Done(_) => unreachable!("an answer for a slot not waiting"),
            }
        });
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl Task for Batch {
    fn run(self: Box<Self>, sh: &Rc<Shard>) {
        if self.answered {
            self.deliver()
        } else {
            self.execute(sh)
        }
    }
}

/// Runs `batch` on shard `to` (commands of database `db`, replies in
/// `proto`) and returns it with the replies. A batch whose target stopped
/// (shutdown) never comes back, and this never completes.
pub async fn run(
    from: &Shard,
    to: usize,
    mut batch: Box<Batch>,
    db: usize,
    proto: Proto,
) -> Box<Batch> {
    let slot = SLOTS.with(|s| s.borrow_mut().take());
    batch.db = db;
    batch.proto = proto;
    batch.origin = from.id;
    batch.slot = slot;
    batch.answered = false;
    from.mesh.post(to, batch);
    Answer { slot, done: false }.await
}

/// Where a batch sent from this thread comes back to.
enum Slot {
    Free,
    /// Sent; the waker of the task awaiting it, once it polled.
    Waiting(Option<Waker>),
    /// Answered, not yet taken by its waiter.
    Done(Box<Batch>),
    /// Sent, and its waiter is gone.
    Abandoned,
}

#[derive(Default)]
struct Slots {
    entries: Vec<Slot>,
    free: Vec<usize>,
}

impl Slots {
    fn take(&mut self) -> usize {
        match self.free.pop() {
            Some(i) => {
                self.entries[i] = Slot::Waiting(None);
                i
            }
            None => {
                self.entries.push(Slot::Waiting(None));
                self.entries.len() - 1
            }
        }
    }
}

thread_local! {
    /// This shard's batches in flight.
    static SLOTS: RefCell<Slots> = RefCell::new(Slots::default());
}

/// The answer to the batch sent with `slot`.
struct Answer {
    slot: usize,
    done: bool,
}

impl Future for Answer {
    type Output = Box<Batch>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Box<Batch>> {
        let i = self.slot;
        let ready = SLOTS.with(|slots| {
            let mut slots = slots.borrow_mut();
            match &mut slots.entries[i] {
                Slot::Waiting(w) => {
                    match w {
                        Some(w) if w.will_wake(cx.waker()) => {}
                        _ => *w = Some(cx.waker().clone()),
                    }
                    None
                }
                Slot::Done(_) => {
                    let Slot::Done(b) = std::mem::replace(&mut slots.entries[i], Slot::Free) else {
                        unreachable!()
                    };
                    slots.free.push(i);
                    Some(b)
                }
                Slot::Free | Slot::Abandoned => unreachable!("a waiter's slot is its own"),
            }
        });
        match ready {
            Some(b) => {
                self.done = true;
                Poll::Ready(b)
            }
            None => Poll::Pending,
        }
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let i = self.slot;
        // Off the shard's thread at exit the table may be gone already.
        let _ = SLOTS.try_with(|slots| {
            let mut slots = slots.borrow_mut();
            match std::mem::replace(&mut slots.entries[i], Slot::Abandoned) {
                Slot::Waiting(_) => {}
                // Answered but never polled again: nothing more will arrive.
                Slot::Done(_) => {
                    slots.entries[i] = Slot::Free;
                    slots.free.push(i);
                }
                Slot::Free | Slot::Abandoned => unreachable!("a waiter's slot is its own"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str) -> &'static CommandSpec {
        crate::server::install_table()
            .get(name.as_bytes())
            .expect("a known command")
    }

    fn handler(s: &CommandSpec) -> Handler {
        match s.exec {
            tessera_commands::Exec::Keys(h) | tessera_commands::Exec::Split(h, _) => h,
            _ => panic!("{} runs no handler of its own", s.name),
        }
    }

    fn args(words: &[&str]) -> Vec<Bytes> {
        words.iter().map(|w| Bytes::from(w.to_string())).collect()
    }

    fn views_of(b: &Batch, frame: &Bytes) -> Vec<Vec<Vec<u8>>> {
        let mut all = Vec::new();
        let mut views = Vec::new();
        let mut first = 0;
        for c in &b.cmds {
            b.arg_views(frame, first, c.args_end, &mut views);
            first = c.args_end;
            all.push(views.iter().map(|a| a.to_vec()).collect());
        }
        all
    }

    #[test]
    fn a_batch_gives_back_each_command_its_own_arguments() {
        let (get, set) = (spec("get"), spec("set"));
        let mut b = Batch::new();
        let cmds = [
            args(&["GET", "k1"]),
            args(&["set", "", "value"]),
            args(&["GET", "k3"]),
        ];
        for (i, argv) in cmds.iter().enumerate() {
            let s = if i == 1 { set } else { get };
            b.push(s, handler(s), &Arg::all(argv));
        }
        assert_eq!(b.len(), 3);
        let (last, name) = b.last().unwrap();
        assert!(std::ptr::eq(last, get));
        assert_eq!(name, b"GET");
        let frame = std::mem::take(&mut b.args).freeze();
        let want: Vec<Vec<Vec<u8>>> = cmds
            .iter()
            .map(|c| c.iter().map(|a| a.to_vec()).collect())
            .collect();
        assert_eq!(views_of(&b, &frame), want);
    }

    #[test]
    fn each_reply_splits_the_replies_where_they_end_and_recycle_empties() {
        let get = spec("get");
        let mut b = Batch::new();
        for k in ["a", "b", "c"] {
            b.push(get, handler(get), &Arg::all(&args(&["GET", k])));
        }
        for r in [&b"$1\r\nx\r\n"[..], b"-WRONGTYPE no\r\n", b"$-1\r\n"] {
            b.out.extend_from_slice(r);
            b.reply_ends.push(b.out.len());
        }
        let replies: Vec<&[u8]> = b.each_reply().map(|(_, r)| r).collect();
        assert_eq!(
            replies,
            [&b"$1\r\nx\r\n"[..], b"-WRONGTYPE no\r\n", b"$-1\r\n"]
        );
        let b = b.recycle().expect("a small batch is kept");
        assert!(b.is_empty() && b.replies().is_empty() && b.arg_ends.is_empty());
        assert!(b.last().is_none());
    }
}
