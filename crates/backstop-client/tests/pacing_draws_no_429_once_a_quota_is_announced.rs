//! Pacing (docs/CONTRACT.md §11.7): a server that announces its quota (`RateLimit` /
//! `RateLimit-Policy`, draft-11, or the `X-RateLimit-*` trio) is never hit past it: the client waits
//! for the reset instead of drawing a 429. With pacing off, the same run draws 429s.
mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use backstop_client::{Client, ClientBuilder};
use common::{Reply, Server, serve_fn};

const QUOTA: u32 = 5;
const WINDOW: Duration = Duration::from_secs(1);

#[derive(Clone, Copy)]
enum Fields {
    Draft11,
    XRateLimit,
}

/// A server allowing `QUOTA` requests per fixed `WINDOW`, announcing what is left on every answer.
async fn limited(fields: Fields) -> (Server, Arc<Mutex<u32>>) {
    let refused = Arc::new(Mutex::new(0));
    let r = refused.clone();
    let state = Mutex::new((Instant::now(), 0u32));
    let server = serve_fn(move |_, _| {
        let mut s = state.lock().unwrap();
        if s.0.elapsed() >= WINDOW {
            *s = (Instant::now(), 0);
        }
        let left_in_window = WINDOW.saturating_sub(s.0.elapsed());
        // Seconds until the reset, rounded up so a client never comes back early.
        let t = left_in_window.as_millis().div_ceil(1000).max(1) as u64;
        let refused_now = s.1 >= QUOTA;
        if !refused_now {
            s.1 += 1;
        }
        let remaining = QUOTA - s.1;
        let mut reply = if refused_now {
            *r.lock().unwrap() += 1;
            Reply::status(429).header("retry-after", &t.to_string())
        } else {
            Reply::ok()
        };
        reply = match fields {
            Fields::Draft11 => reply
                .header("ratelimit", &format!("\"default\";r={remaining};t={t}"))
                .header("ratelimit-policy", &format!("\"default\";q={QUOTA};w=1")),
            Fields::XRateLimit => {
                let reset_at = SystemTime::now() + left_in_window;
                let epoch = reset_at.duration_since(UNIX_EPOCH).unwrap();
                let epoch = epoch.as_secs() + u64::from(epoch.subsec_nanos() > 0);
                reply
                    .header("x-ratelimit-limit", &QUOTA.to_string())
                    .header("x-ratelimit-remaining", &remaining.to_string())
                    .header("x-ratelimit-reset", &epoch.to_string())
            }
        };
        reply
    })
    .await;
    (server, refused)
}

async fn run(builder: ClientBuilder, fields: Fields, calls: u32) -> (u32, Duration) {
    let (server, refused) = limited(fields).await;
    let client: Client = builder.no_circuit_breaker().build();
    let start = Instant::now();
    for _ in 0..calls {
        let _ = client.get(server.url("/")).send().await;
    }
    let refused = *refused.lock().unwrap();
    (refused, start.elapsed())
}

#[tokio::test]
async fn draft_11_quota_is_respected_without_a_single_429() {
    let (refused, took) = run(Client::builder(), Fields::Draft11, 3 * QUOTA).await;
    assert_eq!(refused, 0, "no 429 drawn");
    assert!(
        took >= 2 * WINDOW - Duration::from_millis(100),
        "waited for two resets: {took:?}"
    );
}

#[tokio::test]
async fn concurrent_callers_share_the_quota_without_a_429() {
    let (server, refused) = limited(Fields::Draft11).await;
    let client = Client::builder().no_circuit_breaker().build();
    // Learn the quota, then 12 callers at once: 4 left in this window, 5 in each of the next two.
    client.get(server.url("/")).send().await.unwrap();
    let start = Instant::now();
    let callers: Vec<_> = (0..12)
        .map(|_| {
            let (client, url) = (client.clone(), server.url("/"));
            tokio::spawn(async move { client.get(url).send().await })
        })
        .collect();
    for c in callers {
        c.await.unwrap().unwrap();
    }
    assert_eq!(*refused.lock().unwrap(), 0, "no 429 drawn");
    assert!(
        start.elapsed() >= WINDOW - Duration::from_millis(100),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn x_ratelimit_quota_is_respected_without_a_single_429() {
    let (refused, _) = run(Client::builder(), Fields::XRateLimit, 3 * QUOTA).await;
    assert_eq!(refused, 0, "no 429 drawn");
}

#[tokio::test]
async fn without_pacing_the_same_calls_draw_429s() {
    let (refused, _) = run(Client::builder().no_pacing(), Fields::Draft11, 3 * QUOTA).await;
    assert!(refused >= 1, "the server refused {refused} request(s)");
}

#[tokio::test]
async fn a_hold_longer_than_the_deadline_is_not_waited_for() {
    let (server, _) = limited(Fields::Draft11).await;
    let client = Client::builder()
        .no_circuit_breaker()
        .max_attempts(1)
        .build();
    for _ in 0..QUOTA {
        client.get(server.url("/")).send().await.unwrap();
    }
    // The quota is spent; the reset is up to a second away, the deadline 100 ms.
    let start = Instant::now();
    let e = client
        .get(server.url("/"))
        .deadline(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        e.status().map(|s| s.as_u16()),
        Some(429),
        "sent, and the server decided"
    );
}
