//! Prometheus metrics (text exposition format): requests by route and
//! status, their latencies, what the scheduler did (days, decisions, bills
//! issued) and the usage records received.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// The server's metrics, in a registry of their own (one per server).
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    scheduler_days: Counter,
    scheduler_decisions: Counter,
    scheduler_failures: Counter,
    bills_issued: Counter,
    usage_records: Family<OutcomeLabels, Counter>,
    einvoices: Family<EInvoiceLabels, Gauge>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EInvoiceLabels {
    market: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("tarifa");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            // 1 ms to about 16 s.
            Histogram::new(exponential_buckets(0.001, 2.0, 15))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route",
            latency.clone(),
        );
        let scheduler_days = Counter::default();
        registry.register(
            "scheduler_days",
            "Market days whose jobs (bill runs, dunning, deadlines) ran",
            scheduler_days.clone(),
        );
        let scheduler_decisions = Counter::default();
        registry.register(
            "scheduler_decisions",
            "Decisions the scheduled jobs took",
            scheduler_decisions.clone(),
        );
        let scheduler_failures = Counter::default();
        registry.register(
            "scheduler_failures",
            "Scheduler passes that failed and were retried",
            scheduler_failures.clone(),
        );
        let bills_issued = Counter::default();
        registry.register(
            "bills_issued",
            "Bills the scheduled bill runs issued",
            bills_issued.clone(),
        );
        let usage_records = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "usage_records",
            "Usage records received over the API: imported, duplicate or rejected",
            usage_records.clone(),
        );
        let einvoices = Family::<EInvoiceLabels, Gauge>::default();
        registry.register(
            "einvoices",
            "Bills and credit notes reported to a tax authority, by market and state (queued, sent, done, aborted)",
            einvoices.clone(),
        );
        Self {
            einvoices,
            registry: Mutex::new(registry),
            bills_issued,
            usage_records,
            requests,
            latency,
            scheduler_days,
            scheduler_decisions,
            scheduler_failures,
        }
    }

    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status: status.to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    pub fn scheduled(&self, report: &tarifa_app::scheduler::SchedulerReport) {
        self.scheduler_days.inc_by(u64::from(report.days));
        self.scheduler_decisions.inc_by(u64::from(report.decisions));
        self.bills_issued.inc_by(report.bills);
    }

    /// Counts usage records received by outcome.
    pub fn usage(&self, imported: u64, duplicates: u64, rejected: u64) {
        for (outcome, count) in [
            ("imported", imported),
            ("duplicate", duplicates),
            ("rejected", rejected),
        ] {
            if count > 0 {
                self.usage_records
                    .get_or_create(&OutcomeLabels {
                        outcome: outcome.to_owned(),
                    })
                    .inc_by(count);
            }
        }
    }

    /// Sets the e-invoice gauges from the store's counts (market, state,
    /// count); a state no document is in reads 0.
    pub fn einvoices(&self, counts: &[(String, String, i64)]) {
        let markets: std::collections::BTreeSet<&str> =
            counts.iter().map(|(m, _, _)| m.as_str()).collect();
        for market in markets {
            for state in ["queued", "sent", "done", "aborted"] {
                let count = counts
                    .iter()
                    .find(|(m, s, _)| m == market && s == state)
                    .map_or(0, |(_, _, c)| *c);
                self.einvoices
                    .get_or_create(&EInvoiceLabels {
                        market: market.to_owned(),
                        state: state.to_owned(),
                    })
                    .set(count);
            }
        }
    }

    pub fn scheduler_failed(&self) {
        self.scheduler_failures.inc();
    }

    /// The text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        let registry = self
            .registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &registry);
        text
    }
}
