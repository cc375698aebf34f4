//! Success-path overhead per call: backstop-client vs plain reqwest, against the same local axum server.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let addr = rt.block_on(async {
        let app = axum::Router::new().route("/ok", axum::routing::get(|| async { "ok" }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    });
    let url = format!("http://{addr}/ok");
    let plain = reqwest::Client::new();
    let backstop = backstop_client::Client::builder()
        .http_client(plain.clone())
        .build();

    let mut group = c.benchmark_group("success_path");
    group.bench_function("plain_reqwest", |b| {
        b.iter(|| {
            rt.block_on(async {
                let r = plain.get(&url).send().await.unwrap();
                black_box(r.bytes().await.unwrap())
            })
        })
    });
    group.bench_function("backstop_client", |b| {
        b.iter(|| {
            rt.block_on(async {
                let r = backstop.get(&url).send().await.unwrap();
                black_box(r.bytes().await.unwrap())
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
