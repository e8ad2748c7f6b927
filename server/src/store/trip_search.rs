//! The monitor's trip search in the store: a parsed `TripQuery` becomes one
//! SELECT with placeholders (both backends), keyset-paged on the trip id
//! (UUIDv7: ids sort by request time).

use super::{StoreResult, TRIP_SELECT};
use crate::domain::trip_query::{Party, Sort, TripQuery};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hail_protocol::{Trip, TripId};

#[async_trait]
pub trait TripSearchStore: Send + Sync {
    /// Up to `limit` trips matching `query` in `sort` order, after the
    /// trip `cursor` (the last of the previous page).
    async fn search_trips(
        &self,
        query: &TripQuery,
        sort: Sort,
        cursor: Option<TripId>,
        limit: usize,
    ) -> StoreResult<Vec<Trip>>;
}

/// A placeholder's value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SearchArg {
    Id(uuid::Uuid),
    Text(String),
    Time(DateTime<Utc>),
    Int(i64),
}

/// `%text%` for LIKE, lowercased, with LIKE's wildcards escaped.
fn contains(text: &str) -> String {
    format!("%{}%", escape(text))
}

fn escape(text: &str) -> String {
    text.to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The statement and its values; `id_text` is the trip id as text in the
/// backend's SQL (`t.id::text` on Postgres, `t.id` on SQLite).
pub(crate) fn search_sql(
    query: &TripQuery,
    sort: Sort,
    cursor: Option<TripId>,
    limit: usize,
    id_text: &str,
) -> (String, Vec<SearchArg>) {
    let mut args = Vec::new();
    let mut clauses = Vec::new();
    let mut arg = |a: SearchArg| {
        args.push(a);
        format!("${}", args.len())
    };
    if !query.statuses.is_empty() {
        let list: Vec<String> = query
            .statuses
            .iter()
            .map(|s| arg(SearchArg::Text(s.as_str().to_string())))
            .collect();
        clauses.push(format!("t.status IN ({})", list.join(", ")));
    }
    if let Some(node) = &query.node {
        clauses.push(format!(
            "t.node_id = {}",
            arg(SearchArg::Text(node.clone()))
        ));
    }
    for (party, alias, column) in [
        (&query.rider, "r", "t.rider_id"),
        (&query.driver, "d", "t.driver_id"),
    ] {
        match party {
            None => {}
            Some(Party::Id(id)) => clauses.push(format!("{column} = {}", arg(SearchArg::Id(id.0)))),
            Some(Party::Name(name)) => {
                let p = arg(SearchArg::Text(contains(name)));
                clauses.push(format!(
                    "(lower({alias}.name) LIKE {p} ESCAPE '\\' OR lower({alias}.username) LIKE {p} ESCAPE '\\')"
                ));
            }
        }
    }
    if let Some(user) = query.participant {
        let p = arg(SearchArg::Id(user.0));
        clauses.push(format!("(t.rider_id = {p} OR t.driver_id = {p})"));
    }
    if let Some(after) = query.after {
        clauses.push(format!("t.requested_at >= {}", arg(SearchArg::Time(after))));
    }
    if let Some(before) = query.before {
        clauses.push(format!("t.requested_at < {}", arg(SearchArg::Time(before))));
    }
    for word in &query.words {
        let prefix = arg(SearchArg::Text(format!("{}%", escape(word))));
        let any = arg(SearchArg::Text(contains(word)));
        clauses.push(format!(
            "(lower({id_text}) LIKE {prefix} ESCAPE '\\' \
             OR lower(r.name) LIKE {any} ESCAPE '\\' OR lower(r.username) LIKE {any} ESCAPE '\\' \
             OR lower(COALESCE(d.name, '')) LIKE {any} ESCAPE '\\' \
             OR lower(COALESCE(d.username, '')) LIKE {any} ESCAPE '\\')"
        ));
    }
    let (cmp, order) = match sort {
        Sort::Newest => ("<", "DESC"),
        Sort::Oldest => (">", "ASC"),
    };
    if let Some(c) = cursor {
        clauses.push(format!("t.id {cmp} {}", arg(SearchArg::Id(c.0))));
    }
    let limit = arg(SearchArg::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
    let where_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (
        format!("{TRIP_SELECT}{where_sql} ORDER BY t.id {order} LIMIT {limit}"),
        args,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_values() {
        let q = TripQuery {
            statuses: vec![hail_protocol::TripStatus::Completed],
            node: Some("n1".into()),
            rider: Some(Party::Name("50%".into())),
            words: vec!["ab".into()],
            ..Default::default()
        };
        let (sql, args) = search_sql(&q, Sort::Oldest, None, 10, "t.id");
        assert!(
            sql.contains("t.status IN ($1)") && sql.contains("t.node_id = $2"),
            "{sql}"
        );
        assert!(sql.ends_with("ORDER BY t.id ASC LIMIT $6"), "{sql}");
        assert_eq!(args[2], SearchArg::Text("%50\\%%".into()));
        assert_eq!(args[3], SearchArg::Text("ab%".into()));
        assert_eq!(args.len(), 6);
    }
}
