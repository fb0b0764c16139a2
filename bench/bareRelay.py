"""The limit of any relay on this machine: a second TCP hop with no HTTP and
no copy through user space. Listens on LISTEN_HOST at each given port and
splices every connection to the same port on UPSTREAM_HOST (control and
passive data ports alike, so an FTP client needs no rewriting: EPSV names a
port, the client connects to its control peer). One thread per direction,
os.splice through a pipe; one thread accepts on every port.

usage: python3 bareRelay.py LISTEN_HOST UPSTREAM_HOST PORT [PORT ...]
Prints "ready" once every port listens; runs until killed.
"""
import os
import selectors
import socket
import sys
import threading

CHUNK = 1 << 20


def pump(src: socket.socket, dst: socket.socket) -> None:
    r, w = os.pipe()
    try:
        while True:
            n = os.splice(src.fileno(), w, CHUNK)
            if n == 0:
                break
            while n > 0:
                n -= os.splice(r, dst.fileno(), n)
    except OSError:
        pass
    finally:
        os.close(r)
        os.close(w)
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def relay(client: socket.socket, upstream: tuple) -> None:
    try:
        server = socket.create_connection(upstream)
    except OSError:
        client.close()
        return
    for s in (client, server):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    done = threading.Barrier(2, action=lambda: (client.close(), server.close()))
    for a, b in ((client, server), (server, client)):
        def run(a=a, b=b):
            pump(a, b)
            done.wait()
        threading.Thread(target=run, daemon=True).start()


def main() -> None:
    listen_host, upstream_host = sys.argv[1], sys.argv[2]
    selector = selectors.DefaultSelector()
    for port in map(int, sys.argv[3:]):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((listen_host, port))
        listener.listen(128)
        selector.register(listener, selectors.EVENT_READ, (upstream_host, port))
    print("ready", flush=True)
    while True:
        for key, _ in selector.select():
            client, _ = key.fileobj.accept()
            relay(client, key.data)


if __name__ == "__main__":
    main()
