//! HTTP Basic authentication as supervisord 4.3.0 checks it: a configured
//! username turns checking on for every path; the password is compared
//! as plain text, or, when written as `{SHA}<hex>`, as the lowercase hex
//! SHA-1 of the password given.

use base64::Engine as _;
use hyper::header::AUTHORIZATION;
use hyper::HeaderMap;
use sha1::{Digest, Sha1};

/// The credentials one server requires.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).finish_non_exhaustive()
    }
}

impl Credentials {
    /// The credentials of a server section, or None when it has no
    /// username (supervisord then serves without authentication).
    pub fn from_config(username: &Option<String>, password: &Option<String>) -> Option<Credentials> {
        let username = username.as_ref().filter(|u| !u.is_empty())?;
        Some(Credentials { username: username.clone(), password: password.clone().unwrap_or_default() })
    }

    /// Whether the request's Authorization header carries these
    /// credentials. Missing, malformed or non-Basic headers do not.
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let Some((scheme, encoded)) = value.trim().split_once(' ') else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return false;
        }
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return false;
        };
        let Ok(decoded) = String::from_utf8(decoded) else {
            return false;
        };
        let Some((user, pass)) = decoded.split_once(':') else {
            return false;
        };
        user == self.username && self.password_matches(pass)
    }

    fn password_matches(&self, given: &str) -> bool {
        match self.password.strip_prefix("{SHA}") {
            Some(stored_hex) => {
                let digest = Sha1::digest(given.as_bytes());
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                constant_time_eq(stored_hex.as_bytes(), hex.as_bytes())
            }
            None => constant_time_eq(self.password.as_bytes(), given.as_bytes()),
        }
    }
}

/// Byte equality whose time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        h
    }

    fn basic(user_pass: &str) -> HeaderMap {
        headers(&format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(user_pass)))
    }

    #[test]
    fn plain_and_sha_passwords() {
        let plain = Credentials { username: "user".into(), password: "123".into() };
        assert!(plain.admits(&basic("user:123")));
        assert!(!plain.admits(&basic("user:1234")));
        assert!(!plain.admits(&basic("other:123")));
        assert!(!plain.admits(&HeaderMap::new()));
        assert!(!plain.admits(&headers("Basic !!!")));
        assert!(!plain.admits(&basic("no-colon")));
        assert!(!plain.admits(&headers("Digest abc")));
        assert!(plain.admits(&headers(&format!("basic {}", base64::engine::general_purpose::STANDARD.encode("user:123")))));
        // sha1("thepassword")
        let sha = Credentials { username: "u".into(), password: "{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d".into() };
        assert!(sha.admits(&basic("u:thepassword")));
        assert!(!sha.admits(&basic("u:{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d")));
        // A password may itself contain colons.
        let colon = Credentials { username: "u".into(), password: "a:b".into() };
        assert!(colon.admits(&basic("u:a:b")));
    }

    #[test]
    fn no_username_means_no_checking() {
        assert!(Credentials::from_config(&None, &None).is_none());
        assert!(Credentials::from_config(&Some("u".into()), &Some("p".into())).is_some());
    }
}
