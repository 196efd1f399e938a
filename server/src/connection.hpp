// Whether the client of a request is still there. cpp-httplib 0.11 (Debian 12) does not hand a
// handler its socket, so the socket is found among the process's descriptors by the
// connection's two endpoints, which the request does carry; the descriptor stays that
// connection's while the handler runs. Peeking at it tells a closed connection (the client
// gone) from a live one without disturbing the HTTP layer.
#pragma once

namespace httplib {
struct Request;
}

namespace coil::server {

// The connected socket the request arrived on, or -1 when it cannot be found.
int find_request_socket(const httplib::Request& req);

// True once the peer has closed or reset the connection (false for -1).
bool peer_gone(int fd);

}  // namespace coil::server
