//! The clock that dates records and decides the time rules (a sheet opens on its day, a certificate
//! after the last session…).
//!
//! In production it is the system's clock. Tests and demonstrations set it to a chosen instant, so
//! that a training of January 2027 can be run through today without a record ever being dated
//! before the fact it records.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Unix seconds (UTC); cheap to clone, shared by every clone.
#[derive(Clone, Debug, Default)]
pub struct Clock(Arc<AtomicI64>);

/// The value that means "the system's clock".
const SYSTEM: i64 = i64::MIN;

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock(Arc::new(AtomicI64::new(SYSTEM)))
    }

    /// A clock stopped at `at` (moved on only by [`Clock::set`] or [`Clock::advance`]).
    pub fn fixed(at: i64) -> Clock {
        Clock(Arc::new(AtomicI64::new(at)))
    }

    pub fn now(&self) -> i64 {
        match self.0.load(Ordering::Relaxed) {
            SYSTEM | 0 => crate::db::now(),
            at => at,
        }
    }

    /// Stops the clock at `at`.
    pub fn set(&self, at: i64) {
        self.0.store(at, Ordering::Relaxed);
    }

    /// Moves a stopped clock on by `seconds` (stops the system clock at now + `seconds`).
    pub fn advance(&self, seconds: i64) {
        self.set(self.now() + seconds);
    }

    /// Back to the system's clock.
    pub fn release(&self) {
        self.set(SYSTEM);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_says_the_same_instant_until_moved() {
        let c = Clock::fixed(1_800_000_000);
        assert_eq!(c.now(), 1_800_000_000);
        c.advance(60);
        assert_eq!(c.clone().now(), 1_800_000_060);
        c.release();
        assert!((c.now() - crate::db::now()).abs() < 5);
    }

    #[test]
    fn the_default_clock_is_the_systems() {
        assert!((Clock::default().now() - crate::db::now()).abs() < 5);
    }
}
