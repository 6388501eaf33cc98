//! The receiving methods both channel kinds share (tokio gives `Receiver` and
//! `UnboundedReceiver` the same set): one macro, so the two cannot drift apart.

/// Adds the shared receiving methods to a receiver type whose field `chan` is a `chan::Rx`;
/// `$name` names the type in the `blocking_*` panic messages.
macro_rules! receiver_methods {
    ($name:literal) => {
        /// Receives the next message; `None` once every sender is gone (or the receiver was
        /// closed) and the queue is drained. Cancel-safe: dropping the future loses nothing.
        pub async fn recv(&mut self) -> Option<T> {
            std::future::poll_fn(|cx| self.chan.poll_recv(cx)).await
        }

        /// Receives up to `limit` messages into `buffer`, waiting for at least one; returns how
        /// many, `0` once the channel is over (or if `limit` is 0).
        pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
            std::future::poll_fn(|cx| self.chan.poll_recv_many(cx, buffer, limit)).await
        }

        /// Takes a message without waiting.
        ///
        /// # Errors
        /// [`TryRecvError::Empty`] if none is queued, [`TryRecvError::Disconnected`] if none
        /// ever will be.
        pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
            self.chan.try_recv()
        }

        /// Blocks the thread until a message arrives (for synchronous code).
        ///
        /// # Panics
        /// Inside asynchronous code (a corium runtime): use [`recv`](Self::recv) there.
        #[track_caller]
        pub fn blocking_recv(&mut self) -> Option<T> {
            crate::blocking::block_on(concat!($name, "::blocking_recv"), self.recv())
        }

        /// Blocks the thread until messages arrive; see [`recv_many`](Self::recv_many).
        ///
        /// # Panics
        /// Inside asynchronous code (a corium runtime).
        #[track_caller]
        pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
            crate::blocking::block_on(
                concat!($name, "::blocking_recv_many"),
                self.recv_many(buffer, limit),
            )
        }

        /// Polls for the next message (`Ready(None)` once the channel is over).
        pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
            self.chan.poll_recv(cx)
        }

        /// Polls for up to `limit` messages; see [`recv_many`](Self::recv_many).
        pub fn poll_recv_many(
            &mut self,
            cx: &mut Context<'_>,
            buffer: &mut Vec<T>,
            limit: usize,
        ) -> Poll<usize> {
            self.chan.poll_recv_many(cx, buffer, limit)
        }

        /// Closes the channel: sends (and waiting bounded senders) fail from now on; queued
        /// messages, and those sent through permits reserved before, can still be received.
        pub fn close(&mut self) {
            self.chan.close();
        }

        /// Whether the channel is closed: by [`close`](Self::close), or because every sender is
        /// gone.
        pub fn is_closed(&self) -> bool {
            self.chan.is_closed() || self.chan.chan.strong_count() == 0
        }

        /// Whether no message is queued.
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// The number of messages queued (or being sent right now).
        pub fn len(&self) -> usize {
            self.chan.len()
        }

        /// The number of live senders.
        pub fn sender_strong_count(&self) -> usize {
            self.chan.chan.strong_count()
        }

        /// The number of live weak senders.
        pub fn sender_weak_count(&self) -> usize {
            self.chan.chan.weak_count()
        }
    };
}

pub(super) use receiver_methods;
