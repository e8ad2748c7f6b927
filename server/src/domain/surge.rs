//! Surge: a multiplier per H3 cell from how many riders asked (demand, in
//! the last minutes) against how many drivers are free there (supply).
//! Integer arithmetic only, so every node computing the same counts gets
//! the same multiplier to the basis point.
//!
//! The curve, with `r = demand / supply`:
//! - `r <= start`: 1.0x (no demand at all is 1.0x too);
//! - `start < r < full`: linear from 1.0x to `max_multiplier`;
//! - `r >= full`, or demand with no supply at all: `max_multiplier`, the cap.

use h3o::{CellIndex, LatLng, Resolution};
use hail_protocol::Position;
use serde::{Deserialize, Serialize};

use super::money::{Multiplier, ONE_X_BP};
use super::point::lat_lng;

/// The widest ring [`neighbours`] returns; a bigger `k` is clamped (a ring
/// of 5 at resolution 8 is already ~3 km across; more is not "nearby").
pub const MAX_RING: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SurgeError {
    #[error("H3 resolution must be 0 to 15, got {0}")]
    Resolution(u8),
    #[error("position cannot be placed in an H3 cell")]
    Position,
}

/// The curve's shape; ratios in basis points of requests per driver
/// (`10_000` = one request per free driver).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurgeCurve {
    /// At or below this ratio there is no surge.
    pub start_ratio_bp: u32,
    /// At or above this ratio the surge is `max_multiplier`.
    pub full_ratio_bp: u32,
    /// The cap (at least 1.0x; a lower value is read as 1.0x).
    pub max_multiplier: Multiplier,
}

impl Default for SurgeCurve {
    /// 1.0x up to one request per driver, 2.0x from three.
    fn default() -> Self {
        Self {
            start_ratio_bp: 10_000,
            full_ratio_bp: 30_000,
            max_multiplier: Multiplier(20_000),
        }
    }
}

/// A checked H3 resolution.
pub fn resolution(res: u8) -> Result<Resolution, SurgeError> {
    Resolution::try_from(res).map_err(|_| SurgeError::Resolution(res))
}

/// The cell `pos` falls in at `res` (0 coarse to 15 fine).
pub fn cell_of(pos: &Position, res: u8) -> Result<CellIndex, SurgeError> {
    let res = resolution(res)?;
    let (lat, lng) = lat_lng(pos);
    let ll = LatLng::new(lat, lng).map_err(|_| SurgeError::Position)?;
    Ok(ll.to_cell(res))
}

/// `cell` and every cell within `k` steps of it (`k` clamped to [`MAX_RING`]).
pub fn neighbours(cell: CellIndex, k: u32) -> Vec<CellIndex> {
    cell.grid_disk(k.min(MAX_RING))
}

/// The multiplier for `demand` requests against `supply` free drivers.
pub fn multiplier(supply: u32, demand: u32, curve: &SurgeCurve) -> Multiplier {
    let max = curve.max_multiplier.max(Multiplier::ONE);
    if demand == 0 {
        return Multiplier::ONE;
    }
    if supply == 0 {
        return max;
    }
    // Compare demand/supply with ratio_bp/10_000 without dividing:
    // demand * 10_000 against ratio_bp * supply.
    let scaled = u128::from(demand) * u128::from(ONE_X_BP);
    let start = u128::from(curve.start_ratio_bp) * u128::from(supply);
    let full = u128::from(curve.full_ratio_bp) * u128::from(supply);
    if scaled <= start {
        return Multiplier::ONE;
    }
    if scaled >= full {
        // Also covers full <= start: a step straight to the cap.
        return max;
    }
    // 1.0x + (max - 1.0x) * (scaled - start) / (full - start), rounded
    // half up once.
    let span = u128::from(max.0 - ONE_X_BP);
    let (num, den) = (span * (scaled - start), full - start);
    let extra = (num + den / 2) / den;
    // extra < span <= u32::MAX, since scaled < full.
    Multiplier(ONE_X_BP + u32::try_from(extra).unwrap_or(max.0 - ONE_X_BP))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_curve_at_its_points() {
        let c = SurgeCurve::default();
        let m = |supply, demand| multiplier(supply, demand, &c).basis_points();
        assert_eq!(m(10, 0), 10_000, "no demand");
        assert_eq!(m(0, 0), 10_000, "nobody at all");
        assert_eq!(m(0, 1), 20_000, "demand, no supply: the cap");
        assert_eq!(m(10, 5), 10_000);
        assert_eq!(m(10, 10), 10_000, "at start");
        assert_eq!(m(10, 15), 12_500);
        assert_eq!(m(10, 20), 15_000);
        assert_eq!(m(10, 25), 17_500);
        assert_eq!(m(10, 30), 20_000, "at full");
        assert_eq!(m(10, 1_000), 20_000, "capped");
        assert_eq!(m(u32::MAX, u32::MAX), 10_000);
        assert_eq!(m(1, u32::MAX), 20_000);
    }

    #[test]
    fn it_rounds_once_and_never_decreases_with_demand() {
        let c = SurgeCurve::default();
        // 3 drivers, 4 requests: r = 1.333, extra = 10000 * 0.333/2 = 1666.67 -> 1667.
        assert_eq!(multiplier(3, 4, &c).basis_points(), 11_667);
        let mut last = Multiplier::ONE;
        for demand in 0..100 {
            let m = multiplier(17, demand, &c);
            assert!(m >= last && m <= c.max_multiplier, "{demand}: {m:?}");
            last = m;
        }
    }

    #[test]
    fn degenerate_curves_stay_within_bounds() {
        let step = SurgeCurve {
            start_ratio_bp: 20_000,
            full_ratio_bp: 10_000,
            max_multiplier: Multiplier(30_000),
        };
        assert_eq!(multiplier(10, 20, &step), Multiplier::ONE);
        assert_eq!(multiplier(10, 21, &step), Multiplier(30_000));
        let low = SurgeCurve {
            max_multiplier: Multiplier(5_000),
            ..SurgeCurve::default()
        };
        assert_eq!(multiplier(1, 100, &low), Multiplier::ONE);
    }

    #[test]
    fn cells_and_neighbours() {
        let here = Position::new(52.5200, 13.4050).expect("valid");
        let near = Position::new(52.52001, 13.40501).expect("valid");
        let cell = cell_of(&here, 8).expect("cell");
        assert_eq!(cell_of(&near, 8), Ok(cell));
        assert_eq!(u8::from(cell.resolution()), 8);
        assert_eq!(cell_of(&here, 16), Err(SurgeError::Resolution(16)));
        assert!(cell_of(&here, 15).is_ok());
        let ring = neighbours(cell, 1);
        assert_eq!(ring.len(), 7);
        assert!(ring.contains(&cell));
        assert_eq!(neighbours(cell, 0), vec![cell]);
        assert_eq!(neighbours(cell, 50).len(), neighbours(cell, MAX_RING).len());
    }
}
