//! `Ws`: a typed WebSocket client for tests that keeps the events arriving
//! while it waits for a reply, so tests can assert on them afterwards.

#![allow(dead_code)]

use super::*;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A typed WebSocket client that keeps events which arrive while it waits
/// for a reply, so tests can assert on them afterwards.
pub struct Ws {
    socket: Socket,
    pub hello: ServerMessage,
    pending: VecDeque<ServerMessage>,
    next_ref: u64,
    /// The close code, once the server closed.
    pub closed: Option<u16>,
}

impl Ws {
    pub async fn connect(app: &TestApp, token: &str) -> Ws {
        Self::connect_url(&app.ws_url(token)).await
    }

    pub async fn connect_url(url: &str) -> Ws {
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("ws connect");
        let mut ws = Ws {
            socket,
            hello: ServerMessage::Ok {
                reference: String::new(),
                trip: None,
            },
            pending: VecDeque::new(),
            next_ref: 0,
            closed: None,
        };
        let hello = ws.read().await.expect("hello frame");
        assert!(
            matches!(hello, ServerMessage::Hello { .. }),
            "first frame is hello: {hello:?}"
        );
        ws.hello = hello;
        ws
    }

    pub fn hello_trip(&self) -> Option<Trip> {
        match &self.hello {
            ServerMessage::Hello { trip, .. } => trip.clone(),
            _ => None,
        }
    }

    /// Next frame from the socket (not the pending queue); `None` on close.
    async fn read(&mut self) -> Option<ServerMessage> {
        loop {
            let frame = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("timed out waiting for a frame");
            match frame {
                Some(Ok(Message::Text(text))) => {
                    return Some(
                        serde_json::from_str(text.as_str())
                            .unwrap_or_else(|e| panic!("bad frame {text}: {e}")),
                    );
                }
                Some(Ok(Message::Close(frame))) => {
                    self.closed = Some(frame.map(|f| u16::from(f.code)).unwrap_or(1005));
                    return None;
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    pub async fn send_text(&mut self, text: impl Into<String>) {
        self.socket
            .send(Message::Text(text.into().into()))
            .await
            .expect("send");
    }

    pub async fn send_raw(&mut self, msg: Message) {
        self.socket.send(msg).await.expect("send");
    }

    pub async fn send(&mut self, msg: ClientMessage) {
        let text = serde_json::to_string(&ClientFrame {
            message: msg,
            reference: None,
        })
        .expect("json");
        self.send_text(text).await;
    }

    fn new_ref(&mut self) -> String {
        self.next_ref += 1;
        format!("r{}", self.next_ref)
    }

    /// Sends raw JSON with a fresh `ref` added and waits for its reply.
    pub async fn request_json(&mut self, mut value: serde_json::Value) -> ServerMessage {
        let reference = self.new_ref();
        value["ref"] = serde_json::Value::String(reference.clone());
        self.send_text(value.to_string()).await;
        self.reply(&reference).await
    }

    /// Sends `msg` with a `ref` and waits for its `ok` or `error`.
    pub async fn request(&mut self, msg: ClientMessage) -> ServerMessage {
        let reference = self.new_ref();
        let text = serde_json::to_string(&msg.with_ref(reference.clone())).expect("json");
        self.send_text(text).await;
        self.reply(&reference).await
    }

    /// Like [`request`](Self::request), but `None` when the server closes
    /// the socket first (the close code is then in `closed`).
    pub async fn try_request(&mut self, msg: ClientMessage) -> Option<ServerMessage> {
        let reference = self.new_ref();
        let text = serde_json::to_string(&msg.with_ref(reference.clone())).expect("json");
        if self.closed.is_some() {
            return None;
        }
        if self.socket.send(Message::Text(text.into())).await.is_err() {
            while self.closed.is_none() && self.read().await.is_some() {}
            return None;
        }
        let is_reply = |msg: &ServerMessage| match msg {
            ServerMessage::Ok { reference: r, .. } => *r == reference,
            ServerMessage::Error {
                reference: Some(r), ..
            } => *r == reference,
            _ => false,
        };
        loop {
            if let Some(pos) = self.pending.iter().position(is_reply) {
                return self.pending.remove(pos);
            }
            let msg = self.read().await?;
            self.pending.push_back(msg);
        }
    }

    /// Waits for the reply with `reference`, keeping other frames.
    pub async fn reply(&mut self, reference: &str) -> ServerMessage {
        let is_reply = |msg: &ServerMessage| match msg {
            ServerMessage::Ok { reference: r, .. } => r == reference,
            ServerMessage::Error {
                reference: Some(r), ..
            } => r == reference,
            _ => false,
        };
        // Answers that come later (a location's, once written) may arrive
        // out of order: one read while waiting for another is kept.
        if let Some(pos) = self.pending.iter().position(is_reply) {
            return self.pending.remove(pos).expect("position is valid");
        }
        loop {
            let msg = self
                .read()
                .await
                .unwrap_or_else(|| panic!("closed before reply {reference}"));
            if is_reply(&msg) {
                return msg;
            }
            self.pending.push_back(msg);
        }
    }

    /// `ok` expected: returns its trip.
    pub async fn ok(&mut self, msg: ClientMessage) -> Option<Trip> {
        match self.request(msg).await {
            ServerMessage::Ok { trip, .. } => trip,
            other => panic!("expected ok, got {other:?}"),
        }
    }

    /// `error` expected: returns its code.
    pub async fn err(&mut self, msg: ClientMessage) -> ErrorCode {
        match self.request(msg).await {
            ServerMessage::Error { code, .. } => code,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    /// The first frame (pending or new) matching `pred`, within [`WAIT`].
    pub async fn recv_until(&mut self, pred: impl Fn(&ServerMessage) -> bool) -> ServerMessage {
        if let Some(pos) = self.pending.iter().position(&pred) {
            return self.pending.remove(pos).expect("position is valid");
        }
        loop {
            let msg = self.read().await.expect("socket closed while waiting");
            if pred(&msg) {
                return msg;
            }
            self.pending.push_back(msg);
        }
    }

    /// Like [`recv_until`](Self::recv_until) with a longer wait.
    pub async fn recv_within(
        &mut self,
        within: Duration,
        pred: impl Fn(&ServerMessage) -> bool,
    ) -> Option<ServerMessage> {
        if !self.sees(within, &pred).await {
            return None;
        }
        let pos = self.pending.iter().position(&pred)?;
        self.pending.remove(pos)
    }

    /// Whether a frame matching `pred` arrives within `within`.
    pub async fn sees(&mut self, within: Duration, pred: impl Fn(&ServerMessage) -> bool) -> bool {
        if self.pending.iter().any(&pred) {
            return true;
        }
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let Ok(frame) = tokio::time::timeout_at(deadline, self.socket.next()).await else {
                return false;
            };
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let msg: ServerMessage = serde_json::from_str(text.as_str()).expect("frame");
                    if pred(&msg) {
                        self.pending.push_back(msg);
                        return true;
                    }
                    self.pending.push_back(msg);
                }
                Some(Ok(Message::Close(frame))) => {
                    self.closed = Some(frame.map(|f| u16::from(f.code)).unwrap_or(1005));
                    return false;
                }
                Some(Ok(_)) => {}
                _ => return false,
            }
        }
    }

    /// Asserts no frame matching `pred` arrives for all of `window`: the
    /// test checks something does not happen, so the window has to pass.
    pub async fn assert_quiet(
        &mut self,
        window: Duration,
        pred: impl Fn(&ServerMessage) -> bool,
        why: &str,
    ) {
        assert!(!self.sees(window, pred).await, "within {window:?}: {why}");
    }

    /// Waits for the server to close; returns the close code.
    pub async fn wait_closed(&mut self) -> Option<u16> {
        while self.closed.is_none() {
            if self.read().await.is_none() {
                break;
            }
        }
        self.closed
    }

    pub async fn offer_for(&mut self, trip: TripId) -> ServerMessage {
        self.recv_until(|m| matches!(m, ServerMessage::TripOffer { trip: t, .. } if t.id == trip))
            .await
    }

    pub async fn update_to(&mut self, trip: TripId, status: hail_protocol::TripStatus) -> Trip {
        match self
            .recv_until(|m| matches!(m, ServerMessage::TripUpdated { trip: t } if t.id == trip && t.status == status))
            .await
        {
            ServerMessage::TripUpdated { trip } => trip,
            _ => unreachable!("matched above"),
        }
    }

    pub async fn withdrawn(&mut self, trip: TripId) -> hail_protocol::WithdrawReason {
        match self
            .recv_until(
                |m| matches!(m, ServerMessage::OfferWithdrawn { trip_id, .. } if *trip_id == trip),
            )
            .await
        {
            ServerMessage::OfferWithdrawn { reason, .. } => reason,
            _ => unreachable!("matched above"),
        }
    }
}
