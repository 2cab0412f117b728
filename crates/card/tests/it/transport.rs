//! The local socket and the vpcd protocol, end to end over loopback TCP.

use onshi_card::transport::{control, read_frame, write_frame};
use onshi_card::{ATR, JPKI_AID, LocalReader, connect_vpcd, serve_local};
use tokio::net::{TcpListener, TcpStream};

use crate::client::{select_ap, select_ef, split, verify};
use crate::fixture;

/// A reader's side of either protocol.
trait Exchange {
    async fn exchange(&mut self, apdu: &[u8]) -> Vec<u8>;
}

impl Exchange for LocalReader {
    async fn exchange(&mut self, apdu: &[u8]) -> Vec<u8> {
        LocalReader::exchange(self, apdu).await.expect("io")
    }
}

/// vpcd's end of the connection the card opened.
struct FakeVpcd(TcpStream);

impl Exchange for FakeVpcd {
    async fn exchange(&mut self, apdu: &[u8]) -> Vec<u8> {
        write_frame(&mut self.0, apdu).await.expect("io");
        read_frame(&mut self.0).await.expect("io").expect("a response")
    }
}

/// Reads a DER EF the way the public clients do (7 bytes, then the rest).
async fn read_der(reader: &mut impl Exchange) -> Vec<u8> {
    let head = reader.exchange(&crate::client::read_binary(0, 7)).await;
    let (head, sw) = split(&head);
    assert_eq!(sw, [0x90, 0x00]);
    let total = crate::client::der_total_len(head).expect("DER");
    let mut out = head.to_vec();
    while out.len() < total {
        let le = (total - out.len()).min(255) as u8;
        let response = reader.exchange(&crate::client::read_binary(out.len() as u16, le)).await;
        let (data, sw) = split(&response);
        assert_eq!(sw, [0x90, 0x00]);
        out.extend_from_slice(data);
    }
    out
}

#[tokio::test]
async fn local_socket_round_trip() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(serve_local(fixture::card(), listener));

    let mut reader = LocalReader::connect(addr).await.expect("connect");
    // Powered off: the card is mute.
    assert_eq!(reader.exchange(&select_ap(&JPKI_AID)).await.expect("io"), b"");
    assert_eq!(reader.power_on().await.expect("io"), ATR);
    assert_eq!(reader.exchange(&[control::GET_ATR]).await.expect("io"), ATR);
    assert_eq!(reader.exchange(&select_ap(&JPKI_AID)).await.expect("io"), [0x90, 0x00]);
    assert_eq!(reader.exchange(&select_ef(0x000A)).await.expect("io"), [0x90, 0x00]);
    let certificate = read_der(&mut reader).await;
    assert_eq!(certificate, fixture::keys().auth.certificate);
    assert_eq!(reader.exchange(&select_ef(0x0018)).await.expect("io"), [0x90, 0x00]);
    assert_eq!(reader.exchange(&verify(b"1234")).await.expect("io"), [0x90, 0x00]);
    assert_eq!(reader.exchange(&[0x00, 0x20, 0x00, 0x80]).await.expect("io"), [0x90, 0x00]);
    assert_eq!(reader.exchange(&[control::POWER_OFF]).await.expect("io"), b"");
    assert_eq!(reader.exchange(&[0x00, 0x20, 0x00, 0x80]).await.expect("io"), b"");
    drop(reader);

    // A new reader finds the card reset: nothing selected, nothing verified.
    let mut reader = LocalReader::connect(addr).await.expect("connect");
    assert_eq!(reader.power_on().await.expect("io"), ATR);
    assert_eq!(reader.exchange(&select_ef(0x0018)).await.expect("io"), [0x6A, 0x82]);
    assert_eq!(reader.exchange(&select_ap(&JPKI_AID)).await.expect("io"), [0x90, 0x00]);
    assert_eq!(reader.exchange(&select_ef(0x0018)).await.expect("io"), [0x90, 0x00]);
    assert_eq!(reader.exchange(&[0x00, 0x20, 0x00, 0x80]).await.expect("io"), [0x63, 0xC3]);
    server.abort();
}

#[tokio::test]
async fn fake_vpcd_round_trip() {
    // vpcd listens; the card connects out to it.
    let vpcd = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = vpcd.local_addr().expect("addr");
    let card_side = tokio::spawn(connect_vpcd(fixture::card(), addr));
    let (mut stream, _) = vpcd.accept().await.expect("card connects");

    write_frame(&mut stream, &[control::POWER_ON]).await.expect("io");
    write_frame(&mut stream, &[control::RESET]).await.expect("io");
    write_frame(&mut stream, &[control::GET_ATR]).await.expect("io");
    assert_eq!(read_frame(&mut stream).await.expect("io"), Some(ATR.to_vec()));
    let mut vpcd = FakeVpcd(stream);
    assert_eq!(vpcd.exchange(&select_ap(&JPKI_AID)).await, [0x90, 0x00]);
    assert_eq!(vpcd.exchange(&select_ef(0x000A)).await, [0x90, 0x00]);
    let certificate = read_der(&mut vpcd).await;
    assert_eq!(certificate, fixture::keys().auth.certificate);
    assert_eq!(vpcd.exchange(&[0x00, 0xCA, 0x00, 0x00, 0x00]).await, [0x6D, 0x00]);

    // Power off forgets the selection; vpcd gets no reply to it.
    let mut stream = vpcd.0;
    write_frame(&mut stream, &[control::POWER_OFF]).await.expect("io");
    write_frame(&mut stream, &[control::POWER_ON]).await.expect("io");
    write_frame(&mut stream, &select_ef(0x000A)).await.expect("io");
    assert_eq!(read_frame(&mut stream).await.expect("io"), Some(vec![0x6A, 0x82]));
    drop(stream);
    let card = card_side.await.expect("task").expect("clean end");
    assert_eq!(card.file().serial, "ONSHI-0001");
}
