//! Text that comes in from outside (forms, API bodies, CSV lines, scenario
//! files): how long it may be, which characters it may hold, and how much of
//! a refused value a message repeats.

use std::borrow::Cow;

/// How many characters of a refused value a message repeats: enough to find
/// it, never a whole 10 MB line.
pub const ECHO_CHARS: usize = 64;

/// `text` cut to `max` characters, with an ellipsis and the full length when
/// it was longer.
pub fn clip(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}… ({} bytes)", &text[..end], text.len())),
    }
}

/// Limits of a text field.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// Characters at most.
    pub max_chars: usize,
    /// Whether line breaks and tabs are allowed (a description, an address).
    pub multiline: bool,
}

/// One line of up to 200 characters: names, references, labels.
pub const LINE: Limit = Limit {
    max_chars: 200,
    multiline: false,
};

/// A handle or id of up to 128 characters.
pub const ID: Limit = Limit {
    max_chars: 128,
    multiline: false,
};

/// Free text of up to 4,000 characters: what a subscriber writes in a
/// complaint, an agent's note.
pub const PROSE: Limit = Limit {
    max_chars: 4_000,
    multiline: true,
};

/// Checks a text field: no NUL or other control characters (line breaks and
/// tabs only where `limit` allows them), at most `limit.max_chars`
/// characters. The reason names what is wrong without repeating the value
/// whole.
pub fn check(value: &str, limit: Limit) -> Result<(), String> {
    // Most values are ASCII (ids, numbers, codes: every usage record's):
    // their bytes are their characters.
    if value.is_ascii()
        && value.len() <= limit.max_chars
        && !value.bytes().any(|b| {
            b.is_ascii_control() && !(limit.multiline && matches!(b, b'\n' | b'\r' | b'\t'))
        })
    {
        return Ok(());
    }
    let count = value.chars().count();
    if count > limit.max_chars {
        return Err(format!(
            "{count} characters, more than the {} allowed",
            limit.max_chars
        ));
    }
    let allowed = |c: char| limit.multiline && matches!(c, '\n' | '\r' | '\t');
    if let Some(bad) = value.chars().find(|c| c.is_control() && !allowed(*c)) {
        return Err(format!(
            "holds the control character U+{:04X}, which is not allowed here",
            u32::from(bad)
        ));
    }
    Ok(())
}

/// Checks an e-mail address as far as a form can: one line, one `@` with a
/// local part and a domain of dot-separated labels, no spaces, at most 254
/// characters (RFC 5321). Whether it receives mail only delivery tells.
pub fn check_email(value: &str) -> Result<(), String> {
    check(
        value,
        Limit {
            max_chars: 254,
            multiline: false,
        },
    )?;
    let (local, domain) = value
        .rsplit_once('@')
        .ok_or_else(|| format!("{:?} has no @", clip(value, ECHO_CHARS)))?;
    let plain = |c: char| !c.is_whitespace() && !matches!(c, '<' | '>' | ',' | ';' | '"' | '@');
    if local.is_empty() || local.len() > 64 || !local.chars().all(plain) {
        return Err(format!(
            "{:?} is not an e-mail address (the part before @)",
            clip(value, ECHO_CHARS)
        ));
    }
    let labels_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if !labels_ok {
        return Err(format!(
            "{:?} is not an e-mail address (the domain after @)",
            clip(value, ECHO_CHARS)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_is_echoed_in_part() {
        let long = "x".repeat(10_000_000);
        let shown = clip(&long, ECHO_CHARS);
        assert!(shown.len() < 100, "{}", shown.len());
        assert!(shown.ends_with("… (10000000 bytes)"));
        assert_eq!(clip("short", ECHO_CHARS), "short");
        // Cut on a character, not inside one.
        assert_eq!(clip("ćććć", 2), "ćć… (8 bytes)");
    }

    #[test]
    fn control_characters_and_lengths_are_refused() {
        assert!(check("Ana Petrović", LINE).is_ok());
        assert!(check("a\0b", LINE).is_err());
        assert!(check("a\nb", LINE).is_err());
        assert!(check("a\nb", PROSE).is_ok());
        assert!(check("a\0b", PROSE).is_err());
        assert!(check("a\x7fb", LINE).is_err(), "DEL is a control character");
        assert!(check("a\tb", LINE).is_err());
        assert!(check("a\tb", PROSE).is_ok());
        assert!(check(&"x".repeat(200), LINE).is_ok());
        assert!(check(&"x".repeat(201), LINE).is_err());
        assert!(check(&"ž".repeat(200), LINE).is_ok());
    }

    #[test]
    fn e_mail_addresses_are_one_address() {
        assert!(check_email("ana@example.rs").is_ok());
        assert!(check_email("ana.petrovic+bills@mail.example.co.rs").is_ok());
        assert!(check_email("x\r\nBcc: y@example.com").is_err());
        assert!(check_email("ana@localhost").is_err());
        assert!(check_email("ana").is_err());
        assert!(check_email("@example.rs").is_err());
        assert!(check_email("a b@example.rs").is_err());
        assert!(check_email("ana@exa_mple.rs").is_err());
        assert!(check_email("a@b@example.rs").is_err());
    }
}
