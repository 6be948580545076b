//! The snake_case names enums travel under (TOML, JSON, SQL), in one macro.

/// Gives an enum `as_str`, `Display` and `FromStr` with the listed names; an
/// unknown name is refused with the list of known ones.
macro_rules! snake_case_str {
    ($ty:ty { $($variant:ident = $text:literal),* $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }
        }
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::str::FromStr for $ty {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $($text => Ok(Self::$variant),)*
                    other => Err(format!(
                        "{:?} is not one of: {}",
                        $crate::text::clip(other, $crate::text::ECHO_CHARS),
                        [$($text),*].join(", ")
                    )),
                }
            }
        }
    };
}
pub(crate) use snake_case_str;
