//! A client that only downloads: the same GETs a run made, `concurrency` at a time, each body
//! read to its end and dropped, a 429 waited out and asked again. Nothing is parsed or planned.
//! It is the floor a run's wall time is set beside.

use std::time::{Duration, Instant};

use fake_gitlab::RecordedRequest;
use futures::StreamExt;

use super::CONCURRENCY;

/// The wall time of downloading the GETs among `requests` from `url` with `token`.
pub fn replay(rt: &tokio::runtime::Runtime, url: &str, token: &str, requests: &[RecordedRequest]) -> Duration {
    let gets: Vec<String> = requests
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| if r.query.is_empty() { format!("{url}{}", r.path) } else { format!("{url}{}?{}", r.path, r.query) })
        .collect();
    let client = reqwest::Client::new();
    rt.block_on(async {
        let started = Instant::now();
        futures::stream::iter(gets)
            .map(|address| {
                let client = client.clone();
                async move {
                    loop {
                        let response = client.get(&address).header("PRIVATE-TOKEN", token).send().await.unwrap();
                        if response.status().as_u16() == 429 {
                            let wait = response
                                .headers()
                                .get("retry-after")
                                .and_then(|v| v.to_str().ok())
                                .and_then(|v| v.parse::<u64>().ok())
                                .unwrap_or(1);
                            tokio::time::sleep(Duration::from_secs(wait)).await;
                            continue;
                        }
                        let _ = response.bytes().await.unwrap();
                        break;
                    }
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect::<Vec<()>>()
            .await;
        started.elapsed()
    })
}
