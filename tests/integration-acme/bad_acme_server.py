#!/usr/bin/python3
"""bad_acme_server.py PORT CERT KEY: an HTTPS "ACME server" that misbehaves.

The first path element picks the misbehaviour; the directory is
/<mode>/dir.  Modes answering the directory itself:
  huge      200, application/json, 8 MiB of JSON with no Content-Length
  deep      200, 200000 nested '[' (a JSON parser that recurses dies)
  html      200, text/html, an HTML page
  badjson   200, application/json, truncated JSON
  redirect  302 to /ok/dir (ACME has no redirects to follow)
  slow      200, headers, then one byte every 2 s (forever)
  tls       (not served here: the client's --ca-file does not match)
  nonce     a good directory whose newNonce answers 204 without Replay-Nonce
"""
import http.server
import json
import socketserver
import ssl
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.command, self.path))

    def base(self):
        return "https://127.0.0.1:%d/%s" % (self.server.server_port, self.path.split("/")[1])

    def send(self, code, ctype, body, length=True):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        mode = self.path.split("/")[1]
        if mode == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b'"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",' * 1024
            try:
                self.wfile.write(b'{"newNonce":"x","pad":[')
                for _ in range(128):
                    self.wfile.write(chunk)
            except OSError:
                pass
        elif mode == "deep":
            self.send(200, "application/json", b"[" * 200000, length=False)
        elif mode == "html":
            self.send(200, "text/html", b"<html><body>Welcome to nginx!</body></html>")
        elif mode == "badjson":
            self.send(200, "application/json", b'{"newNonce": "https://x/nonce", "newAcc')
        elif mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "/ok/dir")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif mode == "slow":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(2)
            except OSError:
                pass
        elif mode == "nonce":
            b = self.base()
            d = {"newNonce": b + "/nonce", "newAccount": b + "/acct", "newOrder": b + "/order"}
            self.send(200, "application/json", json.dumps(d).encode())
        else:
            self.send(404, "application/problem+json", b'{"type":"urn:x","detail":"no"}')


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    srv = Server(("127.0.0.1", int(sys.argv[1])), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
