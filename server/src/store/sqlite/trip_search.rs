//! The monitor's trip search on SQLite.

use super::*;
use crate::domain::trip_query::{Sort, TripQuery};
use crate::store::trip_search::{search_sql, SearchArg, TripSearchStore, SQLITE};

#[async_trait]
impl TripSearchStore for SqliteStore {
    async fn search_trips(
        &self,
        query: &TripQuery,
        sort: Sort,
        cursor: Option<TripId>,
        limit: usize,
    ) -> StoreResult<Vec<Trip>> {
        let (pg, args) = search_sql(query, sort, cursor, limit, &SQLITE);
        self.run(move |c| {
            let args = args.into_iter().map(|a| -> rusqlite::types::Value {
                match a {
                    SearchArg::Id(id) => id.to_string().into(),
                    SearchArg::Text(s) => s.into(),
                    SearchArg::Time(t) => us(t).into(),
                    SearchArg::Int(n) => n.into(),
                }
            });
            // Searches vary too much to cache each statement.
            let mut stmt = c.prepare(&sql::lite(&pg))?;
            let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| rows::trip(r))?;
            rows.map(|r| r.map(|r: TripRecord| r.trip)).collect()
        })
        .await
    }
}
