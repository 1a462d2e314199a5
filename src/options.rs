//! The options of a run, each with one spelling: identifier types,
//! attribute types, case and header modes.

use std::fmt;
use std::str::FromStr;

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every accepted name, in the order of the documentation.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The name used on the command line and in outputs.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<$name, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "unknown {} '{}' (expected one of: {})",
                        stringify!($name),
                        s,
                        $name::NAMES.join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

named_enum! {
    /// What the values identify (`--id-type`).
    IdType {
        /// Anything that passes the character and length checks.
        String => "string",
        /// ASCII digits only; leading zeros are kept.
        Numeric => "numeric",
        /// 8-4-4-4-12 hexadecimal digits.
        Uuid => "uuid",
        /// A Google advertising id: a UUID that is not all zeros.
        Gaid => "gaid",
        /// An Apple advertising id: a UUID that is not all zeros.
        Idfa => "idfa",
        /// An e-mail address.
        Email => "email",
        /// A phone number: optional `+` and 7 to 15 digits.
        Phone => "phone",
    }
}

named_enum! {
    /// The segment attribute's type on the platform (`--attribute-type`).
    AttributeType {
        /// Values are strings.
        String => "string",
        /// Values are decimal numbers, stored as doubles.
        Double => "double",
    }
}

named_enum! {
    /// Case folding of ASCII letters (`--case`).
    Case {
        /// Fold to lower case.
        Lower => "lower",
        /// Fold to upper case.
        Upper => "upper",
        /// Leave letters as they are.
        Keep => "keep",
    }
}

named_enum! {
    /// Whether row 1 is a header (`--header`).
    HeaderMode {
        /// Decide from row 1 and row 2 (see the README).
        Auto => "auto",
        /// Row 1 is the header, whatever it holds.
        Yes => "yes",
        /// Row 1 is data.
        No => "no",
    }
}

impl IdType {
    /// The case folding this id type uses when `--case` is not given.
    pub fn default_case(self) -> Case {
        match self {
            IdType::Uuid | IdType::Gaid => Case::Lower,
            IdType::Idfa => Case::Upper,
            _ => Case::Keep,
        }
    }

    pub(crate) fn format_hint(self) -> &'static str {
        match self {
            IdType::String => "",
            IdType::Numeric => "not numeric: ASCII digits only",
            IdType::Uuid | IdType::Gaid | IdType::Idfa => {
                "not a UUID: 8-4-4-4-12 hexadecimal digits"
            }
            IdType::Email => {
                "not an e-mail address: one @, a local part and a dotted domain"
            }
            IdType::Phone => "not a phone number: optional + and 7 to 15 digits",
        }
    }
}

/// The order of the clean file's values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Order {
    /// The order of first occurrence in the input.
    #[default]
    FirstSeen,
    /// Byte order (`--sort`).
    Sorted,
}
