"""Generate the annotation-rule task's data: behaviour_sample.csv (the worked sample shown to the
candidate, with labels) and behaviour_gold.csv (the hidden gold set, 240 events).

    python exams/ai-trainer-ecommerce/assets/make_behaviour_sets.py [--out DIR]

Deterministic: a fixed seed and Python's own `random`, so running it again reproduces the
committed CSVs byte for byte (tests/exams/test_annotation.py checks this). The labelling
guideline is `label_event` below and is explained in README.md next to this script.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEED = 20240604
GOLD_SIZE = 240
FIRST_GOLD_EVENT_ID = 100001
FIRST_SAMPLE_EVENT_ID = 900001
COLUMNS = ["event_id", "session_id", "action", "dwell_seconds", "page_type", "price", "is_bot"]
MISCLICK_BELOW = 1.0  # a click with dwell under a second is a mis-click

Event = dict[str, Any]


def label_event(e: Event) -> str:
    """The labelling guideline, in order; the first case that applies decides."""
    if e["is_bot"] == 1:
        return "browse"  # bot traffic carries no shopper intent, whatever it does
    if e["action"] == "pay":
        return "purchase" if e["price"] is not None else "click"  # empty price: payment failed
    if e["action"] in ("add_to_cart", "refund_request"):
        return "click"  # deliberate actions, but no money changed hands in this event
    if e["action"] == "click":
        dwell = e["dwell_seconds"]
        return "browse" if dwell is not None and dwell < MISCLICK_BELOW else "click"
    return "browse"  # view and scroll, however long the dwell


def event(
    session: str,
    action: str,
    dwell: float | None,
    page: str,
    price: float | None = None,
    is_bot: int = 0,
) -> Event:
    return {
        "session_id": session,
        "action": action,
        "dwell_seconds": dwell,
        "page_type": page,
        "price": price,
        "is_bot": is_bot,
    }


# --- the worked sample: hand-written so that it shows every ambiguous case once or twice ------


def sample_events() -> list[tuple[Event, str]]:
    a, b, c, d, e = "s-5d0e21", "s-9b7c40", "s-c31a77", "s-e8f002", "s-1f4b93"
    cases = [
        (event(a, "view", 4.2, "home"), "browse"),
        (event(a, "scroll", 6.8, "search"), "browse"),
        (event(a, "click", 2.1, "search"), "click"),
        (event(a, "view", 312.5, "product", 89.90), "browse"),  # long dwell, still only a view
        (event(a, "add_to_cart", 3.0, "product", 89.90), "click"),
        (event(a, "view", 8.0, "cart", 89.90), "browse"),
        (event(a, "pay", 5.5, "checkout", 89.90), "purchase"),
        (event(b, "view", None, "home"), "browse"),  # dwell not recorded
        (event(b, "click", 0.2, "home"), "browse"),  # mis-click
        (event(b, "click", None, "product", 24.50), "click"),  # dwell not recorded: a click
        (event(b, "add_to_cart", 1.8, "product", 24.50), "click"),
        (event(b, "pay", 12.3, "checkout", None), "click"),  # failed payment
        (event(b, "pay", None, "checkout", 24.50), "purchase"),  # retry went through
        (event(c, "refund_request", 40.0, "home", 59.00), "click"),
        (event(c, "click", 0.8, "search"), "browse"),  # mis-click
        (event(c, "click", 1.0, "product", 15.00), "click"),
        (event(c, "add_to_cart", 2.6, "product", 15.00), "click"),  # never paid for
        (event(d, "view", 0.1, "product", 15.00, is_bot=1), "browse"),
        (event(d, "click", 2.5, "product", 15.00, is_bot=1), "browse"),  # bot
        (event(d, "add_to_cart", 0.3, "product", 15.00, is_bot=1), "browse"),  # bot
        (event(d, "scroll", None, "search", is_bot=1), "browse"),
        (event(e, "view", 45.0, "search"), "browse"),
    ]
    for ev, label in cases:
        assert label_event(ev) == label, (ev, label)
    return cases


# --- the gold set: simulated shopping sessions --------------------------------------------------


class Simulator:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.events: list[Event] = []
        self.session = ""

    def dwell(self, low: float, high: float) -> float | None:
        if self.rng.random() < 0.08:
            return None  # the tracker lost the timing
        return round(self.rng.uniform(low, high), 1)

    def click_dwell(self) -> float | None:
        if self.rng.random() < 0.2:
            return round(self.rng.uniform(0.1, 0.8), 1)  # mis-click
        return self.dwell(1.0, 25.0)

    def price(self) -> float:
        whole = round(self.rng.uniform(5, 300))
        return whole - self.rng.choice((0.01, 0.10, 0.50, 1.00))

    def add(
        self, action: str, dwell: float | None, page: str, price: float | None = None, bot: int = 0
    ) -> None:
        self.events.append(event(self.session, action, dwell, page, price, bot))

    def bot_session(self) -> None:
        rng = self.rng
        for _ in range(rng.randint(3, 8)):
            action = rng.choices(("view", "scroll", "click", "add_to_cart"), (5, 2, 3, 1.5))[0]
            page = (
                "product" if action == "add_to_cart" else rng.choice(("home", "search", "product"))
            )
            # most bots are instant, some wait a scripted couple of seconds
            dwell = round(rng.uniform(0.0, 0.4), 1) if rng.random() < 0.5 else self.dwell(1.5, 4.0)
            self.add(action, dwell, page, self.price() if page == "product" else None, bot=1)

    def human_session(self) -> None:
        rng = self.rng
        buyer = rng.random() < 0.45  # came to buy: adds to cart more often and goes to checkout
        if rng.random() < 0.15:  # a returning customer asks for a refund first
            page = rng.choice(("home", "product"))
            self.add("refund_request", self.dwell(10, 90), page, self.price())
        entry = rng.choice(("home", "search"))
        self.add("view", self.dwell(2, 30), entry)
        if rng.random() < 0.5:
            self.add("scroll", self.dwell(2, 40), entry)
        cart: list[float] = []
        for _ in range(rng.randint(1, 3)):
            self.add("click", self.click_dwell(), rng.choice(("home", "search")))
            item = self.price()
            look = self.dwell(150, 600) if rng.random() < 0.2 else self.dwell(3, 90)
            self.add("view", look, "product", item)
            if rng.random() < 0.3:
                self.add("scroll", self.dwell(2, 30), "product", item)
            if rng.random() < 0.35:
                self.add("click", self.click_dwell(), "product", item)
            if rng.random() < (0.6 if buyer else 0.15):
                self.add("add_to_cart", self.dwell(1, 6), "product", item)
                cart.append(item)
        if not cart or not buyer:
            return  # left with a full cart, or never added anything
        total = round(sum(cart), 2)
        self.add("view", self.dwell(3, 40), "cart", total)
        if rng.random() < 0.3:
            self.add("click", self.click_dwell(), "cart", total)
        if rng.random() < 0.1:
            return  # abandoned at the cart
        if rng.random() < 0.3:
            self.add("pay", self.dwell(2, 20), "checkout", None)  # declined: nothing charged
            if rng.random() < 0.4:
                return
        self.add("pay", self.dwell(2, 20), "checkout", total)

    def run(self, size: int) -> list[Event]:
        while len(self.events) < size:
            self.session = f"s-{self.rng.randrange(16**6):06x}"
            if self.rng.random() < 0.1:
                self.bot_session()
            else:
                self.human_session()
        return self.events


# The gold set is a stratified sample of a simulated week of logs, as a real annotation set would
# be: a plain random sample of 240 events would hold a handful of purchases and almost none of
# the hard cases. Each event falls in the first stratum whose test it passes; each stratum gives
# up to its quota, and a plain random sample of the rest fills the set up to GOLD_SIZE.
LOG_SIZE = 3000
STRATA: list[tuple[str, Callable[[Event], bool], int]] = [
    (
        "bot click or add_to_cart, dwell >= 1 s",
        lambda e: (
            e["is_bot"] == 1
            and e["action"] in ("click", "add_to_cart")
            and (e["dwell_seconds"] or 0) >= 1
        ),
        6,
    ),
    ("other bot event", lambda e: e["is_bot"] == 1, 10),
    (
        "failed payment (pay, price empty)",
        lambda e: e["action"] == "pay" and e["price"] is None,
        10,
    ),
    (
        "payment, dwell missing",
        lambda e: e["action"] == "pay" and e["dwell_seconds"] is None,
        5,
    ),
    ("payment", lambda e: e["action"] == "pay", 20),
    ("refund_request", lambda e: e["action"] == "refund_request", 6),
    (
        "mis-click (click, dwell < 1 s)",
        lambda e: (
            e["action"] == "click"
            and e["dwell_seconds"] is not None
            and e["dwell_seconds"] < MISCLICK_BELOW
        ),
        15,
    ),
    ("click, dwell missing", lambda e: e["action"] == "click" and e["dwell_seconds"] is None, 6),
    ("add_to_cart", lambda e: e["action"] == "add_to_cart", 20),
    (
        "long product view (>= 120 s)",
        lambda e: e["action"] == "view" and (e["dwell_seconds"] or 0) >= 120,
        10,
    ),
    (
        "view or scroll, dwell missing",
        lambda e: e["action"] in ("view", "scroll") and e["dwell_seconds"] is None,
        8,
    ),
]


def stratum(e: Event) -> str:
    return next((name for name, test, _ in STRATA if test(e)), "plain")


def gold_events() -> list[tuple[Event, str]]:
    rng = random.Random(SEED)  # noqa: S311 (test data, not secrets)
    log = Simulator(rng).run(LOG_SIZE)
    by_stratum: dict[str, list[int]] = {}
    for k, e in enumerate(log):
        by_stratum.setdefault(stratum(e), []).append(k)
    chosen: list[int] = []
    for name, _, quota in STRATA:
        pool = by_stratum.get(name, [])
        assert len(pool) >= quota, f"the simulated log has only {len(pool)} of {name!r}"
        chosen += rng.sample(pool, quota)
    rest = sorted(set(range(len(log))) - set(chosen))
    chosen += rng.sample(rest, GOLD_SIZE - len(chosen))
    return [(log[k], label_event(log[k])) for k in sorted(chosen)]  # in log order


# --- writing ----------------------------------------------------------------------------------


def cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column == "dwell_seconds":
        return f"{value:.1f}"
    if column == "price":
        return f"{value:.2f}"
    return str(value)


def write(path: Path, rows: list[tuple[Event, str]], first_id: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*COLUMNS, "label"])
        for k, (ev, label) in enumerate(rows):
            ev = {**ev, "event_id": first_id + k}
            writer.writerow([*(cell(c, ev[c]) for c in COLUMNS), label])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out / "behaviour_sample.csv", sample_events(), FIRST_SAMPLE_EVENT_ID)
    gold = gold_events()
    write(args.out / "behaviour_gold.csv", gold, FIRST_GOLD_EVENT_ID)
    labels = dict(sorted(Counter(label for _, label in gold).items()))
    print(f"wrote {args.out}: sample {len(sample_events())} rows, gold {len(gold)} rows {labels}")


if __name__ == "__main__":
    main()
