//! A small W3C WebDriver client for the browser tests: Debian's chromedriver drives
//! Debian's Chromium, headless, with nothing fetched from the network.

use serde_json::{json, Value};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// The Enter key, for `send_keys`.
pub const ENTER: &str = "\u{E007}";
/// The Escape key, for `send_keys`.
pub const ESCAPE: &str = "\u{E00C}";

/// A headless Chromium session, ended (and chromedriver stopped) on drop.
pub struct Browser {
    driver: Child,
    profile: std::path::PathBuf,
    http: reqwest::Client,
    session: String,
    base: String,
}

/// An element found on the page.
#[derive(Clone, Debug)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver (`CHROMEDRIVER`, default `/usr/bin/chromedriver`) and a
    /// headless Chromium (`CHROMIUM`, default `/usr/bin/chromium`).
    pub async fn start() -> anyhow::Result<Browser> {
        let driver_bin =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot start {driver_bin} ({e}); run `cargo xtask test`, which installs it"
                )
            })?;
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            anyhow::ensure!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile =
            std::env::temp_dir().join(format!("crm-chromium-{}", uuid::Uuid::new_v4().simple()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-quic", "--no-first-run", "--window-size=1366,900", "--lang=fr-FR",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let mut browser = Browser {
            driver,
            profile: profile.clone(),
            http,
            session: String::new(),
            base,
        };
        let created = browser
            .send(reqwest::Method::POST, "/session", Some(caps))
            .await?;
        browser.session = created["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("no session id: {created}"))?
            .to_owned();
        Ok(browser)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let reply: Value = req.send().await?.json().await?;
        if let Some(error) = reply["value"]["error"].as_str() {
            anyhow::bail!("webdriver {path}: {error}: {}", reply["value"]["message"]);
        }
        Ok(reply.get("value").cloned().unwrap_or(reply))
    }

    async fn session_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        self.send(method, &format!("/session/{}{}", self.session, path), body)
            .await
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.session_call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await?;
        Ok(())
    }

    /// Opens the login page of the app at `base_url` and signs in with the keyboard.
    pub async fn log_in(
        &self,
        base_url: &str,
        username: &str,
        password: &str,
    ) -> anyhow::Result<()> {
        self.goto(&format!("{base_url}/login")).await?;
        self.fill_login_form(username, password).await
    }

    /// Signs in through the login form the page shows now (after a deep link, say).
    pub async fn fill_login_form(&self, username: &str, password: &str) -> anyhow::Result<()> {
        let field = self.wait_for("#username").await?;
        self.send_keys(&field, username).await?;
        let field = self.find("#password").await?;
        self.send_keys(&field, &format!("{password}{ENTER}")).await
    }

    /// The first element matching `css`, now.
    pub async fn find(&self, css: &str) -> anyhow::Result<Element> {
        let found = self
            .session_call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        found[ELEMENT_KEY]
            .as_str()
            .map(|id| Element(id.to_owned()))
            .ok_or_else(|| anyhow::anyhow!("no element id for {css}"))
    }

    /// Waits up to 15 s for an element matching `css`.
    pub async fn wait_for(&self, css: &str) -> anyhow::Result<Element> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match self.find(css).await {
                Ok(el) => return Ok(el),
                Err(e) if Instant::now() > deadline => anyhow::bail!("waited 15 s for {css}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Waits up to 15 s until the element matching `css` shows text containing `expected`.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> anyhow::Result<String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut last = String::new();
        loop {
            if let Ok(el) = self.find(css).await {
                last = self.text(&el).await.unwrap_or_default();
                if last.contains(expected) {
                    return Ok(last);
                }
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "waited 15 s for {css} to show {expected:?}; it shows {last:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types `text` into the element (WebDriver key codes allowed, e.g. [`ENTER`]).
    pub async fn send_keys(&self, el: &Element, text: &str) -> anyhow::Result<()> {
        self.session_call(
            reqwest::Method::POST,
            &format!("/element/{}/value", el.0),
            Some(json!({"text": text})),
        )
        .await?;
        Ok(())
    }

    /// Empties an input.
    pub async fn clear(&self, el: &Element) -> anyhow::Result<()> {
        self.session_call(
            reqwest::Method::POST,
            &format!("/element/{}/clear", el.0),
            Some(json!({})),
        )
        .await?;
        Ok(())
    }

    /// Clicks the element.
    pub async fn click(&self, el: &Element) -> anyhow::Result<()> {
        self.session_call(
            reqwest::Method::POST,
            &format!("/element/{}/click", el.0),
            Some(json!({})),
        )
        .await?;
        Ok(())
    }

    /// The element's visible text.
    pub async fn text(&self, el: &Element) -> anyhow::Result<String> {
        let v = self
            .session_call(
                reqwest::Method::GET,
                &format!("/element/{}/text", el.0),
                None,
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// The id of the focused element (keyboard-flow checks).
    pub async fn active_element_id(&self) -> anyhow::Result<String> {
        let v = self
            .session_call(reqwest::Method::POST, "/execute/sync", Some(json!({"script": "return document.activeElement && document.activeElement.id;", "args": []})))
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns
    /// what it returns (layout measurements, for instance).
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        self.session_call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Saves a PNG screenshot of the page.
    pub async fn screenshot(&self, path: &std::path::Path) -> anyhow::Result<()> {
        use base64::Engine;
        let v = self
            .session_call(reqwest::Method::GET, "/screenshot", None)
            .await?;
        let png =
            base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or_default())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png)?;
        Ok(())
    }
}

impl Browser {
    /// Closes Chromium, then chromedriver.
    pub async fn quit(self) {
        let _ = self.session_call(reqwest::Method::DELETE, "", None).await;
    }
}

impl Drop for Browser {
    /// Also after a failed test: chromedriver, then any Chromium still using this
    /// session's profile (a killed chromedriver leaves its browser behind), then the profile.
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = Command::new("pkill")
            .arg("-f")
            .arg(self.profile.as_os_str())
            .status();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
