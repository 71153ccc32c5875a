"""The bench waits for a server to finish the requests left over from the page before
(bench.run.settle): it counts the connections the server still holds."""

import socket
import time

from bench.run import connections_in_hand


def test_a_connection_counts_until_the_server_has_closed_it():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        assert connections_in_hand(port) == 0
        visitor = socket.create_connection(("127.0.0.1", port))
        assert connections_in_hand(port) == 1  # queued, not yet accepted
        answering, _address = server.accept()
        visitor.close()
        assert connections_in_hand(port) == 1  # the visitor has gone; the server has not
        answering.close()
        assert soon(lambda: connections_in_hand(port) == 0)  # once the last ACK is in


def soon(condition, seconds=2.0):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_connections_to_other_ports_do_not_count():
    with socket.create_server(("127.0.0.1", 0)) as server, \
            socket.create_server(("127.0.0.1", 0)) as other:
        visitor = socket.create_connection(("127.0.0.1", other.getsockname()[1]))
        assert connections_in_hand(server.getsockname()[1]) == 0
        visitor.close()
