"""A fake systemd notification socket for the tests: binds an AF_UNIX
datagram socket (a path, or @name for an abstract one), creates OUTFILE
once bound, and appends every datagram as one line, newlines shown as
'|'.  Runs until killed."""
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + path[1:] if path.startswith("@") else path)
with open(out, "a", buffering=1) as f:
    while True:
        msg = s.recv(4096).decode("utf-8", "replace")
        f.write(msg.replace("\n", "|") + "\n")
