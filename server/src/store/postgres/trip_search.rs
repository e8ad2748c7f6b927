//! The monitor's trip search on Postgres.

use super::*;
use crate::domain::trip_query::{Sort, TripQuery};
use crate::store::trip_search::{search_sql, SearchArg, TripSearchStore, POSTGRES};
use tokio_postgres::types::ToSql;

#[async_trait]
impl TripSearchStore for PgStore {
    async fn search_trips(
        &self,
        query: &TripQuery,
        sort: Sort,
        cursor: Option<TripId>,
        limit: usize,
    ) -> StoreResult<Vec<Trip>> {
        let (sql, args) = search_sql(query, sort, cursor, limit, &POSTGRES);
        let params: Vec<Box<dyn ToSql + Sync + Send>> = args
            .into_iter()
            .map(|a| -> Box<dyn ToSql + Sync + Send> {
                match a {
                    SearchArg::Id(id) => Box::new(id),
                    SearchArg::Text(s) => Box::new(s),
                    SearchArg::Time(t) => Box::new(t),
                    SearchArg::Int(n) => Box::new(n),
                }
            })
            .collect();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
        let client = self.client().await?;
        let rows = client.query(&sql, &refs).await.map_err(map_err)?;
        rows.iter()
            .map(|r| rows::trip(r).map(|r: TripRecord| r.trip))
            .collect()
    }
}
