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
/// The Tab key, for `send_keys` (moves the focus as a user's Tab does).
pub const TAB: &str = "\u{E004}";

/// Spaces as the eye sees them: WebDriver gives no-break spaces as they are, the page
/// writes amounts with narrow ones (`12 500 FCFA`).
pub fn plain(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ").trim().to_owned()
}

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
    /// The focused element (keyboard-flow checks: Tab, then Enter on what has the focus).
    pub async fn active_element(&self) -> anyhow::Result<Element> {
        let found = self
            .session_call(reqwest::Method::GET, "/element/active", None)
            .await?;
        found[ELEMENT_KEY]
            .as_str()
            .map(|id| Element(id.to_owned()))
            .ok_or_else(|| anyhow::anyhow!("no focused element"))
    }

    /// The browser's « back » button.
    pub async fn back(&self) -> anyhow::Result<()> {
        self.session_call(reqwest::Method::POST, "/back", Some(json!({})))
            .await?;
        Ok(())
    }

    /// Reloads the page, as F5 does.
    pub async fn refresh(&self) -> anyhow::Result<()> {
        self.session_call(reqwest::Method::POST, "/refresh", Some(json!({})))
            .await?;
        Ok(())
    }

    /// The address in the location bar.
    pub async fn current_url(&self) -> anyhow::Result<String> {
        let v = self
            .session_call(reqwest::Method::GET, "/url", None)
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// Resizes the window (screenshots at 1366 × 768, the back office's smallest screen).
    pub async fn set_window_size(&self, width: u32, height: u32) -> anyhow::Result<()> {
        self.session_call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await?;
        Ok(())
    }

    /// Resizes the window so that the page itself gets `width` × `height` (what a
    /// screenshot shows: the window's own bars are not part of it).
    pub async fn set_viewport_size(&self, width: u32, height: u32) -> anyhow::Result<()> {
        self.set_window_size(width, height).await?;
        let bars = self
            .execute(
                "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];",
                vec![],
            )
            .await?;
        let extra = |i: usize| {
            bars.get(i)
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0)
        };
        self.set_window_size(width + extra(0), height + extra(1))
            .await
    }

    /// Runs a Chrome DevTools command (chromedriver's `goog/cdp/execute`).
    pub async fn devtools(&self, cmd: &str, params: Value) -> anyhow::Result<Value> {
        self.session_call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({"cmd": cmd, "params": params})),
        )
        .await
    }

    /// Lays the page out for `media` (`print`, or `` for the screen again), as the print
    /// preview does, so a test can read what the print stylesheet shows.
    pub async fn emulate_media(&self, media: &str) -> anyhow::Result<()> {
        self.devtools("Emulation.setEmulatedMedia", json!({ "media": media }))
            .await?;
        Ok(())
    }

    /// Prints the page to PDF on A4 with its backgrounds (WebDriver « Print Page »), as
    /// « Imprimer » → « Enregistrer au format PDF » does.
    pub async fn print_pdf(&self) -> anyhow::Result<Vec<u8>> {
        use base64::Engine;
        let v = self
            .session_call(
                reqwest::Method::POST,
                "/print",
                Some(json!({"page": {"width": 21.0, "height": 29.7}, "background": true, "shrinkToFit": true})),
            )
            .await?;
        Ok(base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or_default())?)
    }

    /// How many elements match `css` now.
    pub async fn count(&self, css: &str) -> anyhow::Result<u64> {
        let v = self
            .execute(
                "return document.querySelectorAll(arguments[0]).length;",
                vec![json!(css)],
            )
            .await?;
        v.as_u64()
            .ok_or_else(|| anyhow::anyhow!("no count for {css}: {v}"))
    }

    /// Waits up to 15 s until `css` matches exactly `n` elements.
    pub async fn wait_for_count(&self, css: &str, n: u64) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let found = self.count(css).await?;
            if found == n {
                return Ok(());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "waited 15 s for {n} × {css}; {found} found"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The `attribute` of every element matching `css`, in document order (`""` when absent).
    pub async fn attributes(&self, css: &str, attribute: &str) -> anyhow::Result<Vec<String>> {
        let v = self
            .execute(
                "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.getAttribute(arguments[1]) || '');",
                vec![json!(css), json!(attribute)],
            )
            .await?;
        Ok(strings(&v))
    }

    /// The text of every element matching `css`, in document order, spaces made
    /// [`plain`] (hidden ones included: an SVG's labels, a printed-only title).
    pub async fn texts(&self, css: &str) -> anyhow::Result<Vec<String>> {
        let v = self
            .execute(
                "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent || '');",
                vec![json!(css)],
            )
            .await?;
        Ok(strings(&v).iter().map(|t| plain(t)).collect())
    }

    /// The [`plain`] visible text of the first element matching `css` (waits for it).
    pub async fn text_of(&self, css: &str) -> anyhow::Result<String> {
        let el = self.wait_for(css).await?;
        Ok(plain(&self.text(&el).await?))
    }

    /// Brings the element matching `css` to the middle of the window, then clicks it: once
    /// the page has scrolled, the sticky top bar covers what lies under it.
    pub async fn click_on(&self, css: &str) -> anyhow::Result<()> {
        let el = self.wait_for(css).await?;
        self.execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
            vec![json!(css)],
        )
        .await?;
        self.click(&el).await
    }

    /// Keeps a screenshot named `name` in `CRM_SCREENSHOT_DIR` (a test artifact), if set,
    /// with the element matching `css` scrolled to the top of the window (the page's top
    /// when `None`), then scrolls back up for the next clicks. Returns where it went.
    pub async fn keep_screenshot(
        &self,
        css: Option<&str>,
        name: &str,
    ) -> anyhow::Result<Option<std::path::PathBuf>> {
        let Some(dir) = std::env::var_os("CRM_SCREENSHOT_DIR") else {
            return Ok(None);
        };
        match css {
            Some(css) => {
                self.execute(
                    "document.querySelector(arguments[0]).scrollIntoView({block: 'start'});",
                    vec![json!(css)],
                )
                .await?
            }
            None => self.execute("window.scrollTo(0, 0);", vec![]).await?,
        };
        let path = std::path::Path::new(&dir).join(name);
        self.screenshot(&path).await?;
        self.execute("window.scrollTo(0, 0);", vec![]).await?;
        Ok(Some(path))
    }

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

/// The strings of a JSON array (`[]` for anything else).
fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}
