//! Response bodies produced by a task (event streams, file downloads): the
//! task sends chunks into a bounded channel and stops when the client hangs
//! up (the channel closes), so a slow client holds back the producer instead
//! of filling memory.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::sync::mpsc;

pub struct ChannelBody {
    rx: mpsc::Receiver<Bytes>,
    exact_len: Option<u64>,
}

impl ChannelBody {
    /// A body and the sender that feeds it; `exact_len` when the total is
    /// known (downloads), `None` for open-ended streams.
    pub fn new(capacity: usize, exact_len: Option<u64>) -> (mpsc::Sender<Bytes>, Self) {
        let (tx, rx) = mpsc::channel(capacity);
        (tx, ChannelBody { rx, exact_len })
    }
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx.poll_recv(cx).map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }

    fn size_hint(&self) -> SizeHint {
        match self.exact_len {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}
