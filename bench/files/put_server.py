#!/usr/bin/env python3
"""The baseline upload server: Python's http.server with a PUT that streams.

    put_server.py DIR [--no-fsync]

Listens on 127.0.0.1, a free port, printed as the first stdout line
`put listening on http://127.0.0.1:PORT`. `PUT /NAME` with a Content-Length
streams the body to DIR/NAME in 64 KiB chunks (the size http.server's GET
copies with), fsyncs it (as chat does before it answers; --no-fsync: not),
and answers 201. `Expect: 100-continue` is honoured (HTTP/1.1), so curl
sends at once, as it does to chat.
"""
import os
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024


class Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fsync = True

    def log_message(self, format, *args):  # quiet
        pass

    def do_PUT(self):
        length = int(self.headers.get("Content-Length", "-1"))
        name = os.path.basename(self.path.split("?", 1)[0]) or "upload.bin"
        if length < 0:
            self.send_error(411)
            return
        path = os.path.join(self.directory, name)
        left = length
        with open(path, "wb") as out:
            while left > 0:
                chunk = self.rfile.read(min(CHUNK, left))
                if not chunk:
                    break
                out.write(chunk)
                left -= len(chunk)
            out.flush()
            if self.fsync:
                os.fsync(out.fileno())
        if left:
            os.remove(path)
            self.send_error(400, "short body")
            return
        body = b'{"stored":%d}\n' % length
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    directory = sys.argv[1]
    Handler.fsync = "--no-fsync" not in sys.argv[2:]

    def handler(*args, **kwargs):
        return Handler(*args, directory=directory, **kwargs)

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    print(f"put listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
