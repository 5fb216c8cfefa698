//! Typed, layered configuration: built-in defaults, then a TOML file, then
//! `BERTH_*` environment variables (the environment wins).
//!
//! Every key is flat and maps one-to-one to an environment variable:
//! `http_addr` in the file is `BERTH_HTTP_ADDR` in the environment. Values are
//! read as text and parsed here, so an invalid value is reported as one line
//! naming the key, where it came from, the value and the expected form.

use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Value};
use figment::{Figment, Profile, Provider};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;
use url::Url;

const ENV_PREFIX: &str = "BERTH_";

/// The whole runtime configuration of one `berth` process.
#[derive(Debug, Clone)]
pub struct Config {
    pub http_addr: SocketAddr,
    pub external_url: Url,
    pub database_url: SecretString,
    pub database_max_connections: u32,
    pub redis_url: SecretString,
    /// Every Redis key Berth writes starts with this, so several
    /// installations (or tests) can share one Redis.
    pub redis_key_prefix: String,
    pub storage: StorageConfig,
    pub data_dir: PathBuf,
    pub admin_password: Option<SecretString>,
    pub token_key: Option<PathBuf>,
    pub log: String,
    pub log_format: LogFormat,
    pub tls: Option<TlsConfig>,
    pub shutdown_timeout: Duration,
    /// A client must finish sending request headers within this time.
    pub header_timeout: Duration,
    /// A request body that delivers nothing for this long is abandoned, so
    /// a stalled or trickling client cannot hold a connection and an
    /// upload forever.
    pub body_idle_timeout: Duration,
    pub health_timeout: Duration,
    pub limits: BodyLimits,
    pub services: Services,
    pub identity: IdentityConfig,
    /// Blob upload sessions untouched for this long are purged.
    pub upload_ttl: Duration,
    /// Audit entries older than this many days are purged; 0 keeps them all.
    pub audit_retention_days: u32,
    /// Whether `/v2` accepts DELETE of manifests, tags and blobs.
    pub registry_delete: bool,
    /// The largest blob one upload may carry, across all its chunks.
    pub max_blob_bytes: u64,
}

/// Settings of users, robots and registry tokens.
#[derive(Debug, Clone)]
pub struct IdentityConfig {
    pub self_registration: bool,
    pub robot_name_prefix: String,
    pub token_ttl: Duration,
    pub password_hash_memory_kib: u32,
    pub password_hash_iterations: u32,
    pub password_hash_parallelism: u32,
    /// Failed sign-ins for one name, or from one address, within the window
    /// that trigger a cool-down.
    pub lockout_threshold: u32,
    pub lockout_window: Duration,
    pub lockout_cooldown: Duration,
}

#[derive(Debug, Clone)]
pub struct StorageConfig {
    pub url: StorageUrl,
    pub s3: S3Config,
    /// Answer blob downloads with a redirect to a presigned object-store URL
    /// (stores that support it), so the bytes bypass Berth.
    pub redirect: bool,
}

/// Where blobs live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageUrl {
    Filesystem(PathBuf),
    S3 { bucket: String, prefix: String },
}

/// Settings for S3-compatible stores (AWS S3, Aliyun OSS, MinIO, Ceph RGW).
/// Unset values fall back to the standard `AWS_*` variables.
#[derive(Debug, Clone, Default)]
pub struct S3Config {
    pub endpoint: Option<Url>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<SecretString>,
    /// Path-style addressing (`endpoint/bucket/key`), which MinIO and most
    /// self-hosted stores need; Aliyun OSS and AWS use virtual-hosted style.
    pub path_style: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone)]
pub struct TlsConfig {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Request body limits by route class. Blob uploads stream and are bounded
/// by quota, not here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// JSON bodies of the management API and the token service.
    pub api_bytes: u64,
    /// Manifests pushed to `/v2` (the distribution spec suggests 4 MiB).
    pub manifest_bytes: u64,
    /// Console login forms.
    pub console_bytes: u64,
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self {
            api_bytes: 1024 * 1024,
            manifest_bytes: 4 * 1024 * 1024,
            console_bytes: 64 * 1024,
        }
    }
}

/// The services one process runs. `all` is the single-machine default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Services(u8);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Gateway,
    Registry,
    Auth,
    Core,
    Replication,
    Scanner,
}

impl Service {
    pub const ALL: [Service; 6] = [
        Service::Gateway,
        Service::Registry,
        Service::Auth,
        Service::Core,
        Service::Replication,
        Service::Scanner,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Service::Gateway => "gateway",
            Service::Registry => "registry",
            Service::Auth => "auth",
            Service::Core => "core",
            Service::Replication => "replication",
            Service::Scanner => "scanner",
        }
    }

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl Services {
    pub const ALL: Services = Services(0b11_1111);

    pub fn contains(self, service: Service) -> bool {
        self.0 & service.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Service> {
        Service::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

impl FromStr for Services {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bits = 0u8;
        for part in s.split(',').map(str::trim) {
            if part == "all" {
                return Ok(Services::ALL);
            }
            let service = Service::ALL
                .into_iter()
                .find(|svc| svc.name() == part)
                .ok_or(())?;
            bits |= service.bit();
        }
        if bits == 0 {
            Err(())
        } else {
            Ok(Services(bits))
        }
    }
}

impl std::fmt::Display for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if *self == Services::ALL {
            return f.write_str("all");
        }
        let names: Vec<&str> = self.iter().map(Service::name).collect();
        f.write_str(&names.join(","))
    }
}

/// A configuration problem, printed as a single line at start-up.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {key} = {value:?} (from {origin}): expected {expected}")]
    Invalid {
        key: String,
        origin: String,
        value: String,
        expected: &'static str,
    },
    #[error("invalid configuration: {key} is required ({hint})")]
    Missing { key: String, hint: &'static str },
    #[error("invalid configuration: unknown key {key:?} in {origin}")]
    UnknownKey { key: String, origin: String },
    #[error("invalid configuration: cannot read {path}: {reason}")]
    File { path: PathBuf, reason: String },
}

/// Every key Berth understands, with the form its value must take. The same
/// list drives parsing, unknown-key detection and `docs/configuration.md`.
pub const KEYS: &[(&str, &str)] = &[
    ("http_addr", "a listen address such as 127.0.0.1:8080"),
    (
        "external_url",
        "an absolute http(s) URL such as https://registry.example.com",
    ),
    (
        "database_url",
        "a PostgreSQL URL such as postgres://user@host:5432/berth",
    ),
    ("database_max_connections", "a whole number from 1 to 1000"),
    ("redis_url", "a Redis URL such as redis://127.0.0.1:6379/0"),
    ("redis_key_prefix", "a non-empty string without spaces"),
    ("storage_url", "file:///path or s3://bucket[/prefix]"),
    (
        "s3_endpoint",
        "an absolute http(s) URL such as http://127.0.0.1:9000",
    ),
    (
        "s3_region",
        "a region name such as us-east-1 or oss-cn-hangzhou",
    ),
    ("s3_access_key_id", "an access key id"),
    ("s3_secret_access_key", "a secret access key"),
    ("s3_path_style", "true or false"),
    ("data_dir", "a directory path"),
    (
        "admin_password",
        "8 to 128 characters with an uppercase letter, a lowercase letter and a digit, not a published default such as Harbor12345",
    ),
    ("token_key", "a path to a PEM private key"),
    ("log", "a log filter such as info or berth=debug,info"),
    ("log_format", "human or json"),
    (
        "tls_cert",
        "a path to a PEM certificate chain (set together with tls_key)",
    ),
    (
        "tls_key",
        "a path to a PEM private key (set together with tls_cert)",
    ),
    (
        "shutdown_timeout_secs",
        "a whole number of seconds from 0 to 3600",
    ),
    (
        "header_timeout_ms",
        "a whole number of milliseconds from 100 to 600000",
    ),
    (
        "body_idle_timeout_secs",
        "a whole number of seconds from 1 to 3600",
    ),
    (
        "health_timeout_ms",
        "a whole number of milliseconds from 10 to 60000",
    ),
    (
        "api_body_limit_bytes",
        "a whole number of bytes from 1024 to 1073741824",
    ),
    (
        "manifest_body_limit_bytes",
        "a whole number of bytes from 1024 to 1073741824",
    ),
    (
        "console_body_limit_bytes",
        "a whole number of bytes from 1024 to 1073741824",
    ),
    (
        "services",
        "all, or a comma-separated list of gateway,registry,auth,core,replication,scanner",
    ),
    ("self_registration", "true or false"),
    (
        "robot_name_prefix",
        "1 to 32 printable characters without spaces or ':', such as robot$",
    ),
    (
        "token_ttl_secs",
        "a whole number of seconds from 60 to 86400",
    ),
    (
        "password_hash_memory_kib",
        "a whole number of KiB from 1024 to 1048576",
    ),
    ("password_hash_iterations", "a whole number from 1 to 20"),
    ("password_hash_parallelism", "a whole number from 1 to 16"),
    (
        "login_lockout_threshold",
        "a whole number of failed sign-ins from 1 to 1000",
    ),
    (
        "login_lockout_window_secs",
        "a whole number of seconds from 1 to 86400",
    ),
    (
        "login_lockout_cooldown_secs",
        "a whole number of seconds from 1 to 86400",
    ),
    (
        "audit_retention_days",
        "a whole number of days from 0 (keep everything) to 36500",
    ),
    (
        "upload_ttl_secs",
        "a whole number of seconds from 60 to 2592000",
    ),
    ("storage_redirect", "true or false"),
    ("registry_delete", "true or false"),
    (
        "max_blob_bytes",
        "a whole number of bytes from 1024 to 1099511627776",
    ),
];

/// Where a configuration value came from, for error messages.
struct Layered {
    figment: Figment,
    file: Option<PathBuf>,
    env_keys: BTreeMap<String, String>,
}

impl Layered {
    fn text(&self, key: &str) -> Option<String> {
        match self.figment.find_value(key).ok()? {
            Value::String(_, s) => Some(s),
            Value::Num(_, n) => n
                .to_u128()
                .map(|v| v.to_string())
                .or_else(|| n.to_i128().map(|v| v.to_string()))
                .or_else(|| n.to_f64().map(|v| v.to_string())),
            Value::Bool(_, b) => Some(b.to_string()),
            Value::Char(_, c) => Some(c.to_string()),
            // Tables and arrays are never valid for a flat key; report them
            // with a readable rendering.
            other => Some(format!("{other:?}")),
        }
    }

    fn origin(&self, key: &str) -> String {
        match (self.env_keys.get(key), &self.file) {
            (Some(var), _) => format!("environment variable {var}"),
            (None, Some(path)) => format!("{}", path.display()),
            (None, None) => String::from("defaults"),
        }
    }

    fn parse<T>(
        &self,
        key: &'static str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>, ConfigError> {
        debug_assert!(
            KEYS.iter().any(|(k, _)| *k == key),
            "configuration key {key} is read but not declared in KEYS"
        );
        let Some(raw) = self.text(key) else {
            return Ok(None);
        };
        parse(raw.trim())
            .map(Some)
            .ok_or_else(|| ConfigError::Invalid {
                key: key.to_string(),
                origin: self.origin(key),
                value: if key.contains("password") || key.contains("secret") {
                    String::from("<redacted>")
                } else {
                    raw.clone()
                },
                expected: expected_form(key),
            })
    }
}

fn expected_form(key: &str) -> &'static str {
    KEYS.iter()
        .find(|(k, _)| *k == key)
        .map(|(_, form)| *form)
        .unwrap_or("a valid value")
}

fn parse_bounded(raw: &str, min: u64, max: u64) -> Option<u64> {
    raw.parse::<u64>().ok().filter(|v| (min..=max).contains(v))
}

fn parse_http_url(raw: &str) -> Option<Url> {
    Url::parse(raw)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn non_empty(raw: &str) -> Option<String> {
    (!raw.is_empty()).then(|| raw.to_string())
}

/// Parses `file:///path`, `file://relative/path` or `s3://bucket/prefix`.
fn parse_storage_url(raw: &str) -> Option<StorageUrl> {
    if let Some(path) = raw.strip_prefix("file://") {
        return non_empty(path).map(|p| StorageUrl::Filesystem(PathBuf::from(p)));
    }
    let rest = raw.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let bucket_ok = !bucket.is_empty()
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    bucket_ok.then(|| StorageUrl::S3 {
        bucket: bucket.to_string(),
        prefix: prefix.trim_matches('/').to_string(),
    })
}

impl Config {
    /// Loads the configuration from an optional TOML file and the given
    /// environment. The environment is passed in rather than read here so
    /// tests never have to change the process environment.
    pub fn load<I>(file: Option<&Path>, env: I) -> Result<Config, ConfigError>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let mut figment = Figment::new();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
            let file_only = Toml::string(&text).data().map_err(|e| ConfigError::File {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
            let keys = file_only
                .get(&Profile::Default)
                .into_iter()
                .flat_map(|dict| dict.keys());
            for key in keys {
                if !KEYS.iter().any(|(k, _)| k == key) {
                    return Err(ConfigError::UnknownKey {
                        key: key.clone(),
                        origin: path.display().to_string(),
                    });
                }
            }
            figment = figment.merge(Toml::string(&text));
        }

        // Environment values are kept as text: parsing them as TOML would turn
        // a numeric password into a number and drop its leading zeros.
        let mut env_dict = Dict::new();
        let mut env_keys = BTreeMap::new();
        for (var, value) in env {
            let Some(suffix) = var.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let key = suffix.to_ascii_lowercase();
            if KEYS.iter().any(|(k, _)| *k == key) {
                env_dict.insert(key.clone(), Value::from(value));
                env_keys.insert(key, var);
            }
        }
        figment = figment.merge(Serialized::from(env_dict, Profile::Default));

        let layered = Layered {
            figment,
            file: file.map(Path::to_path_buf),
            env_keys,
        };
        Self::from_layers(&layered)
    }

    fn from_layers(l: &Layered) -> Result<Config, ConfigError> {
        let http_addr = l
            .parse("http_addr", |s| s.parse().ok())?
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let external_url = match l.parse("external_url", parse_http_url)? {
            Some(url) => url,
            None => Url::parse(&format!("http://{http_addr}")).expect("socket address forms a URL"),
        };
        let database_url = l
            .parse("database_url", |s| {
                Url::parse(s)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "postgres" | "postgresql"))
                    .map(|_| SecretString::from(s))
            })?
            .ok_or(ConfigError::Missing {
                key: "database_url (BERTH_DATABASE_URL)".into(),
                hint: "for example postgres://berth@127.0.0.1:5432/berth",
            })?;
        let redis_url = l
            .parse("redis_url", |s| {
                Url::parse(s)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "redis" | "rediss"))
                    .map(|_| SecretString::from(s))
            })?
            .ok_or(ConfigError::Missing {
                key: "redis_url (BERTH_REDIS_URL)".into(),
                hint: "for example redis://127.0.0.1:6379/0",
            })?;
        let data_dir = l
            .parse("data_dir", |s| non_empty(s).map(PathBuf::from))?
            .unwrap_or_else(|| PathBuf::from("./data"));
        let storage_url = l
            .parse("storage_url", parse_storage_url)?
            .unwrap_or_else(|| StorageUrl::Filesystem(data_dir.join("blobs")));

        let tls_cert = l.parse("tls_cert", |s| non_empty(s).map(PathBuf::from))?;
        let tls_key = l.parse("tls_key", |s| non_empty(s).map(PathBuf::from))?;
        let tls = match (tls_cert, tls_key) {
            (Some(cert), Some(key)) => Some(TlsConfig { cert, key }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::Missing {
                    key: "tls_key (BERTH_TLS_KEY)".into(),
                    hint: "tls_cert is set, so the matching private key is needed too",
                });
            }
            (None, Some(_)) => {
                return Err(ConfigError::Missing {
                    key: "tls_cert (BERTH_TLS_CERT)".into(),
                    hint: "tls_key is set, so the matching certificate is needed too",
                });
            }
        };

        let limit = |key: &'static str| l.parse(key, |s| parse_bounded(s, 1024, 1 << 30));
        let defaults = BodyLimits::default();

        Ok(Config {
            http_addr,
            external_url,
            database_url,
            database_max_connections: l
                .parse("database_max_connections", |s| {
                    parse_bounded(s, 1, 1000).map(|v| v as u32)
                })?
                .unwrap_or(16),
            redis_url,
            redis_key_prefix: l
                .parse("redis_key_prefix", |s| {
                    non_empty(s).filter(|p| !p.contains(char::is_whitespace))
                })?
                .unwrap_or_else(|| String::from("berth:")),
            storage: StorageConfig {
                url: storage_url,
                redirect: l.parse("storage_redirect", parse_bool)?.unwrap_or(false),
                s3: S3Config {
                    endpoint: l.parse("s3_endpoint", parse_http_url)?,
                    region: l.parse("s3_region", non_empty)?,
                    access_key_id: l.parse("s3_access_key_id", non_empty)?,
                    secret_access_key: l.parse("s3_secret_access_key", |s| {
                        non_empty(s).map(SecretString::from)
                    })?,
                    path_style: l.parse("s3_path_style", parse_bool)?.unwrap_or(false),
                },
            },
            data_dir,
            admin_password: l.parse("admin_password", |s| {
                let acceptable = berth_types::password::meets_policy(s)
                    && !berth_types::password::is_well_known_default(s);
                acceptable.then(|| SecretString::from(s))
            })?,
            token_key: l.parse("token_key", |s| non_empty(s).map(PathBuf::from))?,
            log: l
                .parse("log", |s| {
                    tracing_subscriber::EnvFilter::try_new(s)
                        .ok()
                        .map(|_| s.to_string())
                })?
                .unwrap_or_else(|| String::from("info")),
            log_format: l
                .parse("log_format", |s| match s.to_ascii_lowercase().as_str() {
                    "human" | "text" => Some(LogFormat::Human),
                    "json" => Some(LogFormat::Json),
                    _ => None,
                })?
                .unwrap_or(LogFormat::Human),
            tls,
            shutdown_timeout: Duration::from_secs(
                l.parse("shutdown_timeout_secs", |s| parse_bounded(s, 0, 3600))?
                    .unwrap_or(30),
            ),
            header_timeout: Duration::from_millis(
                l.parse("header_timeout_ms", |s| parse_bounded(s, 100, 600_000))?
                    .unwrap_or(10_000),
            ),
            body_idle_timeout: Duration::from_secs(
                l.parse("body_idle_timeout_secs", |s| parse_bounded(s, 1, 3600))?
                    .unwrap_or(60),
            ),
            health_timeout: Duration::from_millis(
                l.parse("health_timeout_ms", |s| parse_bounded(s, 10, 60_000))?
                    .unwrap_or(2000),
            ),
            limits: BodyLimits {
                api_bytes: limit("api_body_limit_bytes")?.unwrap_or(defaults.api_bytes),
                manifest_bytes: limit("manifest_body_limit_bytes")?
                    .unwrap_or(defaults.manifest_bytes),
                console_bytes: limit("console_body_limit_bytes")?.unwrap_or(defaults.console_bytes),
            },
            services: l
                .parse("services", |s| s.parse().ok())?
                .unwrap_or(Services::ALL),
            registry_delete: l.parse("registry_delete", parse_bool)?.unwrap_or(true),
            max_blob_bytes: l
                .parse("max_blob_bytes", |s| parse_bounded(s, 1024, 1 << 40))?
                .unwrap_or(64 << 30),
            audit_retention_days: l
                .parse("audit_retention_days", |s| parse_bounded(s, 0, 36_500))?
                .unwrap_or(0) as u32,
            upload_ttl: Duration::from_secs(
                l.parse("upload_ttl_secs", |s| parse_bounded(s, 60, 2_592_000))?
                    .unwrap_or(86_400),
            ),
            identity: IdentityConfig {
                self_registration: l.parse("self_registration", parse_bool)?.unwrap_or(false),
                robot_name_prefix: l
                    .parse("robot_name_prefix", |s| {
                        let ok = (1..=32).contains(&s.len())
                            && s.chars().all(|c| c.is_ascii_graphic() && c != ':');
                        ok.then(|| s.to_owned())
                    })?
                    .unwrap_or_else(|| String::from("robot$")),
                token_ttl: Duration::from_secs(
                    l.parse("token_ttl_secs", |s| parse_bounded(s, 60, 86_400))?
                        .unwrap_or(1800),
                ),
                password_hash_memory_kib: l
                    .parse("password_hash_memory_kib", |s| {
                        parse_bounded(s, 1024, 1_048_576).map(|v| v as u32)
                    })?
                    .unwrap_or(19 * 1024),
                password_hash_iterations: l
                    .parse("password_hash_iterations", |s| {
                        parse_bounded(s, 1, 20).map(|v| v as u32)
                    })?
                    .unwrap_or(2),
                password_hash_parallelism: l
                    .parse("password_hash_parallelism", |s| {
                        parse_bounded(s, 1, 16).map(|v| v as u32)
                    })?
                    .unwrap_or(1),
                lockout_threshold: l
                    .parse("login_lockout_threshold", |s| {
                        parse_bounded(s, 1, 1000).map(|v| v as u32)
                    })?
                    .unwrap_or(5),
                lockout_window: Duration::from_secs(
                    l.parse("login_lockout_window_secs", |s| parse_bounded(s, 1, 86_400))?
                        .unwrap_or(60),
                ),
                lockout_cooldown: Duration::from_secs(
                    l.parse("login_lockout_cooldown_secs", |s| {
                        parse_bounded(s, 1, 86_400)
                    })?
                    .unwrap_or(300),
                ),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::io::Write;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const REQUIRED: &[(&str, &str)] = &[
        (
            "BERTH_DATABASE_URL",
            "postgres://berth@127.0.0.1:5432/berth",
        ),
        ("BERTH_REDIS_URL", "redis://127.0.0.1:6379/0"),
    ];

    fn toml_file(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(text.as_bytes()).expect("write");
        file
    }

    #[test]
    fn defaults_apply_when_only_required_keys_are_set() {
        let config = Config::load(None, env(REQUIRED)).expect("valid");
        assert_eq!(config.http_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.external_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(
            config.storage.url,
            StorageUrl::Filesystem(PathBuf::from("./data/blobs"))
        );
        assert_eq!(config.log_format, LogFormat::Human);
        assert_eq!(config.services, Services::ALL);
        assert!(config.tls.is_none());
    }

    #[test]
    fn environment_wins_over_file_and_file_over_defaults() {
        let file = toml_file(
            r#"
            http_addr = "0.0.0.0:9000"
            log_format = "json"
            health_timeout_ms = 500
            database_url = "postgres://file@db/berth"
            redis_url = "redis://file:6379"
            "#,
        );
        let config = Config::load(
            Some(file.path()),
            env(&[
                ("BERTH_HTTP_ADDR", "127.0.0.1:7000"),
                ("BERTH_DATABASE_URL", "postgres://env@db/berth"),
            ]),
        )
        .expect("valid");
        assert_eq!(config.http_addr.to_string(), "127.0.0.1:7000");
        assert_eq!(
            config.database_url.expose_secret(),
            "postgres://env@db/berth"
        );
        assert_eq!(config.redis_url.expose_secret(), "redis://file:6379");
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.health_timeout, Duration::from_millis(500));
    }

    #[test]
    fn numeric_looking_environment_values_stay_text() {
        let mut vars = env(REQUIRED);
        vars.extend(env(&[("BERTH_REDIS_KEY_PREFIX", "007")]));
        let config = Config::load(None, vars).expect("valid");
        assert_eq!(config.redis_key_prefix, "007", "leading zeros survive");
    }

    #[test]
    fn a_bad_value_is_one_line_naming_key_origin_value_and_form() {
        let mut vars = env(REQUIRED);
        vars.extend(env(&[("BERTH_HTTP_ADDR", "localhost-eighty")]));
        let err = Config::load(None, vars).expect_err("invalid").to_string();
        assert_eq!(
            err,
            "invalid configuration: http_addr = \"localhost-eighty\" (from environment variable BERTH_HTTP_ADDR): \
             expected a listen address such as 127.0.0.1:8080"
        );
        assert!(!err.contains('\n'));
    }

    #[test]
    fn a_bad_value_in_the_file_names_the_file() {
        let file = toml_file("health_timeout_ms = 0\n");
        let err = Config::load(Some(file.path()), env(REQUIRED))
            .expect_err("invalid")
            .to_string();
        assert!(err.contains("health_timeout_ms = \"0\""), "{err}");
        assert!(err.contains(&file.path().display().to_string()), "{err}");
        assert!(err.contains("milliseconds from 10 to 60000"), "{err}");
    }

    #[test]
    fn a_published_default_admin_password_stops_start_up() {
        let mut vars = env(REQUIRED);
        vars.extend(env(&[("BERTH_ADMIN_PASSWORD", "Harbor12345")]));
        let err = Config::load(None, vars).expect_err("refused").to_string();
        assert!(
            err.contains("admin_password") && err.contains("<redacted>"),
            "{err}"
        );
        assert!(!err.contains("Harbor12345 "), "{err}");
    }

    #[test]
    fn secrets_are_not_echoed_in_errors() {
        let mut vars = env(REQUIRED);
        vars.extend(env(&[("BERTH_S3_SECRET_ACCESS_KEY", "")]));
        let err = Config::load(None, vars).expect_err("invalid").to_string();
        assert!(err.contains("<redacted>"), "{err}");
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        let file = toml_file("htp_addr = \"127.0.0.1:1\"\n");
        let err = Config::load(Some(file.path()), env(REQUIRED))
            .expect_err("invalid")
            .to_string();
        assert!(err.contains("unknown key \"htp_addr\""), "{err}");
    }

    #[test]
    fn missing_database_url_says_how_to_set_it() {
        let err =
            Config::load(None, env(&[("BERTH_REDIS_URL", "redis://x")])).expect_err("missing");
        assert!(err.to_string().contains("BERTH_DATABASE_URL"), "{err}");
    }

    #[test]
    fn storage_urls_parse() {
        assert_eq!(
            parse_storage_url("s3://my-bucket/berth/blobs"),
            Some(StorageUrl::S3 {
                bucket: "my-bucket".into(),
                prefix: "berth/blobs".into()
            })
        );
        assert_eq!(
            parse_storage_url("file:///var/lib/berth"),
            Some(StorageUrl::Filesystem("/var/lib/berth".into()))
        );
        assert_eq!(parse_storage_url("s3://"), None);
        assert_eq!(parse_storage_url("ftp://x"), None);
    }

    #[test]
    fn tls_needs_both_halves() {
        let mut vars = env(REQUIRED);
        vars.extend(env(&[("BERTH_TLS_CERT", "/etc/berth/cert.pem")]));
        let err = Config::load(None, vars).expect_err("half tls").to_string();
        assert!(err.contains("tls_key"), "{err}");
    }

    #[test]
    fn services_list_parses_and_rejects_unknown_names() {
        let s: Services = "registry, auth".parse().expect("valid");
        assert!(
            s.contains(Service::Registry)
                && s.contains(Service::Auth)
                && !s.contains(Service::Core)
        );
        assert_eq!(s.to_string(), "registry,auth");
        assert!("registry,billing".parse::<Services>().is_err());
        assert_eq!("all".parse::<Services>(), Ok(Services::ALL));
    }

    #[test]
    fn every_key_has_an_expected_form_and_an_environment_name() {
        for (key, form) in KEYS {
            assert!(!form.is_empty(), "{key}");
            assert_eq!(key.to_ascii_lowercase(), *key);
        }
    }
}

#[cfg(test)]
mod docs_tests {
    use super::KEYS;

    #[test]
    fn the_configuration_reference_documents_every_key() {
        let doc = include_str!("../../../docs/configuration.md");
        for (key, _) in KEYS {
            let var = format!("`BERTH_{}`", key.to_ascii_uppercase());
            assert!(doc.contains(&var), "docs/configuration.md lacks {var}");
        }
    }
}

#[cfg(test)]
mod example_tests {
    use super::*;

    #[test]
    fn the_shipped_example_configuration_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/berth.toml");
        let config =
            Config::load(Some(&path), std::iter::empty()).expect("deploy/berth.toml is valid");
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(
            config.external_url.as_str(),
            "https://registry.example.com/"
        );
    }
}
