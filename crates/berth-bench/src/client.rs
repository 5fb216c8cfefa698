//! A registry client that talks as Docker-style clients do: the bearer
//! token handshake from the `/v2/` challenge, HEAD before upload,
//! monolithic, two-step and chunked blob uploads, manifests by tag.

use anyhow::{Context, anyhow, bail, ensure};
use bytes::Bytes;
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use tokio::sync::OnceCell;
use url::Url;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";

#[derive(Clone)]
pub struct Registry {
    pub http: reqwest::Client,
    pub base: Url,
    user: String,
    password: String,
    challenge: std::sync::Arc<OnceCell<Challenge>>,
}

#[derive(Debug, Clone)]
struct Challenge {
    realm: Url,
    service: String,
}

/// One client for a whole run: its pool holds the connections the
/// scenario's workers share.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .tcp_nodelay(true)
        .build()
        .expect("HTTP client")
}

impl Registry {
    pub fn new(http: reqwest::Client, base: Url, user: &str, password: &str) -> Self {
        Self {
            http,
            base,
            user: user.to_owned(),
            password: password.to_owned(),
            challenge: Default::default(),
        }
    }

    /// The same registry, signing in as someone else.
    pub fn as_user(&self, user: &str, password: &str) -> Self {
        Self {
            user: user.to_owned(),
            password: password.to_owned(),
            ..self.clone()
        }
    }

    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("path joins the base URL")
    }

    /// Where a token for `scope` is asked for, as the challenge says.
    pub async fn token_url(&self, scope: &str) -> anyhow::Result<Url> {
        let challenge = self
            .challenge
            .get_or_try_init(|| self.read_challenge())
            .await?;
        let mut url = challenge.realm.clone();
        url.query_pairs_mut()
            .append_pair("service", &challenge.service)
            .append_pair("scope", scope);
        Ok(url)
    }

    pub async fn token(&self, scope: &str) -> anyhow::Result<String> {
        let url = self.token_url(scope).await?;
        self.fetch_token(url).await
    }

    pub async fn fetch_token(&self, url: Url) -> anyhow::Result<String> {
        let response = self
            .http
            .get(url)
            .basic_auth(&self.user, Some(&self.password))
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await.context("token response")?;
        ensure!(
            status.is_success(),
            "token request answered {status}: {body}"
        );
        body.get("token")
            .or_else(|| body.get("access_token"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("token response without a token: {body}"))
    }

    async fn read_challenge(&self) -> anyhow::Result<Challenge> {
        let response = self.http.get(self.url("/v2/")).send().await?;
        ensure!(
            response.status() == StatusCode::UNAUTHORIZED,
            "GET /v2/ answered {} instead of a challenge",
            response.status()
        );
        let header = response
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| anyhow!("401 without WWW-Authenticate"))?;
        parse_challenge(header)
    }

    fn request(&self, method: Method, url: Url, token: &str) -> reqwest::RequestBuilder {
        self.http.request(method, url).bearer_auth(token)
    }

    pub async fn blob_exists(&self, token: &str, repo: &str, digest: &str) -> anyhow::Result<bool> {
        let url = self.url(&format!("/v2/{repo}/blobs/{digest}"));
        let response = self.request(Method::HEAD, url, token).send().await?;
        match response.status() {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            status => bail!("HEAD blob answered {status}"),
        }
    }

    /// `POST .../uploads/?digest=` with the whole body: one request.
    pub async fn push_blob_monolithic(
        &self,
        token: &str,
        repo: &str,
        digest: &str,
        body: reqwest::Body,
        length: u64,
    ) -> anyhow::Result<()> {
        let mut url = self.url(&format!("/v2/{repo}/blobs/uploads/"));
        url.query_pairs_mut().append_pair("digest", digest);
        let response = self
            .request(Method::POST, url, token)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::CONTENT_LENGTH, length)
            .body(body)
            .send()
            .await?;
        expect(response, StatusCode::CREATED, "monolithic blob push").await
    }

    /// Open a session, then `PUT ?digest=` with the whole body: what
    /// containerd and skopeo do.
    pub async fn push_blob_two_step(
        &self,
        token: &str,
        repo: &str,
        digest: &str,
        bytes: Bytes,
    ) -> anyhow::Result<()> {
        let mut location = self.start_upload(token, repo).await?;
        location.query_pairs_mut().append_pair("digest", digest);
        let response = self
            .request(Method::PUT, location, token)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes)
            .send()
            .await?;
        expect(response, StatusCode::CREATED, "blob upload").await
    }

    /// Open a session, PATCH each chunk with its Content-Range, then close
    /// it with `PUT ?digest=`: what Docker does for large layers.
    pub async fn push_blob_chunked<F>(
        &self,
        token: &str,
        repo: &str,
        digest: &str,
        length: u64,
        chunk_size: u64,
        mut chunk: F,
    ) -> anyhow::Result<()>
    where
        F: AsyncFnMut(u64, u64) -> anyhow::Result<Bytes>,
    {
        let mut location = self.start_upload(token, repo).await?;
        let mut offset = 0;
        while offset < length {
            let len = chunk_size.min(length - offset);
            let bytes = chunk(offset, len).await?;
            let response = self
                .request(Method::PATCH, location.clone(), token)
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .header(
                    header::CONTENT_RANGE,
                    format!("{}-{}", offset, offset + len - 1),
                )
                .header(header::CONTENT_LENGTH, len)
                .body(bytes)
                .send()
                .await?;
            location = self.location(&response)?;
            expect(response, StatusCode::ACCEPTED, "chunk upload").await?;
            offset += len;
        }
        location.query_pairs_mut().append_pair("digest", digest);
        let response = self
            .request(Method::PUT, location, token)
            .header(header::CONTENT_LENGTH, 0)
            .send()
            .await?;
        expect(response, StatusCode::CREATED, "closing chunked upload").await
    }

    async fn start_upload(&self, token: &str, repo: &str) -> anyhow::Result<Url> {
        let url = self.url(&format!("/v2/{repo}/blobs/uploads/"));
        let response = self
            .request(Method::POST, url, token)
            .header(header::CONTENT_LENGTH, 0)
            .send()
            .await?;
        let location = self.location(&response)?;
        expect(response, StatusCode::ACCEPTED, "opening an upload").await?;
        Ok(location)
    }

    fn location(&self, response: &reqwest::Response) -> anyhow::Result<Url> {
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| anyhow!("{} without Location", response.status()))?;
        Ok(self.base.join(location)?)
    }

    pub async fn put_manifest(
        &self,
        token: &str,
        repo: &str,
        reference: &str,
        manifest: &[u8],
    ) -> anyhow::Result<()> {
        let url = self.url(&format!("/v2/{repo}/manifests/{reference}"));
        let response = self
            .request(Method::PUT, url, token)
            .header(header::CONTENT_TYPE, OCI_MANIFEST)
            .body(manifest.to_vec())
            .send()
            .await?;
        expect(response, StatusCode::CREATED, "manifest push").await
    }

    /// An authenticated GET or HEAD; returns the body's length.
    pub async fn fetch(
        &self,
        method: Method,
        url: Url,
        token: Option<&str>,
        accept: Option<&str>,
    ) -> anyhow::Result<u64> {
        let mut request = self.http.request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT, accept);
        }
        read_all(request.send().await?).await
    }

    /// A GET with this registry's Basic credentials, answered as it is.
    pub async fn admin_get(&self, url: Url) -> reqwest::Result<reqwest::Response> {
        self.http
            .get(url)
            .basic_auth(&self.user, Some(&self.password))
            .send()
            .await
    }

    /// Admin calls to `/api/v2.0`, with Basic credentials.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method.clone(), self.url(&format!("/api/v2.0{path}")))
            .basic_auth(&self.user, Some(&self.password));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        ensure!(
            status.is_success(),
            "{method} {path} answered {status}: {text}"
        );
        Ok(if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        })
    }

    /// Creates the project unless it exists.
    pub async fn ensure_project(&self, name: &str) -> anyhow::Result<()> {
        let body = json!({"project_name": name, "metadata": {"public": "false"}});
        match self.api(Method::POST, "/projects", Some(&body)).await {
            Ok(_) => Ok(()),
            Err(err) if err.to_string().contains("409") => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// A project robot with push and pull on every repository of the
    /// project; returns its name and secret.
    pub async fn create_robot(
        &self,
        project: &str,
        name: &str,
    ) -> anyhow::Result<(String, String)> {
        let body = json!({
            "name": name,
            "level": "project",
            "duration": -1,
            "permissions": [{"kind": "project", "namespace": project, "access": [
                {"resource": "repository", "action": "pull"},
                {"resource": "repository", "action": "push"},
            ]}],
        });
        let robot = self.api(Method::POST, "/robots", Some(&body)).await?;
        let field = |key: &str| {
            robot[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| anyhow!("robot response without {key}: {robot}"))
        };
        Ok((field("name")?, field("secret")?))
    }
}

/// An image manifest over a config and layers given as (digest, size).
pub fn image_manifest(config: (&str, usize), layers: &[(String, usize)], note: &str) -> Vec<u8> {
    let layers: Vec<Value> = layers
        .iter()
        .map(|(digest, size)| json!({"mediaType": OCI_LAYER, "digest": digest, "size": size}))
        .collect();
    serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config.0, "size": config.1},
        "layers": layers,
        "annotations": {"org.opencontainers.image.description": note},
    }))
    .expect("manifest serialises")
}

/// Reads and discards the body, failing on an error status.
pub async fn read_all(mut response: reqwest::Response) -> anyhow::Result<u64> {
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        bail!(
            "answered {status}: {}",
            text.chars().take(300).collect::<String>()
        );
    }
    let mut length = 0;
    while let Some(chunk) = response.chunk().await? {
        length += chunk.len() as u64;
    }
    Ok(length)
}

async fn expect(response: reqwest::Response, want: StatusCode, what: &str) -> anyhow::Result<()> {
    let status = response.status();
    if status == want {
        return Ok(());
    }
    let text = response.text().await.unwrap_or_default();
    bail!(
        "{what} answered {status}: {}",
        text.chars().take(300).collect::<String>()
    )
}

fn parse_challenge(header: &str) -> anyhow::Result<Challenge> {
    let params = header
        .strip_prefix("Bearer ")
        .ok_or_else(|| anyhow!("not a bearer challenge: {header}"))?;
    let mut realm = None;
    let mut service = String::new();
    for part in params.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else {
            continue;
        };
        let value = value.trim_matches('"');
        match key {
            "realm" => realm = Some(Url::parse(value).context("challenge realm")?),
            "service" => service = value.to_owned(),
            _ => {}
        }
    }
    Ok(Challenge {
        realm: realm.ok_or_else(|| anyhow!("challenge without realm: {header}"))?,
        service,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_bearer_challenge() {
        let challenge = parse_challenge(
            r#"Bearer realm="http://127.0.0.1:5000/service/token",service="berth",scope="repository:a/b:pull""#,
        )
        .unwrap();
        assert_eq!(
            challenge.realm.as_str(),
            "http://127.0.0.1:5000/service/token"
        );
        assert_eq!(challenge.service, "berth");
        assert!(parse_challenge("Basic realm=x").is_err());
    }
}
