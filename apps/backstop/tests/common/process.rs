//! `backstop serve` as a real process, for the fault tests: start it, kill it (-9) or stop it
//! (SIGTERM), and read what it logged.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::SECRET;

/// A `backstop serve` process on a free loopback port.
pub struct ServeProcess {
    pub child: Child,
    pub base: String,
    pub log: PathBuf,
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

impl ServeProcess {
    /// Starts `backstop serve` on `database_url` with the test token secret, generous rate limits
    /// and `extra` arguments; its stderr goes to `log_dir/serve-<port>.log`. Waits (at most 20 s)
    /// until `/healthz` answers.
    pub async fn start(database_url: &str, log_dir: &Path, extra: &[&str]) -> ServeProcess {
        let port = free_port();
        Self::start_on(port, database_url, log_dir, extra).await
    }

    /// Like [`start`](Self::start) on a given port (a restart on the same address).
    pub async fn start_on(
        port: u16,
        database_url: &str,
        log_dir: &Path,
        extra: &[&str],
    ) -> ServeProcess {
        let log = log_dir.join(format!(
            "serve-{port}-{}.log",
            uuid::Uuid::now_v7().simple()
        ));
        let stderr = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_backstop"));
        command
            .arg("serve")
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", database_url])
            .args(["--jwt-secret", SECRET]);
        for (flag, value) in [
            ("--rate-limit-per-minute", "1000000"),
            ("--rate-limit-per-address-per-minute", "1000000"),
        ] {
            if !extra.contains(&flag) {
                command.args([flag, value]);
            }
        }
        let child = command
            .args(extra)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::from(stderr))
            .spawn()
            .expect("backstop serve starts");
        let base = format!("http://127.0.0.1:{port}");
        let process = ServeProcess { child, base, log };
        process.wait_ready(Duration::from_secs(20)).await;
        process
    }

    async fn wait_ready(&self, within: Duration) {
        let deadline = Instant::now() + within;
        let client = reqwest::Client::new();
        while Instant::now() < deadline {
            if let Ok(r) = client
                .get(format!("{}/healthz", self.base))
                .timeout(Duration::from_millis(500))
                .send()
                .await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "backstop serve did not become ready; its log:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, as Kubernetes, systemd and Docker send it.
    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (at most `within`) for the process to exit; its exit status, or `None` on timeout
    /// (the process is then killed).
    pub async fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.kill9();
        None
    }

    /// What the process logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill9();
        }
    }
}
