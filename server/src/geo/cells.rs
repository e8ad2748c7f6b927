//! The geohash cells the Redis Cluster geo index is split into. Each cell
//! is one pair of keys on one slot; a search reads every cell its circle's
//! bounding box touches. Pure arithmetic, no I/O.
//!
//! Precision 5: 12 latitude bits and 13 longitude bits, so every cell is
//! 180/4096 = 360/8192 = 0.0439 degrees on a side (4.9 km x 4.9 km at the
//! equator, 4.9 km x 3.0 km at 52 degrees). A 3 km dispatch circle reads 4
//! to 9 cells; the first 250 m circle of the widening search usually 1 or 2.

use hail_protocol::Position;

/// Geohash characters per cell name.
pub const PRECISION: usize = 5;
const LAT_CELLS: i64 = 1 << 12;
const LNG_CELLS: i64 = 1 << 13;
const CELL_DEG: f64 = 180.0 / LAT_CELLS as f64;
/// Slightly under the true ~111.2 km, so the box errs on the large side.
const METRES_PER_DEGREE_LAT: f64 = 110_000.0;

fn lat_index(lat: f64) -> i64 {
    (((lat + 90.0) / CELL_DEG).floor() as i64).clamp(0, LAT_CELLS - 1)
}

fn lng_index(lng: f64) -> i64 {
    (((lng + 180.0) / CELL_DEG).floor() as i64).rem_euclid(LNG_CELLS)
}

/// The geohash of the cell whose grid indices are (`i`, `j`): encoding its
/// centre gives exactly that cell's name.
fn name(i: i64, j: i64) -> String {
    let lat = -90.0 + (i as f64 + 0.5) * CELL_DEG;
    let lng = -180.0 + (j as f64 + 0.5) * CELL_DEG;
    geohash::encode(geohash::Coord { x: lng, y: lat }, PRECISION)
        .expect("a cell centre is a valid coordinate")
}

/// The cell holding `pos`.
pub fn cell_of(pos: Position) -> String {
    name(lat_index(pos.lat()), lng_index(pos.lng()))
}

/// Every cell that may hold a point within `radius_m` of `center`, the
/// centre's own cell first.
pub fn cells_covering(center: Position, radius_m: f64) -> Vec<String> {
    let dlat = radius_m / METRES_PER_DEGREE_LAT;
    let cos = center.lat().to_radians().cos().abs().max(1e-6);
    let dlng = radius_m / (METRES_PER_DEGREE_LAT * cos);
    let (i0, i1) = (
        lat_index(center.lat() - dlat),
        lat_index(center.lat() + dlat),
    );
    let columns: Vec<i64> = if dlng >= 180.0 {
        (0..LNG_CELLS).collect()
    } else {
        let first = ((center.lng() - dlng + 180.0) / CELL_DEG).floor() as i64;
        let last = ((center.lng() + dlng + 180.0) / CELL_DEG).floor() as i64;
        let mut js: Vec<i64> = (first..=last).map(|j| j.rem_euclid(LNG_CELLS)).collect();
        js.dedup();
        js
    };
    let own = cell_of(center);
    let mut out = vec![own.clone()];
    for i in i0..=i1 {
        for &j in &columns {
            let cell = name(i, j);
            if cell != own {
                out.push(cell);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Destination, Distance, Haversine, Point};

    fn p(lat: f64, lng: f64) -> Position {
        Position::new(lat, lng).expect("valid position")
    }

    #[test]
    fn a_cell_is_the_geohash_of_its_point() {
        let berlin = p(52.52, 13.405);
        let gh = geohash::encode(
            geohash::Coord {
                x: 13.405,
                y: 52.52,
            },
            PRECISION,
        )
        .expect("geohash");
        assert_eq!(cell_of(berlin), gh);
        assert_eq!(cell_of(berlin).len(), PRECISION);
    }

    #[test]
    fn a_small_circle_inside_one_cell_reads_only_that_cell() {
        // The centre of a cell, 200 m: far from every edge.
        let (lat, lng) = (
            -90.0 + (lat_index(52.52) as f64 + 0.5) * CELL_DEG,
            -180.0 + (lng_index(13.405) as f64 + 0.5) * CELL_DEG,
        );
        assert_eq!(
            cells_covering(p(lat, lng), 200.0),
            vec![cell_of(p(lat, lng))]
        );
    }

    /// Whatever the centre and radius, every point within the radius lies
    /// in one of the covering cells: the search never misses a driver.
    #[test]
    fn the_covering_cells_hold_every_point_within_the_radius() {
        let centres = [
            p(52.52, 13.405),
            p(0.0, 0.0),
            p(-33.87, 151.21),
            p(40.7128, -74.006),
            p(84.9, 10.0),
            p(-84.9, -170.0),
            p(10.0, 179.99),
            p(10.0, -179.99),
        ];
        for centre in centres {
            for radius in [250.0, 1000.0, 3000.0, 12_000.0] {
                let cells = cells_covering(centre, radius);
                for k in 0..72 {
                    let bearing = k as f64 * 5.0;
                    let edge = Haversine.destination(
                        Point::new(centre.lng(), centre.lat()),
                        bearing,
                        radius * 0.999,
                    );
                    let Ok(edge) = Position::new(edge.y(), edge.x()) else {
                        continue;
                    };
                    let cell = cell_of(edge);
                    assert!(
                        cells.contains(&cell),
                        "{centre:?} r={radius}: bearing {bearing} lands in {cell}, not in {cells:?}"
                    );
                    let d = Haversine.distance(
                        Point::new(centre.lng(), centre.lat()),
                        Point::new(edge.lng(), edge.lat()),
                    );
                    assert!(d <= radius);
                }
            }
        }
    }

    #[test]
    fn circles_across_the_antimeridian_read_both_sides() {
        let cells = cells_covering(p(10.0, 179.99), 3000.0);
        assert!(cells.contains(&cell_of(p(10.0, -179.99))));
        let mut unique = cells.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), cells.len(), "no cell twice");
    }

    #[test]
    fn a_dispatch_circle_reads_a_handful_of_cells() {
        let n = cells_covering(p(52.52, 13.405), 3000.0).len();
        assert!((2..=12).contains(&n), "{n} cells");
    }
}
