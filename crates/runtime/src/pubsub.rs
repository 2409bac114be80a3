//! Pub/sub across shards: each shard's registry of its own clients'
//! subscriptions, the fan-out of a published message to every shard, the
//! delivery into a subscriber's push buffer, the output limits that drop slow
//! subscribers, and keyspace notifications. It parses no command (that is
//! `cmds/pubsub.rs`) and never blocks a shard: delivering only appends bytes
//! to a client's buffer.
//!
//! # Design
//!
//! A subscription lives on the shard whose thread serves the subscribing
//! connection, in that shard's [`Registry`] (a thread-local: one shard per
//! thread, so the thread *is* the shard). What every other shard knows of it
//! is a count: each registry also holds, per namespace, the names other
//! shards' clients subscribe to and how many subscriptions each shard has
//! (`Registry::remote`).
//!
//! Those counts travel on queues of their own, one per shard
//! (`Global::interest`), not on the mesh: a shard whose subscriptions change
//! (SUBSCRIBE and the rest, RESET, a disconnect, a kill) pushes the change
//! onto every other shard's queue before it replies or lets anyone see the
//! client gone, and a shard drains its queue right before it reads the
//! counts. The queue is linearizable, so anything that happened after a
//! change was pushed (a client reading its SUBSCRIBE confirmation and then
//! publishing on another connection, a CLIENT LIST that no longer shows a
//! killed subscriber) finds it applied, with no round trip. The shard cron
//! drains the queue too, so a shard that never publishes does not let it
//! grow.
//!
//! PUBLISH runs on the publisher's shard without waiting for anyone: it
//! delivers to its own shard's subscribers at once (channel subscribers
//! first, then pattern subscribers, each matching subscription once), reads
//! from the counts which other shards hold subscriptions the message reaches
//! (exact names, and patterns matched here), posts the message over the mesh
//! to those shards only, and replies with its own deliveries plus their
//! counts. A PUBLISH that nobody on another shard listens to sends nothing
//! across, and one that is heard elsewhere costs a post per shard, never a
//! round trip. A subscriber that leaves while a message is on its way to its
//! shard is counted but not sent it, as on Redis when the two race.
//!
//! Ordering: each shard has one inbox, a queue that every other shard pushes
//! to, so two jobs reach a shard in the order they were pushed whenever one
//! push happened before the other. A connection runs its commands one after
//! another and every PUBLISH posts before it replies, so the messages of one
//! publisher reach every subscriber in publish order; a connection that
//! moves to another shard travels through that shard's inbox too, behind
//! the messages it posted there before. Keyspace events are posted in the
//! same way, to the shards that listen and without waiting for answers, by
//! the shard that ran the command before it answers;
//! the connection's next command starts only after that answer, so its
//! events are posted later still, and a subscriber hears one connection's
//! events in command order even when the commands ran on different shards.
//!
//! Delivery: each client has a [`ClientPubSub`] in its `ClientInfo` holding
//! encoded messages not yet written (`pending`) and the waker of its
//! connection loop. The loop (`conn::serve`) waits on "socket readable or
//! push pending" only while the client has subscriptions or monitors, so an
//! ordinary connection pays nothing. Messages are encoded once as RESP2
//! arrays; for a RESP3 client the first byte becomes `>`, the push type.
//!
//! Slow subscribers: after every delivery the client's unwritten output
//! (pending plus the write in flight) is checked against
//! `client-output-buffer-limit` for its class (pubsub while it has
//! subscriptions, normal otherwise, which covers MONITOR clients as in
//! Redis). Over the hard limit, or over the soft limit for longer than its
//! seconds, the client is closed and its buffer freed.

use crate::shard::{ClientInfo, Shard};
use bytes::{Bytes, BytesMut};
use crossbeam_channel::{Receiver, Sender};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;
use tessera_commands::notify;
use tessera_config::{Config, OutputBufferLimit};
use tessera_resp::{Out, Proto};
use tessera_storage::glob::glob_match;

type Set = HashSet<Bytes, ahash::RandomState>;
type Subs = HashMap<u64, Rc<ClientInfo>, ahash::RandomState>;

/// The three namespaces of subscriptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// SUBSCRIBE / PUBLISH.
    Channel,
    /// PSUBSCRIBE: glob patterns matched against PUBLISH channels.
    Pattern,
    /// SSUBSCRIBE / SPUBLISH: shard channels, a namespace of their own.
    Shard,
}

/// One client's pub/sub state: what it subscribed to and what it has not
/// been sent yet. Only its own shard's thread touches it.
#[derive(Default)]
pub struct ClientPubSub {
    channels: RefCell<Set>,
    patterns: RefCell<Set>,
    shard_channels: RefCell<Set>,
    monitor: Cell<bool>,
    /// Encoded messages waiting for the connection loop to write them.
    pending: RefCell<BytesMut>,
    /// The connection loop, when it waits for input or pushes.
    waker: RefCell<Option<Waker>>,
    /// When the output first went over the soft limit (cleared below it).
    soft_since: Cell<Option<Instant>>,
}

impl ClientPubSub {
    /// SUBSCRIBE + PSUBSCRIBE count, as (P)SUBSCRIBE replies show it.
    pub fn count(&self) -> usize {
        self.channels.borrow().len() + self.patterns.borrow().len()
    }

    /// SSUBSCRIBE count.
    pub fn shard_count(&self) -> usize {
        self.shard_channels.borrow().len()
    }

    /// (sub, psub, ssub) for CLIENT LIST.
    pub fn counts(&self) -> (usize, usize, usize) {
        (
            self.channels.borrow().len(),
            self.patterns.borrow().len(),
            self.shard_channels.borrow().len(),
        )
    }

    /// Whether the client is in pub/sub mode (Redis's `P` flag): any
    /// subscription of any kind.
    pub fn subscribed(&self) -> bool {
        self.count() + self.shard_count() > 0
    }

    pub fn is_monitor(&self) -> bool {
        self.monitor.get()
    }

    /// Whether anything may be pushed to this client, so that its connection
    /// loop must also wait for pushes, not only for input.
    pub fn active(&self) -> bool {
        self.monitor.get() || self.subscribed() || !self.pending.borrow().is_empty()
    }

    /// Bytes waiting to be written.
    pub fn pending_len(&self) -> usize {
        self.pending.borrow().len()
    }

    /// Takes the pending messages (the connection loop writes them).
    pub fn take_pending(&self) -> BytesMut {
        std::mem::take(&mut *self.pending.borrow_mut())
    }

    fn set(&self, kind: Kind) -> &RefCell<Set> {
        match kind {
            Kind::Channel => &self.channels,
            Kind::Pattern => &self.patterns,
            Kind::Shard => &self.shard_channels,
        }
    }

    /// The client's subscriptions of one kind.
    pub fn names(&self, kind: Kind) -> Vec<Bytes> {
        self.set(kind).borrow().iter().cloned().collect()
    }
}

/// Resolves when the client has pending pushes or was killed. Used by the
/// connection loop beside the socket read.
pub struct PushReady<'a>(pub &'a ClientInfo);

impl Future for PushReady<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let info = self.0;
        if !info.pubsub.pending.borrow().is_empty() || info.killed.get() {
            return Poll::Ready(());
        }
        let mut w = info.pubsub.waker.borrow_mut();
        match &*w {
            Some(old) if old.will_wake(cx.waker()) => {}
            _ => *w = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

/// One shard's subscriptions and monitors.
#[derive(Default)]
pub struct Registry {
    channels: RefCell<HashMap<Bytes, Subs, ahash::RandomState>>,
    patterns: RefCell<HashMap<Bytes, Subs, ahash::RandomState>>,
    shard_channels: RefCell<HashMap<Bytes, Subs, ahash::RandomState>>,
    monitors: RefCell<Subs>,
    /// How many monitors each shard has, kept by broadcast: the command
    /// path reads only `monitors_total`, a plain local integer.
    monitor_shards: RefCell<Vec<usize>>,
    monitors_total: Cell<usize>,
    /// Other shards' subscriptions, per namespace (indexed by
    /// [`Kind::slot`]): each name with the number of subscriptions every
    /// shard holds to it (this shard's own slot stays 0). Changed only by
    /// [`catch_up`], read by [`publish`] right after it.
    remote: [RefCell<HashMap<Bytes, Vec<u32>, ahash::RandomState>>; 3],
}

thread_local! {
    static REGISTRY: Registry = Registry::default();
}

/// Runs `f` with this shard's registry.
fn with_reg<T>(f: impl FnOnce(&Registry) -> T) -> T {
    REGISTRY.with(f)
}

impl Kind {
    /// This namespace's index in per-kind arrays.
    fn slot(self) -> usize {
        match self {
            Kind::Channel => 0,
            Kind::Pattern => 1,
            Kind::Shard => 2,
        }
    }
}

impl Registry {
    fn map(&self, kind: Kind) -> &RefCell<HashMap<Bytes, Subs, ahash::RandomState>> {
        match kind {
            Kind::Channel => &self.channels,
            Kind::Pattern => &self.patterns,
            Kind::Shard => &self.shard_channels,
        }
    }
}

/// Whether any monitor exists anywhere on the server (a local read).
pub fn monitors_exist() -> bool {
    with_reg(|r| r.monitors_total.get() > 0)
}

/// Subscribes `info` to `name`. Returns false if it already was.
pub fn subscribe(info: &Rc<ClientInfo>, kind: Kind, name: &Bytes) -> bool {
    if !info.pubsub.set(kind).borrow_mut().insert(name.clone()) {
        return false;
    }
    with_reg(|r| {
        r.map(kind)
            .borrow_mut()
            .entry(name.clone())
            .or_default()
            .insert(info.id, info.clone());
    });
    update_flags(info);
    true
}

/// Unsubscribes `info` from `name`. Returns false if it was not subscribed.
pub fn unsubscribe(info: &ClientInfo, kind: Kind, name: &[u8]) -> bool {
    if !info.pubsub.set(kind).borrow_mut().remove(name) {
        return false;
    }
    with_reg(|r| {
        let mut m = r.map(kind).borrow_mut();
        if let Some(subs) = m.get_mut(name) {
            subs.remove(&info.id);
            if subs.is_empty() {
                m.remove(name);
            }
        }
    });
    update_flags(info);
    true
}

/// Makes `info` a monitor: registers it here and tells every shard, and
/// returns once they all know, so that every command after the MONITOR
/// reply is seen.
pub async fn add_monitor(sh: &Rc<Shard>, info: &Rc<ClientInfo>) {
    info.pubsub.monitor.set(true);
    with_reg(|r| r.monitors.borrow_mut().insert(info.id, info.clone()));
    update_flags(info);
    let origin = sh.id;
    crate::mesh::on_every_shard(sh, move |_| count_monitor(origin, 1)).await;
}

/// Adjusts this shard's view of how many monitors shard `origin` has.
fn count_monitor(origin: usize, delta: isize) {
    with_reg(|r| {
        let mut v = r.monitor_shards.borrow_mut();
        if v.len() <= origin {
            v.resize(origin + 1, 0);
        }
        v[origin] = v[origin].saturating_add_signed(delta);
        r.monitors_total.set(v.iter().sum());
    });
}

/// The shards that have monitors, for the MONITOR feed.
pub(crate) fn monitor_shards() -> Vec<usize> {
    with_reg(|r| {
        r.monitor_shards
            .borrow()
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(s, _)| s)
            .collect()
    })
}

/// Sends one MONITOR line to this shard's monitors.
pub(crate) fn deliver_to_monitors(sh: &Shard, line: &[u8], skip: u64) {
    let monitors: Vec<Rc<ClientInfo>> =
        with_reg(|r| r.monitors.borrow().values().cloned().collect());
    for m in monitors.iter().filter(|m| m.id != skip) {
        let _ = push_to(sh, m, line, false);
    }
}

/// Drops every subscription and the monitor role of `info` (disconnect,
/// RESET, a kill), telling the other shards.
pub fn forget(sh: &Shard, info: &ClientInfo) {
    for kind in [Kind::Channel, Kind::Pattern, Kind::Shard] {
        let names = info.pubsub.names(kind);
        for name in &names {
            unsubscribe(info, kind, name);
        }
        announce(sh, kind, names, -1);
    }
    if info.pubsub.monitor.replace(false) {
        with_reg(|r| r.monitors.borrow_mut().remove(&info.id));
        update_flags(info);
        let origin = sh.id;
        count_monitor(origin, -1);
        for to in 0..sh.shards() {
            if to != sh.id {
                sh.mesh
                    .post(to, Box::new(move |_: &Rc<Shard>| count_monitor(origin, -1)));
            }
        }
    }
    // Whatever was not written is dropped with the subscriptions.
    info.pubsub.pending.borrow_mut().clear();
}

/// A change of one shard's subscription counts, on its way to the others.
#[derive(Clone)]
pub struct InterestChange {
    origin: usize,
    kind: Kind,
    names: Arc<Vec<Bytes>>,
    delta: i32,
}

/// One shard's queue of [`InterestChange`]s: every shard sends, the owner
/// receives.
pub type InterestQueue = (Sender<InterestChange>, Receiver<InterestChange>);

/// The queues for `shards` shards, for `Global::interest`.
pub fn interest_queues(shards: usize) -> Vec<InterestQueue> {
    (0..shards)
        .map(|_| crossbeam_channel::unbounded())
        .collect()
}

/// Tells every other shard that this shard's number of subscriptions to
/// each of `names` in `kind` changed by `delta` (+1 or -1 each). Returns
/// at once; a shard applies the change before it next reads the counts.
pub fn announce(sh: &Shard, kind: Kind, names: Vec<Bytes>, delta: i32) {
    if sh.shards() == 1 || names.is_empty() {
        return;
    }
    let change = InterestChange {
        origin: sh.id,
        kind,
        names: Arc::new(names),
        delta,
    };
    for (to, (tx, _)) in sh.global.interest.iter().enumerate() {
        if to != sh.id {
            // The receiver lives in `Global` as long as any shard: this
            // cannot fail.
            let _ = tx.send(change.clone());
        }
    }
}

/// Applies every change other shards announced so far to this shard's
/// view of their subscriptions.
pub fn catch_up(sh: &Shard) {
    let Some((_, rx)) = sh.global.interest.get(sh.id) else {
        return;
    };
    let shards = sh.shards();
    while let Ok(c) = rx.try_recv() {
        with_reg(|r| {
            let mut m = r.remote[c.kind.slot()].borrow_mut();
            for name in c.names.iter() {
                let counts = m.entry(name.clone()).or_insert_with(|| vec![0; shards]);
                counts[c.origin] = counts[c.origin].saturating_add_signed(c.delta);
                if counts.iter().all(|&n| n == 0) {
                    m.remove(name);
                }
            }
        });
    }
}

/// The subscriptions on other shards that a message published on `channel`
/// in `kind` reaches, per shard (empty when there are none): the name's own
/// subscribers and, for a channel, every pattern that matches it.
fn remote_reach(kind: Kind, channel: &[u8]) -> Vec<u32> {
    with_reg(|r| {
        let direct = match kind {
            Kind::Shard => &r.remote[Kind::Shard.slot()],
            _ => &r.remote[Kind::Channel.slot()],
        };
        let mut reach = direct.borrow().get(channel).cloned().unwrap_or_default();
        if kind == Kind::Channel {
            for (pattern, counts) in r.remote[Kind::Pattern.slot()].borrow().iter() {
                if glob_match(pattern, channel, false) {
                    if reach.is_empty() {
                        reach = vec![0; counts.len()];
                    }
                    for (total, c) in reach.iter_mut().zip(counts) {
                        *total += c;
                    }
                }
            }
        }
        reach
    })
}

/// Keeps Redis's `P` (pub/sub) and `O` (monitor) flags in CLIENT LIST's
/// `flags` field in step with the client's state.
fn update_flags(info: &ClientInfo) {
    let mut f = info.flags.borrow_mut();
    set_flag(&mut f, 'P', info.pubsub.subscribed());
    set_flag(&mut f, 'O', info.pubsub.is_monitor());
}

/// The order in which Redis 7.0 prints client flags.
const FLAG_ORDER: &str = "OSMPxbtRBdcuAUre";

/// Sets or clears one flag letter in a CLIENT LIST flags string, keeping
/// Redis's order and its `N` for "no flags".
pub fn set_flag(flags: &mut String, flag: char, on: bool) {
    let mut letters: Vec<char> = flags.chars().filter(|&c| c != 'N' && c != flag).collect();
    if on {
        letters.push(flag);
    }
    letters.sort_by_key(|c| FLAG_ORDER.find(*c).unwrap_or(usize::MAX));
    flags.clear();
    if letters.is_empty() {
        flags.push('N');
    } else {
        flags.extend(letters);
    }
}

/// Encodes a message frame as a RESP2 array; `push_to` turns it into a
/// RESP3 push for RESP3 clients.
fn frame(kind: Kind, pattern: Option<&[u8]>, channel: &[u8], msg: &[u8]) -> BytesMut {
    let mut o = Out::new(Proto::Resp2);
    match (kind, pattern) {
        (_, Some(p)) => {
            o.array(4);
            o.bulk(b"pmessage");
            o.bulk(p);
        }
        (Kind::Shard, None) => {
            o.array(3);
            o.bulk(b"smessage");
        }
        _ => {
            o.array(3);
            o.bulk(b"message");
        }
    }
    o.bulk(channel);
    o.bulk(msg);
    o.buf
}

/// Closes a client and takes it out of pub/sub at once. A killed client is
/// gone for CLIENT LIST, PUBLISH's count and PUBSUB as soon as it is
/// marked, not when its connection loop gets to run, which for a client of
/// another shard can be after the killer's next command.
pub(crate) fn kill(sh: &Shard, info: &ClientInfo) {
    info.kill();
    forget(sh, info);
}

/// Appends one encoded frame (a RESP2 array, or `raw` bytes sent as they
/// are) to a client's pending output, wakes its connection loop, and
/// closes the client if that takes it over its output limit. Returns
/// whether the client was still there to receive it (a client closed by
/// this very frame was).
pub(crate) fn push_to(sh: &Shard, info: &ClientInfo, frame: &[u8], as_push: bool) -> bool {
    if info.killed.get() {
        return false;
    }
    {
        let mut p = info.pubsub.pending.borrow_mut();
        let start = p.len();
        p.extend_from_slice(frame);
        if as_push && info.resp.get() == 3 {
            p[start] = b'>';
        }
    }
    if let Some(w) = info.pubsub.waker.borrow_mut().take() {
        w.wake();
    }
    let limits = sh.config.borrow().client_output_buffer_limit;
    let limit = if info.pubsub.subscribed() {
        limits.pubsub
    } else {
        limits.normal
    };
    let used = info.pubsub.pending_len() + info.output_buf.get();
    let mut since = info.pubsub.soft_since.get();
    if over_limit(used as u64, limit, Instant::now(), &mut since) {
        tracing::warn!(
            client = info.id,
            addr = %info.addr,
            used,
            "closing client that reached its client-output-buffer-limit"
        );
        info.pubsub.pending.borrow_mut().clear();
        kill(sh, info);
        if let Some(w) = info.pubsub.waker.borrow_mut().take() {
            w.wake();
        }
    }
    info.pubsub.soft_since.set(since);
    true
}

/// Redis's output-limit rule: at or over `hard` bytes, or at or over `soft`
/// for more than `soft_seconds` whole seconds. `since` remembers when the
/// soft limit was first reached and is cleared when usage drops below it.
/// Zero disables a limit.
pub fn over_limit(
    used: u64,
    limit: OutputBufferLimit,
    now: Instant,
    since: &mut Option<Instant>,
) -> bool {
    if limit.hard > 0 && used >= limit.hard {
        return true;
    }
    if limit.soft > 0 && used >= limit.soft {
        match *since {
            None => {
                *since = Some(now);
                false
            }
            Some(t) => now.duration_since(t).as_secs() > limit.soft_seconds,
        }
    } else {
        *since = None;
        false
    }
}

/// Delivers a message published on `channel` to this shard's subscribers;
/// returns how many subscriptions received it.
pub fn deliver_local(sh: &Shard, kind: Kind, channel: &[u8], msg: &[u8]) -> usize {
    with_reg(|r| {
        let mut n = 0;
        let direct_map = if kind == Kind::Shard {
            &r.shard_channels
        } else {
            &r.channels
        };
        // Clients are collected first: a delivery may kill a client, and
        // nothing may hold a registry borrow while that happens.
        let direct: Vec<Rc<ClientInfo>> = direct_map
            .borrow()
            .get(channel)
            .map(|s| s.values().cloned().collect())
            .unwrap_or_default();
        if !direct.is_empty() {
            let f = frame(kind, None, channel, msg);
            for c in &direct {
                n += push_to(sh, c, &f, true) as usize;
            }
        }
        if kind == Kind::Channel && !r.patterns.borrow().is_empty() {
            let matched: Vec<(Bytes, Vec<Rc<ClientInfo>>)> = r
                .patterns
                .borrow()
                .iter()
                .filter(|(p, _)| glob_match(p, channel, false))
                .map(|(p, s)| (p.clone(), s.values().cloned().collect()))
                .collect();
            for (p, subs) in matched {
                let f = frame(kind, Some(&p), channel, msg);
                for c in &subs {
                    n += push_to(sh, c, &f, true) as usize;
                }
            }
        }
        n
    })
}

/// PUBLISH / SPUBLISH: delivers to this shard's subscribers now, posts the
/// message to the other shards that have subscriptions it reaches, and
/// returns the number of subscriptions reached server-wide (see the module
/// notes for how the other shards' counts are known).
pub fn publish(sh: &Shard, kind: Kind, channel: Bytes, msg: Bytes) -> usize {
    let msgs = [(channel, msg)];
    deliver_local(sh, kind, &msgs[0].0, &msgs[0].1) + post_to_listeners(sh, kind, &msgs)
}

/// Publishes many (channel, message) pairs without waiting: delivered here
/// now, and to the other shards that listen (keyspace events: a write on a
/// server where nobody listens on other shards sends nothing across).
pub fn publish_nowait(sh: &Shard, msgs: Vec<(Bytes, Bytes)>) {
    for (ch, m) in &msgs {
        deliver_local(sh, Kind::Channel, ch, m);
    }
    post_to_listeners(sh, Kind::Channel, &msgs);
}

/// Posts each of `msgs` to the other shards that have subscriptions it
/// reaches, as one job per shard holding that shard's messages in order,
/// and returns how many subscriptions there the messages reach in all.
fn post_to_listeners(sh: &Shard, kind: Kind, msgs: &[(Bytes, Bytes)]) -> usize {
    let shards = sh.shards();
    if shards == 1 || msgs.is_empty() {
        return 0;
    }
    catch_up(sh);
    let mut reached = 0;
    let mut per_shard: Vec<Vec<(Bytes, Bytes)>> = Vec::new();
    for (ch, m) in msgs {
        for (to, &count) in remote_reach(kind, ch).iter().enumerate() {
            if count == 0 || to == sh.id {
                continue;
            }
            reached += count as usize;
            if per_shard.is_empty() {
                per_shard.resize_with(shards, Vec::new);
            }
            // Cloning copies only the handles: `Bytes` shares its buffer.
            per_shard[to].push((ch.clone(), m.clone()));
        }
    }
    for (to, batch) in per_shard.into_iter().enumerate() {
        if batch.is_empty() {
            continue;
        }
        sh.mesh.post(
            to,
            Box::new(move |s: &Rc<Shard>| {
                for (ch, m) in &batch {
                    deliver_local(s, kind, ch, m);
                }
            }),
        );
    }
    reached
}

/// Moves messages delivered to this client so far into its reply buffer, so
/// that they precede the reply being written (Redis writes both into one
/// buffer in the order they happen).
pub fn pending_into(info: &ClientInfo, out: &mut Out) {
    let mut p = info.pubsub.pending.borrow_mut();
    if !p.is_empty() {
        out.raw(&p);
        p.clear();
    }
}

// ---------------------------------------------------------------------------
// Server-wide questions (PUBSUB, INFO).
// ---------------------------------------------------------------------------

/// The distinct names with subscribers of `kind` on any shard, that match
/// `pattern` when one is given.
pub async fn names(sh: &Rc<Shard>, kind: Kind, pattern: Option<Bytes>) -> Vec<Bytes> {
    let per_shard = crate::mesh::on_every_shard(sh, move |_| {
        with_reg(|r| {
            r.map(kind)
                .borrow()
                .keys()
                .filter(|k| pattern.as_ref().is_none_or(|p| glob_match(p, k, false)))
                .cloned()
                .collect::<Vec<Bytes>>()
        })
    })
    .await;
    let mut seen = Set::default();
    let mut out = Vec::new();
    for name in per_shard.into_iter().flatten() {
        if seen.insert(name.clone()) {
            out.push(name);
        }
    }
    out
}

/// Subscriber counts of `names` in `kind`, summed over shards.
pub async fn numsub(sh: &Rc<Shard>, kind: Kind, names: Vec<Bytes>) -> Vec<usize> {
    let n = names.len();
    let per_shard = crate::mesh::on_every_shard(sh, move |_| {
        with_reg(|r| {
            let m = r.map(kind).borrow();
            names
                .iter()
                .map(|c| m.get(c).map_or(0, |s| s.len()))
                .collect::<Vec<usize>>()
        })
    })
    .await;
    let mut total = vec![0; n];
    for counts in per_shard {
        for (t, c) in total.iter_mut().zip(counts) {
            *t += c;
        }
    }
    total
}

/// INFO's `pubsub_channels`, `pubsub_patterns`, `pubsubshard_channels`:
/// distinct names server-wide.
pub async fn info_counts(sh: &Rc<Shard>) -> [usize; 3] {
    [
        names(sh, Kind::Channel, None).await.len(),
        names(sh, Kind::Pattern, None).await.len(),
        names(sh, Kind::Shard, None).await.len(),
    ]
}

// ---------------------------------------------------------------------------
// Keyspace notifications.
// ---------------------------------------------------------------------------

/// The `notify::*` bits for a `notify-keyspace-events` value. Without `K`
/// or `E` nothing is published, so the mask is then 0 and handlers raise
/// no events at all. The `n` (new key) and `m` (key miss) classes are not
/// part of `A`; storage finds those events and `Ctx` raises them.
pub fn notify_mask(events: &str) -> u32 {
    if events.is_empty() {
        return 0;
    }
    let mut m = 0;
    for c in events.bytes() {
        m |= match c {
            b'A' => {
                notify::GENERIC
                    | notify::STRING
                    | notify::LIST
                    | notify::SET
                    | notify::HASH
                    | notify::ZSET
                    | notify::EXPIRED
                    | notify::EVICTED
                    | notify::STREAM
                    | notify::MODULE
            }
            b'g' => notify::GENERIC,
            b'$' => notify::STRING,
            b'l' => notify::LIST,
            b's' => notify::SET,
            b'h' => notify::HASH,
            b'z' => notify::ZSET,
            b'x' => notify::EXPIRED,
            b'e' => notify::EVICTED,
            b't' => notify::STREAM,
            b'm' => notify::KEY_MISS,
            b'd' => notify::MODULE,
            b'n' => notify::NEW,
            b'K' => notify::KEYSPACE,
            b'E' => notify::KEYEVENT,
            _ => 0,
        };
    }
    if m & (notify::KEYSPACE | notify::KEYEVENT) == 0 {
        return 0;
    }
    m
}

/// The keyspace-event mask of a configuration. Every local command asks,
/// and notifications are usually off: that answer is one inline test.
#[inline]
pub fn config_mask(config: &Config) -> u32 {
    if config.notify_keyspace_events.is_empty() {
        return 0;
    }
    notify_mask(&config.notify_keyspace_events)
}

/// The channel/message pairs for one event under `mask`.
fn event_messages(mask: u32, ev: &notify::Event, out: &mut Vec<(Bytes, Bytes)>) {
    if mask & ev.class == 0 {
        return;
    }
    if mask & notify::KEYSPACE != 0 {
        let mut ch = format!("__keyspace@{}__:", ev.db).into_bytes();
        ch.extend_from_slice(&ev.key);
        out.push((Bytes::from(ch), Bytes::from_static(ev.name.as_bytes())));
    }
    if mask & notify::KEYEVENT != 0 {
        let ch = format!("__keyevent@{}__:{}", ev.db, ev.name);
        out.push((Bytes::from(ch), ev.key.clone()));
    }
}

/// Publishes the events a handler raised on this shard.
pub fn publish_events(sh: &Shard, events: &[notify::Event]) {
    if events.is_empty() {
        return;
    }
    let mask = config_mask(&sh.config.borrow());
    let mut msgs = Vec::with_capacity(events.len() * 2);
    for ev in events {
        event_messages(mask, ev, &mut msgs);
    }
    publish_nowait(sh, msgs);
}

/// Publishes `expired` events for keys that expired in database `db`.
pub fn publish_expired(sh: &Shard, db: usize, keys: &[Box<[u8]>]) {
    let mask = config_mask(&sh.config.borrow());
    if mask & notify::EXPIRED == 0 || keys.is_empty() {
        return;
    }
    let mut msgs = Vec::with_capacity(keys.len() * 2);
    for k in keys {
        let ev = notify::Event {
            class: notify::EXPIRED,
            name: "expired",
            db,
            key: Bytes::copy_from_slice(k),
        };
        event_messages(mask, &ev, &mut msgs);
    }
    publish_nowait(sh, msgs);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn masks_follow_redis_letters() {
        assert_eq!(notify_mask(""), 0);
        // Classes without K or E publish nothing.
        assert_eq!(notify_mask("g$"), 0);
        let m = notify_mask("KEA");
        assert_ne!(m & notify::EXPIRED, 0);
        assert_ne!(m & notify::STRING, 0);
        assert_eq!(m & notify::KEY_MISS, 0);
        assert_eq!(m & notify::NEW, 0);
        let m = notify_mask("Ex");
        assert_eq!(m, notify::KEYEVENT | notify::EXPIRED);
        assert_ne!(notify_mask("Km") & notify::KEY_MISS, 0);
    }

    #[test]
    fn events_become_keyspace_and_keyevent_messages() {
        let ev = notify::Event {
            class: notify::STRING,
            name: "set",
            db: 3,
            key: Bytes::from_static(b"k"),
        };
        let mut out = Vec::new();
        event_messages(notify_mask("KE$"), &ev, &mut out);
        assert_eq!(
            out,
            vec![
                (
                    Bytes::from_static(b"__keyspace@3__:k"),
                    Bytes::from_static(b"set")
                ),
                (
                    Bytes::from_static(b"__keyevent@3__:set"),
                    Bytes::from_static(b"k")
                ),
            ]
        );
        out.clear();
        event_messages(notify_mask("Kg"), &ev, &mut out);
        assert!(out.is_empty(), "string events are not asked for");
    }

    #[test]
    fn frames_are_redis_arrays() {
        assert_eq!(
            &frame(Kind::Channel, None, b"ch", b"hi")[..],
            b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
        );
        assert_eq!(
            &frame(Kind::Channel, Some(b"c*"), b"ch", b"")[..],
            b"*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$0\r\n\r\n"
        );
        assert_eq!(
            &frame(Kind::Shard, None, b"s", b"m")[..],
            b"*3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nm\r\n"
        );
    }

    #[test]
    fn flags_keep_redis_order() {
        let mut f = String::from("N");
        set_flag(&mut f, 'P', true);
        assert_eq!(f, "P");
        set_flag(&mut f, 'O', true);
        assert_eq!(f, "OP");
        set_flag(&mut f, 'x', true);
        assert_eq!(f, "OPx");
        set_flag(&mut f, 'P', false);
        set_flag(&mut f, 'O', false);
        assert_eq!(f, "x");
        set_flag(&mut f, 'x', false);
        assert_eq!(f, "N");
    }

    #[test]
    fn output_limits_hard_and_soft() {
        let lim = OutputBufferLimit {
            hard: 100,
            soft: 50,
            soft_seconds: 2,
        };
        let t0 = Instant::now();
        let mut since = None;
        assert!(!over_limit(10, lim, t0, &mut since));
        assert!(over_limit(100, lim, t0, &mut since));
        assert!(!over_limit(60, lim, t0, &mut since));
        assert_eq!(since, Some(t0));
        assert!(!over_limit(
            60,
            lim,
            t0 + Duration::from_secs(2),
            &mut since
        ));
        assert!(over_limit(60, lim, t0 + Duration::from_secs(3), &mut since));
        // Dropping below the soft limit restarts the clock.
        assert!(!over_limit(
            10,
            lim,
            t0 + Duration::from_secs(3),
            &mut since
        ));
        assert_eq!(since, None);
        let off = OutputBufferLimit {
            hard: 0,
            soft: 0,
            soft_seconds: 0,
        };
        assert!(!over_limit(u64::MAX, off, t0, &mut since));
    }
}
