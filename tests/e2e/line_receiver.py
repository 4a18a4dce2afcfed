"""A TCP receiver of newline-framed lines, run as its own process by the disk queue tests so that
they can start, stop and kill it like a real destination:

    python3 line_receiver.py PORT PATH [DELAY]

It appends every complete line it receives to PATH (a line cut by a dropped connection is not
written). DELAY seconds of sleep per read make it a slow receiver, so that a kill of sluice lands
in the middle of a delivery."""

import socket
import sys
import threading
import time

port, path = int(sys.argv[1]), sys.argv[2]
delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
out = open(path, "ab", buffering=0)
lock = threading.Lock()
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)


def serve(c):
    pending = b""
    while True:
        data = c.recv(4096 if delay else 1 << 18)
        if delay:
            time.sleep(delay)
        if not data:
            break
        pending += data
        cut = pending.rfind(b"\n") + 1
        if cut:
            with lock:
                out.write(pending[:cut])
            pending = pending[cut:]


while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
