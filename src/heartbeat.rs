//! Heartbeats for a dead man's switch (healthchecks.io style): a request
//! to `URL/start` when a run starts, to `URL` when it succeeds and to
//! `URL/fail` when it fails, each with a short text body. A missed run is
//! then noticed by the monitoring service, not by a human reading the
//! bucket. A heartbeat that cannot be delivered is a warning, never the
//! reason a backup fails.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// Which moment of a run a heartbeat reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beat {
    /// The run started.
    Start,
    /// The run succeeded.
    Success,
    /// The run failed.
    Fail,
}

/// Sends heartbeats to one base URL.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    base: String,
    start_suffix: String,
    fail_suffix: String,
    timeout: Duration,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Heartbeat {
    /// Heartbeats for `base` (http or https), each given `timeout`.
    pub fn new(base: &str, timeout: Duration) -> Result<Heartbeat, String> {
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!("heartbeat URL {base:?} is not http:// or https://"));
        }
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls_provider())
            .map_err(|e| format!("cannot load the system's TLS roots: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Heartbeat {
            base: base.trim_end_matches('/').to_owned(),
            start_suffix: "/start".into(),
            fail_suffix: "/fail".into(),
            timeout,
            client: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    /// Other suffixes than healthchecks.io's `/start` and `/fail` (an
    /// empty one sends that beat to the base URL itself).
    pub fn with_suffixes(mut self, start: &str, fail: &str) -> Heartbeat {
        self.start_suffix = start.to_owned();
        self.fail_suffix = fail.to_owned();
        self
    }

    /// The URL a beat goes to.
    pub fn url(&self, beat: Beat) -> String {
        match beat {
            Beat::Start => format!("{}{}", self.base, self.start_suffix),
            Beat::Success => self.base.clone(),
            Beat::Fail => format!("{}{}", self.base, self.fail_suffix),
        }
    }

    /// POSTs `body` for `beat`; an error says why it was not delivered
    /// (without the URL's query, which may hold a token).
    pub async fn send(&self, beat: Beat, body: &str) -> Result<(), String> {
        self.post_to(&self.url(beat), "text/plain; charset=utf-8", body)
            .await
            .map_err(|e| format!("heartbeat {e}"))
    }
}

fn rustls_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// POSTs a JSON `body` to `url` (a webhook), with `timeout`.
pub async fn post(url: &str, body: &str, timeout: Duration) -> Result<(), String> {
    let h = Heartbeat::new(url, timeout)?;
    h.post_to(&h.base.clone(), "application/json", body).await
}

impl Heartbeat {
    async fn post_to(&self, url: &str, content_type: &str, body: &str) -> Result<(), String> {
        let shown = url.split('?').next().unwrap_or(url).to_owned();
        let request = hyper::Request::post(url)
            .header("content-type", content_type)
            .header("user-agent", concat!("pgark/", env!("CARGO_PKG_VERSION")))
            .body(Full::new(Bytes::from(body.to_owned())))
            .map_err(|e| format!("POST {shown}: {e}"))?;
        match tokio::time::timeout(self.timeout, self.client.request(request)).await {
            Err(_) => Err(format!(
                "POST {shown}: no answer within {} s",
                self.timeout.as_secs()
            )),
            Ok(Err(e)) => Err(format!("POST {shown}: {e}")),
            Ok(Ok(resp)) if !resp.status().is_success() => {
                Err(format!("POST {shown}: HTTP {}", resp.status()))
            }
            Ok(Ok(_)) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beats_go_to_suffixed_urls() {
        let h = Heartbeat::new("https://hc-ping.com/uuid/", Duration::from_secs(1)).expect("valid");
        assert_eq!(h.url(Beat::Start), "https://hc-ping.com/uuid/start");
        assert_eq!(h.url(Beat::Success), "https://hc-ping.com/uuid");
        assert_eq!(h.url(Beat::Fail), "https://hc-ping.com/uuid/fail");
        let h = h.with_suffixes("?state=start", "");
        assert_eq!(h.url(Beat::Start), "https://hc-ping.com/uuid?state=start");
        assert_eq!(h.url(Beat::Fail), "https://hc-ping.com/uuid");
        assert!(Heartbeat::new("ftp://x", Duration::from_secs(1)).is_err());
    }
}
