//! Long writes of this process in flight, during which the relay holds its timed passes.
//!
//! A person fan-out rewrites thousands of orders in one transaction (tens of seconds on
//! SecantusDB). A database that runs one command at a time answers every read sent meanwhile
//! between the transaction's commands, and a read of `orders` while the transaction has
//! rewritten thousands of them costs it a few hundred milliseconds: the relay's timed polls
//! alone made a 10,000-order fan-out 40% slower. Nothing they could find is lost by waiting:
//! a local write still wakes the relay at once, the fan-out's own events are published the
//! moment it ends, and events another instance staged are published by that instance once this
//! one's lease lapses (a held pass does not renew it).

use std::sync::{
    atomic::{AtomicU64, AtomicUsize, Ordering},
    Arc,
};

use tokio::sync::Notify;

/// Shared by the writers that start long writes and the relay that waits for them.
#[derive(Clone, Default)]
pub struct LongWrites(Arc<Inner>);

#[derive(Default)]
struct Inner {
    in_flight: AtomicUsize,
    none_left: Notify,
    /// How many have ended so far.
    ended: AtomicU64,
}

/// One long write in flight, until dropped.
#[must_use = "the write counts as in flight only while this is held"]
pub struct LongWrite(LongWrites);

impl LongWrites {
    pub fn begin(&self) -> LongWrite {
        self.0.in_flight.fetch_add(1, Ordering::SeqCst);
        LongWrite(self.clone())
    }

    pub fn in_flight(&self) -> usize {
        self.0.in_flight.load(Ordering::SeqCst)
    }

    /// How many long writes have ended: a change says one ended since the last look.
    pub fn ended(&self) -> u64 {
        self.0.ended.load(Ordering::SeqCst)
    }

    /// Resolves at once when none is in flight, otherwise when the last one ends.
    pub async fn none_in_flight(&self) {
        loop {
            let ended = self.0.none_left.notified();
            tokio::pin!(ended);
            // Registered before the check: an end between the check and the wait is not missed.
            ended.as_mut().enable();
            if self.in_flight() == 0 {
                return;
            }
            ended.await;
        }
    }
}

impl Drop for LongWrite {
    fn drop(&mut self) {
        self.0 .0.ended.fetch_add(1, Ordering::SeqCst);
        if self.0 .0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0 .0.none_left.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn waiting_ends_when_the_last_long_write_ends() {
        let writes = LongWrites::default();
        writes.none_in_flight().await; // none: at once
        let (first, second) = (writes.begin(), writes.begin());
        let waiter = tokio::spawn({
            let writes = writes.clone();
            async move { writes.none_in_flight().await }
        });
        drop(first);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "one write is still in flight");
        assert_eq!(writes.ended(), 1, "each end is counted, not only the last");
        drop(second);
        tokio::time::timeout(Duration::from_secs(5), waiter).await.expect("the wait ends with the last write").unwrap();
        assert_eq!((writes.in_flight(), writes.ended()), (0, 2));
    }
}
