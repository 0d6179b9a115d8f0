"""Hiring analytics (issue 15, docs/analytics.md): pure statistics over plain inputs.

Nothing here reads the database or a request. Each analysis takes plain rows or a pandas frame
and returns a JSON-ready dict (Python floats, ints, str, None; never NaN), so the CLI, the web
pages and the exports can share one result:

- `validity.validity`: each stage's Pearson r with performance, its 95% CI, p, r corrected for
  range restriction, and (through `weights.recalibrate`) proposed stage weights;
- `adverse.adverse_impact`: selection rates per group per stage, impact ratios, Fisher's
  exact p and a two-proportion z, with small groups suppressed;
- `items.item_analysis`: difficulty, discrimination, option analysis and Cronbach's alpha for
  one exam version;
- `funnel.funnel`: entered, passed, conversion and days per hiring stage.

`csvinput` turns the CSV files of `hirebench analytics ... --from-csv` into those inputs.
"""
