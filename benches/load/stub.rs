//! A local stand-in for Mistral: answers `POST /v1/chat/completions` at
//! once with a fixed completion, on a runtime thread of its own.

use nextarget::http::NoDelayAcceptor;
use poem::{handler, post, Response, Route, Server};

const COMPLETION: &str = r#"{"id":"bench","object":"chat.completion","model":"mistral-small-latest","choices":[{"index":0,"message":{"role":"assistant","content":"Keep going: ten more minutes today."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":8,"total_tokens":20}}"#;

#[handler]
fn completions() -> Response {
    Response::builder()
        .content_type("application/json")
        .body(COMPLETION)
}

/// Starts the stub and returns its base URL.
pub fn start() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("stub runtime");
        runtime.block_on(async move {
            let acceptor = NoDelayAcceptor::bind("127.0.0.1:0")
                .await
                .expect("stub binds");
            tx.send(acceptor.local_port()).expect("port sent");
            let app = Route::new().at("/v1/chat/completions", post(completions));
            let _ = Server::new_with_acceptor(acceptor).run(app).await;
        });
    });
    let port = rx.recv().expect("stub port");
    format!("http://127.0.0.1:{port}")
}
