//! Every Redis key and channel name, built in one place with the configured
//! prefix, so two deployments (or two test runs) can share a Redis.

use hail_protocol::UserId;

/// A pub/sub topic: who a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Every connection of one user, on whichever node.
    User(UserId),
    /// The dispatchers running on one node (signals name their trip): a
    /// node listens to its own from start, so a trip's dispatcher costs no
    /// subscription of its own.
    Dispatch(NodeTag),
    /// Every node: operator requests for one node (e.g. drain), which
    /// each node reads and the named one obeys.
    Nodes,
}

/// A node id, hashed to a fixed size so a [`Topic`] stays `Copy` (FNV-1a:
/// the same on every node and build). Two ids that hash alike only mean a
/// node reads signals for trips it does not run, which it drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeTag(pub u64);

impl NodeTag {
    pub fn of(node_id: &str) -> Self {
        let hash = node_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        Self(hash)
    }
}

#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    /// GEO set of available drivers' positions.
    pub fn drivers_geo(&self) -> String {
        format!("{}drivers:geo", self.prefix)
    }

    /// Sorted set: available driver -> unix ms of their last position, so
    /// stale positions can be filtered and swept.
    pub fn drivers_seen(&self) -> String {
        format!("{}drivers:seen", self.prefix)
    }

    /// Cluster mode: GEO set of one geohash cell's available drivers. The
    /// `{cell}` hash tag puts it on the slot of the cell's seen set, so the
    /// two are written in one MULTI.
    pub fn cell_geo(&self, cell: &str) -> String {
        format!("{}drivers:geo:{{{cell}}}", self.prefix)
    }

    /// Cluster mode: sorted set of one cell's drivers -> last-seen unix ms.
    pub fn cell_seen(&self, cell: &str) -> String {
        format!("{}drivers:seen:{{{cell}}}", self.prefix)
    }

    /// Cluster mode: set of the cells that have held a driver (sweeps and
    /// counts read it).
    pub fn cells(&self) -> String {
        format!("{}drivers:cells", self.prefix)
    }

    /// Cluster mode: hash driver -> the cell it was last written to, so a
    /// node that did not write it can still move or remove it.
    pub fn driver_cells(&self) -> String {
        format!("{}drivers:cell", self.prefix)
    }

    /// String: the node computing surge interval `bucket` (`SET NX`).
    pub fn surge_claim(&self, bucket: i64) -> String {
        format!("{}surge:claim:{bucket}", self.prefix)
    }

    /// String: the last published surge board (JSON).
    pub fn surge_board(&self) -> String {
        format!("{}surge:board", self.prefix)
    }

    /// Hash: node id -> its last heartbeat (JSON), read by the monitor.
    pub fn nodes(&self) -> String {
        format!("{}nodes", self.prefix)
    }

    /// Sorted set: a username's (lower-cased) failed log-ins, member
    /// `{ip}|{id}`, score unix ms. One key per username: one slot each.
    pub fn login_failures_user(&self, username: &str) -> String {
        format!("{}login:user:{username}", self.prefix)
    }

    /// Sorted set: one client IP's failed log-ins (score unix ms).
    pub fn login_failures_ip(&self, ip: std::net::IpAddr) -> String {
        format!("{}login:ip:{ip}", self.prefix)
    }

    pub fn channel(&self, topic: Topic) -> String {
        match topic {
            Topic::User(id) => format!("{}user:{id}", self.prefix),
            Topic::Dispatch(tag) => format!("{}dispatch:{:016x}", self.prefix, tag.0),
            Topic::Nodes => format!("{}nodes:control", self.prefix),
        }
    }

    /// The topic of a channel name, if it is one of ours.
    pub fn topic(&self, channel: &str) -> Option<Topic> {
        let rest = channel.strip_prefix(self.prefix.as_str())?;
        if let Some(id) = rest.strip_prefix("user:") {
            return id.parse().ok().map(Topic::User);
        }
        if let Some(tag) = rest.strip_prefix("dispatch:") {
            return u64::from_str_radix(tag, 16)
                .ok()
                .map(|t| Topic::Dispatch(NodeTag(t)));
        }
        if rest == "nodes:control" {
            return Some(Topic::Nodes);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_round_trip_through_their_names() {
        let keys = Keys::new("t1:");
        let user = Topic::User(UserId::new());
        let trip = Topic::Dispatch(NodeTag::of("node-a"));
        assert_ne!(NodeTag::of("node-a"), NodeTag::of("node-b"));
        // Stable across builds: a node built later reads the same channel.
        assert_eq!(NodeTag::of("a"), NodeTag(0xaf63_dc4c_8601_ec8c));
        assert_eq!(keys.topic(&keys.channel(user)), Some(user));
        assert_eq!(keys.topic(&keys.channel(trip)), Some(trip));
        assert_eq!(keys.topic(&keys.channel(Topic::Nodes)), Some(Topic::Nodes));
        assert_eq!(Keys::new("t2:").topic(&keys.channel(user)), None);
        assert!(keys.drivers_geo().starts_with("t1:"));
        assert!(keys.drivers_seen().starts_with("t1:"));
        // One cell's two keys share a hash tag: one slot, one MULTI.
        assert_eq!(keys.cell_geo("u33db"), "t1:drivers:geo:{u33db}");
        assert_eq!(keys.cell_seen("u33db"), "t1:drivers:seen:{u33db}");
        assert!(keys.login_failures_user("ann").starts_with("t1:"));
        assert!(keys
            .login_failures_ip([127, 0, 0, 1].into())
            .starts_with("t1:"));
    }
}
