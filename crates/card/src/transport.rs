//! Two ways into the card: a local socket for onshi's own reader, and the
//! card side of the `vsmartcard-vpcd` protocol so PC/SC sees a reader with
//! the card in it.
//!
//! Both speak the same framing: a 2-byte big-endian length, then that many
//! bytes. A 1-byte payload is a control code (vpcd's: `00` power off, `01`
//! power on, `02` reset, `04` get ATR); anything longer is a command APDU
//! (ISO/IEC 7816-4 §5.1) whose response APDU is sent back in one frame.
//!
//! - **vpcd** ([`connect_vpcd`]): the card connects out to vpcd (TCP port
//!   35963). Only `04` and APDUs get a reply, as vpcd expects.
//! - **local** ([`serve_local`]): onshi's reader connects to the card. Every
//!   frame gets exactly one reply frame, so a client never has to guess:
//!   `01`, `02` and `04` reply with the ATR, `00` and unknown codes with an
//!   empty frame, and an APDU while the card is powered off with an empty
//!   frame (the card is mute). A connection starts with the card powered
//!   off; one reader holds the card at a time, so connections are served one
//!   after another, and the end of a connection is the card being pulled out.
//!
//! The card answers inline on the runtime thread: a signature takes about
//! half a millisecond and a counter write one fsync, too little to be worth
//! a blocking-pool hop for a device that serves one reader.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};

use crate::apdu::{StatusWord, respond};
use crate::applet::Card;

/// vpcd's default port for the card side.
pub const VPCD_PORT: u16 = 35963;

/// vpcd control codes (one-byte payloads).
pub mod control {
    pub const POWER_OFF: u8 = 0;
    pub const POWER_ON: u8 = 1;
    pub const RESET: u8 = 2;
    pub const GET_ATR: u8 = 4;
}

/// Serves the card to readers connecting to `listener`, one at a time, until
/// accepting fails.
pub async fn serve_local(mut card: Card, listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, _peer) = listener.accept().await?;
        // A broken connection ends that reader's session, not the card.
        let _ = serve_local_stream(&mut card, stream).await;
    }
}

/// Serves one local-protocol connection until the peer closes it; the card
/// is reset at the end either way (pulled out of the reader).
pub async fn serve_local_stream<S>(card: &mut Card, mut stream: S) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut powered = false;
    let result = async {
        while let Some(frame) = read_frame(&mut stream).await? {
            let reply = match frame.as_slice() {
                [control::POWER_OFF] => {
                    powered = false;
                    card.reset();
                    Vec::new()
                }
                [control::POWER_ON | control::RESET] => {
                    powered = true;
                    card.reset()
                }
                [control::GET_ATR] if powered => crate::ATR.to_vec(),
                [_] | [] => Vec::new(),
                apdu if powered => card.transmit(apdu),
                _ => Vec::new(),
            };
            write_frame(&mut stream, &reply).await?;
        }
        Ok(())
    }
    .await;
    card.reset();
    result
}

/// Connects the card to vpcd at `addr` and answers it until vpcd closes
/// the connection; returns the card for the next connection.
pub async fn connect_vpcd(mut card: Card, addr: impl ToSocketAddrs) -> io::Result<Card> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    vpcd_stream(&mut card, stream).await?;
    Ok(card)
}

/// Speaks the card side of the vpcd protocol on an open stream.
pub async fn vpcd_stream<S>(card: &mut Card, mut stream: S) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let result = async {
        while let Some(frame) = read_frame(&mut stream).await? {
            match frame.as_slice() {
                [control::POWER_OFF | control::POWER_ON | control::RESET] => {
                    card.reset();
                }
                [control::GET_ATR] => write_frame(&mut stream, &crate::ATR).await?,
                // vpcd sends no other control code and expects no answer to one.
                [_] | [] => {}
                apdu => {
                    let response = card.transmit(apdu);
                    write_frame(&mut stream, &response).await?;
                }
            }
        }
        Ok(())
    }
    .await;
    card.reset();
    result
}

/// Reads one frame; `None` on a clean end of stream before a frame starts.
pub async fn read_frame<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 2];
    match stream.read_exact(&mut len).await {
        Ok(_) => {}
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(error) => return Err(error),
    }
    let mut frame = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut frame).await?;
    Ok(Some(frame))
}

/// Writes one frame. A payload that does not fit the 2-byte length (a
/// response to an extended Le of more than 65533 bytes) is replaced by
/// `67 00`, which is what the card would say about such an Le.
pub async fn write_frame<S: AsyncWrite + Unpin>(stream: &mut S, payload: &[u8]) -> io::Result<()> {
    let wrong_length = respond(Vec::new(), StatusWord::WRONG_LENGTH);
    let (len, payload) = match u16::try_from(payload.len()) {
        Ok(len) => (len, payload),
        Err(_) => (2, wrong_length.as_slice()),
    };
    let mut out = Vec::with_capacity(2 + payload.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    stream.write_all(&out).await?;
    stream.flush().await
}

/// A reader's end of the local protocol.
#[derive(Debug)]
pub struct LocalReader {
    stream: TcpStream,
    atr: Vec<u8>,
}

impl LocalReader {
    /// Connects to a card served by [`serve_local`].
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<LocalReader> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(LocalReader { stream, atr: Vec::new() })
    }

    /// Powers the card on and returns its ATR.
    pub async fn power_on(&mut self) -> io::Result<Vec<u8>> {
        self.atr = self.exchange(&[control::POWER_ON]).await?;
        Ok(self.atr.clone())
    }

    /// The ATR of the last [`LocalReader::power_on`]; empty before it, or
    /// when the card stayed mute.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// The card's address.
    pub fn peer_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.stream.peer_addr()
    }

    /// Sends a control code or an APDU and returns the reply frame.
    pub async fn exchange(&mut self, payload: &[u8]) -> io::Result<Vec<u8>> {
        write_frame(&mut self.stream, payload).await?;
        read_frame(&mut self.stream)
            .await?
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "card closed the connection"))
    }
}
