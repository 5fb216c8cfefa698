//! Project, repository and tag names.
//!
//! Repository names follow the OCI distribution spec ("Pulling manifests"):
//! path components of `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` joined by `/`. In
//! Berth the first component is always the project, whose name follows
//! Harbor's stricter rule. Tags follow `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.

use std::fmt;
use std::str::FromStr;

use crate::Digest;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error(
        "project name {0:?} is invalid: use 1 to 255 lowercase letters, digits and . _ -, starting and ending with a letter or digit"
    )]
    Project(String),
    #[error(
        "repository name {0:?} is invalid: use <project>/<name>[/…] with lowercase letters, digits and separators . _ __ -"
    )]
    Repository(String),
    #[error("tag {0:?} is invalid: use 1 to 128 letters, digits, _ . -, not starting with . or -")]
    Tag(String),
    #[error("reference {0:?} is neither a tag nor a digest")]
    Reference(String),
}

/// Longest repository name accepted, in bytes, including the project.
const MAX_REPOSITORY_LEN: usize = 255;

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn is_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        // A separator run: ".", "_", "__" or one or more "-".
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let separator = &component[start..i];
        let allowed = matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !allowed {
            return false;
        }
    }
    true
}

/// A Harbor project name: lowercase letters, digits and `._-`, beginning and
/// ending with a letter or digit, 1 to 255 characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectName(String);

impl FromStr for ProjectName {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        let bytes = s.as_bytes();
        let valid = (1..=255).contains(&bytes.len())
            && alnum(bytes[0])
            && alnum(bytes[bytes.len() - 1])
            && bytes.iter().all(|&b| alnum(b) || matches!(b, b'.' | b'_' | b'-'))
            // Harbor refuses consecutive separators in project names.
            && !bytes.windows(2).any(|w| !alnum(w[0]) && !alnum(w[1]));
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(NameError::Project(s.to_owned()))
        }
    }
}

/// A repository name: `<project>/<path>`, at least two components.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepositoryName {
    full: String,
    project_len: usize,
}

impl RepositoryName {
    pub fn project(&self) -> ProjectName {
        ProjectName(self.full[..self.project_len].to_owned())
    }

    /// The name inside its project (`library/nginx` → `nginx`).
    pub fn path_in_project(&self) -> &str {
        &self.full[self.project_len + 1..]
    }
}

impl FromStr for RepositoryName {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || NameError::Repository(s.to_owned());
        if s.len() > MAX_REPOSITORY_LEN {
            return Err(invalid());
        }
        let (project, rest) = s.split_once('/').ok_or_else(invalid)?;
        project.parse::<ProjectName>().map_err(|_| invalid())?;
        if !rest.split('/').all(is_path_component) {
            return Err(invalid());
        }
        Ok(Self {
            full: s.to_owned(),
            project_len: project.len(),
        })
    }
}

/// A tag: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl FromStr for Tag {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let valid = (1..=128).contains(&bytes.len())
            && word(bytes[0])
            && bytes.iter().all(|&b| word(b) || b == b'.' || b == b'-');
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(NameError::Tag(s.to_owned()))
        }
    }
}

/// What follows `/manifests/`: a tag or a digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reference {
    Tag(Tag),
    Digest(Digest),
}

impl FromStr for Reference {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.contains(':') {
            s.parse()
                .map(Reference::Digest)
                .map_err(|_| NameError::Reference(s.to_owned()))
        } else {
            s.parse()
                .map(Reference::Tag)
                .map_err(|_| NameError::Reference(s.to_owned()))
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Tag(tag) => tag.fmt(f),
            Reference::Digest(digest) => digest.fmt(f),
        }
    }
}

macro_rules! string_newtype {
    ($ty:ident, $field:tt) => {
        impl $ty {
            pub fn as_str(&self) -> &str {
                &self.$field
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.$field)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($ty), "({:?})"), &self.$field)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.$field)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

string_newtype!(ProjectName, 0);
string_newtype!(RepositoryName, full);
string_newtype!(Tag, 0);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn project_names_follow_harbors_rule() {
        for ok in [
            "library",
            "a",
            "team-1",
            "my.project",
            "x_y",
            &"a".repeat(255),
        ] {
            assert!(ok.parse::<ProjectName>().is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Library",
            "-lead",
            "trail-",
            "a..b",
            "a_-b",
            "spa ce",
            "ü",
            &"a".repeat(256),
            "a/b",
        ] {
            assert!(bad.parse::<ProjectName>().is_err(), "{bad}");
        }
    }

    #[test]
    fn repository_names_split_into_project_and_path() {
        let name: RepositoryName = "library/team/app".parse().unwrap();
        assert_eq!(name.project().as_str(), "library");
        assert_eq!(name.path_in_project(), "team/app");
        assert_eq!(name.to_string(), "library/team/app");
    }

    #[test]
    fn repository_names_follow_the_distribution_grammar() {
        for ok in ["library/nginx", "p/a__b", "p/a---b", "p/a.b/c_d/e-f", "p/0"] {
            assert!(ok.parse::<RepositoryName>().is_ok(), "{ok}");
        }
        for bad in [
            "nginx",          // no project
            "library/",       // empty path
            "library//x",     // empty component
            "library/Nginx",  // uppercase
            "library/a___b",  // three underscores
            "library/a._b",   // mixed separators
            "library/-a",     // leading separator
            "library/../etc", // traversal
            "Library/app",    // project rule
            &format!("p/{}", "a".repeat(254)),
        ] {
            assert!(bad.parse::<RepositoryName>().is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_follow_the_distribution_grammar() {
        for ok in ["latest", "v1.2.3", "_x", "A-b.C_d", &"t".repeat(128)] {
            assert!(ok.parse::<Tag>().is_ok(), "{ok}");
        }
        for bad in ["", ".hidden", "-x", "a/b", "a:b", &"t".repeat(129)] {
            assert!(bad.parse::<Tag>().is_err(), "{bad}");
        }
    }

    #[test]
    fn references_are_tags_or_digests() {
        assert!(matches!(
            "latest".parse::<Reference>(),
            Ok(Reference::Tag(_))
        ));
        let digest = format!("sha256:{}", "0".repeat(64));
        assert!(matches!(
            digest.parse::<Reference>(),
            Ok(Reference::Digest(_))
        ));
        assert!("sha256:short".parse::<Reference>().is_err());
    }

    proptest! {
        #[test]
        fn valid_repository_names_round_trip(
            project in "[a-z0-9]{1,10}([._-][a-z0-9]{1,5}){0,2}",
            path in "[a-z0-9]{1,10}((\\.|_|__|-+)[a-z0-9]{1,5}){0,2}(/[a-z0-9]{1,8}){0,3}",
        ) {
            let text = format!("{project}/{path}");
            let name: RepositoryName = text.parse().unwrap();
            prop_assert_eq!(name.to_string(), text);
            prop_assert_eq!(name.project().to_string(), project);
        }

        #[test]
        fn arbitrary_input_never_panics(input in "\\PC{0,300}") {
            let _ = input.parse::<RepositoryName>();
            let _ = input.parse::<ProjectName>();
            let _ = input.parse::<Tag>();
            let _ = input.parse::<Reference>();
        }
    }
}
