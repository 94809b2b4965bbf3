"""Demo data: a realistic, deterministic organisation to try Fieldwork with
(`fieldwork seed --demo`).

`demo.run()` is the entry point; `geography` and `catalogue` hold the static place, people and
equipment data; `world` builds the reference records; `history` plans each work order's life.
"""
