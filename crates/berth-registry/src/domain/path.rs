//! Every `/v2` path goes through one parser into a typed route, rather than
//! one actix route per name depth (names may contain any number of `/`).

use berth_types::{Digest, Reference, RepositoryName};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Base,
    Catalog,
    Blob {
        name: RepositoryName,
        digest: Digest,
    },
    UploadStart {
        name: RepositoryName,
    },
    Upload {
        name: RepositoryName,
        id: uuid::Uuid,
    },
    Manifest {
        name: RepositoryName,
        reference: Reference,
    },
    Tags {
        name: RepositoryName,
    },
    Referrers {
        name: RepositoryName,
        digest: Digest,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("no such endpoint")]
    Unknown,
    #[error("invalid repository name {0:?}")]
    Name(String),
    #[error("invalid digest {0:?}")]
    Digest(String),
    #[error("invalid tag or digest {0:?}")]
    Reference(String),
    #[error("unknown upload {0:?}")]
    Upload(String),
}

fn name(raw: &str) -> Result<RepositoryName, PathError> {
    raw.parse().map_err(|_| PathError::Name(raw.to_owned()))
}

/// Parses the part after `/v2/`.
pub fn parse(tail: &str) -> Result<Route, PathError> {
    if tail.is_empty() {
        return Ok(Route::Base);
    }
    if tail == "_catalog" {
        return Ok(Route::Catalog);
    }
    if let Some(repo) = tail.strip_suffix("/tags/list") {
        return Ok(Route::Tags { name: name(repo)? });
    }
    if let Some(repo) = tail
        .strip_suffix("/blobs/uploads/")
        .or_else(|| tail.strip_suffix("/blobs/uploads"))
    {
        return Ok(Route::UploadStart { name: name(repo)? });
    }
    if let Some((repo, id)) = tail.rsplit_once("/blobs/uploads/") {
        let id = id.parse().map_err(|_| PathError::Upload(id.to_owned()))?;
        return Ok(Route::Upload {
            name: name(repo)?,
            id,
        });
    }
    if let Some((repo, digest)) = tail.rsplit_once("/blobs/") {
        let digest = digest
            .parse()
            .map_err(|_| PathError::Digest(digest.to_owned()))?;
        return Ok(Route::Blob {
            name: name(repo)?,
            digest,
        });
    }
    if let Some((repo, reference)) = tail.rsplit_once("/manifests/") {
        let reference = reference
            .parse()
            .map_err(|_| PathError::Reference(reference.to_owned()))?;
        return Ok(Route::Manifest {
            name: name(repo)?,
            reference,
        });
    }
    if let Some((repo, digest)) = tail.rsplit_once("/referrers/") {
        let digest = digest
            .parse()
            .map_err(|_| PathError::Digest(digest.to_owned()))?;
        return Ok(Route::Referrers {
            name: name(repo)?,
            digest,
        });
    }
    Err(PathError::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn routes_parse_for_names_of_any_depth() {
        let cases = [
            ("", "Base"),
            ("_catalog", "Catalog"),
            ("lib/app/tags/list", "Tags lib/app"),
            ("lib/a/b/c/tags/list", "Tags lib/a/b/c"),
            ("lib/app/blobs/uploads/", "UploadStart lib/app"),
            ("lib/blobs/uploads/tags/list", "Tags lib/blobs/uploads"),
            ("lib/app/manifests/latest", "Manifest lib/app latest"),
            ("lib/manifests/manifests/v1", "Manifest lib/manifests v1"),
        ];
        for (tail, expected) in cases {
            let shown = match parse(tail).unwrap() {
                Route::Base => "Base".to_owned(),
                Route::Catalog => "Catalog".to_owned(),
                Route::Tags { name } => format!("Tags {name}"),
                Route::UploadStart { name } => format!("UploadStart {name}"),
                Route::Manifest { name, reference } => format!("Manifest {name} {reference}"),
                other => format!("{other:?}"),
            };
            assert_eq!(shown, expected, "{tail}");
        }
        assert!(matches!(
            parse(&format!("lib/app/blobs/{DIGEST}")),
            Ok(Route::Blob { .. })
        ));
        assert!(matches!(
            parse(&format!("lib/app/referrers/{DIGEST}")),
            Ok(Route::Referrers { .. })
        ));
        let id = uuid::Uuid::new_v4();
        assert!(matches!(
            parse(&format!("lib/app/blobs/uploads/{id}")),
            Ok(Route::Upload { .. })
        ));
    }

    #[test]
    fn odd_paths_are_refused_precisely() {
        assert_eq!(parse("nothing-here"), Err(PathError::Unknown));
        assert!(matches!(
            parse("Lib/app/tags/list"),
            Err(PathError::Name(_))
        ));
        assert!(
            matches!(parse("app/tags/list"), Err(PathError::Name(_))),
            "no project"
        );
        assert!(matches!(
            parse("lib/app/blobs/sha256:zz"),
            Err(PathError::Digest(_))
        ));
        assert!(matches!(
            parse("lib/app/manifests/-bad"),
            Err(PathError::Reference(_))
        ));
        assert!(matches!(
            parse("lib/app/blobs/uploads/not-a-uuid"),
            Err(PathError::Upload(_))
        ));
        assert!(matches!(
            parse("lib/../etc/tags/list"),
            Err(PathError::Name(_))
        ));
    }
}
