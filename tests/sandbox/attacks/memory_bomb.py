def add(a, b):
    return 0


hog = []
while True:
    hog.append(bytearray(50 * 1024 * 1024))
