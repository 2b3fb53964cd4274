//! The clock that widget sessions are issued, checked and ended by.
//!
//! It reads the system clock, and tests can move it forward, so "the session expired" is a
//! step a test takes rather than fifteen minutes it waits. Everything that waits for a moment
//! on this clock (a live stream ending with its session) wakes up when it is moved.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::AppState;

/// System time plus a forward offset that only tests set.
#[derive(Clone)]
pub struct Clock {
    /// Seconds added to the system time; a watch so that waiters notice a change.
    offset: Arc<watch::Sender<u64>>,
}

impl Default for Clock {
    fn default() -> Self {
        Self {
            offset: Arc::new(watch::channel(0).0),
        }
    }
}

impl Clock {
    /// Seconds since the Unix epoch.
    pub fn now(&self) -> u64 {
        super::unix_now().saturating_add(*self.offset.borrow())
    }

    /// Moves this clock forward by `by` (whole seconds); for tests.
    pub fn advance(&self, by: Duration) {
        self.offset
            .send_modify(|offset| *offset = offset.saturating_add(by.as_secs()));
    }

    /// Resolves once [`Clock::now`] reaches `deadline`, whether time passes or the clock is
    /// moved.
    pub fn reached(&self, deadline: u64) -> impl Future<Output = ()> + Send + use<> {
        let clock = self.clone();
        let mut moved = self.offset.subscribe();
        async move {
            loop {
                let now = clock.now();
                if now >= deadline {
                    return;
                }
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(deadline - now)) => {}
                    // The sender lives in `clock`, so this only fails if the clock is gone.
                    changed = moved.changed() => if changed.is_err() { return; }
                }
            }
        }
    }
}

impl AppState {
    /// The clock sessions are checked against.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn moving_the_clock_past_a_deadline_wakes_whoever_waits_for_it() {
        let clock = Clock::default();
        let deadline = clock.now() + 3_600;
        let waiting = tokio::spawn(clock.reached(deadline));
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "an hour has not passed");
        clock.advance(Duration::from_secs(3_600));
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("woken by the move, not by an hour passing")
            .expect("the waiter does not panic");
    }
}
