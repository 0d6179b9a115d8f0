# Candidate submission: orders cleaning, all steps done.
import pandas as pd


def clean_orders(path):
    """Read the order export at `path` and return the cleaned orders (see the task above)."""
    orders = pd.read_csv(path, dtype={"product": str, "category": str, "order_date": str})
    orders = orders.drop_duplicates(subset="order_id", keep="first")
    orders = orders.assign(
        product=orders["product"].str.strip(),
        category=orders["category"].str.strip().str.lower(),
        order_date=pd.to_datetime(orders["order_date"].str.replace("/", "-", regex=False),
                                  format="%Y-%m-%d"),
    )
    median = orders.groupby("product")["price"].transform("median")
    orders = orders.assign(price=orders["price"].fillna(median)).dropna(subset=["price"])
    orders = orders.assign(total=(orders["price"] * orders["quantity"]).round(2))
    return orders.sort_values("order_id").reset_index(drop=True)


def revenue_by_category(orders):
    """Total revenue per category, largest first (see the task above)."""
    revenue = orders.groupby("category")["total"].sum().round(2)
    return revenue.sort_values(ascending=False).rename("revenue")
