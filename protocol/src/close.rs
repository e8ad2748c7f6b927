//! WebSocket close codes the server sends (docs/protocol.md §4.4): one
//! list for the server, the harness and the client's reconnect policy.
//!
//! Reconnect: 1001 (server going away), 1011 (a backend failed while
//! opening), 1012 (the node lost its bus and is back: `hello` makes you
//! whole), 4001 (the access token expired: refresh, then reconnect), 4008
//! (slow consumer). Do not reconnect as is: 1007 (a text frame that is not
//! UTF-8), 1008 (policy: a flood of frames), 1009 (a frame over the size
//! limit), 4003 (the account is unknown, deleted or suspended: log in
//! again), 4009 (a newer connection of the same user took this one's place).

pub const GOING_AWAY: u16 = 1001;
pub const INVALID_DATA: u16 = 1007;
pub const POLICY: u16 = 1008;
pub const TOO_BIG: u16 = 1009;
pub const INTERNAL: u16 = 1011;
pub const RESYNC: u16 = 1012;
pub const TOKEN_EXPIRED: u16 = 4001;
pub const REVOKED: u16 = 4003;
pub const SLOW_CONSUMER: u16 = 4008;
pub const REPLACED: u16 = 4009;

/// Every code above, for metrics and client tables.
pub const ALL: [u16; 10] = [
    GOING_AWAY,
    INVALID_DATA,
    POLICY,
    TOO_BIG,
    INTERNAL,
    RESYNC,
    TOKEN_EXPIRED,
    REVOKED,
    SLOW_CONSUMER,
    REPLACED,
];

/// The name of a code in [`ALL`] (the constant's name), for client tables.
pub fn name(code: u16) -> Option<&'static str> {
    Some(match code {
        GOING_AWAY => "GOING_AWAY",
        INVALID_DATA => "INVALID_DATA",
        POLICY => "POLICY",
        TOO_BIG => "TOO_BIG",
        INTERNAL => "INTERNAL",
        RESYNC => "RESYNC",
        TOKEN_EXPIRED => "TOKEN_EXPIRED",
        REVOKED => "REVOKED",
        SLOW_CONSUMER => "SLOW_CONSUMER",
        REPLACED => "REPLACED",
        _ => return None,
    })
}

/// Whether a client should reconnect after `code` (with a fresh token).
pub fn should_reconnect(code: u16) -> bool {
    !matches!(code, INVALID_DATA | POLICY | TOO_BIG | REVOKED | REPLACED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_name_and_terminal_ones_are_known() {
        for code in ALL {
            assert!(name(code).is_some(), "{code} has no name");
        }
        assert_eq!(name(1000), None);
        let terminal: Vec<u16> = ALL.into_iter().filter(|c| !should_reconnect(*c)).collect();
        assert_eq!(terminal, [INVALID_DATA, POLICY, TOO_BIG, REVOKED, REPLACED]);
    }
}
