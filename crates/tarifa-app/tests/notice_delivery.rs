//! Notices reach customers exactly once while their channels fail and
//! recover: e-mail against a local SMTP server that refuses connections and
//! then recovers, SMS against a fake HTTP gateway that answers 503 twice,
//! post into a print-queue folder; a mailbox the server rejects for good
//! falls back to post; two workers at once never send a notice twice. On
//! SQLite and, when configured, PostgreSQL.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::civil::date;
use jiff::{Timestamp, ToSpan};
use tarifa_app::contracts::SignRequest;
use tarifa_app::delivery::{
    Channel, Channels, Outgoing, PrintQueue, RetryPolicy, SendFuture, SmsGateway, SmtpChannel,
};
use tarifa_app::{App, Ctx};
use tarifa_core::contract::SalesChannel;
use tarifa_core::party::{IdDocumentKind, PartyApplication, PartyKind, Residency};
use tarifa_core::time::{Clock, ManualClock};
use tarifa_store::Store;
use tarifa_store::testing::TestDatabase;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A minimal SMTP server: refuses the first `refuse` connections with 421,
/// rejects `bounce@…` recipients with 550, and keeps every message it accepts.
struct FakeSmtp {
    port: u16,
    refuse: Arc<AtomicU32>,
    received: Arc<Mutex<Vec<String>>>,
}

async fn fake_smtp(refuse: u32) -> FakeSmtp {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let refuse = Arc::new(AtomicU32::new(refuse));
    let received = Arc::new(Mutex::new(Vec::new()));
    let (r, m) = (refuse.clone(), received.clone());
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let (refuse, received) = (r.clone(), m.clone());
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                if refuse.load(Ordering::SeqCst) > 0 {
                    refuse.fetch_sub(1, Ordering::SeqCst);
                    let _ = write.write_all(b"421 fake.test busy, try later\r\n").await;
                    return;
                }
                let _ = write.write_all(b"220 fake.test ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            received
                                .lock()
                                .expect("lock")
                                .push(data.take().unwrap_or_default());
                            let _ = write.write_all(b"250 queued\r\n").await;
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 fake.test\r\n"
                    } else if upper.starts_with("RCPT") && upper.contains("BOUNCE@") {
                        b"550 no such mailbox\r\n"
                    } else if upper.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go ahead\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    FakeSmtp {
        port,
        refuse,
        received,
    }
}

fn person(
    name: &str,
    email: Option<&str>,
    phone: Option<&str>,
    address: Option<&str>,
) -> PartyApplication {
    PartyApplication {
        kind: PartyKind::Individual,
        residency: Residency::Citizen,
        name: name.into(),
        email: email.map(Into::into),
        phone: phone.map(Into::into),
        address: address.map(Into::into),
        id_document: Some(IdDocumentKind::Passport),
        id_document_number: None,
        tax_number: None,
        copy_consent: false,
        directory_opt_out: false,
        security_body: false,
        marketing_consent: false,
        language: None,
    }
}

fn spool_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tarifa-print-{tag}-{}-{}",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// An app on `url` with four customers on the phone line, and a price
/// change announced to all of them: four notices in the outbox.
async fn app_with_notices(url: &str) -> (App, Arc<ManualClock>, Ctx) {
    let market = tarifa_app::presets::embedded_market("me")
        .expect("preset")
        .expect("valid");
    let tz = market.time_zone.clone();
    let clock = Arc::new(ManualClock::at_date(date(2026, 3, 2), &tz));
    let store = Store::open(url).await.expect("store");
    let app = App::new(store, vec![market.clone()], clock.clone())
        .await
        .expect("app");
    let ctx = Ctx::new("test");
    let people = [
        person("Ana Vujović", Some("ana@example.me"), None, None),
        person("Vuk Lekić", None, Some("+38267111222"), None),
        person(
            "Mila Đurović",
            None,
            None,
            Some("Njegoševa 1, 81000 Podgorica"),
        ),
        person(
            "Pero Bulatović",
            Some("bounce@example.me"),
            None,
            Some("Slobode 2, 81000 Podgorica"),
        ),
    ];
    for party in people {
        let customer = app
            .register_customer(&ctx, "me", None, party)
            .await
            .expect("register")
            .value
            .expect("registered");
        app.sign_contract(
            &ctx,
            SignRequest {
                customer_id: customer,
                handle: None,
                package: "phone-line".into(),
                number: None,
                commitment_months: None,
                benefits: vec![],
                device: None,
                channel: SalesChannel::Store,
                ported_from: None,
                promotion: None,
            },
        )
        .await
        .expect("sign");
    }
    let fee = market.money("8.00").expect("money");
    app.announce_price_change(&ctx, "me", "phone-line", fee, date(2026, 5, 1), false)
        .await
        .expect("announce");
    (app, clock, ctx)
}

fn message_ids(received: &[String]) -> Vec<String> {
    received
        .iter()
        .flat_map(|m| {
            m.lines()
                .filter(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn every_notice_arrives_once_while_channels_fail_and_recover() {
    for db in TestDatabase::all().await.expect("databases") {
        let (app, clock, ctx) = app_with_notices(&db.url).await;
        let smtp = fake_smtp(2).await;
        let gateway = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/sms"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(2)
            .with_priority(1)
            .mount(&gateway)
            .await;
        Mock::given(method("POST"))
            .and(path("/sms"))
            .respond_with(ResponseTemplate::new(202))
            .with_priority(2)
            .mount(&gateway)
            .await;
        let spool = spool_dir("recover");
        let channels = Channels {
            email: Some(Box::new(
                SmtpChannel::new(
                    &format!("smtp://127.0.0.1:{}", smtp.port),
                    "Operator <notices@operator.me>",
                )
                .expect("smtp"),
            )),
            sms: Some(Box::new(SmsGateway::new(
                &format!("{}/sms", gateway.uri()),
                Some("secret".into()),
            ))),
            post: Some(Box::new(PrintQueue::new(&spool))),
        };
        let policy = RetryPolicy::default();

        // First pass: the mail server refuses both connections, the gateway answers 503; the letter goes.
        let first = app
            .deliver_notices(&ctx, &channels, &policy)
            .await
            .expect("deliver");
        assert_eq!(
            (first.sent, first.retrying, first.moved_to_post),
            (1, 3, 0),
            "{first:?}"
        );
        assert_eq!(smtp.refuse.load(Ordering::SeqCst), 0);

        // Again at once: nothing is due yet, nothing goes twice.
        let again = app
            .deliver_notices(&ctx, &channels, &policy)
            .await
            .expect("deliver");
        assert_eq!((again.sent, again.retrying), (0, 0), "{again:?}");

        // A minute later the mail server is back: Ana's e-mail goes; Pero's mailbox does not exist, so post takes over.
        clock.set(clock.now().checked_add(61.seconds()).expect("time"));
        let second = app
            .deliver_notices(&ctx, &channels, &policy)
            .await
            .expect("deliver");
        assert_eq!(
            (second.sent, second.retrying, second.moved_to_post),
            (1, 1, 1),
            "{second:?}"
        );

        // Two minutes later the gateway is back; Pero's letter is written.
        clock.set(clock.now().checked_add(121.seconds()).expect("time"));
        let third = app
            .deliver_notices(&ctx, &channels, &policy)
            .await
            .expect("deliver");
        assert_eq!((third.sent, third.retrying), (2, 0), "{third:?}");

        // A day later: nothing left, nothing repeated.
        clock.set(clock.now().checked_add(24.hours()).expect("time"));
        let last = app
            .deliver_notices(&ctx, &channels, &policy)
            .await
            .expect("deliver");
        assert_eq!(
            (last.sent, last.retrying, last.waiting),
            (0, 0, 0),
            "{last:?}"
        );

        let received = smtp.received.lock().expect("lock").clone();
        assert_eq!(received.len(), 1, "one e-mail: {received:?}");
        assert!(
            received[0].contains("ana@example.me")
                && received[0].contains("Subject: Nova cijena paketa Fiksna linija od 01.05.2026."),
            "{}",
            received[0]
        );
        assert_eq!(message_ids(&received).len(), 1);

        let requests = gateway.received_requests().await.expect("recorded");
        assert_eq!(requests.len(), 3, "two refused, one accepted");
        let bodies: Vec<serde_json::Value> = requests
            .iter()
            .map(|r| serde_json::from_slice(&r.body).expect("json"))
            .collect();
        assert!(
            bodies
                .iter()
                .all(|b| b["to"] == "+38267111222" && b["reference"] == bodies[0]["reference"])
        );
        assert!(requests.iter().all(|r| {
            r.headers
                .get("authorization")
                .is_some_and(|v| v == "Bearer secret")
        }));

        let mut letters: Vec<String> = std::fs::read_dir(&spool)
            .expect("spool")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        letters.sort();
        assert_eq!(letters.len(), 2, "Mila's and Pero's letters: {letters:?}");
        let texts: Vec<String> = letters
            .iter()
            .map(|f| std::fs::read_to_string(spool.join(f)).expect("letter"))
            .collect();
        assert!(
            texts.iter().any(|t| t.contains("Njegoševa 1"))
                && texts.iter().any(|t| t.contains("Slobode 2"))
        );
        // Montenegrin by default in Montenegro.
        assert!(
            texts.iter().all(|t| t.contains("Mjesečna pretplata")),
            "{texts:?}"
        );

        let notices = app.notices("me").await.expect("notices");
        assert_eq!(notices.len(), 4);
        assert!(notices.iter().all(|n| n.sent_at.is_some()), "{notices:?}");
        let by_channel: HashMap<&str, usize> = notices.iter().fold(HashMap::new(), |mut m, n| {
            *m.entry(n.channel.as_str()).or_default() += 1;
            m
        });
        assert_eq!(
            by_channel,
            HashMap::from([("email", 1), ("sms", 1), ("post", 2)])
        );
        let pero = notices.iter().find(|n| {
            n.destination
                .as_deref()
                .is_some_and(|d| d.contains("post:"))
                && n.last_error.is_none()
                && n.attempts == 1
        });
        assert!(pero.is_some(), "{notices:?}");
        let _ = std::fs::remove_dir_all(&spool);
        db.drop_database().await.expect("drop");
    }
}

/// A channel that takes its time and counts what it sends.
struct SlowCounter {
    sent: Arc<Mutex<Vec<i64>>>,
}

impl Channel for SlowCounter {
    fn send<'a>(&'a self, notice: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            self.sent.lock().expect("lock").push(notice.notice_id);
            Ok(format!("counter:{}", notice.notice_id))
        })
    }
}

#[tokio::test]
async fn two_workers_at_once_send_each_notice_once() {
    for db in TestDatabase::all().await.expect("databases") {
        let (app, _clock, ctx) = app_with_notices(&db.url).await;
        let sent = Arc::new(Mutex::new(Vec::new()));
        let channels = || Channels {
            email: Some(Box::new(SlowCounter { sent: sent.clone() }) as Box<dyn Channel>),
            sms: Some(Box::new(SlowCounter { sent: sent.clone() })),
            post: Some(Box::new(SlowCounter { sent: sent.clone() })),
        };
        let (one, two) = (channels(), channels());
        let policy = RetryPolicy::default();
        let (a, b) = tokio::join!(
            app.deliver_notices(&ctx, &one, &policy),
            app.deliver_notices(&ctx, &two, &policy)
        );
        let (a, b) = (a.expect("worker one"), b.expect("worker two"));
        assert_eq!(a.sent + b.sent, 4, "{a:?} {b:?}");
        let mut ids = sent.lock().expect("lock").clone();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 4);
        assert_eq!(sent.lock().expect("lock").len(), 4, "no notice twice");
        db.drop_database().await.expect("drop");
    }
}
