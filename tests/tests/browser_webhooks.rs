//! « Administration › Webhooks » in headless Chromium: the administrator registers an
//! endpoint (its secret shown once), a sale reaches the test's receiver, the delivery log
//! shows it delivered, and « Renvoyer » sends it again. The director sees no such tab.
//!
//! Element ids: `[data-tab=webhooks]`, `#webhook-url`, `#webhook-save`, `#webhook-secret`,
//! `#webhooks-list .webhook-row`, `.webhook-log`, `#deliveries-list .delivery-row[data-status]`,
//! `.delivery-redeliver`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_tests::webdriver::Browser;
use crm_tests::{demo_store_in_browser, TestApp};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A receiver answering 200 to every request; counts them.
async fn receiver() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while let Ok(n) = stream.read(&mut chunk).await {
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + length {
                        break;
                    }
                }
                seen.fetch_add(1, Ordering::SeqCst);
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (url, count)
}

async fn wait_count(count: &AtomicUsize, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while count.load(Ordering::SeqCst) < n {
        assert!(Instant::now() < deadline, "{n} request(s) expected");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sell(app: &TestApp) {
    let cashier = app.login_body("caisse", "Caisse2026!").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app
        .sell(
            &cashier,
            json!({
                "lines": [{"barcode": TestApp::demo_barcode(0), "quantity": 1}],
                "payments": [{"method": "ESPECES", "amount": 10_000}]
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

async fn open_log(browser: &Browser) {
    browser
        .click_on("#webhooks-list .webhook-log")
        .await
        .unwrap();
    browser.wait_for("#deliveries-list").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_registers_a_webhook_and_follows_its_deliveries() {
    let (app, browser) = demo_store_in_browser().await;
    let (url, received) = receiver().await;
    browser
        .log_in(&app.base_url, "admin", "Admin2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=admin]").await.unwrap();
    browser.click_on("[data-nav=admin]").await.unwrap();
    browser.click_on("[data-tab=webhooks]").await.unwrap();
    let field = browser.wait_for("#webhook-url").await.unwrap();
    browser.send_keys(&field, &url).await.unwrap();
    browser
        .click_on("input[data-event='sale.refunded']")
        .await
        .unwrap();
    browser.click_on("#webhook-save").await.unwrap();
    let secret = browser.wait_for("#webhook-secret").await.unwrap();
    assert!(browser.text(&secret).await.unwrap().starts_with("whsec_"));
    browser
        .wait_for_count("#webhooks-list .webhook-row", 1)
        .await
        .unwrap();
    let events = browser
        .texts("#webhooks-list .webhook-row .badge")
        .await
        .unwrap();
    assert_eq!(events, ["Vente enregistrée", "Vente remboursée ou annulée"]);
    browser
        .keep_screenshot(None, "admin-webhooks.png")
        .await
        .unwrap();

    sell(&app).await;
    wait_count(&received, 1).await;
    // The log shows the delivery once it is recorded delivered.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        open_log(&browser).await;
        if browser
            .count("#deliveries-list .delivery-row[data-status=DELIVERED]")
            .await
            .unwrap()
            == 1
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the delivery log shows no delivery"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    browser
        .click_on("#deliveries-list .delivery-redeliver")
        .await
        .unwrap();
    wait_count(&received, 2).await;
    browser
        .keep_screenshot(Some("#webhook-deliveries"), "admin-webhook-deliveries.png")
        .await
        .unwrap();
    browser.quit().await;

    // The director reads the administration without this tab.
    let browser = Browser::start().await.unwrap();
    browser
        .log_in(&app.base_url, "dg", "Direction2026!")
        .await
        .unwrap();
    browser.wait_for("[data-nav=admin]").await.unwrap();
    browser.click_on("[data-nav=admin]").await.unwrap();
    browser.wait_for("[data-tab=utilisateurs]").await.unwrap();
    assert_eq!(browser.count("[data-tab=webhooks]").await.unwrap(), 0);
    browser.quit().await;
}
