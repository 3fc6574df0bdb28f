//! Entity ids: 12 random lowercase alphanumeric characters, and longer random secrets.

use rand::Rng;
use sha2::{Digest, Sha256};

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// An entity id: exactly 12 characters of `[a-z0-9]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Id(String);

impl Id {
    /// Draws a fresh id from the operating system's CSPRNG.
    pub fn new() -> Self {
        Id(random_string(12))
    }

    /// Accepts only the 12-character form; anything else is `None` (and becomes a 404 upstream).
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == 12
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        .then(|| Id(s.to_owned()))
    }

    /// Wraps a value read back from storage, which only ever holds ids made by [`Id::new`].
    pub fn from_stored(s: String) -> Self {
        Id(s)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Id {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A random string of `len` characters of `[a-z0-9]` from the OS CSPRNG.
pub fn random_string(len: usize) -> String {
    let mut rng = rand::rngs::OsRng;
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A bearer secret (token, session, link) with a recognisable prefix and 40 random characters.
pub fn new_secret(prefix: &str) -> String {
    format!("{prefix}_{}", random_string(40))
}

/// The hex SHA-256 of a secret: what storage keeps instead of the secret itself.
///
/// Secrets carry about 206 bits of randomness, so a fast hash is enough (no salt, no argon2).
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_have_the_storage_shape() {
        let id = Id::new();
        assert!(Id::parse(id.as_str()).is_some());
        assert_ne!(Id::new(), Id::new());
    }

    #[test]
    fn ids_of_another_shape_are_refused() {
        for bad in [
            "",
            "abc",
            "ABCDEFGHIJKL",
            "abcdefghijk-",
            "abcdefghijklm",
            "abcdéfghijk",
        ] {
            assert!(Id::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn secrets_hash_to_stable_hex() {
        let s = new_secret("bcn");
        assert!(s.starts_with("bcn_") && s.len() == 44);
        assert_eq!(hash_secret(&s), hash_secret(&s));
        assert_eq!(hash_secret(&s).len(), 64);
    }
}
