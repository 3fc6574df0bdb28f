//! Validated text values: slugs, emails, names, time zones, passwords.

/// Why a field's value was refused, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's wire name.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A refusal of `field` with `message`.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// Words an org slug may not be, because they name routes or would mislead.
const RESERVED_SLUGS: &[&str] = &[
    "admin",
    "api",
    "app",
    "assets",
    "audit",
    "account",
    "beacon",
    "dashboard",
    "docs",
    "help",
    "healthz",
    "invitations",
    "login",
    "logout",
    "metrics",
    "new",
    "orgs",
    "readyz",
    "reset",
    "root",
    "settings",
    "setup",
    "signup",
    "static",
    "status",
    "support",
    "system",
    "www",
];

/// An organization slug: 3-40 chars of lowercase letters, digits and dashes, not starting or
/// ending with a dash, not a reserved word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    /// Validates a slug.
    pub fn parse(s: &str) -> Result<Slug, FieldError> {
        let err = |m: &str| Err(FieldError::new("slug", m));
        if s.len() < 3 || s.len() > 40 {
            return err("must be 3 to 40 characters long");
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return err("may contain only lowercase letters, digits and dashes");
        }
        if s.starts_with('-') || s.ends_with('-') {
            return err("may not start or end with a dash");
        }
        if RESERVED_SLUGS.contains(&s) {
            return err("is reserved; choose another");
        }
        Ok(Slug(s.to_owned()))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, trimmed and lowercased; checked for a plausible shape only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Validates and normalises an address.
    pub fn parse(s: &str) -> Result<Email, FieldError> {
        let s = s.trim().to_lowercase();
        let err = |m: &str| Err(FieldError::new("email", m));
        if s.len() > 254 {
            return err("is too long");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return err("is not an email address");
        };
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
            && !domain.contains('@');
        if !ok {
            return err("is not an email address");
        }
        Ok(Email(s))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name (org, team, token or person): trimmed, 1-100 characters, no control characters.
pub fn name(field: &'static str, s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    if s.chars().count() > 100 {
        return Err(FieldError::new(field, "must be at most 100 characters"));
    }
    if s.chars().any(char::is_control) {
        return Err(FieldError::new(field, "may not contain control characters"));
    }
    Ok(s.to_owned())
}

/// An organization's name.
pub type OrgName = String;

/// A new password: 10-200 characters.
pub fn password(field: &'static str, s: &str) -> Result<(), FieldError> {
    let n = s.chars().count();
    if n < 10 {
        return Err(FieldError::new(field, "must be at least 10 characters"));
    }
    if n > 200 {
        return Err(FieldError::new(field, "must be at most 200 characters"));
    }
    Ok(())
}

/// An IANA time zone name known to the bundled database, e.g. `Europe/Paris`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// Validates a zone name against the time zone database.
    pub fn parse(s: &str) -> Result<TimeZoneName, FieldError> {
        if s.is_empty() || s.len() > 64 || jiff::tz::TimeZone::get(s).is_err() {
            return Err(FieldError::new(
                "time_zone",
                "is not a known IANA time zone (e.g. Europe/Paris)",
            ));
        }
        Ok(TimeZoneName(s.to_owned()))
    }

    /// The zone name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_rules() {
        for ok in ["acme", "acme-2", "a1b", &"x".repeat(40)] {
            assert!(Slug::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab",
            "Acme",
            "acme_co",
            "-acme",
            "acme-",
            "api",
            "status",
            &"x".repeat(41),
            "ac me",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("name", "  Acme ").unwrap(), "Acme");
        assert!(name("name", "   ").is_err());
        assert!(name("name", &"x".repeat(101)).is_err());
        assert!(name("name", "a\u{0}b").is_err());
    }

    #[test]
    fn time_zones_must_exist() {
        assert!(TimeZoneName::parse("Europe/Paris").is_ok());
        assert!(TimeZoneName::parse("UTC").is_ok());
        assert!(TimeZoneName::parse("Mars/Olympus").is_err());
        assert!(TimeZoneName::parse("").is_err());
    }
}
