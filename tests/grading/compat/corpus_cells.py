"""The cells of the compatibility corpus, one nbgrader source notebook per entry of NOTEBOOKS
(make_corpus.py writes them). Each notebook is a small assignment in the style of a real
course, and each exercises styles that nbgrader grades and that an autograder must too:

- linalg_systems: nbformat 4.0 without cell ids, a kernel named `python`, read-only cells
  that print, tests that print "Success!", a test that defines `A` which a later solution
  and a read-only cell use, a helper defined in one test and used by a later one,
  numpy.testing, complex right-hand sides.
- sensor_cleaning: nbformat 4.4 without cell ids, a course kernel (`dsci210`, language
  python), data/readings.csv read by the setup and by the solution, nose.tools asserts, a
  test that reads `pd.__version__`, tests that check `readings` before later solution cells
  change it.
- interpolation_objects: a class the test instantiates and calls, a generator the test
  iterates, complex numbers, nbgrader's "must use the helper" test (del, NameError, restore).
- kmeans_elbow: small ML, a matplotlib plot checked through plt.gca(), a timing test against
  a reference implementation, scikit-learn in a hidden test.
- survey_outputs: saved WITH outputs (a long printed table and a PNG, a few MB) and a
  markdown cell with an attachment.
- autotest_grades: `### AUTOTEST` and `### HASHED AUTOTEST` with the assignment's own
  autotests.yml, and a test that the blank release passes too (it checks given data).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    kind: str  # plain, locked (read-only), solution, test
    text: str
    grade_id: str = ""
    points: float = 0
    cell_type: str = "code"
    attachment: str = ""


def md(text: str, attachment: str = "") -> Cell:
    return Cell("plain", text, cell_type="markdown", attachment=attachment)


def plain(text: str) -> Cell:
    return Cell("plain", text)


def locked(grade_id: str, text: str) -> Cell:
    return Cell("locked", text, grade_id)


def solution(grade_id: str, text: str) -> Cell:
    return Cell("solution", text, grade_id)


def test(grade_id: str, points: float, text: str) -> Cell:
    return Cell("test", text, grade_id, points)


test.__test__ = False  # type: ignore[attr-defined]  # a builder, not a pytest test

# fmt: off
# (The cells read as the notebook's cells: one call per cell, its source flush left.)
LINALG = [
    md("""
# Problem set 3: symmetric positive definite systems

You will write a Cholesky factorisation and use it to solve linear systems. Run the cells
from top to bottom: later cells use names that earlier cells (tests included) define.
"""),
    locked("setup", """
import numpy as np

np.set_printoptions(precision=4, suppress=True)
print("numpy ready: arrays print with 4 decimals")
"""),
    md("""
## Part A (1 point)

Write `is_symmetric(M, tol)`: true when `M` is square and equal to its transpose within `tol`.
"""),
    solution("is_symmetric", """
def is_symmetric(M, tol=1e-12):
    \"\"\"True when M is square and equal to its transpose within tol.\"\"\"
    ### BEGIN SOLUTION
    M = np.asarray(M, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        return False
    return bool(np.all(np.abs(M - M.T) <= tol))
    ### END SOLUTION
"""),
    test("test_is_symmetric", 1, """
# The matrix A defined here is used by the rest of the notebook.
A = np.array([[4.0, 2.0, -2.0],
              [2.0, 10.0, 2.0],
              [-2.0, 2.0, 5.0]])
assert is_symmetric(A)
assert not is_symmetric(np.array([[1.0, 2.0], [0.0, 1.0]]))
assert not is_symmetric(np.ones((2, 3)))
### BEGIN HIDDEN TESTS
assert is_symmetric(A + 1e-14 * np.eye(3))
assert not is_symmetric(A + np.triu(np.ones((3, 3)), 1))
### END HIDDEN TESTS
print("Success!")
"""),
    md("""
## Part B (2 points)

Write `cholesky_lower(M)`, returning the lower-triangular `L` with `L @ L.T == M`. Raise
`ValueError` when `M` is not positive definite. The cell then factors the `A` defined above.
"""),
    solution("cholesky", """
def cholesky_lower(M):
    \"\"\"The lower-triangular L with L @ L.T == M, for a symmetric positive definite M.\"\"\"
    M = np.asarray(M, dtype=float)
    n = M.shape[0]
    L = np.zeros_like(M)
    ### BEGIN SOLUTION
    for j in range(n):
        pivot = M[j, j] - np.dot(L[j, :j], L[j, :j])
        if pivot <= 0:
            raise ValueError("the matrix is not positive definite")
        L[j, j] = np.sqrt(pivot)
        for i in range(j + 1, n):
            L[i, j] = (M[i, j] - np.dot(L[i, :j], L[j, :j])) / L[j, j]
    ### END SOLUTION
    return L


L = cholesky_lower(A)
"""),
    locked("show_factor", """
print("L =")
print(L)
print("largest |L L^T - A| =", np.max(np.abs(L @ L.T - A)))
"""),
    test("test_cholesky", 2, """
def random_spd(n, seed):
    \"\"\"A well-conditioned random symmetric positive definite matrix.\"\"\"
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(n, n))
    return B @ B.T + n * np.eye(n)


np.testing.assert_allclose(L, [[2, 0, 0], [1, 3, 0], [-1, 1, np.sqrt(3)]], atol=1e-12)
np.testing.assert_allclose(L @ L.T, A, atol=1e-12)
np.testing.assert_array_equal(np.triu(L, 1), np.zeros((3, 3)))
### BEGIN HIDDEN TESTS
for seed in range(3):
    S = random_spd(6, seed)
    np.testing.assert_allclose(cholesky_lower(S), np.linalg.cholesky(S), rtol=1e-10, atol=1e-12)
try:
    cholesky_lower(np.array([[1.0, 2.0], [2.0, 1.0]]))
except ValueError:
    pass
else:
    raise AssertionError("an indefinite matrix must raise ValueError")
### END HIDDEN TESTS
print("Success!")
"""),
    md("""
## Part C (2 points)

Write `solve_spd(M, rhs)` with `cholesky_lower` and two triangular solves. The right-hand
side may be complex (phasors in an AC circuit); the solution is then complex too.
"""),
    solution("solve_spd", """
def solve_spd(M, rhs):
    \"\"\"Solve M x = rhs for a symmetric positive definite M.\"\"\"
    ### BEGIN SOLUTION
    L = cholesky_lower(M)
    rhs = np.asarray(rhs)
    n = len(rhs)
    y = np.zeros(n, dtype=np.result_type(rhs, float))
    for i in range(n):
        y[i] = (rhs[i] - L[i, :i] @ y[:i]) / L[i, i]
    x = np.zeros_like(y)
    for i in reversed(range(n)):
        x[i] = (y[i] - L[i + 1:, i] @ x[i + 1:]) / L[i, i]
    return x
    ### END SOLUTION
"""),
    test("test_solve", 2, """
b = np.array([2.0, 14.0, 7.0])
x = solve_spd(A, b)
np.testing.assert_allclose(A @ x, b, atol=1e-10)
z = solve_spd(A, np.array([1 + 2j, -1j, 3.0]))
assert np.iscomplexobj(z), "a complex right-hand side gives a complex solution"
np.testing.assert_allclose(A @ z, [1 + 2j, -1j, 3.0], atol=1e-10)
### BEGIN HIDDEN TESTS
S = random_spd(8, 42)
r = np.arange(8.0)
np.testing.assert_allclose(solve_spd(S, r), np.linalg.solve(S, r), rtol=1e-9)
### END HIDDEN TESTS
print("Success!")
"""),
]

SENSOR = [
    md("""
# Lab 4: cleaning weather-station readings

`data/readings.csv` holds three days of readings from three stations. Station names were
typed by hand, a failed sensor writes `-999`, and the logger sometimes wrote a row twice.
"""),
    locked("setup", """
import numpy as np
import pandas as pd
from nose.tools import assert_almost_equal, assert_equal, assert_in, assert_true

raw = pd.read_csv("data/readings.csv")
print(f"{len(raw)} raw rows; columns: {', '.join(raw.columns)}")
"""),
    md("""
## 1. Loading (2 points)

Write `load_readings(path)`: parse `timestamp` as datetimes, strip and lower-case the station
names, and replace the sentinel `-999` with `NaN` in every numeric column.
"""),
    solution("load_readings", """
def load_readings(path):
    ### BEGIN SOLUTION
    df = pd.read_csv(path, parse_dates=["timestamp"])
    df["station"] = df["station"].str.strip().str.lower()
    return df.replace(-999, np.nan)
    ### END SOLUTION


readings = load_readings("data/readings.csv")
"""),
    test("test_load", 2, """
# Date parsing changed in old pandas releases; this lab needs 1.3 or newer.
major, minor = (int(part) for part in pd.__version__.split(".")[:2])
assert_true((major, minor) >= (1, 3), f"pandas {pd.__version__} is too old for this lab")

assert_equal(len(readings), len(raw))
assert_equal(sorted(readings["station"].unique()), ["harbour", "north", "south"])
assert_true(pd.api.types.is_datetime64_any_dtype(readings["timestamp"]))
assert_equal(int(readings["temp_c"].isna().sum()), 5)
assert_almost_equal(readings["humidity"].max(), 91.0)
### BEGIN HIDDEN TESTS
assert_equal(int((readings.select_dtypes("number") == -999).sum().sum()), 0)
assert_equal(int(readings["humidity"].isna().sum()), 4)
### END HIDDEN TESTS
"""),
    md("""
## 2. Duplicates (1 point)

Remove exact duplicate rows from `readings` (after the cleaning above, two rows repeat
another) and store how many rows you removed in `n_duplicates`.
"""),
    solution("dedupe", """
### BEGIN SOLUTION
before = len(readings)
readings = readings.drop_duplicates().reset_index(drop=True)
n_duplicates = before - len(readings)
### END SOLUTION
"""),
    test("test_dedupe", 1, """
assert_equal(n_duplicates, 2)
assert_equal(len(readings), 27)
assert_equal(int(readings.duplicated().sum()), 0)
"""),
    md("""
## 3. Daily means (2 points)

Drop the rows of `readings` that have no temperature. Then write `daily_means(df)`: the mean
temperature per station and day, rounded to 2 decimals, as a Series indexed by
`(station, day)` where `day` is a `YYYY-MM-DD` string.
"""),
    solution("daily", """
### BEGIN SOLUTION
readings = readings.dropna(subset=["temp_c"]).reset_index(drop=True)


def daily_means(df):
    day = df["timestamp"].dt.strftime("%Y-%m-%d").rename("day")
    return df.groupby(["station", day])["temp_c"].mean().round(2)
### END SOLUTION


daily = daily_means(readings)
daily
"""),
    test("test_daily", 2, """
assert_equal(len(readings), 23)
assert_in(("north", "2023-03-02"), daily.index)
assert_almost_equal(daily.loc[("north", "2023-03-02")], 4.37, places=2)
### BEGIN HIDDEN TESTS
assert_almost_equal(daily.loc[("harbour", "2023-03-01")], 6.63, places=2)
assert_equal(list(daily.index.names), ["station", "day"])
### END HIDDEN TESTS
"""),
]

INTERPOLATION = [
    md("""
# Homework 6: polynomials, interpolation and iteration
"""),
    locked("imports", """
import cmath
import itertools
import math
import types

import numpy as np
"""),
    md("""
## Q1 (1 point)

`horner(coeffs, x)` evaluates a polynomial given its coefficients, highest degree first, at a
float, a complex number or an array. `quadratic_roots(a, b, c)` returns both roots as
complex numbers, the one with the smaller imaginary part (then real part) first.
"""),
    solution("horner", """
def horner(coeffs, x):
    ### BEGIN SOLUTION
    result = 0
    for c in coeffs:
        result = result * x + c
    return result
    ### END SOLUTION


def quadratic_roots(a, b, c):
    ### BEGIN SOLUTION
    disc = cmath.sqrt(b * b - 4 * a * c)
    roots = [(-b - disc) / (2 * a), (-b + disc) / (2 * a)]
    return tuple(sorted(roots, key=lambda z: (z.imag, z.real)))
    ### END SOLUTION
"""),
    test("test_roots", 1, """
r1, r2 = quadratic_roots(1, 2, 5)
assert isinstance(r1, complex) and isinstance(r2, complex)
assert cmath.isclose(r1, -1 - 2j) and cmath.isclose(r2, -1 + 2j)
assert abs(horner([1, 2, 5], r1)) < 1e-12
assert horner([2, -3, 1], 2.0) == 3.0
### BEGIN HIDDEN TESTS
s1, s2 = quadratic_roots(1, -3, 2)
assert cmath.isclose(s1, 1) and cmath.isclose(s2, 2)
np.testing.assert_allclose(horner([1, 0, -1], np.array([0.0, 1.0, 2.0])), [-1.0, 0.0, 3.0])
### END HIDDEN TESTS
"""),
    md("""
## Q2 (2 points)

Complete `NewtonInterpolator`: the polynomial through the points `(xs[i], ys[i])` in Newton
form. `add_point` adds a node without recomputing the existing coefficients, `degree` is the
polynomial's degree, and calling the object evaluates it (floats and arrays).
"""),
    solution("newton", """
class NewtonInterpolator:
    def __init__(self, xs, ys):
        self.nodes = []
        self.coeffs = []
        self._last_row = []  # the newest diagonal of the divided-difference table
        for x, y in zip(xs, ys):
            self.add_point(x, y)

    @property
    def degree(self):
        ### BEGIN SOLUTION
        return len(self.nodes) - 1
        ### END SOLUTION

    def add_point(self, x, y):
        ### BEGIN SOLUTION
        row = [float(y)]
        for j, previous in enumerate(self._last_row, start=1):
            row.append((row[j - 1] - previous) / (x - self.nodes[-j]))
        self.nodes.append(float(x))
        self.coeffs.append(row[-1])
        self._last_row = row
        ### END SOLUTION

    def __call__(self, x):
        ### BEGIN SOLUTION
        result = 0.0
        for c, node in zip(reversed(self.coeffs), reversed(self.nodes)):
            result = result * (x - node) + c
        return result
        ### END SOLUTION
"""),
    test("test_newton", 2, """
p = NewtonInterpolator([0.0, 1.0, 2.0], [1.0, 3.0, 7.0])  # x^2 + x + 1
assert p.degree == 2
assert abs(p(3.0) - 13.0) < 1e-12
np.testing.assert_allclose(p(np.array([-1.0, 0.5])), [1.0, 1.75])
p.add_point(3.0, 14.0)
assert p.degree == 3
np.testing.assert_allclose([p(x) for x in (0.0, 1.0, 2.0, 3.0)], [1.0, 3.0, 7.0, 14.0])
### BEGIN HIDDEN TESTS
nodes = np.linspace(-1.0, 1.0, 7)
q = NewtonInterpolator(nodes, np.cos(nodes))
grid = np.linspace(-1.0, 1.0, 41)
np.testing.assert_allclose(q(grid), np.cos(grid), atol=1e-4)
### END HIDDEN TESTS
"""),
    md("""
## Q3 (1 point)

`newton_iterates(f, df, x0)` is a generator yielding `x0, x1, x2, ...` of Newton's method for
`f(x) = 0`, without end.
"""),
    solution("iterates", """
def newton_iterates(f, df, x0):
    ### BEGIN SOLUTION
    x = x0
    while True:
        yield x
        x = x - f(x) / df(x)
    ### END SOLUTION
"""),
    test("test_iterates", 1, """
gen = newton_iterates(lambda x: x * x - 2.0, lambda x: 2.0 * x, 1.0)
assert isinstance(gen, types.GeneratorType)
first = list(itertools.islice(gen, 6))
assert first[0] == 1.0 and first[1] == 1.5
assert abs(first[-1] - math.sqrt(2)) < 1e-12
assert abs(next(gen) - math.sqrt(2)) < 1e-12, "the generator keeps going"
"""),
    md("""
## Q4 (1 point)

`value_table(coeffs, xs)` returns `[(x, p(x)) for x in xs]`. It must call your `horner`
rather than evaluate the polynomial again.
"""),
    solution("value_table", """
def value_table(coeffs, xs):
    ### BEGIN SOLUTION
    return [(x, horner(coeffs, x)) for x in xs]
    ### END SOLUTION
"""),
    test("test_table_uses_horner", 1, """
assert value_table([1, 0, -4], [0, 1, 2]) == [(0, -4), (1, -3), (2, 0)]
saved = horner
del horner
try:
    value_table([1, 0], [1])
except NameError:
    pass
else:
    raise AssertionError("value_table does not call horner")
finally:
    horner = saved
"""),
]

KMEANS = [
    md("""
# Lab 7: k-means from scratch

Implement Lloyd's algorithm with numpy, then choose `k` with an elbow plot.
"""),
    locked("setup", """
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_blobs

X, y_true = make_blobs(n_samples=300, centers=4, cluster_std=0.7, random_state=3)
print("data:", X.shape)
"""),
    md("""
## Part 1 (2 points)

`sq_distances(X, C)`: the squared Euclidean distance from every row of `X` to every row of
`C`, shape `(len(X), len(C))`. Use broadcasting, not Python loops: it is timed on large data
against a reference and must be within a generous factor of it.
"""),
    solution("sq_distances", """
def sq_distances(X, C):
    ### BEGIN SOLUTION
    diff = X[:, None, :] - C[None, :, :]
    return np.einsum("ijk,ijk->ij", diff, diff)
    ### END SOLUTION
"""),
    test("test_distances", 1, """
D = sq_distances(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 0.0], [1.0, 1.0]]))
assert D.shape == (2, 2)
np.testing.assert_allclose(D, [[0.0, 2.0], [25.0, 13.0]])
"""),
    test("test_distances_speed", 1, """
def best_time(fn, *args, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def reference(X, C):
    return (X ** 2).sum(axis=1)[:, None] - 2 * X @ C.T + (C ** 2).sum(axis=1)[None, :]


rng = np.random.default_rng(0)
X_big, C_big = rng.normal(size=(200_000, 2)), rng.normal(size=(8, 2))
np.testing.assert_allclose(sq_distances(X_big, C_big), reference(X_big, C_big), atol=1e-8)
ratio = best_time(sq_distances, X_big, C_big) / best_time(reference, X_big, C_big)
assert ratio < 20, f"sq_distances is {ratio:.0f} times slower than the reference"
"""),
    md("""
## Part 2 (1 point)

`kmeans(X, k, n_iter, seed)`: start from `k` distinct random rows of `X`, iterate until the
centers stop moving, and return `(centers, labels, inertia)`.
"""),
    solution("kmeans", """
def kmeans(X, k, n_iter=100, seed=0):
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    centers = X[rng.choice(len(X), size=k, replace=False)]
    for _ in range(n_iter):
        labels = sq_distances(X, centers).argmin(axis=1)
        moved = np.array([
            X[labels == j].mean(axis=0) if np.any(labels == j) else centers[j]
            for j in range(k)
        ])
        if np.allclose(moved, centers):
            break
        centers = moved
    dist = sq_distances(X, centers)
    labels = dist.argmin(axis=1)
    return centers, labels, float(dist[np.arange(len(X)), labels].sum())
    ### END SOLUTION
"""),
    test("test_kmeans", 1, """
centers, labels, inertia = min((kmeans(X, 4, seed=s) for s in range(5)), key=lambda r: r[2])
assert centers.shape == (4, 2) and labels.shape == (300,)
assert set(np.unique(labels)) == {0, 1, 2, 3}
### BEGIN HIDDEN TESTS
from sklearn.cluster import KMeans

best = KMeans(n_clusters=4, n_init=10, random_state=0).fit(X).inertia_
assert inertia <= 1.05 * best, f"inertia {inertia:.1f} is far above {best:.1f}"
### END HIDDEN TESTS
"""),
    md("""
## Part 3 (2 points)

`elbow_curve(X, ks)` gives the inertia for each `k`. `plot_elbow(ks, inertias)` draws one line
of inertia against `k` with round markers, titled `Elbow plot`, with axis labels `k` and
`inertia`.
"""),
    solution("elbow", """
def elbow_curve(X, ks, seed=0):
    ### BEGIN SOLUTION
    return [kmeans(X, k, seed=seed)[2] for k in ks]
    ### END SOLUTION


def plot_elbow(ks, inertias):
    ### BEGIN SOLUTION
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(ks, inertias, marker="o")
    ax.set_title("Elbow plot")
    ax.set_xlabel("k")
    ax.set_ylabel("inertia")
    return ax
    ### END SOLUTION
"""),
    plain("""
ks = list(range(1, 8))
plot_elbow(ks, elbow_curve(X, ks));
"""),
    test("test_plot", 2, """
plt.close("all")
plot_elbow([1, 2, 3, 4], [40.0, 22.5, 10.0, 9.0])
ax = plt.gca()
assert len(ax.lines) == 1, "draw exactly one line"
np.testing.assert_allclose(ax.lines[0].get_xydata(), [[1, 40.0], [2, 22.5], [3, 10.0], [4, 9.0]])
assert ax.lines[0].get_marker() == "o"
assert ax.get_title() == "Elbow plot"
assert ax.get_xlabel() == "k" and ax.get_ylabel() == "inertia"
### BEGIN HIDDEN TESTS
curve = elbow_curve(X, [1, 2, 4])
assert curve[0] > curve[1] > curve[2], "inertia falls as k grows"
### END HIDDEN TESTS
plt.close("all")
"""),
]

SURVEY = [
    md(
        """
# Assignment 2: cleaning a customer survey

![How a response moves through the survey](attachment:survey_flow.png)

Each row is one response. Regions were typed by hand, some people clicked through in
seconds, and some skipped the satisfaction question.
""",
        attachment="survey_flow.png",
    ),
    locked("setup", """
import numpy as np
import pandas as pd

rng = np.random.default_rng(2024)
n = 60_000
answers = ["very unhappy", "unhappy", "neutral", "happy", "very happy", None]
survey = pd.DataFrame({
    "respondent": np.arange(1, n + 1),
    "region": rng.choice(["north", "south", "east", "west", " East", "WEST "], size=n),
    "age": rng.integers(16, 90, size=n).astype(float),
    "seconds": rng.gamma(3.0, 60.0, size=n).round(1),
    "satisfaction": rng.choice(answers, size=n, p=[0.08, 0.17, 0.3, 0.25, 0.12, 0.08]),
})
survey.loc[rng.choice(n, size=500, replace=False), "age"] = np.nan
print(f"{len(survey):,} responses")
"""),
    plain("""
# Every response before cleaning, to eyeball the problems.
print(survey.to_string())
"""),
    md("""
## Cleaning (2 points)

`clean_survey(df)` returns a new frame: regions stripped and lower-cased, responses faster
than 60 seconds or without a satisfaction answer dropped, and a `score` column from 1 (very
unhappy) to 5 (very happy). It must not change `df`.
"""),
    solution("clean", """
LIKERT = {"very unhappy": 1, "unhappy": 2, "neutral": 3, "happy": 4, "very happy": 5}


def clean_survey(df):
    ### BEGIN SOLUTION
    out = df.copy()
    out["region"] = out["region"].str.strip().str.lower()
    out = out[(out["seconds"] >= 60) & out["satisfaction"].notna()].copy()
    out["score"] = out["satisfaction"].map(LIKERT).astype(int)
    return out.reset_index(drop=True)
    ### END SOLUTION


clean = clean_survey(survey)
"""),
    test("test_clean", 2, """
assert set(clean["region"]) == {"north", "south", "east", "west"}
assert clean["seconds"].min() >= 60
assert clean["score"].between(1, 5).all()
assert len(clean) == 50_756
### BEGIN HIDDEN TESTS
assert clean["satisfaction"].notna().all()
assert survey["region"].str.contains(" ").any(), "clean_survey must not change its input"
### END HIDDEN TESTS
"""),
    md("""
## By region (1 point)

`satisfaction_by_region(df)`: the mean score per region, rounded to 3 decimals, highest first.
"""),
    solution("by_region", """
def satisfaction_by_region(df):
    ### BEGIN SOLUTION
    return df.groupby("region")["score"].mean().round(3).sort_values(ascending=False)
    ### END SOLUTION
"""),
    plain("""
%matplotlib inline
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(9, 6), dpi=150)
ax.scatter(clean["age"], clean["seconds"], c=clean["score"], s=2, cmap="viridis")
ax.set_xlabel("age")
ax.set_ylabel("seconds to complete")
ax.set_title("Completion time by age, coloured by score");
"""),
    test("test_by_region", 1, """
result = satisfaction_by_region(clean)
assert list(result.index) == ["south", "west", "east", "north"]
assert result.is_monotonic_decreasing
np.testing.assert_allclose(result.values, [3.177, 3.170, 3.169, 3.164], atol=1e-3)
"""),
]

AUTOTEST = [
    md("""
# Quiz 2: letter grades

The tests of this quiz are written with nbgrader's `### AUTOTEST` directives: nbgrader runs
this solution when it generates the assignment and writes the expected values (or their
hashes) into the tests.
"""),
    locked("setup", """
import statistics

scores = {"ana": 91.5, "ben": 78.0, "chloe": 64.5, "dev": 88.0, "emma": 49.0,
          "femi": 72.5, "gus": 95.0}
"""),
    md("""
## Q1 (1 point)

`letter_grade(score)`: `A` from 90, `B` from 80, `C` from 70, `D` from 60, otherwise `F`.
"""),
    solution("letter_grade", """
def letter_grade(score):
    ### BEGIN SOLUTION
    for cutoff, letter in ((90, "A"), (80, "B"), (70, "C"), (60, "D")):
        if score >= cutoff:
            return letter
    return "F"
    ### END SOLUTION
"""),
    test("test_letter_grade", 1, """
### AUTOTEST letter_grade(91.5); letter_grade(80); letter_grade(12.0)
"""),
    md("""
## Q2 (2 points)

Set `median_score` (a float), `passed` (the sorted names of students with at least 60) and
`letters` (each student's letter grade).
"""),
    solution("summary", """
### BEGIN SOLUTION
median_score = float(statistics.median(scores.values()))
passed = sorted(name for name, score in scores.items() if score >= 60)
letters = {name: letter_grade(score) for name, score in scores.items()}
### END SOLUTION
"""),
    test("test_summary", 2, """
### HASHED AUTOTEST median_score
### HASHED AUTOTEST passed; len(passed)
"""),
    test("test_letters", 1, """
assert set(letters) == set(scores), "one letter for each student"
### AUTOTEST letters["gus"]; letters
"""),
    md("""
## Q3 (1 point)

Leave `scores` as it was given: the answers above are checked against it.
"""),
    test("test_scores_untouched", 1, """
### AUTOTEST len(scores); scores["emma"]
"""),
]

# fmt: on

NOTEBOOKS = {
    "linalg_systems": {
        "minor": 0,
        "python": "3.4.3",
        "kernelspec": {"display_name": "Python", "language": "python", "name": "python"},
        "cells": LINALG,
    },
    "sensor_cleaning": {
        "minor": 4,
        "python": "3.8.10",
        "kernelspec": {
            "display_name": "Python 3 (DSCI 210)",
            "language": "python",
            "name": "dsci210",
        },
        "cells": SENSOR,
    },
    "interpolation_objects": {
        "minor": 5,
        "python": "3.11.4",
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "cells": INTERPOLATION,
    },
    "kmeans_elbow": {
        "minor": 5,
        "python": "3.10.12",
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
        "cells": KMEANS,
    },
    "survey_outputs": {
        "minor": 5,
        "python": "3.11.4",
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
        "cells": SURVEY,
        "save_outputs": True,
    },
    "autotest_grades": {
        "minor": 5,
        "python": "3.11.4",
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "cells": AUTOTEST,
    },
}
