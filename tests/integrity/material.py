"""Test material for the similarity tests in hirebench: answers to the mini exam's coding,
short-answer and annotation questions, written for these tests. Four candidates answer
independently; a fifth copies the first with the usual disguises (names changed, comments
rewritten, a statement inserted, conditions reordered)."""

from __future__ import annotations

from typing import Any

# The coding question asks for `add(x)`; every answer also cleans a list of order rows, so
# that there is enough code for honest answers to differ.
CODE_ANA = '''\
def add(x):
    return x + BASE


def clean_orders(rows):
    """Drop broken rows and normalise the rest."""
    seen = set()
    cleaned = []
    for row in rows:
        order_id = row.get("order_id")
        if order_id is None or order_id in seen:
            continue
        seen.add(order_id)
        amount = float(row.get("amount") or 0)
        if amount < 0:
            amount = -amount
        city = (row.get("city") or "").strip().title()
        cleaned.append({"order_id": order_id, "amount": round(amount, 2), "city": city})
    cleaned.sort(key=lambda r: r["order_id"])
    return cleaned
'''

# Ana's answer, disguised: names changed, comment rewritten, a dead line inserted.
CODE_COPY = """\
def add(value):
    return value + BASE


def clean_orders(records):
    # remove bad records, tidy up the others
    already = set()
    output = []
    debug = False
    for rec in records:
        oid = rec.get("order_id")
        if oid is None or oid in already:
            continue
        already.add(oid)
        total = float(rec.get("amount") or 0)
        if total < 0:
            total = -total
        town = (rec.get("city") or "").strip().title()
        output.append({"order_id": oid, "amount": round(total, 2), "city": town})
    output.sort(key=lambda r: r["order_id"])
    return output
"""

CODE_BO = """\
import pandas as pd


def add(x):
    total = x
    total += BASE
    return total


def clean_orders(rows):
    frame = pd.DataFrame(rows)
    frame = frame.dropna(subset=["order_id"]).drop_duplicates("order_id")
    frame["amount"] = frame["amount"].fillna(0).astype(float).abs().round(2)
    frame["city"] = frame["city"].fillna("").str.strip().str.title()
    return frame.sort_values("order_id").to_dict("records")
"""

CODE_CY = """\
add = lambda x: BASE + x

def _tidy_city(name):
    if not name:
        return ""
    words = [w.capitalize() for w in str(name).split()]
    return " ".join(words)

def clean_orders(rows):
    by_id = {}
    for r in rows:
        key = r.get("order_id")
        if key is not None and key not in by_id:
            by_id[key] = r
    result = []
    for key in sorted(by_id):
        r = by_id[key]
        money = abs(float(r.get("amount", 0) or 0))
        result.append(dict(order_id=key, amount=round(money, 2), city=_tidy_city(r.get("city"))))
    return result
"""

CODE_DEE = '''\
from operator import itemgetter


def add(x: int) -> int:
    """Add the base."""
    return sum((x, BASE))


def valid(row: dict) -> bool:
    return "order_id" in row and row["order_id"] is not None


def clean_orders(rows: list[dict]) -> list[dict]:
    unique = {}
    for row in filter(valid, rows):
        unique.setdefault(row["order_id"], row)
    out = [
        {
            "order_id": oid,
            "amount": round(abs(float(r.get("amount") or 0.0)), 2),
            "city": " ".join((r.get("city") or "").split()).title(),
        }
        for oid, r in unique.items()
    ]
    return sorted(out, key=itemgetter("order_id"))
'''

# Short answers in Chinese (no spaces to split words on).
TEXT_ANA = (
    "梯度下降每一步都沿着损失函数梯度的反方向更新参数，更新量等于学习率乘以梯度。"
    "学习率太大时损失会来回震荡甚至发散，太小时收敛非常慢，所以通常先用较大的学习率再逐步衰减。"
)
TEXT_COPY = (
    "梯度下降每一步都沿着损失函数梯度的相反方向更新参数，更新量等于学习率乘以梯度。"
    "学习率过大时损失会来回震荡甚至发散，太小时收敛非常慢，所以一般先用较大的学习率再逐步衰减。"
)
TEXT_BO = (
    "模型先算出当前参数下的误差，再求误差对每个权重的偏导数，"
    "然后把权重往让误差变小的方向挪一小步。步子的大小由学习率决定：过大容易越过最低点，过小则训练很久。"
)
TEXT_CY = (
    "Gradient descent moves the weights against the gradient: w = w - lr * grad. "
    "A large learning rate overshoots and diverges; a small one crawls. 我一般会配合学习率预热。"
)
TEXT_DEE = (
    "想象在山上蒙着眼下山：每次用脚试探最陡的下坡方向，迈一步。"
    "这里的坡度就是梯度，步长就是学习率。步长合适才能又快又稳地到达谷底。"
)


def rules(*rows: tuple[list[tuple[str, str, Any]], str]) -> list[dict[str, Any]]:
    return [
        {"conditions": [{"field": f, "op": op, "value": v} for f, op, v in conds], "label": label}
        for conds, label in rows
    ]


RULES_ANA = {
    "rules": rules(
        ([("action", "eq", "pay")], "purchase"),
        ([("action", "eq", "click"), ("dwell_seconds", "ge", 3)], "click"),
        ([("action", "eq", "click")], "browse"),
        ([], "browse"),
    ),
    "rationale": (
        "付款一定是购买；点击后停留不到三秒多半是误触，算浏览。"
        "样本里有几条点击没有停留时间，我按浏览处理，因为无法证明用户真的看过商品详情。"
    ),
}
RULES_COPY = {
    "rules": rules(
        ([("action", "eq", "pay")], "purchase"),
        ([("dwell_seconds", "ge", 3), ("action", "eq", "click")], "click"),
        ([("action", "eq", "click")], "browse"),
        ([], "browse"),
    ),
    "rationale": (
        "付款一定是购买；点击以后停留不到三秒多半是误触，所以算浏览。"
        "样本里有几条点击没有停留时间，我都按浏览处理，因为无法证明用户真的看过商品详情。"
    ),
}
RULES_BO = {
    "rules": rules(
        ([("action", "in", ["pay"])], "purchase"),
        ([("dwell_seconds", "lt", 1)], "browse"),
        ([("action", "eq", "click")], "click"),
        ([], "browse"),
    ),
    "rationale": "Paying is buying. Very short dwell means a bounce whatever the action.",
}
RULES_CY = {
    "rules": rules(
        ([("action", "eq", "view")], "browse"),
        ([("action", "eq", "pay"), ("dwell_seconds", "missing", False)], "purchase"),
        ([], "click"),
    ),
    "rationale": "先排除浏览，其余默认是点击；没有停留时间的付款记录不可信。",
}
RULES_DEE = {
    "rules": rules(
        ([("dwell_seconds", "gt", 30)], "purchase"),
        ([("action", "ne", "view")], "click"),
        ([], "browse"),
    ),
    "rationale": "Long sessions end in a purchase; anything that is not a view is a click.",
}

#: Who answers what: key -> (name, coding, short answer, annotation answer).
COHORT: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "ana": ("Ana Lima", CODE_ANA, TEXT_ANA, RULES_ANA),
    "bo": ("Bo Chen", CODE_BO, TEXT_BO, RULES_BO),
    "cy": ("Cy Park", CODE_CY, TEXT_CY, RULES_CY),
    "dee": ("Dee Okafor", CODE_DEE, TEXT_DEE, RULES_DEE),
    "eve": ("Eve <script>alert(1)</script>", CODE_COPY, TEXT_COPY, RULES_COPY),
}
