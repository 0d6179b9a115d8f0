def add(a, b):
    while True:
        pass


def dedupe(frame):
    while True:
        pass


while True:
    pass
