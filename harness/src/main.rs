//! `hail-harness city | connections | race | cancel-loop | track | soak`: parse the command line, run
//! the scenario, print the table, write the JSON report, and exit non-zero
//! when a correctness check failed.

use clap::{Parser, Subcommand};
use hail_harness::load::Load;
use hail_harness::report::Report;
use hail_harness::{cancel_loop, city, connections, race, soak, track};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "hail-harness",
    version,
    about = "Load and correctness harness for Hail"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct Common {
    /// A node's base URL (repeat for several nodes).
    #[arg(long = "url", default_value = "http://127.0.0.1:8080")]
    urls: Vec<String>,
    /// Write the JSON report here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Account name prefix (default: unique per run).
    #[arg(long)]
    prefix: Option<String>,
    /// The server's HAIL_JWT_SECRET: mint tokens instead of logging in
    /// (log-in costs an Argon2 hash per account).
    #[arg(long, env = "HAIL_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// A simulated city of drivers and riders.
    City {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 100)]
        drivers: usize,
        #[arg(long, default_value_t = 20)]
        riders: usize,
        /// Seconds between a driver's GPS updates.
        #[arg(long, default_value_t = 1.0)]
        gps_interval: f64,
        /// Trip requests per second, over all riders.
        #[arg(long, default_value_t = 1.0)]
        trip_rate: f64,
        /// Seconds of load.
        #[arg(long, default_value_t = 30.0)]
        duration: f64,
        /// Seconds trips under way may take to finish afterwards.
        #[arg(long, default_value_t = 120.0)]
        grace: f64,
        /// Metres around the centre where drivers roam.
        #[arg(long, default_value_t = 3000.0)]
        radius: f64,
        /// Driving speed, m/s.
        #[arg(long, default_value_t = 14.0)]
        speed: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Node pid(s) (repeat): report their CPU time per GPS point,
        /// dispatch and completed trip.
        #[arg(long = "pid")]
        pids: Vec<u32>,
    },
    /// Idle authenticated connections across worker processes.
    Connections {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// Worker processes (0: this process). Default: one per 15,000.
        #[arg(long)]
        workers: Option<usize>,
        #[arg(long, default_value_t = 200)]
        per_account: usize,
        #[arg(long, default_value_t = 16)]
        sources: usize,
        /// Seconds to hold the connections open.
        #[arg(long, default_value_t = 10)]
        hold: u64,
        /// Server pid(s) whose RSS to read, in `--url` order; also their CPU
        /// time per connection opened and per idle connection-second.
        #[arg(long = "pid")]
        pids: Vec<u32>,
    },
    /// Contested accepts: exactly one winner per trip.
    Race {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 8)]
        drivers: usize,
        #[arg(long, default_value_t = 100)]
        trips: usize,
        /// Node pid(s) (repeat): report their CPU time per accepted trip.
        #[arg(long = "pid")]
        pids: Vec<u32>,
    },
    /// One rider's request -> cancel loop, one trip at a time: trips/s and
    /// round-trip latency of small frames (TCP_NODELAY, issue 11).
    CancelLoop {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 2000)]
        trips: usize,
        /// Available drivers near the pickup: each trip then waits for its
        /// offers before cancelling, and for their withdrawal after.
        #[arg(long, default_value_t = 0)]
        drivers: usize,
        /// Offers the node sends per round (its HAIL_OFFER_LIMIT).
        #[arg(long, default_value_t = 10)]
        offers: usize,
        /// Node pid(s) (repeat): report their CPU time per trip.
        #[arg(long = "pid")]
        pids: Vec<u32>,
    },
    /// GPS on trips alone: drivers on accepted trips stream to their
    /// riders; checks every point forwarded and persisted.
    Track {
        #[command(flatten)]
        common: Common,
        /// Driver-rider pairs, each on its own trip.
        #[arg(long, default_value_t = 500)]
        pairs: usize,
        /// Seconds between a driver's GPS updates.
        #[arg(long, default_value_t = 0.1)]
        gps_interval: f64,
        /// Seconds of streaming.
        #[arg(long, default_value_t = 20.0)]
        duration: f64,
        /// Node pid(s) (repeat): report their CPU time per point.
        #[arg(long = "pid")]
        pids: Vec<u32>,
    },
    /// Steady load for fault runs: clients reconnect and resume; checks
    /// acknowledged GPS, single winners and that every trip ends.
    Soak {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 60)]
        drivers: usize,
        #[arg(long, default_value_t = 20)]
        riders: usize,
        /// Seconds between a driver's GPS updates.
        #[arg(long, default_value_t = 1.0)]
        gps_interval: f64,
        /// Trip requests per second, over all riders.
        #[arg(long, default_value_t = 1.0)]
        trip_rate: f64,
        /// Seconds of load.
        #[arg(long, default_value_t = 60.0)]
        duration: f64,
        /// Seconds riders may take to see their trips end afterwards.
        #[arg(long, default_value_t = 90.0)]
        grace: f64,
        /// Then, seconds to wait for every known trip to be over.
        #[arg(long, default_value_t = 90.0)]
        settle: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Internal: one worker process of `connections`.
    #[command(hide = true)]
    ConnectionsWorker,
}

fn prefix(p: &Option<String>) -> String {
    p.clone()
        .unwrap_or_else(|| format!("h{}", &uuid::Uuid::now_v7().simple().to_string()[20..]))
}

impl Command {
    /// The load shape of `city` and `soak`, from their flags (seconds as
    /// f64); soak roams 2.5 km around the centre.
    fn load(&self) -> Option<Load> {
        let (Command::City {
            common,
            drivers,
            riders,
            gps_interval,
            trip_rate,
            duration,
            grace,
            seed,
            ..
        }
        | Command::Soak {
            common,
            drivers,
            riders,
            gps_interval,
            trip_rate,
            duration,
            grace,
            seed,
            ..
        }) = self
        else {
            return None;
        };
        let radius_m = match self {
            Command::City { radius, .. } => *radius,
            _ => 2500.0,
        };
        Some(Load {
            urls: common.urls.clone(),
            drivers: *drivers,
            riders: *riders,
            gps_interval: Duration::from_secs_f64(*gps_interval),
            trip_rate: *trip_rate,
            duration: Duration::from_secs_f64(*duration),
            grace: Duration::from_secs_f64(*grace),
            centre: (52.52, 13.405),
            radius_m,
            seed: *seed,
            prefix: prefix(&common.prefix),
            secret: common.jwt_secret.clone(),
            progress: true,
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let load = cli.command.load();
    let (report, json): (Report, Option<PathBuf>) = match cli.command {
        Command::ConnectionsWorker => return connections::worker_main().await,
        Command::City {
            common,
            speed,
            pids,
            ..
        } => {
            let params = city::CityParams {
                load: load.expect("city's flags make a load"),
                speed_mps: speed,
            };
            (city::run_measured(params, &pids).await?, common.json)
        }
        Command::Connections {
            common,
            count,
            workers,
            per_account,
            sources,
            hold,
            pids,
        } => {
            let params = connections::ConnParams {
                urls: common.urls,
                count,
                workers: workers.unwrap_or_else(|| count.div_ceil(15_000)),
                per_account,
                sources,
                hold_secs: hold,
                pids,
                prefix: prefix(&common.prefix),
                secret: common.jwt_secret,
            };
            (connections::run(params).await?, common.json)
        }
        Command::Soak { common, settle, .. } => {
            let params = soak::SoakParams {
                load: load.expect("soak's flags make a load"),
                settle: Duration::from_secs_f64(settle),
                timing: soak::Timing::default(),
            };
            (soak::run(params).await?, common.json)
        }
        Command::CancelLoop {
            common,
            trips,
            drivers,
            offers,
            pids,
        } => {
            let params = cancel_loop::CancelLoopParams {
                url: common.urls[0].clone(),
                trips,
                prefix: prefix(&common.prefix),
                pids,
                drivers,
                offers,
                secret: common.jwt_secret,
            };
            (cancel_loop::run(params).await?, common.json)
        }
        Command::Track {
            common,
            pairs,
            gps_interval,
            duration,
            pids,
        } => {
            let params = track::TrackParams {
                urls: common.urls,
                pairs,
                gps_interval: Duration::from_secs_f64(gps_interval),
                duration: Duration::from_secs_f64(duration),
                prefix: prefix(&common.prefix),
                pids,
                secret: common.jwt_secret,
            };
            (track::run(params).await?, common.json)
        }
        Command::Race {
            common,
            drivers,
            trips,
            pids,
        } => {
            let params = race::RaceParams {
                urls: common.urls,
                drivers,
                trips,
                prefix: prefix(&common.prefix),
                secret: common.jwt_secret,
            };
            (race::run_measured(params, &pids).await?, common.json)
        }
    };
    print!("{}", report.table());
    if let Some(path) = json {
        std::fs::write(&path, serde_json::to_vec_pretty(&report)?)?;
        eprintln!("report written to {}", path.display());
    }
    if !report.ok {
        std::process::exit(1);
    }
    Ok(())
}
