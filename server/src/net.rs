//! TCP options for the listening socket that dropshot does not set.
//!
//! A client that never reads its answer would otherwise hold its connection,
//! and the answer's buffers, for as long as it stays connected: hyper has no
//! write deadline and dropshot 0.18 offers none. `TCP_USER_TIMEOUT` gives
//! one in the kernel: data the peer has not acknowledged within the timeout
//! (data waiting on a receive window the peer keeps at zero included) ends
//! the connection, the server's pending write fails, and hyper lets the
//! connection go. It costs nothing per request and never touches a healthy
//! connection, which acknowledges within milliseconds, nor an idle one,
//! which has nothing unacknowledged.
//!
//! Accepted sockets inherit the option from the listener, so it is set once,
//! on the listener. Dropshot binds the listener itself and does not hand it
//! out; it is found among this process's descriptors: the listening socket
//! bound to the server's address.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

/// Sets `TCP_USER_TIMEOUT` on this process's listening socket bound to
/// `addr`. Called as the server starts: a connection accepted in the
/// microseconds before goes without it.
pub fn limit_unacknowledged_sends(addr: SocketAddr, timeout: Duration) -> io::Result<()> {
    // a descriptor that is not a socket fails the first getsockopt (ENOTSOCK)
    for entry in std::fs::read_dir("/proc/self/fd")? {
        let Ok(fd) = entry?.file_name().to_string_lossy().parse::<RawFd>() else { continue };
        // SAFETY: the descriptor was open when listed just now and is only
        // borrowed for the getsockopt/setsockopt calls below, never closed
        // here. Should another thread close it meanwhile, the calls fail with
        // EBADF or read another socket's options; only a listener bound to
        // `addr` (ours; dropshot holds it open) is ever changed.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = socket2::SockRef::from(&fd);
        let ours = socket.is_listener().unwrap_or(false) && socket.local_addr().ok().and_then(|a| a.as_socket()) == Some(addr);
        if ours {
            return socket.set_tcp_user_timeout(Some(timeout));
        }
    }
    Err(io::Error::new(io::ErrorKind::NotFound, format!("no listening socket bound to {addr} in this process")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_listener_by_its_address_and_accepted_sockets_inherit_the_timeout() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        limit_unacknowledged_sends(addr, Duration::from_secs(7)).unwrap();
        let _client = std::net::TcpStream::connect(addr).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        assert_eq!(socket2::SockRef::from(&accepted).tcp_user_timeout().unwrap(), Some(Duration::from_secs(7)));

        let elsewhere: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert_eq!(limit_unacknowledged_sends(elsewhere, Duration::from_secs(7)).unwrap_err().kind(), io::ErrorKind::NotFound);
    }
}
