//! Background tasks as Flower shows them: each periodic task with its
//! schedule, last runs and next run; a failing one shows `failed` with its
//! error.

use crate::helpers::*;
use hail_protocol::monitor::{TaskState, TaskStats, TasksResponse};
use std::time::Duration;

fn fast() -> Settings {
    Settings::default()
        .set("HAIL_ROLLUP_INTERVAL_MS", 200)
        .set("HAIL_HEARTBEAT_MS", 200)
}

/// Polls `/api/monitor/tasks` until the `rollup` task satisfies `ok`.
async fn rollup_until(
    app: &TestApp,
    token: &str,
    ok: impl Fn(&TaskStats) -> bool,
) -> TasksResponse {
    let mut wait = Waiting::new("the rollup task to match", Duration::from_secs(15));
    loop {
        let res = app.get("/api/monitor/tasks", token).await;
        assert_eq!(res.status(), 200);
        let tasks: TasksResponse = res.json().await.expect("tasks json");
        if tasks.tasks.iter().any(|t| t.name == "rollup" && ok(t)) {
            return tasks;
        }
        wait.again_showing(&tasks).await;
    }
}

/// Drops the rollups table under the running node: its next run fails.
async fn drop_rollups(env: &TestEnv) {
    match env.sqlite_path() {
        Some(path) => {
            let conn = rusqlite::Connection::open(path).expect("open the data file");
            conn.busy_timeout(Duration::from_secs(5))
                .expect("busy timeout");
            conn.execute_batch("DROP TABLE monitor_rollups")
                .expect("drop");
        }
        None => {
            let (client, conn) =
                tokio_postgres::connect(&env.database_url(), tokio_postgres::NoTls)
                    .await
                    .expect("connect");
            tokio::spawn(conn);
            client
                .batch_execute("DROP TABLE monitor_rollups")
                .await
                .expect("drop");
        }
    }
}

on_both_backends! {
    async fn periodic_tasks_show_schedule_runs_and_next_run_and_failures(backend) {
        let app = spawn_with(backend, fast()).await;
        let admin = app.admin().await;
        let tasks = rollup_until(&app, admin.token(), |t| t.recent.len() >= 2).await;
        let rollup = tasks.tasks.iter().find(|t| t.name == "rollup").expect("rollup");
        assert_eq!(rollup.interval_ms, Some(200));
        assert_eq!(rollup.state, Some(TaskState::Ok));
        assert!(rollup.recent.iter().all(|r| r.state == TaskState::Ok && r.error.is_none()));
        let (last, next) = (rollup.last_run_at.expect("ran"), rollup.next_run_at.expect("next"));
        assert_eq!(next - last, chrono::TimeDelta::milliseconds(200));
        for periodic in ["dispatch_takeover", "stale_driver_sweep", "stranded_trip_sweep", "surge_board", "quote_prune"] {
            let t = tasks.tasks.iter().find(|t| t.name == periodic).unwrap_or_else(|| panic!("{periodic}"));
            assert!(t.interval_ms.is_some(), "{periodic} has a schedule");
        }
        let writer = tasks.tasks.iter().find(|t| t.name == "gps_writer").expect("gps_writer");
        assert_eq!(writer.interval_ms, None, "runs on events");

        drop_rollups(&app.env).await;
        let tasks = rollup_until(&app, admin.token(), |t| t.state == Some(TaskState::Failed)).await;
        let rollup = tasks.tasks.iter().find(|t| t.name == "rollup").expect("rollup");
        let failed = &rollup.recent[0];
        assert_eq!(failed.state, TaskState::Failed);
        assert!(failed.error.as_deref().is_some_and(|e| e.contains("store")), "{failed:?}");
        assert!(rollup.failures >= 1 && rollup.last_error.is_some());
    }
}
