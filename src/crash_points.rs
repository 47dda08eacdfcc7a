//! Crash points: places where a test can make the process die on the spot, to prove that a
//! crash at exactly that moment loses and duplicates nothing. Compiled in only with the cargo
//! feature `failpoints` (the `fail` crate); without it [`crash_point`] does nothing and the
//! release binary carries none.
//!
//! A process arms them from `FAILPOINTS` (the `fail` crate's syntax, read at start-up):
//! `FAILPOINTS='person_sync::after_commit_before_offset=3*off->return'` lets the point pass three
//! times and aborts the process the fourth time. `return` is the only action that crashes.

/// After a person event's transaction committed, before its Kafka offset is stored.
pub const AFTER_COMMIT_BEFORE_OFFSET: &str = "person_sync::after_commit_before_offset";
/// Inside a person fan-out's transaction: orders' versions moved, their person data not yet.
pub const MID_FAN_OUT: &str = "person_sync::mid_fan_out";
/// Inside the transaction retrying a parked id-only event: its parked entry removed, the
/// effect not yet written.
pub const MID_PARKED_RETRY: &str = "person_sync::mid_parked_retry";

/// Aborts the process (`std::process::abort`: no destructor, no offset commit, no graceful
/// anything, as with kill -9) when `name` is armed with `return`.
#[inline(always)]
pub fn crash_point(name: &str) {
    #[cfg(feature = "failpoints")]
    if armed(name) {
        eprintln!("crash point {name} reached: aborting the process");
        std::process::abort();
    }
    #[cfg(not(feature = "failpoints"))]
    let _ = name;
}

#[cfg(feature = "failpoints")]
fn armed(name: &str) -> bool {
    fail::fail_point!(name, |_| true);
    false
}

/// Reads `FAILPOINTS`; the points stay armed while the returned scenario lives.
#[cfg(feature = "failpoints")]
pub fn arm_from_env() -> fail::FailScenario<'static> {
    fail::FailScenario::setup()
}
