//! moto S3 servers (`moto_server` from the project venv).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::guard;
use crate::paths::{repo_root, require};
use crate::pg::free_port;

/// Credentials that work while moto does not enforce IAM (and for the
/// root account when it does).
const ADMIN_KEY: &str = "testing";
const ADMIN_SECRET: &str = "testing";

/// A running moto server.
#[derive(Debug)]
pub struct MotoServer {
    port: u16,
    child: Option<Child>,
}

fn venv_bin(name: &str) -> PathBuf {
    require(repo_root().join(".venv/bin").join(name))
}

static SHARED: OnceLock<MotoServer> = OnceLock::new();

/// The shared moto server (no IAM enforcement), started on first use.
pub fn moto() -> &'static MotoServer {
    SHARED.get_or_init(|| MotoServer::start(None))
}

/// A private moto server that enforces IAM policies after the first
/// `initial_no_auth_action_count` requests; stopped on drop.
pub fn moto_with_iam(initial_no_auth_action_count: u32) -> MotoServer {
    MotoServer::start(Some(initial_no_auth_action_count))
}

impl MotoServer {
    fn start(no_auth_count: Option<u32>) -> MotoServer {
        let port = free_port();
        let mut cmd = Command::new(venv_bin("moto_server"));
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(n) = no_auth_count {
            cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", n.to_string());
        }
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => panic!("cannot start moto_server: {e}"),
        };
        guard::on_exit(&format!("kill {} 2>/dev/null", child.id()));
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                panic!("moto_server did not listen on port {port} within 60 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        MotoServer {
            port,
            child: Some(child),
        }
    }

    /// The endpoint URL, e.g. `http://127.0.0.1:5000`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Access key id and secret of the administrative (root) identity.
    pub fn admin_credentials(&self) -> (String, String) {
        (ADMIN_KEY.to_owned(), ADMIN_SECRET.to_owned())
    }

    /// Runs a Python snippet in the venv (boto3 available) with the AWS
    /// environment pointing at this server as the admin identity.
    /// Ok(stdout) or Err(stderr).
    pub fn python(&self, script: &str) -> Result<String, String> {
        let out = Command::new(venv_bin("python"))
            .arg("-c")
            .arg(script)
            .env("AWS_ENDPOINT_URL", self.endpoint())
            .env("AWS_ACCESS_KEY_ID", ADMIN_KEY)
            .env("AWS_SECRET_ACCESS_KEY", ADMIN_SECRET)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env_remove("AWS_PROFILE")
            .output()
            .map_err(|e| format!("cannot run python: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Creates a bucket.
    pub fn create_bucket(&self, name: &str) {
        let script = format!("import boto3\nboto3.client('s3').create_bucket(Bucket={name:?})\n");
        if let Err(e) = self.python(&script) {
            panic!("creating bucket {name}: {e}");
        }
    }

    /// Creates an IAM user with `policy_json` as inline policy and an
    /// access key; returns (access key id, secret access key).
    pub fn create_user(&self, user: &str, policy_json: &str) -> (String, String) {
        let script = format!(
            "import boto3\n\
             iam = boto3.client('iam')\n\
             iam.create_user(UserName={user:?})\n\
             iam.put_user_policy(UserName={user:?}, PolicyName='policy', PolicyDocument={policy_json:?})\n\
             k = iam.create_access_key(UserName={user:?})['AccessKey']\n\
             print(k['AccessKeyId'])\n\
             print(k['SecretAccessKey'])\n"
        );
        let out = match self.python(&script) {
            Ok(o) => o,
            Err(e) => panic!("creating IAM user {user}: {e}"),
        };
        let mut lines = out.lines();
        match (lines.next(), lines.next()) {
            (Some(k), Some(s)) => (k.to_owned(), s.to_owned()),
            _ => panic!("unexpected output creating IAM user {user}: {out}"),
        }
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
