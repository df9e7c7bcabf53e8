//! nginx with the operators' own `deploy/nginx.conf`, templated: its two
//! upstream servers become the instances' addresses, its `listen` a free
//! port, and what a root-owned install would write (pid, logs, temp files)
//! goes to a directory of the test's own.

use std::{path::Path, process::Stdio, time::Duration};

use tokio::{process::Child, process::Command};

use crate::instance::wait_ready;

pub struct Balancer {
    pub port: u16,
    _child: Child,
    _dir: tempfile::TempDir,
}

/// The nginx binary, if installed (`.ci/run` installs it when missing).
pub fn nginx_binary() -> Option<&'static str> {
    ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .into_iter()
        .find(|path| Path::new(path).exists())
}

/// The `fail_timeout` of `deploy/nginx.conf`'s servers: how long nginx
/// skips a server after `max_fails` failures.
pub fn fail_timeout() -> Duration {
    let deployed = include_str!("../../deploy/nginx.conf");
    let seconds = deployed
        .split("fail_timeout=")
        .nth(1)
        .and_then(|rest| rest.split('s').next())
        .and_then(|n| n.parse().ok())
        .expect("deploy/nginx.conf sets fail_timeout=<N>s");
    Duration::from_secs(seconds)
}

/// `deploy/nginx.conf` with `server-1:8000`, `server-2:8000` and
/// `listen 8000` replaced; fails if the file no longer has them, so the
/// test keeps following the deployed file.
pub fn templated_config(upstreams: [u16; 2], port: u16, dir: &Path) -> String {
    let deployed = include_str!("../../deploy/nginx.conf");
    let mut config = deployed.to_owned();
    for (name, upstream) in [
        ("server-1:8000", upstreams[0]),
        ("server-2:8000", upstreams[1]),
    ] {
        assert!(config.contains(name), "deploy/nginx.conf has no {name}");
        config = config.replace(name, &format!("127.0.0.1:{upstream}"));
    }
    assert!(
        config.contains("listen 8000;"),
        "deploy/nginx.conf has no `listen 8000;`"
    );
    config = config.replace("listen 8000;", &format!("listen 127.0.0.1:{port};"));
    let dir = dir.display();
    let local_files = format!(
        "http {{\n    access_log off;\n    client_body_temp_path {dir}/body;\n    \
         proxy_temp_path {dir}/proxy;\n    fastcgi_temp_path {dir}/fastcgi;\n    \
         uwsgi_temp_path {dir}/uwsgi;\n    scgi_temp_path {dir}/scgi;\n"
    );
    assert!(
        config.contains("http {\n"),
        "deploy/nginx.conf has no `http {{` block"
    );
    config.replacen("http {\n", &local_files, 1)
}

impl Balancer {
    pub async fn start(nginx: &str, upstreams: [u16; 2], port: u16) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config_path = dir.path().join("nginx.conf");
        std::fs::write(&config_path, templated_config(upstreams, port, dir.path()))
            .expect("write nginx.conf");
        let globals = format!(
            "daemon off; master_process off; pid {}/nginx.pid; \
             error_log {}/error.log warn;",
            dir.path().display(),
            dir.path().display()
        );
        let mut child = Command::new(nginx)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&config_path)
            .arg("-g")
            .arg(globals)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("nginx starts");
        let url = format!("http://127.0.0.1:{port}");
        wait_ready("nginx", &mut child, &url, Duration::from_secs(20)).await;
        Self {
            port,
            _child: child,
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// nginx's error log (upstream failures it saw), for the report.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("error.log")).unwrap_or_default()
    }
}
