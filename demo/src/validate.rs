//! Level 4 (and the API): one set of rules for a new message, whether it
//! came from the HTML form or from JSON.
//!
//! The form and the API only differ in how the fields arrive; both turn
//! them into a [`MessageInput`] and call [`check`]. So a message that the
//! form refuses, the API refuses too, with the same words.
//!
//! | field | rule |
//! | --- | --- |
//! | `name` | optional: missing or blank → `"anonymous"`; at most 100 characters |
//! | `email` | optional: missing or blank → `null`; else one `@`, a non-empty local part, a domain with a dot; at most 254 characters |
//! | `message` | required: 1–2000 characters after trimming |
//!
//! Lengths count characters (`char`s), not bytes, so `é` is one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Longest name, in characters.
pub const NAME_MAX: usize = 100;
/// Longest email address, in characters (the limit of RFC 5321).
pub const EMAIL_MAX: usize = 254;
/// Longest message, in characters.
pub const MESSAGE_MAX: usize = 2000;
/// The name of a visitor who gave none.
pub const ANONYMOUS: &str = "anonymous";

/// The fields as submitted, before any rule: each may be missing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct MessageInput {
    /// The visitor's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The visitor's email address.
    #[serde(default)]
    pub email: Option<String>,
    /// The text.
    #[serde(default)]
    pub message: Option<String>,
}

/// A message that passed every rule, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    /// Trimmed; `"anonymous"` when none was given.
    pub name: String,
    /// Trimmed; `None` when none was given.
    pub email: Option<String>,
    /// Trimmed, 1–2000 characters.
    pub message: String,
}

/// What is wrong, per field name (`"email"` → `"is not a valid email address"`).
/// Sorted by field name, so messages come out in a stable order.
pub type FieldErrors = BTreeMap<&'static str, String>;

/// Applies the rules: the clean message, or an error for each bad field.
pub fn check(input: &MessageInput) -> Result<NewMessage, FieldErrors> {
    let mut errors = FieldErrors::new();

    let name = input.name.as_deref().map(str::trim).unwrap_or("");
    let name = if name.is_empty() { ANONYMOUS } else { name };
    if name.chars().count() > NAME_MAX {
        errors.insert("name", format!("must be at most {NAME_MAX} characters"));
    }

    let email = input
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    if let Some(email) = email {
        if email.chars().count() > EMAIL_MAX {
            errors.insert("email", format!("must be at most {EMAIL_MAX} characters"));
        } else if !is_plausible_email(email) {
            errors.insert(
                "email",
                "is not a valid email address (like name@example.com)".to_string(),
            );
        }
    }

    let message = input.message.as_deref().map(str::trim).unwrap_or("");
    let length = message.chars().count();
    if length == 0 {
        errors.insert("message", "is required".to_string());
    } else if length > MESSAGE_MAX {
        errors.insert(
            "message",
            format!("must be at most {MESSAGE_MAX} characters (it has {length})"),
        );
    }

    if errors.is_empty() {
        Ok(NewMessage {
            name: name.to_string(),
            email: email.map(str::to_string),
            message: message.to_string(),
        })
    } else {
        Err(errors)
    }
}

/// A plausible address: exactly one `@`, something before it, and a domain
/// with a dot that neither starts nor ends the domain; no spaces or control
/// characters. (The only real test of an address is sending it a mail.)
pub fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: Option<&str>, email: Option<&str>, message: Option<&str>) -> MessageInput {
        MessageInput {
            name: name.map(Into::into),
            email: email.map(Into::into),
            message: message.map(Into::into),
        }
    }

    #[test]
    fn defaults_and_trimming() {
        let ok = check(&input(None, None, Some("  hi  "))).unwrap();
        assert_eq!(ok.name, "anonymous");
        assert_eq!(ok.email, None);
        assert_eq!(ok.message, "hi");
        let ok = check(&input(Some("  "), Some(" "), Some("x"))).unwrap();
        assert_eq!((ok.name.as_str(), ok.email), ("anonymous", None));
        let ok = check(&input(Some(" Ada "), Some(" ada@example.org "), Some("x"))).unwrap();
        assert_eq!(ok.name, "Ada");
        assert_eq!(ok.email.as_deref(), Some("ada@example.org"));
    }

    #[test]
    fn message_is_required_and_bounded() {
        for blank in [None, Some(""), Some(" \n\t ")] {
            let errors = check(&input(None, None, blank)).unwrap_err();
            assert_eq!(errors["message"], "is required");
        }
        let max = "é".repeat(MESSAGE_MAX);
        assert!(check(&input(None, None, Some(&max))).is_ok());
        let over = format!("{max}x");
        let errors = check(&input(None, None, Some(&over))).unwrap_err();
        assert!(errors["message"].contains("at most 2000"));
    }

    #[test]
    fn name_is_bounded() {
        let max = "n".repeat(NAME_MAX);
        assert!(check(&input(Some(&max), None, Some("x"))).is_ok());
        let errors = check(&input(Some(&format!("{max}n")), None, Some("x"))).unwrap_err();
        assert!(errors.contains_key("name"));
    }

    #[test]
    fn emails() {
        for good in ["a@b.co", "first.last+tag@mail.example.org", "ü@exämple.de"] {
            assert!(is_plausible_email(good), "{good}");
        }
        for bad in [
            "plain", "@b.co", "a@b", "a@@b.co", "a@b@c.co", "a@.co", "a@b.", "a@b..co", "a b@c.co",
            "<a@b.co>",
        ] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(EMAIL_MAX));
        let errors = check(&input(None, Some(&long), Some("x"))).unwrap_err();
        assert!(errors["email"].contains("at most 254"));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let long_name = "n".repeat(NAME_MAX + 1);
        let errors = check(&input(Some(&long_name), Some("nope"), None)).unwrap_err();
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            ["email", "message", "name"]
        );
    }
}
