//! The shard mesh: how shards talk. Each shard has one inbound queue; any
//! shard can push a closure onto it. The closure runs on the receiving
//! shard's thread, with that shard's state, and may answer through a oneshot.
//!
//! The queues are `futures` channels: a push from another thread wakes the
//! receiving executor through glommio's foreign-waker path (an eventfd write
//! only when that executor is parked), so a busy shard drains many messages
//! per wake-up. Nothing here is on the path of a command whose keys are local.

use crate::shard::Shard;
use futures::channel::{mpsc, oneshot};
use futures::StreamExt;
use std::rc::Rc;

/// Work sent to a shard: runs on that shard's thread. Any `FnOnce(&Rc<Shard>)`
/// is a task; a type of our own can be one too, so that a message that
/// already lives in a box (a remote batch, `remote.rs`) travels as that box,
/// without a second allocation for a closure around it.
pub trait Task: Send {
    fn run(self: Box<Self>, sh: &Rc<Shard>);
}

impl<F: FnOnce(&Rc<Shard>) + Send> Task for F {
    fn run(self: Box<Self>, sh: &Rc<Shard>) {
        (*self)(sh)
    }
}

/// A task on its way to a shard.
pub type Job = Box<dyn Task>;

/// Handles to every shard's inbound queue. Cloned into each shard.
#[derive(Clone)]
pub struct Mesh {
    senders: Vec<mpsc::UnboundedSender<Job>>,
}

/// One shard's end of the mesh.
pub struct Inbox {
    rx: mpsc::UnboundedReceiver<Job>,
}

impl Mesh {
    /// Creates the queues for `n` shards.
    pub fn new(n: usize) -> (Mesh, Vec<Inbox>) {
        let mut senders = Vec::with_capacity(n);
        let mut inboxes = Vec::with_capacity(n);
        for _ in 0..n {
            let (tx, rx) = mpsc::unbounded();
            senders.push(tx);
            inboxes.push(Inbox { rx });
        }
        (Mesh { senders }, inboxes)
    }

    pub fn len(&self) -> usize {
        self.senders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.senders.is_empty()
    }

    /// Queues `job` on shard `to` without waiting for it.
    pub fn post(&self, to: usize, job: Job) {
        // A send fails only while the server shuts down and the target shard
        // has already stopped; the job is then irrelevant.
        let _ = self.senders[to].unbounded_send(job);
    }
}

/// The answering end of a [`call`]. Sending posts the value back to the
/// calling shard as a mesh job, so that the caller's task is woken by its
/// own thread: many answers then cost one cross-thread wake-up per batch
/// instead of one each.
pub struct Replier<T: Send + 'static> {
    tx: oneshot::Sender<T>,
    origin: usize,
    /// Set when the call stayed on one shard: answer directly.
    local: bool,
}

thread_local! {
    /// This thread's handle to the mesh (set when a shard starts).
    static MESH: std::cell::RefCell<Option<Mesh>> = const { std::cell::RefCell::new(None) };
}

/// Records the mesh for this shard's thread, so answers can be posted.
pub fn install(mesh: &Mesh) {
    MESH.with(|m| *m.borrow_mut() = Some(mesh.clone()));
}

impl<T: Send + 'static> Replier<T> {
    /// Answers the call. The `Result` mirrors `oneshot::Sender::send`.
    pub fn send(self, v: T) -> Result<(), T> {
        if self.local {
            return self.tx.send(v);
        }
        let tx = self.tx;
        let posted = MESH.with(|m| match m.borrow().as_ref() {
            Some(mesh) => {
                mesh.post(
                    self.origin,
                    Box::new(move |_: &Rc<Shard>| {
                        let _ = tx.send(v);
                    }),
                );
                Ok(())
            }
            None => Err((tx, v)),
        });
        // Off a shard thread (never in practice): answer directly.
        match posted {
            Ok(()) => Ok(()),
            Err((tx, v)) => tx.send(v),
        }
    }
}

/// Runs `f` on shard `to` and returns its result. `f` runs synchronously on
/// the target; when it needs to wait (for a lock, say) it spawns a task there
/// and answers later.
pub async fn call<T, F>(from: &Rc<Shard>, to: usize, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce(&Rc<Shard>, Replier<T>) + Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    let origin = from.id;
    if to == origin {
        f(
            from,
            Replier {
                tx,
                origin,
                local: true,
            },
        );
    } else {
        from.mesh.post(
            to,
            Box::new(move |sh: &Rc<Shard>| {
                f(
                    sh,
                    Replier {
                        tx,
                        origin,
                        local: false,
                    },
                )
            }),
        );
    }
    // A dropped replier means the target shard stopped (shutdown); there is
    // nothing to answer with, so this call never completes.
    match rx.await {
        Ok(v) => v,
        Err(_) => std::future::pending().await,
    }
}

/// Serves a shard's inbox until every sender is gone.
pub async fn serve(sh: Rc<Shard>, mut inbox: Inbox) {
    while let Some(job) = inbox.rx.next().await {
        job.run(&sh);
    }
}

/// Runs `f` on every shard, all at once, and returns the results in shard
/// order. For server-wide questions (INFO, CLIENT LIST, SLOWLOG): `f` runs
/// on each shard's own thread and must not wait.
pub async fn on_every_shard<T, F>(from: &Rc<Shard>, f: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(&Rc<Shard>) -> T + Clone + Send + 'static,
{
    let calls = (0..from.shards()).map(|to| {
        let f = f.clone();
        call(from, to, move |sh, reply| {
            let _ = reply.send(f(sh));
        })
    });
    futures::future::join_all(calls).await
}
