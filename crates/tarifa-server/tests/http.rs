//! Black-box: the real server on a random port, spoken to over HTTP, on
//! SQLite and (when configured) PostgreSQL.

use std::time::Duration;

use tarifa_store::testing::TestDatabase;

mod common;

use common::{get, get_with, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_metrics_and_errors_on_every_backend() {
    for db in TestDatabase::all_and_a_file()
        .await
        .expect("test databases")
    {
        let server = start(&db.url).await;

        let (status, id, _, body) = get(format!("{}/health", server.base)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(id.as_deref(), Some("test-42"), "the request id comes back");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&body).expect("JSON")["status"],
            "ok"
        );

        let (status, _, _, body) = get(format!("{}/ready", server.base)).await;
        assert_eq!(status, 200, "{body}");

        // An unknown resource: 404 with the TMF Error body.
        let (status, _, kind, body) = get(format!("{}/tmf-api/nothing/v4/here", server.base)).await;
        assert_eq!(status, 404);
        assert!(kind.is_some_and(|k| k.starts_with("application/json")));
        let error: serde_json::Value = serde_json::from_str(&body).expect("a TMF Error");
        assert_eq!(error["@type"], "Error");
        assert_eq!(error["status"], "404");
        assert_eq!(error["code"], "404");
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("/tmf-api/nothing"))
        );

        // Metrics need a token of a role that may see them.
        let ctx = tarifa_app::Ctx::new("test");
        use tarifa_app::tokens::Role;
        let (_, billing) = server
            .app
            .create_token(&ctx, Role::Billing, None, None)
            .await
            .expect("a billing token");
        let (agent_id, agent) = server
            .app
            .create_token(&ctx, Role::Agent, None, None)
            .await
            .expect("an agent token");
        let metrics = format!("{}/metrics", server.base);
        let (status, _, _, body) = get(metrics.clone()).await;
        assert_eq!(status, 401, "{body}");
        assert!(body.contains("\"@type\":\"Error\""), "{body}");
        let (status, _, _, body) = get_with(metrics.clone(), Some(agent.clone())).await;
        assert_eq!(status, 403, "{body}");
        server
            .app
            .revoke_token(&ctx, agent_id)
            .await
            .expect("revoked");
        let (status, _, _, _) = get_with(metrics.clone(), Some(agent)).await;
        assert_eq!(status, 401, "a revoked token authenticates no one");

        // The requests so far are counted by route and status.
        let (status, _, kind, text) = get_with(metrics.clone(), Some(billing.clone())).await;
        assert_eq!(status, 200);
        assert!(kind.is_some_and(|k| k.starts_with("text/plain")));
        assert!(
            text.contains(
                r#"tarifa_http_requests_total{method="GET",route="/health",status="200"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"route="unmatched",status="404"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"route="/metrics",status="401"} 2"#),
            "{text}"
        );
        assert!(
            text.contains("tarifa_http_request_duration_seconds_bucket"),
            "{text}"
        );
        assert!(text.contains("tarifa_scheduler_days_total"), "{text}");

        // Guessing tokens: after 10 bad ones the address waits, good token or not.
        for _ in 0..9 {
            let (status, _, _, _) = get_with(metrics.clone(), Some("trf_guess".into())).await;
            assert_eq!(status, 401);
        }
        let (status, _, _, body) = get_with(metrics.clone(), Some(billing)).await;
        assert_eq!(status, 429, "{body}");

        // Graceful shutdown: the server stops when told to.
        server
            .stop
            .send(())
            .expect("the server listens for the stop");
        tokio::time::timeout(Duration::from_secs(30), server.done)
            .await
            .expect("it stops in time")
            .expect("the task ends")
            .expect("it served without error");
        db.drop_database().await.expect("cleanup");
    }
}
