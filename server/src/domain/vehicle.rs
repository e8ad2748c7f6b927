//! A driver's vehicle, parsed once from what the driver typed: trimmed,
//! bounded, the plate normalised, the class checked against the shape a
//! fare table key has. Each error names its field, so the API can say
//! exactly which input to fix.

use serde::{Deserialize, Serialize};

/// Longest make, model or colour, in characters.
pub const MAX_NAME_CHARS: usize = 40;
/// Longest plate, in characters (after trimming).
pub const MAX_PLATE_CHARS: usize = 12;
/// Longest class name, in bytes (it is ASCII).
pub const MAX_CLASS_LEN: usize = 32;
/// Seats for passengers a vehicle may declare.
pub const SEATS: std::ops::RangeInclusive<u8> = 1..=8;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassError {
    #[error("must be 1 to 32 characters of a-z, 0-9, '_' or '-'")]
    Invalid,
}

/// A vehicle class such as `standard` or `xl`: the key of a fare rule and
/// what an offer is filtered by, so it has one spelling.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VehicleClass(String);

impl VehicleClass {
    pub fn parse(raw: &str) -> Result<Self, ClassError> {
        let ok = (1..=MAX_CLASS_LEN).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ClassError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for VehicleClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for VehicleClass {
    type Error = ClassError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<VehicleClass> for String {
    fn from(c: VehicleClass) -> String {
        c.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VehicleError {
    #[error("{0}: must not be empty")]
    Empty(&'static str),
    #[error("{field}: must be at most {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{0}: must not contain control characters")]
    Control(&'static str),
    #[error("plate: only letters, digits, spaces and dashes")]
    PlateChars,
    #[error("seats: must be 1 to 8")]
    Seats,
    #[error("class: {0}")]
    Class(#[from] ClassError),
}

impl VehicleError {
    /// The input field at fault, for a structured error reply.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Empty(f) | Self::Control(f) | Self::TooLong { field: f, .. } => f,
            Self::PlateChars => "plate",
            Self::Seats => "seats",
            Self::Class(_) => "class",
        }
    }
}

/// What a client sends, unchecked. `seats` is wide so an absurd number is
/// a `seats` error rather than a JSON one.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawVehicle {
    pub make: String,
    pub model: String,
    pub colour: String,
    pub plate: String,
    pub class: String,
    pub seats: i64,
}

/// A checked vehicle; only [`Vehicle::parse`] builds one from input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vehicle {
    pub make: String,
    pub model: String,
    pub colour: String,
    /// Uppercased, inner whitespace runs collapsed to one space, so the
    /// rider sees what is on the car and duplicates compare equal.
    pub plate: String,
    pub class: VehicleClass,
    pub seats: u8,
}

fn text(field: &'static str, raw: &str, max: usize) -> Result<String, VehicleError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(VehicleError::Empty(field));
    }
    if t.chars().any(char::is_control) {
        return Err(VehicleError::Control(field));
    }
    if t.chars().count() > max {
        return Err(VehicleError::TooLong { field, max });
    }
    Ok(t.to_owned())
}

fn plate(raw: &str) -> Result<String, VehicleError> {
    let p = raw
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    if p.is_empty() {
        return Err(VehicleError::Empty("plate"));
    }
    if !p
        .chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || c == '-')
    {
        return Err(VehicleError::PlateChars);
    }
    if p.chars().count() > MAX_PLATE_CHARS {
        return Err(VehicleError::TooLong {
            field: "plate",
            max: MAX_PLATE_CHARS,
        });
    }
    Ok(p)
}

impl Vehicle {
    /// The vehicle as the wire carries it.
    pub fn to_wire(&self) -> hail_protocol::Vehicle {
        hail_protocol::Vehicle {
            make: self.make.clone(),
            model: self.model.clone(),
            colour: self.colour.clone(),
            plate: self.plate.clone(),
            class: self.class.as_str().to_string(),
            seats: self.seats,
        }
    }

    /// Checks the fields in the order a form shows them; the first fault wins.
    pub fn parse(raw: &RawVehicle) -> Result<Self, VehicleError> {
        Ok(Self {
            make: text("make", &raw.make, MAX_NAME_CHARS)?,
            model: text("model", &raw.model, MAX_NAME_CHARS)?,
            colour: text("colour", &raw.colour, MAX_NAME_CHARS)?,
            plate: plate(&raw.plate)?,
            class: VehicleClass::parse(raw.class.trim())?,
            seats: u8::try_from(raw.seats)
                .ok()
                .filter(|s| SEATS.contains(s))
                .ok_or(VehicleError::Seats)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawVehicle {
        RawVehicle {
            make: " Toyota ".into(),
            model: "Prius".into(),
            colour: "white".into(),
            plate: " b-ab  123 ".into(),
            class: "standard".into(),
            seats: 4,
        }
    }

    #[test]
    fn a_good_vehicle_is_trimmed_and_its_plate_normalised() {
        let v = Vehicle::parse(&raw()).expect("valid");
        assert_eq!(v.make, "Toyota");
        assert_eq!(v.plate, "B-AB 123");
        assert_eq!(v.class.as_str(), "standard");
        assert_eq!(v.seats, 4);
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(RawVehicle, &str)> = vec![
            (
                RawVehicle {
                    make: "  ".into(),
                    ..raw()
                },
                "make",
            ),
            (
                RawVehicle {
                    model: "x".repeat(41),
                    ..raw()
                },
                "model",
            ),
            (
                RawVehicle {
                    colour: "red\u{7}".into(),
                    ..raw()
                },
                "colour",
            ),
            (
                RawVehicle {
                    plate: "AB_12".into(),
                    ..raw()
                },
                "plate",
            ),
            (
                RawVehicle {
                    plate: "A".repeat(13),
                    ..raw()
                },
                "plate",
            ),
            (
                RawVehicle {
                    plate: " ".into(),
                    ..raw()
                },
                "plate",
            ),
            (
                RawVehicle {
                    class: "XL".into(),
                    ..raw()
                },
                "class",
            ),
            (
                RawVehicle {
                    class: "".into(),
                    ..raw()
                },
                "class",
            ),
            (RawVehicle { seats: 0, ..raw() }, "seats"),
            (RawVehicle { seats: 9, ..raw() }, "seats"),
            (RawVehicle { seats: -1, ..raw() }, "seats"),
            (
                RawVehicle {
                    seats: 300,
                    ..raw()
                },
                "seats",
            ),
        ];
        for (input, field) in cases {
            let err = Vehicle::parse(&input).expect_err(field);
            assert_eq!(err.field(), field, "{err}");
            assert!(err.to_string().starts_with(field), "{err}");
        }
    }

    #[test]
    fn limits_are_inclusive() {
        let v = Vehicle::parse(&RawVehicle {
            make: "é".repeat(40),
            plate: "A".repeat(12),
            seats: 8,
            class: "a".repeat(32),
            ..raw()
        });
        assert!(v.is_ok(), "{v:?}");
        assert!(VehicleClass::parse(&"a".repeat(33)).is_err());
        assert!(VehicleClass::parse("x-l_2").is_ok());
    }
}
