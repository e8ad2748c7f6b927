//! Text frame -> typed [`ClientMessage`], with the contract's error
//! precedence: unknown type (`invalid`), then the role check (`forbidden`),
//! then the fields (`invalid`). Nothing here knows a backend.

use hail_protocol::ws::{Envelope, Location};
use hail_protocol::{ClientKind, ClientMessage, ErrorCode, Role};

#[derive(Debug)]
pub struct Parsed {
    pub reference: Option<String>,
    pub message: ClientMessage,
}

#[derive(Debug, PartialEq)]
pub struct Rejected {
    pub reference: Option<String>,
    pub code: ErrorCode,
    pub message: String,
}

fn invalid(reference: Option<String>, message: impl Into<String>) -> Rejected {
    Rejected {
        reference,
        code: ErrorCode::Invalid,
        message: message.into(),
    }
}

/// The `ref` of a frame, if it has a string one: used to answer frames
/// refused before (or while) they are parsed.
pub fn reference_of(text: &str) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(text)
        .ok()?
        .get("ref")?
    {
        serde_json::Value::String(r) => Some(r.clone()),
        _ => None,
    }
}

pub fn parse(text: &str, role: Role) -> Result<Parsed, Rejected> {
    let envelope: Envelope = serde_json::from_str(text).map_err(|e| {
        let what = if e.is_data() {
            format!("a message needs a string \"type\" (and an optional string \"ref\"): {e}")
        } else {
            format!("malformed JSON: {e}")
        };
        // Answer with the frame's `ref` if it has one, so the client can
        // match the error to what it sent.
        invalid(reference_of(text), what)
    })?;
    let reference = envelope.reference;
    let Some(kind) = ClientKind::parse(&envelope.kind) else {
        return Err(invalid(
            reference,
            format!("unknown type {:?}", envelope.kind),
        ));
    };
    if !kind.allowed_for(role) {
        return Err(Rejected {
            reference,
            code: ErrorCode::Forbidden,
            message: format!("a {} may not send {}", role.as_str(), kind.as_str()),
        });
    }
    let message = if kind == ClientKind::Location {
        // The hot path, once per GPS point: straight into the struct (other
        // keys, `type` and `ref` among them, are ignored), skipping the
        // tagged enum's buffering of every field into serde's `Content`.
        serde_json::from_str::<Location>(text).map(ClientMessage::Location)
    } else {
        serde_json::from_str::<ClientMessage>(text)
    };
    let message = match message {
        Ok(m) => m,
        Err(e) => return Err(invalid(reference, format!("bad {}: {e}", kind.as_str()))),
    };
    if let Err(why) = message
        .validate()
        .and_then(|()| crate::domain::area::check(&message))
    {
        return Err(invalid(reference, format!("bad {}: {why}", kind.as_str())));
    }
    Ok(Parsed { reference, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str, role: Role) -> ErrorCode {
        parse(text, role).expect_err("rejected").code
    }

    #[test]
    fn parses_a_valid_command_with_its_ref() {
        let p = parse(
            r#"{"type":"location","lat":52.5,"lng":13.4,"ref":"r9","extra":1}"#,
            Role::Driver,
        )
        .expect("valid");
        assert_eq!(p.reference.as_deref(), Some("r9"));
        assert!(matches!(p.message, ClientMessage::Location { .. }));
    }

    /// The location fast path answers exactly as the generic enum parse.
    #[test]
    fn locations_parse_as_the_tagged_enum_does() {
        let frames = [
            r#"{"type":"location","lat":52.5,"lng":13.4}"#,
            r#"{"lng":13.4,"type":"location","lat":52.5,"heading":90.5,"speed":3,"ref":"a"}"#,
            r#"{"type":"location","lat":52.5,"lng":13.4,"at":"2026-12-02T10:00:00Z","x":[1,{"y":2}]}"#,
            r#"{"type":"location","lat":52.5,"lng":13.4,"heading":null}"#,
            r#"{"type":"location","lat":"1","lng":2}"#,
            r#"{"type":"location","lat":1}"#,
            r#"{"type":"location","lat":1,"lng":2,"speed":-1}"#,
            r#"{"type":"location","lat":1,"lng":2,"at":"yesterday"}"#,
            r#"{"type":"location","lat":1,"lng":2,"lat":3}"#,
        ];
        for text in frames {
            let fast = parse(text, Role::Driver).map(|p| p.message);
            let generic = serde_json::from_str::<ClientMessage>(text);
            match (&fast, &generic) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
                (Err(r), Err(_)) => assert_eq!(r.code, ErrorCode::Invalid, "{text}"),
                _ => panic!("{text}: fast {fast:?}, generic {generic:?}"),
            }
        }
    }

    #[test]
    fn malformed_json_and_unknown_types_are_invalid() {
        assert_eq!(code("{not json", Role::Rider), ErrorCode::Invalid);
        assert_eq!(code(r#"{"lat":1}"#, Role::Rider), ErrorCode::Invalid);
        assert_eq!(code(r#"[1,2]"#, Role::Rider), ErrorCode::Invalid);
        let r = parse(r#"{"type":"trip.fly","ref":"x"}"#, Role::Rider).expect_err("unknown");
        assert_eq!(
            (r.code, r.reference.as_deref()),
            (ErrorCode::Invalid, Some("x"))
        );
    }

    #[test]
    fn role_is_checked_before_fields() {
        // A rider sending a malformed driver command: forbidden wins.
        assert_eq!(
            code(r#"{"type":"location","lat":"x"}"#, Role::Rider),
            ErrorCode::Forbidden
        );
        assert_eq!(
            code(
                r#"{"type":"trip.request","pickup":{"lat":1,"lng":1},"dropoff":{"lat":1,"lng":1}}"#,
                Role::Driver
            ),
            ErrorCode::Forbidden
        );
    }

    #[test]
    fn wrong_types_and_ranges_are_invalid() {
        assert_eq!(
            code(r#"{"type":"location","lat":"1","lng":2}"#, Role::Driver),
            ErrorCode::Invalid
        );
        assert_eq!(
            code(r#"{"type":"location","lat":91,"lng":2}"#, Role::Driver),
            ErrorCode::Invalid
        );
        assert_eq!(
            code(r#"{"type":"location","lat":1,"lng":-181}"#, Role::Driver),
            ErrorCode::Invalid
        );
        assert_eq!(
            code(r#"{"type":"location","lat":1e999,"lng":2}"#, Role::Driver),
            ErrorCode::Invalid
        );
        assert_eq!(
            code(
                r#"{"type":"driver.available","available":"yes"}"#,
                Role::Driver
            ),
            ErrorCode::Invalid
        );
        assert_eq!(
            code(r#"{"type":"trip.accept","trip_id":42}"#, Role::Driver),
            ErrorCode::Invalid
        );
        assert_eq!(
            code(r#"{"type":"trip.accept"}"#, Role::Driver),
            ErrorCode::Invalid
        );
        assert_eq!(
            code(
                r#"{"type":"trip.request","pickup":{"lat":1,"lng":1},"dropoff":{"lat":100,"lng":1}}"#,
                Role::Rider
            ),
            ErrorCode::Invalid
        );
    }

    #[test]
    fn latitudes_the_geo_index_cannot_hold_are_invalid() {
        assert_eq!(
            code(r#"{"type":"location","lat":89,"lng":2}"#, Role::Driver),
            ErrorCode::Invalid
        );
        assert_eq!(
            code(
                r#"{"type":"trip.request","pickup":{"lat":88.5,"lng":1},"dropoff":{"lat":1,"lng":1}}"#,
                Role::Rider
            ),
            ErrorCode::Invalid
        );
    }

    #[test]
    fn reference_survives_for_rate_limited_frames() {
        assert_eq!(
            reference_of(r#"{"type":"location","ref":"q"}"#).as_deref(),
            Some("q")
        );
        assert_eq!(reference_of("nope"), None);
        let r = parse(r#"{"no_type":1,"ref":"k"}"#, Role::Rider).expect_err("no type");
        assert_eq!(r.reference.as_deref(), Some("k"));
    }
}
