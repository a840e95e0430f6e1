//! Waiting in the browser without blocking it.

use leptos::prelude::set_timeout;
use std::time::Duration;

/// Waits `ms` milliseconds (a timer, then a wake-up).
pub async fn sleep(ms: u64) {
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    set_timeout(
        move || {
            let _ = tx.send(());
        },
        Duration::from_millis(ms),
    );
    let _ = rx.await;
}
