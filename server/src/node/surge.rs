//! Surge per H3 cell: supply (available drivers) and demand (trips
//! requested in the last window) counted per cell, priced by the pure
//! curve in `domain::surge`. One node computes each interval's board and
//! shares it (`crate::surge`); every node keeps a copy to price from, so
//! quotes and requests on any node see the same multiplier.

use super::live::Task;
use super::Node;
use crate::domain::money::{Multiplier, ONE_X_BP};
use crate::domain::surge::{self as policy, SurgeCurve};
use crate::surge::SurgeShare;
use chrono::{DateTime, Utc};
use hail_protocol::monitor::{SurgeCell, SurgeResponse};
use hail_protocol::Position;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

#[derive(Debug, thiserror::Error)]
pub enum SurgeError {
    #[error(transparent)]
    Geo(#[from] crate::geo::GeoError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Share(#[from] crate::surge::SurgeShareError),
    #[error("surge board not JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Most drivers and pickups one computation reads.
const MAX_READ: usize = 200_000;

/// This node's copy of the last published board.
pub struct SurgeBoard {
    resolution: h3o::Resolution,
    current: RwLock<Arc<Board>>,
}

struct Board {
    response: SurgeResponse,
    by_cell: HashMap<u64, u32>,
}

impl SurgeBoard {
    pub fn new(resolution: h3o::Resolution, demand_window: Duration) -> Self {
        let empty = SurgeResponse {
            resolution: u8::from(resolution),
            computed_at: None,
            computed_by: None,
            demand_window_s: demand_window.as_secs(),
            cells: Vec::new(),
        };
        Self {
            resolution,
            current: RwLock::new(Arc::new(Board::from(empty))),
        }
    }

    /// The multiplier at `pos`; 1.0x where the board has no surge.
    pub fn multiplier_at(&self, pos: Position) -> Multiplier {
        let Ok(cell) = policy::cell_of(&pos, u8::from(self.resolution)) else {
            return Multiplier::ONE;
        };
        let board = self.read();
        Multiplier(
            board
                .by_cell
                .get(&u64::from(cell))
                .copied()
                .unwrap_or(ONE_X_BP),
        )
    }

    /// The board as the monitor shows it.
    pub fn snapshot(&self) -> SurgeResponse {
        self.read().response.clone()
    }

    fn read(&self) -> Arc<Board> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn replace(&self, response: SurgeResponse) {
        let board = Arc::new(Board::from(response));
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = board;
    }
}

impl From<SurgeResponse> for Board {
    fn from(response: SurgeResponse) -> Self {
        let by_cell = response
            .cells
            .iter()
            .filter_map(|c| Some((u64::from_str_radix(&c.cell, 16).ok()?, c.surge_bp)))
            .collect();
        Self { response, by_cell }
    }
}

/// Counts supply and demand per cell and prices each: a pure step, so the
/// board of given inputs is the same on every node.
pub fn price_cells(
    resolution: h3o::Resolution,
    curve: &SurgeCurve,
    drivers: &[Position],
    pickups: &[Position],
) -> Vec<SurgeCell> {
    let mut counts: HashMap<h3o::CellIndex, (u32, u32)> = HashMap::new();
    let res = u8::from(resolution);
    for p in drivers {
        if let Ok(cell) = policy::cell_of(p, res) {
            counts.entry(cell).or_default().0 += 1;
        }
    }
    for p in pickups {
        if let Ok(cell) = policy::cell_of(p, res) {
            counts.entry(cell).or_default().1 += 1;
        }
    }
    let mut cells: Vec<SurgeCell> = counts
        .into_iter()
        .map(|(cell, (supply, demand))| {
            let centre = h3o::LatLng::from(cell);
            SurgeCell {
                cell: cell.to_string(),
                lat: centre.lat(),
                lng: centre.lng(),
                supply,
                demand,
                surge_bp: policy::multiplier(supply, demand, curve).basis_points(),
            }
        })
        .collect();
    cells.sort_by(|a, b| {
        b.surge_bp
            .cmp(&a.surge_bp)
            .then_with(|| a.cell.cmp(&b.cell))
    });
    cells
}

/// Computes this interval's board from the shared index and store.
async fn compute(node: &Node, now: DateTime<Utc>) -> Result<SurgeResponse, SurgeError> {
    let cfg = &node.config.ride.surge;
    let stale = crate::domain::clock::span(node.config.dispatch.stale_after);
    let drivers: Vec<Position> = node
        .geo
        .positions((now - stale).timestamp_millis(), MAX_READ)
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    let since = now - crate::domain::clock::span(cfg.demand_window);
    let pickups = node.store.pickups_since(since, MAX_READ).await?;
    Ok(SurgeResponse {
        resolution: u8::from(cfg.resolution),
        computed_at: Some(now),
        computed_by: Some(node.id().to_string()),
        demand_window_s: cfg.demand_window.as_secs(),
        cells: price_cells(
            cfg.resolution,
            &node.config.ride.fares.surge,
            &drivers,
            &pickups,
        ),
    })
}

/// One interval: compute and publish if this node claims it, then take
/// the published board.
async fn tick(node: &Node, share: &dyn SurgeShare) -> Result<(), SurgeError> {
    let every = node.config.ride.surge.interval.as_millis().max(1) as i64;
    let now = Utc::now();
    let bucket = now.timestamp_millis() / every;
    if share.claim(bucket, node.id()).await? {
        let board = compute(node, now).await?;
        share.publish(&serde_json::to_string(&board)?).await?;
    }
    if let Some(json) = share.latest().await? {
        let board: SurgeResponse = serde_json::from_str(&json)?;
        node.surge.replace(board);
    }
    Ok(())
}

/// Runs the surge board every `HAIL_SURGE_INTERVAL_SECS` until `stop`.
pub fn spawn(
    node: Arc<Node>,
    share: Arc<dyn SurgeShare>,
    stop: CancellationToken,
    tracker: &TaskTracker,
) {
    tracker.spawn(async move {
        node.live
            .task(Task::Surge)
            .set_interval(node.config.ride.surge.interval);
        let mut every = tokio::time::interval(node.config.ride.surge.interval);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stop.cancelled() => return,
            }
            let began = std::time::Instant::now();
            let result = tick(&node, &*share).await;
            if let Err(e) = &result {
                tracing::warn!("surge board not refreshed: {e}");
            }
            node.live.task(Task::Surge).record(began.elapsed(), &result);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lng: f64) -> Position {
        Position::new(lat, lng).expect("valid")
    }

    #[test]
    fn cells_count_supply_and_demand_and_surge_where_demand_outruns_supply() {
        let res = h3o::Resolution::Eight;
        let curve = SurgeCurve::default();
        let centre = at(52.52, 13.405);
        let far = at(48.137, 11.575);
        let pickups = vec![centre; 12];
        let drivers = vec![centre, far];
        let cells = price_cells(res, &curve, &drivers, &pickups);
        assert_eq!(cells.len(), 2);
        let busy = &cells[0];
        assert_eq!((busy.supply, busy.demand), (1, 12));
        assert!(busy.surge_bp > 10_000, "{busy:?}");
        let quiet = &cells[1];
        assert_eq!((quiet.supply, quiet.demand, quiet.surge_bp), (1, 0, 10_000));
    }

    #[test]
    fn the_board_prices_from_its_cells() {
        let res = h3o::Resolution::Eight;
        let board = SurgeBoard::new(res, Duration::from_secs(600));
        let centre = at(52.52, 13.405);
        assert_eq!(
            board.multiplier_at(centre).basis_points(),
            10_000,
            "empty board"
        );
        let cells = price_cells(res, &SurgeCurve::default(), &[], &[centre; 5]);
        board.replace(SurgeResponse {
            resolution: 8,
            computed_at: Some(Utc::now()),
            computed_by: None,
            demand_window_s: 600,
            cells,
        });
        assert!(board.multiplier_at(centre).basis_points() > 10_000);
        assert_eq!(
            board.multiplier_at(at(48.137, 11.575)).basis_points(),
            10_000
        );
    }
}
