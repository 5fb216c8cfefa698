//! Which representation of a stored manifest a pull gets, from its `Accept`
//! header. Manifests are never rewritten: the stored bytes are served, or
//! for a client that cannot read indexes the linux/amd64 entry of one (as
//! the reference registry does), or a 404 that says why.

use super::manifest::{DOCKER_MANIFEST_LIST, Descriptor, OCI_INDEX};

/// The media types an `Accept` header lists, parameters and quality dropped;
/// several headers count as one list.
pub fn accepted<'a>(headers: impl Iterator<Item = &'a str>) -> Vec<String> {
    headers
        .flat_map(|value| value.split(','))
        .filter_map(|item| {
            let media_type = item.split(';').next().unwrap_or("").trim();
            (!media_type.is_empty()).then(|| media_type.to_ascii_lowercase())
        })
        .collect()
}

/// Whether the client takes a manifest stored as `media_type`. No `Accept`
/// at all means anything.
pub fn acceptable(accepted: &[String], media_type: &str) -> bool {
    accepted.is_empty()
        || accepted
            .iter()
            .any(|a| a == "*/*" || a == "application/*" || a == media_type)
}

pub fn is_index(media_type: &str) -> bool {
    media_type == OCI_INDEX || media_type == DOCKER_MANIFEST_LIST
}

/// For a client that does not take an index: the linux/amd64 entry, if the
/// client takes that entry's type.
pub fn substitute<'a>(accepted: &[String], entries: &'a [Descriptor]) -> Option<&'a Descriptor> {
    entries.iter().find(|entry| {
        entry
            .platform
            .as_ref()
            .is_some_and(|p| p.os == "linux" && p.architecture == "amd64")
            && acceptable(accepted, &entry.media_type)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::manifest::{DOCKER_MANIFEST, OCI_MANIFEST, Platform};

    fn child(arch: &str, media_type: &str) -> Descriptor {
        Descriptor {
            media_type: media_type.into(),
            digest: format!(
                "sha256:{}",
                if arch == "amd64" { "a" } else { "b" }.repeat(64)
            )
            .parse()
            .unwrap(),
            size: 1,
            artifact_type: None,
            annotations: None,
            platform: Some(Platform {
                architecture: arch.into(),
                os: "linux".into(),
                variant: None,
            }),
        }
    }

    #[test]
    fn the_header_is_a_list_of_media_types() {
        let list = accepted(
            [
                "application/vnd.oci.image.manifest.v1+json; q=0.9, Application/JSON",
                "*/*",
            ]
            .into_iter(),
        );
        assert_eq!(
            list,
            [
                "application/vnd.oci.image.manifest.v1+json",
                "application/json",
                "*/*"
            ]
        );
    }

    #[test]
    fn the_stored_manifest_is_served_when_listed_wildcarded_or_nothing_is_asked() {
        assert!(acceptable(&[], OCI_MANIFEST));
        assert!(acceptable(&["*/*".into()], OCI_MANIFEST));
        assert!(acceptable(
            &[DOCKER_MANIFEST.into(), OCI_MANIFEST.into()],
            OCI_MANIFEST
        ));
        assert!(!acceptable(&[DOCKER_MANIFEST.into()], OCI_MANIFEST));
    }

    #[test]
    fn a_client_without_index_support_gets_the_linux_amd64_entry() {
        let entries = [
            child("arm64", DOCKER_MANIFEST),
            child("amd64", DOCKER_MANIFEST),
        ];
        let picked = substitute(&[DOCKER_MANIFEST.into()], &entries).unwrap();
        assert_eq!(picked.platform.as_ref().unwrap().architecture, "amd64");
        assert!(
            substitute(&[OCI_MANIFEST.into()], &entries).is_none(),
            "the entry's own type must be acceptable too"
        );
        assert!(substitute(&[DOCKER_MANIFEST.into()], &entries[..1]).is_none());
    }
}
