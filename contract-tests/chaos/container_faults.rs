//! Faults only a container can have, applied to the database while the system is under load:
//! cut off its network, frozen. Skipped, saying so, where the servers are processes.

use std::time::{Duration, Instant};

use super::{assert_converged, load, outage, System};
use crate::harness::containers::Servers as Where;

/// The database keeps running but its container leaves its network (`docker network
/// disconnect`), then rejoins it. Docker withdraws the port published on 127.0.0.1 with the
/// network (dockerd 20.10, userland proxy), so the services' open connections are closed and
/// new ones refused, as with a stopped server; unlike one, the server keeps its sessions and
/// any transaction left open, and comes back without a restart. Only containers have a network
/// to lose: with the servers as processes this is skipped, saying so.
#[tokio::test]
async fn with_the_database_cut_off_the_network_for_10_s_requests_fail_fast_readiness_says_so_and_all_recovers() {
    if skipped_on_processes("network-disconnect", "only a container can be cut off its network") {
        return;
    }
    let mut system = System::start().await;
    let workload = load(&system).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let cut = Instant::now();
    system.mongo.container().expect("on containers").disconnect().await.expect("docker network disconnect");
    let seen = outage::requests_fail_fast_and_readiness_says_so(&system, Duration::from_secs(10)).await;
    system.mongo.container().expect("on containers").connect().await.expect("docker network connect");
    let outage = cut.elapsed();
    let recovered = outage::ready_again(&system).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (ok, failed) = workload.stop().await;
    let converged = assert_converged(&system).await;
    println!(
        "database cut off the network for {outage:.1?}: {seen}; ready {recovered:.1?} after reconnecting; {ok} writes answered, {failed} failed; {converged}"
    );
    // The driver's promise: server selection gives up after 5 s (src/mongo.rs), so an answer
    // may take that plus the request's own work; a hang would take far longer.
    assert!(seen.slowest < Duration::from_secs(15), "requests do not hang on an unreachable database ({:?})", seen.slowest);
}

/// The database container frozen (`docker pause`) for 10 s: unlike a stopped or disconnected
/// server, connections through the published port are still accepted (its kernel runs), but no
/// request gets an answer, as behind a network partition that drops packets. Only on
/// containers: skipped, saying so, with the servers as processes.
#[tokio::test]
async fn with_the_database_frozen_for_10_s_requests_fail_fast_readiness_says_so_and_all_recovers() {
    if skipped_on_processes("frozen-database", "only a container can be paused") {
        return;
    }
    let mut system = System::start().await;
    let workload = load(&system).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    system.mongo.container().expect("on containers").pause().await.expect("docker pause");
    let seen = outage::requests_fail_fast_and_readiness_says_so(&system, Duration::from_secs(10)).await;
    system.mongo.container().expect("on containers").unpause().await.expect("docker unpause");
    let recovered = outage::ready_again(&system).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (ok, failed) = workload.stop().await;
    let converged = assert_converged(&system).await;
    println!("database frozen: {seen}; ready {recovered:.1?} after unpausing; {ok} writes answered, {failed} failed; {converged}");
    // Nothing fails a request waiting on a frozen server but the monitor's verdict: the next
    // heartbeat (the driver's, every 10 s; src/mongo.rs says why) times out after
    // connect_timeout (3 s) and interrupts it; its retry then waits out server selection (5 s):
    // 15.5 s measured. A hang would last as long as the freeze and beyond.
    assert!(seen.slowest < Duration::from_secs(25), "requests do not hang on a frozen database ({:?})", seen.slowest);
}

/// With the servers as processes, a test of a container-only fault says why it does not run.
fn skipped_on_processes(test: &str, because: &str) -> bool {
    let (servers, why) = crate::harness::containers::own_servers();
    if *servers == Where::Processes {
        eprintln!("SKIPPED {test} test: MongoDB and Kafka run as processes here ({why}); {because}");
    }
    *servers == Where::Processes
}
