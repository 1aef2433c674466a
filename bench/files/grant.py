#!/usr/bin/env python3
"""Asks a chat server for a one-time upload URL over its TCP port (JSON mode).

    grant.py HOST PORT MEMBER ROOM FILE_NAME SIZE [HOLD_S]

Skips the banner line, says hello as MEMBER in ROOM, sends
{"type":"upload",...}, and prints the answer's URL as one line `url=URL`
(or `error=CODE MESSAGE`, exit 1). Then it stays connected (the server shares
the file only if its uploader is still in the room when the PUT ends) until
it is killed, the server closes, or HOLD_S seconds (default 300) have passed.
Everything it waits for is bounded by a timeout.
"""
import json
import select
import socket
import sys
import time

TIMEOUT_S = 15


def main() -> int:
    host, port, member, room, name, size = sys.argv[1:7]
    hold_s = float(sys.argv[7]) if len(sys.argv) > 7 else 300.0
    sock = socket.create_connection((host, int(port)), timeout=TIMEOUT_S)
    f = sock.makefile("rb")
    f.readline()  # the banner

    def send(obj: dict) -> None:
        sock.sendall((json.dumps(obj) + "\n").encode())

    def until(pred) -> dict:
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            line = f.readline()
            if not line:
                raise SystemExit("error=closed the server closed the connection")
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get("type") == "error":
                print(f"error={msg.get('code')} {msg.get('message')}", flush=True)
                raise SystemExit(1)
            if pred(msg):
                return msg
        raise SystemExit("error=timeout no answer from the server")

    send({"type": "hello", "name": member, "reserve": False, "rooms": [room]})
    until(lambda m: m.get("type") == "welcome")
    send({"type": "upload", "room": room, "name": name, "size": int(size), "ref": "u1"})
    grant = until(lambda m: m.get("type") == "upload" and "url" in m)
    print(f"url={grant['url']}", flush=True)

    # Hold the membership; read (and drop) whatever the server sends.
    sock.settimeout(None)
    end = time.monotonic() + hold_s
    while (left := end - time.monotonic()) > 0:
        ready, _, _ = select.select([sock], [], [], min(left, 1.0))
        if ready and not sock.recv(65536):
            break
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
