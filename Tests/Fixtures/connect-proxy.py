#!/usr/bin/env python3
"""A forward proxy for tests: HTTP CONNECT only (what curl and AsyncHTTPClient send for proxied
requests), on a loopback port the kernel picks, printed as the first line of stdout. Each request
line is appended to the log file named by the first argument; anything but CONNECT gets 405. With
USER:PASSWORD in $CONNECT_PROXY_CREDENTIALS (never in argv), a CONNECT without that Basic
Proxy-Authorization gets 407."""
import base64
import os
import select
import socket
import sys
import threading

log_path = sys.argv[1]
credentials = os.environ.get("CONNECT_PROXY_CREDENTIALS")
lock = threading.Lock()


def handle(client):
    try:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(4096)
            if not chunk:
                return
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        line = head.split(b"\r\n")[0].decode("latin-1")
        with lock, open(log_path, "a") as log:
            log.write(line + "\n")
        method, target = line.split(" ")[:2]
        if credentials is not None:
            expected = base64.b64encode(credentials.encode()).decode()
            given = [h.split(b":", 1)[1].strip().decode("latin-1") for h in head.split(b"\r\n")[1:]
                     if h.lower().startswith(b"proxy-authorization:")]
            schemes = [g.partition(" ") for g in given]
            if not any(scheme.lower() == "basic" and token.strip() == expected for scheme, _, token in schemes):
                client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                               b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                return
        if method != "CONNECT":
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if rest:
            upstream.sendall(rest)
        ends = [client, upstream]
        while True:
            ready, _, _ = select.select(ends, [], [], 60)
            if not ready:
                return
            for end in ready:
                chunk = end.recv(65536)
                if not chunk:
                    upstream.close()
                    return
                (upstream if end is client else client).sendall(chunk)
    except OSError:
        pass
    finally:
        client.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen(32)
print(server.getsockname()[1], flush=True)
while True:
    connection, _ = server.accept()
    threading.Thread(target=handle, args=(connection,), daemon=True).start()
