# Reach out: an address in TEST-NET-1 and DNS. With --network none there is no route, so no
# packet leaves; the attempt just fails.
import socket

network_reached = False
for target in (("192.0.2.1", 80), ("one.one.one.one", 53)):
    try:
        socket.create_connection(target, timeout=2).close()
        network_reached = True
    except OSError:
        pass


def add(a, b):
    return 0
