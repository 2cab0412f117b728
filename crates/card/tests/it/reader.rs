//! The reader library against the card on the local socket: what
//! `onshi reader` does, from reading the certificate to a signature the
//! platform accepts, and each way it can fail.

use onshi_card::reader::Pin;
use onshi_card::{Card, CardConnection, JpkiSession, ReaderError, StatusWord, serve_local, sha256_digest_info};
use onshi_pki::{IssuingCa, Validity, VerifyError};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::signin::{Issued, at, issue};

/// Serves `card` on a loopback port; returns the target and the server task.
async fn serve(card: Card) -> (String, JoinHandle<std::io::Result<()>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    (format!("tcp://{addr}"), tokio::spawn(serve_local(card, listener)))
}

async fn open(target: &str) -> JpkiSession {
    let connection = CardConnection::connect(target).await.expect("connect");
    assert_eq!(connection.atr(), onshi_card::ATR);
    assert_eq!(connection.reader_name(), target);
    JpkiSession::open(connection).await.expect("JPKI applet")
}

#[tokio::test]
async fn reads_the_certificates_trimmed_to_their_der_length() {
    let Issued { card, trust } = issue();
    let file = card.file().clone();
    let (target, server) = serve(card).await;
    let mut session = open(&target).await;

    assert_eq!(session.read_auth_certificate().await.expect("auth certificate"), file.jpki.auth.certificate);
    assert_eq!(session.read_auth_ca_certificate().await.expect("auth CA"), trust.ca_der(IssuingCa::UserAuthentication));
    assert_eq!(session.read_sign_ca_certificate().await.expect("sign CA"), trust.ca_der(IssuingCa::Signing));

    // The signing certificate carries the 4 attributes: the card shows it
    // only after the signing password.
    let refused = session.read_sign_certificate().await;
    assert!(matches!(refused, Err(ReaderError::Card { sw: StatusWord::SECURITY_NOT_SATISFIED, .. })), "{refused:?}");
    let message = refused.expect_err("refused").to_string();
    assert!(message.contains("69 82") && message.contains("verify the PIN first"), "{message}");
    // Typed in lower case, sent upper-cased as JPKI clients do.
    session.verify_sign_password("abc123").await.expect("password");
    assert_eq!(session.read_sign_certificate().await.expect("sign certificate"), file.jpki.sign.certificate);
    server.abort();
}

#[tokio::test]
async fn signs_a_challenge_the_platform_accepts_with_either_key() {
    let Issued { card, trust } = issue();
    let (target, server) = serve(card).await;
    let mut session = open(&target).await;
    let challenge = b"onshi sign-in challenge 0c1d";

    assert_eq!(session.auth_pin_tries_left().await.expect("tries"), 3);
    let unverified = session.sign_with_auth_key(&sha256_digest_info(challenge)).await;
    assert!(
        matches!(unverified, Err(ReaderError::Card { sw: StatusWord::SECURITY_NOT_SATISFIED, .. })),
        "{unverified:?}"
    );

    session.verify_auth_pin("1234").await.expect("PIN");
    let certificate = session.read_auth_certificate().await.expect("certificate");
    let signature = session.sign_with_auth_key(&sha256_digest_info(challenge)).await.expect("signature");
    let verified =
        trust.verify_sign_in(&certificate, challenge, &signature, at("2026-11-21T02:00:00Z")).expect("accepted");
    assert_eq!(verified.kind, IssuingCa::UserAuthentication);
    assert_eq!(verified.validity, Validity::Valid);
    let other = trust.verify_sign_in(&certificate, b"another challenge", &signature, at("2026-11-21T02:00:00Z"));
    assert!(matches!(other, Err(VerifyError::BadSignature)), "{other:?}");
    // Our helper builds the same DigestInfo as the platform's.
    assert_eq!(sha256_digest_info(challenge), onshi_pki::verify::sha256_digest_info(challenge));

    session.verify_sign_password("ABC123").await.expect("password");
    let sign_certificate = session.read_sign_certificate().await.expect("sign certificate");
    let signature = session.sign_with_sign_key(&sha256_digest_info(b"a document")).await.expect("signature");
    let verified =
        trust.verify_sign_in(&sign_certificate, b"a document", &signature, at("2026-11-21T02:00:00Z")).expect("valid");
    assert_eq!(verified.kind, IssuingCa::Signing);
    server.abort();
}

#[tokio::test]
async fn wrong_pins_count_down_and_the_third_locks_the_card() {
    let Issued { card, .. } = issue();
    let (target, server) = serve(card).await;
    let mut session = open(&target).await;

    let first = session.verify_auth_pin("0000").await;
    assert!(matches!(first, Err(ReaderError::WrongPin { pin: Pin::Auth, tries_left: 2 })), "{first:?}");
    assert_eq!(
        first.expect_err("wrong").to_string(),
        "wrong user-authentication PIN (利用者証明用暗証番号): 2 tries left before the card locks it"
    );
    assert_eq!(session.auth_pin_tries_left().await.expect("tries"), 2);
    let second = session.verify_auth_pin("1111").await;
    assert!(matches!(second, Err(ReaderError::WrongPin { tries_left: 1, .. })), "{second:?}");
    let third = session.verify_auth_pin("2222").await;
    assert!(matches!(third, Err(ReaderError::Locked { pin: Pin::Auth })), "{third:?}");
    assert!(third.expect_err("locked").to_string().contains("municipal office"));

    // Locked: the right PIN no longer works, across a new connection too.
    drop(session);
    let mut session = open(&target).await;
    let right = session.verify_auth_pin("1234").await;
    assert!(matches!(right, Err(ReaderError::Locked { .. })), "{right:?}");
    assert_eq!(session.auth_pin_tries_left().await.expect("tries"), 0);
    // The signing password has its own counter.
    assert_eq!(session.sign_password_tries_left().await.expect("tries"), 5);
    server.abort();
}

#[tokio::test]
async fn a_pin_of_the_wrong_shape_never_reaches_the_card() {
    let Issued { card, .. } = issue();
    let (target, server) = serve(card).await;
    let mut session = open(&target).await;

    for pin in ["123", "12345", "12a4", "１２３４", ""] {
        let result = session.verify_auth_pin(pin).await;
        assert!(matches!(result, Err(ReaderError::BadPinShape { pin: Pin::Auth, .. })), "{pin:?}: {result:?}");
    }
    for password in ["ABC12", "ABCDEFGHIJ1234567", "ABC-123", "パスワード123"] {
        let result = session.verify_sign_password(password).await;
        assert!(matches!(result, Err(ReaderError::BadPinShape { pin: Pin::Sign, .. })), "{password:?}: {result:?}");
    }
    assert_eq!(
        session.verify_auth_pin("12a4").await.expect_err("shape").to_string(),
        "the user-authentication PIN (利用者証明用暗証番号) must be 4 digits; nothing was sent to the card"
    );
    // No try was spent.
    assert_eq!(session.auth_pin_tries_left().await.expect("tries"), 3);
    assert_eq!(session.sign_password_tries_left().await.expect("tries"), 5);

    let too_long = session.sign_with_auth_key(&[0u8; 256]).await;
    assert!(matches!(too_long, Err(ReaderError::BadDigestInfo { len: 256 })), "{too_long:?}");
    server.abort();
}

#[tokio::test]
async fn a_closed_connection_resets_the_card() {
    let Issued { card, .. } = issue();
    let (target, server) = serve(card).await;
    let mut session = open(&target).await;
    session.verify_auth_pin("1234").await.expect("PIN");
    assert_eq!(session.auth_pin_tries_left().await.expect("verified"), 3);
    drop(session);

    let mut session = open(&target).await;
    let unverified = session.sign_with_auth_key(&sha256_digest_info(b"c")).await;
    assert!(
        matches!(unverified, Err(ReaderError::Card { sw: StatusWord::SECURITY_NOT_SATISFIED, .. })),
        "{unverified:?}"
    );
    server.abort();
}

#[tokio::test]
async fn targets_that_name_no_card_say_what_to_do() {
    for target in ["", "card", "tcp://", "pcsc:", "PCSC", "http://127.0.0.1:1"] {
        let result = CardConnection::connect(target).await;
        assert!(matches!(result, Err(ReaderError::BadTarget { .. })), "{target:?}: {result:?}");
    }
    let message = CardConnection::connect("card").await.expect_err("bad").to_string();
    assert!(message.contains("tcp://HOST:PORT") && message.contains("pcsc:READER NAME"), "{message}");

    // A port where no card is served.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let result = CardConnection::connect(&format!("tcp://{addr}")).await;
    assert!(matches!(result, Err(ReaderError::NoCard { .. })), "{result:?}");
    assert!(result.expect_err("no card").to_string().contains("onshi card serve"));

    #[cfg(not(feature = "pcsc"))]
    {
        let result = CardConnection::connect("pcsc").await;
        assert!(matches!(result, Err(ReaderError::NoReader { .. })), "{result:?}");
        assert!(result.expect_err("no PC/SC").to_string().contains("`pcsc` feature"));
    }
}

#[tokio::test]
async fn a_card_without_the_jpki_applet_is_named() {
    // Something that answers the local protocol but knows no JPKI applet:
    // every APDU gets 6A 82.
    use onshi_card::transport::{read_frame, write_frame};
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let fake = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        while let Some(frame) = read_frame(&mut stream).await.expect("io") {
            let reply: &[u8] = if frame.len() == 1 { &[0x3B, 0x00] } else { &[0x6A, 0x82] };
            write_frame(&mut stream, reply).await.expect("io");
        }
    });
    let connection = CardConnection::connect(&format!("tcp://{addr}")).await.expect("connect");
    let result = JpkiSession::open(connection).await;
    let error = result.expect_err("not a JPKI card");
    assert!(matches!(error, ReaderError::Card { sw: StatusWord::FILE_NOT_FOUND, .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("JPKI applet") && message.contains("My Number card"), "{message}");
    fake.abort();
}

#[tokio::test]
async fn reads_the_face_photo_and_returns_to_the_jpki_applet_with_the_pin_forgotten() {
    let Issued { card, .. } = issue();
    let file = card.file().clone();
    let (target, server) = serve(card).await;
    let mut session = open(&target).await;
    session.verify_auth_pin("1234").await.expect("PIN");
    assert_eq!(session.read_face_photo().await.expect("face photo"), file.face_photo);
    // The JPKI applet is selected again, and selecting another application
    // cleared the verified PIN, as on the chip.
    assert_eq!(session.read_auth_certificate().await.expect("auth certificate"), file.jpki.auth.certificate);
    let signed = session.sign_with_auth_key(&sha256_digest_info(b"after the photo")).await;
    assert!(matches!(signed, Err(ReaderError::Card { sw: StatusWord::SECURITY_NOT_SATISFIED, .. })), "{signed:?}");
    server.abort();
}
