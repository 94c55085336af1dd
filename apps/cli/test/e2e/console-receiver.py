"""The receiving end of --console-socket, as containerd's shim is: accept one connection,
take the pty master sent with SCM_RIGHTS (and the pts name sent with it), then copy what the
container writes to its terminal to stdout until the terminal closes. Optionally types a line
into the terminal first.

Usage: python3 console-receiver.py SOCKET [INPUT-LINE]
"""
import os
import socket
import sys

path = sys.argv[1]
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(path)
listener.listen(1)
print("listening", flush=True)
connection, _ = listener.accept()
name, fds, _, _ = socket.recv_fds(connection, 1024, 1)
master = fds[0]
sys.stderr.write(f"name {name.decode()}\n")
sys.stderr.flush()
if len(sys.argv) > 2:
    os.write(master, (sys.argv[2] + "\n").encode())
    os.write(master, b"\x04")  # ^D: end of input on a terminal in canonical mode
received = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:  # EIO: every holder of the slave has closed it
        break
    if not chunk:
        break
    received += chunk
sys.stdout.write(received.decode(errors="replace"))
