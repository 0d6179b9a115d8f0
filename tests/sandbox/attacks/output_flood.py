# About 1 GB of output, and unending output from the functions under test.
import os
import sys

block = "x" * (1 << 20)
for _ in range(1024):
    sys.stdout.write(block)
    sys.stderr.write(block)
for _ in range(64):
    os.write(1, block.encode())


def add(a, b):
    while True:
        print(block)


dedupe = add
