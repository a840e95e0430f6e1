//! Probes and metrics for operators.

use crm_tests::on_both_databases;

on_both_databases! {
    async fn probes_answer_and_metrics_count_requests(app) {
        let health = app.call("GET", "/healthz", None, None).await;
        assert_eq!(health.status, 200);
        assert_eq!(health.body["status"], "ok");
        let ready = app.call("GET", "/readyz", None, None).await;
        assert_eq!(ready.status, 200);
        let res = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert!(res.headers().get("x-request-id").is_some(), "every response carries a request id");
        let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(metrics.contains(r#"crm_http_requests_total{method="GET",route="/healthz",status="200"} 2"#), "{metrics}");
    }
}
