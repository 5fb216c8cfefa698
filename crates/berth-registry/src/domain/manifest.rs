//! Manifest validation (image-spec manifest.md and image-index.md, and the
//! Docker schema 2 equivalents): what a pushed manifest is, and which blobs
//! and child manifests it needs.

use berth_types::Digest;
use serde::Deserialize;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_SCHEMA1: [&str; 2] = [
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
];
/// The OCI "empty" config that artifacts without configuration use.
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: Digest,
    pub size: i64,
    #[serde(default)]
    pub artifact_type: Option<String>,
    #[serde(default)]
    pub annotations: Option<serde_json::Map<String, serde_json::Value>>,
    /// On an index's entries: what the child manifest runs on.
    #[serde(default)]
    pub platform: Option<Platform>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Platform {
    pub architecture: String,
    pub os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    schema_version: Option<i64>,
    media_type: Option<String>,
    artifact_type: Option<String>,
    config: Option<Descriptor>,
    layers: Option<Vec<Descriptor>>,
    manifests: Option<Vec<Descriptor>>,
    subject: Option<Descriptor>,
    annotations: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// An image or artifact manifest: a config and layers (blobs).
    Image {
        config: Descriptor,
        layers: Vec<Descriptor>,
    },
    /// An index or manifest list: child manifests.
    Index { manifests: Vec<Descriptor> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub media_type: String,
    pub kind: Kind,
    pub subject: Option<Descriptor>,
    /// `artifactType`, or for artifacts the config's media type.
    pub artifact_type: Option<String>,
    pub annotations: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Manifest {
    pub fn config_media_type(&self) -> Option<&str> {
        match &self.kind {
            Kind::Image { config, .. } => Some(&config.media_type),
            Kind::Index { .. } => None,
        }
    }

    /// Blobs that must already be in the repository.
    pub fn blobs(&self) -> Vec<&Descriptor> {
        match &self.kind {
            Kind::Image { config, layers } => {
                std::iter::once(config).chain(layers.iter()).collect()
            }
            Kind::Index { .. } => Vec::new(),
        }
    }

    /// Manifests that must already be in the repository.
    pub fn children(&self) -> &[Descriptor] {
        match &self.kind {
            Kind::Index { manifests } => manifests,
            Kind::Image { .. } => &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("manifest is not valid JSON: {0}")]
    Json(String),
    #[error(
        "Docker schema 1 manifests are not supported: push with a current client (schema 2 or OCI)"
    )]
    SchemaOne,
    #[error("unsupported manifest media type {0:?}")]
    MediaType(String),
    #[error("mediaType {body:?} in the manifest does not match Content-Type {header:?}")]
    MediaTypeMismatch { body: String, header: String },
    #[error("{0}")]
    Invalid(String),
}

/// Parses a pushed manifest. `content_type` is the request's Content-Type;
/// the body's `mediaType`, when present, must agree with it.
pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Manifest, ManifestError> {
    let header = content_type
        .map(|c| c.split(';').next().unwrap_or(c).trim().to_owned())
        .filter(|c| !c.is_empty());
    if header
        .as_deref()
        .is_some_and(|h| DOCKER_SCHEMA1.contains(&h))
    {
        return Err(ManifestError::SchemaOne);
    }
    let raw: Raw = serde_json::from_slice(body).map_err(|e| ManifestError::Json(e.to_string()))?;
    if raw.schema_version == Some(1) {
        return Err(ManifestError::SchemaOne);
    }
    if raw.schema_version != Some(2) {
        return Err(ManifestError::Invalid("schemaVersion must be 2".into()));
    }
    if raw.manifests.is_some() && (raw.layers.is_some() || raw.config.is_some()) {
        return Err(ManifestError::Invalid(
            "a manifest has either layers and a config, or manifests, never both".into(),
        ));
    }
    let media_type = match (&raw.media_type, &header) {
        (Some(body), Some(header)) if body != header && header != "application/json" => {
            return Err(ManifestError::MediaTypeMismatch {
                body: body.clone(),
                header: header.clone(),
            });
        }
        (Some(body), _) => body.clone(),
        (None, Some(header)) if header != "application/json" => header.clone(),
        // OCI allows omitting mediaType; infer it from the shape.
        (None, _) if raw.manifests.is_some() => OCI_INDEX.to_owned(),
        (None, _) => OCI_MANIFEST.to_owned(),
    };
    let kind = match media_type.as_str() {
        OCI_MANIFEST | DOCKER_MANIFEST => {
            let config = raw
                .config
                .ok_or_else(|| ManifestError::Invalid("an image manifest needs a config".into()))?;
            let layers = raw.layers.unwrap_or_default();
            if media_type == DOCKER_MANIFEST && layers.is_empty() {
                return Err(ManifestError::Invalid(
                    "a Docker image manifest needs layers".into(),
                ));
            }
            Kind::Image { config, layers }
        }
        OCI_INDEX | DOCKER_MANIFEST_LIST => {
            let manifests = raw
                .manifests
                .ok_or_else(|| ManifestError::Invalid("an index needs a manifests array".into()))?;
            Kind::Index { manifests }
        }
        other if DOCKER_SCHEMA1.contains(&other) => return Err(ManifestError::SchemaOne),
        other => return Err(ManifestError::MediaType(other.to_owned())),
    };
    let all: Vec<&Descriptor> = match &kind {
        Kind::Image { config, layers } => std::iter::once(config).chain(layers).collect(),
        Kind::Index { manifests } => manifests.iter().collect(),
    };
    if let Some(bad) = all.iter().find(|d| d.size < 0) {
        return Err(ManifestError::Invalid(format!(
            "descriptor {} has a negative size",
            bad.digest
        )));
    }
    let artifact_type = raw.artifact_type.clone().or_else(|| match &kind {
        Kind::Image { config, .. }
            if media_type == OCI_MANIFEST && !is_image_config(&config.media_type) =>
        {
            Some(config.media_type.clone())
        }
        _ => None,
    });
    Ok(Manifest {
        media_type,
        kind,
        subject: raw.subject,
        artifact_type,
        annotations: raw.annotations,
    })
}

pub fn is_image_config(media_type: &str) -> bool {
    matches!(
        media_type,
        "application/vnd.oci.image.config.v1+json"
            | "application/vnd.docker.container.image.v1+json"
            | OCI_EMPTY
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    fn image(config_type: &str) -> String {
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}",
                "config":{{"mediaType":"{config_type}","digest":"{D1}","size":2}},
                "layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{D2}","size":10}}]}}"#
        )
    }

    #[test]
    fn image_manifests_list_their_blobs() {
        let manifest = parse(
            Some(OCI_MANIFEST),
            image("application/vnd.oci.image.config.v1+json").as_bytes(),
        )
        .unwrap();
        let blobs: Vec<String> = manifest
            .blobs()
            .iter()
            .map(|d| d.digest.to_string())
            .collect();
        assert_eq!(blobs, [D1, D2]);
        assert_eq!(manifest.artifact_type, None);
    }

    #[test]
    fn artifacts_take_their_type_from_the_config() {
        let manifest = parse(
            Some(OCI_MANIFEST),
            image("application/vnd.example.sbom").as_bytes(),
        )
        .unwrap();
        assert_eq!(
            manifest.artifact_type.as_deref(),
            Some("application/vnd.example.sbom")
        );
    }

    #[test]
    fn indexes_list_their_children_and_subjects_are_kept() {
        let body = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}",
                "manifests":[{{"mediaType":"{OCI_MANIFEST}","digest":"{D1}","size":5}}],
                "subject":{{"mediaType":"{OCI_MANIFEST}","digest":"{D2}","size":5}}}}"#
        );
        let manifest = parse(None, body.as_bytes()).unwrap();
        assert_eq!(manifest.children().len(), 1);
        assert_eq!(manifest.subject.unwrap().digest.to_string(), D2);
    }

    #[test]
    fn bad_manifests_are_refused_with_a_reason() {
        assert!(matches!(
            parse(Some(OCI_MANIFEST), b"{not json"),
            Err(ManifestError::Json(_))
        ));
        assert_eq!(
            parse(
                Some("application/vnd.docker.distribution.manifest.v1+prettyjws"),
                b"{}"
            ),
            Err(ManifestError::SchemaOne)
        );
        assert_eq!(
            parse(None, br#"{"schemaVersion":1}"#),
            Err(ManifestError::SchemaOne)
        );
        assert!(matches!(
            parse(
                Some(OCI_INDEX),
                image("application/vnd.oci.image.config.v1+json").as_bytes()
            ),
            Err(ManifestError::MediaTypeMismatch { .. })
        ));
        let both = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"x","digest":"{D1}","size":1}},
                "layers":[],"manifests":[]}}"#
        );
        assert!(matches!(
            parse(Some(OCI_MANIFEST), both.as_bytes()),
            Err(ManifestError::Invalid(_))
        ));
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(
            parse(Some(OCI_MANIFEST), deep.as_bytes()),
            Err(ManifestError::Json(_))
        ));
        let duplicated = br#"{"schemaVersion":2,"schemaVersion":2}"#;
        assert!(parse(Some(OCI_MANIFEST), duplicated).is_err());
        assert!(
            parse(Some(OCI_MANIFEST), b"\xef\xbb\xbf{}").is_err(),
            "a BOM"
        );
        assert!(
            parse(Some(OCI_MANIFEST), b"{\"schemaVersion\":2,\"x\":\"\xff\"}").is_err(),
            "invalid UTF-8"
        );
        assert!(matches!(
            parse(Some("text/plain"), br#"{"schemaVersion":2}"#),
            Err(ManifestError::MediaType(_))
        ));
        let bad_digest = image("x").replace(D1, "sha256:nothex");
        assert!(matches!(
            parse(Some(OCI_MANIFEST), bad_digest.as_bytes()),
            Err(ManifestError::Json(_))
        ));
    }
}
