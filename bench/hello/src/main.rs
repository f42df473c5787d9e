//! A hello-world axum server, the ceiling `bench/list_pages.sh` measures Acunum's pages against on
//! the same machine in the same run: `acunum-bench-hello 127.0.0.1:18182`.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18182".into());
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, World!" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
