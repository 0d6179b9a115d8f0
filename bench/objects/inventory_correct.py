class Inventory:
    def __init__(self):
        self._stock = {}

    def add(self, sku, quantity):
        self._stock[sku] = self._stock.get(sku, 0) + quantity

    def remove(self, sku, quantity):
        if self._stock.get(sku, 0) < quantity:
            raise ValueError(f"only {self._stock.get(sku, 0)} of {sku} in stock")
        self._stock[sku] -= quantity

    @property
    def total(self):
        return sum(self._stock.values())

    def __iter__(self):
        yield from sorted(self._stock.items())


def low_stock(inventory, threshold):
    for sku, quantity in inventory:
        if quantity < threshold:
            yield sku


def moving_average(values, window):
    total = 0.0
    for index, value in enumerate(values):
        total += value
        if index >= window:
            total -= values[index - window]
        if index >= window - 1:
            yield total / window
