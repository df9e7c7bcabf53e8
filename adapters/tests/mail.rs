//! The mail adapters against real counterparts: SMTP against an SMTP server
//! this test runs (plain, `?tls=none`; enough to see what lettre says and
//! how refusals and hangs come back), and the file outbox on disk.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use nextarget_adapters::mail::{sender, FileOutbox, SmtpMailer};
use nextarget_ports::{Email, Mail, MailError, Mailer};
use secrecy::SecretString;
#[path = "common/eml.rs"]
mod eml;
use eml::readable;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    Accept,
    /// 554 to `MAIL FROM`: a permanent refusal.
    Refuse,
    /// 451 to `MAIL FROM`: try again later.
    Defer,
    /// Greets, then never answers.
    Hang,
}

/// A one-behaviour SMTP server on a free port; the messages it accepted.
async fn smtp_server(behaviour: Behaviour) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 test ESMTP\r\n").await;
                if behaviour == Behaviour::Hang {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    return;
                }
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.to_ascii_uppercase();
                    let reply: &[u8] = if verb.starts_with("EHLO") || verb.starts_with("HELO") {
                        b"250-test\r\n250 AUTH PLAIN LOGIN\r\n"
                    } else if verb.starts_with("AUTH") {
                        b"235 2.7.0 accepted\r\n"
                    } else if verb.starts_with("MAIL FROM") {
                        match behaviour {
                            Behaviour::Refuse => b"554 5.7.1 no thanks\r\n",
                            Behaviour::Defer => b"451 4.3.0 try later\r\n",
                            _ => b"250 OK\r\n",
                        }
                    } else if verb.starts_with("DATA") {
                        let _ = write.write_all(b"354 go on\r\n").await;
                        let mut body = String::new();
                        while let Ok(Some(data)) = lines.next_line().await {
                            if data == "." {
                                break;
                            }
                            body.push_str(&data);
                            body.push('\n');
                        }
                        store.lock().expect("lock").push(body);
                        b"250 queued\r\n"
                    } else if verb.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 OK\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, received)
}

fn mail(link: &str) -> Mail {
    Mail {
        to: Email::parse("alice@example.com").expect("email"),
        subject: "Réinitialisez votre mot de passe".into(),
        text: format!("Choisir un nouveau mot de passe : {link}\n"),
        html: format!("<p><a href=\"{link}\">Choisir</a></p>"),
    }
}

fn mailer(port: u16, timeout: Duration) -> SmtpMailer {
    let url = SecretString::from(format!("smtp://user:pass@127.0.0.1:{port}?tls=none"));
    let from = sender("NexTarget <no-reply@example.com>").expect("from");
    SmtpMailer::new(&url, from, timeout).expect("mailer")
}

#[tokio::test]
async fn a_message_reaches_the_server_with_its_link_in_text_and_html() {
    let (port, received) = smtp_server(Behaviour::Accept).await;
    let link = "nextarget://reset-password?token=AbC-123_xyz";
    mailer(port, Duration::from_secs(5))
        .send(&mail(link))
        .await
        .expect("sent");
    let messages = received.lock().expect("lock").clone();
    assert_eq!(messages.len(), 1);
    let raw = &messages[0];
    assert!(raw.contains("multipart/alternative"), "{raw}");
    assert!(
        raw.contains("text/plain") && raw.contains("text/html"),
        "{raw}"
    );
    assert!(raw.contains("To: alice@example.com"), "{raw}");
    let text = readable(raw);
    assert!(text.matches(link).count() >= 2, "{text}");
    assert!(text.contains("Choisir un nouveau mot de passe"), "{text}");
}

#[tokio::test]
async fn a_refusal_is_refused_and_a_deferral_unavailable() {
    let (port, _) = smtp_server(Behaviour::Refuse).await;
    let err = mailer(port, Duration::from_secs(5))
        .send(&mail("x"))
        .await
        .err();
    assert!(matches!(err, Some(MailError::Refused(_))), "{err:?}");
    let (port, _) = smtp_server(Behaviour::Defer).await;
    let err = mailer(port, Duration::from_secs(5))
        .send(&mail("x"))
        .await
        .err();
    assert!(matches!(err, Some(MailError::Unavailable(_))), "{err:?}");
}

#[tokio::test]
async fn a_hanging_or_absent_server_is_unavailable_within_the_timeout() {
    let (port, _) = smtp_server(Behaviour::Hang).await;
    let started = std::time::Instant::now();
    let err = mailer(port, Duration::from_millis(500))
        .send(&mail("x"))
        .await
        .err();
    assert!(matches!(err, Some(MailError::Unavailable(_))), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // Nothing listens here any more.
    let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let err = mailer(port, Duration::from_secs(2))
        .send(&mail("x"))
        .await
        .err();
    assert!(matches!(err, Some(MailError::Unavailable(_))), "{err:?}");
}

#[tokio::test]
async fn the_outbox_writes_one_eml_file_per_message() {
    let dir = tempfile::tempdir().expect("dir");
    let outbox_dir = dir.path().join("mail-outbox");
    let from = sender("NexTarget <no-reply@example.com>").expect("from");
    let outbox = FileOutbox::new(&outbox_dir, from).expect("outbox");
    let link = "nextarget://reset-password?token=ZZZ";
    outbox.send(&mail(link)).await.expect("written");
    outbox.send(&mail(link)).await.expect("written");
    let files: Vec<_> = std::fs::read_dir(&outbox_dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 2);
    assert!(files
        .iter()
        .all(|f| f.extension().is_some_and(|e| e == "eml")));
    let raw = std::fs::read_to_string(&files[0])
        .expect("read")
        .replace("\r\n", "\n");
    assert!(readable(&raw).contains(link), "{raw}");
}
