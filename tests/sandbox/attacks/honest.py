# Control: a correct solution. It must earn the add and dedupe points, which shows the targeted
# tests can pass; the attacks below must not.
def add(a, b):
    return a + b


def dedupe(frame):
    return frame.drop_duplicates().reset_index(drop=True)


leaked = ""
network_reached = False
wrote_outside = []
