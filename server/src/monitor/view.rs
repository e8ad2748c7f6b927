//! The monitor's answers, assembled from every node's heartbeat (presence),
//! the store and the geo index.

use crate::geo::GeoError;
use crate::node::Node;
use crate::presence::{Heartbeat, PresenceError};
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use hail_protocol::monitor::{
    DriverCounts, MapDriver, MonitorMap, NodeOverview, NodeStatus, Overview, RoleCounts, TaskStats,
    TasksResponse, Totals,
};

/// The map shows at most this many drivers and trips.
pub const MAP_LIMIT: usize = 2_000;

/// Nodes silent this long are dropped from the list altogether.
const FORGET_AFTER: chrono::Duration = chrono::Duration::minutes(10);

#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Presence(#[from] PresenceError),
    #[error(transparent)]
    Geo(#[from] GeoError),
}

/// Every known node, up or down, by id; long-silent ones are forgotten.
async fn nodes(node: &Node, now: DateTime<Utc>) -> Result<Vec<(Heartbeat, NodeStatus)>, ViewError> {
    let window = crate::domain::clock::span(node.config.heartbeat_window());
    let mut out = Vec::new();
    for beat in node.presence.nodes().await? {
        let silent = now - beat.sent_at;
        if silent > FORGET_AFTER {
            let _ = node.presence.forget(&beat.id).await;
            continue;
        }
        let status = if silent > window {
            NodeStatus::Down
        } else {
            NodeStatus::Up
        };
        out.push((beat, status));
    }
    out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    Ok(out)
}

pub async fn overview(node: &Node) -> Result<Overview, ViewError> {
    let now = Utc::now();
    let nodes = nodes(node, now).await?;
    let mut totals = Totals {
        nodes_up: 0,
        nodes_down: 0,
        connections: RoleCounts::default(),
        messages_in_per_sec: 0.0,
        messages_out_per_sec: 0.0,
        outbox_drops: 0,
    };
    let mut list = Vec::with_capacity(nodes.len());
    for (beat, status) in nodes {
        if status == NodeStatus::Up {
            totals.nodes_up += 1;
            totals.connections.add(&beat.connections);
            totals.messages_in_per_sec += beat.messages_in_per_sec;
            totals.messages_out_per_sec += beat.messages_out_per_sec;
            totals.outbox_drops += beat.outbox_drops;
        } else {
            totals.nodes_down += 1;
        }
        list.push(NodeOverview {
            uptime_secs: (beat.sent_at - beat.started_at).num_seconds().max(0) as u64,
            // A down node's figures are its last words, not its state.
            connections: match status {
                NodeStatus::Up => beat.connections,
                NodeStatus::Down => RoleCounts::default(),
            },
            id: beat.id,
            address: beat.address,
            status,
            started_at: beat.started_at,
            last_seen: beat.sent_at,
            messages_in_per_sec: beat.messages_in_per_sec,
            messages_out_per_sec: beat.messages_out_per_sec,
            outbox_drops: beat.outbox_drops,
        });
    }
    let stale = crate::domain::clock::span(node.config.dispatch.stale_after);
    let available = node.geo.count((now - stale).timestamp_millis()).await?;
    Ok(Overview {
        at: now,
        heartbeat_window_secs: node.config.heartbeat_window().as_secs().max(1),
        heartbeat_ms: node.config.heartbeat.as_millis() as u64,
        trips: node.store.trip_counts().await?,
        drivers: DriverCounts {
            online: totals.connections.driver,
            available: available as u64,
        },
        nodes: list,
        totals,
    })
}

/// Every node's background tasks, as of its last heartbeat.
pub async fn tasks(node: &Node) -> Result<TasksResponse, ViewError> {
    let nodes = nodes(node, Utc::now()).await?;
    let tasks: Vec<TaskStats> = nodes.into_iter().flat_map(|(beat, _)| beat.tasks).collect();
    Ok(TasksResponse { tasks })
}

/// Available drivers (freshest first) and active trips (newest first).
pub async fn map(node: &Node) -> Result<MonitorMap, ViewError> {
    let stale = crate::domain::clock::span(node.config.dispatch.stale_after);
    let fresh_since = (Utc::now() - stale).timestamp_millis();
    let drivers = node
        .geo
        .positions(fresh_since, MAP_LIMIT)
        .await?
        .into_iter()
        .map(|(driver_id, p)| MapDriver {
            driver_id,
            lat: p.lat(),
            lng: p.lng(),
        })
        .collect();
    Ok(MonitorMap {
        drivers,
        trips: node.store.active_trips(MAP_LIMIT).await?,
    })
}
