//! The monitor's trip search in the store: a parsed `TripQuery` becomes one
//! SELECT with placeholders (both backends), keyset-paged on the trip id
//! (UUIDv7: ids sort by request time), or on (sort key, id) for the sorts
//! by fare and by last change. The cursor stays a trip id: its sort key is
//! read back from the trip in the same statement, so the wire format does
//! not depend on the sort.

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

/// What differs between the backends' SQL in a search.
pub(crate) struct Dialect {
    /// The trip id as text (`t.id::text` on Postgres, `t.id` on SQLite).
    pub id_text: &'static str,
    /// The final fare's total (minor units) of the trip aliased by the
    /// argument, from its JSON `fare` column; NULL without a fare.
    pub fare_total: fn(&str) -> String,
}

pub(crate) const POSTGRES: Dialect = Dialect {
    id_text: "t.id::text",
    fare_total: |t| format!("(({t}.fare::jsonb) ->> 'total')::bigint"),
};

/// (`->>` rather than `json_extract(x, '$.total')`: `sql::lite` rewrites
/// every `$`.)
pub(crate) const SQLITE: Dialect = Dialect {
    id_text: "t.id",
    fare_total: |t| format!("({t}.fare ->> 'total')"),
};

/// The value a sort orders by (descending, then by id), for the trip
/// aliased `t`; `None` for the sorts by request time (the id is the key).
/// Never NULL, so the keyset comparison needs no NULL cases.
fn sort_key(sort: Sort, t: &str, dialect: &Dialect) -> Option<String> {
    match sort {
        Sort::Newest | Sort::Oldest => None,
        // No fare sorts below every fare (fares are never negative).
        Sort::Fare => Some(format!("COALESCE({}, -1)", (dialect.fare_total)(t))),
        // The newest status change (a re-dispatch too), else the request.
        Sort::Updated => Some(format!(
            "COALESCE((SELECT max(e{t}.at) FROM trip_events e{t} WHERE e{t}.trip_id = {t}.id), {t}.requested_at)"
        )),
    }
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

/// The statement and its values, in the backend's `dialect`.
pub(crate) fn search_sql(
    query: &TripQuery,
    sort: Sort,
    cursor: Option<TripId>,
    limit: usize,
    dialect: &Dialect,
) -> (String, Vec<SearchArg>) {
    let id_text = dialect.id_text;
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
    let key = sort_key(sort, "t", dialect);
    let (cmp, order) = match sort {
        Sort::Oldest => (">", "ASC"),
        Sort::Newest | Sort::Fare | Sort::Updated => ("<", "DESC"),
    };
    if let Some(c) = cursor {
        let p = arg(SearchArg::Id(c.0));
        match (&key, sort_key(sort, "c", dialect)) {
            (Some(key), Some(of_cursor)) => {
                let at = format!("(SELECT {of_cursor} FROM trips c WHERE c.id = {p})");
                clauses.push(format!(
                    "({key} {cmp} {at} OR ({key} = {at} AND t.id {cmp} {p}))"
                ));
            }
            _ => clauses.push(format!("t.id {cmp} {p}")),
        }
    }
    let order_by = match &key {
        Some(key) => format!("{key} {order}, t.id {order}"),
        None => format!("t.id {order}"),
    };
    let limit = arg(SearchArg::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
    let where_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (
        format!("{TRIP_SELECT}{where_sql} ORDER BY {order_by} LIMIT {limit}"),
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
        let (sql, args) = search_sql(&q, Sort::Oldest, None, 10, &SQLITE);
        assert!(
            sql.contains("t.status IN ($1)") && sql.contains("t.node_id = $2"),
            "{sql}"
        );
        assert!(sql.ends_with("ORDER BY t.id ASC LIMIT $6"), "{sql}");
        assert_eq!(args[2], SearchArg::Text("%50\\%%".into()));
        assert_eq!(args[3], SearchArg::Text("ab%".into()));
        assert_eq!(args.len(), 6);
    }

    #[test]
    fn a_keyed_sort_pages_on_key_then_id() {
        let cursor = TripId(uuid::Uuid::now_v7());
        let q = TripQuery::default();
        let (sql, args) = search_sql(&q, Sort::Fare, Some(cursor), 10, &POSTGRES);
        let key = "COALESCE(((t.fare::jsonb) ->> 'total')::bigint, -1)";
        let at = "(SELECT COALESCE(((c.fare::jsonb) ->> 'total')::bigint, -1) FROM trips c WHERE c.id = $1)";
        assert!(
            sql.contains(&format!("({key} < {at} OR ({key} = {at} AND t.id < $1))")),
            "{sql}"
        );
        assert!(
            sql.ends_with(&format!("ORDER BY {key} DESC, t.id DESC LIMIT $2")),
            "{sql}"
        );
        assert_eq!(args, [SearchArg::Id(cursor.0), SearchArg::Int(10)]);

        let (sql, _) = search_sql(&q, Sort::Updated, None, 10, &SQLITE);
        assert!(
            sql.contains("ORDER BY COALESCE((SELECT max(et.at) FROM trip_events et WHERE et.trip_id = t.id), t.requested_at) DESC, t.id DESC"),
            "{sql}"
        );
    }
}
